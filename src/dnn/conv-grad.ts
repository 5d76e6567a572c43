/**
 * The backward pass of dlib's convolution (`con_::backward`, `dlib/dnn/layers.h`), as free
 * functions over NCHW float32 tensors: the data gradient (`tensor_conv::get_gradient_for_data`),
 * the filter gradient (`tensor_conv::get_gradient_for_filters`) and the bias gradient
 * (`tt::assign_conv_bias_gradient`), all in `dlib/cuda/cpu_dlib.cpp` (dlib 19.24).
 *
 * dlib works one sample at a time: `img2col` turns sample n into a matrix with one row per
 * output pixel (r, c) and one column per filter tap j = (k*NR + y)*NC + x, and the products go
 * to BLAS through dlib's matrix expressions. Those calls are reproduced here through a
 * {@link GemmBlas} (default {@link gemmBlasReference}, netlib's order), so that the sums are
 * dlib's to the last bit:
 * - data gradient, per sample: `temp = trans(gi)·filters` (sgemm, beta 0: each element a float
 *   sum from 0 over the filters f = 0..F-1), then `col2img` adds temp into the data gradient in
 *   (r, c, k, y, x) order — each input element receives the contributions of its windows one
 *   at a time, in output-pixel order.
 * - filter gradient: sample 0 `dF = gi·img2col` (beta 0), every later sample `dF += gi·img2col`
 *   (sgemm with beta 1: netlib's axpy form adds each product into dF itself), so each element is
 *   one float sum from 0 over (n, p) ascending.
 * - bias gradient: a float sum per filter over n, then the output pixels in order.
 *
 * Float32 arithmetic as in `layers.ts`: one rounded double operation per dlib float operation.
 */
import { gemmBlasReference, gemmReference, type Gemm, type GemmBlas } from './gemm.js';
import { conv, windowOutputSize, type ConvScratch, type Window2d } from './layers.js';
import type { Tensor } from './tensor.js';

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

function checkWindow(what: string, w: Window2d): void {
  if (!(w.nr > 0 && w.nc > 0 && w.strideY > 0 && w.strideX > 0)) fail(what, 'window size and strides must be positive');
  if (!(w.paddingY >= 0 && w.paddingY < w.nr && w.paddingX >= 0 && w.paddingX < w.nc)) {
    fail(what, `padding (${w.paddingY}, ${w.paddingX}) must be >= 0 and smaller than the window (${w.nr}x${w.nc})`);
  }
}

/** Output rows and columns of a convolution of an nr x nc input. */
function outSize(nr: number, nc: number, w: Window2d): [number, number] {
  return [windowOutputSize(nr, w.nr, w.strideY, w.paddingY), windowOutputSize(nc, w.nc, w.strideX, w.paddingX)];
}

/** Checks that g is the gradient of a convolution of x-shaped input with numFilters filters. */
function checkGradShape(what: string, x: Tensor, g: Tensor, numFilters: number, w: Window2d): void {
  const [outR, outC] = outSize(x.nr, x.nc, w);
  if (g.n !== x.n || g.k !== numFilters || g.nr !== outR || g.nc !== outC) {
    fail(what, `gradient is ${g.n}x${g.k}x${g.nr}x${g.nc}, expected ${x.n}x${numFilters}x${outR}x${outC}`);
  }
  if (g.data.length !== g.n * g.k * g.nr * g.nc) fail(what, 'gradient data length does not match its shape');
  if (x.data.length !== x.n * x.k * x.nr * x.nc) fail(what, 'input data length does not match its shape');
}

/** Scratch buffers a caller may pass to avoid allocations (reused when large enough). */
export interface ConvGradScratch {
  /** At least outRows*outCols x k*w.nr*w.nc floats: one sample's img2col / col2img matrix. */
  cols?: Float32Array;
}

function colsBuffer(scratch: ConvGradScratch, size: number): Float32Array {
  if (scratch.cols !== undefined && scratch.cols.length >= size) return scratch.cols.length === size ? scratch.cols : scratch.cols.subarray(0, size);
  const buf = new Float32Array(size);
  scratch.cols = buf;
  return buf;
}

/**
 * dlib's `img2col` (`cpu_dlib.cpp`) for sample n: `cols` gets one row per output pixel
 * (r, c), row-major, and one column per filter tap j = (k*w.nr + y)*w.nc + x; taps outside the
 * input are 0.
 *
 * @param cols [outRows*outCols][x.k*w.nr*w.nc], overwritten
 * @param x [n, k, nr, nc]
 * @param n the sample
 */
