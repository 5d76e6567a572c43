/**
 * Where `facemetric cluster` (and enroll, identify, calibrate, clean) find the faces of their
 * images: in this thread, or in a pool of worker threads (cluster-worker.ts), one image per
 * task. Either way the outcomes come back in the order of the files, so face numbers, labels
 * and messages never depend on the threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FacemetricError, problemOf } from '../errors.js';
import type { DnnBackend } from '../dnn/recognizer.js';
import type { FaceWorkerData } from './cluster-worker.js';
import { findFaces, type FaceModels, type FindFacesOptions, type ImageFaces } from './find-faces.js';

export type Outcome = { file: string; result: ImageFaces } | { file: string; problem: string };

export interface FaceSource {
  /** The outcome of each file, in order. Workers run up to 8 images each ahead of the one
   * awaited, so that one slow image (a large photo) does not leave the others idle. */
  outcomes(files: readonly string[]): AsyncGenerator<Outcome>;
  /** One file's outcome (workers: queued at once; this thread: run now). */
  submit(file: string): Promise<Outcome>;
  /** How many files {@link outcomes} keeps submitted ahead (for {@link inOrder}). */
  readonly window: number;
  /** Notes from loading the models (e.g. a backend fallback), once. */
  readonly notes: string[];
  close(): Promise<void>;
}

/** Default worker count: the machine's cores, at most 4 (each worker holds ~250 MB of models). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * `submit(file)`'s outcomes in the order of `files`, with up to `window` submitted ahead; the
 * next file is submitted when the caller asks for the next outcome (with a window of 1 each
 * file's work starts only then, and its timings measure that work alone).
 */
export async function* inOrder<T>(files: readonly string[], submit: (file: string) => Promise<T>, window: number): AsyncGenerator<T> {
  const pending: Promise<T>[] = [];
  let next = 0;
  // A rejection is thrown where its file's turn comes; those submitted ahead of it are then
  // dropped without an unhandled rejection.
  const start = (file: string): void => {
    const p = submit(file);
    p.catch(() => {});
    pending.push(p);
  };
  while (next < files.length && pending.length < window) start(files[next++]!);
  while (pending.length > 0) {
    const outcome = await pending.shift()!;
    yield outcome;
    if (next < files.length) start(files[next++]!);
  }
}

/** This thread: the caller's models, one image at a time, each through findFaces with `opts`. */
export function inProcessSource(models: FaceModels, opts: FindFacesOptions): FaceSource {
  const submit = async (file: string): Promise<Outcome> => {
    try {
      return { file, result: await findFaces(file, models, opts) };
    } catch (e) {
      return { file, problem: problemOf(file, e) };
    }
  };
  return {
    notes: models.recognizer?.note !== undefined ? [models.recognizer.note] : [],
    // One image at a time, the next started only when the caller asks for it (its timings
    // then measure its own work, not the caller's in between).
    outcomes: (files) => inOrder(files, submit, 1),
    submit,
    window: 1,
    close: async () => {},
  };
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { file: string; resolve: (o: Outcome) => void }>;
  dead?: string;
}

/**
 * A pool of `threads` workers; resolves once every worker has loaded its models (so a missing
 * model is one clear error before any image is read). `describe: false` leaves the descriptors
 * to the caller; `faces` and `pngs` as findFaces takes them.
 */
export async function workerSource(threads: number, opts: FindFacesOptions & { describe: boolean; backend?: DnnBackend }): Promise<FaceSource> {
  const url = new URL('./cluster-worker.js', import.meta.url);
  const data: FaceWorkerData = {
    find: { upsample: opts.upsample, ...(opts.faces !== undefined ? { faces: opts.faces } : {}), ...(opts.pngs !== undefined ? { pngs: opts.pngs } : {}) },
    describe: opts.describe, ...(opts.backend ? { backend: opts.backend } : {}),
  };
  const notes = new Set<string>();
  let nextId = 0;
  const slots: Slot[] = [];
  for (let k = 0; k < threads; k++) {
    const worker = new Worker(url, { workerData: data });
    const pending = new Map<number, { file: string; resolve: (o: Outcome) => void }>();
    const slot: Slot = { worker, pending, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => {
        slot.dead = why;
        reject(new FacemetricError(why));
        for (const [id, p] of pending) {
          pending.delete(id);
          p.resolve({ file: p.file, problem: `${why} (internal error)` });
        }
      };
      worker.on('message', (m: { type: string; id?: number; note?: string; message?: string; result?: ImageFaces; problem?: string }) => {
        if (m.type === 'ready') {
          if (m.note !== undefined) notes.add(m.note);
          resolve();
        } else if (m.type === 'fatal') {
          fail(m.message ?? 'a worker could not load the models');
        } else {
          const p = pending.get(m.id!);
          if (p === undefined) return;
          pending.delete(m.id!);
          p.resolve(m.type === 'done' ? { file: p.file, result: m.result! } : { file: p.file, problem: m.problem! });
        }
      });
      worker.on('error', (e) => fail(`a worker thread failed: ${e.message.split('\n')[0]}`));
      worker.on('exit', (code) => {
        if (slot.dead === undefined && pending.size > 0) fail(`a worker thread exited (code ${code})`);
      });
    });
    slots.push(slot);
  }
  try {
    await Promise.all(slots.map((s) => s.ready));
  } catch (e) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw e;
  }
  const submit = (file: string): Promise<Outcome> => {
    const alive = slots.filter((s) => s.dead === undefined);
    if (alive.length === 0) return Promise.resolve({ file, problem: 'every worker thread has failed (internal error)' });
    const slot = alive.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    return new Promise<Outcome>((resolve) => {
      slot.pending.set(id, { file, resolve });
      slot.worker.postMessage({ id, file });
    });
  };
  return {
    notes: [...notes],
    outcomes: (files) => inOrder(files, submit, 8 * threads),
    submit,
    window: 8 * threads,
    close: async () => {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/**
 * Whether `files` photos on `threads` threads go to worker threads: several threads and 4 photos
 * or more, when running from the compiled .js (the workers load it).
 */
export function useWorkers(files: number, threads: number): boolean {
  return threads > 1 && files >= 4 && import.meta.url.endsWith('.js');
}

/**
 * Where enroll and identify find their photos' faces, descriptors included (`faces` and `pngs`
 * as findFaces takes them): worker threads (`threads`, default {@link defaultThreads}) for 4
 * photos or more, else this thread.
 */
export async function describedFaceSource(files: number, opts: FindFacesOptions & { threads?: number; backend?: DnnBackend }): Promise<FaceSource> {
  const threads = Math.min(opts.threads ?? defaultThreads(), files);
  const backend = opts.backend === undefined ? {} : { backend: opts.backend };
  if (useWorkers(files, threads)) return workerSource(threads, { ...opts, describe: true });
  const { loadFaceModels } = await import('../pipeline/index.js');
  return inProcessSource(loadFaceModels('describe', backend), opts);
}
