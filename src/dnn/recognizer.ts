/**
 * Face descriptors for library users: dlib's face recognition ResNet
 * (`dlib_face_recognition_resnet_model_v1.dat`) behind a small API. The whole pipeline
 * (detector → 68 landmarks → 150x150 chips → 128-D descriptors) in one call, `describeFaces`,
 * is src/pipeline/.
 *
 * - {@link loadFaceRecognizer}: reads and plans the network once; `describe(chip)` and
 *   `describeBatch(chips, {batchSize})` give dlib's `net(chips, batchSize)` descriptors;
 *   `describeBatch(chips, {jitter: N})` with N > 1 gives dlib's jittered descriptors.
 *
 * ## Jitter
 *
 * As dlib's Python `compute_face_descriptor(img, shape, num_jitters)` (and
 * `compute_face_descriptor(aligned_chip, num_jitters)`; tools/python/src/face_recognition.cpp):
 * with `jitter` <= 1 (or absent) a chip's descriptor is the network's output on the chip; with
 * `jitter` N > 1 it is the mean of the network's outputs on N copies made by dlib's
 * `jitter_image` (src/image/jitter.ts), chip after chip, the copies of one chip run as
 * `net(copies, batchSize)` and averaged as dlib's `mean(mat(...))` does in float32 (a running
 * sum from zeros in order, then times `1/float(N)`). The copies are drawn from `opts.rng` or,
 * by default, from the recognizer's own {@link FaceRecognizer.rng}: a default-constructed
 * dlib::rand that, like the `dlib::rand rnd` member of dlib's Python model object, lives as long
 * as the recognizer, so successive calls draw successive copies (and a fresh recognizer repeats
 * dlib's Python sequence from the start). dlib reports 99.38% on LFW with jitter 100, 99.13%
 * without; each copy costs one forward pass.
 *
 * ## Backends
 *
 * - `'reference'` (engine 'reference'): the reference forward pass of net.ts (runInArena: the
 *   TypeScript layers of layers.ts, dlib's float32 operations in dlib's order) on a JavaScript
 *   arena kept across calls, GEMMs by {@link gemmReferenceRows4}: bit-identical to dlib linked
 *   to the netlib reference BLAS (Debian's default). ~20x slower than wasm.
 * - `'wasm'` (engine 'wasm-kernels'): createWasmForward (forward-wasm.ts: im2col, fused conv
 *   epilogues, pooling and the SIMD GEMM in WebAssembly, weights and activations in one private
 *   WebAssembly memory). The GEMM sums in blocks and lanes, so descriptors differ from dlib's in
 *   the last bits (~1e-7 on the network alone).
 * - `'cuda'` (engine 'cuda'): the optional CUDA backend (createCudaForward, forward-cuda.ts: the
 *   same fused ops and arena layout as 'wasm', run by native/cuda/'s kernels with the weights
 *   resident on the GPU, through the N-API shim loaded by src/cuda/). Built by
 *   `npm run build:cuda`, never by default. Descriptors differ from 'wasm' in the last bits (the
 *   GPU sums in tiles, with fused multiply-adds).
 * Default: 'wasm' when the kernels load, else 'reference' ('cuda' only when asked for). Asking
 * for 'wasm' where the kernels do not load (or predate the convolution kernels) falls back to
 * 'reference'; asking for 'cuda' where it cannot run (not built, no driver, no device, a library
 * of another ABI version) falls back to 'wasm' (or 'reference'); `backend` then says which and
 * `note` says why. A GPU that cannot hold a batch throws CudaOutOfMemoryError (the recognizer
 * stays usable with smaller batches; the CPU backends are unaffected).
 *
 * ## Memory
 *
 * A recognizer owns an engine sized for the largest batch it has run. The reference engine's
 * arena (net.ts layoutPlan/createArena) holds one buffer per tensor slot (slots are shared by
 * tensors whose lifetimes do not overlap, and relu_/affine_ and same-shape add_prev_ run in
 * place, as dlib does), the im2col buffer and the GEMM product; createWasmForward lays its arena
 * out once in its WebAssembly memory. Later
 * batches of that size or smaller reuse it, so memory stays flat however many faces go
 * through; only a larger batch replaces it by a bigger one; `dispose()` drops everything.
 */
