/**
 * A training step's convolutions in WebAssembly SIMD: the forward pass (im2col + GEMM + bias, as
 * `conv` in layers.ts), the filter gradient and the data gradient (`convBackwardFilters`,
 * `convBackwardData` in conv-grad.ts, dlib's `tensor_conv` in dlib/cuda/cpu_dlib.cpp), each a
 * {@link ConvKernels} operation run whole in one kernel instance: the operands are copied in once
 * per call (per group of samples whose im2col matrices fit in `groupBytes`), the matrix
 * rearrangements (im2col, dlib's img2col layout, the gradient as one filters x (samples x pixels)
 * matrix, col2img) and the products run in wasm, and the result is copied out.
 *
 * Bits. Every kernel here either moves floats (im2col_f32, transpose_f32, regroup_f32) or adds them in the
 * reference's order (the GEMMs: netlib's order; col2img_f32: dlib's per-pixel order; the bias add
 * of conv_epilogue_f32: one float add), so in the plain SIMD build each operation gives the
 * TypeScript reference's bits, which are dlib's (test/dnn/conv-grad-wasm.test.ts; one whole
 * training step: test/train/network-wasm.test.ts). The relaxed build's GEMMs may fuse
 * multiply-adds (rounding differences only). How each product is formed:
 * - forward: per group of samples, im2col_f32 writes the taps x (samples x pixels) matrix and
 *   `C = filters · cols` (gemm_f32: each element a float sum from +0 in ascending tap, whatever
 *   the group size), then C + bias into the output (conv_epilogue_f32).
 * - filter gradient: dlib forms `dF = G·cols` (G the gradient F x pixels, cols one sample's
 *   img2col matrix, pixels x taps, per sample with beta 1 after the first: netlib's axpy form,
 *   each dF element a float sum from 0 of G[f][n]·cols[n][t] over (sample, pixel) ascending).
 *   Here, per group of samples, its transpose `dFᵀ = colsᵀ·Gᵀ` (T x F) with K = samples x
 *   pixels: im2col_f32 writes colsᵀ (the forward's taps x (samples x pixels) matrix) as it is,
 *   transpose_f32 the gradient as Gᵀ ((samples x pixels) x F, per sample), and gemm_f32 sums each
 *   element from +0 in ascending (sample, pixel), continuing across the groups (accumulate): the
 *   same products (cols·G = G·cols) in the same order, so the same bits; dF is the transpose of
 *   the small T x F result. (Transposing the gradient costs a ninth of transposing cols for a
 *   3x3 window.)
 *   The bias gradient (with the filters') sums the copied gradient per filter in
 *   convBackwardBias's order (bn_sums_f32).
 * - data gradient: per group, `dcols = trans(filters)·G` (taps x (samples x pixels); B not
 *   transposed, beta 0: each element the float sum from 0 over the filters of filters[f][t]·g[f][p],
 *   the same products in the same order as the reference's `trans(g[n])·filters`, only stored
 *   transposed), then col2img_f32 adds each sample's columns into dx[n] in dlib's order.
 */
import { kernelExports, KernelInstance, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour } from '../wasm/index.js';
import type { KernelThreads } from '../wasm/threads.js';
import type { ConvKernels } from './conv-grad.js';
import { GEMM_BLAS_KERNELS, WasmGemmBlas, type GemmBlasExports } from './gemm-blas-wasm.js';
import { GEMM_KERNELS, WasmGemm, type GemmExports } from './gemm-wasm.js';
import { windowOutputSize, type Window2d } from './layers.js';
import type { Tensor } from './tensor.js';

/** The exports of assembly/train.ts and the im2col / epilogue kernels of assembly/conv.ts. */
export interface ConvGradExports {
  transpose_f32(dst: number, ldd: number, src: number, lds: number, rows: number, cols: number): void;
  regroup_f32(dst: number, src: number, n: number, m: number, pix: number): void;
  bn_sums_f32(x: number, n: number, k: number, pix: number, sums: number, sqsums: number): void;
  im2col_f32(dst: number, ldd: number, src: number, ch: number, h: number, w: number,
    kh: number, kw: number, sy: number, sx: number, py: number, px: number, oh: number, ow: number): void;
  conv_epilogue_f32(out: number, c: number, m: number, pix: number, n: number, ldc: number,
    bias: number, gamma: number, beta: number, res: number, flags: number): void;
}

