/**
 * The backward passes of the face ResNet's parameter-free layers and of its fixed affine_ layer,
 * as free functions over NCHW float32 tensors, each mirroring the dlib 19.24 code it names
 * (`dlib/dnn/layers.h`, `dlib/cuda/cpu_dlib.cpp`): relu_, affine_ (CONV mode), add_prev_,
 * max_pool_, avg_pool_ (and avg_pool_everything); and the pluggable kernel sets of a training
 * step's max pooling and element-wise layers with their TypeScript references.
 *
 * Overwrite or add: dlib's in-place layers (relu_, affine_) get a data-gradient tensor that is
 * either the very tensor holding the incoming gradient (then they overwrite it) or another one
 * (then they add into it); here "the same object" means the same Float32Array. The other layers
 * always add into the gradient of the layer below, as dlib's do.
 *
 * Float32 arithmetic as in `layers.ts`: one rounded double operation per dlib float operation.
 */
import { addPrev, avgPool, maxPool, relu, windowOutputSize, type Window2d } from './layers.js';
import { sameShape, type Tensor } from './tensor.js';

const fround = Math.fround;

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

function checkSize(what: string, t: Tensor): void {
  if (t.data.length !== t.n * t.k * t.nr * t.nc) fail(what, `tensor data has ${t.data.length} values for shape ${t.n}x${t.k}x${t.nr}x${t.nc}`);
}

// ------------------------------------------------------------------------------------------
// relu_

/**
 * `relu_::backward_inplace` → `tt::relu_gradient(data_grad, computed_output, gradient_input)`
 * (`cpu_dlib.cpp`). When `dx` is `g` (the same Float32Array: dlib's `is_same_object`), it is
 * OVERWRITTEN: dx = y > 0 ? g : 0. Otherwise the gradient is ADDED: dx += g where y > 0.
 *
 * @param dx [n, k, nr, nc], overwritten (dx is g) or added into
 * @param y [n, k, nr, nc], the relu's output (dlib's computed_output)
 * @param g [n, k, nr, nc], the gradient of the relu's output
 */
export function reluBackward(dx: Tensor, y: Tensor, g: Tensor): void {
  if (!sameShape(dx, y) || !sameShape(g, y)) fail('reluBackward', 'shapes differ');
  checkSize('reluBackward', dx);
  const d = dx.data;
  const out = y.data;
  const gi = g.data;
  if (d === gi) {
    for (let i = 0; i < d.length; i++) d[i] = out[i] > 0 ? gi[i] : 0;
  } else {
    for (let i = 0; i < d.length; i++) if (out[i] > 0) d[i] += gi[i];
  }
}

// ------------------------------------------------------------------------------------------
// affine_ (CONV mode)

/**
 * `affine_::backward_inplace` in CONV mode → `tt::multiply_conv(add_to, data_grad,
 * gradient_input, gamma)` (`cpu_dlib.cpp`): the data gradient of out = gamma[k]*x + beta[k].
 * affine_ learns nothing (the released model's converted bn_con), so there is no parameter
 * gradient. When `dx` is `g` (same Float32Array) it is OVERWRITTEN with float(g*gamma[k]) (dlib
 * passes add_to = false); otherwise float(g*gamma[k]) is ADDED into dx.
 *
 * @param dx [n, k, nr, nc], overwritten (dx is g) or added into
 * @param g [n, k, nr, nc]
 * @param gamma [k]
 */
export function affineBackward(dx: Tensor, g: Tensor, gamma: Float32Array): void {
  if (!sameShape(dx, g)) fail('affineBackward', 'shapes differ');
  if (gamma.length !== g.k) fail('affineBackward', `gamma has ${gamma.length} values for ${g.k} channels`);
  checkSize('affineBackward', dx);
  const d = dx.data;
  const gi = g.data;
  const plane = g.nr * g.nc;
  const add = d !== gi;
  let i = 0;
  for (let n = 0; n < g.n; n++) {
    for (let k = 0; k < g.k; k++) {
      const ga = gamma[k];
      if (add) for (let p = 0; p < plane; p++, i++) d[i] += fround(gi[i] * ga);
      else for (let p = 0; p < plane; p++, i++) d[i] = gi[i] * ga;
    }
  }
}

// ------------------------------------------------------------------------------------------
// add_prev_

/**
 * `tt::add(dest, dest, src)` (`cpu_dlib.cpp`'s three-tensor add with src1 = dest): ADDS src
 * into dest over dest's shape; where src is smaller in some dimension the missing elements count
 * as 0, and src's elements outside dest's shape are ignored (dropped).
 *
 * @param dest [n1, k1, nr1, nc1], added into
 * @param src [n2, k2, nr2, nc2]
 */