import { cudaUnavailable } from '../cuda/index.js';
import { readDnnNet, writeDnnNet, type DnnNet } from '../dlib/index.js';
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { applyJitter, drawJitter, jitterImage, type JitterDraw } from '../image/jitter.js';
import { assetPath, readModelFile } from '../models/index.js';
import { DlibRand } from '../rand/dlib-rand.js';
import { BACKENDS } from '../wasm/backend.js';
import { KernelInstance } from '../wasm/exports.js';
import { FACE_CHIP_SIZE } from './face-chip.js';
import { gemmReferenceRows4 } from './gemm.js';
import { createCudaForward, cudaProgram, type CudaForward, type CudaProgram } from './forward-cuda.js';
import { CONV_KERNELS, createWasmForward, type WasmForward } from './forward-wasm.js';
import {
  createArena, hasAnetStructure, layoutPlan, planNetwork, runInArena, sampleRows, type NetArena, type NetPlan, type PlanLayout,
} from './net.js';
import { createParallelForward, type ParallelForward } from './parallel.js';

/**
 * The backends of the forward pass: src/wasm/backend.ts's BACKENDS, which every stage has, and
 * 'cuda', which only the face ResNet has (src/cuda/, native/cuda/).
 */
export const DNN_BACKENDS = [...BACKENDS, 'cuda'] as const;

/** Where the forward pass runs: see the module comment. */
export type DnnBackend = (typeof DNN_BACKENDS)[number];

/** True when `name` is one of {@link DNN_BACKENDS}. */
export function isDnnBackend(name: unknown): name is DnnBackend {
  return (DNN_BACKENDS as readonly unknown[]).includes(name);
}

export { FACE_CHIP_SIZE } from './face-chip.js';

export interface RecognizerOptions {
  /** 'reference', 'wasm' or 'cuda' (default: 'wasm' when the WebAssembly kernels load, else 'reference'). */
  backend?: DnnBackend;
  /**
   * Advanced (tests, benchmarks): force an engine (see {@link FaceRecognizer.engine}); it
   * implies its backend and overrides `backend`. An unavailable wasm engine falls back as
   * `backend: 'wasm'` does, with a note.
   */
  engine?: DnnEngine;
  /**
   * Threads for {@link FaceRecognizer.describeBatchAsync} with the 'wasm-kernels' engine: a pool
   * of worker_threads (createParallelForward, parallel.ts) started on first use, each worker with
   * its own copy of the network (~30 MB of WebAssembly memory, not counted by memory()).
   * Default 1 (describeBatchAsync runs describeBatch in this thread).
   */
  threads?: number;
}

export interface DescribeBatchOptions {
  /** Chips per forward pass (default 16, as dlib's Python API and the parity harness use). */
  batchSize?: number;
  /**
   * dlib's `num_jitters` (a non-negative integer; default 0): 0 or 1 means the plain
   * descriptors; N > 1 makes each chip's descriptor the mean over N jitter_image copies (see the
   * module comment), N forward passes per chip.
   */
  jitter?: number;
  /**
   * The generator the copies are drawn from (default: the recognizer's own
   * {@link FaceRecognizer.rng}); it advances by 5 doubles per copy. Unused without jitter.
   */
  rng?: DlibRand;
}

/** Memory a recognizer holds, in bytes. */
export interface RecognizerMemory {
  /**
   * The reference engine's arena (tensor slots, im2col buffer, GEMM product) for `capacity`
   * chips, in JavaScript memory; 0 for 'wasm-kernels' (its arena is part of `wasmBytes`).
   */
  arenaBytes: number;
  /** The WebAssembly memory of the 'wasm-kernels' engine (arena, weights, GEMM scratch); 0 for the reference. */
  wasmBytes: number;
  /** GPU memory of the 'cuda' engine (weights, activations, chips); 0 for the others. */
  deviceBytes: number;
  /** The largest batch the arena holds now (0 before the first call). */
  capacity: number;
}

