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

/**
 * dlib's `tt::gemm(beta, dest, alpha, lhs, trans_lhs, rhs, trans_rhs)` and every other float
 * matrix product dlib hands to BLAS: C = alpha·op(A)·op(B) + beta·C, row-major, op(X) = X or Xᵀ.
 * Shapes: op(A) is M x K, op(B) is K x N, C is M x N; A is stored M x K (or K x M when
 * transposed), B K x N (or N x K).
 *
 * dlib calls `cblas_sgemm(CblasRowMajor, ...)`; netlib's CBLAS turns a row-major call into the
 * column-major `sgemm(transB, transA, N, M, K, alpha, B, A, beta, C)`, and netlib's `sgemm.f`
 * (Debian's libblas3 3.11) has two loop shapes, chosen by whether its first operand (our B) is
 * transposed:
 * - B not transposed ("axpy" form): C is first scaled (set to 0 when beta = 0, multiplied by
 *   beta unless beta = 1), then every product is added into C itself, one at a time, k = 0..K-1:
 *   `C[m][n] += float(float(alpha·a[m][k]) · b[k][n])`. With beta = 1 the sum continues from the
 *   old C.
 * - B transposed ("dot" form): `t` = the float sum from 0 of `float(a[m][k]·b[n][k])` over
 *   k = 0..K-1, then `C[m][n] = alpha·t` (beta = 0) or `float(alpha·t) + float(beta·C[m][n])`.
 * Every operation is one float32 rounding (no fused multiply-add: the x86-64 baseline has none).
 *
 * The reference of every backward pass (`dnn/*-grad.ts`) and of loss_metric_ calls this (or a
 * faster function with the same signature and the same sums in another order, within a stated
 * tolerance: {@link GemmBlas}).
 *
 * @param transA whether A is stored transposed (K x M)
 * @param transB whether B is stored transposed (N x K)
 * @param A M x K, or K x M when transA
 * @param B K x N, or N x K when transB
 * @param C M x N, read when beta != 0, overwritten
 */
export type GemmBlas = (transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array) => void;

/** {@link GemmBlas} in netlib's order: bit-identical to dlib on Debian's reference BLAS. */
export const gemmBlasReference: GemmBlas = (transA, transB, M, N, K, alpha, A, B, beta, C) => {
  if (A.length < M * K || B.length < K * N || C.length < M * N) {
    throw new RangeError(`gemm: arrays too small for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
  }
  const f = Math.fround;
  const al = f(alpha);
  const be = f(beta);
  // a(m, k) and b(k, n) of the stored (possibly transposed) operands.
  const aStrideM = transA ? 1 : K;
  const aStrideK = transA ? M : 1;
  if (!transB) {
    // netlib's column loop J runs over our rows m; for each, C's row is scaled, then the terms
    // a(m,k)·b(k,n) are added in increasing k, each straight into C.
    for (let m = 0; m < M; m++) {
      const c0 = m * N;
      if (be === 0) C.fill(0, c0, c0 + N);
      else if (be !== 1) for (let n = 0; n < N; n++) C[c0 + n] = f(be * C[c0 + n]);
      for (let k = 0; k < K; k++) {
        const t = f(al * A[m * aStrideM + k * aStrideK]);
        const b0 = k * N;
        for (let n = 0; n < N; n++) C[c0 + n] += f(t * B[b0 + n]);
      }
    }
    return;
  }
  for (let m = 0; m < M; m++) {
    const c0 = m * N;
    for (let n = 0; n < N; n++) {
      const b0 = n * K;
      let t = 0;
      for (let k = 0; k < K; k++) t = f(t + f(A[m * aStrideM + k * aStrideK] * B[b0 + k]));
      C[c0 + n] = be === 0 ? f(al * t) : f(f(al * t) + f(be * C[c0 + n]));
    }
  }
};