/** What the training convolutions need from the build. */
export const CONV_GRAD_KERNELS: KernelNeeds<ConvGradExports & GemmExports & GemmBlasExports> = {
  what: 'the training convolution kernels',
  names: ['transpose_f32', 'regroup_f32', 'bn_sums_f32', 'im2col_f32', 'conv_epilogue_f32', ...GEMM_KERNELS.names, ...GEMM_BLAS_KERNELS.names],
};

/** conv_epilogue_f32's flag for the bias add (forward-wasm-layout.ts's EPI_BIAS). */
const EPI_BIAS = 1;

/** Options of {@link WasmConvKernels}. */
export interface WasmConvOptions {
  /** Force a build; default the best the engine runs ('simd' gives the reference's bits). */
  flavour?: WasmFlavour;
  /**
   * The forward pass runs groups of samples whose im2col matrix fits in this many bytes (at least
   * one sample). Default 4 MiB. The results do not depend on it.
   */
  groupBytes?: number;
  /**
   * Run on these threads' shared kernels (their build, not `flavour`), the GEMMs cut between the
   * threads (WasmGemm, WasmGemmBlas): the same bits as one thread.
   */
  threads?: KernelThreads;
}

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

/** Output rows and columns of a convolution of x through window w, checked as the references check. */
function outShape(what: string, x: { nr: number; nc: number }, w: Window2d): [number, number] {
  if (!(w.nr > 0 && w.nc > 0 && w.strideY > 0 && w.strideX > 0)) fail(what, 'window size and strides must be positive');
  if (!(w.paddingY >= 0 && w.paddingY < w.nr && w.paddingX >= 0 && w.paddingX < w.nc)) {
    fail(what, `padding (${w.paddingY}, ${w.paddingX}) must be >= 0 and smaller than the window (${w.nr}x${w.nc})`);
  }
  for (const v of [w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX]) if (!Number.isInteger(v)) fail(what, 'window sizes, strides and paddings must be integers');
  return [windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY), windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX)];
}

function expectShape(what: string, name: string, t: Tensor, n: number, k: number, nr: number, nc: number): void {
  if (t.n !== n || t.k !== k || t.nr !== nr || t.nc !== nc) fail(what, `${name} is ${t.n}x${t.k}x${t.nr}x${t.nc}, expected ${n}x${k}x${nr}x${nc}`);
  if (t.data.length !== n * k * nr * nc) fail(what, `${name} data length does not match its shape`);
}

/**
 * The training convolutions ({@link ConvKernels}) on a private kernel instance (its memory holds
 * one call's operands at a time: at most a group of samples' im2col matrix, or one sample's, plus
 * the operands). Not re-entrant (one call at a time, as a training net runs them).
 */
export class WasmConvKernels implements ConvKernels {
  private readonly inst: Pick<KernelInstance<ConvGradExports & GemmExports & GemmBlasExports>, 'kernels' | 'exports' | 'release'>;
  private readonly groupBytes: number;
  private readonly threads: KernelThreads | undefined;

  constructor(options: WasmConvOptions = {}) {
    const th = options.threads;
    this.threads = th;
    this.inst = th === undefined
      ? new KernelInstance(CONV_GRAD_KERNELS, options.flavour)
      : { kernels: th.kernels, exports: kernelExports(th.kernels, CONV_GRAD_KERNELS), release: () => undefined };
    this.groupBytes = options.groupBytes ?? 4 << 20;
  }

  /** Drops the kernel instance (its memory, grown to the largest call so far, can then be collected). */
  release(): void {
    this.inst.release();
  }

  /**
   * Bytes to leave around a copied input for im2col_f32's "same" path (it may read up to
   * paddingX floats before and after the plane: values it then overwrites with zeros).
   */
  private static margin(w: Window2d): number {
    return Math.ceil((w.paddingX + 4) / 4) * 16;
  }

