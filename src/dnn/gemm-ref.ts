/**
 * The plain TypeScript reference of the WebAssembly GEMM (assembly/gemm.ts): C = A·B or
 * C += A·B for row-major float32 matrices, A M x K, B K x N, C M x N.
 *
 * Arithmetic: IEEE float32 throughout. For each C[i][j] the products A[i][k]·B[k][j] are each
 * rounded to float32 and summed from +0 in ascending k (k = 0, 1, ..., K-1), every addition
 * rounded to float32; when accumulating, that sum is then added to the old C[i][j] (one more
 * float32 rounding). (A product of two float32 values is exact in a double and a sum of two is
 * rounded correctly by one trip through a double, so Math.fround / a Float32Array store give
 * exactly the float32 operations.)
 *
 * The WebAssembly kernel sums the same products in another order (per K block of 256, then the
 * blocks) and, in the relaxed build, possibly with fused multiply-adds, so the two agree to
 * rounding, not bit for bit: see test/dnn/gemm-wasm.test.ts for the bound. (dlib's own order,
 * the netlib sgemm's, is gemm.ts's gemmReference; this one follows the kernel's accumulate mode.)
 */

/**
 * C = A·B (or C += A·B with `accumulate`), loops i, k, j (row of C accumulated in a float32 row).
 * Requires: M, N, K non-negative integers; A.length >= M*K, B.length >= K*N, C.length >= M*N.
 * Ensures: C[0 .. M*N) overwritten (or accumulated into); returns C.
 */
export function gemmRef(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array,
  accumulate = false): Float32Array {
  const f = Math.fround;
  const row = new Float32Array(N);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      const bk = k * N;
      // row[j] (float32) + fround(a * b) rounded by the Float32Array store: float32 mul, then add
      for (let j = 0; j < N; j++) row[j] += f(a * B[bk + j]);
    }
    const ci = i * N;
    if (accumulate) for (let j = 0; j < N; j++) C[ci + j] = C[ci + j] + row[j];
    else C.set(row, ci);
  }
  return C;
}
