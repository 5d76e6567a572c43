/**
 * The face ResNet's WebAssembly forward pass (createWasmForward, forward-wasm.ts) on several
 * cores: a pool of worker_threads, each with its own parsed network, plan and kernel instance
 * (its own WebAssembly memory, ~30 MB), fed contiguous chunks of each call's chips.
 *
 * ## Chunking rule (what the descriptors equal)
 *
 * `forward(chips)` with n chips and T workers cuts the chips into c = min(T, n) contiguous
 * chunks of balanced sizes (ceil(n / c) for the first n mod c chunks, floor(n / c) for the rest)
 * and runs chunk j on one worker as `createWasmForward(plan, { maxBatch, flavour }).forward(chunk j)`,
 * i.e. in batches of `maxBatch` chips, the last one partial. The descriptors are therefore
 * bit-identical to a single-threaded createWasmForward with the same maxBatch and flavour run
 * on each chunk separately (tested). In the plain SIMD build they are also identical to one
 * single-threaded run on all n chips, whatever the batch sizes: the GEMM sums every element in
 * dlib's order for every N (assembly/gemm.ts), so a descriptor does not depend on the batch it
 * ran in. (In the relaxed build fused multiply-adds may make the last bits depend on it.)
 *
 * threads = 1 runs in this process (no worker), as one chunk: exactly createWasmForward's
 * `forward(chips)`.
 *
 * ## Transfers
 *
 * The model file is read once here into a SharedArrayBuffer that every worker parses (no copy
 * per worker); weights are then copied into each worker's WebAssembly memory. Each chunk's chip
 * pixels are copied into one fresh ArrayBuffer that is transferred (the caller's chips stay
 * usable; ~1 MB of memcpy for 16 chips against ~200 ms of compute); each chunk's descriptors come
 * back as one transferred Float32Array, sliced per chip.
 *
 * ## Lifetime
 *
 * Idle workers are unref'd: an idle pool does not keep the process alive; a worker with work
 * in flight is ref'd until its answer arrives. `close()` terminates the workers. A worker that
 * dies (crash, out of memory) rejects its pending calls and every later call.
 *
 * ## Running from the TypeScript sources
 *
 * From dist/ the worker is the compiled parallel-worker.js next to this file. When this module
 * runs as .ts (vitest, ts loaders), the worker is started from a small bootstrap that registers
 * module hooks transpiling the .ts sources with the `typescript` package (a devDependency), as
 * Node 20 cannot run .ts itself; startup is then ~1-2 s slower per worker.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readDnnNet } from '../dlib/dnn.js';
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { assetPath, readModelFile } from '../models/index.js';
import { relaxedSimdSupported, type WasmFlavour } from '../wasm/index.js';
import { createWasmForward } from './forward-wasm.js';
import { planNetwork } from './net.js';

export interface ParallelForwardOptions {
  /** The network file (default: assetPath('dlib_face_recognition_resnet_model_v1')). */
  modelPath?: string;
  /**
   * The network file's bytes, already read (e.g. writeDnnNet(net) of a parsed network): used
   * instead of reading `modelPath`, which then only names the network in messages.
   */
  modelBytes?: Uint8Array;
  /** Worker threads (default min(2, os.availableParallelism())); 1 runs in this process. */
  threads?: number;
  /** Most chips per batch in each worker (createWasmForward's maxBatch). Default 16. */
  maxBatch?: number;
  /** The kernel build (default: the best this engine runs, decided in this thread). */
  flavour?: WasmFlavour;
}

/** Counters since creation (CPU times per thread where the OS tells: Linux; NaN elsewhere). */
export interface ParallelForwardStats {
  /** forward() calls and chips run. */
  calls: number;
  chips: number;
  /** CPU ms each thread spent in forward passes (index: worker; threads = 1: this thread). */
  cpuMs: number[];
  /** Ms each thread waited for a CPU during forward passes (a busy machine; see threadTimes). */
  waitMs: number[];
  /** Wall ms createParallelForward took (read, parse, plan, kernel instances, workers started). */
  startupMs: number;
  /** CPU ms each thread spent setting up (parse, plan, kernels; with module loading for workers). */
  setupCpuMs: number[];
}