  /** {@link ConvKernels.forward}: `conv` (layers.ts) — out = filters · im2col(x) + biases, overwritten. */
  forward(out: Tensor, x: Tensor, filters: Float32Array, biases: Float32Array | undefined, numFilters: number, w: Window2d): void {
    const what = 'conv';
    const [oh, ow] = outShape(what, x, w);
    expectShape(what, 'output', out, x.n, numFilters, oh, ow);
    if (x.data.length !== x.n * x.k * x.nr * x.nc) fail(what, 'input data length does not match its shape');
    const T = x.k * w.nr * w.nc;
    const F = numFilters;
    if (filters.length !== F * T) fail(what, `filters have ${filters.length} values, expected ${F}x${x.k}x${w.nr}x${w.nc}`);
    if (biases !== undefined && biases.length !== F) fail(what, `biases have ${biases.length} values, expected ${F}`);
    const P = oh * ow;
    if (x.n === 0 || P === 0 || F === 0) return;
    const xs = x.k * x.nr * x.nc;
    const gs = this.groupOf(x.n, T * P * 4);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const gemm = new WasmGemm(k, this.threads);
    const pf = k.alloc(F * T * 4);
    const pb = k.alloc(F * 4);
    const margin = WasmConvKernels.margin(w);
    const px = k.alloc(margin + gs * xs * 4 + margin) + margin;
    const pcols = k.alloc(T * gs * P * 4);
    const pprod = k.alloc(F * gs * P * 4);
    const pout = k.alloc(gs * F * P * 4);
    k.f32(pf, F * T).set(filters);
    if (biases !== undefined) k.f32(pb, F).set(biases);
    for (let s0 = 0; s0 < x.n; s0 += gs) {
      const g = Math.min(gs, x.n - s0);
      const N = g * P;
      k.f32(px, g * xs).set(x.data.subarray(s0 * xs, (s0 + g) * xs));
      for (let s = 0; s < g; s++) {
        ex.im2col_f32(pcols + s * P * 4, N, px + s * xs * 4, x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow);
      }
      gemm.gemm(F, N, T, pf, pcols, pprod);
      ex.conv_epilogue_f32(pout, pprod, F, P, g, N, pb, 0, 0, 0, biases === undefined ? 0 : EPI_BIAS);
      out.data.set(k.f32(pout, g * F * P), s0 * F * P);
    }
  }

  /**
   * {@link ConvKernels.backwardFilters}: `convBackwardFilters` (conv-grad.ts), dFilters
   * overwritten. Per group of samples: the gradient transposed ((samples x pixels) x F), the
   * samples' im2col matrices side by side (taps x (samples x pixels)), one product
   * `dFᵀ += colsᵀ·Gᵀ` with K = samples x pixels (from +0 for the first group): each element the
   * float sum from 0 over (sample, pixel) ascending, the reference's per-sample sgemm calls' order
   * exactly; then dF = the transpose of dFᵀ.
   */
  backwardFilters(dFilters: Float32Array, x: Tensor, g: Tensor, numFilters: number, w: Window2d, dBiases?: Float32Array): void {
    const what = 'convBackwardFilters';
    const [oh, ow] = outShape(what, x, w);
    expectShape(what, 'gradient', g, x.n, numFilters, oh, ow);
    if (x.data.length !== x.n * x.k * x.nr * x.nc) fail(what, 'input data length does not match its shape');
    const T = x.k * w.nr * w.nc;
    const F = numFilters;
    if (dFilters.length !== F * T) fail(what, `filter gradient has ${dFilters.length} values, expected ${F}x${x.k}x${w.nr}x${w.nc}`);
    if (dBiases !== undefined && dBiases.length !== F) fail('convBackwardBias', `bias gradient has ${dBiases.length} values, expected ${F}`);
    const P = oh * ow;
    if (x.n === 0 || F === 0 || T === 0) {
      dFilters.fill(0);
      dBiases?.fill(0);
      return;
    }
    const xs = x.k * x.nr * x.nc;
    const gs = this.groupOf(x.n, T * P * 4);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const gemm = new WasmGemm(k, this.threads);
    const margin = WasmConvKernels.margin(w);
    const px = k.alloc(margin + gs * xs * 4 + margin) + margin;
    const pg = k.alloc(gs * F * P * 4);
    const pgt = k.alloc(gs * P * F * 4);
    const pcolsT = k.alloc(T * gs * P * 4);
    const pdfT = k.alloc(T * F * 4);
    const pdf = k.alloc(F * T * 4);
    const pbias = k.alloc(F * 4);
    const pbias2 = k.alloc(F * 4);
    k.f32(pbias, F).fill(0);
    k.f32(pbias2, F).fill(0);
    for (let s0 = 0; s0 < x.n; s0 += gs) {
      const n = Math.min(gs, x.n - s0);
      const N = n * P;
      k.f32(px, n * xs).set(x.data.subarray(s0 * xs, (s0 + n) * xs));
      k.f32(pg, n * F * P).set(g.data.subarray(s0 * F * P, (s0 + n) * F * P));
      // the bias gradient (convBackwardBias): per filter, a float sum from 0 over the samples,
      // then the pixels (bn_sums_f32's sums; its sums of squares are not used)
      if (dBiases !== undefined) ex.bn_sums_f32(pg, n, F, P, pbias, pbias2);
      for (let s = 0; s < n; s++) {
        // Gᵀ: row (s, pixel), one column per filter
        ex.transpose_f32(pgt + s * P * F * 4, F, pg + s * F * P * 4, P, F, P);
        ex.im2col_f32(pcolsT + s * P * 4, N, px + s * xs * 4, x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow);
      }
      // dFᵀ (T x F) = colsᵀ (T x N) · Gᵀ (N x F), continuing the sums of the earlier groups
      gemm.gemm(T, F, N, pcolsT, pgt, pdfT, { accumulate: s0 > 0 });
    }
    ex.transpose_f32(pdf, T, pdfT, F, T, F);
    dFilters.set(k.f32(pdf, F * T));
    dBiases?.set(k.f32(pbias, F));
  }

