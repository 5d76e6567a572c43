/** Deterministic random numbers for tests. */

/** mulberry32: a small, fast 32-bit generator; returns unsigned 32-bit integers. */
export function rngU32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** mulberry32 (rngU32) as floats in [0, 1). */
export function rng(seed: number): () => number {
  const next = rngU32(seed);
  return () => next() / 4294967296;
}

/** Deterministic pseudo-random floats in [-1, 1) (a 32-bit LCG; the sequence is the same for a seed). */
export function randomF32(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A deterministic noise image of size x size RGB pixels (xorshift32 bytes). */
export function randomChip(seed: number, size = 150): { width: number; height: number; data: Uint8Array } {
  let s = seed >>> 0 || 1;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    data[i] = s & 0xff;
  }
  return { width: size, height: size, data };
}

/**
 * Deterministic keys with many ties: `n` values from `distinct` levels (multiples of 1/4), drawn
 * by the same 32-bit LCG as randomF32 (for sorting tests: std::sort's order of equal keys).
 */
export function tieKeys(n: number, distinct: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s % distinct) / 4);
  }
  return out;
}

/**
 * A 32-bit LCG (Numerical Recipes' constants, as randomF32) behind dlib::rand's
 * get_random_32bit_number interface: a cheap deterministic random source for chinese_whispers.
 */
export class Lcg {
  constructor(private s = 12345) {}
  getRandom32bitNumber(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s;
  }
}
