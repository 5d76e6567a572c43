/**
 * The face-graph edge kernel (assembly/distance.ts), the 'wasm' backend of faceEdges: for a
 * row-major n x 128 float matrix of face descriptors, the pairs i <= j with dlib's
 * `length(d[i] - d[j]) < threshold`, exactly dlib's (the same list as referenceEdges in
 * face-graph.ts), by blocks of rows. The margin argument (why the SIMD sums may be trusted outside
 * [lo, hi], and why pairs inside are re-decided with dlib's own float arithmetic) is in
 * assembly/distance.ts.
 *
 * Memory: the descriptors are copied once into the kernel's linear memory (n x 512 bytes; 51 MB
 * for 100k faces) and rows are processed in blocks of `blockRows`, each with an output area of
 * blockRows x n indices; the edges themselves come back as a compact Uint32Array of pairs.
 */
import { KernelInstance } from '../wasm/exports.js';
import { EDGE_DIM, PairBuffer, type FaceEdgePairs } from './face-graph.js';

export interface FaceEdgeExports {
  face_edges_block(desc: number, n: number, i0: number, rows: number, lo: number, hi: number, thr: number, out: number, counts: number): number;
  face_edges_rechecked(): number;
  exact_length(a: number, b: number): number;
}

/** The private kernel instance (loaded on first use). */
const edgeInstance = new KernelInstance<FaceEdgeExports>({
  what: 'the face-edge kernel',
  names: ['face_edges_block', 'exact_length', 'face_edges_rechecked'],
});

/** True when the WebAssembly edge kernel loads here (checked once). */
export function wasmFaceEdgesAvailable(): boolean {
  return edgeInstance.available();
}

/**
 * Drops the kernel instance and its memory (which stays grown to the largest set seen: about
 * 512 bytes per descriptor); the next call loads a fresh one.
 */
export function releaseFaceEdgeKernels(): void {
  edgeInstance.release();
}

/**
 * Relative margin around threshold^2 inside which the SIMD sum is not trusted (see
 * assembly/distance.ts: 2 gamma_127 + 2u ~ 1.53e-5 is what the argument needs).
 */
export const EDGE_MARGIN = 1e-4;

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** The float next to the non-negative float `f` towards +infinity (inf stays inf). */
function nextUp(f: number): number {
  f32Buf[0] = f;
  if (u32Buf[0] >= 0x7f800000) return f;
  u32Buf[0] += 1;
  return f32Buf[0];
}

/** The float next to the positive float `f` towards 0. */
function nextDown(f: number): number {
  f32Buf[0] = f;
  u32Buf[0] -= 1;
  return f32Buf[0];
}

/** Largest float <= x (x >= 0, finite or +inf). */
function floatBelow(x: number): number {
  const f = Math.fround(x);
  return f > x ? nextDown(f) : f;
}

/** Smallest float >= x (x >= 0). */
function floatAbove(x: number): number {
  const f = Math.fround(x);
  return f < x ? nextUp(f) : f;
}

/**
 * The kernel's float bounds for `threshold` (> 0): squared SIMD sums below `lo` are edges, above
 * `hi` are not, the rest are re-decided exactly. `lo` is capped at 2^126 so that no sum the
 * kernel trusts can overflow in dlib's order.
 */
export function edgeBounds(threshold: number): { lo: number; hi: number } {
  const t2 = threshold * threshold;
  return {
    lo: floatBelow(Math.min(t2 * (1 - EDGE_MARGIN), 2 ** 126)),
    hi: floatAbove(t2 * (1 + EDGE_MARGIN)),
  };
}

/**
 * The edges by the blocked kernel: the same list as referenceEdges(flat, n, threshold, maxEdges).
 * Requires: `flat` n x 128, blockRows a positive multiple of 4, the kernels available.
 */
export function wasmEdges(flat: Float32Array, n: number, threshold: number, blockRows: number, maxEdges: number): FaceEdgePairs {
  const k = edgeInstance.kernels;
  const ex = edgeInstance.exports;
  const buf = new PairBuffer(maxEdges);
  let rechecked = 0;
  if (n === 0 || !(threshold > 0)) return { faces: n, count: 0, pairs: new Uint32Array(0), rechecked };
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
  return { faces: n, count: buf.length / 2, pairs: buf.finish(), rechecked };
}
