/**
 * dlib's stochastic gradient descent solver with momentum and weight decay, `dlib::sgd`
 * (`dlib/dnn/solvers.h`, dlib 19.24), and the parameter update around it
 * (`add_layer::update_parameters` in `dlib/dnn/core.h`), bit for bit.
 *
 * One solver object per layer holds that layer's velocity `v` (same size as the layer's
 * parameter tensor, zero-filled on the first step). A step with learning rate `lr`:
 *   - `update_parameters(solvers, double learning_rate)` skips the layer when its learning-rate
 *     multiplier is 0, else calls the solver, whose `learning_rate` parameter is a **float**
 *     (the double is rounded first), then adds the returned step into the parameters:
 *     `tt::add(params, params, v)`: `w = float(w + v)`;
 *   - the solver computes `lr = learning_rate * lr_multiplier` and `wd = weight_decay *
 *     wd_multiplier` in double (weight_decay and momentum are floats), then
 *     `tt::affine_transform(v, v, params, grad, momentum, -wd*lr, -lr)`, whose coefficients are
 *     floats: `v = float(float(float(A*v) + float(B*w)) + float(C*g))` with A = momentum,
 *     B = float(-wd*lr), C = float(-lr) (`cpu::affine_transform_range`, no FMA);
 *   - layers with a bias part (sgd's overloads for con_, cont_, fc_ with FC_HAS_BIAS, bn_) go
 *     through `update_considering_bias(.., bias_offset)`: when the bias multipliers are both 1
 *     the whole tensor is updated as above; otherwise [0, bias_offset) with (lr, wd), then
 *     `lr *= bias_lr_multiplier`, `wd *= bias_wd_multiplier` (doubles) and [bias_offset, size)
 *     with the new coefficients. bias_offset: con_ size - num_filters, fc_ size - num_outputs,
 *     bn_ size/2 (gamma, then beta);
 *   - every other layer (fc_no_bias, affine_, ...) updates the whole tensor with its own
 *     multipliers (1 when the layer has no getter).
 * With dlib's defaults no weight decay reaches con_/fc_ biases (bias weight-decay multiplier 0)
 * nor bn_'s gamma and beta (weight-decay multiplier 0, bias multipliers 1), while fc_no_bias
 * decays everything.
 */
import { FacemetricError } from '../errors.js';

/** dlib's `sgd()` default weight decay (0.0005f). */
export const SGD_WEIGHT_DECAY = Math.fround(0.0005);
/** dlib's `sgd()` default momentum (0.9f). */
export const SGD_MOMENTUM = Math.fround(0.9);

/**
 * How {@link Sgd.step} treats one layer's parameter tensor: the layer's multipliers (doubles in
 * dlib) and, for layers sgd specialises (con_, fc_ with bias, bn_), where the bias part starts
 * and its multipliers.
 */
export interface SgdRule {
  /** The layer's `get_learning_rate_multiplier()` (0 skips the layer's update, as dlib does). */
  learningRateMultiplier: number;
  /** The layer's `get_weight_decay_multiplier()`. */
  weightDecayMultiplier: number;
  /**
   * Index of the first bias parameter, for layers that sgd updates through
   * `update_considering_bias`; undefined for the others (the whole tensor, one rule).
   */
  biasOffset?: number;
  /** The layer's `get_bias_learning_rate_multiplier()` (with biasOffset). */
  biasLearningRateMultiplier?: number;
  /** The layer's `get_bias_weight_decay_multiplier()` (with biasOffset). */
  biasWeightDecayMultiplier?: number;
}

/**
 * dlib's default rule for a con_ layer (`con_`'s constructor: multipliers 1 and 1, bias
 * multipliers 1 and 0) with `numFilters` filters whose parameter tensor has `size` values.
 */
export function conSgdRule(size: number, numFilters: number): SgdRule {
  return { learningRateMultiplier: 1, weightDecayMultiplier: 1, biasOffset: size - numFilters, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0 };
}

/** dlib's default rule for fc_ with FC_HAS_BIAS (as con_: bias multipliers 1 and 0; biases last). */
export function fcSgdRule(size: number, numOutputs: number): SgdRule {
  return { learningRateMultiplier: 1, weightDecayMultiplier: 1, biasOffset: size - numOutputs, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0 };
}

/** dlib's default rule for fc_no_bias: no sgd specialisation, multipliers 1 and 1 on everything. */
export function fcNoBiasSgdRule(): SgdRule {
  return { learningRateMultiplier: 1, weightDecayMultiplier: 1 };
}

/**
 * dlib's default rule for bn_ (bn_con, bn_fc): multipliers 1 and 0, bias multipliers 1 and 1,
 * gamma then beta (bias offset size/2). Both bias multipliers being 1, dlib updates the whole
 * tensor with (lr, wd = 0).
 */
export function bnSgdRule(size: number): SgdRule {
  return { learningRateMultiplier: 1, weightDecayMultiplier: 0, biasOffset: size / 2, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 1 };
}

/** A part of a layer's parameters that sgd updates with one pair of coefficients. */
export interface SgdRange {
  /** First and one-past-last index. */
  begin: number;
  end: number;
  /** tt::affine_transform's B = float(-wd*lr) and C = float(-lr) (floats). */
  b: number;
  c: number;
}

