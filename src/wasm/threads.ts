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
 * A call ({@link KernelThreads.run}) is a list of parts: calls of one export with their own
 * arguments, written to a shared table. Every thread, the caller's included, takes the next part
 * not yet taken (Atomics.add on a shared counter) until none is left, so a thread slowed down by
 * the machine's other work simply takes fewer parts. Which thread runs which part does not
 * matter to the result: parts write disjoint memory, and one argument may be marked as the
 * scratch, which each thread replaces by its own. `run` is synchronous: it wakes the workers
 * (Atomics.notify on their control blocks), works through parts itself, then waits (Atomics.wait)
 * until every worker has seen the list run out. Between calls workers spin briefly, then sleep
 * on their block (no CPU while idle). Atomics.wait on the calling thread is allowed in Node, Bun,
 * Deno and in browsers' workers, not on a browser's main thread.
 *
 * Workers never allocate: the caller owns the memory (WasmKernels.alloc) and gives each thread
 * its own scratch. Only the caller grows the memory; workers see the new size at once (shared).
 *
 * ## Lifetime
 *
 * Workers are unref'd (an idle pool does not keep the process alive); {@link KernelThreads.close}
 * stops them. A trap in a worker's part (e.g. out of bounds) makes `run` throw, naming it. A
 * worker that dies outright (process.exit, an exception outside a part) says so on its control
 * block as it exits (its `process` 'exit' event: the DEAD slot, and DONE moved so that a waiting
 * `run` wakes): `run` then throws, once the live threads are done, and so does every later `run`
 * (close them and start new threads). One stopped from outside (worker.terminate()) is seen by
 * its 'exit' event on this thread, between calls: the next `run` throws.
 */
import { Worker } from 'node:worker_threads';
import { FacemetricError } from '../errors.js';
import { WasmKernels, type WasmFlavour } from './index.js';

/**
 * Int32 slots of a worker's control block (posted and done sequence numbers, error flag, and
 * DEAD: 0 while the worker lives, its exit code + 1 once it has died), then its scratch (float64).
 */
const POSTED = 0;
const DONE = 1;
const ERROR = 2;
const DEAD = 3;
/** DONE's value once the worker has died (no sequence number: `run` numbers calls from 1). */
const DONE_DEAD = -1;
const CTL_BYTES = 16;
const BLOCK_BYTES = CTL_BYTES + 8;
/** Int32 slots of the shared job header: next part, part count, export, argument count, scratch argument (-1: none). */
const NEXT = 0;
const COUNT = 1;
const FN = 2;
const NARGS = 3;
const SCRATCH_ARG = 4;
const JOB_HEADER_BYTES = 32;
/** Most parts of one call, and arguments of one part. */
export const MAX_PARTS = 256;
const MAX_ARGS = 16;
const JOB_BYTES = JOB_HEADER_BYTES + MAX_PARTS * MAX_ARGS * 8;
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
const { module, memory, control, job, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => instance.exports[n]);
const ctl = new Int32Array(control, 0, ${CTL_BYTES / 4});
const scratch = new Float64Array(control, ${CTL_BYTES}, 1);
const head = new Int32Array(job, 0, ${JOB_HEADER_BYTES / 4});
const table = new Float64Array(job, ${JOB_HEADER_BYTES}, ${MAX_PARTS * MAX_ARGS});
process.on('exit', (code) => {
  Atomics.store(ctl, ${DEAD}, code + 1);
  Atomics.store(ctl, ${DONE}, ${DONE_DEAD});
  Atomics.notify(ctl, ${DONE});
});
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  for (let i = 0; i < ${SPIN} && Atomics.load(ctl, ${POSTED}) === seen; i++);
  Atomics.wait(ctl, ${POSTED}, seen);
  const seq = Atomics.load(ctl, ${POSTED});
  if (seq === seen) continue;
  seen = seq;
  const fn = head[${FN}];
  if (fn === ${STOP}) break;
  const f = fns[fn];
  const count = head[${COUNT}], nargs = head[${NARGS}], sa = head[${SCRATCH_ARG}];
  let error = 0;
  for (let p = Atomics.add(head, ${NEXT}, 1); p < count; p = Atomics.add(head, ${NEXT}, 1)) {
    const a = Array.from(table.subarray(p * ${MAX_ARGS}, p * ${MAX_ARGS} + nargs));
    if (sa >= 0) a[sa] = scratch[0];
    try {
      f(...a);
    } catch (e) {
      error = 1;
    }
  }
  ctl[${ERROR}] = error;
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

