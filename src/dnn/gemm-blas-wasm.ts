/**
 * dlib's `tt::gemm` in WebAssembly SIMD (assembly/gemm-blas.ts): C = alpha·op(A)·op(B) + beta·C,
 * row-major, op(X) = X or Xᵀ — the products of the backward passes (a convolution's data gradient
 * Wᵀ·G and filter gradient G·Colsᵀ, fc_'s, loss_metric_'s) — and col2img (assembly/col2img.ts),
 * the scatter that ends a convolution's data gradient.
 *
 * The reference is {@link gemmBlasReference} (gemm.ts: netlib sgemm's order, dlib's bits on
 * Debian's reference BLAS), and the kernel sums in its order in every case: B not transposed (the
 * "axpy" form: C = beta·C, then each term (alpha·a)·b added into C in ascending k, across the K
 * blocks) and B transposed (the "dot" form: t summed from 0 in ascending k, then alpha·t + beta·C).
 * So the plain SIMD build gives the reference's bits for every product (tested at the face
 * network's shapes, edge sizes and every alpha/beta: test/dnn/gemm-blas-wasm.test.ts). The relaxed
 * build may fuse multiply-adds, so there results differ in rounding only: within
 * gamma_n·(|alpha|·sum_k |a b| + |beta·C0|), n = K + ceil(K/256) + 4, of the exact value (Higham;
 * the same test). The col2img kernel adds in dlib's order and is bit-identical.
 *
 * Two ways in, as gemm-wasm.ts:
 * - {@link gemmBlasWasm} (and {@link makeGemmBlasWasm}): a {@link GemmBlas} on plain
 *   Float32Arrays; copies the operands into a private kernel instance's memory, runs, copies C
 *   back. Tiny products (fewer than `minProducts` multiply-adds) and products the kernels' memory
 *   cannot hold (WasmOutOfMemoryError) run {@link gemmBlasReference} instead.
 * - {@link WasmGemmBlas}: zero-copy, on byte offsets into a {@link WasmKernels} memory, with
 *   leading dimensions; also col2img.
 */
import { kernelExports, KernelInstance, loadKernels, type KernelNeeds } from '../wasm/exports.js';
import { WasmOutOfMemoryError, type WasmFlavour, type WasmKernels } from '../wasm/index.js';
import { kernelsAndThreads, scratchPerThread, splitWork, type KernelThreads } from '../wasm/threads.js';
import { gemmBlasReference, type GemmBlas } from './gemm.js';
import type { Window2d } from './layers.js';

/** The exports of assembly/gemm-blas.ts and assembly/col2img.ts (pointers are byte offsets). */
export interface GemmBlasExports {
  gemm_blas_scratch_bytes(): number;
  gemm_blas_f32(transA: boolean | number, transB: boolean | number, M: number, N: number, K: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number): void;
  col2img_f32(dx: number, dcols: number, ldd: number, ch: number, h: number, w: number,
    kh: number, kw: number, sy: number, sx: number, py: number, px: number, oh: number, ow: number): void;
}

/** What the backward GEMM and col2img need from the build. */
export const GEMM_BLAS_KERNELS: KernelNeeds<GemmBlasExports> = {
  what: 'the backward GEMM kernels',
  names: ['gemm_blas_f32', 'gemm_blas_scratch_bytes', 'col2img_f32'],
};

/** The backward GEMM exports of `k`; throws where the build predates them. */
export function gemmBlasExports(k: WasmKernels): GemmBlasExports {
  return kernelExports(k, GEMM_BLAS_KERNELS);
}

function checkDim(what: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`${what}: ${name} = ${v} is not a non-negative 32-bit integer`);
}

/** Leading dimensions (row strides in floats) of the stored operands of {@link WasmGemmBlas.gemm}. */
export interface GemmBlasPtrOptions {
  /** Row stride of A as stored: >= K, or >= M when transA (default the minimum). */
  lda?: number;
  /** Row stride of B as stored: >= N, or >= K when transB (default the minimum). */
  ldb?: number;
  /** Row stride of C, >= N (default N); C's gaps (columns N .. ldc) are never written. */
  ldc?: number;
}

