/**
 * dlib's toy metric-learning example, `examples/dnn_metric_learning_ex.cpp` (dlib 19.24), step
 * for step: `loss_metric<fc<2, input<matrix<double,0,1>>>>` learns to map 8 one-hot vectors,
 * labelled 1,1,2,2,3,3,4,4, to 2-D points where equal labels are closer than 0.6 and different
 * ones farther; `dnn_trainer` with the default sgd (weight decay 0.0005, momentum 0.9), learning
 * rate 0.1, `while (trainer.get_learning_rate() >= 1e-4) trainer.train_one_step(samples, labels)`.
 *
 * Every piece is the bit-exact port of dlib's:
 *   - initialisation: fc_::setup draws `dlib::rand rnd(std::rand())` (glibc's first `rand()`,
 *     1804289383, in a fresh process) and sets each of its (8+1) x 2 parameters to
 *     `float(float(2*rnd.get_random_float() - 1) * sqrt(6.0/(8+2)))` (`randomize_parameters`,
 *     `dnn/utilities.h`), then the 2 biases to 0;
 *   - input: `input<matrix<double,0,1>>::to_tensor`, each double cast to float (8 x 1 x 8 x 1);
 *   - forward: `fc` (layers.ts: `tt::gemm` then `tt::add` of the biases);
 *   - loss and its gradient: {@link metricLoss}; backward: {@link fcBackward} (parameter
 *     gradients only: the input layer's gradient is not used);
 *   - update: {@link Sgd} with fc_'s rule (biases without weight decay); schedule:
 *     {@link LearningRateSchedule} (the step uses the rate from before its own loss is recorded).
 * dlib's example loop reads the learning rate while the trainer's thread is still working, one
 * step behind: the run ends after the shrink at step 4642 when synchronous (the harness's `toy`
 * command synchronises dlib with get_net() after every step), after one more step (4643, at the
 * shrunk rate) as the example is written ({@link ToyOptions.likeDlibThread}; the harness's
 * `toy --async 1`).
 */
import { fc, fcShape } from '../dnn/layers.js';
import { fcBackward } from '../dnn/fc-grad.js';
import { tensor } from '../dnn/tensor.js';
import { DlibRand } from '../rand/dlib-rand.js';
import { GlibcRand } from '../rand/glibc-rand.js';
import { METRIC_LOSS_DISTANCE_THRESHOLD, metricLoss } from './loss-metric.js';
import { fcSgdRule, Sgd } from './sgd.js';
import { LearningRateSchedule } from './trainer.js';

/** The example's labels, one per one-hot sample. */
export const TOY_LABELS: readonly number[] = [1, 1, 2, 2, 3, 3, 4, 4];
const NUM_INPUTS = 8;
const NUM_OUTPUTS = 2;

/** One training step, as reported to {@link ToyOptions.onStep}. */
export interface ToyStep {
  /** 1-based step number. */
  step: number;
  /** The loss dlib's loss_metric_ returned for this step. */
  loss: number;
  /** The learning rate this step's update used. */
  learningRate: number;
  /** True when the learning rate shrank after this step. */
  shrunk: boolean;
}

/** Options of {@link runToyExample}. */
export interface ToyOptions {
  /** Called after every step. */
  onStep?: (s: ToyStep) => void;
  /** Stop after this many steps even if the learning rate is still >= 1e-4. */
  maxSteps?: number;
  /**
   * Also run the step dlib's example hands its trainer's thread after the last shrink (its loop
   * is one step ahead of the thread: train_one_step(s+1) is already waiting in the job pipe
   * when the shrink after step s lands), so the run ends as the real example does: 4643 steps,
   * the last at the shrunk rate. Default false: the synchronous run (4642 steps).
   */
  likeDlibThread?: boolean;
}

/** What {@link runToyExample} returns. */
export interface ToyResult {
  /** The loss of every step. */
  losses: number[];
  /** The learning rate every step used. */
  learningRates: number[];
  /** The steps after which the learning rate shrank (1-based). */
  learningRateChanges: number[];
  /** fc's parameters as initialised ([8][2] weights, then 2 biases). */
  initialParams: Float32Array;
  /** fc's parameters after training. */
  params: Float32Array;
  /** net(samples) after training: one [x, y] per sample (float32 values). */
  embeddings: [number, number][];
  /** Pairs (i < j) the example counts right: same label and distance < 0.6, or different and >= 0.6. */
  numRight: number;
  /** The other pairs. */
  numWrong: number;
}

