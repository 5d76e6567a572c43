/**
 * The face graph of dlib's examples/dnn_face_recognition_ex.cpp in compact form, the reference
 * behind {@link faceEdges} (edges.ts): every pair i <= j, self-pairs included, with dlib's float
 * `length(d[i] - d[j]) < threshold` (dlibFloatDistance), in dlib's order (i ascending, then j
 * ascending), as a Uint32Array of pairs. Also the descriptor validation and the growable pair
 * buffer that the WebAssembly path (edges-wasm.ts) fills the same way.
 */
import { FacemetricError } from '../errors.js';
import { dlibFloatDistance } from './chinese-whispers.js';

/** Descriptor length the face graph handles (dlib's face descriptors). */
export const EDGE_DIM = 128;

/**
 * Face descriptors: an array of 128-number descriptors, or one row-major Float32Array of
 * n x 128 floats (the compact form for large sets).
 */
export type FaceDescriptors = readonly ArrayLike<number>[] | Float32Array;

/** Edges in compact form (faceEdges adds which backend computed them: FaceEdgeList). */
export interface FaceEdgePairs {
  /** Number of descriptors (nodes). */
  faces: number;
  /** Number of edges. */
  count: number;
  /** pairs[2k], pairs[2k + 1]: edge k's i <= j, sorted by (i, j). */
  pairs: Uint32Array;
  /** Pairs whose SIMD distance fell within the margin of the threshold and were re-decided exactly. */
  rechecked: number;
}

/** Validates and flattens the descriptors into a row-major Float32Array of n x 128; throws FacemetricError naming `where`. */
export function flatten(descriptors: FaceDescriptors, where: string): { flat: Float32Array; n: number } {
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

export function checkThreshold(threshold: number, where: string): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new FacemetricError(`${where}: threshold must be a number, got ${String(threshold)}`);
}

/** A growable Uint32Array of pairs. */
export class PairBuffer {
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

/**
 * The edges by dlibFloatDistance on every pair (dlib's arithmetic).
 * Requires: `flat` n x 128. Ensures: pairs sorted by (i, j); throws past `maxEdges` edges.
 */
export function referenceEdges(flat: Float32Array, n: number, threshold: number, maxEdges: number): FaceEdgePairs {
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
  return { faces: n, count: buf.length / 2, pairs: buf.finish(), rechecked: 0 };
}