/** The input of {@link WasmGemmBlas.col2img}: one sample's channels and size. */
export interface Col2imgInput {
  k: number;
  nr: number;
  nc: number;
}

/**
 * Products of at least this many multiply-adds (M·N·K) are cut between the threads of a
 * {@link KernelThreads} (below it, waking the workers costs more than it saves).
 */
export const GEMM_BLAS_PARALLEL_MIN_PRODUCTS = 1 << 18;

/**
 * The backward GEMM and col2img on operands resident in one {@link WasmKernels} memory. The
 * constructor allocates the scratch (about 900 KiB: packing and the dot form's block of sums; one
 * per thread) with `kernels.alloc`, so create it after the caller's last `reset` (a reset frees
 * the scratch too: make a new one then).
 *
 * Given {@link KernelThreads} (whose `kernels` it then runs on), a product of at least
 * {@link GEMM_BLAS_PARALLEL_MIN_PRODUCTS} multiply-adds is cut into one part per thread: C's
 * columns in blocks of 16 (or its rows in blocks of 4 when M > N), a few parts per thread, each part a gemm_blas_f32 call
 * on the sub-matrices. Each C element is still computed by one thread with the same operations in
 * the same order: the bits of one thread.
 */
export class WasmGemmBlas {
  readonly kernels: WasmKernels;
  private readonly ex: GemmBlasExports;
  private readonly scratch: number[];
  private readonly threads: KernelThreads | undefined;

  constructor(kernels?: WasmKernels, threads?: KernelThreads) {
    ({ kernels: this.kernels, threads: this.threads } = kernelsAndThreads('WasmGemmBlas', kernels, threads, () => loadKernels(GEMM_BLAS_KERNELS).kernels));
    this.ex = gemmBlasExports(this.kernels);
    this.scratch = scratchPerThread(this.kernels, this.threads, this.ex.gemm_blas_scratch_bytes());
  }

  /** The build the kernels run (plain SIMD or relaxed SIMD). */
  get flavour(): WasmFlavour {
    return this.kernels.flavour;
  }

  /** Whether `rows` x `cols` floats at `p` with row stride `ld` lie inside memory, 4-byte aligned. */
  private inside(p: number, rows: number, cols: number, ld: number): boolean {
    const bytes = this.kernels.memory.buffer.byteLength;
    return rows === 0 || cols === 0 || (Number.isInteger(p) && p >= 0 && p % 4 === 0 && p + ((rows - 1) * ld + cols) * 4 <= bytes);
  }