interface ThreadSlot {
  worker: Worker;
  ctl: Int32Array;
  scratch: Float64Array;
  /** Set by the worker's 'exit' event on this thread (seen between calls). */
  exited?: number;
}

/** A kernel call's arguments (numbers; booleans as 0/1). */
export type KernelArgs = readonly number[];

/** Options of {@link KernelThreads.run}. */
export interface RunOptions {
  /**
   * The argument that each thread sets to its own scratch (`perThread[t]`: the caller's thread
   * is 0, worker t is t), whichever parts it runs.
   */
  scratch?: { arg: number; perThread: readonly number[] };
}

/** The kernels on one shared memory, run by this thread and `size - 1` workers. */
export class KernelThreads {
  /** The caller's instance: allocate with it, run kernels with it, as any WasmKernels. */
  readonly kernels: WasmKernels;
  /** Threads in all, the caller's included. */
  readonly size: number;
  private readonly slots: ThreadSlot[];
  private readonly names: readonly string[];
  private readonly head: Int32Array;
  private readonly table: Float64Array;
  private seq = 0;
  private closed = false;

  private constructor(kernels: WasmKernels, slots: ThreadSlot[], names: readonly string[], job: SharedArrayBuffer) {
    this.kernels = kernels;
    this.slots = slots;
    this.names = names;
    this.size = slots.length + 1;
    this.head = new Int32Array(job, 0, JOB_HEADER_BYTES / 4);
    this.table = new Float64Array(job, JOB_HEADER_BYTES, MAX_PARTS * MAX_ARGS);
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
    const job = new SharedArrayBuffer(JOB_BYTES);
    const slots: ThreadSlot[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const control = new SharedArrayBuffer(BLOCK_BYTES);
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module: kernels.module, memory: kernels.sharedMemory, control, job, names: [...names] },
        });
        slots.push({ worker, ctl: new Int32Array(control, 0, CTL_BYTES / 4), scratch: new Float64Array(control, CTL_BYTES, 1) });
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
    for (const slot of slots) {
      slot.worker.removeAllListeners();
      slot.worker.on('error', () => undefined);
      slot.worker.on('exit', (code) => { slot.exited = code; });
      slot.worker.unref();
    }
    return new KernelThreads(kernels, slots, names, job);
  }

  /**
   * Calls export `name` once per entry of `parts` (each its arguments), the parts shared out
   * between the threads as they become free (see the module comment); returns when every part is
   * done. Requires: the parts write disjoint memory (and their scratch, if any, is given as
   * `options.scratch`); at most {@link MAX_PARTS} parts of at most 16 arguments, all of one
   * length. Throws FacemetricError if a part trapped (after all parts are done), or if a worker
   * thread has died (then the parts it took are not done; see the module comment).
   */
  run(name: string, parts: readonly KernelArgs[], options: RunOptions = {}): void {
    if (this.closed) throw new FacemetricError('kernel threads used after close()');
    const gone = this.slots.findIndex((s) => s.exited !== undefined || Atomics.load(s.ctl, DEAD) !== 0);
    if (gone >= 0) throw new FacemetricError(`kernel threads: worker thread ${gone + 1} has died (${this.exitOf(gone)}); close() them and start new threads`);
    const fn = this.names.indexOf(name);
    if (fn < 0) throw new RangeError(`kernel threads: ${name} is not one of the exports they were started with`);
    if (parts.length > MAX_PARTS) throw new RangeError(`kernel threads: ${parts.length} parts, at most ${MAX_PARTS}`);
    if (parts.length === 0) return;
    const nargs = parts[0]!.length;
    if (nargs > MAX_ARGS || parts.some((a) => a.length !== nargs)) throw new RangeError(`kernel threads: the parts need one argument count of at most ${MAX_ARGS}`);
    const sc = options.scratch;
    if (sc !== undefined && (sc.arg < 0 || sc.arg >= nargs || sc.perThread.length < this.size)) throw new RangeError('kernel threads: the scratch needs an argument index and one scratch per thread');
    const f = (this.kernels.exports as unknown as Record<string, (...x: number[]) => void>)[name]!;
    if (this.size === 1 || parts.length === 1) {
      for (const a of parts) f(...(sc === undefined ? a : a.map((v, i) => (i === sc.arg ? sc.perThread[0]! : v))));
      return;
    }
    parts.forEach((a, p) => this.table.set(a, p * MAX_ARGS));
    const head = this.head;
    head[COUNT] = parts.length;
    head[FN] = fn;
    head[NARGS] = nargs;
    head[SCRATCH_ARG] = sc === undefined ? -1 : sc.arg;
    Atomics.store(head, NEXT, 0);
    const seq = ++this.seq;
    this.slots.forEach((s, t) => {
      s.scratch[0] = sc === undefined ? 0 : sc.perThread[t + 1]!;
      Atomics.store(s.ctl, POSTED, seq);
      Atomics.notify(s.ctl, POSTED);
    });
    let own: unknown;
    for (let p = Atomics.add(head, NEXT, 1); p < parts.length; p = Atomics.add(head, NEXT, 1)) {
      const a = parts[p]!;
      try {
        f(...(sc === undefined ? a : a.map((v, i) => (i === sc.arg ? sc.perThread[0]! : v))));
      } catch (e) {
        own ??= e;
      }
    }
    let failed = 0;
    let died = -1;
    this.slots.forEach((s, t) => {
      for (let i = 0; i < SPIN && Atomics.load(s.ctl, DONE) !== seq; i++);
      for (let d = Atomics.load(s.ctl, DONE); d !== seq && d !== DONE_DEAD; d = Atomics.load(s.ctl, DONE)) Atomics.wait(s.ctl, DONE, d);
      if (Atomics.load(s.ctl, DEAD) !== 0) died = t;
      else failed += s.ctl[ERROR]!;
    });
    if (died >= 0) throw new FacemetricError(`kernel threads: worker thread ${died + 1} died (${this.exitOf(died)}) during ${name}; its parts are not done`);
    if (own !== undefined) throw own;
    if (failed > 0) throw new FacemetricError(`kernel threads: ${name} trapped in ${failed} worker thread(s)`);
  }

  /** How worker `t` (0-based) ended, in words. */
  private exitOf(t: number): string {
    const s = this.slots[t]!;
    const dead = Atomics.load(s.ctl, DEAD);
    return `exit code ${dead !== 0 ? dead - 1 : s.exited}`;
  }

  /** Stops the workers (idempotent). The kernels instance stays usable on this thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.head[FN] = STOP;
    const seq = ++this.seq;
    for (const s of this.slots) {
      Atomics.store(s.ctl, POSTED, seq);
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

/** Parts per thread a call is cut into (so that a thread slowed by other work takes fewer). */
export const PARTS_PER_THREAD = 4;

