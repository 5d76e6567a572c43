/**
 * The backward GEMM in WebAssembly (assembly/gemm-blas.ts via src/dnn/gemm-blas-wasm.ts) against
 * gemmBlasReference (netlib's order, dlib's bits): every transposition, alpha/beta of 0, 1 and
 * other values, edge sizes (not multiples of the 2 x 16 tile; 1; 0), sizes crossing the K / M / N
 * blocks (256 / 128 / 512), and the face network's backward shapes, all on random matrices; and
 * col2img against a plain loop in dlib's order.
 *
 * Plain SIMD build: the kernel forms every entry in netlib's order (B not transposed: beta·C0,
 * then each (alpha·a)·b added in ascending k; B transposed: the products a·b summed from 0 in
 * ascending k, then alpha·t + beta·C0), so the results must be bit-identical to the reference.
 *
 * Relaxed build (fused multiply-adds where the engine fuses): a tolerance. Both results are float32
 * evaluations of alpha·sum_k a b + beta·C0, each term through at most n = K + ceil(K/256) + 4
 * roundings (a bound that also covered the kernel's former K-blocked order; fusing only removes
 * roundings). So each differs from the exact value by at most gamma_n·S, S = |alpha|·sum_k |a b| +
 * |beta·C0|, gamma_n = n u / (1 - n u), u = 2^-24 (Higham, Accuracy and Stability of Numerical
 * Algorithms, 3.1 and 4.2), and from each other by at most 2 gamma_n S. The bound is rigorous, so
 * it holds on every engine; a wrong or missing term moves an entry by about |alpha a b| while the
 * bound is about 1e-4 of S for K = 2304, and the small-integer matrices (every partial sum exact)
 * must give identical results in both builds.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gemmBlasReference, type GemmBlas } from '../../src/dnn/gemm.js';
import { GEMM_BLAS_MIN_PRODUCTS, gemmBlasExports, gemmBlasWasm, makeGemmBlasWasm, WasmGemmBlas } from '../../src/dnn/gemm-blas-wasm.js';
import type { Window2d } from '../../src/dnn/layers.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../../src/wasm/index.js';
import { guarded, guardedF32, SENTINEL } from '../helpers/guarded.js';
import { col2imgDlib } from '../helpers/dlib-loops.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffCount } from '../helpers/float.js';

/** Deterministic small integers in [-4, 4] (float32): every partial sum below is exact. */
function randomInts(n: number, seed: number): Float32Array {
  return randomF32(n, seed).map((v) => Math.round(v * 4));
}

const U = 2 ** -24;
const f = Math.fround;

/** op(X)[r][c] of a stored row-major matrix (rows x cols after op). */
const at = (X: Float32Array, trans: boolean, rows: number, cols: number, r: number, c: number): number =>
  trans ? X[c * rows + r] : X[r * cols + c];

/** The per-entry bound on |got - want| stated in the header. */
function tolerances(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, B: Float32Array, beta: number, C0: Float32Array): Float64Array {
  const n = K + Math.ceil(K / 256) + 4;
  const gamma = (n * U) / (1 - n * U);
  const al = Math.abs(f(alpha));
  const be = Math.abs(f(beta));
  const tol = new Float64Array(M * N);
  const row = new Float64Array(K);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) row[k] = Math.abs(at(A, transA, M, K, i, k));
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += row[k] * Math.abs(at(B, transB, K, N, k, j));
      tol[i * N + j] = 2 * gamma * (al * s + (be === 0 ? 0 : be * Math.abs(C0[i * N + j])));
    }
  }
  return tol;
}

/** Fails with the first few offending entries and the largest error/bound ratio; returns that ratio. */
function expectClose(got: Float32Array, want: Float32Array, tol: Float64Array, what: string): number {
  const bad: string[] = [];
  let worst = 0;
  for (let x = 0; x < want.length; x++) {
    const d = Math.abs(got[x] - want[x]);
    if (!(d <= tol[x])) {
      if (bad.length < 5) bad.push(`[${x}] got ${got[x]} want ${want[x]} |diff| ${d.toExponential(3)} > ${tol[x].toExponential(3)}`);
    }
    if (tol[x] > 0) worst = Math.max(worst, d / tol[x]);
    else if (d > 0) worst = Infinity;
  }
  expect(bad, `${what}: ${bad.length} entries outside the bound; worst error/bound ${worst}`).toEqual([]);
  return worst;
}

