/** Comparing numbers: doubles by their place on the number line, arrays by their largest difference. */

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
