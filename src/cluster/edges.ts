/**
 * The face graph of dlib's examples/dnn_face_recognition_ex.cpp, at scale: the same edges as
 * {@link buildFaceEdges} (every pair i <= j, self-pairs included, with dlib's float
 * `length(d[i] - d[j]) < threshold`), in the same order (i ascending, then j ascending), computed
 * by a blocked WebAssembly SIMD kernel (assembly/distance.ts) that re-decides every pair near the
 * threshold with dlib's own float arithmetic, so that the edge set is exactly dlib's.
 *
 * Memory: the descriptors are copied once into the kernel's linear memory (n x 512 bytes; 51 MB
 * for 100k faces) and rows are processed in blocks of `blockRows`, each with an output area of
 * blockRows x n indices; the edges themselves come back as a compact Uint32Array of pairs.
 * Where the WebAssembly kernels do not load, the same results come from the TypeScript reference.
 */
import { FacemetricError } from '../errors.js';
import { WasmKernels } from '../wasm/index.js';
import { EDGE_DIM, edgeBounds, faceEdgeExports } from '../wasm/distance.js';
import { dlibFloatDistance } from './chinese-whispers.js';

/**
 * Face descriptors: an array of 128-number descriptors, or one row-major Float32Array of
 * n x 128 floats (the compact form for large sets).
 */
export type FaceDescriptors = readonly ArrayLike<number>[] | Float32Array;

export type FaceEdgesBackend = 'wasm' | 'reference';

export interface FaceEdgesOptions {
  /** 'wasm' (default where the kernels load) or 'reference' (dlibFloatDistance on every pair). */
  backend?: FaceEdgesBackend;
  /** Rows per kernel block, a positive multiple of 4 (default 32). */
  blockRows?: number;
  /** Throw instead of returning more edges than this (default 2^28: 2 GiB of pairs). */
  maxEdges?: number;
}

/** Edges in compact form. */
export interface FaceEdgeList {
  /** Number of descriptors (nodes). */
  faces: number;
  /** Number of edges. */
  count: number;
  /** pairs[2k], pairs[2k + 1]: edge k's i <= j, sorted by (i, j). */
  pairs: Uint32Array;
  /** The backend that computed them. */
  backend: FaceEdgesBackend;
  /** Pairs whose SIMD distance fell within the margin of the threshold and were re-decided exactly. */
  rechecked: number;
}

const DEFAULT_BLOCK_ROWS = 32;
const DEFAULT_MAX_EDGES = 2 ** 28;

let kernels: WasmKernels | null | undefined;

/** The private kernel instance (loaded once); null where WebAssembly or the kernel is missing. */
function edgeKernels(): WasmKernels | null {
  if (kernels === undefined) {
    try {
      const k = WasmKernels.load();
      faceEdgeExports(k);
      kernels = k;
    } catch {
      kernels = null;
    }
  }
  return kernels;
}

/** True when the WebAssembly edge kernel loads here (checked once). */
export function wasmFaceEdgesAvailable(): boolean {
  return edgeKernels() !== null;
}

/**
 * Drops the kernel instance and its memory (which stays grown to the largest set seen: about
 * 512 bytes per descriptor); the next call loads a fresh one.
 */
export function releaseFaceEdgeKernels(): void {
  kernels = undefined;
}

/** Validates and flattens the descriptors into a row-major Float32Array of n x 128. */
function flatten(descriptors: FaceDescriptors, where: string): { flat: Float32Array; n: number } {
  if (descriptors instanceof Float32Array) {
    if (descriptors.length % EDGE_DIM !== 0) {
      throw new FacemetricError(`${where}: a flat descriptor matrix must hold n x ${EDGE_DIM} floats, got ${descriptors.length}`);
    }
    return { flat: descriptors, n: descriptors.length / EDGE_DIM };
  }
  if (!Array.isArray(descriptors)) throw new FacemetricError(`${where}: descriptors must be an array of descriptors or a Float32Array`);
  const n = descriptors.length;
  const flat = new Float32Array(n * EDGE_DIM);
  for (let i = 0; i < n; i++) {
    const d = descriptors[i] as ArrayLike<number> | undefined;
    if (d === null || d === undefined || typeof d.length !== 'number') throw new FacemetricError(`${where}: descriptors[${i}] is not an array of numbers`);
    if (d.length !== EDGE_DIM) throw new FacemetricError(`${where}: descriptors[${i}] has ${d.length} values, expected ${EDGE_DIM}`);
    if (d instanceof Float32Array || d instanceof Float64Array || Array.isArray(d)) flat.set(d as ArrayLike<number>, i * EDGE_DIM);
    else for (let k = 0; k < EDGE_DIM; k++) flat[i * EDGE_DIM + k] = d[k];
  }
  return { flat, n };
}

function checkThreshold(threshold: number, where: string): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new FacemetricError(`${where}: threshold must be a number, got ${String(threshold)}`);
}