const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const ALPHA_BETA: [number, number][] = [[1, 0], [1, 1], [0.5, 1], [1, 0.25], [-2, -1.5], [0.3, 0], [0.7, 1.3]];
const EDGE = [1, 2, 3, 5, 16, 17, 33];

/**
 * The face network's convolutions (F filters, T = in channels x window taps, P output pixels at a
 * 150x150 chip; planShapes): the data gradient is dCols[T x P] = Wᵀ·G (transA, K = F), the
 * filter gradient dW[F x T] = G·Colsᵀ (transB, K = P).
 */
const FACE_NET: [number, number, number][] = [
  [32, 147, 72 * 72], [32, 288, 35 * 35], [64, 288, 17 * 17], [64, 576, 17 * 17], [128, 576, 8 * 8],
  [128, 1152, 8 * 8], [256, 1152, 4 * 4], [256, 2304, 4 * 4], [256, 2304, 2 * 2],
];

describe.each(flavours)('WebAssembly %s backward GEMM against gemmBlasReference', (flavour) => {
  // minProducts 0: every product runs the kernel, however small
  const gemm: GemmBlas = makeGemmBlasWasm({ flavour, minProducts: 0 });

  function check(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, beta: number, seed: number): number {
    const A = randomF32(M * K, seed);
    const B = randomF32(K * N, seed + 1);
    const C0 = beta === 0 ? new Float32Array(M * N).fill(NaN) : randomF32(M * N, seed + 2);
    const got = C0.slice();
    gemm(transA, transB, M, N, K, alpha, A, B, beta, got);
    const want = C0.slice();
    gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, want);
    const what = `transA=${transA} transB=${transB} ${M}x${N}x${K} alpha=${alpha} beta=${beta}`;
    if (flavour === 'simd') expect(bitDiffCount(got, want), `${what}: entries whose bits differ`).toBe(0);
    return expectClose(got, want, tolerances(transA, transB, M, N, K, alpha, A, B, beta, C0), what);
  }

  it.each(TRANS)('transA=%s transB=%s: every M, N, K in {1, 2, 3, 5, 16, 17, 33}, alpha 1, beta 0 (simd: bit-identical)', (transA, transB) => {
    for (const M of EDGE) for (const N of EDGE) for (const K of EDGE) check(transA, transB, M, N, K, 1, 0, M * 10007 + N * 101 + K);
  });

  it.each(TRANS)('transA=%s transB=%s: edge sizes with every alpha/beta (beta = 0 ignores NaNs in C)', (transA, transB) => {
    for (const [alpha, beta] of ALPHA_BETA) {
      for (const [M, N, K] of [[1, 1, 1], [3, 17, 5], [17, 33, 16], [2, 40, 33]] as const) check(transA, transB, M, N, K, alpha, beta, M + N * 7 + K * 31);
    }
  });

  it.each(TRANS)('transA=%s transB=%s: blocks crossed (K 256, M 128, N 512; N 64 | 65: Aᵀ·B\'s in-place path | the packed loops)', (transA, transB) => {
    for (const [M, N, K] of [[2, 16, 255], [3, 17, 256], [5, 31, 257], [7, 40, 513], [129, 18, 40], [130, 33, 300], [257, 5, 9],
      [9, 512, 20], [4, 513, 30], [6, 1030, 270], [3, 64, 300], [17, 65, 40], [131, 70, 600], [20, 24, 4200]] as const) {
      check(transA, transB, M, N, K, 1, 1, M * 3 + N * 5 + K * 7);
      check(transA, transB, M, N, K, -0.75, 0, M * 3 + N * 5 + K * 7 + 1);
      check(transA, transB, M, N, K, 0.3, 1.7, M * 3 + N * 5 + K * 7 + 2);
    }
  });

  it.each(FACE_NET)('face net F %i, T %i, P %i: both gradients in both layouts (simd: bit-identical)', (F, T, P) => {
    check(true, false, T, P, F, 1, 0, F + T + P); // data gradient Wᵀ·G
    check(false, true, F, T, P, 1, 0, F + T + P + 1); // filter gradient G·Colsᵀ
    check(false, true, F, T, P, 1, 1, F + T + P + 2);
    // dlib's layout (conv-grad.ts): temp = Gᵀ·W (P x T), then dW += G·temp (beta 1 after sample 0)
    check(true, false, P, T, F, 1, 0, F + T + P + 3);
    check(false, false, F, T, P, 1, 0, F + T + P + 4);
    check(false, false, F, T, P, 1, 1, F + T + P + 5);
  });

  it('face net batched and fc_: the filter gradient over 4 samples\' pixels (K = 4 P), fc_\'s products', () => {
    check(false, true, 256, 1152, 4 * 16, 1, 1, 11);
    check(true, false, 2304, 4 * 4, 256, 1, 0, 12);
    check(false, false, 256, 2304, 4 * 4, 1, 1, 13);
    // fc_ 256 -> 128 at batch 6: dW = xᵀ·G (beta 0), dX += G·Wᵀ (beta 1, the dot form)
    check(true, false, 256, 128, 6, 1, 0, 14);
    check(false, true, 6, 256, 128, 1, 1, 15);
    // loss_metric_: T = O·Oᵀ, G = GM·O
    check(false, true, 6, 6, 128, 1, 0, 16);
    check(false, false, 6, 128, 6, 1, 0, 17);
  });

  it('small-integer matrices: bit-identical to the reference (every partial sum exact)', () => {
    for (const [transA, transB] of TRANS) {
      for (const [M, N, K] of [[1, 1, 1], [5, 17, 33], [33, 16, 300], [130, 520, 257], [64, 147, 600]] as const) {
        for (const [alpha, beta] of [[1, 0], [1, 1], [-0.5, 2], [2, -1.5]] as const) {
          const A = randomInts(M * K, M + 1);
          const B = randomInts(K * N, N + 2);
          const C0 = randomInts(M * N, K + 3);
          const got = C0.slice();
          const want = C0.slice();
          gemm(transA, transB, M, N, K, alpha, A, B, beta, got);
          gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, want);
          // bits (the sign of a zero included: the dot form's alpha·(+0) = -0 for alpha < 0 too)
          expect(bitDiffCount(got, want), `transA=${transA} transB=${transB} ${M}x${N}x${K} alpha=${alpha} beta=${beta}`).toBe(0);
        }
      }
    }
  });

  it('M = 0 or N = 0 writes nothing; K = 0 gives C = beta·C (as the reference)', () => {
    for (const [transA, transB] of TRANS) {
      const C0 = new Float32Array([1, 2, 3, 4, 5, 6]);
      for (const beta of [0, 1, 0.5]) {
        const got = C0.slice();
        const want = C0.slice();
        gemm(transA, transB, 2, 3, 0, 1, new Float32Array(0), new Float32Array(0), beta, got);
        gemmBlasReference(transA, transB, 2, 3, 0, 1, new Float32Array(0), new Float32Array(0), beta, want);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
      const c = C0.slice();
      gemm(transA, transB, 0, 3, 4, 1, new Float32Array(0), new Float32Array(12), 0, c);
      gemm(transA, transB, 2, 0, 4, 1, new Float32Array(8), new Float32Array(0), 0, c);
      expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('writes only C[0 .. M*N) of a longer C, and leaves A and B unchanged', () => {
    for (const [transA, transB] of TRANS) {
      const A = randomF32(6, 1);
      const B = randomF32(10, 2);
      const [a0, b0] = [A.slice(), B.slice()];
      const C = new Float32Array(3 * 5 + 4).fill(7);
      gemm(transA, transB, 3, 5, 2, 1, A, B, 1, C);
      expect(Array.from(C.subarray(15))).toEqual([7, 7, 7, 7]);
      expect(A).toEqual(a0);
      expect(B).toEqual(b0);
    }
  });

  it('pointer API with leading dimensions: sub-matrices in, nothing written outside C (sentinels)', () => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemmBlas(k);
    // right after the packing scratch: a guard that catches scratch overruns
    const after = guarded(k, 64, (v) => new Uint32Array(v.buffer, v.byteOffset, 16).fill(SENTINEL));
    for (const [transA, transB] of TRANS) {
      for (const [M, N, K] of [[5, 17, 33], [33, 40, 270], [2, 16, 8], [130, 3, 5], [7, 600, 300], [20, 31, 1]] as const) {
        const [aRows, aCols] = transA ? [K, M] : [M, K];
        const [bRows, bCols] = transB ? [N, K] : [K, N];
        const lda = aCols + 3, ldb = bCols + 5, ldc = N + 7;
        const A = randomF32(aRows * aCols, M), B = randomF32(bRows * bCols, N), C0 = randomF32(M * N, K);
        /** `src` (rows x cols) spread over rows of `ld` floats, the gaps SENTINEL. */
        const spread = (src: Float32Array, rows: number, cols: number, ld: number): Float32Array => {
          const out = new Float32Array(new Uint32Array(rows * ld).fill(SENTINEL).buffer);
          for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, (r + 1) * cols), r * ld);
          return out;
        };
        const ga = guardedF32(k, spread(A, aRows, aCols, lda));
        const gb = guardedF32(k, spread(B, bRows, bCols, ldb));
        const gc = guardedF32(k, spread(C0, M, N, ldc));
        const [alpha, beta] = [0.5, 1.25];
        g.gemm(transA, transB, M, N, K, alpha, ga.ptr, gb.ptr, beta, gc.ptr, { lda, ldb, ldc });
        const view = gc.view();
        const got = new Float32Array(M * N);
        for (let r = 0; r < M; r++) got.set(view.subarray(r * ldc, r * ldc + N), r * N);
        const want = C0.slice();
        gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, want);
        if (flavour === 'simd') expect(bitDiffCount(got, want), `ptr ${transA} ${transB} ${M}x${N}x${K}`).toBe(0);
        expectClose(got, want, tolerances(transA, transB, M, N, K, alpha, A, B, beta, C0), `ptr ${transA} ${transB} ${M}x${N}x${K}`);
        // C's guards and row gaps untouched; A and B (gaps included) unchanged
        for (const x of [ga, gb, gc]) x.check();
        const words = new Uint32Array(view.buffer, view.byteOffset, M * ldc);
        for (let r = 0; r < M; r++) for (let q = N; q < ldc; q++) expect(words[r * ldc + q]).toBe(SENTINEL);
        expect(bitDiffCount(ga.view(), spread(A, aRows, aCols, lda))).toBe(0);
        expect(bitDiffCount(gb.view(), spread(B, bRows, bCols, ldb))).toBe(0);
      }
    }
    after.check();
  });

  it('the pointer API refuses bad leading dimensions and matrices outside memory', () => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemmBlas(k);
    const p = k.alloc(64);
    expect(() => g.gemm(false, false, 2, 2, 2, 1, p, p, 0, p, { lda: 1 })).toThrow(/lda = 1, needs an integer >= 2/);
    expect(() => g.gemm(true, false, 3, 2, 2, 1, p, p, 0, p, { lda: 2 })).toThrow(/lda = 2, needs an integer >= 3/);
    expect(() => g.gemm(false, true, 2, 2, 3, 1, p, p, 0, p, { ldb: 2 })).toThrow(/ldb = 2, needs an integer >= 3/);
    expect(() => g.gemm(false, false, 2, 2, 2, 1, p, p, 0, k.memory.buffer.byteLength)).toThrow(/outside WebAssembly memory/);
    expect(() => g.gemm(false, false, 2, -1, 2, 1, p, p, 0, p)).toThrow(RangeError);
    expect(() => gemm(false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4))).toThrow(/too small/);
    expect(gemmBlasExports(k).gemm_blas_scratch_bytes()).toBeGreaterThan(0);
  });
});

