/**
 * `WasmFaceIndex`: brute-force exact k-nearest-neighbour search in WebAssembly SIMD
 * (assembly/knn.ts), for galleries of up to millions of faces. The descriptors live in the
 * index's own kernel instance (512 bytes a face; 1,000,000 faces: 512 MB of linear memory); a
 * search narrows the rows down with the kernel and re-ranks the candidates with the reference
 * distance, so it returns exactly what knnReference (knn.ts) returns: the same rows, the same
 * float64 distances, nearest first, ties by index (the argument is in assembly/knn.ts). Where
 * the kernels do not load, or the candidates overflow, it runs the reference.
 *
 * Importing this module makes it large galleries' row index (`Gallery.rowIndex`, gallery.ts):
 * `Gallery.search` goes through it from INDEX_MIN_FACES faces on (the Node layer: file.ts and
 * the package's index import it; the browser core scans in TypeScript).
 */
import { loadKernels, type KernelNeeds } from '../wasm/exports.js';
import type { WasmKernels } from '../wasm/index.js';
import { faceDistanceToRow } from './distance.js';
import { Gallery } from './gallery.js';
import { ApproximateFaceIndex, nearestCentroidsReference, permuteRowsInPlace, type ApproximateIndexOptions, type NearestCentroids, type RowStore } from './ivf.js';
import { byDistanceThenIndex, knnReference, knnReferenceRanges, type NearestRow } from './knn.js';

interface KnnExports {
  knn_candidates(q: number, data: number, n: number, k: number, slack: number, heapD: number, heapI: number, candD: number, candI: number, cap: number): number;
  knn_candidates_ranges(q: number, data: number, ranges: number, count: number, k: number, slack: number, heapD: number, heapI: number, candD: number, candI: number, cap: number): number;
  knn_limit(): number;
  ivf_nearest(data: number, n: number, cents: number, c4: number, cnorm: number, out: number): void;
}

const NEEDS: KernelNeeds<KnnExports> = {
  what: 'the k-nearest-neighbour kernels',
  names: ['knn_candidates', 'knn_candidates_ranges', 'knn_limit', 'ivf_nearest'],
};
const DIMS = 128;
/** 1 + 1e-4 rounded up to a float: the kernel's relative slack (assembly/knn.ts). */
export const KNN_SLACK = 1.0001000165939331;

/** An index's kernel instance (not exported: not API). */
interface KnnInstance {
  kernels: WasmKernels;
  exports: KnnExports;
}

/**
 * Descriptors held in WebAssembly memory, searched exactly (see the module's header); also the
 * row store of the approximate index (ivf.ts's RowStore: `permute`, `searchRanges`,
 * `nearestCentroids` on its own memory; WasmApproximateFaceIndex in ivf-wasm.ts).
 */
export class WasmFaceIndex implements RowStore {
  private data = 0;
  private capacity = 0;
  private count = 0;
  private scratch = { ptr: 0, k: 0, cap: 0 };
  /** A reusable area for the centroid kernel's and the ranges' inputs (reallocated to grow). */
  private temp = { ptr: 0, bytes: 0 };
  /** Why the kernel is not used (it did not load), if so. */
  readonly note: string | undefined;

