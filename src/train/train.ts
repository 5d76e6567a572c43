/**
 * Metric learning of the face ResNet, as dlib's examples/dnn_metric_learning_on_images_ex.cpp
 * trains it, made deterministic: mini-batches of P people x K images drawn by one seeded
 * dlib::rand (`load_mini_batch`: people and images, `disturb_colors`, `jitter_image`), or fixed
 * mini-batches replayed in order; each step dlib's `compute_parameter_gradients` +
 * `update_parameters` with sgd (TrainingNet), the learning rate from dnn_trainer's schedule
 * (read before the step, the loss recorded after it); stop when the learning rate falls below
 * the minimum, after a number of steps, or when asked (a checkpoint then lets a later run
 * continue exactly).
 */
import { buildFaceNet, readDnnNet, writeDnnNet, type DnnNet } from '../dlib/index.js';
import { WasmBnLoops } from '../dnn/bn-wasm.js';
import { WasmConvKernels } from '../dnn/conv-grad-wasm.js';
import { WasmElementwise } from '../dnn/elementwise-wasm.js';
import { makeGemmBlasWasm } from '../dnn/gemm-blas-wasm.js';
import { makeGemmWasm } from '../dnn/gemm-wasm.js';
import { WasmAvgPool, WasmMaxPool } from '../dnn/pool-wasm.js';
import { hasAnetStructure, hasFaceNetStructure } from '../dnn/net.js';
import { createFaceRecognizer } from '../dnn/recognizer.js';
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { DlibRand } from '../rand/dlib-rand.js';
import { GlibcRand } from '../rand/glibc-rand.js';
import type { Backend } from '../wasm/backend.js';
import type { WasmFlavour } from '../wasm/index.js';
import { KernelThreads } from '../wasm/threads.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { toInferenceNet } from './convert.js';
import { evaluatePairs, type PairEvaluation } from './evaluate.js';
import { initializeNet } from './init.js';
import { REFERENCE_KERNELS, TrainingNet, type TrainingKernels } from './network.js';
import { loadMiniBatch, type LoadImage, type ObjectsList } from './sampler.js';
import { Sgd } from './sgd.js';
import { WasmSgdLoops } from './sgd-wasm.js';
import { LearningRateSchedule } from './trainer.js';

/** dnn_metric_learning_on_images_ex.cpp's settings: 5 people x 5 images, sgd(0.0001, 0.9), lr 0.1 until below 1e-4, 300 steps without progress. */
export const EXAMPLE_TRAINING = Object.freeze({
  people: 5, perPerson: 5, learningRate: 0.1, minLearningRate: 1e-4, stepsWithoutProgress: 300, weightDecay: 0.0001, momentum: 0.9,
});

/** Mini-batches sampled from people's images (dlib's load_mini_batch). */
export interface SampledData {
  kind: 'sampled';
  /** Each person's image paths (ObjectsList order: person i has label i). */
  objects: ObjectsList;
  /** Loads one image (150x150 chips). */
  loadImage: LoadImage;
}

/** Fixed mini-batches, one per step, in order (no augmentation). */
export interface ListedData {
  kind: 'listed';
  batches: readonly { load: () => RgbImage[]; labels: readonly number[] }[];
}