/**
 * The loops of one sgd update, pluggable: for each range (the ranges cover [0, params.length) in
 * order), `cpu::affine_transform_range(begin, end, v, v, params, grad, a, b, c)`:
 * v[i] = float(float(float(a*v[i]) + float(b*params[i])) + float(c*grad[i])); then
 * `tt::add(params, params, v)`: params[i] = float(params[i] + v[i]) over the whole tensor. v and
 * params are OVERWRITTEN. An implementation must give these bits (sgd-wasm.ts: both passes per
 * element, the elements being independent).
 */
export interface SgdLoops {
  update(v: Float32Array, params: Float32Array, grad: Float32Array, a: number, ranges: readonly SgdRange[]): void;
}

/** `cpu::affine_transform_range` over [begin, end) with float a, b, c (v overwritten). */
function affineRange(begin: number, end: number, v: Float32Array, params: Float32Array, grad: Float32Array, a: number, b: number, c: number): void {
  const f = Math.fround;
  for (let i = begin; i < end; i++) v[i] = f(f(f(a * v[i]) + f(b * params[i])) + f(c * grad[i]));
}

/** The TypeScript loops of {@link SgdLoops} (each range's affine transform, then the add): the reference. */
export const SGD_LOOPS: SgdLoops = Object.freeze({
  update(v: Float32Array, params: Float32Array, grad: Float32Array, a: number, ranges: readonly SgdRange[]): void {
    for (const r of ranges) affineRange(r.begin, r.end, v, params, grad, a, r.b, r.c);
    // tt::add(params, params, step).
    for (let i = 0; i < params.length; i++) params[i] += v[i];
  },
});

/** One layer's solver state: dlib's `sgd::v` (empty until the first step). */
export interface SgdState {
  v: Float32Array | undefined;
}

/** `dlib::sgd`: weight decay and momentum are floats, as in dlib. */
export class Sgd {
  /** The weight decay (float). */
  readonly weightDecay: number;
  /** The momentum (float). */
  readonly momentum: number;

  /** `sgd()` (0.0005, 0.9) or `sgd(weight_decay, momentum)`. */
  constructor(opts: { weightDecay?: number; momentum?: number } = {}) {
    this.weightDecay = Math.fround(opts.weightDecay ?? SGD_WEIGHT_DECAY);
    this.momentum = Math.fround(opts.momentum ?? SGD_MOMENTUM);
  }

  /** A fresh per-layer state (one per parameter tensor, like dlib's vector of solvers). */
  newState(): SgdState {
    return { v: undefined };
  }

  /**
   * One update of one layer's parameters: what `add_layer::update_parameters` does with this
   * solver (`step = solver(float(learningRate), layer, grad); params += step`).
   *
   * Requires: `grad.length === params.length`, the state's velocity (if any) of that length.
   * Ensures: `params` updated in place and `state.v` holding the step, exactly as dlib; nothing
   * changes when `rule.learningRateMultiplier` is 0.
   *
   * @param state this layer's solver state (updated)
   * @param params the layer's parameter tensor (updated in place)
   * @param grad the layer's parameter gradient
   * @param learningRate the trainer's learning rate (a double; dlib's solver rounds it to float)
   * @param rule the layer's multipliers and bias split
   * @param loops the update's loops (default the TypeScript ones, {@link SGD_LOOPS})
   */
  step(state: SgdState, params: Float32Array, grad: Float32Array, learningRate: number, rule: SgdRule, loops: SgdLoops = SGD_LOOPS): void {
    const size = params.length;
    if (grad.length !== size) throw new FacemetricError(`sgd: the gradient has ${grad.length} values, the parameters ${size}`);
    if (rule.learningRateMultiplier === 0) return;
    if (size === 0) throw new FacemetricError('sgd: the layer has no parameters');
    if (state.v === undefined) state.v = new Float32Array(size);
    const v = state.v;
    if (v.length !== size) throw new FacemetricError(`sgd: the solver state has ${v.length} values, the parameters ${size}`);

    let lr = Math.fround(learningRate) * rule.learningRateMultiplier;
    let wd = this.weightDecay * rule.weightDecayMultiplier;
    const bLr = rule.biasLearningRateMultiplier ?? 1;
    const bWd = rule.biasWeightDecayMultiplier ?? 1;
    const f = Math.fround;
    // tt::affine_transform's coefficients are floats
    const ranges: SgdRange[] = [];
    if (rule.biasOffset === undefined || (bLr === 1 && bWd === 1)) {
      ranges.push({ begin: 0, end: size, b: f(-wd * lr), c: f(-lr) });
    } else {
      const off = rule.biasOffset;
      if (!Number.isInteger(off) || off < 0 || off > size) throw new FacemetricError(`sgd: bias offset ${off} is outside the ${size} parameters`);
      ranges.push({ begin: 0, end: off, b: f(-wd * lr), c: f(-lr) });
      lr *= bLr;
      wd *= bWd;
      ranges.push({ begin: off, end: size, b: f(-wd * lr), c: f(-lr) });
    }
    loops.update(v, params, grad, this.momentum, ranges);
  }
}
