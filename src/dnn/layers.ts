/**
 * The layers of dlib's face-recognition ResNet as free functions over NCHW float32 tensors —
 * the reference path: plain loops, float32 storage, float32 arithmetic in dlib's order.
 *
 * Conventions (llm.c style): the output comes first and is preallocated by the caller with the
 * shape the matching `...Shape` function gives; inputs follow; each argument's comment gives
 * its shape. Every function names the dlib code it mirrors (dlib 19.24: `dlib/dnn/input.h`,
 * `dlib/dnn/layers.h`, `dlib/cuda/tensor_tools.h`, `dlib/cuda/cpu_dlib.cpp`).
 *
 * Float32 arithmetic in JavaScript: a product or sum of two float32 values computed in double
 * and rounded once to float32 (`Math.fround`, or a store into a Float32Array) is exactly the
 * float32 result, so each dlib float operation is one rounded double operation here. A product
 * added to a sum must be rounded *before* the addition (C++ without FMA contraction does that);
 * `acc + a*b` rounded once would be a fused multiply-add.
 */
import type { RgbImage } from '../image/pixels.js';
import { gemmReference, type Gemm } from './gemm.js';
import { sameShape, type Shape, type Tensor } from './tensor.js';

const fround = Math.fround;

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

function expectShape(what: string, t: Tensor, s: Shape): void {
  if (t.n !== s[0] || t.k !== s[1] || t.nr !== s[2] || t.nc !== s[3]) {
    fail(what, `output is ${t.n}x${t.k}x${t.nr}x${t.nc}, expected ${s.join('x')}`);
  }
  if (t.data.length !== s[0] * s[1] * s[2] * s[3]) fail(what, `output data has ${t.data.length} values for shape ${s.join('x')}`);
}

// ------------------------------------------------------------------------------------------
// Input

/** Per-channel means of dlib's RGB input layers (`input_rgb_image_sized`'s defaults, float32). */
export interface RgbMeans {
  red: number;
  green: number;
  blue: number;
}

/** dlib's defaults: 122.782, 117.001, 104.298 (as float32, the type dlib stores them in). */
export const DLIB_RGB_MEANS: Readonly<RgbMeans> = Object.freeze({
  red: fround(122.782),
  green: fround(117.001),
  blue: fround(104.298),
});

/** [chips.length, 3, height, width]. */
export function inputRgbImageShape(chips: readonly RgbImage[]): Shape {
  if (chips.length === 0) fail('inputRgbImage', 'no images');
  return [chips.length, 3, chips[0].height, chips[0].width];
}

/**
 * Images to a tensor: `input_rgb_image_sized<NR,NC>::to_tensor` (and `input_rgb_image`) in
 * `dlib/dnn/input.h`. Channel 0 is red, 1 green, 2 blue; each value is
 * `(pixel - mean) / 256.0`: the subtraction in float32 (an unsigned char minus a float), the
 * division in double, stored as float32 (dividing by 256 is exact, so this equals the float32
 * difference scaled by 1/256).
 *
 * @param out [chips.length, 3, nr, nc]
 * @param chips each `nc` wide and `nr` high, interleaved RGB bytes; all the same size
 * @param means float32 channel means (default {@link DLIB_RGB_MEANS})
 * @param size when given, the size the input layer requires (input_rgb_image_sized's NR, NC)
 */
export function inputRgbImage(out: Tensor, chips: readonly RgbImage[], means: RgbMeans = DLIB_RGB_MEANS,
  size?: { nr: number; nc: number }): void {
  const shape = inputRgbImageShape(chips);
  const [, , nr, nc] = shape;
  if (size !== undefined && (size.nr !== nr || size.nc !== nc)) {
    fail('inputRgbImageSized', `the input layer takes ${size.nc}x${size.nr} images (width x height), got ${nc}x${nr}`);
  }
  expectShape('inputRgbImage', out, shape);
  const mr = fround(means.red);
  const mg = fround(means.green);
  const mb = fround(means.blue);
  const plane = nr * nc;
  const d = out.data;
  chips.forEach((img, s) => {
    if (img.width !== nc || img.height !== nr) fail('inputRgbImage', `all images must have the same size (image 0 is ${nc}x${nr}, image ${s} is ${img.width}x${img.height})`);
    if (img.data.length !== plane * 3) fail('inputRgbImage', `image ${s} has ${img.data.length} bytes, expected ${plane * 3}`);
    const base = s * 3 * plane;
    const px = img.data;
    for (let i = 0; i < plane; i++) {
      d[base + i] = fround(px[3 * i] - mr) / 256;
      d[base + plane + i] = fround(px[3 * i + 1] - mg) / 256;
      d[base + 2 * plane + i] = fround(px[3 * i + 2] - mb) / 256;
    }
  });
}