describe('gemmBlasWasm (the default: best build, reference below GEMM_BLAS_MIN_PRODUCTS)', () => {
  // The best build is the plain SIMD one unless the engine runs relaxed SIMD (Node 20: only with
  // --experimental-wasm-relaxed-simd, not in this process).
  const exact = !relaxedSimdSupported();

  it('tiny products (M·N·K < GEMM_BLAS_MIN_PRODUCTS) and forced kernel runs: the reference\'s bits', () => {
    expect(4 * 5 * 3).toBeLessThan(GEMM_BLAS_MIN_PRODUCTS);
    const A = randomF32(4 * 3, 1), B = randomF32(3 * 5, 2), C0 = randomF32(4 * 5, 3);
    for (const [transA, transB] of TRANS) {
      const got = C0.slice(), want = C0.slice(), forced = C0.slice();
      gemmBlasWasm(transA, transB, 4, 5, 3, 0.3, A, B, 1, got);
      gemmBlasReference(transA, transB, 4, 5, 3, 0.3, A, B, 1, want);
      expect(bitDiffCount(got, want)).toBe(0); // the reference ran
      makeGemmBlasWasm({ minProducts: 0 })(transA, transB, 4, 5, 3, 0.3, A, B, 1, forced);
      if (exact) expect(bitDiffCount(forced, want)).toBe(0); // the kernel ran, in netlib's order
      else expectClose(forced, want, tolerances(transA, transB, 4, 5, 3, 0.3, A, B, 1, C0), `forced ${transA} ${transB}`);
    }
  });

  it('larger products run the kernel: the reference\'s bits in the plain SIMD build (K > 256)', () => {
    const [M, N, K] = [40, 70, 300];
    const A = randomF32(M * K, 4), B = randomF32(K * N, 5), C0 = randomF32(M * N, 6);
    for (const [transA, transB] of TRANS) {
      const got = C0.slice(), want = C0.slice();
      gemmBlasWasm(transA, transB, M, N, K, 1, A, B, 1, got);
      gemmBlasReference(transA, transB, M, N, K, 1, A, B, 1, want);
      if (exact) expect(bitDiffCount(got, want)).toBe(0);
      expectClose(got, want, tolerances(transA, transB, M, N, K, 1, A, B, 1, C0), `default ${transA} ${transB}`);
    }
  });
});

