/**
 * dlib's random number generator (`dlib::rand`, dlib 19.24), bit for bit.
 *
 * Mirrors `dlib/rand/rand_kernel_1.h` (class `rand`) on top of `dlib/rand/mersenne_twister.h`
 * (boost's `mersenne_twister`, instantiated as `dlib::mt19937`). Given the same seed string and
 * the same sequence of calls, every method returns exactly what dlib returns: the integers, the
 * doubles built from two 24-bit draws, the floats, and the Gaussian pairs with their cached
 * second value.
 *
 * Points of dlib's code that decide the numbers (and are followed here):
 *   - construction seeds the twister with 5489 and then draws (discards) 10000 numbers;
 *     `setSeed("")` and `clear()` reach the same state;
 *   - `setSeed(s)` for a non-empty `s` folds the string's bytes as `h = h*37 + byte` in 32-bit
 *     unsigned arithmetic, where each byte is a C++ `char` — signed on x86-64 Linux (the harness's
 *     platform; unsigned on AArch64 Linux, where dlib's hash differs) — so bytes >= 0x80 are
 *     sign-extended to 0xFFFFFF80..0xFFFFFFFF before the addition (see
 *     {@link DlibRand.seedHash}). The string's bytes are its
 *     UTF-8 encoding (what a C++ `std::string` holds for the same text). Then 10000 draws;
 *   - the Gaussian cache is cleared by every seeding, not by other draws.
 *
 * The transcendental functions: `sqrt` is exact in both languages. `log` is
 * {@link logCorrectlyRounded} (V8's Math.log differs from glibc's in the last bit for a few
 * percent of the Gaussian draws); glibc's log itself is not correctly rounded in every case,
 * so a few Gaussians in ten thousand still differ from dlib's in the last bit (the draws stay
 * aligned: log only scales an accepted pair). `pow` (weibull, beta) is V8's Math.pow, which
 * differs from glibc's in the last bits for a few percent of values.
 */

/** The state size `n` of `dlib::mt19937`. */
const N = 624;
/** The shift size `m` of `dlib::mt19937`. */
const M = 397;
/** `parameter_a` of `dlib::mt19937`. */
const MATRIX_A = 0x9908b0df;
/** `(~0u) << r` with `r` = 31. */
const UPPER_MASK = 0x80000000;
/** `~upper_mask`. */
const LOWER_MASK = 0x7fffffff;
/** The seed of boost's `mersenne_twister::seed()` without an argument. */
const DEFAULT_MT_SEED = 5489;
/** How many numbers dlib's `rand` discards after every seeding ("prime the generator a bit"). */
const PRIME_DRAWS = 10000;

/**
 * `dlib::rand::max_val`: 0xFFFFFF * 0x1000000 + 0xFFFFFF + 0.05, evaluated in doubles in that
 * order (so 2^48 - 1 + 0.0625 after rounding), the divisor of {@link DlibRand.getRandomDouble}.
 */
const MAX_VAL = ((0xffffff * 0x1000000) + 0xffffff) + 0.05;

/** `std::numeric_limits<double>::epsilon()`. */
const DOUBLE_EPSILON = Number.EPSILON;
/** `1.0f - std::numeric_limits<float>::epsilon()` as a float. */
const FLOAT_ONE_MINUS_EPS = Math.fround(1 - 2 ** -23);
/** `const float scale = 1.0/0x1000000` (exact in float). */
const FLOAT_SCALE = Math.fround(1 / 0x1000000);
/** `std::numeric_limits<dlib::uint32>::max()` as a double (`rndmax`). */
const RNDMAX = 4294967295;

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * boost's / dlib's `mersenne_twister<uint32,32,624,397,31,0x9908b0df,11,7,0x9d2c5680,15,
 * 0xefc60000,18,...>` (`dlib::mt19937`), with dlib's 2n-word state layout: `x[0..2n)` and the
 * read index `i`, twisted in two blocks (`twist(0)` when `i == n`, `twist(1)` when `i >= 2n`).
 */