export interface FaceRecognizer {
  /** The backend in use (after any fallback). */
  readonly backend: DnnBackend;
  /**
   * How it runs: 'reference' (the TypeScript layers, reference GEMM, JS arena) or 'wasm-kernels'
   * (every layer in the WebAssembly kernels of assembly/conv.ts via createWasmForward, fused,
   * weights and activations in one WebAssembly memory), or 'cuda' (the same fused ops on the GPU).
   */
  readonly engine: DnnEngine;
  /** Why the backend asked for ('wasm' or 'cuda') is not the one used; undefined otherwise. */
  readonly note: string | undefined;
  /** The network file (or '<in memory>'). */
  readonly file: string;
  /**
   * The generator jittered descriptors draw from by default: a default-constructed dlib::rand
   * made with the recognizer, advanced by every jittered call (as the `rnd` member of dlib's
   * Python face recognition model). `rng.setSeed(s)` or `rng.clear()` restarts its sequence.
   */
  readonly rng: DlibRand;
  /** The 128-D descriptor of one 150x150 RGB chip. */
  describe(chip: RgbImage): Float32Array;
  /**
   * Descriptors of 150x150 RGB chips, in order, computed `batchSize` chips at a time; with
   * `jitter` N > 1, each chip's the mean over N jittered copies (run `batchSize` copies at a
   * time), as dlib's Python `compute_face_descriptor(..., num_jitters)`.
   */
  describeBatch(chips: readonly RgbImage[], opts?: DescribeBatchOptions): Float32Array[];
  /**
   * describeBatch on `threads` worker threads (RecognizerOptions.threads; with one thread or an
   * engine other than 'wasm-kernels': describeBatch itself). The chips are cut into `threads`
   * contiguous chunks of balanced sizes, each run as describeBatch runs it (batches of
   * batchSize), so the descriptors are describeBatch's on each chunk; they differ from one
   * describeBatch on all chips only in the last bits, and only where a batch of 1 to 3 chips
   * arises in one and not the other. A different batchSize than the last call restarts the pool.
   * With `jitter` N > 1 the copies are made here, in this thread, chip after chip, from the
   * same generator and in the same order as describeBatch (so the same copies, whatever the
   * number of threads); each chip's N copies are then cut into chunks across the threads as
   * above and averaged as describeBatch averages them.
   */
  describeBatchAsync(chips: readonly RgbImage[], opts?: DescribeBatchOptions): Promise<Float32Array[]>;
  /** What the arena and WebAssembly memory take now. */
  memory(): RecognizerMemory;
  /** Frees the arena (and the WebAssembly instance); the recognizer stays usable and re-allocates. */
  dispose(): void;
}

// -------------------------------------------------------------------------------------------
// The WebAssembly kernels: available or not.

/** The probe of the kernels createWasmForward needs (its instance is dropped once checked). */
const convProbe = new KernelInstance(CONV_KERNELS);

/** Why the wasm backend cannot run here, or undefined when it can (checked once). */
export function wasmDnnUnavailable(): string | undefined {
  const problem = convProbe.unavailable();
  convProbe.release(); // createWasmForward loads its own instance
  return problem;
}

/** The backend used when none is asked for: 'wasm' where the WebAssembly kernels load. */
export function defaultDnnBackend(): DnnBackend {
  return wasmDnnUnavailable() === undefined ? 'wasm' : 'reference';
}

// -------------------------------------------------------------------------------------------
// Engines: what runs a batch of at most `capacity` chips.

/** How a backend runs: see {@link FaceRecognizer.engine}. */
export type DnnEngine = 'reference' | 'wasm-kernels' | 'cuda';

const ENGINES: readonly DnnEngine[] = ['reference', 'wasm-kernels', 'cuda'];
const backendOf = (engine: DnnEngine): DnnBackend => (engine === 'reference' ? 'reference' : engine === 'cuda' ? 'cuda' : 'wasm');

interface Engine {
  readonly capacity: number;
  /** Descriptors of chips.length <= capacity chips (checked by the caller). */
  run(chips: readonly RgbImage[]): Float32Array[];
  arenaBytes(): number;
  wasmBytes(): number;
  deviceBytes(): number;
  release(): void;
}

/** The reference forward pass (runInArena, net.ts) on an arena kept across calls, GEMMs by gemmReferenceRows4. */
class ReferenceEngine implements Engine {
  private arena: NetArena | undefined;

  constructor(private readonly plan: NetPlan, layout: PlanLayout, readonly capacity: number) {
    this.arena = createArena(layout, capacity);
  }

  arenaBytes(): number {
    return this.arena?.bytes ?? 0;
  }

  wasmBytes(): number {
    return 0;
  }