/** {@link inputRgbImage} for dlib's `input_rgb_image_sized<150>` (150x150 chips, default means). */
export function inputRgbImageSized(out: Tensor, chips: readonly RgbImage[], nr = 150, nc = nr,
  means: RgbMeans = DLIB_RGB_MEANS): void {
  inputRgbImage(out, chips, means, { nr, nc });
}

// ------------------------------------------------------------------------------------------
// Convolution

/** Geometry of a convolution or pooling window. */
export interface Window2d {
  /** Window rows and columns. */
  nr: number;
  nc: number;
  strideY: number;
  strideX: number;
  paddingY: number;
  paddingX: number;
}

/**
 * dlib's default padding for con_ and the pooling layers (`layers.h`: `_stride_y!=1 ? 0 :
 * _nr/2`): 0 when the stride is not 1, else half the window (rounded down).
 */
export function defaultPadding(size: number, stride: number): number {
  return stride !== 1 ? 0 : Math.trunc(size / 2);
}

/** One output dimension: `1 + (in + 2*padding - window) / stride` (integer division, as dlib). */
export function windowOutputSize(inSize: number, window: number, stride: number, padding: number): number {
  const span = inSize + 2 * padding - window;
  if (span < 0) fail('window', `a ${window}-wide window does not fit in ${inSize} + 2*${padding} padding`);
  return 1 + Math.trunc(span / stride);
}

function checkWindow(what: string, w: Window2d): void {
  if (!(w.nr > 0 && w.nc > 0 && w.strideY > 0 && w.strideX > 0)) fail(what, 'window size and strides must be positive');
  if (!(w.paddingY >= 0 && w.paddingY < w.nr && w.paddingX >= 0 && w.paddingX < w.nc)) {
    fail(what, `padding (${w.paddingY}, ${w.paddingX}) must be >= 0 and smaller than the window (${w.nr}x${w.nc})`);
  }
}

/** [x.n, numFilters, outRows, outCols] of {@link conv}. */
export function convShape(x: Tensor, numFilters: number, w: Window2d): Shape {
  return [x.n, numFilters, windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY), windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX)];
}

/**
 * im2col for a whole batch, transposed to feed C = W·B: B has one row per filter tap
 * (channel, y, x — the order of dlib's filter layout and of its `img2col` columns) and one
 * column per output pixel of every sample (sample-major, then row, then column). Taps outside
 * the input are 0, as in dlib's `img2col` (`cpu_dlib.cpp`).
 *
 * @param cols [x.k*w.nr*w.nc][x.n*outRows*outCols]
 * @param x [n, k, nr, nc]
 */
