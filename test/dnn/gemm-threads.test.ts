/**
 * The WebAssembly GEMMs cut between kernel threads (WasmGemm / WasmGemmBlas given a
 * KernelThreads: C's columns in blocks of 16, or its rows in blocks of 4 when M > N, a few parts
 * per thread, taken by whichever thread is free, on one shared memory). Each C element is still one thread's sum in the single-thread
 * order, so in the plain SIMD build the results must be the references' bits (gemmReference,
 * gemmRef with accumulate, gemmBlasReference: dlib's order) for every split, and no thread may
 * write outside its part of C (sentinel guards around C; C's gaps of ldc > N untouched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEMM_BLAS_PARALLEL_MIN_PRODUCTS, WasmGemmBlas } from '../../src/dnn/gemm-blas-wasm.js';
import { gemmRef } from '../../src/dnn/gemm-ref.js';
import { GEMM_PARALLEL_MIN_PRODUCTS, WasmGemm } from '../../src/dnn/gemm-wasm.js';
import { gemmBlasReference, gemmReference } from '../../src/dnn/gemm.js';
import { KernelThreads } from '../../src/wasm/threads.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffCount } from '../helpers/float.js';

// Shapes above the parallel threshold: column splits (N >= M) and row splits (M > N), sizes that
// are not multiples of the 16-column / 4-row blocks, a split with fewer blocks than threads
// (N = 20: two blocks), and face-network shapes (forward, filter and data gradients).
const SHAPES: [number, number, number][] = [
  [32, 2450, 288], [64, 1734, 576], [300, 37, 129], [513, 20, 97], [7, 20, 4000], [33, 1001, 31], [256, 400, 2304],
];

describe.each([2, 3])('%i kernel threads', (n) => {
  let threads: KernelThreads;
  beforeAll(async () => {
    threads = await KernelThreads.start(n, ['gemm_f32', 'gemm_blas_f32'], 'simd');
  });
  afterAll(async () => {
    await threads.close();
  });

  it('WasmGemm (C = A·B and C += A·B): the references\' bits, nothing written outside C', () => {
    const k = threads.kernels;
    for (const [M, N, K] of SHAPES) {
      expect(M * N * K).toBeGreaterThanOrEqual(GEMM_PARALLEL_MIN_PRODUCTS);
      for (const accumulate of [false, true]) {
        k.reset();
        const A = randomF32(M * K, M + N + K);
        const B = randomF32(K * N, M * 3 + K);
        const C0 = randomF32(M * N, N + 7);
        const g = new WasmGemm(undefined, threads);
        const pa = guardedF32(k, A);
        const pb = guardedF32(k, B);
        const pc = guardedF32(k, C0);
        g.gemm(M, N, K, pa.ptr, pb.ptr, pc.ptr, { accumulate });
        const want = accumulate ? gemmRef(M, N, K, A, B, C0.slice(), true) : C0.slice();
        if (!accumulate) gemmReference(M, N, K, A, B, want);
        expect(bitDiffCount(pc.view(), want), `${M}x${N}x${K}${accumulate ? ' +=' : ''}`).toBe(0);
        for (const p of [pa, pb, pc]) p.check();
      }
    }
  });

  it('WasmGemmBlas, every transposition and alpha/beta: gemmBlasReference\'s bits, nothing written outside C', () => {
    const k = threads.kernels;
    for (const [M, N, K] of SHAPES) {
      expect(M * N * K).toBeGreaterThanOrEqual(GEMM_BLAS_PARALLEL_MIN_PRODUCTS);
      for (const [transA, transB, alpha, beta] of [[false, false, 1, 0], [true, false, 1, 1], [false, true, -0.5, 0.25], [true, true, 2, 0]] as const) {
        k.reset();
        const A = randomF32(M * K, M * 5 + K);
        const B = randomF32(K * N, N * 3 + 1);
        const C0 = randomF32(M * N, K + 11);
        const g = new WasmGemmBlas(undefined, threads);
        const pa = guardedF32(k, A);
        const pb = guardedF32(k, B);
        const pc = guardedF32(k, C0);
        g.gemm(transA, transB, M, N, K, alpha, pa.ptr, pb.ptr, beta, pc.ptr);
        const want = C0.slice();
        gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, want);
        expect(bitDiffCount(pc.view(), want), `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${M}x${N}x${K} alpha ${alpha} beta ${beta}`).toBe(0);
        for (const p of [pa, pb, pc]) p.check();
      }
    }
  });

  it('leading dimensions: sub-matrices of larger stored ones, C\'s gaps untouched; the same bits as one thread', () => {
    const k = threads.kernels;
    for (const [M, N, K] of [[40, 700, 300], [600, 24, 300]] as const) {
      for (const [transA, transB] of [[false, false], [true, true], [true, false], [false, true]] as const) {
        const [aRows, aCols] = transA ? [K, M] : [M, K];
        const [bRows, bCols] = transB ? [N, K] : [K, N];
        const lda = aCols + 3;
        const ldb = bCols + 5;
        const ldc = N + 7;
        const A = randomF32(aRows * lda, 3);
        const B = randomF32(bRows * ldb, 4);
        const C0 = randomF32(M * ldc, 5);
        const run = (t: KernelThreads | undefined): Float32Array => {
          k.reset();
          const g = new WasmGemmBlas(k, t);
          const pa = k.putF32(A);
          const pb = k.putF32(B);
          const pc = k.putF32(C0);
          g.gemm(transA, transB, M, N, K, 0.5, pa, pb, 1, pc, { lda, ldb, ldc });
          return k.f32(pc, M * ldc).slice();
        };
        const one = run(undefined);
        const many = run(threads);
        expect(bitDiffCount(many, one), `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${M}x${N}x${K}`).toBe(0);
        for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) expect(many[i * ldc + j]).toBe(C0[i * ldc + j]);
        k.reset();
        const g = new WasmGemm(k, threads);
        if (!transA && !transB) {
          const pa = k.putF32(A);
          const pb = k.putF32(B);
          const pc = k.putF32(C0);
          g.gemm(M, N, K, pa, pb, pc, { lda, ldb, ldc });
          const got = k.f32(pc, M * ldc);
          const want = new Float32Array(M * N);
          const a = new Float32Array(M * K);
          const b = new Float32Array(K * N);
          for (let i = 0; i < M; i++) a.set(A.subarray(i * lda, i * lda + K), i * K);
          for (let r = 0; r < K; r++) b.set(B.subarray(r * ldb, r * ldb + N), r * N);
          gemmReference(M, N, K, a, b, want);
          let diffs = 0;
          for (let i = 0; i < M; i++) diffs += bitDiffCount(got.slice(i * ldc, i * ldc + N), want.subarray(i * N, i * N + N));
          expect(diffs, `WasmGemm ${M}x${N}x${K} with leading dimensions`).toBe(0);
          for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) expect(got[i * ldc + j]).toBe(C0[i * ldc + j]);
        }
      }
    }
  });
});

it('WasmGemm refuses kernels other than its threads\' own', async () => {
  const threads = await KernelThreads.start(2, ['gemm_f32'], 'simd');
  try {
    const other = (await KernelThreads.start(1, [], 'simd')).kernels;
    expect(() => new WasmGemm(other, threads)).toThrow(/kernels must be the threads' kernels/);
    expect(() => new WasmGemmBlas(other, threads)).toThrow(/kernels must be the threads' kernels/);
  } finally {
    await threads.close();
  }
});