  deviceBytes(): number {
    return 0;
  }

  release(): void {
    this.arena = undefined;
  }

  run(chips: readonly RgbImage[]): Float32Array[] {
    if (this.arena === undefined) throw new FacemetricError('the reference engine was released');
    return sampleRows(runInArena(this.plan, this.arena, chips, gemmReferenceRows4)[this.plan.outputNode]!);
  }
}

/** createWasmForward (forward-wasm.ts): every layer in WebAssembly kernels, fused, one memory. */
class WasmKernelsEngine implements Engine {
  private fw: WasmForward | undefined;

  constructor(plan: NetPlan, readonly capacity: number) {
    this.fw = createWasmForward(plan, { maxBatch: capacity });
  }

  arenaBytes(): number {
    return 0;
  }

  wasmBytes(): number {
    return this.fw?.memoryBytes ?? 0;
  }

  deviceBytes(): number {
    return 0;
  }

  release(): void {
    this.fw?.release();
    this.fw = undefined;
  }

  run(chips: readonly RgbImage[]): Float32Array[] {
    if (this.fw === undefined) throw new FacemetricError('the wasm engine was released');
    return this.fw.forward(chips);
  }
}

/** createCudaForward (forward-cuda.ts): the fused ops on the GPU, weights resident there. */
class CudaEngine implements Engine {
  private fw: CudaForward | undefined;

  constructor(program: CudaProgram, readonly capacity: number) {
    this.fw = createCudaForward(program, capacity);
  }

  arenaBytes(): number {
    return 0;
  }

  wasmBytes(): number {
    return 0;
  }

  deviceBytes(): number {
    return this.fw?.deviceBytes ?? 0;
  }

  release(): void {
    this.fw?.release();
    this.fw = undefined;
  }

  run(chips: readonly RgbImage[]): Float32Array[] {
    if (this.fw === undefined) throw new FacemetricError('the CUDA engine was released');
    return this.fw.forward(chips);
  }
}

function chooseEngine(opts: RecognizerOptions): { engine: DnnEngine; note: string | undefined } {
  const { backend: asked, engine: forced } = opts;
  if (asked !== undefined && !isDnnBackend(asked)) {
    throw new RangeError(`backend must be ${DNN_BACKENDS.slice(0, -1).map((b) => `'${b}'`).join(', ')} or '${DNN_BACKENDS.at(-1)}', got '${String(asked)}'`);
  }
  if (forced !== undefined && !ENGINES.includes(forced)) {
    throw new RangeError(`engine must be ${ENGINES.slice(0, -1).map((e) => `'${e}'`).join(', ')} or '${ENGINES.at(-1)}', got '${String(forced)}'`);
  }
  const want = forced ?? (asked === 'reference' ? 'reference' : asked === 'cuda' ? 'cuda' : 'wasm-kernels');
  if (want === 'reference') return { engine: 'reference', note: undefined };
  let cudaNote: string | undefined;
  if (want === 'cuda') {
    const problem = cudaUnavailable();
    if (problem === undefined) return { engine: 'cuda', note: undefined };
    cudaNote = `the cuda backend is not available (${problem})`;
  }
  const problem = wasmDnnUnavailable();
  if (problem === undefined) return { engine: 'wasm-kernels', note: cudaNote === undefined ? undefined : `${cudaNote}; using the wasm backend` };
  const wasmNote = `the wasm backend is not available (${problem})`;
  const explicit = asked === 'wasm' || asked === 'cuda' || forced !== undefined;
  return { engine: 'reference', note: explicit ? `${cudaNote === undefined ? wasmNote : `${cudaNote}; ${wasmNote}`}; using the reference backend` : undefined };
}
// -------------------------------------------------------------------------------------------
// The recognizer.

class Recognizer implements FaceRecognizer {
  readonly backend: DnnBackend;
  readonly engine: DnnEngine;
  readonly note: string | undefined;
  readonly file: string;
  readonly rng = new DlibRand();
  private readonly plan: NetPlan;
  private readonly net: DnnNet;
  private readonly threads: number;
  private readonly layout: PlanLayout;
  private current: Engine | undefined;
  private pool: Promise<ParallelForward> | undefined;
  private cudaProgram: CudaProgram | undefined;
  private poolBatch = 0;

