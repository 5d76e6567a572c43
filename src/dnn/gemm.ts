/**
 * The GEMM hook of the reference forward pass: `gemm(M, N, K, A, B, C)` computes C = A·B for
 * row-major float32 matrices A (M x K), B (K x N) and C (M x N), overwriting C.
 *
 * dlib's CPU convolution (`tensor_conv` in `dlib/cuda/cpu_dlib.cpp`) and its fc_ layer
 * (`tt::gemm`) hand their products to BLAS through dlib's matrix expression bindings
 * (`cblas_sgemm`). With Debian's reference BLAS (netlib `sgemm.f`), every element of C is one
 * float32 dot product accumulated sequentially over k = 0..K-1, each product rounded to
 * float32 before it is added (`TEMP = TEMP + A(L,I)*B(L,J)` for the conv's transposed operand,
 * `C(I,J) = C(I,J) + TEMP*A(I,L)` for fc_; no fused multiply-add on the x86-64 baseline).
 * {@link gemmReference} does exactly that, so it reproduces dlib-with-reference-BLAS bit for
 * bit. Another implementation (e.g. a WebAssembly SIMD kernel) may sum in another order; then
 * results differ from dlib in the last bits.
 */

/**
 * C = A·B. Row-major float32; A is M x K, B is K x N, C is M x N and is overwritten.
 * Implementations must not keep references to the arrays after returning.
 */
export type Gemm = (M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array) => void;

/**
 * The reference GEMM: each C[m][n] is sum over k = 0..K-1 of A[m][k]*B[k][n], accumulated in
 * float32 in increasing k, products rounded to float32 first — the order and precision of the
 * netlib reference BLAS `sgemm` dlib calls on Debian.
 *
 * The loops run m, k, n (so B and C are read along rows) rather than the textbook m, n, k;
 * each C element still receives its K terms one after another in increasing k, so the sums are
 * the same to the last bit.
 *
 * @param M rows of A and C
 * @param N columns of B and C
 * @param K columns of A, rows of B
 * @param A [M][K]
 * @param B [K][N]
 * @param C [M][N], overwritten
 */
export const gemmReference: Gemm = (M, N, K, A, B, C) => {
  if (A.length < M * K || B.length < K * N || C.length < M * N) {
    throw new RangeError(`gemm: arrays too small for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
  }
  const fround = Math.fround;
  for (let m = 0; m < M; m++) {
    const c0 = m * N;
    C.fill(0, c0, c0 + N);
    const a0 = m * K;
    for (let k = 0; k < K; k++) {
      const a = A[a0 + k];
      const b0 = k * N;
      // C is a Float32Array: the store rounds the float32 sum of (c, fround(a*b)).
      for (let n = 0; n < N; n++) C[c0 + n] += fround(a * B[b0 + n]);
    }
  }
};

/**
 * {@link gemmReference} four rows of A at a time (each B value loaded once for four products):
 * about twice as fast in V8 and bit-identical, since every C element still gets its K terms
 * one after another in increasing k, each product rounded to float32 first.
 *
 * @param A [M][K]
 * @param B [K][N]
 * @param C [M][N], overwritten
 */
export const gemmReferenceRows4: Gemm = (M, N, K, A, B, C) => {
  if (A.length < M * K || B.length < K * N || C.length < M * N) {
    throw new RangeError(`gemm: arrays too small for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
  }
  const fround = Math.fround;
  C.fill(0, 0, M * N);
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const c0 = m * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    for (let k = 0; k < K; k++) {
      const a0 = A[m * K + k];
      const a1 = A[(m + 1) * K + k];
      const a2 = A[(m + 2) * K + k];
      const a3 = A[(m + 3) * K + k];
      const b0 = k * N;
      for (let n = 0; n < N; n++) {
        const b = B[b0 + n];
        C[c0 + n] += fround(a0 * b);
        C[c1 + n] += fround(a1 * b);
        C[c2 + n] += fround(a2 * b);
        C[c3 + n] += fround(a3 * b);
      }
    }
  }
  for (; m < M; m++) {
    const c0 = m * N;
    for (let k = 0; k < K; k++) {
      const a = A[m * K + k];
      const b0 = k * N;
      for (let n = 0; n < N; n++) C[c0 + n] += fround(a * B[b0 + n]);
    }
  }
};
