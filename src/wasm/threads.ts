/**
 * Worker threads that run kernels on one shared WebAssembly memory: the caller's thread and
 * `threads - 1` workers each hold an instance of the same threads build (WasmKernels.load with
 * `shared`) on the same memory, so a kernel call can be cut into parts that run at once on the
 * same operands, with no copies. Used to split a GEMM's output columns (or rows) between threads
 * (dnn/gemm-wasm.ts, dnn/gemm-blas-wasm.ts): every output element is still computed by one
 * thread with the same float operations in the same order, so the result is bit-identical to one
 * thread's.
 *
 * ## Protocol
 *
 * Each worker has a control block in a SharedArrayBuffer: a posted sequence number, a done
 * sequence number, the export to call, an error flag and the call's arguments (float64). {@link
 * KernelThreads.run} is synchronous: it posts each worker's part (Atomics.notify), runs its own
 * part on the caller's instance, then waits (Atomics.wait) until every worker has marked its
 * part done. Workers wait on their block between calls (no spinning, no CPU while idle).
 * Atomics.wait on the calling thread is allowed in Node, Bun, Deno and in browsers' workers, not
 * on a browser's main thread.
 *
 * Workers never allocate: the caller owns the memory (WasmKernels.alloc) and gives each part its
 * own scratch. Only the caller grows the memory; workers see the new size at once (shared).
 *
 * ## Lifetime
 *
 * Workers are unref'd (an idle pool does not keep the process alive); {@link KernelThreads.close}
 * stops them. A trap in a worker's part (e.g. out of bounds) makes `run` throw, naming it.
 */
import { Worker } from 'node:worker_threads';
import { FacemetricError } from '../errors.js';
import { WasmKernels, type WasmFlavour } from './index.js';

/** Int32 slots of a control block; the arguments follow as float64 from byte ARGS_BYTE. */
const POSTED = 0;
const DONE = 1;
const FN = 2;
const ERROR = 3;
const NARGS = 4;
const ARGS_BYTE = 32;
const MAX_ARGS = 24;
const BLOCK_BYTES = ARGS_BYTE + MAX_ARGS * 8;
/**
 * Loads of a control word before sleeping on it (Atomics.wait): a GEMM's parts come in bursts,
 * and waking a sleeping thread costs tens of microseconds; this is a few microseconds of spin.
 */
const SPIN = 20000;
/** FN value that stops a worker. */
const STOP = -1;

/**
 * The worker, as plain JavaScript run with `eval` (no file to find from dist/ or from the .ts
 * sources): instantiate the module on the shared memory, say ready, then serve calls.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => instance.exports[n]);
const ctl = new Int32Array(control, 0, ${ARGS_BYTE / 4});
const args = new Float64Array(control, ${ARGS_BYTE}, ${MAX_ARGS});
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  for (let i = 0; i < ${SPIN} && Atomics.load(ctl, ${POSTED}) === seen; i++);
  Atomics.wait(ctl, ${POSTED}, seen);
  const seq = Atomics.load(ctl, ${POSTED});
  if (seq === seen) continue;
  seen = seq;
  const fn = ctl[${FN}];
  if (fn === ${STOP}) break;
  try {
    fns[fn](...args.subarray(0, ctl[${NARGS}]));
    ctl[${ERROR}] = 0;
  } catch (e) {
    ctl[${ERROR}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

interface ThreadSlot {
  worker: Worker;
  ctl: Int32Array;
  args: Float64Array;
}

/** A kernel call's arguments (numbers; booleans as 0/1), one list per part. */
export type KernelArgs = readonly number[];

/** The kernels on one shared memory, run by this thread and `size - 1` workers. */
export class KernelThreads {
  /** The caller's instance: allocate with it, run kernels with it, as any WasmKernels. */
  readonly kernels: WasmKernels;
  /** Threads in all, the caller's included. */
  readonly size: number;
  private readonly slots: ThreadSlot[];
  private readonly names: readonly string[];
  private seq = 0;
  private closed = false;

  private constructor(kernels: WasmKernels, slots: ThreadSlot[], names: readonly string[]) {
    this.kernels = kernels;
    this.slots = slots;
    this.names = names;
    this.size = slots.length + 1;
  }