export function addInto(dest: Tensor, src: Tensor): void {
  checkSize('addInto', dest);
  checkSize('addInto', src);
  const d = dest.data;
  const s = src.data;
  if (sameShape(dest, src)) {
    for (let i = 0; i < d.length; i++) d[i] += s[i];
    return;
  }
  let i = 0;
  for (let n = 0; n < dest.n; n++) {
    for (let k = 0; k < dest.k; k++) {
      for (let r = 0; r < dest.nr; r++) {
        for (let c = 0; c < dest.nc; c++, i++) {
          if (n < src.n && k < src.k && r < src.nr && c < src.nc) d[i] += s[((n * src.k + k) * src.nr + r) * src.nc + c];
          // else: dlib computes dest + 0, which leaves dest as it is (-0 + 0 aside: dlib stores +0).
          else if (Object.is(d[i], -0)) d[i] = 0;
        }
      }
    }
  }
}

/**
 * `add_prev_::backward` (`layers.h`): the output gradient flows unchanged to both inputs of the
 * sum, ADDED into each, first the layer below (`tt::add(sub_grad, sub_grad, g)`), then the
 * tagged layer (`tt::add(tag_grad, tag_grad, g)`); see {@link addInto}. With the down-sampling
 * shortcut's mismatched shapes (g has the larger of each dimension) each input receives the part
 * of g inside its own shape; the rest (the extra channels, for the pooled shortcut) goes nowhere.
 *
 * @param dSub the gradient of add_prev_'s input (sub.get_gradient_input()), added into
 * @param dTag the gradient of the tagged layer's output, added into
 * @param g the gradient of add_prev_'s output: [max n, max k, max nr, max nc]
 */
export function addPrevBackward(dSub: Tensor, dTag: Tensor, g: Tensor): void {
  if (dSub.data === dTag.data) fail('addPrevBackward', 'the two gradients must be different tensors');
  addInto(dSub, g);
  addInto(dTag, g);
}

// ------------------------------------------------------------------------------------------
// Pooling

function checkPool(what: string, dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void {
  if (!(w.nr > 0 && w.nc > 0 && w.strideY > 0 && w.strideX > 0)) fail(what, 'window size and strides must be positive');
  if (!sameShape(dx, x)) fail(what, 'the data gradient and the input have different shapes');
  const outR = windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY);
  const outC = windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX);
  if (g.n !== x.n || g.k !== x.k || g.nr !== outR || g.nc !== outC) {
    fail(what, `gradient is ${g.n}x${g.k}x${g.nr}x${g.nc}, expected ${x.n}x${x.k}x${outR}x${outC}`);
  }
  checkSize(what, dx);
  checkSize(what, x);
  checkSize(what, g);
}

/**
 * `max_pool_::backward` → `pooling::get_gradient` with max pooling (`cpu_dlib.cpp`): each output
 * pixel's gradient is ADDED to the input element that was its max: `max_point` of the window
 * clipped to the image (the window of output (r, c) starts at (r*strideY - paddingY,
 * c*strideX - paddingX)), i.e. the first element, row-major, greater than every earlier one.
 * Outputs are visited in order (n, k, r, c).
 *
 * @param dx [n, k, nr, nc], added into
 * @param x [n, k, nr, nc], the pool's input (sub.get_output())
 * @param g [n, k, outRows, outCols]
 */
export function maxPoolBackward(dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void {
  checkPool('maxPoolBackward', dx, x, g, w);
  const { nr, nc } = x;
  const plane = nr * nc;
  const s = x.data;
  const d = dx.data;
  const gi = g.data;
  let o = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < x.k; k++) {
      const base = (n * x.k + k) * plane;
      for (let r = 0; r < g.nr; r++) {
        const top = r * w.strideY - w.paddingY;
        const y0 = Math.max(0, top);
        const y1 = Math.min(nr, top + w.nr);
        for (let c = 0; c < g.nc; c++, o++) {
          const left = c * w.strideX - w.paddingX;
          const x0 = Math.max(0, left);
          const x1 = Math.min(nc, left + w.nc);
          let best = base + y0 * nc + x0;
          let m = s[best];
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const v = s[base + yy * nc + xx];
              if (v > m) {
                m = v;
                best = base + yy * nc + xx;
              }
            }
          }
          d[best] += gi[o];
        }
      }
    }
  }
}

/**
 * `avg_pool_::backward` → `pooling::get_gradient` with average pooling (`cpu_dlib.cpp`): for
 * each output pixel (in order n, k, r, c), delta = float(g / area) with area the number of cells
 * of the window clipped to the image, ADDED to every cell of that window (row-major).
 *
 * @param dx [n, k, nr, nc], added into
 * @param x [n, k, nr, nc], the pool's input (only its shape is used)
 * @param g [n, k, outRows, outCols]
 */
