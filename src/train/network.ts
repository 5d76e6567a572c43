/**
 * A face ResNet being trained: dlib's training-mode forward pass, back-propagation and parameter
 * update over the plan of a dlib network file (dnn/net.ts), with dlib's order of gradient
 * accumulation, so that one step equals dlib's `net.compute_parameter_gradients(x, labels)`
 * followed by `net.update_parameters(solvers, learning_rate)` bit for bit on the reference path.
 *
 * ## How dlib routes gradients (dlib/dnn/core.h)
 *
 * Every layer that owns an output (`add_layer` that is not in place) owns a gradient buffer
 * (`x_grad`), zeroed on its first use after a forward pass. The others alias one:
 * - an in-place layer (relu_, affine_: `this_layer_operates_inplace`) uses its input's buffer,
 *   and its `backward_inplace` rewrites that buffer (`g = g·relu'(y)`, `g = gamma·g`);
 * - `add_tag_layer` is its input's buffer;
 * - `add_skip_layer<TAG>` is the tagged layer's buffer.
 * `back_propagate_error` runs each layer's backward from the top of the stack down (node 0, 1,
 * 2, … in file order top-down, the reverse of the plan's steps); a layer's backward adds its data
 * gradient into the buffer of the layer below (`+=`: con_, bn_, pools, fc_, add_prev_), so a
 * buffer that two layers feed (a tag: the residual sum and the block's first convolution) holds
 * the sums in the order those layers run, which is the order reproduced here.
 *
 * The first convolution's data gradient (dlib computes it into the input layer's
 * `get_final_data_gradient()`) changes no parameter; it is skipped.
 */
import type { DnnLayerDetails, DnnNet } from '../dlib/index.js';
import { makeTensor, type DlibTensor } from '../dlib/serialize.js';
import { BN_CONV_LOOPS, bnConvBackward, bnConvForward, bnBatchStats, type BnBatchStats, type BnConvLoops, type BnState } from '../dnn/bn.js';
import { makeConvKernels, type ConvKernels } from '../dnn/conv-grad.js';
import { fcBackward } from '../dnn/fc-grad.js';
import { gemmBlasReference, gemmReference, type Gemm, type GemmBlas } from '../dnn/gemm.js';
import {
  affine, affineFc, everythingWindow, fc, inputRgbImage, type Window2d,
} from '../dnn/layers.js';
import {
  affineBackward, AVG_POOL_KERNELS, ELEMENTWISE_KERNELS, MAX_POOL_KERNELS, type ElementwiseKernels, type PoolKernels,
} from '../dnn/layers-grad.js';
import { planNetwork, planShapes, type NetPlan, type PlanOptions, type PlanStep } from '../dnn/net.js';
import { tensor, type Tensor } from '../dnn/tensor.js';
import type { RgbImage } from '../image/pixels.js';
import { metricLoss, type MetricLossOptions } from './loss-metric.js';
import { Sgd, SGD_LOOPS, type SgdLoops, type SgdRule, type SgdState } from './sgd.js';

/** The GEMMs a training step runs: the forward products and dlib's `tt::gemm` products of the backward pass. */
export interface TrainingKernels {
  /** Convolution and fc forward products (default: dlib's order, gemmReference). */
  gemm: Gemm;
  /** Backward products (default: dlib's order, gemmBlasReference). */
  gemmBlas: GemmBlas;
  /**
   * A convolution's forward pass and gradients run whole (default: the TypeScript functions of
   * layers.ts and conv-grad.ts over `gemm` and `gemmBlas`: makeConvKernels). Must give those
   * functions' bits for the same GEMMs.
   */
  conv?: ConvKernels;
  /**
   * bn_con's training loops (default: the TypeScript loops of bn.ts, BN_CONV_LOOPS). Must give
   * their bits. When given, a relu_ in place on a bn_con's output runs fused with it (forward
   * and backward: the same bits).
   */
  bn?: BnConvLoops;
  /** max_pool_'s forward and backward passes (default: maxPool and maxPoolBackward, MAX_POOL_KERNELS). Must give their bits. */
  maxPool?: PoolKernels;
  /** avg_pool_'s forward and backward passes (default: avgPool and avgPoolBackward, AVG_POOL_KERNELS). Must give their bits. */
  avgPool?: PoolKernels;
  /**
   * relu_ and add_prev_, forward and backward (default: the functions of layers.ts and
   * layers-grad.ts, run one by one). Must give their bits. When given, a relu_ in place on an
   * add_prev_'s output (the step right after it) runs fused with it (forward and backward: the
   * same bits).
   */
  elementwise?: ElementwiseKernels;
  /** sgd's update loops (default: the TypeScript loops of sgd.ts, SGD_LOOPS). Must give their bits. */
  sgd?: SgdLoops;
}

