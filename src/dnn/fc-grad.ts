/**
 * The backward pass of dlib's fully connected layer, `fc_::backward` (`dlib/dnn/layers.h`,
 * dlib 19.24), with and without bias, bit for bit on dlib's reference-BLAS build.
 *
 * fc_ stores its weights as one [numInputs][numOutputs] matrix (then, with FC_HAS_BIAS, the
 * numOutputs biases, in the same parameter tensor) and computes `out = x·W (+ b)` (see `fc` in
 * layers.ts). Its backward pass, given the gradient G of its output (N x numOutputs):
 *   - unless the layer's learning-rate multiplier is 0 ("no point computing the parameter
 *     gradients if they won't be used"), the weight gradient dW = Xᵀ·G:
 *     `tt::gemm(0, dW, 1, x, true, G, false)` (overwrites dW), and with a bias the bias gradient
 *     `tt::assign_bias_gradient(db, G)`: db[j] = G[0][j], then += G[n][j] for n = 1..N-1, float
 *     sums (overwrites db);
 *   - always the data gradient dX += G·Wᵀ: `tt::gemm(1, sub.get_gradient_input(), 1, G, false,
 *     W, true)`. Note beta = 1: dlib **adds** into the gradient buffer of the layer below
 *     (`sub.get_gradient_input()`), which dlib zero-fills before a backward pass when the buffer
 *     is stale (every layer's `get_gradient_input()` after a forward pass; `grad_final` at the
 *     input layer is set to 0 first), so a single consumer sees an overwrite in effect, but a
 *     layer output consumed twice (add_prev's skip branch) accumulates both gradients.
 *     With netlib's beta = 1 "dot" form every element is `float(sum) + old` (the sum over the
 *     outputs from 0 first, then added to the old value; see {@link GemmBlas}).
 */
import { gemmBlasReference, type GemmBlas } from './gemm.js';
import type { Tensor } from './tensor.js';

function fail(msg: string): never {
  throw new RangeError(`fcBackward: ${msg}`);
}

/**
 * `fc_::backward` (`dnn/layers.h`) for fc_ (weights and biases) and fc_no_bias.
 *
 * @param dx [x.n, x.k, x.nr, x.nc], the gradient buffer of the layer below: G·Wᵀ is **added**
 *   into it (dlib's beta = 1); undefined to skip the data gradient (a caller that has no use
 *   for it — dlib always computes it)
 * @param dWeights [numInputs][numOutputs], overwritten with Xᵀ·G; undefined when the layer's
 *   learning-rate multiplier is 0 (dlib then leaves the parameter gradient untouched)
 * @param dBiases [numOutputs], overwritten with the sum of G over the samples (fc_ with bias,
 *   learning-rate multiplier != 0); undefined for fc_no_bias or to skip it
 * @param x [n, k, nr, nc], the layer's input (k*nr*nc = numInputs)
 * @param g [n, numOutputs, 1, 1], the gradient of the layer's output
 * @param weights [numInputs][numOutputs]
 * @param numOutputs outputs of the layer
 * @param gemm the BLAS product (default {@link gemmBlasReference}, dlib's order)
 */
export function fcBackward(dx: Tensor | undefined, dWeights: Float32Array | undefined, dBiases: Float32Array | undefined,
  x: Tensor, g: Tensor, weights: Float32Array, numOutputs: number, gemm: GemmBlas = gemmBlasReference): void {
  const n = x.n;
  const numInputs = x.k * x.nr * x.nc;
  if (g.n !== n || g.k * g.nr * g.nc !== numOutputs) fail(`gradient is ${g.n}x${g.k}x${g.nr}x${g.nc}, expected ${n}x${numOutputs}x1x1`);
  if (weights.length !== numInputs * numOutputs) fail(`weights have ${weights.length} values, expected ${numInputs}x${numOutputs}`);
  if (dWeights !== undefined && dWeights.length !== numInputs * numOutputs) fail(`dWeights has ${dWeights.length} values, expected ${numInputs}x${numOutputs}`);
  if (dBiases !== undefined && dBiases.length !== numOutputs) fail(`dBiases has ${dBiases.length} values, expected ${numOutputs}`);
  if (dx !== undefined && (dx.n !== n || dx.k !== x.k || dx.nr !== x.nr || dx.nc !== x.nc)) {
    fail(`dx is ${dx.n}x${dx.k}x${dx.nr}x${dx.nc}, expected the input's shape ${n}x${x.k}x${x.nr}x${x.nc}`);
  }
  if (n === 0) fail('the batch is empty');

  // dW = trans(x) * G  (tt::gemm(0, pw, 1, x, true, G, false)).
  if (dWeights !== undefined) gemm(true, false, numInputs, numOutputs, n, 1, x.data, g.data, 0, dWeights);
  // tt::assign_bias_gradient: the first sample's row, then the others added in order.
  if (dBiases !== undefined) {
    const gd = g.data;
    for (let j = 0; j < numOutputs; j++) dBiases[j] = gd[j];
    for (let s = 1; s < n; s++) {
      const o = s * numOutputs;
      for (let j = 0; j < numOutputs; j++) dBiases[j] += gd[o + j];
    }
  }
  // dX += G * trans(W)  (tt::gemm(1, sub.get_gradient_input(), 1, G, false, w, true)).
  if (dx !== undefined) gemm(false, true, n, numInputs, numOutputs, 1, g.data, weights, 1, dx.data);
}