export function img2colSample(cols: Float32Array, x: Tensor, n: number, w: Window2d): void {
  const [outR, outC] = outSize(x.nr, x.nc, w);
  const { k: K, nr, nc } = x;
  if (cols.length < outR * outC * K * w.nr * w.nc) fail('img2colSample', `buffer has ${cols.length} values, needs ${outR * outC * K * w.nr * w.nc}`);
  const src = x.data;
  const base = n * K * nr * nc;
  let t = 0;
  for (let r = 0; r < outR; r++) {
    const y0 = r * w.strideY - w.paddingY;
    for (let c = 0; c < outC; c++) {
      const x0 = c * w.strideX - w.paddingX;
      for (let k = 0; k < K; k++) {
        const plane = base + k * nr * nc;
        for (let y = 0; y < w.nr; y++) {
          const yy = y0 + y;
          const inRow = yy >= 0 && yy < nr;
          const row = plane + yy * nc;
          for (let xq = 0; xq < w.nc; xq++) {
            const xx = x0 + xq;
            cols[t++] = inRow && xx >= 0 && xx < nc ? src[row + xx] : 0;
          }
        }
      }
    }
  }
}

/**
 * dlib's `col2img` (`cpu_dlib.cpp`) for sample n: ADDS each entry of `cols` (laid out as
 * {@link img2colSample} makes it) into the input-shaped tensor `dx` at the tap it came from, in
 * (r, c, k, y, x) order; taps outside the input are dropped. Each addition is one float32
 * rounding.
 *
 * @param dx [n, k, nr, nc], added into
 * @param cols [outRows*outCols][dx.k*w.nr*w.nc]
 * @param n the sample
 */
export function col2imgSample(dx: Tensor, cols: Float32Array, n: number, w: Window2d): void {
  const [outR, outC] = outSize(dx.nr, dx.nc, w);
  const { k: K, nr, nc } = dx;
  const d = dx.data;
  const base = n * K * nr * nc;
  let t = 0;
  for (let r = 0; r < outR; r++) {
    const y0 = r * w.strideY - w.paddingY;
    for (let c = 0; c < outC; c++) {
      const x0 = c * w.strideX - w.paddingX;
      for (let k = 0; k < K; k++) {
        const plane = base + k * nr * nc;
        for (let y = 0; y < w.nr; y++) {
          const yy = y0 + y;
          if (yy < 0 || yy >= nr) {
            t += w.nc;
            continue;
          }
          const row = plane + yy * nc;
          for (let xq = 0; xq < w.nc; xq++, t++) {
            const xx = x0 + xq;
            // Float32Array store: the float32 sum, one rounding, as dlib's `d[...] += *t`.
            if (xx >= 0 && xx < nc) d[row + xx] += cols[t];
          }
        }
      }
    }
  }
}

/**
 * The data gradient of a convolution, ADDED into `dx`: `con_::backward` calls
 * `tensor_conv::get_gradient_for_data(add_to_output = true, gradient_input, filters,
 * sub.get_gradient_input())` (`cpu_dlib.cpp`). Per sample n: `temp = trans(g[n])·filters`
 * (one GEMM, transposed A, beta 0: each element a float sum from 0 over the filters), then
 * `col2img` adds temp into dx[n] in (output pixel, k, y, x) order. The padding and stride are
 * the forward pass's; taps in the padding get nothing.
 *
 * @param dx [n, k, nr, nc] (the convolution's input shape), added into
 * @param g [n, numFilters, outRows, outCols], the gradient of the convolution's output
 * @param filters [numFilters][k][w.nr][w.nc]
 * @param gemm dlib's BLAS product (default {@link gemmBlasReference}: bit-identical to dlib on
 *   the reference BLAS)
 * @param scratch optional buffers (see {@link ConvGradScratch})
 */
export function convBackwardData(dx: Tensor, g: Tensor, filters: Float32Array, numFilters: number, w: Window2d,
  gemm: GemmBlas = gemmBlasReference, scratch: ConvGradScratch = {}): void {
  checkWindow('convBackwardData', w);
  checkGradShape('convBackwardData', dx, g, numFilters, w);
  const K = dx.k * w.nr * w.nc;
  if (filters.length !== numFilters * K) fail('convBackwardData', `filters have ${filters.length} values, expected ${numFilters}x${dx.k}x${w.nr}x${w.nc}`);
  const P = g.nr * g.nc;
  if (dx.n === 0 || P === 0 || K === 0) return;
  const temp = colsBuffer(scratch, P * K);
  const per = numFilters * P;
  for (let n = 0; n < dx.n; n++) {
    // gi = g[n] as a numFilters x P matrix; temp (P x K) = trans(gi) · filters (numFilters x K).
    gemm(true, false, P, K, numFilters, 1, g.data.subarray(n * per, (n + 1) * per), filters, 0, temp);
    col2imgSample(dx, temp, n, w);
  }
}

/**
 * The filter gradient of a convolution, OVERWRITING `dFilters`: `con_::backward` calls
 * `tensor_conv::get_gradient_for_filters(add_to_output = false, gradient_input,
 * sub.get_output(), filters_gradient)` (`cpu_dlib.cpp`). Sample 0: `dF = g[0]·img2col(x, 0)`
 * (GEMM, beta 0); each later sample: `dF += g[n]·img2col(x, n)` — dlib's `tensor +=` of a
 * product, which its BLAS bindings pass as one sgemm with beta = 1, so (netlib's axpy form)
 * every product is added into dF in turn: each element is a float sum from 0 over samples,
 * then output pixels, ascending.
 *
 * @param dFilters [numFilters][k][w.nr][w.nc], overwritten
 * @param x [n, k, nr, nc], the convolution's input (sub.get_output())
 * @param g [n, numFilters, outRows, outCols]
 * @param gemm dlib's BLAS product (default {@link gemmBlasReference})
 * @param scratch optional buffers (see {@link ConvGradScratch})
 */
