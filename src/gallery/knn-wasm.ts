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
import { byDistanceThenIndex, knnReference, type NearestRow } from './knn.js';

interface KnnExports {
  knn_candidates(q: number, data: number, n: number, k: number, slack: number, heapD: number, heapI: number, candD: number, candI: number, cap: number): number;
  knn_limit(): number;
}

const NEEDS: KernelNeeds<KnnExports> = { what: 'the k-nearest-neighbour kernel', names: ['knn_candidates', 'knn_limit'] };
const DIMS = 128;
/** 1 + 1e-4 rounded up to a float: the kernel's relative slack (assembly/knn.ts). */
export const KNN_SLACK = 1.0001000165939331;

/** An index's kernel instance (not exported: not API). */
interface KnnInstance {
  kernels: WasmKernels;
  exports: KnnExports;
}

/** Descriptors held in WebAssembly memory, searched exactly (see the module's header). */
export class WasmFaceIndex {
  private data = 0;
  private capacity = 0;
  private count = 0;
  private scratch = { ptr: 0, k: 0, cap: 0 };
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
    const q = Float32Array.from(query);
    if (this.kernels === undefined || !q.every(Number.isFinite) || q.some((x, i) => x !== query[i])) {
      return knnReference(query, this.descriptors(), n, DIMS, k);
    }
    const kk = Math.min(k, n);
    const cap = Math.max(65536, 16 * kk);
    if (this.scratch.k < kk || this.scratch.cap < cap) {
      this.scratch = { ptr: this.kernels.alloc(DIMS * 4 + 8 * kk + 8 * cap), k: kk, cap };
    }
    const s = this.scratch;
    const qp = s.ptr, hd = qp + DIMS * 4, hi = hd + 4 * s.k, cd = hi + 4 * s.k, ci = cd + 4 * s.cap;
    this.kernels.f32(qp, DIMS).set(q);
    const got = this.exports!.knn_candidates(qp, this.data, n, kk, KNN_SLACK, hd, hi, cd, ci, s.cap);
    if (got < 0) return knnReference(query, this.descriptors(), n, DIMS, k);
    const limit = this.exports!.knn_limit();
    const mem = this.kernels.memory.buffer;
    const dists = new Float32Array(mem, cd, got);
    const rows = new Int32Array(mem, ci, got);
    const flat = this.descriptors();
    const out: NearestRow[] = [];
    for (let j = 0; j < got; j++) {
      if (dists[j]! <= limit) out.push({ index: rows[j]!, distance: faceDistanceToRow(query, flat, rows[j]!, DIMS) });
    }
    return out.sort(byDistanceThenIndex).slice(0, kk);
  }
}

Gallery.rowIndex ??= (capacity: number) => new WasmFaceIndex(capacity);