/**
 * fc_::setup's initialisation for a layer with `numInputs` inputs and `numOutputs` outputs, with
 * bias (`(numInputs+1) x numOutputs` values: weights, then biases = 0), seeded by `std::rand()`.
 */
export function initFcParams(numInputs: number, numOutputs: number, stdRand: GlibcRand): Float32Array {
  const f = Math.fround;
  const rnd = DlibRand.fromTime(stdRand.rand());
  const params = new Float32Array((numInputs + 1) * numOutputs);
  const s = Math.sqrt(6.0 / (numInputs + numOutputs));
  for (let i = 0; i < params.length; i++) {
    const v = f(f(2 * rnd.getRandomFloat()) - 1);
    params[i] = v * s;
  }
  params.fill(0, numInputs * numOutputs);
  return params;
}

/** The example's 8 one-hot samples as dlib's input layer makes them: an 8 x 1 x 8 x 1 float tensor. */
function toyInput() {
  const x = tensor(TOY_LABELS.length, 1, NUM_INPUTS, 1);
  for (let i = 0; i < TOY_LABELS.length; i++) x.data[i * NUM_INPUTS + i] = 1;
  return x;
}

/** `length(a - b)` of two float embeddings, in float as dlib's matrix<float> expression computes it. */
function floatDistance(a: readonly number[], b: readonly number[]): number {
  const f = Math.fround;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = f(a[i] - b[i]);
    sum = f(sum + f(d * d));
  }
  return f(Math.sqrt(sum));
}

/**
 * Runs dlib's toy metric-learning example (see the module comment); bit-identical to dlib on the
 * reference BLAS (the parity test compares every step's loss, the shrink steps and the final
 * embeddings with the harness's `toy` command).
 */
export function runToyExample(opts: ToyOptions = {}): ToyResult {
  const stdRand = new GlibcRand();
  const params = initFcParams(NUM_INPUTS, NUM_OUTPUTS, stdRand);
  const initialParams = params.slice();
  const nW = NUM_INPUTS * NUM_OUTPUTS;
  const weights = params.subarray(0, nW);
  const biases = params.subarray(nW);
  const grad = new Float32Array(params.length);
  const dWeights = grad.subarray(0, nW);
  const dBiases = grad.subarray(nW);

  const x = toyInput();
  const out = tensor(...fcShape(x, NUM_OUTPUTS));
  const sgd = new Sgd();
  const state = sgd.newState();
  const rule = fcSgdRule(params.length, NUM_OUTPUTS);
  const schedule = new LearningRateSchedule({ learningRate: 0.1 });

  const losses: number[] = [];
  const learningRates: number[] = [];
  const learningRateChanges: number[] = [];
  // One dnn_trainer step: forward, loss, backward, update with the current rate, then record.
  const trainOneStep = (): void => {
    const lr = schedule.learningRate;
    fc(out, x, weights, biases, NUM_OUTPUTS);
    const { loss, gradient } = metricLoss(out.data, NUM_OUTPUTS, TOY_LABELS);
    fcBackward(undefined, dWeights, dBiases, x, tensor(out.n, NUM_OUTPUTS, 1, 1, gradient), weights, NUM_OUTPUTS);
    sgd.step(state, params, grad, lr, rule);
    const { shrunk } = schedule.record(loss);
    losses.push(loss);
    learningRates.push(lr);
    if (shrunk) learningRateChanges.push(losses.length);
    opts.onStep?.({ step: losses.length, loss, learningRate: lr, shrunk });
  };
  const capped = (): boolean => opts.maxSteps !== undefined && losses.length >= opts.maxSteps;
  while (schedule.learningRate >= 1e-4 && !capped()) trainOneStep();
  if (opts.likeDlibThread === true && !capped()) trainOneStep();

  fc(out, x, weights, biases, NUM_OUTPUTS);
  const embeddings: [number, number][] = [];
  for (let i = 0; i < TOY_LABELS.length; i++) embeddings.push([out.data[i * 2], out.data[i * 2 + 1]]);
  let numRight = 0;
  let numWrong = 0;
  for (let i = 0; i < embeddings.length; i++) {
    for (let j = i + 1; j < embeddings.length; j++) {
      const near = floatDistance(embeddings[i], embeddings[j]) < METRIC_LOSS_DISTANCE_THRESHOLD;
      if ((TOY_LABELS[i] === TOY_LABELS[j]) === near) numRight++;
      else numWrong++;
    }
  }
  return { losses, learningRates, learningRateChanges, initialParams, params: params.slice(), embeddings, numRight, numWrong };
}