export function im2col(cols: Float32Array, x: Tensor, w: Window2d): void {
  const outR = windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY);
  const outC = windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX);
  const P = outR * outC;
  const N = x.n * P;
  const K = x.k * w.nr * w.nc;
  if (cols.length < K * N) fail('im2col', `buffer has ${cols.length} values, needs ${K * N}`);
  const src = x.data;
  const { nr, nc } = x;
  const plane = nr * nc;
  const sx = w.strideX;
  for (let c = 0; c < x.k; c++) {
    for (let ky = 0; ky < w.nr; ky++) {
      for (let kx = 0; kx < w.nc; kx++) {
        const row = ((c * w.nr + ky) * w.nc + kx) * N;
        // The output columns q whose tap x = q*sx - paddingX + kx lies inside [0, nc) form one
        // span [q0, q1); the rest of the row is padding (0). Same values as testing every tap.
        const off = kx - w.paddingX;
        const q0 = Math.min(outC, Math.max(0, Math.ceil(-off / sx)));
        const q1 = Math.max(q0, Math.min(outC, Math.floor((nc - 1 - off) / sx) + 1));
        for (let s = 0; s < x.n; s++) {
          const sp = (s * x.k + c) * plane;
          let o = row + s * P;
          for (let r = 0; r < outR; r++, o += outC) {
            const yy = r * w.strideY - w.paddingY + ky;
            // Plain loops: rows are short (1 to 72 values), too short for fill()/set() calls.
            if (yy < 0 || yy >= nr) {
              for (let q = 0; q < outC; q++) cols[o + q] = 0;
              continue;
            }
            for (let q = 0; q < q0; q++) cols[o + q] = 0;
            let from = sp + yy * nc + q0 * sx + off;
            if (sx === 1) {
              for (let q = q0; q < q1; q++) cols[o + q] = src[from++];
            } else {
              for (let q = q0; q < q1; q++, from += sx) cols[o + q] = src[from];
            }
            for (let q = q1; q < outC; q++) cols[o + q] = 0;
          }
        }
      }
    }
  }
}

/** Scratch buffers a caller may pass to {@link conv} to avoid allocations. */
export interface ConvScratch {
  cols?: Float32Array;
  product?: Float32Array;
}

/**
 * Convolution: `con_::forward` (`layers.h`) → `tensor_conv` (`cpu_dlib.cpp`): for each sample,
 * im2col, then `filters · trans(cols)` by GEMM, then `tt::add(1, output, 1, biases)`.
 * Here all samples go through one GEMM (N = samples x output pixels); every output element is
 * still the same K-term dot product, so the result does not depend on the batching. Biases
 * are added in float32 after the sum, as dlib does.
 *
 * @param out [x.n, numFilters, outRows, outCols] (see {@link convShape})
 * @param x [n, k, nr, nc]
 * @param filters [numFilters][k][w.nr][w.nc]
 * @param biases [numFilters], or undefined for a con_ without bias
 * @param gemm the GEMM to use (default {@link gemmReference})
 */
export function conv(out: Tensor, x: Tensor, filters: Float32Array, biases: Float32Array | undefined,
  numFilters: number, w: Window2d, gemm: Gemm = gemmReference, scratch: ConvScratch = {}): void {
  checkWindow('conv', w);
  const shape = convShape(x, numFilters, w);
  expectShape('conv', out, shape);
  const K = x.k * w.nr * w.nc;
  if (filters.length !== numFilters * K) fail('conv', `filters have ${filters.length} values, expected ${numFilters}x${x.k}x${w.nr}x${w.nc}`);
  if (biases !== undefined && biases.length !== numFilters) fail('conv', `biases have ${biases.length} values, expected ${numFilters}`);
  const P = shape[2] * shape[3];
  const N = x.n * P;
  if (N === 0 || numFilters === 0) return;
  const cols = scratch.cols !== undefined && scratch.cols.length >= K * N ? scratch.cols : new Float32Array(K * N);
  const prod = scratch.product !== undefined && scratch.product.length >= numFilters * N ? scratch.product : new Float32Array(numFilters * N);
  im2col(cols, x, w);
  gemm(numFilters, N, K, filters, cols.length === K * N ? cols : cols.subarray(0, K * N), prod.length === numFilters * N ? prod : prod.subarray(0, numFilters * N));
  // prod is [filter][sample][pixel]; out is [sample][filter][pixel].
  const o = out.data;
  for (let s = 0; s < x.n; s++) {
    for (let f = 0; f < numFilters; f++) {
      const src = f * N + s * P;
      const dst = (s * numFilters + f) * P;
      if (biases === undefined) {
        for (let p = 0; p < P; p++) o[dst + p] = prod[src + p];
      } else {
        const b = biases[f];
        for (let p = 0; p < P; p++) o[dst + p] = prod[src + p] + b;
      }
    }
  }
}

