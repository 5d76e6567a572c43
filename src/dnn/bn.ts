/**
 * dlib's batch normalisation in CONV mode (`bn_con` = `bn_<CONV_MODE>`, `dlib/dnn/layers.h`),
 * the layer dlib trains the face ResNet with: the training forward pass
 * (`tt::batch_normalize_conv`), the inference forward pass (`tt::batch_normalize_conv_inference`),
 * the backward pass (`tt::batch_normalize_conv_gradient`), all in `dlib/cuda/cpu_dlib.cpp`
 * (dlib 19.24), and the conversion to the released model's `affine_` layer (`affine_(const
 * bn_&)`). One mean and variance per channel over all samples and pixels.
 *
 * Numerics, as dlib's C++: sums and products of floats in float32 (one rounded double operation
 * each here), the `eps`, the averaging factor and the running variance's unbiasing scale in
 * double, and the backward pass's `std::pow(invstd, 3.0f)` through glibc's powf
 * (`powf-glibc.ts`: not x*x*x).
 */
import { relu } from './layers.js';
import { reluBackward } from './layers-grad.js';
import { powfGlibcNoFma } from './powf-glibc.js';
import { sameShape, type Tensor } from './tensor.js';

const fround = Math.fround;

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

/** dlib's `DEFAULT_BATCH_NORM_EPS` (a double). */
export const DEFAULT_BATCH_NORM_EPS = 0.0001;
/** bn_'s default running-statistics window (`bn_() : bn_(100)`). */
export const DEFAULT_RUNNING_STATS_WINDOW = 100;

/**
 * One bn_con layer's parameters and state (dlib's `bn_` members): gamma and beta (its params,
 * learned), the running means and variances (inference statistics), the update counter and the
 * window that caps it, and eps.
 */
export interface BnState {
  /** [k] scale. */
  gamma: Float32Array;
  /** [k] shift. */
  beta: Float32Array;
  /** [k] running means (dlib: running_means). */
  runningMeans: Float32Array;
  /** [k] running variances (unbiased; dlib: running_variances). */
  runningVariances: Float32Array;
  /** Training forward passes so far, capped at windowSize (dlib: num_updates). */
  updateCount: number;
  /** dlib: running_stats_window_size (default 100). */
  windowSize: number;
  /** dlib: eps (default {@link DEFAULT_BATCH_NORM_EPS}). */
  eps: number;
}

/**
 * A fresh layer as `bn_::setup` leaves it: gamma 1, beta 0, running means 0, running
 * variances 1, no updates.
 *
 * @param k channels
 */
export function bnState(k: number, windowSize = DEFAULT_RUNNING_STATS_WINDOW, eps = DEFAULT_BATCH_NORM_EPS): BnState {
  if (!(windowSize > 0)) fail('bnState', 'the running stats window size must be > 0');
  if (!(eps > 0)) fail('bnState', 'eps must be > 0');
  return {
    gamma: new Float32Array(k).fill(1),
    beta: new Float32Array(k),
    runningMeans: new Float32Array(k),
    runningVariances: new Float32Array(k).fill(1),
    updateCount: 0,
    windowSize,
    eps,
  };
}

/** What a training forward pass keeps for the backward pass (dlib's bn_ `means`, `invstds`). */
export interface BnBatchStats {
  /** [k] batch means. */
  means: Float32Array;
  /** [k] 1/sqrt(batch variance + eps). */
  invstds: Float32Array;
}

/** Buffers for {@link BnBatchStats} of k channels. */
export function bnBatchStats(k: number): BnBatchStats {
  return { means: new Float32Array(k), invstds: new Float32Array(k) };
}

function checkChannels(what: string, x: Tensor, ...arrays: Float32Array[]): void {
  for (const a of arrays) if (a.length !== x.k) fail(what, `per-channel arrays must have ${x.k} values (got ${a.length})`);
}