export const REFERENCE_KERNELS: TrainingKernels = Object.freeze({ gemm: gemmReference, gemmBlas: gemmBlasReference });

/** One layer with parameters: where its gradient goes, in dlib's `params` layout. */
export interface ParamLayer {
  /** Node index (top-down, as in DnnNet.nodes). */
  node: number;
  /** The layer's details (its `params` tensor is updated in place by a step). */
  details: DnnLayerDetails;
  /** The layer's params (a view of the file's tensor). */
  params: Float32Array;
  /** dlib's `params_grad`, the same layout as params. */
  grad: Float32Array;
}

/** What one forward + backward pass gives. */
export interface GradientResult {
  /** The loss dlib's `compute_parameter_gradients` returns. */
  loss: number;
  /** The network's output (one row per image). */
  output: Tensor;
}

const sizeOf3 = (t: Tensor): number => t.k * t.nr * t.nc;

/**
 * A training network over a dlib DnnNet whose parameters it updates in place. Holds every
 * layer's output of the last forward pass until the backward pass is done with it; relu_ and
 * affine_ run in place as in dlib (their output is their input's buffer), and the backward pass
 * drops each output and gradient after its last use, keeping the buffers for the next pass (so
 * memory is about the forward pass's outputs: grows with the mini-batch).
 */
export class TrainingNet {
  readonly net: DnnNet;
  readonly plan: NetPlan;
  /** Layers with parameters, top-down (dlib's `update_parameters` order). */
  readonly paramLayers: ParamLayer[];
  readonly kernels: TrainingKernels;
  private readonly conv: ConvKernels;
  /** kernels.elementwise, else the TypeScript functions (ELEMENTWISE_KERNELS; fused only where kernels.elementwise is given). */
  private readonly elementwise: ElementwiseKernels;
  private readonly owner: number[];
  /** When the backward pass is done with each buffer (see {@link lastUses}). */
  private readonly uses: LastUses;
  /** bn_con node -> the relu_ node run in place on its output (fused where kernels.bn is given). */
  private readonly reluOverBn = new Map<number, number>();
  /** add_prev node -> the relu_ node run in place on its output right after it (fused where kernels.elementwise is given). */
  private readonly reluOverAdd = new Map<number, number>();
  private readonly fusedRelus = new Set<number>();
  /**
   * Buffers the backward pass is done with, by length, for the next pass to reuse (no garbage,
   * no fresh zeroed pages each step); emptied when the batch size changes.
   */
  private readonly pool = new Map<number, Float32Array[]>();
  private poolBatch = -1;
  private outputs: (Tensor | undefined)[] = [];
  /** The last forward pass's batch size and node shapes (k, nr, nc). */
  private shapes: { n: number; dims: (readonly number[] | undefined)[] } = { n: 0, dims: [] };
  private grads: (Tensor | undefined)[] = [];
  /** The last training forward pass's batch statistics of each bn_con node. */
  private readonly bnStats = new Map<number, BnBatchStats>();