/**
 * The pieces a call over 0 .. n is cut into for `threads` threads: {@link splitRange} into up to
 * threads·{@link PARTS_PER_THREAD} pieces of at least `minPiece` (a multiple of `align`), fewer
 * where n is small; one piece for one thread.
 */
export function splitWork(n: number, threads: number, align: number, minPiece: number): [number, number][] {
  if (threads <= 1) return [[0, n]];
  return splitRange(n, Math.min(threads * PARTS_PER_THREAD, Math.max(1, Math.floor(n / minPiece))), align);
}

/**
 * The instance a kernel user runs on and the threads it cuts its calls between: `threads`' own
 * kernels when given (then `kernels`, if given too, must be them), else `kernels`, else `load()`;
 * the threads only when there are several. Throws RangeError for kernels other than the threads'.
 */
export function kernelsAndThreads(what: string, kernels: WasmKernels | undefined, threads: KernelThreads | undefined,
  load: () => WasmKernels): { kernels: WasmKernels; threads: KernelThreads | undefined } {
  if (threads !== undefined && kernels !== undefined && kernels !== threads.kernels) throw new RangeError(`${what}: kernels must be the threads' kernels`);
  return { kernels: threads?.kernels ?? kernels ?? load(), threads: threads !== undefined && threads.size > 1 ? threads : undefined };
}

/** One scratch of `bytes` per thread (one without threads), allocated in `kernels`' memory. */
export function scratchPerThread(kernels: WasmKernels, threads: KernelThreads | undefined, bytes: number): number[] {
  return Array.from({ length: threads?.size ?? 1 }, () => kernels.alloc(bytes));
}