const win = (nr: number, nc: number, sy: number, sx: number, py: number, px: number): Window2d =>
  ({ nr, nc, strideY: sy, strideX: sx, paddingY: py, paddingX: px });

describe.each(flavours)('WebAssembly %s col2img against dlib\'s order', (flavour) => {
  it.each([
    ['3x3/1 pad 1 (the residual blocks)', 32, 35, 35, win(3, 3, 1, 1, 1, 1)],
    ['3x3/2 pad 0 (the down-sampling convs)', 64, 17, 17, win(3, 3, 2, 2, 0, 0)],
    ['7x7/2 pad 0 (the first conv)', 3, 150, 150, win(7, 7, 2, 2, 0, 0)],
    ['1x1/1', 5, 6, 7, win(1, 1, 1, 1, 0, 0)],
    ['odd: 4x2, strides 3/1, paddings 2/1', 3, 11, 9, win(4, 2, 3, 1, 2, 1)],
    ['odd: 2x5, strides 1/2, paddings 0/3', 2, 5, 13, win(2, 5, 1, 2, 0, 3)],
    ['window as large as the padded input', 2, 3, 4, win(5, 6, 1, 1, 1, 1)],
    ['1x1 input', 4, 1, 1, win(3, 3, 1, 1, 1, 1)],
  ] as const)('%s: bit-identical, nothing written outside dx (sentinels)', (_, ch, h, w, window) => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemmBlas(k);
    const oh = 1 + Math.trunc((h + 2 * window.paddingY - window.nr) / window.strideY);
    const ow = 1 + Math.trunc((w + 2 * window.paddingX - window.nc) / window.strideX);
    const rows = ch * window.nr * window.nc;
    for (const ldd of [oh * ow, oh * ow + 5]) {
      const dcols = randomF32(rows * ldd, ch + h + ldd);
      const dx0 = randomF32(ch * h * w, w + ldd);
      const gx = guardedF32(k, dx0);
      const gcols = guardedF32(k, dcols);
      g.col2img(gx.ptr, gcols.ptr, { k: ch, nr: h, nc: w }, window, ldd);
      const want = dx0.slice();
      col2imgDlib(want, dcols, ldd, ch, h, w, window);
      expect(bitDiffCount(gx.view(), want)).toBe(0);
      gx.check();
      gcols.check();
      expect(bitDiffCount(gcols.view(), dcols)).toBe(0);
    }
  });

  it('refuses a window larger than the padded input, bad strides and a short row stride', () => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemmBlas(k);
    const p = k.alloc(1024);
    expect(() => g.col2img(p, p, { k: 1, nr: 3, nc: 3 }, win(5, 5, 1, 1, 0, 0))).toThrow(/does not fit/);
    expect(() => g.col2img(p, p, { k: 1, nr: 3, nc: 3 }, win(3, 3, 0, 1, 0, 0))).toThrow(/strides/);
    expect(() => g.col2img(p, p, { k: 1, nr: 3, nc: 3 }, win(3, 3, 1, 1, 1, 1), 8)).toThrow(/ldd = 8/);
    expect(() => g.col2img(k.memory.buffer.byteLength, p, { k: 1, nr: 3, nc: 3 }, win(3, 3, 1, 1, 1, 1))).toThrow(/outside WebAssembly memory/);
  });
});