/**
 * `tt::batch_normalize_conv` (`cpu_dlib.cpp`): normalises x with its own batch statistics and
 * updates the running statistics. Per channel k, float sums over samples then pixels of x and
 * x*x, each times `1.f/(N*HW)` (float); var = sq - mean*mean (float);
 * running variance = scale*var if averagingFactor is 1, else
 * (1-averagingFactor)*rv + scale*averagingFactor*var, in double, with scale = N*HW/(N*HW-1.0);
 * invstd = float(1.0f/sqrt(double(var) + eps)); out = float(float((x-mean)*invstd)*gamma) + beta;
 * then running means = means if averagingFactor is 1, else
 * float(1-af)*rm + float(af)*mean in float (dlib's matrix expression casts the factors to float).
 *
 * @param out [n, k, nr, nc], overwritten (may not be x)
 * @param stats receives the batch means and invstds
 * @param x [n, k, nr, nc] with n > 1
 * @param gamma [k]
 * @param beta [k]
 * @param averagingFactor in [0, 1] (double)
 * @param runningMeans [k], updated
 * @param runningVariances [k], updated
 * @param eps > 0 (double)
 * @param loops the element loops (default the TypeScript ones, {@link BN_CONV_LOOPS})
 * @param withRelu when true, out gets dlib's relu of the result (`relu_` run in place on bn_con's
 *   output, fused: the same bits as {@link relu} afterwards)
 */
export function batchNormalizeConv(out: Tensor, stats: BnBatchStats, x: Tensor, gamma: Float32Array, beta: Float32Array,
  averagingFactor: number, runningMeans: Float32Array, runningVariances: Float32Array, eps: number,
  loops: BnConvLoops = BN_CONV_LOOPS, withRelu = false): void {
  const what = 'batchNormalizeConv';
  if (!(x.n > 1)) fail(what, `training needs more than one sample (got ${x.n})`);
  if (!sameShape(out, x)) fail(what, 'output and input shapes differ');
  if (out.data === x.data) fail(what, 'output may not be the input');
  if (!(averagingFactor >= 0 && averagingFactor <= 1)) fail(what, `averaging factor ${averagingFactor} is not in [0, 1]`);
  checkChannels(what, x, gamma, beta, stats.means, stats.invstds, runningMeans, runningVariances);
  const K = x.k;
  const num = x.nr * x.nc;
  const means = stats.means;
  const invstds = stats.invstds;
  loops.sums(x, means, invstds);
  // tensor /= float(N*HW): `*this *= 1.f/val`.
  const inv = fround(1 / fround(x.n * num));
  for (let k = 0; k < K; k++) {
    means[k] = fround(means[k] * inv);
    invstds[k] = fround(invstds[k] * inv);
  }
  const scale = (x.n * num) / (x.n * num - 1.0);
  for (let k = 0; k < K; k++) {
    const actualVar = fround(invstds[k] - fround(means[k] * means[k]));
    if (averagingFactor === 1) runningVariances[k] = scale * actualVar;
    else runningVariances[k] = (1 - averagingFactor) * runningVariances[k] + scale * averagingFactor * actualVar;
    invstds[k] = 1 / Math.sqrt(actualVar + eps);
  }
  loops.normalize(out, x, means, invstds, gamma, beta, withRelu);
  if (averagingFactor !== 1) {
    const a = fround(1 - averagingFactor);
    const c = fround(averagingFactor);
    for (let k = 0; k < K; k++) runningMeans[k] = fround(a * runningMeans[k]) + fround(c * means[k]);
  } else {
    runningMeans.set(means);
  }
}

/**
 * `bn_<CONV_MODE>::forward` in training mode (x.n > 1): the averaging factor
 * `1 - count/(count + 1.0)` from the update counter, the counter incremented and capped at the
 * window size, then {@link batchNormalizeConv} with the layer's gamma, beta and running
 * statistics (updated in `state`). The factors are 1, 1/2, 1/3, ... and, once the counter sits
 * at the window size W, 1/(W+1) on every later call.
 *
 * @param out [n, k, nr, nc], overwritten
 * @param stats receives the batch statistics the backward pass needs
 * @param x [n, k, nr, nc], n > 1
 */