/**
 * Direct convolution with the same float32 summation order as {@link conv} (taps in channel,
 * y, x order, padding taps included as zeros): a check of the im2col + GEMM plumbing, not
 * used by the forward pass.
 *
 * @param out [x.n, numFilters, outRows, outCols]
 * @param x [n, k, nr, nc]
 * @param filters [numFilters][k][w.nr][w.nc]
 * @param biases [numFilters] or undefined
 */
export function convDirect(out: Tensor, x: Tensor, filters: Float32Array, biases: Float32Array | undefined,
  numFilters: number, w: Window2d): void {
  checkWindow('convDirect', w);
  const shape = convShape(x, numFilters, w);
  expectShape('convDirect', out, shape);
  const [, , outR, outC] = shape;
  let o = 0;
  for (let s = 0; s < x.n; s++) {
    for (let f = 0; f < numFilters; f++) {
      for (let r = 0; r < outR; r++) {
        for (let q = 0; q < outC; q++) {
          let acc = 0;
          for (let c = 0; c < x.k; c++) {
            for (let ky = 0; ky < w.nr; ky++) {
              const yy = r * w.strideY - w.paddingY + ky;
              for (let kx = 0; kx < w.nc; kx++) {
                const xx = q * w.strideX - w.paddingX + kx;
                const v = yy >= 0 && yy < x.nr && xx >= 0 && xx < x.nc ? x.data[((s * x.k + c) * x.nr + yy) * x.nc + xx] : 0;
                acc = fround(acc + fround(filters[((f * x.k + c) * w.nr + ky) * w.nc + kx] * v));
              }
            }
          }
          out.data[o++] = biases === undefined ? acc : fround(acc + biases[f]);
        }
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Element-wise layers

/**
 * Per-channel affine transform: `affine_::forward_inplace` in CONV mode (`layers.h`) →
 * `affine_transform_conv` (`cpu_dlib.cpp`): `out = gamma[k]*x + beta[k]`, the product rounded to
 * float32 before the sum. `out` may be `x` (dlib runs it in place).
 *
 * @param out [n, k, nr, nc]
 * @param x [n, k, nr, nc]
 * @param gamma [k]
 * @param beta [k]
 */
export function affine(out: Tensor, x: Tensor, gamma: Float32Array, beta: Float32Array): void {
  if (!sameShape(out, x)) fail('affine', 'output and input shapes differ');
  if (gamma.length !== x.k || beta.length !== x.k) fail('affine', `gamma/beta have ${gamma.length}/${beta.length} values for ${x.k} channels`);
  const plane = x.nr * x.nc;
  const s = x.data;
  const d = out.data;
  let i = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < x.k; k++) {
      const g = gamma[k];
      const b = beta[k];
      for (let p = 0; p < plane; p++, i++) d[i] = fround(g * s[i]) + b;
    }
  }
}

/**
 * Per-element affine transform: `affine_` in FC mode → `affine_transform` (`cpu_dlib.cpp`),
 * `out[n][i] = gamma[i]*x[n][i] + beta[i]` with gamma and beta one sample's size.
 *
 * @param out [n, k, nr, nc]
 * @param x [n, k, nr, nc]
 * @param gamma [k*nr*nc]
 * @param beta [k*nr*nc]
 */
export function affineFc(out: Tensor, x: Tensor, gamma: Float32Array, beta: Float32Array): void {
  if (!sameShape(out, x)) fail('affineFc', 'output and input shapes differ');
  const m = x.k * x.nr * x.nc;
  if (gamma.length !== m || beta.length !== m) fail('affineFc', `gamma/beta have ${gamma.length}/${beta.length} values for samples of ${m}`);
  const s = x.data;
  const d = out.data;
  for (let n = 0; n < x.n; n++) {
    const o = n * m;
    for (let i = 0; i < m; i++) d[o + i] = fround(gamma[i] * s[o + i]) + beta[i];
  }
}

/**
 * max(x, 0): `relu_::forward_inplace` → `tt::relu` (`cpu_dlib.cpp`: `lowerbound(mat(src), 0)`,
 * which keeps x unless x < 0). `out` may be `x`.
 *
 * @param out [n, k, nr, nc]
 * @param x [n, k, nr, nc]
 */
export function relu(out: Tensor, x: Tensor): void {
  if (!sameShape(out, x)) fail('relu', 'output and input shapes differ');
  const s = x.data;
  const d = out.data;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    d[i] = v < 0 ? 0 : v;
  }
}

// ------------------------------------------------------------------------------------------
// Pooling

/** [x.n, x.k, outRows, outCols] of {@link maxPool} / {@link avgPool}. */
export function poolShape(x: Tensor, w: Window2d): Shape {
  return [x.n, x.k, windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY), windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX)];
}