  /** An empty index; `capacity` faces are reserved (it grows as needed). */
  constructor(capacity = 1024) {
    try {
      this.instance = loadKernels(NEEDS);
    } catch (e) {
      this.note = `the k-nearest-neighbour search runs in TypeScript: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
      this.fallback = new Float32Array(capacity * DIMS);
    }
    this.reserve(capacity);
  }

  private fallback: Float32Array | undefined;

  private instance: KnnInstance | undefined;

  private get kernels(): KnnInstance['kernels'] | undefined {
    return this.instance?.kernels;
  }

  private get exports(): KnnInstance['exports'] | undefined {
    return this.instance?.exports;
  }

  /** Number of descriptors held. */
  get size(): number {
    return this.count;
  }

  /** The descriptors held, as a view (valid until the next add). */
  descriptors(): Float32Array {
    if (this.kernels === undefined) return this.fallback!.subarray(0, this.count * DIMS);
    return this.kernels.f32(this.data, this.count * DIMS);
  }

  private reserve(faces: number): void {
    if (faces <= this.capacity) return;
    const cap = Math.max(faces, 2 * this.capacity);
    if (this.kernels === undefined) {
      const grown = new Float32Array(cap * DIMS);
      grown.set(this.fallback!.subarray(0, this.count * DIMS));
      this.fallback = grown;
    } else {
      const old = this.count > 0 ? this.kernels.f32(this.data, this.count * DIMS).slice() : undefined;
      this.kernels.reset();
      this.data = this.kernels.alloc(cap * DIMS * 4);
      if (old !== undefined) this.kernels.f32(this.data, old.length).set(old);
      this.scratch = { ptr: 0, k: 0, cap: 0 };
      this.temp = { ptr: 0, bytes: 0 };
    }
    this.capacity = cap;
  }

  /** Appends descriptors (rows of 128 floats, row-major); returns the index of the first. */
  add(rows: Float32Array): number {
    if (rows.length % DIMS !== 0) throw new RangeError(`WasmFaceIndex.add: ${rows.length} values are not rows of ${DIMS}`);
    for (let i = 0; i < rows.length; i++) if (!Number.isFinite(rows[i]!)) throw new RangeError(`WasmFaceIndex.add: value ${i} is not finite`);
    const first = this.count;
    this.reserve(this.count + rows.length / DIMS);
    if (this.kernels === undefined) this.fallback!.set(rows, first * DIMS);
    else this.kernels.f32(this.data + first * DIMS * 4, rows.length).set(rows);
    this.count += rows.length / DIMS;
    return first;
  }

  /** The `k` rows nearest to `query`: exactly knnReference's answer (see the module's header). */
  search(query: ArrayLike<number>, k: number): NearestRow[] {
    if (query.length !== DIMS) throw new RangeError(`WasmFaceIndex.search: a query of ${query.length} values, expected ${DIMS}`);
    const n = this.count;
    if (!(k >= 1) || n === 0) return [];
    return this.candidates(query, Math.min(k, n), undefined, (e, qp, rest) => e.knn_candidates(qp, this.data, n, ...rest))
      ?? knnReference(query, this.descriptors(), n, DIMS, k);
  }

  /**
   * The `k` rows nearest to `query` among those in `ranges` (pairs: first row, rows), each
   * reported as `ids[row]`, ties by that id: exactly knnReferenceRanges's answer.
   */
  searchRanges(query: ArrayLike<number>, k: number, ranges: Int32Array, ids: Int32Array): NearestRow[] {
    if (query.length !== DIMS) throw new RangeError(`WasmFaceIndex.searchRanges: a query of ${query.length} values, expected ${DIMS}`);
    let rows = 0;
    for (let j = 0; j + 1 < ranges.length; j += 2) {
      if (!(ranges[j]! >= 0 && ranges[j + 1]! >= 0 && ranges[j]! + ranges[j + 1]! <= this.count)) throw new RangeError(`WasmFaceIndex.searchRanges: range ${j / 2} is outside the ${this.count} rows`);
      rows += ranges[j + 1]!;
    }
    if (!(k >= 1) || rows === 0) return [];
    const fallback = (): NearestRow[] => knnReferenceRanges(query, this.descriptors(), DIMS, k, ranges, ids);
    if (this.kernels === undefined) return fallback();
    const rp = this.tempArea(ranges.length * 4);
    new Int32Array(this.kernels.memory.buffer, rp, ranges.length).set(ranges);
    return this.candidates(query, Math.min(k, rows), ids, (e, qp, rest) => e.knn_candidates_ranges(qp, this.data, rp, ranges.length >> 1, ...rest)) ?? fallback();
  }

  /**
   * Runs a candidate kernel (`call` with the query's pointer and k, slack, heap, candidates,
   * capacity) and re-ranks its candidates by the reference distance: the `kk` nearest, rows
   * reported through `ids`. Undefined where the kernel cannot answer (not loaded, a query that is
   * not floats, candidates overflowing): the caller runs the reference.
   */
  private candidates(query: ArrayLike<number>, kk: number, ids: Int32Array | undefined,
    call: (e: KnnExports, qp: number, rest: [number, number, number, number, number, number, number]) => number): NearestRow[] | undefined {
    const q = Float32Array.from(query);
    if (this.kernels === undefined || !q.every(Number.isFinite) || q.some((x, i) => x !== query[i])) return undefined;
    const cap = Math.max(65536, 16 * kk);
    if (this.scratch.k < kk || this.scratch.cap < cap) {
      this.scratch = { ptr: this.kernels.alloc(DIMS * 4 + 8 * kk + 8 * cap), k: kk, cap };
    }
    const s = this.scratch;
    const qp = s.ptr, hd = qp + DIMS * 4, hi = hd + 4 * s.k, cd = hi + 4 * s.k, ci = cd + 4 * s.cap;
    this.kernels.f32(qp, DIMS).set(q);
    const got = call(this.exports!, qp, [kk, KNN_SLACK, hd, hi, cd, ci, s.cap]);
    if (got < 0) return undefined;
    const limit = this.exports!.knn_limit();
    const mem = this.kernels.memory.buffer;
    const dists = new Float32Array(mem, cd, got);
    const rows = new Int32Array(mem, ci, got);
    const flat = this.descriptors();
    const out: NearestRow[] = [];
    for (let j = 0; j < got; j++) {
      if (dists[j]! <= limit) out.push({ index: ids === undefined ? rows[j]! : ids[rows[j]!]!, distance: faceDistanceToRow(query, flat, rows[j]!, DIMS) });
    }
    return out.sort(byDistanceThenIndex).slice(0, kk);
  }

  /** Reorders the rows: row i becomes the old row `order[i]` (a permutation of 0..size-1). */
  permute(order: Int32Array): void {
    if (order.length !== this.count) throw new RangeError(`WasmFaceIndex.permute: ${order.length} positions for ${this.count} rows`);
    permuteRowsInPlace(this.descriptors(), order);
  }

  /**
   * ivf.ts's NearestCentroids on this index's kernel instance (rows that are a view of this
   * index's memory are read in place): the same cells as nearestCentroidsReference, bit for bit
   * (assembly/ivf.ts). The reference where the kernels do not load.
   */
  readonly nearestCentroids: NearestCentroids = (data, n, cents, cells, cnorm, out) => {
    if (this.kernels === undefined) return nearestCentroidsReference(data, n, cents, cells, cnorm, out);
    const k = this.kernels;
    // Where the rows are: in place (this memory) or copied in. Addresses stay valid across the
    // allocation below; views of the old buffer would not.
    const inPlace = data.buffer === k.memory.buffer;
    const c4 = Math.ceil(cells / 4) * 4;
    const bytes = c4 * DIMS * 4 + c4 * 4 + n * 4 + (inPlace ? 0 : n * DIMS * 4);
    const at = inPlace ? data.byteOffset : -1;
    const base = this.tempArea(bytes);
    const cp = base, np = cp + c4 * DIMS * 4, op = np + c4 * 4;
    const dp = inPlace ? at : op + n * 4;
    const mem = k.memory.buffer;
    const cv = new Float32Array(mem, cp, c4 * DIMS);
    cv.fill(0);
    cv.set(cents.subarray(0, cells * DIMS));
    const nv = new Float32Array(mem, np, c4);
    nv.fill(Infinity);
    nv.set(cnorm.subarray(0, cells));
    if (!inPlace) new Float32Array(mem, dp, n * DIMS).set(data.subarray(0, n * DIMS));
    this.exports!.ivf_nearest(dp, n, cp, c4, np, op);
    out.set(new Int32Array(k.memory.buffer, op, n));
  };

  /** `bytes` of the reusable area (grown by a fresh allocation when too small). */
  private tempArea(bytes: number): number {
    if (bytes > this.temp.bytes) this.temp = { ptr: this.kernels!.alloc(bytes), bytes };
    return this.temp.ptr;
  }
}

/**
 * An approximate index (ivf.ts) whose rows live in WebAssembly memory (a WasmFaceIndex) and whose
 * cells come from the centroid kernel: the same cells and answers as
 * `new ApproximateFaceIndex(opts)` (the reference), faster.
 */
export function wasmApproximateFaceIndex(opts: ApproximateIndexOptions = {}, capacity = 1024): ApproximateFaceIndex {
  const store = new WasmFaceIndex(capacity);
  return new ApproximateFaceIndex(opts, store, store.nearestCentroids);
}

Gallery.rowIndex ??= (capacity: number) => new WasmFaceIndex(capacity);
Gallery.approximateIndex = (capacity, opts) => wasmApproximateFaceIndex(opts, capacity);