export function bnConvForwardTraining(out: Tensor, stats: BnBatchStats, x: Tensor, state: BnState, loops: BnConvLoops = BN_CONV_LOOPS,
  withRelu = false): void {
  if (!(x.n > 1)) fail('bnConvForwardTraining', `training needs more than one sample (got ${x.n}); use bnConvForwardInference`);
  const decay = 1.0 - state.updateCount / (state.updateCount + 1.0);
  state.updateCount = Math.min(state.updateCount + 1, state.windowSize);
  batchNormalizeConv(out, stats, x, state.gamma, state.beta, decay, state.runningMeans, state.runningVariances, state.eps, loops, withRelu);
}

/**
 * `tt::batch_normalize_conv_inference` (`cpu_dlib.cpp`), what `bn_::forward` runs on a single
 * sample: invstd = float(1.0f/sqrt(double(rv) + eps)), out = float(gamma*(x - rm))*invstd + beta
 * (each operation in float, left to right).
 *
 * @param out [n, k, nr, nc], overwritten (may be x)
 * @param x [n, k, nr, nc]
 */
export function bnConvForwardInference(out: Tensor, x: Tensor, state: BnState): void {
  const what = 'bnConvForwardInference';
  if (!sameShape(out, x)) fail(what, 'output and input shapes differ');
  checkChannels(what, x, state.gamma, state.beta, state.runningMeans, state.runningVariances);
  const num = x.nr * x.nc;
  const s = x.data;
  const d = out.data;
  let i = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < x.k; k++) {
      const invstd = fround(1 / Math.sqrt(state.runningVariances[k] + state.eps));
      const g = state.gamma[k];
      const m = state.runningMeans[k];
      const b = state.beta[k];
      for (let p = 0; p < num; p++, i++) d[i] = fround(fround(g * fround(s[i] - m)) * invstd) + b;
    }
  }
}

/**
 * `bn_<CONV_MODE>::forward`: the training pass ({@link bnConvForwardTraining}) when x has more
 * than one sample, else the inference pass ({@link bnConvForwardInference}; `stats` untouched).
 * `withRelu`: then dlib's relu on the output (a relu_ layer in place on it, fused).
 */
export function bnConvForward(out: Tensor, stats: BnBatchStats, x: Tensor, state: BnState, loops: BnConvLoops = BN_CONV_LOOPS,
  withRelu = false): void {
  if (x.n > 1) {
    bnConvForwardTraining(out, stats, x, state, loops, withRelu);
  } else {
    bnConvForwardInference(out, x, state);
    if (withRelu) relu(out, out);
  }
}

/**
 * `tt::batch_normalize_conv_gradient` (`cpu_dlib.cpp`), called by `bn_::backward` with
 * `sub.get_gradient_input()`: the data gradient is ADDED into dx, the gamma and beta gradients
 * OVERWRITE dGamma and dBeta. Three passes over x in memory order, all float32:
 * 1. p = float(-0.5*powf(invstd, 3)) per channel (glibc's powf: {@link powfGlibcNoFma}, see there);
 *    dBeta += g; dGamma += g*x̂ with x̂ = (x-mean)*invstd; dvar += (g*gamma)*(x-mean)*p.
 * 2. dmean += -(g*gamma)*invstd + dvar*-2*(x-mean)*invnum, invnum = 1.0f/(N*HW).
 * 3. dx += (g*gamma)*invstd + dvar*2*(x-mean)*invnum + dmean*invnum.
 *
 * @param dx [n, k, nr, nc], added into
 * @param dGamma [k], overwritten
 * @param dBeta [k], overwritten
 * @param g [n, k, nr, nc], the gradient of the layer's output
 * @param x [n, k, nr, nc], the layer's input (the forward pass's), n > 1
 * @param gamma [k]
 * @param stats the forward pass's batch means and invstds
 * @param loops the element loops (default the TypeScript ones, {@link BN_CONV_LOOPS})
 * @param reluOutput when given, the output of a relu_ run in place on this layer's output, whose
 *   backward pass is fused here: the gradient used is `reluOutput > 0 ? g : 0` (dlib's
 *   relu_gradient), and g's buffer may or may not be overwritten with it
 */