describe('relaxed-SIMD backward GEMM under --experimental-wasm-relaxed-simd (a child node)', () => {
  it('the relaxed build matches exact integer products and stays within the bound on random data, every transposition', () => {
    // The child has no TypeScript: it runs gemm_blas_f32 from build/facemetric.relaxed.wasm and
    // compares with float64 evaluations of alpha·sum a b + beta·C0 (exact for the integer
    // matrices; for the random ones within gamma_n·S, the bound of each float32 result alone).
    const script = `
const fs = require('fs');
const ex = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync('build/facemetric.relaxed.wasm')), {}).exports;
let top = (ex.heap_base() + 15) & ~15;
const alloc = (n) => { const p = top; top += Math.ceil(n / 16) * 16; const have = ex.memory.buffer.byteLength;
  if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536)); return p; };
const scratch = alloc(ex.gemm_blas_scratch_bytes());
let s = 12345; const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
const out = [];
for (const [tA, tB] of [[0, 0], [1, 0], [0, 1], [1, 1]])
for (const [M, N, K, ints, alpha, beta] of [[5, 17, 33, 1, 1, 1], [130, 520, 257, 1, -0.5, 2], [33, 40, 300, 0, 1, 0], [64, 147, 1225, 0, 0.3, 1], [7, 3, 1, 0, 1, 0.5]]) {
  const top0 = top;
  const a = alloc(M * K * 4), b = alloc(K * N * 4), c = alloc(M * N * 4);
  const A = new Float32Array(ex.memory.buffer, a, M * K), B = new Float32Array(ex.memory.buffer, b, K * N), C = new Float32Array(ex.memory.buffer, c, M * N);
  for (let i = 0; i < A.length; i++) A[i] = ints ? Math.round(rnd() * 4) : rnd();
  for (let i = 0; i < B.length; i++) B[i] = ints ? Math.round(rnd() * 4) : rnd();
  for (let i = 0; i < C.length; i++) C[i] = ints ? Math.round(rnd() * 4) : rnd();
  const C0 = C.slice();
  ex.gemm_blas_f32(tA, tB, M, N, K, alpha, a, tA ? M : K, b, tB ? K : N, beta, c, N, scratch);
  const n = K + Math.ceil(K / 256) + 4, g = n * 2 ** -24 / (1 - n * 2 ** -24);
  const al = Math.fround(alpha);
  let worst = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let e = 0, m = 0;
    for (let k = 0; k < K; k++) { const p = (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]); e += p; m += Math.abs(p); }
    const want = al * e + beta * C0[i * N + j];
    const d = Math.abs(C[i * N + j] - want);
    worst = Math.max(worst, ints ? d : d / (g * (Math.abs(al) * m + Math.abs(beta * C0[i * N + j]))));
  }
  out.push([ints, worst]);
  top = top0;
}
console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const results = JSON.parse(r.stdout) as [number, number][];
    expect(results).toHaveLength(20);
    for (const [ints, worst] of results) {
      if (ints) expect(worst).toBe(0);
      else expect(worst).toBeLessThanOrEqual(1);
    }
  });
});