  constructor(net: DnnNet, opts: PlanOptions & { kernels?: Partial<TrainingKernels> } = {}) {
    this.net = net;
    this.plan = planNetwork(net, opts);
    this.kernels = { ...REFERENCE_KERNELS, ...opts.kernels };
    this.conv = this.kernels.conv ?? makeConvKernels(this.kernels.gemm, this.kernels.gemmBlas);
    this.elementwise = this.kernels.elementwise ?? ELEMENTWISE_KERNELS;
    this.owner = gradientOwners(this.plan);
    this.uses = lastUses(this.plan, this.owner);
    if (this.kernels.bn !== undefined) {
      const bnNodes = new Set(this.plan.steps.filter((s) => s.op === 'bn_con').map((s) => s.node));
      for (const s of this.plan.steps) {
        if (s.op === 'relu' && bnNodes.has(s.src)) {
          this.reluOverBn.set(s.src, s.node);
          this.fusedRelus.add(s.node);
        }
      }
    }
    if (this.kernels.elementwise !== undefined) {
      const steps = this.plan.steps;
      for (let i = 1; i < steps.length; i++) {
        const s = steps[i];
        const below = steps[i - 1];
        if (s.op === 'relu' && below.op === 'add_prev' && s.src === below.node) {
          this.reluOverAdd.set(below.node, s.node);
          this.fusedRelus.add(s.node);
        }
      }
    }
    this.paramLayers = [];
    for (let i = 0; i < net.nodes.length; i++) {
      const n = net.nodes[i];
      if (n.kind !== 'layer') continue;
      const p = n.details.fields.params as DlibTensor | undefined;
      // affine_ is fixed (dlib's affine_ has no learnable parameters: get_layer_params() is empty).
      if (p === undefined || p.data.length === 0 || n.details.type === 'affine_') continue;
      this.paramLayers.push({ node: i, details: n.details, params: p.data, grad: new Float32Array(p.data.length) });
    }
  }

  /**
   * dlib's forward pass in training mode (`net.forward(x)` after `to_tensor`): bn_con uses the
   * batch's statistics and updates its running statistics. Keeps every node's output.
   */
  forward(chips: readonly RgbImage[]): Tensor {
    const { dims } = planShapes(this.plan, chips.length === 0 ? undefined : { nr: chips[0].height, nc: chips[0].width });
    const n = chips.length;
    if (n !== this.poolBatch) {
      this.pool.clear();
      this.poolBatch = n;
    }
    const t: (Tensor | undefined)[] = new Array(this.plan.nodeCount).fill(undefined);
    const { gemm } = this.kernels;
    for (const step of this.plan.steps) {
      if (step.op === 'identity') {
        t[step.node] = t[step.src];
        continue;
      }
      if (step.op === 'relu' || step.op === 'affine') {
        // in place, as dlib runs relu_ and affine_ (core.h: their output is their input's
        // buffer; the layer below keeps no output of its own)
        const x = t[step.src]!;
        if (step.op === 'relu') {
          // a fused relu: the bn_con or add_prev below ran it
          if (!this.fusedRelus.has(step.node)) this.elementwise.relu(x, x);
        }
        else if (step.mode === 'conv') affine(x, x, step.gamma, step.beta);
        else affineFc(x, x, step.gamma, step.beta);
        t[step.node] = x;
        continue;
      }
      const d = dims[step.node]!;
      // every forward operation overwrites its whole output: a recycled buffer needs no clearing
      const y = this.take(n, d[0], d[1], d[2], false);
      t[step.node] = y;
      if (step.op === 'input') {
        inputRgbImage(y, chips, step.means, step.size);
        continue;
      }
      const x = t[step.src]!;
      switch (step.op) {
        case 'conv': this.conv.forward(y, x, step.filters, step.biases, step.numFilters, step.window); break;
        case 'bn_con': {
          const state = bnStateOf(step.layer);
          const stats = bnBatchStats(x.k);
          bnConvForward(y, stats, x, state, this.kernels.bn ?? BN_CONV_LOOPS, this.reluOverBn.has(step.node));
          this.saveBn(step.layer, state, stats, x.n > 1);
          break;
        }
        case 'max_pool': (this.kernels.maxPool ?? MAX_POOL_KERNELS).forward(y, x, windowOf(step, x)); break;
        case 'avg_pool': (this.kernels.avgPool ?? AVG_POOL_KERNELS).forward(y, x, windowOf(step, x)); break;
        case 'add_prev': this.elementwise.addPrev(y, x, t[step.tagged]!, this.reluOverAdd.has(step.node)); break;
        case 'fc': fc(y, x, step.weights, step.biases, step.numOutputs, gemm); break;
      }
    }
    this.outputs = t;
    this.shapes = { n, dims };
    return t[this.plan.outputNode]!;
  }