  /**
   * C = alpha·op(A)·op(B) + beta·C ({@link GemmBlas}'s meaning, dlib's `tt::gemm`) with A at byte
   * offset `a` (M x K, or K x M when transA), B at `b` (K x N, or N x K when transB), C at `c`
   * (M x N), row-major float32 in the kernels' memory; alpha and beta are rounded to float32.
   * Requires: the matrices inside memory, C overlapping neither A, B nor the scratch.
   * Ensures: C[i][j] for i < M, j < N written (beta = 0: C is not read, so NaNs there vanish);
   * nothing else in memory changes (but the scratch). K = 0 gives C = beta·C.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, a: number, b: number,
    beta: number, c: number, options: GemmBlasPtrOptions = {}): void {
    checkDim('gemm', 'M', M);
    checkDim('gemm', 'N', N);
    checkDim('gemm', 'K', K);
    const [aRows, aCols] = transA ? [K, M] : [M, K];
    const [bRows, bCols] = transB ? [N, K] : [K, N];
    const { lda = aCols, ldb = bCols, ldc = N } = options;
    for (const [name, ld, min] of [['lda', lda, aCols], ['ldb', ldb, bCols], ['ldc', ldc, N]] as const) {
      if (!Number.isInteger(ld) || ld < min || ld > 0x7fffffff) throw new RangeError(`gemm: leading dimension ${name} = ${ld}, needs an integer >= ${min}`);
    }
    if (!this.inside(a, aRows, aCols, lda) || !this.inside(b, bRows, bCols, ldb) || !this.inside(c, M, N, ldc)) {
      throw new RangeError('gemm: a matrix lies outside WebAssembly memory (or is not 4-byte aligned)');
    }
    const ta = transA ? 1 : 0;
    const tb = transB ? 1 : 0;
    const th = this.threads;
    if (th === undefined || M * N * K < GEMM_BLAS_PARALLEL_MIN_PRODUCTS) {
      this.ex.gemm_blas_f32(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, this.scratch[0]!);
      return;
    }
    // rows i.. of op(A) start at a + i·lda (A stored M x K) or a + i (A stored K x M); columns
    // j.. of op(B) at b + j (B stored K x N) or b + j·ldb (B stored N x K)
    const parts = M > N
      ? splitWork(M, th.size, 4, 32).map(([i, m]) =>
        [ta, tb, m, N, K, alpha, a + (transA ? i : i * lda) * 4, lda, b, ldb, beta, c + i * ldc * 4, ldc, 0])
      : splitWork(N, th.size, 16, 64).map(([j, n]) =>
        [ta, tb, M, n, K, alpha, a, lda, b + (transB ? j * ldb : j) * 4, ldb, beta, c + j * 4, ldc, 0]);
    th.run('gemm_blas_f32', parts, { scratch: { arg: parts[0]!.length - 1, perThread: this.scratch } });
  }

  /**
   * col2img of one sample, the scatter of dlib's `tensor_conv::get_gradient_for_data`
   * (`col2img` in dlib/cuda/cpu_dlib.cpp): dx[c][r*sy - py + ky][q*sx - px + kx] +=
   * dcols[(c*w.nr + ky)*w.nc + kx][r*outCols + q] for every tap inside the input. `dx` (byte
   * offset) holds x.k x x.nr x x.nc floats and is added into (clear it first for dlib's
   * `data_gradient = 0`); `dcols` (byte offset) holds x.k*w.nr*w.nc rows of outRows*outCols
   * floats at row stride `ldd` (default outRows*outCols; larger when several samples' columns
   * sit side by side, as im2col writes a batch).
   * Each dx element receives its terms one float add at a time in dlib's order: bit-identical to
   * dlib from the same starting dx.
   */
  col2img(dx: number, dcols: number, x: Col2imgInput, w: Window2d, ldd?: number): void {
    for (const [name, v] of [['k', x.k], ['nr', x.nr], ['nc', x.nc], ['window nr', w.nr], ['window nc', w.nc],
      ['padding y', w.paddingY], ['padding x', w.paddingX]] as const) checkDim('col2img', name, v);
    if (!Number.isInteger(w.strideY) || !Number.isInteger(w.strideX) || w.strideY < 1 || w.strideX < 1) {
      throw new RangeError(`col2img: strides ${w.strideY}, ${w.strideX} must be integers >= 1`);
    }
    const spanY = x.nr + 2 * w.paddingY - w.nr;
    const spanX = x.nc + 2 * w.paddingX - w.nc;
    if (spanY < 0 || spanX < 0) throw new RangeError(`col2img: a ${w.nr}x${w.nc} window does not fit in the padded ${x.nr}x${x.nc} input`);
    const oh = 1 + Math.trunc(spanY / w.strideY);
    const ow = 1 + Math.trunc(spanX / w.strideX);
    const rows = x.k * w.nr * w.nc;
    const ld = ldd ?? oh * ow;
    if (!Number.isInteger(ld) || ld < oh * ow) throw new RangeError(`col2img: row stride ldd = ${ld}, needs an integer >= ${oh * ow}`);
    if (!this.inside(dx, x.k * x.nr, x.nc, x.nc) || !this.inside(dcols, rows, oh * ow, ld)) {
      throw new RangeError('col2img: a buffer lies outside WebAssembly memory (or is not 4-byte aligned)');
    }
    this.ex.col2img_f32(dx, dcols, ld, x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow);
  }
}

