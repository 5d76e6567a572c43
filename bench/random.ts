/**
 * mulberry32, the small deterministic generator the benchmarks' synthetic data (and the tests',
 * through test/helpers/random.ts) draw from. Not dlib's: where dlib's sequence matters
 * (chinese_whispers, jitter) the code uses src/rand/ (dlib::rand) instead.
 */

/**
 * mulberry32: a small, fast 32-bit generator.
 * Requires: nothing (the seed is taken modulo 2^32). Ensures: the returned function yields floats
 * in [0, 1), the same sequence for the same seed.
 */
export function mulberry32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