class Mt19937 {
  private readonly x = new Uint32Array(2 * N);
  private i = N;

  /** `mersenne_twister::seed(UIntType value)`: Knuth's initialisation; leaves `i == n`. */
  seed(value: number = DEFAULT_MT_SEED): void {
    const x = this.x;
    x[0] = value >>> 0;
    for (let i = 1; i < N; i++) {
      const p = x[i - 1]!;
      x[i] = (Math.imul(1812433253, (p ^ (p >>> 30)) >>> 0) + i) >>> 0;
    }
    this.i = N;
  }

  /** `mersenne_twister::twist(int block)`. */
  private twist(block: 0 | 1): void {
    const x = this.x;
    const mix = (hi: number, lo: number, base: number): number => {
      const y = ((hi & UPPER_MASK) | (lo & LOWER_MASK)) >>> 0;
      return (base ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    };
    if (block === 0) {
      for (let j = N; j < 2 * N; j++) x[j] = mix(x[j - N]!, x[j - (N - 1)]!, x[j - (N - M)]!);
    } else {
      for (let j = 0; j < N - M; j++) x[j] = mix(x[j + N]!, x[j + N + 1]!, x[j + N + M]!);
      for (let j = N - M; j < N - 1; j++) x[j] = mix(x[j + N]!, x[j + N + 1]!, x[j - (N - M)]!);
      x[N - 1] = mix(x[2 * N - 1]!, x[0]!, x[M - 1]!);
      this.i = 0;
    }
  }

  /** `mersenne_twister::operator()`: the next tempered 32-bit output, in [0, 2^32). */
  next(): number {
    if (this.i === N) this.twist(0);
    else if (this.i >= 2 * N) this.twist(1);
    let z = this.x[this.i++]!;
    z ^= z >>> 11;
    z ^= (z << 7) & 0x9d2c5680;
    z ^= (z << 15) & 0xefc60000;
    z ^= z >>> 18;
    return z >>> 0;
  }

  /** A deep copy (the C++ compiler-generated copy constructor). */
  copy(): Mt19937 {
    const c = new Mt19937();
    c.x.set(this.x);
    c.i = this.i;
    return c;
  }

  /** The state words and the read index (for {@link DlibRand.toState}). */
  state(): { x: number[]; i: number } {
    return { x: Array.from(this.x), i: this.i };
  }

  /** Restores {@link state}'s output. */
  static fromState(s: { x: readonly number[]; i: number }): Mt19937 {
    if (s.x.length !== 2 * N || !Number.isInteger(s.i) || s.i < 0 || s.i > 2 * N) throw new RangeError('dlib::rand state: malformed twister state');
    const m = new Mt19937();
    m.x.set(s.x);
    m.i = s.i;
    return m;
  }
}

/** A {@link DlibRand}'s whole state as plain JSON data (checkpoints). */
export interface DlibRandState {
  mt: { x: number[]; i: number };
  seed: string;
  hasGaussian: boolean;
  nextGaussian: number;
}

// ---------------------------------------------------------------------------------------------
// A correctly rounded natural logarithm. glibc's log (what dlib's std::log calls on Linux) is
// correctly rounded in all but vanishingly rare cases; V8's Math.log (fdlibm) is not, and
// differs in the last bit for a few percent of arguments — enough to change Gaussian draws.
// So log is evaluated in double-double arithmetic (about 100 bits) and rounded once.

/** Veltkamp split of a into two 26-bit halves. */
function splitHi(a: number): number {
  const c = 134217729 * a;
  return c - (c - a);
}

/** a*b as hi + lo exactly (Dekker's product). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const ah = splitHi(a);
  const al = a - ah;
  const bh = splitHi(b);
  const bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

/** a+b as hi + lo exactly (Knuth's two-sum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

type DD = [number, number];

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  let [hi, lo] = twoSum(s, e + t);
  [hi, lo] = twoSum(hi, lo + f);
  return [hi, lo];
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddAdd(a, ddMul(b, [-q1, 0]));
  const q2 = r[0] / b[0];
  r = ddAdd(r, ddMul(b, [-q2, 0]));
  const q3 = r[0] / b[0];
  return ddAdd(twoSum(q1, q2), [q3, 0]);
}

/** 2/(2k+1), k = 0..ATANH_TERMS-1, as double-doubles: the series 2 atanh(s) = sum c_k s^(2k+1). */
const ATANH_TERMS = 24;
const ATANH_COEF: DD[] = Array.from({ length: ATANH_TERMS }, (_, k) => ddDiv([2, 0], [2 * k + 1, 0]));
/** ln 2 as a double-double. */
const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * ln(x), correctly rounded (barring ties closer than ~2^-100 ulp), as glibc's `log`. x = 2^k m
 * with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), summed in double-double.
 */
