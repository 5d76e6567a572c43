/**
 * glibc's `powf` (2.28 and later: the Arm optimized-routines algorithm, glibc
 * `sysdeps/ieee754/flt-32/e_powf.c` with the tables of `e_powf_log2_data.c` and
 * `e_exp2f_data.c`), reproduced bit for bit. dlib's `batch_normalize_conv_gradient` calls
 * `std::pow(invstd, 3.0f)`, i.e. powf; glibc's powf is not correctly rounded (its result before
 * the final rounding has a relative error up to 1.27·2^-26), so neither `x*x*x` nor a correctly
 * rounded cube reproduces it: about 0.07% of inputs come out one ulp away.
 *
 * The algorithm: log2(x) in double from a 16-entry table of (1/c, log2 c) and a degree-5
 * polynomial, times y, then 2^(y·log2 x) from a 32-entry table of 2^(i/32) and a cubic, rounded
 * once to float. On x86-64 glibc picks, at load time, a build of the same code compiled with
 * FMA when the CPU has FMA and AVX2 (`e_powf-fma.c`, selected by `ifunc-fma.h`): the compiler
 * then contracts each `a*b + c` of the polynomials into one fused multiply-add. {@link powfGlibc}
 * does the same (an exact fused multiply-add, {@link fmaExact}); {@link powfGlibcNoFma} is the
 * generic build (every product rounded before its sum). The two differ only where a double
 * rounding inside the polynomial moves the final float rounding. For y = 3 that never happens
 * on [2^-64, 2^42): a C transcription of both builds, run over every float in that range against
 * this machine's libm powf (glibc 2.36, FMA build selected), matched it everywhere (889 million
 * inputs; a one-off measurement). The parity test checks these TypeScript ports against the live
 * powf on 48 thousand inputs.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const f32u = new Uint32Array(f32.buffer);
// little-endian: u32[0] is the low word, u32[1] the high word
function hiLo(x: number): [number, number] {
  f64[0] = x;
  return [u32[1], u32[0]];
}
function fromHiLo(hi: number, lo: number): number {
  u32[1] = hi >>> 0;
  u32[0] = lo >>> 0;
  return f64[0];
}
function asuint(x: number): number {
  f32[0] = x;
  return f32u[0];
}
function asfloat(i: number): number {
  f32u[0] = i >>> 0;
  return f32[0];
}

/** A C99 hexadecimal float literal ("0x1.661ec79f8f3bep+0") as the double it denotes (exact). */
function hexf(s: string): number {
  const m = /^(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(s);
  if (m === null) throw new Error(`bad hex float ${s}`);
  const frac = m[3] ?? '';
  const mant = parseInt(m[2] + frac, 16); // at most 53 significant bits: exact
  const v = mant * 2 ** (parseInt(m[4], 10) - 4 * frac.length);
  return m[1] === '-' ? -v : v;
}

/** __powf_log2_data.tab: { invc, logc } for POWF_LOG2_TABLE_BITS = 4 (POWF_SCALE = 1 on x86-64). */
const LOG2_TAB: readonly (readonly [number, number])[] = [
  ['0x1.661ec79f8f3bep+0', '-0x1.efec65b963019p-2'],
  ['0x1.571ed4aaf883dp+0', '-0x1.b0b6832d4fca4p-2'],
  ['0x1.49539f0f010bp+0', '-0x1.7418b0a1fb77bp-2'],
  ['0x1.3c995b0b80385p+0', '-0x1.39de91a6dcf7bp-2'],
  ['0x1.30d190c8864a5p+0', '-0x1.01d9bf3f2b631p-2'],
  ['0x1.25e227b0b8eap+0', '-0x1.97c1d1b3b7afp-3'],
  ['0x1.1bb4a4a1a343fp+0', '-0x1.2f9e393af3c9fp-3'],
  ['0x1.12358f08ae5bap+0', '-0x1.960cbbf788d5cp-4'],
  ['0x1.0953f419900a7p+0', '-0x1.a6f9db6475fcep-5'],
  ['0x1p+0', '0x0p+0'],
  ['0x1.e608cfd9a47acp-1', '0x1.338ca9f24f53dp-4'],
  ['0x1.ca4b31f026aap-1', '0x1.476a9543891bap-3'],
  ['0x1.b2036576afce6p-1', '0x1.e840b4ac4e4d2p-3'],
  ['0x1.9c2d163a1aa2dp-1', '0x1.40645f0c6651cp-2'],
  ['0x1.886e6037841edp-1', '0x1.88e9c2c1b9ff8p-2'],
  ['0x1.767dcf5534862p-1', '0x1.ce0a44eb17bccp-2'],
].map(([a, b]) => [hexf(a), hexf(b)] as const);

/** __powf_log2_data.poly (POWF_LOG2_POLY_ORDER = 5). */
const LOG2_POLY = ['0x1.27616c9496e0bp-2', '-0x1.71969a075c67ap-2', '0x1.ec70a6ca7baddp-2', '-0x1.7154748bef6c8p-1', '0x1.71547652ab82bp0'].map(hexf);

/** 2^(i/32) as glibc's table holds it: __exp2f_data.tab[i] + (i << 47), as a double. */
const EXP2_TAB: readonly number[] = [
  0x3ff00000_00000000n, 0x3fefd9b0_d3158574n, 0x3fefb558_6cf9890fn, 0x3fef9301_d0125b51n,
  0x3fef72b8_3c7d517bn, 0x3fef5487_3168b9aan, 0x3fef387a_6e756238n, 0x3fef1e9d_f51fdee1n,
  0x3fef06fe_0a31b715n, 0x3feef1a7_373aa9cbn, 0x3feedea6_4c123422n, 0x3feece08_6061892dn,
  0x3feebfda_d5362a27n, 0x3feeb42b_569d4f82n, 0x3feeab07_dd485429n, 0x3feea47e_b03a5585n,
  0x3feea09e_667f3bcdn, 0x3fee9f75_e8ec5f74n, 0x3feea114_73eb0187n, 0x3feea589_994cce13n,
  0x3feeace5_422aa0dbn, 0x3feeb737_b0cdc5e5n, 0x3feec491_82a3f090n, 0x3feed503_b23e255dn,
  0x3feee89f_995ad3adn, 0x3feeff76_f2fb5e47n, 0x3fef199b_dd85529cn, 0x3fef3720_dcef9069n,
  0x3fef5818_dcfba487n, 0x3fef7c97_337b9b5fn, 0x3fefa4af_a2a490dan, 0x3fefd076_5b6e4540n,
].map((t, i) => {
  const v = t + (BigInt(i) << 47n);
  return fromHiLo(Number(v >> 32n), Number(v & 0xffffffffn));
});

/** __exp2f_data.poly for EXP2F_TABLE_BITS = 5. */
const EXP2_POLY = ['0x1.c6af84b912394p-5', '0x1.ebfce50fac4f3p-3', '0x1.62e42ff0c52d6p-1'].map(hexf);
/** __exp2f_data.shift_scaled: 0x1.8p+52 / 32. */
const SHIFT = 1.5 * 2 ** 47;

// ------------------------------------------------------------------------------------------
// Exact fused multiply-add

/** x = m * 2^e exactly (m a BigInt with the sign), for a finite double. */
function decompose(x: number): [bigint, number] {
  const [hi, lo] = hiLo(x);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  return [hi >>> 31 ? -m : m, e];
}

/** x * 2^e without intermediate overflow or underflow (for the ranges used here). */
function ldexp(x: number, e: number): number {
  while (e > 1000) { x *= 2 ** 1000; e -= 1000; }
  while (e < -1000) { x *= 2 ** -1000; e += 1000; }
  return x * 2 ** e;
}

/**
 * a*b + c rounded once to double (round to nearest, ties to even), as the x86 `vfmadd`
 * instructions compute it: exact integer arithmetic on the three operands, one rounding.
 * Finite operands only; subnormal results may be rounded twice (not reached by powf here).
 */
export function fmaExact(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  if (a === 0 || b === 0) return a * b + c;
  if (c === 0) return a * b;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const mp = ma * mb;
  const ep = ea + eb;
  const e0 = Math.min(ep, ec);
  const total = (mp << BigInt(ep - e0)) + (mc << BigInt(ec - e0));
  if (total === 0n) return 0;
  const neg = total < 0n;
  let t = neg ? -total : total;
  const bits = t.toString(2).length;
  let shift = 0;
  if (bits > 53) {
    shift = bits - 53;
    const q = t >> BigInt(shift);
    const rem = t - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    t = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  const v = ldexp(Number(t), e0 + shift);
  return neg ? -v : v;
}

const mulAdd = (a: number, b: number, c: number): number => a * b + c;

// ------------------------------------------------------------------------------------------
// powf

function log2Inline(ix: number, fma: (a: number, b: number, c: number) => number): number {
  const OFF = 0x3f330000;
  const tmp = (ix - OFF) >>> 0;
  const i = (tmp >>> 19) % 16;
  const top = (tmp & 0xff800000) >>> 0;
  const iz = (ix - top) >>> 0;
  const k = (top | 0) >> 23; // arithmetic shift of the signed value
  const [invc, logc] = LOG2_TAB[i];
  const z = asfloat(iz);
  const r = fma(z, invc, -1);
  const y0 = logc + k;
  const A = LOG2_POLY;
  const r2 = r * r;
  let y = fma(A[0], r, A[1]);
  const p = fma(A[2], r, A[3]);
  const r4 = r2 * r2;
  let q = fma(A[4], r, y0);
  q = fma(p, r2, q);
  y = fma(y, r4, q);
  return y;
}

function exp2Inline(xd: number, negative: boolean, fma: (a: number, b: number, c: number) => number): number {
  // kd = xd + SHIFT rounds xd to a multiple of 1/32: k = round(32*xd) (ties to even).
  let kd = xd + SHIFT;
  const k = Math.round((kd - SHIFT) * 32);
  kd -= SHIFT;
  const r = xd - kd;
  // s = 2^(k/32): the table entry for k mod 32 scaled by 2^floor(k/32) (exact).
  const s = ldexp(EXP2_TAB[k & 31], k >> 5);
  const C = EXP2_POLY;
  const z = fma(C[0], r, C[1]);
  const r2 = r * r;
  let y = fma(C[2], r, 1);
  y = fma(z, r2, y);
  y = y * s;
  return Math.fround(negative ? -y : y);
}

/** 0 if y is not an integer, 1 if odd, 2 if even (glibc's checkint, for finite non-zero y). */
function checkint(iy: number): number {
  const e = (iy >>> 23) & 0xff;
  if (e < 0x7f) return 0;
  if (e > 0x7f + 23) return 2;
  if (iy & ((1 << (0x7f + 23 - e)) - 1)) return 0;
  if (iy & (1 << (0x7f + 23 - e))) return 1;
  return 2;
}

function powfImpl(x: number, y: number, fma: (a: number, b: number, c: number) => number): number {
  x = Math.fround(x);
  y = Math.fround(y);
  let ix = asuint(x);
  const iy = asuint(y);
  let negative = false;
  const zeroInfNan = (i: number): boolean => ((2 * i - 1) >>> 0) >= ((2 * 0x7f800000 - 1) >>> 0);
  if (((ix - 0x00800000) >>> 0) >= 0x7f800000 - 0x00800000 || zeroInfNan(iy)) {
    // Special cases: glibc's answers (0, inf, NaN and subnormal inputs).
    if (zeroInfNan(iy)) {
      if (((2 * iy) >>> 0) === 0) return 1;
      if (ix === 0x3f800000) return 1;
      if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
      if (Math.abs(x) === 1) return 1;
      if ((Math.abs(x) < 1) === (y > 0)) return 0;
      return Infinity;
    }
    if (zeroInfNan(ix)) {
      let x2 = Math.fround(x * x);
      if (x < 0 || Object.is(x, -0)) {
        if (checkint(iy) === 1) x2 = -x2;
      }
      return y < 0 ? Math.fround(1 / x2) : x2;
    }
    if (ix & 0x80000000) {
      const yint = checkint(iy);
      if (yint === 0) return NaN;
      if (yint === 1) negative = true;
      ix &= 0x7fffffff;
    }
    if (ix < 0x00800000) {
      ix = asuint(Math.fround(asfloat(ix) * 2 ** 23)) & 0x7fffffff;
      ix = (ix - (23 << 23)) >>> 0;
    }
  }
  const logx = log2Inline(ix, fma);
  const ylogx = y * logx;
  if (Math.abs(ylogx) >= 126) {
    if (ylogx > hexf('0x1.fffffffd1d571p+6')) return negative ? -Infinity : Infinity;
    if (ylogx > hexf('0x1.fffffffa3aae2p+6') && ylogx !== 128) return negative ? -Infinity : Infinity;
    if (ylogx <= -150) return negative ? -0 : 0;
  }
  return exp2Inline(ylogx, negative, fma);
}

/**
 * powf(x, y) as glibc's FMA build computes it (x86-64 CPUs with FMA and AVX2): float32 x and
 * y, float32 result, bit-identical to the live powf (measured by the parity test).
 */
export function powfGlibc(x: number, y: number): number {
  return powfImpl(x, y, fmaExact);
}

/** powf(x, y) as glibc's generic build computes it (no fused multiply-add). */
export function powfGlibcNoFma(x: number, y: number): number {
  return powfImpl(x, y, mulAdd);
}
