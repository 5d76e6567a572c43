/**
 * The WebAssembly GEMM (assembly/gemm.ts via src/dnn/gemm-wasm.ts) against the TypeScript reference
 * gemmRef (each C element one sequential float32 sum in ascending k, from +0 or from the old C:
 * netlib sgemm's order, dlib's), on every combination of small edge sizes (not multiples of the
 * 2 x 16 tile; N < 32 takes the skinny path), sizes crossing the K / M / N blocks (256 / 128 / 512,
 * and 4096 for the skinny path), and the face ResNet's real shapes, all on random matrices.
 *
 * Plain SIMD build: the kernel adds the same rounded products in the same order, so the results
 * must be bit-identical to gemmRef — and, for C = A·B, to gemm.ts's gemmReference, dlib's bits.
 *
 * Relaxed build (fused multiply-adds where the engine fuses): a tolerance. Both results are float32
 * sums of the same K products; each is within gamma_n * (sum_k |A[i][k] * B[k][j]| + |C0[i][j]|)
 * of the exact value, n = K + ceil(K/256) + 2 (at least the number of roundings a term sees),
 * gamma_n = n*u / (1 - n*u), u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 3.1
 * and 4.2), so they differ from each other by at most twice that. The bound is rigorous, so it
 * holds on every engine; a wrong or missing product moves C[i][j] by about |A B| while the bound is
 * about 1e-4 of the sum of |A B| for K = 2304, and small-integer matrices (every partial sum exact)
 * must give bit-identical results in both builds.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gemmReference } from '../../src/dnn/gemm.js';
import { gemmRef } from '../../src/dnn/gemm-ref.js';
import { gemmExports, gemmWasm, makeGemmWasm, WasmGemm } from '../../src/dnn/gemm-wasm.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../../src/wasm/index.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffCount } from '../helpers/float.js';


/** Deterministic small integers in [-4, 4] (float32): every partial sum below is exact. */
function randomInts(n: number, seed: number): Float32Array {
  return randomF32(n, seed).map((v) => Math.round(v * 4));
}

const U = 2 ** -24;

/** The per-entry bound on |got - want| stated in the header. */
function tolerances(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C0?: Float32Array): Float64Array {
  const n = K + Math.ceil(K / 256) + 2;
  const gamma = (n * U) / (1 - n * U);
  const mag = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = Math.abs(A[i * K + k]);
      for (let j = 0; j < N; j++) mag[i * N + j] += a * Math.abs(B[k * N + j]);
    }
  }
  for (let x = 0; x < M * N; x++) mag[x] = 2 * gamma * (mag[x] + (C0 ? Math.abs(C0[x]) : 0));
  return mag;
}

/** Fails with the first few offending entries and the largest error/bound ratio. */
function expectClose(got: Float32Array, want: Float32Array, tol: Float64Array, what: string): void {
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
}

const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
const EDGE = [1, 3, 4, 5, 7, 8, 15, 16, 17, 33];

/** The face ResNet's convolutions as GEMMs, batch 1: [M (out ch), K (in ch * kh * kw), N (pixels)]. */
const RESNET: [number, number, number][] = [
  [32, 147, 5184], [32, 288, 1225], [64, 288, 289], [64, 576, 289], [128, 576, 64],
  [128, 1152, 64], [256, 1152, 16], [256, 2304, 16], [256, 2304, 4],
];

/** C = A·B by gemmReference (netlib's order: dlib's bits). */
function dlibOrder(M: number, N: number, K: number, A: Float32Array, B: Float32Array): Float32Array {
  const C = new Float32Array(M * N);
  gemmReference(M, N, K, A, B, C);
  return C;
}

/**
 * The simd build: bit-identical to `want`. The relaxed build: within the header's bound (one
 * function, so that every test states the claim of its build).
 */
function expectResult(flavour: WasmFlavour, got: Float32Array, want: Float32Array, tol: () => Float64Array, what: string): void {
  if (flavour === 'simd') expect(bitDiffCount(got, want), `${what}: entries whose bits differ`).toBe(0);
  else expectClose(got, want, tol(), what);
}

