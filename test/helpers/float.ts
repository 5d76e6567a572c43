/** Comparing numbers: doubles by their place on the number line, arrays by their largest difference. */
import { expect } from 'vitest';

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** Position of a double among all doubles (so the ulp distance of two is a difference). */
export function ordinal(v: number): bigint {
  f64[0] = v;
  const b = i64[0]!;
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** Signed distance from b to a in units in the last place. */
export const ulps = (a: number, b: number): number => Number(ordinal(a) - ordinal(b));

/** The largest |a[i] - b[i]| over a's indices (b at least as long). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** How many entries of two float32 arrays differ in their bits (expects equal lengths). */
export function bitDiffCount(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

/** The first `max` indices where two float32 arrays differ in their bits (expects equal lengths). */
export function bitDiffIndices(a: Float32Array, b: Float32Array, max = 10): number[] {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < x.length && out.length < max; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}