/** The private kernel instances of the copying GemmBlas, one per flavour asked for ('best': none forced). */
const privateInstances = {
  best: new KernelInstance(GEMM_BLAS_KERNELS),
  simd: new KernelInstance(GEMM_BLAS_KERNELS, 'simd'),
  relaxed: new KernelInstance(GEMM_BLAS_KERNELS, 'relaxed'),
};

/**
 * Drops the copying GemmBlas's private kernel instances, so that their memory (grown to the
 * largest problem so far; wasm memory never shrinks) can be garbage-collected.
 */
export function releaseGemmBlasKernels(): void {
  for (const inst of Object.values(privateInstances)) inst.release();
}

/** Options of {@link makeGemmBlasWasm}. */
export interface GemmBlasWasmOptions {
  /** Force a build; default the best the engine runs. */
  flavour?: WasmFlavour;
  /**
   * Products with fewer multiply-adds (M·N·K) than this run {@link gemmBlasReference} (bit-exact
   * with dlib, and faster there than the copies and the call). Default {@link GEMM_BLAS_MIN_PRODUCTS}.
   */
  minProducts?: number;
}

/**
 * Below this many multiply-adds (M·N·K) {@link gemmBlasWasm} runs the reference. Measured (Node
 * 20, simd build, square products, wall time per call): 4³ reference 0.2 µs, copying kernel
 * 0.7-0.9 µs; 8³ 1.4 vs 1.0-1.2 µs (about even); 16³ 11 vs 1.3-1.8 µs; 32³ 90-160 vs 4-5 µs.
 */
export const GEMM_BLAS_MIN_PRODUCTS = 512;

/**
 * A {@link GemmBlas} that runs the WebAssembly kernel on copies of its operands (see
 * {@link gemmBlasWasm}); `options` pick the build and the size below which the reference runs.
 * Requires (as GemmBlas): A, B, C long enough for the shapes, C sharing no memory with A or B.
 * Ensures: C[0 .. M*N) written (read only when beta != 0), the rest of C, A and B unchanged.
 * Throws FacemetricError where the kernels are not built or predate the backward GEMM.
 */
export function makeGemmBlasWasm(options: GemmBlasWasmOptions = {}): GemmBlas {
  const inst = privateInstances[options.flavour ?? 'best'];
  const minProducts = options.minProducts ?? GEMM_BLAS_MIN_PRODUCTS;
  return (transA, transB, M, N, K, alpha, A, B, beta, C) => {
    checkDim('gemm', 'M', M);
    checkDim('gemm', 'N', N);
    checkDim('gemm', 'K', K);
    if (A.length < M * K || B.length < K * N || C.length < M * N) {
      throw new RangeError(`gemm: arrays too small for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
    }
    if (M === 0 || N === 0) return;
    if (M * N * K < minProducts) {
      gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, C);
      return;
    }
    const k = inst.kernels;
    k.reset();
    try {
      const g = new WasmGemmBlas(k);
      const pa = k.alloc(M * K * 4);
      const pb = k.alloc(K * N * 4);
      const pc = k.alloc(M * N * 4);
      // views made after the last alloc (alloc may grow memory and detach older views)
      k.f32(pa, M * K).set(A.subarray(0, M * K));
      k.f32(pb, K * N).set(B.subarray(0, K * N));
      if (Math.fround(beta) !== 0) k.f32(pc, M * N).set(C.subarray(0, M * N));
      g.gemm(transA, transB, M, N, K, alpha, pa, pb, beta, pc);
      C.set(k.f32(pc, M * N));
    } catch (e) {
      if (!(e instanceof WasmOutOfMemoryError)) throw e;
      gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, C);
    } finally {
      k.reset();
    }
  };
}

/**
 * {@link GemmBlas} (dlib's `tt::gemm`: C = alpha·op(A)·op(B) + beta·C, row-major) in WebAssembly
 * SIMD, the best build the engine runs, on copies of the operands in a private kernel instance;
 * tiny products and products too large for wasm memory run {@link gemmBlasReference}. The plain
 * SIMD build gives the reference's bits (dlib's); the relaxed build differs in rounding only: see
 * the module comment.
 */
export const gemmBlasWasm: GemmBlas = makeGemmBlasWasm();