export interface ParallelForward {
  /** The network's output (128-D descriptors) for each chip, in input order. See the chunking rule. */
  forward(chips: readonly RgbImage[]): Promise<Float32Array[]>;
  /** Terminates the workers (releases the in-process instance); pending and later calls reject. Idempotent. */
  close(): Promise<void>;
  readonly threads: number;
  readonly maxBatch: number;
  readonly flavour: WasmFlavour;
  stats(): ParallelForwardStats;
}

// ---- the protocol between this module and parallel-worker.ts

/** workerData of a pool worker. */
export interface ParallelWorkerData {
  facemetricParallelWorker: true;
  /** The model file's bytes (shared, parsed in place) and its name for messages. */
  modelBytes: SharedArrayBuffer;
  file: string;
  maxBatch: number;
  flavour: WasmFlavour;
  /** src mode only: the worker module to import after registering the hooks. */
  entry?: string;
}

/** A chunk to run: chip i is pixels[offsets[i], offsets[i + 1]), widths[i] x heights[i]. */
export interface ParallelRequest {
  id: number;
  widths: number[];
  heights: number[];
  offsets: number[];
  pixels: ArrayBuffer;
}

export type ParallelReply =
  | { type: 'ready'; flavour: WasmFlavour; setupCpuMs: number }
  | { type: 'init-error'; name: string; message: string }
  | { type: 'result'; id: number; outputs: Float32Array; size: number; cpuMs: number; waitMs: number }
  | { type: 'error'; id: number; name: string; message: string };

/**
 * This thread's scheduler times in ms (Linux: /proc/thread-self/schedstat, ns): CPU time run,
 * and time spent runnable but waiting for a CPU (high when the machine is busy). NaN elsewhere.
 */
export function threadTimes(): { cpuMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return { cpuMs: NaN, waitMs: NaN };
  }
}

// ---- module hooks for running the worker from .ts sources (see the module comment)

const TS_HOOKS = `
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
let ts;
export async function initialize(data) { ts = (await import(data.typescript)).default; }
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.startsWith('file:') && parent.endsWith('.ts') &&
      (specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
    const js = new URL(specifier, parent);
    if (!existsSync(fileURLToPath(js))) {
      const tsUrl = new URL(specifier.slice(0, -3) + '.ts', parent);
      if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const out = ts.transpileModule(await readFile(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    return { format: 'module', source: out.outputText, shortCircuit: true };
  }
  return next(url, context);
}
`;

const TS_BOOT = `
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
register(workerData.hooks, { data: { typescript: workerData.typescript } });
await import(workerData.entry);
`;

const dataUrl = (js: string): string => `data:text/javascript,${encodeURIComponent(js)}`;

/** The worker script and the extra workerData it needs, for dist (.js) or source (.ts) runs. */
function workerScript(): { url: URL; extra: Record<string, string> } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { url: new URL('./parallel-worker.js', here), extra: {} };
  let typescript: string;
  try {
    typescript = pathToFileURL(createRequire(here).resolve('typescript')).href;
  } catch {
    throw new FacemetricError('createParallelForward: running from the .ts sources needs the typescript package to load the worker (npm install, or use the compiled dist/)');
  }
  return {
    url: new URL(dataUrl(TS_BOOT)),
    extra: { hooks: dataUrl(TS_HOOKS), typescript, entry: new URL('./parallel-worker.ts', here).href },
  };
}

// ---- the pool

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`createParallelForward: ${name} must be a positive integer, got ${v}`);
  return v;
}

function checkChips(chips: readonly RgbImage[]): void {
  if (!Array.isArray(chips)) throw new TypeError('forward: chips must be an array of RGB images');
  chips.forEach((c, i) => {
    if (c === null || typeof c !== 'object' || !(c.data instanceof Uint8Array)) {
      throw new TypeError(`forward: chip ${i} is not an RGB image ({ width, height, data: Uint8Array })`);
    }
  });
}

