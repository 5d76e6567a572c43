/**
 * glibc's `rand()` / `srand()` (glibc's `stdlib/random_r.c`, the generator behind `random()` and
 * `rand()`), bit for bit.
 *
 * dlib seeds every con_ and fc_ layer's initialisation with `dlib::rand(std::rand())`
 * (`dnn/layers.h`, each layer's `setup`), so a network's initial parameters depend on how many
 * times `std::rand()` was called before, process-wide. With glibc's default state (no `srand`,
 * or `srand(1)`) the first values are 1804289383, 846930886, 1681692777, ...
 *
 * The generator is glibc's TYPE_3 additive feedback generator: a table `r` of 31 32-bit words,
 * `r[i] = r[i-31] + r[i-3]` (mod 2^32), each output `r[i] >> 1`. Seeding (`__srandom_r`):
 * `r[0] = seed` (0 becomes 1), then `r[i] = 16807 * r[i-1] mod (2^31 - 1)` for i = 1..30,
 * computed with Schrage's method on the signed 32-bit word (`hi = w / 127773`, `lo = w % 127773`,
 * `w = 16807*lo - 2836*hi`, plus 2^31 - 1 when negative; C's division truncates toward zero, which
 * matters for seeds >= 2^31, read as negative `int32_t`); the front pointer starts at `r[3]`, the
 * rear at `r[0]`, and 310 outputs are discarded.
 */

/** glibc's TYPE_3: degree 31, separation 3. */
const DEG = 31;
const SEP = 3;
/** `__srandom_r` discards 10 * DEG outputs after seeding. */
const DISCARD = 10 * DEG;

/** glibc's `rand()` state: one instance is one process's `std::rand()`. */
export class GlibcRand {
  private readonly state = new Uint32Array(DEG);
  private front = SEP;
  private rear = 0;

  /** A generator in glibc's initial state (what a process has before any `srand`: seed 1). */
  constructor(seed = 1) {
    this.srand(seed);
  }

  /** `srand(seed)`: `seed` is an `unsigned int` (taken modulo 2^32); 0 acts as 1. */
  srand(seed: number): void {
    if (!Number.isInteger(seed)) throw new RangeError(`srand: the seed must be an integer, got ${seed}`);
    let s = seed >>> 0;
    if (s === 0) s = 1;
    const r = this.state;
    r[0] = s;
    // int32_t word = seed (a seed >= 2^31 is negative here); Schrage's 16807*word mod (2^31-1).
    let word = s | 0;
    for (let i = 1; i < DEG; i++) {
      const hi = Math.trunc(word / 127773);
      const lo = word % 127773;
      word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      r[i] = word;
    }
    this.front = SEP;
    this.rear = 0;
    for (let i = 0; i < DISCARD; i++) this.rand();
  }

  /** `rand()`: the next value in 0..2^31-1. */
  rand(): number {
    const r = this.state;
    const val = (r[this.front] + r[this.rear]) >>> 0;
    r[this.front] = val;
    const result = val >>> 1;
    if (++this.front >= DEG) {
      this.front = 0;
      ++this.rear;
    } else if (++this.rear >= DEG) {
      this.rear = 0;
    }
    return result;
  }

  /** A deep copy (same state, independent sequence). */
  clone(): GlibcRand {
    const c = new GlibcRand();
    c.state.set(this.state);
    c.front = this.front;
    c.rear = this.rear;
    return c;
  }
}
