/**
 * Exact k-nearest-neighbour search over a flat array of descriptors, the reference of the
 * WebAssembly kernel (assembly/knn.ts, glue in knn-wasm.ts, which must give the same rows and
 * distances): every row's face_recognition distance (distance.ts: float64, numpy's order), the k
 * smallest, nearest first, ties by row index. No `node:` imports.
 */
import { faceDistanceToRow } from './distance.js';

/** A row of the matrix and the query's distance to it. */
export interface NearestRow {
  index: number;
  distance: number;
}

/** (distance, index) order: nearest first, ties by the lower index. */
export const byDistanceThenIndex = (a: NearestRow, b: NearestRow): number => a.distance - b.distance || a.index - b.index;

/**
 * The `k` rows of `flat` (n x dims, row-major) nearest to `query`, nearest first, ties by index;
 * all n when k >= n.
 */
export function knnReference(query: ArrayLike<number>, flat: Float32Array, n: number, dims: number, k: number): NearestRow[] {
  if (query.length !== dims) throw new RangeError(`knnReference: a query of ${query.length} values, expected ${dims}`);
  if (!(k >= 1)) return [];
  // A max-heap (by distance, then index) of the k best rows so far.
  const heap: NearestRow[] = [];
  const worse = (a: NearestRow, b: NearestRow): boolean => byDistanceThenIndex(a, b) > 0;
  for (let i = 0; i < n; i++) {
    const row = { index: i, distance: faceDistanceToRow(query, flat, i, dims) };
    if (heap.length < k) {
      heap.push(row);
      for (let c = heap.length - 1; c > 0;) {
        const p = (c - 1) >> 1;
        if (!worse(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
    } else if (worse(heap[0]!, row)) {
      heap[0] = row;
      for (let p = 0; ;) {
        let c = 2 * p + 1;
        if (c >= k) break;
        if (c + 1 < k && worse(heap[c + 1]!, heap[c]!)) c++;
        if (!worse(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        p = c;
      }
    }
  }
  return heap.sort(byDistanceThenIndex);
}
