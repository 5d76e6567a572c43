/**
 * dlib's `tt::gemm(beta, dest, alpha, lhs, trans_lhs, rhs, trans_rhs)` (`dlib/cuda/tensor_tools.cpp`)
 * on top of a {@link GemmBlas}.
 *
 * With beta = 0, tt::gemm is one BLAS call: `dest = alpha*op(lhs)*op(rhs)`. With beta != 0 it
 * evaluates the matrix expression `dest = alpha*op(lhs)*op(rhs) + beta*mat(dest)`; since that
 * expression reads dest, dlib's BLAS bindings (`matrix_assign_blas` for a `set_ptrm`
 * destination) compute it into a temporary: first the product by sgemm with beta = 0, then
 * `temp += beta*dest` element by element (float), then copy temp into dest. So each element is
 * `float(P + float(beta*C))` with P the product's float sum from 0 — not BLAS's own beta, which
 * (netlib's axpy form, B not transposed) continues the sum from beta*C. In netlib's dot form
 * (B transposed) the two agree: sgemm computes `float(alpha*t) + float(beta*C)` too.
 */
import { gemmBlasReference, type GemmBlas } from './gemm.js';

/**
 * `tt::gemm`: C = alpha·op(A)·op(B) + beta·C with dlib's association (see the module comment).
 * Shapes as {@link GemmBlas}: op(A) M x K, op(B) K x N, C M x N.
 *
 * @param C M x N; overwritten when beta = 0, else read and overwritten
 * @param gemm the BLAS product (default {@link gemmBlasReference})
 * @param scratch optional buffer of at least M*N floats for the product when beta != 0
 */
export function ttGemm(beta: number, C: Float32Array, alpha: number, A: Float32Array, transA: boolean,
  B: Float32Array, transB: boolean, M: number, N: number, K: number, gemm: GemmBlas = gemmBlasReference,
  scratch?: Float32Array): void {
  const be = Math.fround(beta);
  if (be === 0) {
    gemm(transA, transB, M, N, K, alpha, A, B, 0, C);
    return;
  }
  if (C.length < M * N) throw new RangeError(`ttGemm: C has ${C.length} values, needs ${M * N}`);
  const P = scratch !== undefined && scratch.length >= M * N ? scratch : new Float32Array(M * N);
  gemm(transA, transB, M, N, K, alpha, A, B, 0, P);
  if (be === 1) {
    for (let i = 0; i < M * N; i++) C[i] = P[i] + C[i];
  } else {
    for (let i = 0; i < M * N; i++) C[i] = P[i] + Math.fround(be * C[i]);
  }
}