export function avgPoolBackward(dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void {
  checkPool('avgPoolBackward', dx, x, g, w);
  const { nr, nc } = x;
  const plane = nr * nc;
  const d = dx.data;
  const gi = g.data;
  let o = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < x.k; k++) {
      const base = (n * x.k + k) * plane;
      for (let r = 0; r < g.nr; r++) {
        const top = r * w.strideY - w.paddingY;
        const y0 = Math.max(0, top);
        const y1 = Math.min(nr, top + w.nr);
        for (let c = 0; c < g.nc; c++, o++) {
          const left = c * w.strideX - w.paddingX;
          const x0 = Math.max(0, left);
          const x1 = Math.min(nc, left + w.nc);
          const delta = fround(gi[o] / ((y1 - y0) * (x1 - x0)));
          for (let yy = y0; yy < y1; yy++) {
            const row = base + yy * nc;
            for (let xx = x0; xx < x1; xx++) d[row + xx] += delta;
          }
        }
      }
    }
  }
}

/**
 * `avg_pool_everything` (avg_pool_<0,0,1,1>) backward: {@link avgPoolBackward} with the window
 * the whole plane: every input element gets float(g[n][k] / (nr*nc)) ADDED.
 *
 * @param dx [n, k, nr, nc], added into
 * @param x [n, k, nr, nc]
 * @param g [n, k, 1, 1]
 */
export function avgPoolEverythingBackward(dx: Tensor, x: Tensor, g: Tensor): void {
  avgPoolBackward(dx, x, g, { nr: x.nr, nc: x.nc, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 });
}

/**
 * A pooling layer's forward and backward passes, pluggable (TrainingNet's `maxPool` and
 * `avgPool` kernels): max_pool_'s {@link maxPool} / {@link maxPoolBackward}, or avg_pool_'s
 * {@link avgPool} / {@link avgPoolBackward} (avg_pool_everything: the window the whole plane) —
 * forward OVERWRITES out (layers.ts), backward ADDS into dx — with their shapes and meaning; an
 * implementation must give their bits (pool-wasm.ts).
 */
export interface PoolKernels {
  forward(out: Tensor, x: Tensor, w: Window2d): void;
  backward(dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void;
}

/** The TypeScript max pooling ({@link maxPool}, {@link maxPoolBackward}): the reference. */
export const MAX_POOL_KERNELS: PoolKernels = Object.freeze({ forward: maxPool, backward: maxPoolBackward });

/** The TypeScript average pooling ({@link avgPool}, {@link avgPoolBackward}): the reference. */
export const AVG_POOL_KERNELS: PoolKernels = Object.freeze({ forward: avgPool, backward: avgPoolBackward });

// ------------------------------------------------------------------------------------------
// Element-wise layers, pluggable

/**
 * relu_ and add_prev_, forward and backward, pluggable (TrainingNet's `elementwise` kernels), with
 * the meaning of the reference functions each names; an implementation must give their bits
 * (elementwise-wasm.ts).
 */
export interface ElementwiseKernels {
  /** {@link relu} (layers.ts): out = relu(x), OVERWRITTEN; out may be x (in place, as relu_ runs). */
  relu(out: Tensor, x: Tensor): void;
  /**
   * {@link addPrev} (layers.ts): out = a + b (dlib's zero-padded sum of mismatched shapes),
   * OVERWRITTEN; then, when `withRelu`, relu_ in place on out (relu_ fused with the add_prev_ below it).
   */
  addPrev(out: Tensor, a: Tensor, b: Tensor, withRelu: boolean): void;
  /** {@link reluBackward}: dx overwritten (dx is g) or added into. */
  reluBackward(dx: Tensor, y: Tensor, g: Tensor): void;
  /**
   * {@link addPrevBackward}: g ADDED into dSub, then into dTag. With `reluOutput` (the output of a
   * relu_ run in place on the add_prev_'s output, fused with it) relu_'s backward runs first, as
   * `reluBackward(g, reluOutput, g)`: dSub and dTag then get the masked gradient, and g itself is
   * left either masked or as it was (a training net does not read it again).
   */
  addPrevBackward(dSub: Tensor, dTag: Tensor, g: Tensor, reluOutput?: Tensor): void;
}

/** The TypeScript element-wise layers (relu, addPrev, reluBackward, addPrevBackward): the reference. */
export const ELEMENTWISE_KERNELS: ElementwiseKernels = Object.freeze({
  relu,
  addPrev(out: Tensor, a: Tensor, b: Tensor, withRelu: boolean): void {
    addPrev(out, a, b);
    if (withRelu) relu(out, out);
  },
  reluBackward,
  addPrevBackward(dSub: Tensor, dTag: Tensor, g: Tensor, reluOutput?: Tensor): void {
    if (reluOutput !== undefined) reluBackward(g, reluOutput, g);
    addPrevBackward(dSub, dTag, g);
  },
});