  /**
   * dlib's `back_propagate_error` from a gradient of the network's output (what the loss
   * layer wrote into the top layer's gradient input): fills every ParamLayer's `grad`.
   *
   * Memory: each layer output and gradient buffer is dropped as soon as the pass is done with it
   * (dlib keeps them all), so the pass consumes the forward pass's outputs: run forward again
   * before the next backward.
   */
  backward(outputGradient: Float32Array): void {
    const t = this.outputs;
    if (t.length === 0) throw new Error('TrainingNet.backward: run forward first');
    this.outputs = [];
    const { outputLast, outputsDone, gradientLast } = this.uses;
    const unread: Tensor[] = [];
    for (let node = 0; node < t.length; node++) {
      const b = t[node];
      if (outputLast[node] < 0 && node !== this.plan.outputNode && b !== undefined) {
        t[node] = undefined;
        unread.push(b);
      }
    }
    for (const b of unread) this.recycle(b, t);
    const grads: (Tensor | undefined)[] = new Array(this.plan.nodeCount).fill(undefined);
    // A node's gradient buffer: its owner's, allocated (zeroed) on first use as in dlib.
    const buf = (node: number): Tensor => {
      const o = this.owner[node];
      let g = grads[o];
      if (g === undefined) {
        const d = this.shapes.dims[o]!;
        g = this.take(this.shapes.n, d[0], d[1], d[2], true);
        grads[o] = g;
      }
      return g;
    };
    const top = buf(this.plan.outputNode);
    if (outputGradient.length !== top.data.length) throw new RangeError(`TrainingNet.backward: gradient has ${outputGradient.length} values, the output ${top.data.length}`);
    top.data.set(outputGradient);
    const pl = new Map(this.paramLayers.map((p) => [p.node, p]));
    const { gemmBlas } = this.kernels;
    const isInput = (node: number): boolean => this.plan.steps.some((s) => s.op === 'input' && s.node === this.owner[node]);
    for (let i = this.plan.steps.length - 1; i >= 0; i--) {
      const step = this.plan.steps[i];
      if (step.op === 'input' || step.op === 'identity') continue;
      const g = buf(step.node);
      const x = t[step.src]!;
      switch (step.op) {
        case 'conv': {
          const p = pl.get(step.node)!;
          const nf = step.filters.length;
          this.conv.backwardFilters(p.grad.subarray(0, nf), x, g, step.numFilters, step.window,
            step.biases === undefined ? undefined : p.grad.subarray(nf));
          if (!isInput(step.src)) this.conv.backwardData(buf(step.src), g, step.filters, step.numFilters, step.window);
          break;
        }
        case 'bn_con': {
          const p = pl.get(step.node)!;
          const k = x.k;
          const stats = this.bnStats.get(step.node);
          if (stats === undefined) throw new Error(`TrainingNet.backward: bn_con node ${step.node} ran no training forward pass (one image?)`);
          const r = this.reluOverBn.get(step.node);
          bnConvBackward(buf(step.src), p.grad.subarray(0, k), p.grad.subarray(k, 2 * k), g, x, p.params.subarray(0, k), stats,
            this.kernels.bn ?? BN_CONV_LOOPS, r === undefined ? undefined : t[r]!);
          break;
        }
        case 'affine':
          // in place: dlib's affine_::backward_inplace with gradient_input and data_grad the same buffer
          affineBackward(g, g, step.gamma);
          break;
        case 'relu':
          // in place: the relu's output and gradient are its input's (dlib: relu_gradient on one
          // buffer); a relu fused with the bn_con or add_prev below runs in that layer's backward
          if (!this.fusedRelus.has(step.node)) this.elementwise.reluBackward(g, t[step.node]!, g);
          break;
        case 'max_pool': (this.kernels.maxPool ?? MAX_POOL_KERNELS).backward(buf(step.src), x, g, windowOf(step, x)); break;
        case 'avg_pool': (this.kernels.avgPool ?? AVG_POOL_KERNELS).backward(buf(step.src), x, g, windowOf(step, x)); break;
        case 'add_prev': {
          const r = this.reluOverAdd.get(step.node);
          this.elementwise.addPrevBackward(buf(step.src), buf(step.tagged), g, r === undefined ? undefined : t[r]!);
          break;
        }
        case 'fc': {
          const p = pl.get(step.node)!;
          const nw = step.weights.length;
          fcBackward(isInput(step.src) ? undefined : buf(step.src), p.grad.subarray(0, nw),
            step.biases === undefined ? undefined : p.grad.subarray(nw), x, g, step.weights, step.numOutputs, gemmBlas);
          break;
        }
      }
      for (const o of gradientLast[i]) {
        const b = grads[o];
        grads[o] = undefined;
        if (b !== undefined) this.recycle(b, grads);
      }
      for (const node of outputsDone[i]) {
        const b = t[node];
        t[node] = undefined;
        if (b !== undefined && node !== this.plan.outputNode) this.recycle(b, t);
      }
    }
    this.grads = grads;
  }

