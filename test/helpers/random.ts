/** Deterministic random numbers for tests. */

import { mulberry32 } from '../../bench/random.js';

/** mulberry32 (bench/random.ts, which the benchmarks share): a small, fast 32-bit generator; returns floats in [0, 1). */
export { mulberry32 as rng };

/** mulberry32 as unsigned 32-bit integers (its floats are the integers / 2^32, so this is exact). */
export function rngU32(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 4294967296;
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