  /**
   * Starts `threads - 1` workers (threads >= 1) on a fresh shared instance of the kernels
   * (`flavour` forces a build, else the best the engine runs), able to call the exports `names`.
   * Resolves once every worker has instantiated the module. Throws FacemetricError where the
   * threads build is missing or the engine has no shared WebAssembly memory.
   */
  static async start(threads: number, names: readonly string[], flavour?: WasmFlavour): Promise<KernelThreads> {
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`threads must be an integer from 1 to 256, got ${threads}`);
    const kernels = WasmKernels.load(flavour, { shared: true });
    const ex = kernels.exports as unknown as Record<string, unknown>;
    for (const n of names) {
      if (typeof ex[n] !== 'function') throw new FacemetricError(`the WebAssembly kernels have no export ${n}; run: npm run build:wasm`);
    }
    const slots: ThreadSlot[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const control = new SharedArrayBuffer(BLOCK_BYTES);
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module: kernels.module, memory: kernels.sharedMemory, control, names: [...names] },
        });
        slots.push({ worker, ctl: new Int32Array(control, 0, ARGS_BYTE / 4), args: new Float64Array(control, ARGS_BYTE, MAX_ARGS) });
      }
      await Promise.all(slots.map(({ worker }, i) => new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', (e) => reject(new FacemetricError(`kernel thread ${i + 1} failed to start: ${e.message}`)));
        worker.once('exit', (code) => reject(new FacemetricError(`kernel thread ${i + 1} exited at start (code ${code})`)));
      })));
    } catch (e) {
      await Promise.all(slots.map(({ worker }) => worker.terminate()));
      throw e;
    }
    for (const { worker } of slots) {
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      worker.unref();
    }
    return new KernelThreads(kernels, slots, names);
  }

  /**
   * Calls export `name` once per entry of `parts`, at once: parts[0] on this thread, parts[t] on
   * worker t (an undefined entry: that thread sits this call out). Returns when every part is
   * done. Requires: parts.length <= size; the parts write disjoint memory. Throws
   * FacemetricError if a part trapped (after all parts are done).
   */
  run(name: string, parts: readonly (KernelArgs | undefined)[]): void {
    if (this.closed) throw new FacemetricError('kernel threads used after close()');
    const fn = this.names.indexOf(name);
    if (fn < 0) throw new RangeError(`kernel threads: ${name} is not one of the exports they were started with`);
    if (parts.length > this.size) throw new RangeError(`kernel threads: ${parts.length} parts for ${this.size} threads`);
    const seq = ++this.seq;
    const posted: ThreadSlot[] = [];
    for (let t = 1; t < parts.length; t++) {
      const a = parts[t];
      if (a === undefined) continue;
      if (a.length > MAX_ARGS) throw new RangeError(`kernel threads: ${a.length} arguments, at most ${MAX_ARGS}`);
      const s = this.slots[t - 1]!;
      s.args.set(a);
      s.ctl[FN] = fn;
      s.ctl[NARGS] = a.length;
      Atomics.store(s.ctl, POSTED, seq);
      Atomics.notify(s.ctl, POSTED);
      posted.push(s);
    }
    let own: unknown;
    const a0 = parts[0];
    if (a0 !== undefined) {
      try {
        (this.kernels.exports as unknown as Record<string, (...x: number[]) => void>)[name]!(...a0);
      } catch (e) {
        own = e;
      }
    }
    let failed = 0;
    for (const s of posted) {
      for (let i = 0; i < SPIN && Atomics.load(s.ctl, DONE) !== seq; i++);
      for (let d = Atomics.load(s.ctl, DONE); d !== seq; d = Atomics.load(s.ctl, DONE)) Atomics.wait(s.ctl, DONE, d);
      failed += s.ctl[ERROR]!;
    }
    if (own !== undefined) throw own;
    if (failed > 0) throw new FacemetricError(`kernel threads: ${name} trapped in ${failed} worker thread(s)`);
  }

  /** Stops the workers (idempotent). The kernels instance stays usable on this thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      s.ctl[FN] = STOP;
      Atomics.store(s.ctl, POSTED, ++this.seq);
      Atomics.notify(s.ctl, POSTED);
    }
    await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
  }
}

/**
 * [start, length] of `parts` contiguous pieces of 0 .. n, balanced, every length a multiple of
 * `align` but the last piece's; fewer pieces where n has fewer than `parts` aligned units.
 */
export function splitRange(n: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(n / align);
  const p = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < p; i++) {
    const u = Math.floor((units * (i + 1)) / p) - Math.floor((units * i) / p);
    const len = Math.min(u * align, n - start);
    out.push([start, len]);
    start += len;
  }
  return out;
}