  /** A tensor of the given shape, from the pool when it has a buffer of that size; zeroed when asked. */
  private take(n: number, k: number, nr: number, nc: number, zero: boolean): Tensor {
    const buf = this.pool.get(n * k * nr * nc)?.pop();
    if (buf === undefined) return tensor(n, k, nr, nc);
    if (zero) buf.fill(0);
    return { n, k, nr, nc, data: buf };
  }

  /** Puts t's buffer in the pool unless `refs` (outputs or gradients) still hold it (in-place layers alias it). */
  private recycle(t: Tensor, refs: readonly (Tensor | undefined)[]): void {
    if (refs.some((r) => r !== undefined && r.data === t.data)) return;
    let list = this.pool.get(t.data.length);
    if (list === undefined) {
      list = [];
      this.pool.set(t.data.length, list);
    }
    if (!list.includes(t.data)) list.push(t.data);
  }

  /**
   * After a bn_con forward pass: the update count, and the batch statistics dlib keeps in the
   * layer (its `means` and `invstds`, serialized with the network: shape 1 x k).
   */
  private saveBn(d: DnnLayerDetails, state: BnState, stats: BnBatchStats, training: boolean): void {
    d.fields.numUpdates = state.updateCount;
    if (!training) return;
    const node = this.paramLayers.find((p) => p.details === d)!.node;
    this.bnStats.set(node, stats);
    d.fields.means = makeTensor(1, stats.means.length, 1, 1, stats.means);
    d.fields.invstds = makeTensor(1, stats.invstds.length, 1, 1, stats.invstds);
  }

  /**
   * dlib's `net.update_parameters(make_sstack(solvers), learning_rate)`: each layer with
   * parameters (and a non-zero learning-rate multiplier) takes one step of its solver,
   * `params += solver(learning_rate, layer, params_grad)`.
   *
   * @param states one solver state per ParamLayer (see {@link newSolverStates})
   */
  updateParameters(sgd: Sgd, states: SgdState[], learningRate: number): void {
    if (states.length !== this.paramLayers.length) throw new RangeError(`updateParameters: ${states.length} solver states for ${this.paramLayers.length} layers`);
    const loops = this.kernels.sgd ?? SGD_LOOPS;
    this.paramLayers.forEach((p, i) => sgd.step(states[i], p.params, p.grad, learningRate, sgdRuleOf(p.details, p.params.length), loops));
  }

