/**
 * The face graph of dlib's examples/dnn_face_recognition_ex.cpp, at scale, and its backend
 * dispatch: the same edges as {@link buildFaceEdges} (every pair i <= j, self-pairs included,
 * with dlib's float `length(d[i] - d[j]) < threshold`), in the same order (i ascending, then j
 * ascending), computed by a blocked WebAssembly SIMD kernel (edges-wasm.ts, assembly/distance.ts)
 * that re-decides every pair near the threshold with dlib's own float arithmetic, so that the
 * edge set is exactly dlib's. Where the WebAssembly kernels do not load, the same results come
 * from the TypeScript reference (face-graph.ts).
 */
import { FacemetricError } from '../errors.js';
import { isBackend, type Backend } from '../wasm/backend.js';
import { wasmEdges, wasmFaceEdgesAvailable } from './edges-wasm.js';
import { checkThreshold, flatten, referenceEdges, type FaceDescriptors, type FaceEdgePairs } from './face-graph.js';

export interface FaceEdgesOptions {
  /** 'wasm' (default where the kernels load) or 'reference' (dlibFloatDistance on every pair). */
  backend?: Backend;
  /** Rows per kernel block, a positive multiple of 4 (default 32). */
  blockRows?: number;
  /** Throw instead of returning more edges than this (default 2^28: 2 GiB of pairs). */
  maxEdges?: number;
}

/** Edges in compact form, with the backend that computed them. */
export interface FaceEdgeList extends FaceEdgePairs {
  /** The backend that computed them. */
  backend: Backend;
}

const DEFAULT_BLOCK_ROWS = 32;
const DEFAULT_MAX_EDGES = 2 ** 28;

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
  if (options.backend !== undefined && !isBackend(options.backend)) {
    throw new FacemetricError(`${where}: options.backend must be 'wasm' or 'reference', got ${String(options.backend)}`);
  }
  const { flat, n } = flatten(descriptors, where);
  if (options.backend === 'reference') return { ...referenceEdges(flat, n, threshold, maxEdges), backend: 'reference' };
  if (!wasmFaceEdgesAvailable()) {
    if (options.backend === 'wasm') throw new FacemetricError(`${where}: the WebAssembly kernels do not load here (backend 'wasm' was asked for)`);
    return { ...referenceEdges(flat, n, threshold, maxEdges), backend: 'reference' };
  }
  return { ...wasmEdges(flat, n, threshold, blockRows, maxEdges), backend: 'wasm' };
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