/** A growable Uint32Array of pairs. */
class PairBuffer {
  data = new Uint32Array(1024);
  length = 0;
  constructor(private readonly max: number) {}
  reserve(extraPairs: number): void {
    const need = this.length + 2 * extraPairs;
    if (need > 2 * this.max) throw new FacemetricError(`faceEdges: more than ${this.max} edges (options.maxEdges)`);
    if (need <= this.data.length) return;
    let cap = this.data.length;
    while (cap < need) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

function referenceEdges(flat: Float32Array, n: number, threshold: number, maxEdges: number): FaceEdgeList {
  const buf = new PairBuffer(maxEdges);
  for (let i = 0; i < n; i++) {
    const a = flat.subarray(i * EDGE_DIM, (i + 1) * EDGE_DIM);
    for (let j = i; j < n; j++) {
      if (dlibFloatDistance(a, flat.subarray(j * EDGE_DIM, (j + 1) * EDGE_DIM)) < threshold) {
        buf.reserve(1);
        buf.data[buf.length++] = i;
        buf.data[buf.length++] = j;
      }
    }
  }
  return { faces: n, count: buf.length / 2, pairs: buf.finish(), backend: 'reference', rechecked: 0 };
}

function wasmEdges(k: WasmKernels, flat: Float32Array, n: number, threshold: number, blockRows: number, maxEdges: number): FaceEdgeList {
  const ex = faceEdgeExports(k);
  const buf = new PairBuffer(maxEdges);
  let rechecked = 0;
  if (n === 0 || !(threshold > 0)) return { faces: n, count: 0, pairs: new Uint32Array(0), backend: 'wasm', rechecked };
  const { lo, hi } = edgeBounds(threshold);
  k.reset();
  try {
    // rows padded to a whole block so that every 4-row tile reads inside the matrix
    const padded = Math.ceil(n / blockRows) * blockRows;
    const desc = k.alloc(padded * EDGE_DIM * 4);
    const out = k.alloc(blockRows * n * 4);
    const counts = k.alloc(blockRows * 4);
    const dview = k.f32(desc, padded * EDGE_DIM);
    dview.set(flat);
    dview.fill(0, n * EDGE_DIM);
    for (let i0 = 0; i0 < n; i0 += blockRows) {
      rechecked += ex.face_edges_block(desc, n, i0, blockRows, lo, hi, threshold, out, counts);
      const mem = k.memory.buffer;
      const cnt = new Uint32Array(mem, counts, blockRows);
      const rows = Math.min(blockRows, n - i0);
      let total = 0;
      for (let r = 0; r < rows; r++) total += cnt[r];
      buf.reserve(total);
      const data = buf.data;
      let w = buf.length;
      for (let r = 0; r < rows; r++) {
        const c = cnt[r];
        if (c === 0) continue;
        const js = new Uint32Array(mem, out + r * n * 4, c);
        const i = i0 + r;
        for (let e = 0; e < c; e++) {
          data[w++] = i;
          data[w++] = js[e];
        }
      }
      buf.length = w;
    }
  } finally {
    k.reset();
  }
  return { faces: n, count: buf.length / 2, pairs: buf.finish(), backend: 'wasm', rechecked };
}

/**
 * dlib's face-graph edges in compact form: the pairs i <= j with `length(d[i] - d[j]) <
 * threshold` in dlib's float arithmetic, sorted by (i, j); identical to {@link buildFaceEdges}.
 * Descriptors must have 128 values each; NaN values give no edges (as in dlib: a NaN length is
 * never below the threshold).
 */
export function faceEdges(descriptors: FaceDescriptors, threshold = 0.6, options: FaceEdgesOptions = {}): FaceEdgeList {
  const where = 'faceEdges';
  checkThreshold(threshold, where);
  const blockRows = options.blockRows ?? DEFAULT_BLOCK_ROWS;
  if (!Number.isInteger(blockRows) || blockRows <= 0 || blockRows % 4 !== 0) {
    throw new FacemetricError(`${where}: options.blockRows must be a positive multiple of 4, got ${blockRows}`);
  }
  const maxEdges = options.maxEdges ?? DEFAULT_MAX_EDGES;
  if (!(maxEdges >= 0)) throw new FacemetricError(`${where}: options.maxEdges must be >= 0`);
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'reference') {
    throw new FacemetricError(`${where}: options.backend must be 'wasm' or 'reference', got ${String(options.backend)}`);
  }
  const { flat, n } = flatten(descriptors, where);
  if (options.backend === 'reference') return referenceEdges(flat, n, threshold, maxEdges);
  const k = edgeKernels();
  if (k === null) {
    if (options.backend === 'wasm') throw new FacemetricError(`${where}: the WebAssembly kernels do not load here (backend 'wasm' was asked for)`);
    return referenceEdges(flat, n, threshold, maxEdges);
  }
  return wasmEdges(k, flat, n, threshold, blockRows, maxEdges);
}

/**
 * {@link buildFaceEdges}' result ([i, j] pairs, sorted by (i, j)), computed by {@link faceEdges}:
 * the same edges, for 128-value descriptors, by a blocked SIMD kernel where WebAssembly loads.
 */
export function buildFaceEdgesFast(descriptors: FaceDescriptors, threshold = 0.6, options?: FaceEdgesOptions): [number, number][] {
  const { pairs, count } = faceEdges(descriptors, threshold, options);
  const out = new Array<[number, number]>(count);
  for (let e = 0; e < count; e++) out[e] = [pairs[2 * e], pairs[2 * e + 1]];
  return out;
}