  /** Fresh solver states, one per layer with parameters. */
  newSolverStates(sgd: Sgd): SgdState[] {
    return this.paramLayers.map(() => sgd.newState());
  }

  /**
   * dlib's `net.compute_parameter_gradients(x, labels)` for a loss_metric_ network: forward in
   * training mode, loss_metric_'s loss and gradient, back-propagation.
   */
  computeParameterGradients(chips: readonly RgbImage[], labels: readonly number[], loss: MetricLossOptions = {}): GradientResult {
    if (chips.length !== labels.length) throw new RangeError(`${chips.length} images but ${labels.length} labels`);
    const output = this.forward(chips);
    const r = metricLoss(output.data, sizeOf3(output), labels, loss);
    this.backward(r.gradient);
    return { loss: r.loss, output };
  }

  /** The gradient buffer of a node after backward (tests; the owner's buffer for aliases). */
  gradientOf(node: number): Tensor | undefined {
    return this.grads[this.owner[node]];
  }

  /** A node's output after forward (tests). */
  outputOf(node: number): Tensor | undefined {
    return this.outputs[node];
  }
}

const numField = (d: DnnLayerDetails, f: string, dflt?: number): number => {
  const v = d.fields[f];
  if (typeof v === 'number') return v;
  if (dflt !== undefined) return dflt;
  throw new RangeError(`${d.typeName}: field ${f} is missing`);
};

/** A bn_con layer's state as views of its fields (gamma, beta, running statistics; updated in place). */
export function bnStateOf(d: DnnLayerDetails): BnState {
  const params = (d.fields.params as DlibTensor).data;
  const k = params.length / 2;
  return {
    gamma: params.subarray(0, k),
    beta: params.subarray(k),
    runningMeans: (d.fields.runningMeans as DlibTensor).data,
    runningVariances: (d.fields.runningVariances as DlibTensor).data,
    updateCount: numField(d, 'numUpdates'),
    windowSize: numField(d, 'runningStatsWindowSize'),
    eps: numField(d, 'eps'),
  };
}

/**
 * How dlib's sgd treats a layer (dlib/dnn/solvers.h): con_ and fc_ with biases through
 * `update_considering_bias` (their bias multipliers on the bias part), bn_ likewise (gamma, then
 * beta as the "bias"), every other layer (fc_no_bias) with its own two multipliers on the whole
 * tensor. The multipliers are the layer's, as stored in the network file.
 */
export function sgdRuleOf(d: DnnLayerDetails, size: number): SgdRule {
  const lr = numField(d, 'learningRateMultiplier', 1);
  const wd = numField(d, 'weightDecayMultiplier', 1);
  const biasLr = numField(d, 'biasLearningRateMultiplier', 1);
  const biasWd = numField(d, 'biasWeightDecayMultiplier', 0);
  switch (d.type) {
    case 'con_': {
      const hasBias = d.fields.useBias !== false;
      const nf = numField(d, 'numFilters');
      return hasBias ? { learningRateMultiplier: lr, weightDecayMultiplier: wd, biasOffset: size - nf, biasLearningRateMultiplier: biasLr, biasWeightDecayMultiplier: biasWd }
        : { learningRateMultiplier: lr, weightDecayMultiplier: wd };
    }
    case 'fc_': {
      const hasBias = numField(d, 'biasMode') === 0 && d.fields.useBias !== false;
      const no = numField(d, 'numOutputs');
      return hasBias ? { learningRateMultiplier: lr, weightDecayMultiplier: wd, biasOffset: size - no, biasLearningRateMultiplier: biasLr, biasWeightDecayMultiplier: biasWd }
        : { learningRateMultiplier: lr, weightDecayMultiplier: wd };
    }
    case 'bn_':
      return { learningRateMultiplier: lr, weightDecayMultiplier: wd, biasOffset: size / 2, biasLearningRateMultiplier: biasLr, biasWeightDecayMultiplier: biasWd };
    default:
      return { learningRateMultiplier: lr, weightDecayMultiplier: wd };
  }
}