export function logCorrectlyRounded(x: number): number {
  if (!(x > 0) || x === Infinity || x < 2.2250738585072014e-308) return Math.log(x);
  f64[0] = x;
  const hiWord = u32[HI]!;
  let k = (hiWord >>> 20) - 1023;
  u32[HI] = (hiWord & 0x000fffff) | 0x3ff00000;
  let m = f64[0]!;
  if (m > Math.SQRT2) {
    m /= 2;
    k += 1;
  }
  if (m === 1) return k === 0 ? 0 : ddMul(LN2, [k, 0])[0] + ddMul(LN2, [k, 0])[1];
  const f = m - 1; // exact
  const s = ddDiv([f, 0], twoSum(2, f));
  const s2 = ddMul(s, s);
  let p: DD = ATANH_COEF[ATANH_TERMS - 1]!;
  for (let i = ATANH_TERMS - 2; i >= 0; i--) p = ddAdd(ddMul(p, s2), ATANH_COEF[i]!);
  let r = ddMul(p, s);
  if (k !== 0) r = ddAdd(ddMul(LN2, [k, 0]), r);
  return r[0] + r[1];
}

const utf8 = new TextEncoder();

/** Checks that `value` is a finite number (the `double` arguments of dlib's methods). */
function requireNumber(name: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number, got ${String(value)}`);
}

/**
 * dlib's random number generator, `dlib::rand` (dlib/rand/rand_kernel_1.h, dlib 19.24).
 *
 * ```ts
 * const rnd = new DlibRand();          // dlib::rand rnd;
 * const r2 = new DlibRand('facemetric'); // dlib::rand r2("facemetric");
 * rnd.getRandomGaussian();             // rnd.get_random_gaussian()
 * ```
 */
export class DlibRand {
  private mt = new Mt19937();
  private seedValue = '';
  private hasGaussian = false;
  private nextGaussian = 0;

  /**
   * `rand()` (no argument: the twister's default seed 5489, then 10000 discarded draws) or
   * `rand(const std::string& seed_value)` (the same, then {@link setSeed}).
   */
  constructor(seed?: string) {
    this.init();
    if (seed !== undefined) this.setSeed(seed);
  }

  /**
   * `rand(time_t seed_value)`: dlib seeds with `cast_to_string(seed_value)`, the decimal text of
   * the integer, so this is `new DlibRand(String(seconds))` for an integer `seconds`.
   */
  static fromTime(seconds: number | bigint): DlibRand {
    if (typeof seconds === 'number' && !Number.isSafeInteger(seconds)) {
      throw new RangeError(`seconds must be a safe integer, got ${seconds}`);
    }
    return new DlibRand(String(seconds));
  }

  /**
   * The 32-bit value dlib passes to `mt.seed()` for a non-empty seed string: over the UTF-8
   * bytes b of `seed`, `s = s*37 + (uint32)(char)b` modulo 2^32, where `(char)b` is a signed
   * char (as on x86-64 Linux, the platform of the parity harness), so bytes >= 0x80 add
   * `b - 256` (mod 2^32). Mirrors the loop in `rand::set_seed`.
   */
  static seedHash(seed: string): number {
    let s = 0;
    for (const b of utf8.encode(seed)) {
      const c = b >= 0x80 ? b - 256 : b;
      s = (Math.imul(s, 37) + c) >>> 0;
    }
    return s;
  }

  /** `rand::init()`: 10000 draws from the freshly constructed twister, empty Gaussian cache. */
  private init(): void {
    this.mt.seed();
    this.prime();
    this.hasGaussian = false;
    this.nextGaussian = 0;
  }

  private prime(): void {
    for (let i = 0; i < PRIME_DRAWS; i++) this.mt.next();
  }

  /** `rand::clear()`: back to the state of a default-constructed generator (seed ""). */
  clear(): void {
    this.mt.seed();
    this.seedValue = '';
    this.hasGaussian = false;
    this.nextGaussian = 0;
    this.prime();
  }

  /** `rand::get_seed()`: the last string given to {@link setSeed} ("" initially). */
  getSeed(): string {
    return this.seedValue;
  }

  /**
   * `rand::set_seed(const std::string&)`: "" reseeds with the twister's default (the state of
   * a default-constructed generator); any other string with {@link DlibRand.seedHash}. Then
   * 10000 discarded draws, and the Gaussian cache is emptied.
   */
  setSeed(value: string): void {
    if (typeof value !== 'string') throw new TypeError(`seed must be a string, got ${typeof value}`);
    this.seedValue = value;
    if (value.length !== 0) this.mt.seed(DlibRand.seedHash(value));
    else this.mt.seed();
    this.prime();
    this.hasGaussian = false;
    this.nextGaussian = 0;
  }

  /** `rand::get_random_8bit_number()`: the low 8 bits of one draw. */
  getRandom8bitNumber(): number {
    return this.mt.next() & 0xff;
  }

  /** `rand::get_random_16bit_number()`: the low 16 bits of one draw. */
  getRandom16bitNumber(): number {
    return this.mt.next() & 0xffff;
  }

  /** `rand::get_random_32bit_number()`: one draw, in [0, 2^32). */
  getRandom32bitNumber(): number {
    return this.mt.next();
  }

  /** `rand::get_random_64bit_number()`: two draws a, b as `(a << 32) | b`, in [0, 2^64). */
  getRandom64bitNumber(): bigint {
    const a = BigInt(this.mt.next());
    const b = BigInt(this.mt.next());
    return (a << 32n) | b;
  }

  /**
   * `rand::get_random_double()`: two draws, their low 24 bits as hi*2^24 + lo, divided by
   * `max_val` (2^48 - 1 + 0.0625); in [0, 1) (1 - 2^-52 where the quotient would reach 1,
   * which it cannot).
   */
  getRandomDouble(): number {
    let val = (this.mt.next() & 0xffffff) * 0x1000000;
    val += this.mt.next() & 0xffffff;
    val /= MAX_VAL;
    return val < 1.0 ? val : 1.0 - DOUBLE_EPSILON;
  }

  /** `rand::get_random_float()`: one draw's low 24 bits times 2^-24, as a float; in [0, 1). */
  getRandomFloat(): number {
    const val = Math.fround(Math.fround(this.mt.next() & 0xffffff) * FLOAT_SCALE);
    return val < 1.0 ? val : FLOAT_ONE_MINUS_EPS;
  }

  /**
   * `rand::get_double_in_range(begin, end)`: `begin + get_random_double()*(end-begin)`, in
   * [begin, end) (dlib requires begin <= end; a RangeError here).
   */
  getDoubleInRange(begin: number, end: number): number {
    requireNumber('begin', begin);
    requireNumber('end', end);
    if (!(begin <= end)) throw new RangeError(`begin (${begin}) must be <= end (${end})`);
    return begin + this.getRandomDouble() * (end - begin);
  }

  /**
   * `rand::get_integer_in_range(long long begin, long long end)`: an integer in [begin, end)
   * (begin itself when begin == end) by rejection sampling over 64-bit draws: draw r until
   * `r < floor((2^64-1)/range)*range`, then `begin + r % range`. Numbers must be safe integers
   * (the result is a number); bigints must fit a `long long` (the result is a bigint).
   */
  getIntegerInRange(begin: number, end: number): number;
  getIntegerInRange(begin: bigint, end: bigint): bigint;
  getIntegerInRange(begin: number | bigint, end: number | bigint): number | bigint {
    if (typeof begin === 'number' && typeof end === 'number') {
      if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
        throw new RangeError(`begin and end must be safe integers, got ${begin}, ${end}`);
      }
      return Number(this.integerInRange(BigInt(begin), BigInt(end)));
    }
    if (typeof begin === 'bigint' && typeof end === 'bigint') {
      const lo = -(1n << 63n);
      const hi = (1n << 63n) - 1n;
      if (begin < lo || begin > hi || end < lo || end > hi) {
        throw new RangeError('begin and end must fit a 64-bit signed integer (long long)');
      }
      return this.integerInRange(begin, end);
    }
    throw new TypeError('begin and end must both be numbers or both be bigints');
  }

  private integerInRange(begin: bigint, end: bigint): bigint {
    if (begin > end) throw new RangeError(`begin (${begin}) must be <= end (${end})`);
    if (begin === end) return begin;
    // end-begin in long long, converted to uint64 in the comparison and the modulo: for
    // begin < end that is the true difference, in [1, 2^64).
    const range = end - begin;
    const bound = (UINT64_MAX / range) * range;
    let r = this.getRandom64bitNumber();
    while (r >= bound) r = this.getRandom64bitNumber();
    return begin + (r % range);
  }

  /** `rand::get_integer(long long end)`: `get_integer_in_range(0, end)`; end >= 0. */
  getInteger(end: number): number;
  getInteger(end: bigint): bigint;
  getInteger(end: number | bigint): number | bigint {
    if (end < 0) throw new RangeError(`end must be >= 0, got ${end}`);
    return typeof end === 'bigint' ? this.getIntegerInRange(0n, end) : this.getIntegerInRange(0, end);
  }

  /**
   * `rand::get_random_complex_gaussian()`: Marsaglia's polar form of Box-Muller. Draws pairs
   * u1, u2 (each `draw / (2^32-1)`), x = 2u - 1, until w = x1² + x2² < 1; then both
   * coordinates times sqrt(-2 ln(w) / w). Returns [real, imag]. Does not touch the cache.
   */
  getRandomComplexGaussian(): [number, number] {
    let x1: number;
    let x2: number;
    let w: number;
    do {
      const rnd1 = this.mt.next() / RNDMAX;
      const rnd2 = this.mt.next() / RNDMAX;
      x1 = 2.0 * rnd1 - 1.0;
      x2 = 2.0 * rnd2 - 1.0;
      w = x1 * x1 + x2 * x2;
    } while (w >= 1.0);
    w = Math.sqrt((-2.0 * logCorrectlyRounded(w)) / w);
    return [x1 * w, x2 * w];
  }

  /**
   * `rand::get_random_gaussian()`: a standard normal value. Every other call returns the
   * cached imaginary part of the previous complex Gaussian; the others draw a new pair and
   * return its real part.
   */
  getRandomGaussian(): number {
    if (this.hasGaussian) {
      this.hasGaussian = false;
      return this.nextGaussian;
    }
    const [re, im] = this.getRandomComplexGaussian();
    this.nextGaussian = im;
    this.hasGaussian = true;
    return re;
  }

  /**
   * `rand::get_random_exponential(lambda)`: `-ln(u)/lambda` for u = get_random_double()
   * redrawn while 0. lambda > 0.
   */
  getRandomExponential(lambda: number): number {
    requireNumber('lambda', lambda);
    if (!(lambda > 0)) throw new RangeError(`lambda must be greater than zero, got ${lambda}`);
    let u = 0.0;
    while (u === 0.0) u = this.getRandomDouble();
    return -logCorrectlyRounded(u) / lambda;
  }

  /**
   * `rand::get_random_weibull(lambda, k, gamma)`: `gamma + lambda*pow(-ln(u), 1/k)` for
   * u = get_random_double() redrawn while 0. lambda > 0, k > 0.
   */
  getRandomWeibull(lambda: number, k: number, gamma: number): number {
    requireNumber('lambda', lambda);
    requireNumber('k', k);
    requireNumber('gamma', gamma);
    if (!(k > 0)) throw new RangeError(`k must be greater than zero, got ${k}`);
    if (!(lambda > 0)) throw new RangeError(`lambda must be greater than zero, got ${lambda}`);
    let u = 0.0;
    while (u === 0.0) u = this.getRandomDouble();
    return gamma + lambda * Math.pow(-logCorrectlyRounded(u), 1.0 / k);
  }

  /**
   * `rand::get_random_beta(alpha, beta)`: Jöhnk's method, u = pow(d1, 1/alpha),
   * v = pow(d2, 1/beta) from two get_random_double() draws, redrawn while u + v > 1 or
   * u == v == 0; returns u / (u + v). alpha > 0, beta > 0.
   */
  getRandomBeta(alpha: number, beta: number): number {
    requireNumber('alpha', alpha);
    requireNumber('beta', beta);
    if (!(alpha > 0)) throw new RangeError(`alpha must be greater than zero, got ${alpha}`);
    if (!(beta > 0)) throw new RangeError(`beta must be greater than zero, got ${beta}`);
    let u = Math.pow(this.getRandomDouble(), 1 / alpha);
    let v = Math.pow(this.getRandomDouble(), 1 / beta);
    while (u + v > 1 || (u === 0 && v === 0)) {
      u = Math.pow(this.getRandomDouble(), 1 / alpha);
      v = Math.pow(this.getRandomDouble(), 1 / beta);
    }
    return u / (u + v);
  }

  /** `rand::swap(rand&)`: exchanges the whole state with `other`. */
  swap(other: DlibRand): void {
    [this.mt, other.mt] = [other.mt, this.mt];
    [this.seedValue, other.seedValue] = [other.seedValue, this.seedValue];
    [this.hasGaussian, other.hasGaussian] = [other.hasGaussian, this.hasGaussian];
    [this.nextGaussian, other.nextGaussian] = [other.nextGaussian, this.nextGaussian];
  }

  /** The generator's state as JSON data; {@link DlibRand.fromState} continues the same sequence. */
  toState(): DlibRandState {
    return { mt: this.mt.state(), seed: this.seedValue, hasGaussian: this.hasGaussian, nextGaussian: this.nextGaussian };
  }

  /** A generator in the state {@link toState} recorded. */
  static fromState(s: DlibRandState): DlibRand {
    const r = new DlibRand();
    r.mt = Mt19937.fromState(s.mt);
    r.seedValue = String(s.seed);
    r.hasGaussian = s.hasGaussian === true;
    r.nextGaussian = Number(s.nextGaussian);
    return r;
  }

  /** A copy with the same state (the C++ copy constructor): both then produce the same numbers. */
  clone(): DlibRand {
    const c = new DlibRand();
    c.mt = this.mt.copy();
    c.seedValue = this.seedValue;
    c.hasGaussian = this.hasGaussian;
    c.nextGaussian = this.nextGaussian;
    return c;
  }
}