  /**
   * {@link ConvKernels.backwardData}: `convBackwardData` (conv-grad.ts), added into dx. Per group
   * of samples: `dcols = trans(filters)·G` with G the group's gradient as one F x (samples x
   * pixels) matrix (each element the float sum from 0 over the filters, as the reference's
   * per-sample product), then col2img of each sample's columns into its dx.
   */
  backwardData(dx: Tensor, g: Tensor, filters: Float32Array, numFilters: number, w: Window2d): void {
    const what = 'convBackwardData';
    const [oh, ow] = outShape(what, dx, w);
    expectShape(what, 'gradient', g, dx.n, numFilters, oh, ow);
    if (dx.data.length !== dx.n * dx.k * dx.nr * dx.nc) fail(what, 'input data length does not match its shape');
    const T = dx.k * w.nr * w.nc;
    const F = numFilters;
    if (filters.length !== F * T) fail(what, `filters have ${filters.length} values, expected ${F}x${dx.k}x${w.nr}x${w.nc}`);
    const P = oh * ow;
    if (dx.n === 0 || P === 0 || T === 0) return;
    const xs = dx.k * dx.nr * dx.nc;
    const gs = this.groupOf(dx.n, T * P * 4);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const gemm = new WasmGemmBlas(k, this.threads);
    const pf = k.alloc(F * T * 4);
    const pg = k.alloc(gs * F * P * 4);
    const pgr = k.alloc(gs * F * P * 4);
    const pdc = k.alloc(T * gs * P * 4);
    const pdx = k.alloc(gs * xs * 4);
    k.f32(pf, F * T).set(filters);
    const input = { k: dx.k, nr: dx.nr, nc: dx.nc };
    for (let s0 = 0; s0 < dx.n; s0 += gs) {
      const n = Math.min(gs, dx.n - s0);
      const N = n * P;
      k.f32(pg, n * F * P).set(g.data.subarray(s0 * F * P, (s0 + n) * F * P));
      ex.regroup_f32(pgr, pg, n, F, P);
      gemm.gemm(true, false, T, N, F, 1, pf, pgr, 0, pdc);
      const d = dx.data.subarray(s0 * xs, (s0 + n) * xs);
      k.f32(pdx, n * xs).set(d);
      for (let s = 0; s < n; s++) gemm.col2img(pdx + s * xs * 4, pdc + s * P * 4, input, w, N);
      d.set(k.f32(pdx, n * xs));
    }
  }

  /** Samples per group: whole samples whose `bytesPerSample` matrices fit in groupBytes (at least 1). */
  private groupOf(n: number, bytesPerSample: number): number {
    return Math.max(1, Math.min(n, Math.floor(this.groupBytes / Math.max(1, bytesPerSample))));
  }
}