  constructor(plan: NetPlan, net: DnnNet, file: string, opts: RecognizerOptions) {
    this.plan = plan;
    this.net = net;
    this.file = file;
    this.threads = opts.threads ?? 1;
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`threads must be a positive integer, got ${String(opts.threads)}`);
    const { engine, note } = chooseEngine(opts);
    this.engine = engine;
    this.backend = backendOf(engine);
    this.note = note;
    this.layout = layoutPlan(plan, { chip: { nr: FACE_CHIP_SIZE, nc: FACE_CHIP_SIZE } });
  }

  describe(chip: RgbImage): Float32Array {
    return this.describeBatch([chip], { batchSize: 1 })[0];
  }

  describeBatch(chips: readonly RgbImage[], opts: DescribeBatchOptions = {}): Float32Array[] {
    const batchSize = this.checkBatch(chips, opts);
    const jitter = checkJitter(opts);
    if (jitter > 1) {
      // dlib: for each chip, mean(mat(net(jitter_image(chip, num_jitters), 16)))
      const rng = opts.rng ?? this.rng;
      return chips.map((chip) => meanDescriptor(this.forward(jitterCopies(chip, jitter, rng), batchSize)));
    }
    return this.forward(chips, batchSize);
  }

  /** `net(chips, batchSize)`: the descriptors of the chips, batchSize at a time. */
  private forward(chips: readonly RgbImage[], batchSize: number): Float32Array[] {
    const out: Float32Array[] = [];
    if (chips.length === 0) return out;
    const engine = this.engineFor(Math.min(batchSize, chips.length));
    for (let i = 0; i < chips.length; i += batchSize) {
      for (const d of engine.run(chips.slice(i, i + batchSize))) out.push(d);
    }
    return out;
  }

  async describeBatchAsync(chips: readonly RgbImage[], opts: DescribeBatchOptions = {}): Promise<Float32Array[]> {
    if (this.threads === 1 || this.engine !== 'wasm-kernels') return this.describeBatch(chips, opts);
    const batchSize = this.checkBatch(chips, opts);
    const jitter = checkJitter(opts);
    if (chips.length === 0) return [];
    const pool = this.poolFor(batchSize);
    if (jitter > 1) {
      // Every draw now, in describeBatch's order, before the first await: concurrent calls on
      // one generator cannot interleave, and the copies do not depend on the threads' timing.
      const draws = drawCopies(chips, jitter, opts.rng ?? this.rng);
      const out: Float32Array[] = [];
      for (let i = 0; i < chips.length; i++) {
        out.push(meanDescriptor(await (await pool).forward(draws[i]!.map((d) => applyJitter(chips[i]!, d)))));
      }
      return out;
    }
    return (await pool).forward(chips);
  }

  /** The worker pool for batchSize (started, or restarted for another batch size). */
  private poolFor(batchSize: number): Promise<ParallelForward> {
    if (this.pool === undefined || this.poolBatch !== batchSize) {
      this.closePool();
      const pool = createParallelForward({ threads: this.threads, maxBatch: batchSize, modelBytes: writeDnnNet(this.net), modelPath: this.file });
      pool.catch(() => {
        if (this.pool === pool) this.pool = undefined;
      });
      this.pool = pool;
      this.poolBatch = batchSize;
    }
    return this.pool;
  }

  private closePool(): void {
    const pool = this.pool;
    this.pool = undefined;
    pool?.then((p) => p.close(), () => undefined);
  }

  /** Checks describeBatch's arguments; returns the batch size. */
  private checkBatch(chips: readonly RgbImage[], opts: DescribeBatchOptions): number {
    const batchSize = opts.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`describeBatch: batchSize must be a positive integer, got ${batchSize}`);
    const { chipRows: nr, chipCols: nc } = this.layout;
    chips.forEach((c, i) => {
      if (c === null || typeof c !== 'object' || !(c.data instanceof Uint8Array) || c.width !== nc || c.height !== nr || c.data.length !== nr * nc * 3) {
        const got = c !== null && typeof c === 'object' && c.data !== undefined ? `${c.width}x${c.height} with ${c.data.length} bytes` : String(c);
        throw new RangeError(`describe: face chips must be ${nc}x${nr} RGB images (${nr * nc * 3} bytes, as extractImageChip makes them); chip ${i} is ${got}`);
      }
    });
    return batchSize;
  }

  memory(): RecognizerMemory {
    const e = this.current;
    return { arenaBytes: e?.arenaBytes() ?? 0, wasmBytes: e?.wasmBytes() ?? 0, deviceBytes: e?.deviceBytes() ?? 0, capacity: e?.capacity ?? 0 };
  }

  dispose(): void {
    this.current?.release();
    this.current = undefined;
    this.closePool();
  }

  /** An engine holding at least n chips: the current one, or a new one (the old one released first). */
  private engineFor(n: number): Engine {
    if (this.current !== undefined && this.current.capacity >= n) return this.current;
    this.current?.release();
    this.current = undefined;
    switch (this.engine) {
      case 'reference': this.current = new ReferenceEngine(this.plan, this.layout, n); break;
      case 'wasm-kernels': this.current = new WasmKernelsEngine(this.plan, n); break;
      case 'cuda':
        this.cudaProgram ??= cudaProgram(this.plan);
        this.current = new CudaEngine(this.cudaProgram, n);
        break;
    }
    return this.current;
  }
}