function windowOf(step: Extract<PlanStep, { op: 'max_pool' | 'avg_pool' }>, x: Tensor): Window2d {
  return step.everything ? everythingWindow(x) : step.window;
}

/**
 * The node owning each node's gradient buffer (dlib/dnn/core.h): itself, or for tags and skips
 * (identity steps: a tag forwards its input, a skip the tagged node) and in-place layers
 * (relu_, affine_) the owner of the node they take their data from.
 */
export function gradientOwners(plan: NetPlan): number[] {
  const owner = Array.from({ length: plan.nodeCount }, (_, i) => i);
  for (const s of plan.steps) {
    if (s.op === 'identity' || s.op === 'relu' || s.op === 'affine') owner[s.node] = owner[s.src];
  }
  return owner;
}

/** When the backward pass is done with each buffer: see {@link lastUses}. */
export interface LastUses {
  /** Per node: the step index (in plan.steps) of the last backward step reading its output, -1 for none. */
  outputLast: number[];
  /** Per step index: the nodes whose outputs no backward step after it reads. */
  outputsDone: number[][];
  /** Per step index: the gradient owners whose buffers no backward step after it touches. */
  gradientLast: number[][];
}

/**
 * For TrainingNet.backward (which runs the plan's steps from the last to the first): which
 * outputs each step reads (con_, bn_con, pools, fc_: their input; relu_: its own output, its
 * input's buffer) and which gradient buffers it touches (its own, read; the layer below's and
 * for add_prev_ the tagged layer's, added into), so that a buffer can be dropped after the
 * last step (the lowest index) that uses it.
 */
export function lastUses(plan: NetPlan, owner: readonly number[]): LastUses {
  const outputLast = new Array<number>(plan.nodeCount).fill(-1);
  const gradLast = new Map<number, number>();
  const inputNodes = new Set(plan.steps.filter((s) => s.op === 'input').map((s) => s.node));
  // a relu_ on a bn_con's or add_prev's output may run fused with it: that layer's backward then reads the relu's output
  const reluOver = new Map(plan.steps.flatMap((s) => (s.op === 'relu' ? [[s.src, s.node] as const] : [])));
  const touch = (o: number, i: number): void => {
    gradLast.set(o, Math.min(gradLast.get(o) ?? i, i));
  };
  plan.steps.forEach((step, i) => {
    if (step.op === 'input' || step.op === 'identity') return;
    const read = (node: number): void => {
      outputLast[node] = outputLast[node] < 0 ? i : Math.min(outputLast[node], i);
    };
    touch(owner[step.node], i);
    const below = !inputNodes.has(owner[step.src]);
    switch (step.op) {
      case 'conv': case 'fc':
        read(step.src);
        if (below) touch(owner[step.src], i);
        break;
      case 'bn_con': case 'max_pool': case 'avg_pool':
        read(step.src);
        if (step.op === 'bn_con' && reluOver.has(step.node)) read(reluOver.get(step.node)!);
        touch(owner[step.src], i);
        break;
      case 'relu': read(step.node); break;
      case 'affine': break;
      case 'add_prev':
        if (reluOver.has(step.node)) read(reluOver.get(step.node)!);
        touch(owner[step.src], i);
        touch(owner[step.tagged], i);
        break;
    }
  });
  const gradientLast: number[][] = plan.steps.map(() => []);
  for (const [o, i] of gradLast) gradientLast[i].push(o);
  const outputsDone: number[][] = plan.steps.map(() => []);
  outputLast.forEach((i, node) => {
    if (i >= 0) outputsDone[i].push(node);
  });
  return { outputLast, outputsDone, gradientLast };
}

/** The learnable layers' parameters as copies, top-down (tests and checkpoints). */
export function snapshotParams(net: TrainingNet): Float32Array[] {
  return net.paramLayers.map((p) => p.params.slice());
}