function pool(what: string, out: Tensor, x: Tensor, w: Window2d, max: boolean): void {
  checkWindow(what, w);
  const shape = poolShape(x, w);
  expectShape(what, out, shape);
  const [, , outR, outC] = shape;
  const plane = x.nr * x.nc;
  const s = x.data;
  const d = out.data;
  let o = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < x.k; k++) {
      const base = (n * x.k + k) * plane;
      for (let r = 0; r < outR; r++) {
        // The window dlib's centered_rect(c*stride + w/2 - pad, ..., w, h) gives, clipped to the
        // image (subm_clipped): padded cells take no part, neither in the max nor in the mean.
        const top = r * w.strideY - w.paddingY;
        const y0 = Math.max(0, top);
        const y1 = Math.min(x.nr, top + w.nr);
        for (let q = 0; q < outC; q++, o++) {
          const left = q * w.strideX - w.paddingX;
          const x0 = Math.max(0, left);
          const x1 = Math.min(x.nc, left + w.nc);
          if (max) {
            // dlib's max(): the first element, then every larger one, row by row.
            let m = s[base + y0 * x.nc + x0];
            for (let yy = y0; yy < y1; yy++) {
              for (let xx = x0; xx < x1; xx++) {
                const v = s[base + yy * x.nc + xx];
                if (v > m) m = v;
              }
            }
            d[o] = m;
          } else {
            // dlib's mean(): a float32 sum, row by row, divided (in float32) by the cell count.
            let acc = 0;
            for (let yy = y0; yy < y1; yy++) {
              for (let xx = x0; xx < x1; xx++) acc = fround(acc + s[base + yy * x.nc + xx]);
            }
            d[o] = acc / ((y1 - y0) * (x1 - x0));
          }
        }
      }
    }
  }
}

/**
 * Max pooling: `max_pool_::forward` → `pooling::operator()` with max pooling (`cpu_dlib.cpp`):
 * each output is the max over the window clipped to the image (padding cells are ignored).
 *
 * @param out [x.n, x.k, outRows, outCols] (see {@link poolShape})
 * @param x [n, k, nr, nc]
 */
export function maxPool(out: Tensor, x: Tensor, w: Window2d): void {
  pool('maxPool', out, x, w, true);
}

/**
 * Average pooling: `avg_pool_::forward` → `pooling::operator()` with average pooling
 * (`cpu_dlib.cpp`): each output is the mean of the window clipped to the image — padding cells
 * are not counted, the divisor is the number of cells inside the image.
 *
 * @param out [x.n, x.k, outRows, outCols]
 * @param x [n, k, nr, nc]
 */
export function avgPool(out: Tensor, x: Tensor, w: Window2d): void {
  pool('avgPool', out, x, w, false);
}

/** The window of avg_pool_everything (an avg_pool_ with nr = nc = 0): the whole input plane. */
export function everythingWindow(x: Tensor): Window2d {
  return { nr: x.nr, nc: x.nc, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 };
}

/**
 * Global average pooling: `avg_pool_everything` (`avg_pool_<0,0,1,1>`, whose forward takes the
 * window size from its input).
 *
 * @param out [x.n, x.k, 1, 1]
 * @param x [n, k, nr, nc]
 */