export function convBackwardFilters(dFilters: Float32Array, x: Tensor, g: Tensor, numFilters: number, w: Window2d,
  gemm: GemmBlas = gemmBlasReference, scratch: ConvGradScratch = {}): void {
  checkWindow('convBackwardFilters', w);
  checkGradShape('convBackwardFilters', x, g, numFilters, w);
  const K = x.k * w.nr * w.nc;
  if (dFilters.length !== numFilters * K) fail('convBackwardFilters', `filter gradient has ${dFilters.length} values, expected ${numFilters}x${x.k}x${w.nr}x${w.nc}`);
  const P = g.nr * g.nc;
  if (x.n === 0) {
    // dlib's loop does not run: the gradient keeps what it held. Make that explicit as zero
    // (no samples, no gradient) rather than leaving stale values.
    dFilters.fill(0);
    return;
  }
  const cols = colsBuffer(scratch, P * K);
  const per = numFilters * P;
  for (let n = 0; n < x.n; n++) {
    img2colSample(cols, x, n, w);
    gemm(false, false, numFilters, K, P, 1, g.data.subarray(n * per, (n + 1) * per), cols, n === 0 ? 0 : 1, dFilters);
  }
}

/**
 * The bias gradient of a convolution, OVERWRITING `dBiases`: `tt::assign_conv_bias_gradient`
 * (`cpu_dlib.cpp`): dBiases[k] = float sum from 0 of g over samples, then the output pixels of
 * channel k, in memory order.
 *
 * @param dBiases [g.k], overwritten
 * @param g [n, k, outRows, outCols]
 */
export function convBackwardBias(dBiases: Float32Array, g: Tensor): void {
  if (dBiases.length !== g.k) fail('convBackwardBias', `bias gradient has ${dBiases.length} values, expected ${g.k}`);
  dBiases.fill(0);
  const P = g.nr * g.nc;
  const s = g.data;
  let i = 0;
  for (let n = 0; n < g.n; n++) {
    for (let k = 0; k < g.k; k++) {
      let acc = dBiases[k];
      for (let p = 0; p < P; p++) acc = Math.fround(acc + s[i++]);
      dBiases[k] = acc;
    }
  }
}

/**
 * A convolution's three operations in a training step, pluggable (TrainingNet's `conv` kernels):
 * the forward pass ({@link conv} in layers.ts: OVERWRITES `out`), the filter gradient
 * ({@link convBackwardFilters}: OVERWRITES `dFilters`) and the data gradient
 * ({@link convBackwardData}: ADDS into `dx`), with those functions' shapes and meaning. An
 * implementation must give their bits (dlib's) for the same GEMMs; the WebAssembly one is
 * conv-grad-wasm.ts.
 */
export interface ConvKernels {
  forward(out: Tensor, x: Tensor, filters: Float32Array, biases: Float32Array | undefined, numFilters: number, w: Window2d): void;
  /** With dBiases, also {@link convBackwardBias}(dBiases, g) (overwritten). */
  backwardFilters(dFilters: Float32Array, x: Tensor, g: Tensor, numFilters: number, w: Window2d, dBiases?: Float32Array): void;
  backwardData(dx: Tensor, g: Tensor, filters: Float32Array, numFilters: number, w: Window2d): void;
}

/**
 * The {@link ConvKernels} of the TypeScript functions ({@link conv}, {@link convBackwardFilters},
 * {@link convBackwardData}) over the given GEMMs (default dlib's order: gemmReference,
 * gemmBlasReference), with one scratch buffer of each kind shared by every call (grown to the
 * largest layer; a training net's convolutions run one at a time).
 */
export function makeConvKernels(gemm: Gemm = gemmReference, gemmBlas: GemmBlas = gemmBlasReference): ConvKernels {
  const fwd: ConvScratch = {};
  const grad: ConvGradScratch = {};
  const grow = (buf: Float32Array | undefined, size: number): Float32Array => (buf !== undefined && buf.length >= size ? buf : new Float32Array(size));
  return {
    forward(out, x, filters, biases, numFilters, w) {
      const [outR, outC] = outSize(x.nr, x.nc, w);
      const N = x.n * outR * outC;
      fwd.cols = grow(fwd.cols, x.k * w.nr * w.nc * N);
      fwd.product = grow(fwd.product, numFilters * N);
      conv(out, x, filters, biases, numFilters, w, gemm, fwd);
    },
    backwardFilters(dFilters, x, g, numFilters, w, dBiases) {
      convBackwardFilters(dFilters, x, g, numFilters, w, gemmBlas, grad);
      if (dBiases !== undefined) convBackwardBias(dBiases, g);
    },
    backwardData(dx, g, filters, numFilters, w) {
      convBackwardData(dx, g, filters, numFilters, w, gemmBlas, grad);
    },
  };
}