describe.each(flavours)('WebAssembly %s GEMM against gemmRef', (flavour) => {
  function check(M: number, N: number, K: number, seed: number, accumulate: boolean): void {
    const A = randomF32(M * K, seed);
    const B = randomF32(K * N, seed + 1);
    const C0 = accumulate ? randomF32(M * N, seed + 2) : new Float32Array(M * N).fill(NaN);
    const got = gemmWasm(M, N, K, A, B, C0.slice(), { accumulate, flavour });
    const want = gemmRef(M, N, K, A, B, C0.slice(), accumulate);
    const what = `${M}x${N}x${K}${accumulate ? ' +=' : ''}`;
    expectResult(flavour, got, want, () => tolerances(M, N, K, A, B, accumulate ? C0 : undefined), what);
    // C = A·B: gemmRef is gemmReference (dlib's order)
    if (!accumulate && flavour === 'simd') expect(bitDiffCount(got, dlibOrder(M, N, K, A, B)), what).toBe(0);
  }

  it('every M, N, K in {1, 3, 4, 5, 7, 8, 15, 16, 17, 33}, C = A·B', () => {
    for (const M of EDGE) for (const N of EDGE) for (const K of EDGE) check(M, N, K, M * 10007 + N * 101 + K, false);
  });

  it('edge sizes, C += A·B', () => {
    for (const M of [1, 3, 17]) for (const N of [1, 15, 16, 33]) for (const K of [1, 5, 33]) check(M, N, K, M + N * 7 + K * 31, true);
  });

  it.each([
    [2, 16, 255], [3, 17, 256], [5, 31, 257], [7, 20, 513], // K across blocks of 256
    [129, 18, 40], [130, 33, 300], [257, 5, 9], // M across blocks of 128
    [9, 512, 20], [4, 513, 30], [6, 1030, 270], // N across blocks of 512
    [5, 31, 4097], [4, 2, 4096], [3, 30, 8200], [9, 12, 5000], // the skinny path (N < 32): K across chunks of 4096
    [17, 24, 300], [8, 20, 33], [15, 28, 70], [6, 8, 9], // the skinny path's column groups (16, 8, 4) and partial rows
  ])('blocks crossed: M %i, N %i, K %i (both modes)', (M, N, K) => {
    check(M, N, K, M * 3 + N * 5 + K * 7, false);
    check(M, N, K, M * 3 + N * 5 + K * 7 + 1, true);
  });

  it.each(RESNET)('ResNet shape M %i, K %i, N %i (batch 1)', (M, K, N) => {
    check(M, N, K, M + K + N, false);
  });

  it('ResNet shapes batched (N = faces x pixels) for the skinny layers', () => {
    check(256, 16 * 4, 2304, 5, false); // 2x2 pixels
    check(256, 4 * 16, 1152, 6, false); // 4x4 pixels, 4 faces
    check(128, 4 * 64, 1152, 7, true); // 8x8 pixels, 4 faces
    check(256, 2 * 4, 2304, 8, false); // 2x2 pixels, 2 faces
    check(256, 6 * 4, 2304, 9, false); // 2x2 pixels, 6 faces
    check(256, 3 * 4, 2304, 10, true);
  });

  it('makeGemmWasm: a Gemm hook of the forced build (C overwritten)', () => {
    const [M, N, K] = [33, 40, 300];
    const A = randomF32(M * K, 1), B = randomF32(K * N, 2);
    const got = new Float32Array(M * N).fill(NaN);
    makeGemmWasm({ flavour })(M, N, K, A, B, got);
    expectResult(flavour, got, dlibOrder(M, N, K, A, B), () => tolerances(M, N, K, A, B), 'makeGemmWasm');
  });

  it('small-integer matrices: bit-identical to the reference (every partial sum exact)', () => {
    for (const [M, N, K] of [[1, 1, 1], [5, 17, 33], [33, 16, 300], [130, 520, 257], [256, 16, 2304]] as const) {
      const A = randomInts(M * K, M + 1);
      const B = randomInts(K * N, N + 2);
      const C0 = randomInts(M * N, K + 3);
      expect(gemmWasm(M, N, K, A, B, new Float32Array(M * N), { flavour })).toEqual(gemmRef(M, N, K, A, B, new Float32Array(M * N)));
      expect(gemmWasm(M, N, K, A, B, C0.slice(), { flavour, accumulate: true })).toEqual(gemmRef(M, N, K, A, B, C0.slice(), true));
    }
  });

  it('K = 0 gives zeros (or leaves C with accumulate); M = 0 or N = 0 writes nothing', () => {
    const C = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(Array.from(gemmWasm(2, 3, 0, new Float32Array(0), new Float32Array(0), C.slice(), { flavour }))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(gemmWasm(2, 3, 0, new Float32Array(0), new Float32Array(0), C.slice(), { flavour, accumulate: true }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(gemmWasm(0, 3, 4, new Float32Array(0), new Float32Array(12), C.slice(), { flavour }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(gemmWasm(2, 0, 4, new Float32Array(8), new Float32Array(0), C.slice(), { flavour }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes only C[0 .. M*N) of a longer C', () => {
    const C = new Float32Array(3 * 5 + 4).fill(7);
    gemmWasm(3, 5, 2, randomF32(6, 1), randomF32(10, 2), C, { flavour });
    expect(Array.from(C.subarray(15))).toEqual([7, 7, 7, 7]);
  });

  it('pointer API with leading dimensions: sub-matrices in, nothing written outside C (sentinels)', () => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemm(k);
    const SENTINEL = 0x7fc0dead; // a NaN bit pattern the kernel never produces
    // right after the packing scratch: a guard that catches scratch overruns
    const after = k.alloc(64);
    new Uint32Array(k.memory.buffer, after, 16).fill(SENTINEL);
    for (const [M, N, K] of [[5, 17, 33], [33, 40, 270], [2, 16, 8], [130, 3, 5], [3, 31, 4100], [7, 600, 300]] as const) {
      const lda = K + 3, ldb = N + 5, ldc = N + 7;
      const A = randomF32(M * K, M), B = randomF32(K * N, N), C0 = randomF32(M * N, K);
      // every matrix with a 16-byte guard zone each side, gaps of the leading dimensions included
      const place = (rows: number, ld: number): { base: number; ptr: number; total: number } => {
        const total = rows * ld + 8;
        const base = k.alloc(total * 4);
        return { base, ptr: base + 16, total };
      };
      const pa = place(M, lda), pb = place(K, ldb), pc = place(M, ldc);
      for (const p of [pa, pb, pc]) new Uint32Array(k.memory.buffer, p.base, p.total).fill(SENTINEL);
      const put = (p: { ptr: number }, src: Float32Array, rows: number, cols: number, ld: number): void => {
        const view = k.f32(p.ptr, rows * ld);
        for (let r = 0; r < rows; r++) view.set(src.subarray(r * cols, (r + 1) * cols), r * ld);
      };
      put(pa, A, M, K, lda);
      put(pb, B, K, N, ldb);
      put(pc, C0, M, N, ldc);
      g.gemm(M, N, K, pa.ptr, pb.ptr, pc.ptr, { lda, ldb, ldc, accumulate: true });
      const view = k.f32(pc.ptr, M * ldc);
      const got = new Float32Array(M * N);
      for (let r = 0; r < M; r++) got.set(view.subarray(r * ldc, r * ldc + N), r * N);
      expectResult(flavour, got, gemmRef(M, N, K, A, B, C0.slice(), true), () => tolerances(M, N, K, A, B, C0), `ptr ${M}x${N}x${K}`);
      // C's guards and row gaps untouched; A and B unchanged
      const words = new Uint32Array(k.memory.buffer, pc.base, pc.total);
      for (let x = 0; x < 4; x++) expect(words[x]).toBe(SENTINEL);
      for (let x = pc.total - 4; x < pc.total; x++) expect(words[x]).toBe(SENTINEL);
      for (let r = 0; r < M; r++) for (let q = N; q < ldc; q++) expect(words[4 + r * ldc + q]).toBe(SENTINEL);
      const va = k.f32(pa.ptr, M * lda);
      for (let r = 0; r < M; r++) expect(Array.from(va.subarray(r * lda, r * lda + K))).toEqual(Array.from(A.subarray(r * K, (r + 1) * K)));
    }
    expect(Array.from(new Uint32Array(k.memory.buffer, after, 16))).toEqual(new Array<number>(16).fill(SENTINEL));
  });

  it('the pointer API refuses bad leading dimensions and matrices outside memory', () => {
    const k = WasmKernels.load(flavour);
    const g = new WasmGemm(k);
    const p = k.alloc(64);
    expect(() => g.gemm(2, 2, 2, p, p, p, { lda: 1 })).toThrow(RangeError);
    expect(() => g.gemm(2, 2, 2, p, p, k.memory.buffer.byteLength)).toThrow(/outside WebAssembly memory/);
    expect(() => g.gemm(2, -1, 2, p, p, p)).toThrow(RangeError);
    expect(() => gemmWasm(2, 2, 2, new Float32Array(3), new Float32Array(4), new Float32Array(4))).toThrow(RangeError);
    expect(gemmExports(k).gemm_scratch_bytes()).toBeGreaterThan(0);
  });
});

describe('relaxed-SIMD GEMM under --experimental-wasm-relaxed-simd (a child node)', () => {
  it('the relaxed build matches exact integer products and stays within the bound on random data', () => {
    // The child has no TypeScript: it runs gemm_f32 from build/facemetric.relaxed.wasm and
    // compares with float64 sums (exact for the integer matrices; for the random ones, within
    // gamma_n * sum |A B|, the bound of each float32 result alone).
    const script = `
const fs = require('fs');
const ex = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync('build/facemetric.relaxed.wasm')), {}).exports;
let top = (ex.heap_base() + 15) & ~15;
const alloc = (n) => { const p = top; top += Math.ceil(n / 16) * 16; const have = ex.memory.buffer.byteLength;
  if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536)); return p; };
const scratch = alloc(ex.gemm_scratch_bytes());
let s = 12345; const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
const out = [];
for (const [M, N, K, ints] of [[5, 17, 33, 1], [130, 520, 257, 1], [33, 40, 300, 0], [256, 16, 2304, 0], [7, 3, 1, 0]]) {
  const a = alloc(M * K * 4), b = alloc(K * N * 4), c = alloc(M * N * 4);
  const A = new Float32Array(ex.memory.buffer, a, M * K), B = new Float32Array(ex.memory.buffer, b, K * N);
  for (let i = 0; i < A.length; i++) A[i] = ints ? Math.round(rnd() * 4) : rnd();
  for (let i = 0; i < B.length; i++) B[i] = ints ? Math.round(rnd() * 4) : rnd();
  ex.gemm_f32(M, N, K, a, K, b, N, c, N, 0, scratch);
  const C = new Float32Array(ex.memory.buffer, c, M * N);
  const n = K + Math.ceil(K / 256) + 2, g = n * 2 ** -24 / (1 - n * 2 ** -24);
  let worst = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let e = 0, m = 0;
    for (let k = 0; k < K; k++) { const p = A[i * K + k] * B[k * N + j]; e += p; m += Math.abs(p); }
    const d = Math.abs(C[i * N + j] - e);
    worst = Math.max(worst, ints ? d : d / (g * m));
  }
  out.push(worst);
}
console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const worst = JSON.parse(r.stdout) as number[];
    expect(worst.slice(0, 2)).toEqual([0, 0]);
    for (const w of worst.slice(2)) expect(w).toBeLessThanOrEqual(1);
  });
});