/** What each step reports. */
export interface TrainStep {
  step: number;
  loss: number;
  /** The learning rate this step's update used. */
  learningRate: number;
  /** dnn_trainer's steps without progress after this step. */
  stepsWithoutProgress: number;
  /** True when this step's plateau test shrank the learning rate (the next step uses the smaller one). */
  shrunk: boolean;
  images: number;
  /** Seconds this step took and images per second over it. */
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainMetricOptions {
  data: SampledData | ListedData;
  /**
   * The network to start from: a dlib face network (bn_con training net or the released affine_
   * net, whose affine_ layers stay fixed). Default: a fresh bn_con net initialised as dlib
   * initialises one (glibc's rand() from its default seed).
   */
  init?: DnnNet;
  /** People per mini-batch and images per person (sampled data; default 5 and 5). */
  people?: number;
  perPerson?: number;
  learningRate?: number;
  minLearningRate?: number;
  stepsWithoutProgress?: number;
  weightDecay?: number;
  momentum?: number;
  /** The sampler's seed: `dlib::rand rnd(seed)` (default 0). */
  seed?: number;
  /** Stop after this many steps in all (counting the resumed ones). */
  steps?: number;
  /** 'reference' (dlib's arithmetic, in TypeScript) or 'wasm' (WebAssembly SIMD kernels, default; the same bits). */
  backend?: Backend;
  /**
   * Threads of the 'wasm' backend (default 1): the convolutions' GEMMs are cut between them
   * (startTrainingThreads); the results are bit-identical to one thread's.
   */
  threads?: number;
  /** Called after each step. */
  onStep?: (s: TrainStep) => void;
  /** Checked after each step: true stops the run (a checkpoint is then offered through `checkpoint`). */
  shouldStop?: () => boolean;
  /** Receives checkpoints: every `checkpointEverySeconds` and when the run stops early. */
  checkpoint?: (c: TrainCheckpoint) => void;
  checkpointEverySeconds?: number;
  /** Continue a run from its checkpoint (the same data and settings). */
  resume?: TrainCheckpoint;
  /** Carried in checkpoints (e.g. the held-out evaluation before training). */
  before?: unknown;
}

export type StopReason = 'min-learning-rate' | 'steps' | 'batches' | 'interrupted';

export interface TrainMetricResult {
  /** The trained network (the training net: bn_con, or the released net's structure). */
  net: DnnNet;
  steps: number;
  stoppedBy: StopReason;
  lastLoss: number;
  learningRate: number;
  /** A checkpoint of the final state (for --resume after an interruption). */
  checkpoint: TrainCheckpoint;
}

/**
 * The kernels of a backend: 'reference' dlib's arithmetic in TypeScript; 'wasm' the WebAssembly
 * GEMMs (fc_ and loss), convolutions (WasmConvKernels: forward and gradients whole in wasm),
 * bn_con loops (WasmBnLoops, relu_ fused), max and average pooling (WasmMaxPool, WasmAvgPool),
 * relu_ and add_prev_ (WasmElementwise, relu_ fused with add_prev_) and sgd's update
 * (WasmSgdLoops), each instance with its own kernel memory. With `threads`
 * (startTrainingThreads; 'wasm' only) the convolutions run on their shared memory, each GEMM cut
 * between them: the same bits as one thread.
 *
 * The wasm kernels are the plain SIMD build unless `flavour` says 'relaxed': training keeps
 * dlib's bits on every engine. (The relaxed build's fused multiply-adds change a step by more than
 * rounding: a max pool's near-tie or a pair at the loss's margin then routes the gradient
 * differently; measured on one step of 6 johns chips: gradients differ by up to 4% of their
 * layer's largest, though the loss agrees to 1e-6.)
 */
export function trainingKernels(backend: Backend, threads?: KernelThreads, flavour: WasmFlavour = 'simd'): TrainingKernels {
  if (backend === 'reference') {
    if (threads !== undefined && threads.size > 1) throw new RangeError('threads need the wasm backend');
    return REFERENCE_KERNELS;
  }
  if (threads !== undefined && threads.kernels.flavour !== flavour) throw new RangeError(`the threads run the ${threads.kernels.flavour} build, the kernels asked for ${flavour}`);
  return {
    gemm: makeGemmWasm({ flavour }), gemmBlas: makeGemmBlasWasm({ flavour }), conv: new WasmConvKernels({ threads, flavour }),
    bn: new WasmBnLoops({ flavour }), maxPool: new WasmMaxPool({ flavour }), avgPool: new WasmAvgPool({ flavour }),
    elementwise: new WasmElementwise({ flavour }), sgd: new WasmSgdLoops({ flavour }),
  };
}

/**
 * Starts `threads` kernel threads for {@link trainingKernels} (the caller's thread counts as one):
 * a shared-memory instance of the kernels (the plain SIMD build, or `flavour`) and
 * `threads - 1` workers. Close them when done.
 */
export async function startTrainingThreads(threads: number, flavour: WasmFlavour = 'simd'): Promise<KernelThreads> {
  return KernelThreads.start(threads, ['gemm_f32', 'gemm_blas_f32'], flavour);
}

/** A fresh bn_con face network, initialised as dlib's first forward pass initialises one. */
export function freshFaceNet(): DnnNet {
  const net = buildFaceNet({ norm: 'bn_con' });
  const glibc = new GlibcRand();
  initializeNet(net, () => glibc.rand());
  return net;
}

/** Checks that a network can be trained here: the face ResNet with bn_con or affine_ layers. */
export function checkTrainable(net: DnnNet, file: string): void {
  if (!hasFaceNetStructure(net)) {
    throw new FacemetricError(`${file}: not a dlib face recognition network (the ResNet of dlib_face_recognition_resnet_model_v1, with bn_con or affine_ layers)`);
  }
}

function settingsOf(o: TrainMetricOptions): Record<string, unknown> {
  return {
    data: o.data.kind,
    people: o.people ?? EXAMPLE_TRAINING.people,
    perPerson: o.perPerson ?? EXAMPLE_TRAINING.perPerson,
    weightDecay: o.weightDecay ?? EXAMPLE_TRAINING.weightDecay,
    momentum: o.momentum ?? EXAMPLE_TRAINING.momentum,
    seed: o.seed ?? 0,
  };
}

/**
 * Trains a face network with dlib's metric loss. Deterministic for given data, options and
 * backend; the 'reference' backend reproduces dlib's arithmetic exactly. Yields to the event
 * loop between steps (so signal handlers and `shouldStop` see a Ctrl-C).
 */
export async function trainMetricNet(o: TrainMetricOptions): Promise<TrainMetricResult> {
  const settings = settingsOf(o);
  const people = settings.people as number;
  const perPerson = settings.perPerson as number;
  if (o.data.kind === 'sampled' && people > o.data.objects.length) {
    throw new FacemetricError(`--people ${people} asks for more people than the data has (${o.data.objects.length})`);
  }
  if (o.data.kind === 'sampled' && (people < 2 || perPerson < 1)) {
    throw new FacemetricError(`a mini-batch needs at least 2 people and 1 image each (got --people ${people} --per-person ${perPerson})`);
  }
  let net: DnnNet;
  let schedule: LearningRateSchedule;
  let rnd: DlibRand;
  let step = 0;
  const sgd = new Sgd({ weightDecay: settings.weightDecay as number, momentum: settings.momentum as number });
  if (o.resume !== undefined) {
    const r = o.resume;
    for (const [k, v] of Object.entries(settings)) {
      if (JSON.stringify(r.settings[k]) !== JSON.stringify(v)) {
        throw new FacemetricError(`the checkpoint was made with ${k} ${JSON.stringify(r.settings[k])}, this run asks for ${JSON.stringify(v)}`);
      }
    }
    net = readDnnNet(r.net, 'the checkpoint');
    schedule = LearningRateSchedule.fromJSON(r.schedule);
    rnd = r.rand === undefined ? DlibRand.fromTime(settings.seed as number) : DlibRand.fromState(r.rand);
    step = r.step;
  } else {
    net = o.init ?? freshFaceNet();
    schedule = new LearningRateSchedule({
      learningRate: o.learningRate ?? EXAMPLE_TRAINING.learningRate,
      minLearningRate: o.minLearningRate ?? EXAMPLE_TRAINING.minLearningRate,
      iterationsWithoutProgressThreshold: o.stepsWithoutProgress ?? EXAMPLE_TRAINING.stepsWithoutProgress,
    });
    rnd = DlibRand.fromTime(settings.seed as number);
  }
  checkTrainable(net, 'the network');
  const backend = o.backend ?? 'wasm';
  const nThreads = o.threads ?? 1;
  if (!Number.isInteger(nThreads) || nThreads < 1) throw new RangeError(`threads must be a whole number >= 1, got ${nThreads}`);
  if (nThreads > 1 && backend !== 'wasm') throw new FacemetricError(`--threads ${nThreads} needs the wasm backend (the reference runs on one thread)`);
  const threads = nThreads > 1 ? await startTrainingThreads(nThreads) : undefined;
  try {
    return await trainLoop(o, { net, schedule, rnd, step, sgd, settings, people, perPerson }, trainingKernels(backend, threads));
  } finally {
    await threads?.close();
  }
}

interface LoopState {
  net: DnnNet;
  schedule: LearningRateSchedule;
  rnd: DlibRand;
  step: number;
  sgd: Sgd;
  settings: Record<string, unknown>;
  people: number;
  perPerson: number;
}

async function trainLoop(o: TrainMetricOptions, st: LoopState, kernels: TrainingKernels): Promise<TrainMetricResult> {
  const { net, schedule, rnd, sgd, settings, people, perPerson } = st;
  let step = st.step;
  const tn = new TrainingNet(net, { kernels });
  const states = tn.newSolverStates(sgd);
  if (o.resume !== undefined) {
    if (o.resume.velocities.length !== states.length) throw new FacemetricError('the checkpoint is from another network (its solver has a different number of layers)');
    o.resume.velocities.forEach((v, i) => { states[i].v = v; });
  }
  const snapshot = (): TrainCheckpoint => ({
    step, net: writeDnnNet(net), velocities: states.map((s) => s.v?.slice()), schedule: schedule.toJSON(),
    ...(o.data.kind === 'sampled' ? { rand: rnd.toState() } : {}),
    settings, ...(o.before === undefined ? {} : { before: o.before }),
  });

  let lastLoss = NaN;
  let lastCheckpoint = Date.now();
  let stoppedBy: StopReason | undefined;
  let lastGood = snapshot();
  for (;;) {
    // dlib's example trains while the learning rate is at least the minimum.
    if (schedule.learningRate < schedule.minLearningRate) { stoppedBy = 'min-learning-rate'; break; }
    if (o.steps !== undefined && step >= o.steps) { stoppedBy = 'steps'; break; }
    let images: RgbImage[];
    let labels: readonly number[];
    if (o.data.kind === 'sampled') {
      const b = loadMiniBatch(people, perPerson, rnd, o.data.objects, o.data.loadImage);
      images = b.images;
      labels = b.labels;
    } else {
      if (step >= o.data.batches.length) { stoppedBy = 'batches'; break; }
      const b = o.data.batches[step];
      images = b.load();
      labels = b.labels;
    }
    const t0 = performance.now();
    const lr = schedule.learningRate;
    const r = tn.computeParameterGradients(images, labels);
    if (!Number.isFinite(r.loss)) {
      o.checkpoint?.(lastGood);
      throw new FacemetricError(`the loss is ${r.loss} at step ${step + 1} (learning rate ${lr}): training stopped; the last good state (step ${lastGood.step}) is kept in the checkpoint`);
    }
    tn.updateParameters(sgd, states, lr);
    const rec = schedule.record(r.loss);
    step++;
    lastLoss = r.loss;
    const seconds = (performance.now() - t0) / 1000;
    o.onStep?.({
      step, loss: r.loss, learningRate: lr, stepsWithoutProgress: schedule.stepsWithoutProgress, shrunk: rec.shrunk,
      images: images.length, seconds, imagesPerSecond: images.length / seconds,
    });
    if (o.checkpoint !== undefined && o.checkpointEverySeconds !== undefined && Date.now() - lastCheckpoint >= o.checkpointEverySeconds * 1000) {
      lastGood = snapshot();
      o.checkpoint(lastGood);
      lastCheckpoint = Date.now();
    }
    // let the event loop run (a Ctrl-C handler, progress output) between steps
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (o.shouldStop?.() === true) { stoppedBy = 'interrupted'; break; }
  }
  const checkpoint = snapshot();
  if (stoppedBy === 'interrupted') o.checkpoint?.(checkpoint);
  return { net, steps: step, stoppedBy, lastLoss, learningRate: schedule.learningRate, checkpoint };
}

/** The network to describe faces with: the trained net itself (affine_) or its conversion (bn_con). */
export function inferenceNetOf(net: DnnNet): DnnNet {
  return hasAnetStructure(net) ? net : toInferenceNet(net);
}

/**
 * Every pair of the given chips evaluated with a network's descriptors (its inference form),
 * at the threshold (0.6).
 */
export function evaluateNet(net: DnnNet, chips: readonly RgbImage[], labels: readonly (number | string)[],
  opts: { backend?: Backend; threshold?: number } = {}): PairEvaluation {
  const rec = createFaceRecognizer(inferenceNetOf(net), { backend: opts.backend ?? 'wasm' });
  const d = rec.describeBatch(chips);
  return evaluatePairs(d, labels, opts.threshold ?? 0.6);
}
