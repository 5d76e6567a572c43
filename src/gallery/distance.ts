/**
 * The distance identification ranks by: face_recognition's `face_distance`, i.e. numpy's
 * `np.linalg.norm(known - unknown, axis=1)` over dlib's descriptors as doubles (dlib's Python
 * `compute_face_descriptor` hands out the float32 components as a vector of doubles). Computed
 * here in the same float64 operations in numpy's order, so `facemetric identify --csv
 * --show-distance` prints the digits face_recognition would for the same descriptors:
 *
 *  - each difference `a[k] - b[k]` in double (exact for float32 inputs), squared in double;
 *  - the 128 squares summed as numpy's `pairwise_sum` does for a contiguous row of at most 128
 *    (PW_BLOCKSIZE) values: eight running sums r[0..7] over the unrolled blocks of eight, combined
 *    as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the remainder added in order
 *    (numpy/core/src/umath/loops_utils.h.src, `@TYPE@_pairwise_sum`); rows below 8 values are
 *    summed in order, longer ones split in halves at a multiple of 8, as numpy does;
 *  - `Math.sqrt` (correctly rounded, as C's `sqrt`).
 *
 * It differs from dlib's float `length(a - b)` (cluster/'s `dlibFloatDistance`) by rounding
 * only (~1e-7). No `node:` imports: the browser core uses it too.
 */

/** numpy's pairwise sum of `v[lo .. lo + n)` (float64). */
function pairwiseSum(v: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += v[lo + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [v[lo]!, v[lo + 1]!, v[lo + 2]!, v[lo + 3]!, v[lo + 4]!, v[lo + 5]!, v[lo + 6]!, v[lo + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += v[lo + i + j]!;
    }
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += v[lo + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(v, lo, n2) + pairwiseSum(v, lo + n2, n - n2);
}

let squares = new Float64Array(128);

/** The distance between `query` and `data[base .. base + n)`. */
function distanceAt(query: ArrayLike<number>, data: ArrayLike<number>, base: number, n: number): number {
  if (squares.length < n) squares = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const d = query[k]! - data[base + k]!;
    squares[k] = d * d;
  }
  return Math.sqrt(pairwiseSum(squares, 0, n));
}

/**
 * face_recognition's `face_distance` between two descriptors: the Euclidean distance in float64,
 * summed in numpy's pairwise order (see the file's header).
 * Requires: equal lengths.
 */
export function faceDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (b.length !== a.length) throw new RangeError(`faceDistance: lengths differ (${a.length} vs ${b.length})`);
  return distanceAt(a, b, 0, a.length);
}

/**
 * The distance from `query` to row `row` of a flat array of `dims`-long descriptors, as
 * {@link faceDistance} (no copy).
 */
export function faceDistanceToRow(query: ArrayLike<number>, flat: Float32Array, row: number, dims: number): number {
  return distanceAt(query, flat, row * dims, dims);
}
