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
  const best = new NearestRows(k);
  for (let i = 0; i < n; i++) best.offer({ index: i, distance: faceDistanceToRow(query, flat, i, dims) });
  return best.sorted();
}

/**
 * The same over some rows of `flat` only (an approximate index's probed cells): `ranges` holds
 * pairs (first row, rows); a row r is reported as `ids[r]` (ties by that id), or as r without
 * `ids`. The reference of WasmFaceIndex.searchRanges.
 */
export function knnReferenceRanges(query: ArrayLike<number>, flat: Float32Array, dims: number, k: number, ranges: Int32Array, ids?: Int32Array): NearestRow[] {
  if (query.length !== dims) throw new RangeError(`knnReferenceRanges: a query of ${query.length} values, expected ${dims}`);
  const best = new NearestRows(k);
  for (let j = 0; j + 1 < ranges.length; j += 2) {
    for (let r = ranges[j]!, end = r + ranges[j + 1]!; r < end; r++) {
      best.offer({ index: ids === undefined ? r : ids[r]!, distance: faceDistanceToRow(query, flat, r, dims) });
    }
  }
  return best.sorted();
}

/** The `k` best rows offered so far, in a max-heap by (distance, index). */
class NearestRows {
  private readonly heap: NearestRow[] = [];

  constructor(private readonly k: number) {}

  private static worse(a: NearestRow, b: NearestRow): boolean {
    return byDistanceThenIndex(a, b) > 0;
  }

  offer(row: NearestRow): void {
    const { heap, k } = this;
    const worse = NearestRows.worse;
    if (!(k >= 1)) return;
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

  /** The rows kept, nearest first. */
  sorted(): NearestRow[] {
    return this.heap.sort(byDistanceThenIndex);
  }
}