export function bnConvBackward(dx: Tensor, dGamma: Float32Array, dBeta: Float32Array, g: Tensor, x: Tensor,
  gamma: Float32Array, stats: BnBatchStats, loops: BnConvLoops = BN_CONV_LOOPS, reluOutput?: Tensor): void {
  const what = 'bnConvBackward';
  if (!(x.n > 1)) fail(what, `needs more than one sample (got ${x.n})`);
  if (!sameShape(g, x) || !sameShape(dx, x)) fail(what, 'gradient, input and data gradient shapes differ');
  checkChannels(what, x, dGamma, dBeta, gamma, stats.means, stats.invstds);
  if (reluOutput !== undefined && !sameShape(reluOutput, x)) fail(what, 'the relu output and input shapes differ');
  loops.backward(dx, dGamma, dBeta, g, x, gamma, stats, bnInvstdPow(stats.invstds), reluOutput);
}

/**
 * bnConvBackward's p = float(-0.5*powf(invstd, 3)) per channel (glibc's powf: see there).
 *
 * @param invstds [k]
 * @returns [k]
 */
export function bnInvstdPow(invstds: Float32Array): Float32Array {
  // dlib evaluates the power once per (sample, channel); it only depends on the channel. For
  // y = 3 glibc's FMA and generic builds agree with each other and with the live powf on every
  // float in [2^-64, 2^42) (measured exhaustively), which holds every invstd
  // (invstd = 1/sqrt(var + 1e-4) <= 100): the generic port, without the slow exact FMA, is exact.
  const out = new Float32Array(invstds.length);
  for (let k = 0; k < invstds.length; k++) out[k] = -0.5 * powfGlibcNoFma(invstds[k], 3);
  return out;
}

/** {@link BnConvLoops.backward} in TypeScript (the three passes of {@link bnConvBackward}). */
function bnBackwardLoops(dx: Tensor, dGamma: Float32Array, dBeta: Float32Array, g: Tensor, x: Tensor,
  gamma: Float32Array, stats: BnBatchStats, invstdPow: Float32Array, reluOutput?: Tensor): void {
  if (reluOutput !== undefined) reluBackward(g, reluOutput, g);
  const K = x.k;
  const num = x.nr * x.nc;
  const s = x.data;
  const gi = g.data;
  const { means, invstds } = stats;
  dBeta.fill(0);
  dGamma.fill(0);
  const dvars = new Float32Array(K);
  const dmeans = new Float32Array(K);
  let i = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < K; k++) {
      const m = means[k];
      const is = invstds[k];
      const ga = gamma[k];
      const pw = invstdPow[k];
      let bg = dBeta[k];
      let gg = dGamma[k];
      let dv = dvars[k];
      for (let p = 0; p < num; p++, i++) {
        const gv = gi[i];
        const xm = fround(s[i] - m);
        const xhat = fround(xm * is);
        bg = fround(bg + gv);
        gg = fround(gg + fround(gv * xhat));
        const d = fround(gv * ga);
        dv = fround(dv + fround(fround(d * xm) * pw));
      }
      dBeta[k] = bg;
      dGamma[k] = gg;
      dvars[k] = dv;
    }
  }
  const invnum = fround(1 / fround(x.n * num));
  i = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < K; k++) {
      const m = means[k];
      const is = invstds[k];
      const ga = gamma[k];
      const dv2 = fround(dvars[k] * -2);
      let dm = dmeans[k];
      for (let p = 0; p < num; p++, i++) {
        const d = fround(gi[i] * ga);
        const a = fround(-d * is);
        const b = fround(fround(dv2 * fround(s[i] - m)) * invnum);
        dm = fround(dm + fround(a + b));
      }
      dmeans[k] = dm;
    }
  }
  const out = dx.data;
  i = 0;
  for (let n = 0; n < x.n; n++) {
    for (let k = 0; k < K; k++) {
      const m = means[k];
      const is = invstds[k];
      const ga = gamma[k];
      const dv2 = fround(dvars[k] * 2);
      const dmi = fround(dmeans[k] * invnum);
      for (let p = 0; p < num; p++, i++) {
        const d = fround(gi[i] * ga);
        const a = fround(d * is);
        const b = fround(fround(dv2 * fround(s[i] - m)) * invnum);
        out[i] += fround(fround(a + b) + dmi);
      }
    }
  }
}

