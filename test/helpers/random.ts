/** Deterministic random numbers for tests. */

/** mulberry32 (bench/random.ts, which the benchmarks share): a small, fast 32-bit generator; returns floats in [0, 1). */
export { mulberry32 as rng } from '../../bench/random.js';

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