/** Balanced contiguous chunk sizes: n chips in min(parts, n) chunks, larger ones first. */
export function chunkSizes(n: number, parts: number): number[] {
  const c = Math.min(parts, n);
  if (c <= 0) return [];
  const base = Math.floor(n / c);
  const extra = n - base * c;
  return Array.from({ length: c }, (_, j) => base + (j < extra ? 1 : 0));
}

function errorFrom(name: string, message: string): Error {
  if (name === 'RangeError') return new RangeError(message);
  if (name === 'TypeError') return new TypeError(message);
  return new FacemetricError(message);
}

/**
 * Starts a pool of `threads` workers, each running the face ResNet (or another sized network
 * planNetwork runs) with its own createWasmForward; resolves when every worker is ready.
 * Rejects (and stops the workers started) when the model cannot be read or a worker fails to
 * start, with the worker's message.
 */
export async function createParallelForward(options: ParallelForwardOptions = {}): Promise<ParallelForward> {
  const t0 = performance.now();
  const threads = positiveInt('threads', options.threads ?? Math.max(1, Math.min(2, availableParallelism())));
  const maxBatch = positiveInt('maxBatch', options.maxBatch ?? 16);
  const flavour: WasmFlavour = options.flavour ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
  if (flavour !== 'simd' && flavour !== 'relaxed') throw new RangeError(`createParallelForward: flavour must be 'simd' or 'relaxed', got '${String(flavour)}'`);
  const file = options.modelPath ?? (options.modelBytes !== undefined ? '<in memory>' : assetPath('dlib_face_recognition_resnet_model_v1'));
  if (options.modelBytes !== undefined && !(options.modelBytes instanceof Uint8Array)) {
    throw new TypeError('createParallelForward: modelBytes must be a Uint8Array');
  }
  const bytes = options.modelBytes ?? readModelFile(file, 'the face recognition network');
  const stats: ParallelForwardStats = {
    calls: 0, chips: 0, cpuMs: new Array(threads).fill(0), waitMs: new Array(threads).fill(0), startupMs: 0, setupCpuMs: [],
  };
  const snapshot = (): ParallelForwardStats => ({
    ...stats, cpuMs: [...stats.cpuMs], waitMs: [...stats.waitMs], setupCpuMs: [...stats.setupCpuMs],
  });

  if (threads === 1) {
    const c0 = threadTimes().cpuMs;
    let fw: ReturnType<typeof createWasmForward> | undefined = createWasmForward(planNetwork(readDnnNet(bytes, file)), { maxBatch, flavour });
    stats.setupCpuMs = [threadTimes().cpuMs - c0];
    stats.startupMs = performance.now() - t0;
    return {
      threads, maxBatch, flavour,
      async forward(chips) {
        checkChips(chips);
        if (fw === undefined) throw new FacemetricError('createParallelForward: forward() after close()');
        const t = threadTimes();
        const out = fw.forward(chips);
        const u = threadTimes();
        stats.cpuMs[0] += u.cpuMs - t.cpuMs;
        stats.waitMs[0] += u.waitMs - t.waitMs;
        stats.calls++;
        stats.chips += chips.length;
        return out;
      },
      async close() {
        fw?.release();
        fw = undefined;
      },
      stats: snapshot,
    };
  }

  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  const script = workerScript();

  interface Pending { resolve(v: Float32Array[]): void; reject(e: Error): void; first: number; count: number }
  interface Slot { worker: Worker; index: number; pending: Map<number, Pending>; load: number }
  let nextId = 1;
  let closed = false;
  let broken: string | undefined;
  const slots: Slot[] = [];

  const settleIdle = (slot: Slot): void => {
    if (slot.pending.size === 0) slot.worker.unref();
  };
  const failAll = (why: string): void => {
    broken ??= why;
    for (const s of slots) {
      for (const p of s.pending.values()) p.reject(new FacemetricError(why));
      s.pending.clear();
      s.load = 0;
      s.worker.unref();
    }
  };

  const ready: Promise<void>[] = [];
  for (let index = 0; index < threads; index++) {
    const data: ParallelWorkerData & Record<string, unknown> = {
      facemetricParallelWorker: true, modelBytes: shared, file, maxBatch, flavour, ...script.extra,
    };
    const worker = new Worker(script.url, { workerData: data });
    const slot: Slot = { worker, index, pending: new Map(), load: 0 };
    slots.push(slot);
    ready.push(new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: ParallelReply) => {
        switch (msg.type) {
          case 'ready':
            started = true;
            stats.setupCpuMs[index] = msg.setupCpuMs;
            resolve();
            break;
          case 'init-error':
            reject(errorFrom(msg.name, `createParallelForward: worker ${index + 1} of ${threads} could not start: ${msg.message}`));
            break;
          case 'result':
          case 'error': {
            const p = slot.pending.get(msg.id);
            if (p === undefined) break;
            slot.pending.delete(msg.id);
            slot.load -= p.count;
            settleIdle(slot);
            if (msg.type === 'error') {
              p.reject(errorFrom(msg.name, `forward: worker ${index + 1} of ${threads}, chips ${p.first}..${p.first + p.count - 1} of the call: ${msg.message}`));
              break;
            }
            stats.cpuMs[index] += msg.cpuMs;
            stats.waitMs[index] += msg.waitMs;
            const out: Float32Array[] = [];
            for (let i = 0; i < p.count; i++) out.push(msg.outputs.slice(i * msg.size, (i + 1) * msg.size));
            p.resolve(out);
            break;
          }
        }
      });
      worker.on('error', (e: Error) => {
        const why = `createParallelForward: worker ${index + 1} of ${threads} failed: ${e.message}`;
        if (!started) reject(new FacemetricError(why, { cause: e }));
        else failAll(why);
      });
      worker.on('exit', (code) => {
        if (closed) return;
        const why = `createParallelForward: worker ${index + 1} of ${threads} exited (code ${code})`;
        if (!started) reject(new FacemetricError(why));
        else failAll(why);
      });
    }));
  }
  try {
    await Promise.all(ready);
  } catch (e) {
    closed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw e;
  }
  for (const s of slots) s.worker.unref();
  stats.startupMs = performance.now() - t0;

  /** Sends chips[first, first + count) to the least loaded worker. */
  const runChunk = (chips: readonly RgbImage[], first: number, count: number): Promise<Float32Array[]> => {
    let slot = slots[0];
    for (const s of slots) if (s.load < slot.load) slot = s;
    const widths: number[] = [];
    const heights: number[] = [];
    const offsets: number[] = [0];
    for (let i = first; i < first + count; i++) {
      widths.push(chips[i].width);
      heights.push(chips[i].height);
      offsets.push(offsets[offsets.length - 1] + chips[i].data.length);
    }
    const pixels = new ArrayBuffer(offsets[count]);
    const view = new Uint8Array(pixels);
    for (let i = 0; i < count; i++) view.set(chips[first + i].data, offsets[i]);
    const id = nextId++;
    const req: ParallelRequest = { id, widths, heights, offsets, pixels };
    return new Promise<Float32Array[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, first, count });
      slot.load += count;
      slot.worker.ref();
      slot.worker.postMessage(req, [pixels]);
    });
  };

  return {
    threads, maxBatch, flavour,
    async forward(chips) {
      checkChips(chips);
      if (closed) throw new FacemetricError('createParallelForward: forward() after close()');
      if (broken !== undefined) throw new FacemetricError(broken);
      const parts: Promise<Float32Array[]>[] = [];
      let first = 0;
      for (const count of chunkSizes(chips.length, threads)) {
        parts.push(runChunk(chips, first, count));
        first += count;
      }
      const out = (await Promise.all(parts)).flat();
      stats.calls++;
      stats.chips += chips.length;
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of slots) {
        for (const p of s.pending.values()) p.reject(new FacemetricError('createParallelForward: closed while a forward() was running'));
        s.pending.clear();
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
    stats: snapshot,
  };
}