/** DescribeBatchOptions.jitter, checked: a non-negative integer (0 when absent). */
function checkJitter(opts: DescribeBatchOptions): number {
  const jitter = opts.jitter ?? 0;
  if (!Number.isInteger(jitter) || jitter < 0) throw new RangeError(`describeBatch: jitter must be a non-negative integer, got ${String(opts.jitter)}`);
  if (opts.rng !== undefined && !(opts.rng instanceof DlibRand)) throw new TypeError('describeBatch: rng must be a DlibRand');
  return jitter;
}

/** dlib's Python `jitter_image(img, num_jitters)` helper: n jitter_image copies, in order, from one generator. */
function jitterCopies(chip: RgbImage, n: number, rng: DlibRand): RgbImage[] {
  const crops: RgbImage[] = [];
  for (let i = 0; i < n; i++) crops.push(jitterImage(chip, rng));
  return crops;
}

/** The draws jitterCopies would make for each chip in turn (n per chip), without the crops. */
function drawCopies(chips: readonly RgbImage[], n: number, rng: DlibRand): JitterDraw[][] {
  return chips.map((chip) => Array.from({ length: n }, () => drawJitter(chip.width, rng)));
}

/**
 * dlib's `mean(mat(descriptors))` for float vectors: `sum` adds the vectors in order to a
 * vector of zeros, in float32; `/ n` on a float matrix is a multiplication by `1.0f / float(n)`
 * (matrix.h's operator/ for non-integer element types).
 */
function meanDescriptor(descriptors: readonly Float32Array[]): Float32Array {
  const len = descriptors[0]!.length;
  const sum = new Float32Array(len);
  for (const d of descriptors) for (let k = 0; k < len; k++) sum[k] = sum[k]! + d[k]!;
  const inv = Math.fround(1 / Math.fround(descriptors.length));
  for (let k = 0; k < len; k++) sum[k] = sum[k]! * inv;
  return sum;
}

/**
 * A recognizer for an already parsed network (dlib's face ResNet, anet_type).
 * Throws a FacemetricError naming `file` when the network is not one the recognizer runs.
 */
export function createFaceRecognizer(net: DnnNet, opts: RecognizerOptions = {}, file = '<in memory>'): FaceRecognizer {
  if (!hasAnetStructure(net)) {
    throw new FacemetricError("not dlib's face recognition ResNet (anet_type: the layers or their sizes differ)", { file });
  }
  let plan: NetPlan;
  try {
    plan = planNetwork(net);
  } catch (e) {
    throw new FacemetricError(`cannot run this network: ${(e as Error).message}`, { file });
  }
  return new Recognizer(plan, net, file, opts);
}

/**
 * Loads dlib's face recognition ResNet (default: `assetPath('dlib_face_recognition_resnet_model_v1')`).
 * Model file problems (missing, unreadable, not a dlib network, another network) are
 * FacemetricErrors naming the file.
 */
export function loadFaceRecognizer(path?: string, opts: RecognizerOptions = {}): FaceRecognizer {
  const file = path ?? assetPath('dlib_face_recognition_resnet_model_v1');
  return createFaceRecognizer(readDnnNet(readModelFile(file, 'the face recognition network'), file), opts, file);
}