/**
 * The per-element loops of bn_con's training passes, pluggable: {@link batchNormalizeConv}'s
 * sums and normalisation, {@link bnConvBackward}'s three passes (after its checks). An
 * implementation must give the TypeScript loops' bits ({@link BN_CONV_LOOPS}); the WebAssembly
 * one is bn-wasm.ts.
 */
export interface BnConvLoops {
  /**
   * sums[k] and sqsums[k] (OVERWRITTEN): float sums from 0 of x and float(x*x) over the samples,
   * then the pixels of channel k, in memory order.
   */
  sums(x: Tensor, sums: Float32Array, sqsums: Float32Array): void;
  /**
   * out (OVERWRITTEN, not x) = float(float(float(x - means[k])*invstds[k])*gamma[k]) + beta[k],
   * then dlib's relu (v < 0 ? 0 : v) when withRelu.
   */
  normalize(out: Tensor, x: Tensor, means: Float32Array, invstds: Float32Array, gamma: Float32Array, beta: Float32Array,
    withRelu: boolean): void;
  /**
   * {@link bnConvBackward} with its checks done and p per channel given ({@link bnInvstdPow});
   * with reluOutput, the relu's backward first (see there).
   */
  backward(dx: Tensor, dGamma: Float32Array, dBeta: Float32Array, g: Tensor, x: Tensor, gamma: Float32Array,
    stats: BnBatchStats, invstdPow: Float32Array, reluOutput?: Tensor): void;
}

/** The TypeScript loops (dlib's order: the reference). */
export const BN_CONV_LOOPS: BnConvLoops = Object.freeze({
  sums(x: Tensor, sums: Float32Array, sqsums: Float32Array): void {
    const s = x.data;
    const num = x.nr * x.nc;
    sums.fill(0);
    sqsums.fill(0);
    let i = 0;
    for (let n = 0; n < x.n; n++) {
      for (let k = 0; k < x.k; k++) {
        let m = sums[k];
        let q = sqsums[k];
        for (let p = 0; p < num; p++, i++) {
          const v = s[i];
          m = fround(m + v);
          q = fround(q + fround(v * v));
        }
        sums[k] = m;
        sqsums[k] = q;
      }
    }
  },
  normalize(out: Tensor, x: Tensor, means: Float32Array, invstds: Float32Array, gamma: Float32Array, beta: Float32Array,
    withRelu: boolean): void {
    const s = x.data;
    const d = out.data;
    const num = x.nr * x.nc;
    let i = 0;
    for (let n = 0; n < x.n; n++) {
      for (let k = 0; k < x.k; k++) {
        const m = means[k];
        const is = invstds[k];
        const g = gamma[k];
        const b = beta[k];
        for (let p = 0; p < num; p++, i++) d[i] = fround(fround(fround(s[i] - m) * is) * g) + b;
      }
    }
    if (withRelu) relu(out, out);
  },
  backward: bnBackwardLoops,
});

/**
 * The released model's affine_ layer from a trained bn_con: `affine_(const bn_&)`
 * (`layers.h`): gamma' = gamma / sqrtf(rv + float(eps)), beta' = beta - gamma'*rm, all in float
 * (dlib's matrix expressions cast eps to float; sqrt of a float is sqrtf, correctly rounded).
 *
 * @param outGamma [k], overwritten
 * @param outBeta [k], overwritten
 */
export function bnToAffine(outGamma: Float32Array, outBeta: Float32Array, state: BnState): void {
  const k = state.gamma.length;
  if (outGamma.length !== k || outBeta.length !== k) fail('bnToAffine', `outputs must have ${k} values`);
  const eps = fround(state.eps);
  for (let i = 0; i < k; i++) {
    const g = fround(state.gamma[i] / fround(Math.sqrt(fround(state.runningVariances[i] + eps))));
    outGamma[i] = g;
    outBeta[i] = fround(state.beta[i] - fround(g * state.runningMeans[i]));
  }
}
