/**
 * The face-graph edge kernel (assembly/distance.ts): for a row-major n x 128 float matrix of face
 * descriptors, the pairs i <= j with dlib's `length(d[i] - d[j]) < threshold`, exactly dlib's, by
 * blocks of rows. The margin argument (why the SIMD sums may be trusted outside [lo, hi], and why
 * pairs inside are re-decided with dlib's own float arithmetic) is in assembly/distance.ts.
 */
import { FacemetricError } from '../errors.js';
import { WasmKernels } from './index.js';

export interface FaceEdgeExports {
  face_edges_block(desc: number, n: number, i0: number, rows: number, lo: number, hi: number, thr: number, out: number, counts: number): number;
  face_edges_rechecked(): number;
  exact_length(a: number, b: number): number;
}

/** The face-edge exports of `k`; throws where the build predates them. */
export function faceEdgeExports(k: WasmKernels): FaceEdgeExports {
  const ex = k.exports as unknown as Partial<FaceEdgeExports>;
  if (typeof ex.face_edges_block !== 'function' || typeof ex.exact_length !== 'function' || typeof ex.face_edges_rechecked !== 'function') {
    throw new FacemetricError('the WebAssembly kernels predate the face-edge kernel (face_edges_block missing); run: npm run build:wasm');
  }
  return ex as FaceEdgeExports;
}

/** Descriptor length the kernel handles (dlib's face descriptors). */
export const EDGE_DIM = 128;

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