export function avgPoolEverything(out: Tensor, x: Tensor): void {
  pool('avgPoolEverything', out, x, everythingWindow(x), false);
}

// ------------------------------------------------------------------------------------------
// Residual sum

/** The larger of each dimension: the output shape of {@link addPrev}. */
export function addPrevShape(a: Tensor, b: Tensor): Shape {
  return [Math.max(a.n, b.n), Math.max(a.k, b.k), Math.max(a.nr, b.nr), Math.max(a.nc, b.nc)];
}

/**
 * out = a + b: `add_prev_::forward` (`layers.h`) → `tt::add(dest, src1, src2)` (`cpu_dlib.cpp`).
 * When the shapes differ the output takes the larger of each dimension and an element missing
 * from an input counts as 0 (in the face ResNet: a 3x3 conv path plus a 4x4 pooled shortcut
 * with half the channels, and 1x1 plus 2x2).
 *
 * @param out addPrevShape(a, b)
 * @param a [n1, k1, nr1, nc1] (dlib: the layer below, sub.get_output())
 * @param b [n2, k2, nr2, nc2] (dlib: the tagged layer's output)
 */
export function addPrev(out: Tensor, a: Tensor, b: Tensor): void {
  const shape = addPrevShape(a, b);
  expectShape('addPrev', out, shape);
  const d = out.data;
  if (sameShape(a, b)) {
    for (let i = 0; i < d.length; i++) d[i] = a.data[i] + b.data[i];
    return;
  }
  const at = (t: Tensor, n: number, k: number, r: number, c: number): number =>
    n < t.n && k < t.k && r < t.nr && c < t.nc ? t.data[((n * t.k + k) * t.nr + r) * t.nc + c] : 0;
  let i = 0;
  for (let n = 0; n < shape[0]; n++) {
    for (let k = 0; k < shape[1]; k++) {
      for (let r = 0; r < shape[2]; r++) {
        for (let c = 0; c < shape[3]; c++) d[i++] = at(a, n, k, r, c) + at(b, n, k, r, c);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Fully connected

/** [x.n, numOutputs, 1, 1]. */
export function fcShape(x: Tensor, numOutputs: number): Shape {
  return [x.n, numOutputs, 1, 1];
}

/**
 * Fully connected layer: `fc_::forward` (`layers.h`) → `tt::gemm(0, output, 1, x, false, w,
 * false)`, then, with FC_HAS_BIAS, `tt::add(1, output, 1, biases)`. Each sample is flattened to
 * k*nr*nc inputs.
 *
 * @param out [x.n, numOutputs, 1, 1]
 * @param x [n, k, nr, nc] with k*nr*nc = numInputs
 * @param weights [numInputs][numOutputs]
 * @param biases [numOutputs] or undefined
 */
export function fc(out: Tensor, x: Tensor, weights: Float32Array, biases: Float32Array | undefined,
  numOutputs: number, gemm: Gemm = gemmReference): void {
  const numInputs = x.k * x.nr * x.nc;
  expectShape('fc', out, fcShape(x, numOutputs));
  if (weights.length !== numInputs * numOutputs) fail('fc', `weights have ${weights.length} values, expected ${numInputs}x${numOutputs}`);
  if (biases !== undefined && biases.length !== numOutputs) fail('fc', `biases have ${biases.length} values, expected ${numOutputs}`);
  if (x.n === 0) return;
  gemm(x.n, numOutputs, numInputs, x.data, weights, out.data);
  if (biases !== undefined) {
    for (let n = 0; n < x.n; n++) for (let j = 0; j < numOutputs; j++) out.data[n * numOutputs + j] += biases[j];
  }
}

/**
 * `fc_no_bias<N>` (fc_ with FC_NO_BIAS): out = x · weights.
 *
 * @param out [x.n, numOutputs, 1, 1]
 * @param x [n, k, nr, nc]
 * @param weights [k*nr*nc][numOutputs]
 */
export function fcNoBias(out: Tensor, x: Tensor, weights: Float32Array, numOutputs: number, gemm: Gemm = gemmReference): void {
  fc(out, x, weights, undefined, numOutputs, gemm);
}
