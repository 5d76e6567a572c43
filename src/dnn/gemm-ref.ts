/**
 * The plain TypeScript reference of the WebAssembly GEMM (assembly/gemm.ts): C = A·B or
 * C += A·B for row-major float32 matrices, A M x K, B K x N, C M x N.
 *
 * Arithmetic: IEEE float32 throughout. Each C[i][j] is one sequential float32 sum: it starts from
 * +0 (C = A·B) or from the old C[i][j] (C += A·B), and the products A[i][k]·B[k][j], each rounded
 * to float32, are added in ascending k (k = 0, 1, ..., K-1), every addition rounded to float32.
 * (A product of two float32 values is exact in a double and a sum of two is rounded correctly by
 * one trip through a double, so Math.fround / a Float32Array store give exactly the float32
 * operations.)
 *
 * That is the order of the netlib reference BLAS sgemm dlib calls (gemm.ts: C = A·B is
 * gemmReference, C += A·B is gemmBlasReference's "axpy" form with alpha = 1, beta = 1), and the
 * kernel's: its plain SIMD build gives these bits exactly; the relaxed build may fuse each
 * multiply-add (one rounding instead of two), so it agrees to rounding only (see
 * test/dnn/gemm-wasm.test.ts for the bound).
 */

/**
 * C = A·B (or C += A·B with `accumulate`), loops i, k, j (a row of C accumulated in place).
 * Requires: M, N, K non-negative integers; A.length >= M*K, B.length >= K*N, C.length >= M*N.
 * Ensures: C[0 .. M*N) overwritten (or added into, each sum continuing from the old C); returns C.
 */
export function gemmRef(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array,
  accumulate = false): Float32Array {
  const f = Math.fround;
  for (let i = 0; i < M; i++) {
    const ci = i * N;
    if (!accumulate) C.fill(0, ci, ci + N);
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      const bk = k * N;
      // C[ci + j] (float32) + fround(a * b) rounded by the Float32Array store: float32 mul, then add
      for (let j = 0; j < N; j++) C[ci + j] += f(a * B[bk + j]);
    }
  }
  return C;
}
