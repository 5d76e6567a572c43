/**
 * A worker thread of face-pool.ts: loads the detector, the shape predictor and (unless the
 * descriptors are jittered, which the main thread does in input order) the face recognizer
 * once, then runs findFaces on each file it is sent.
 *
 * Messages in: {id, file}. Out: {type: 'ready', note?} once, then {type: 'done', id, result} or
 * {type: 'failed', id, problem}, or {type: 'fatal', message} if the models cannot
 * be loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DnnBackend } from '../dnn/recognizer.js';
import { loadFaceModels } from '../pipeline/index.js';
import { problemOf } from '../errors.js';
import { findFaces, type FaceModels, type FindFacesOptions } from './find-faces.js';

export interface FaceWorkerData {
  /** What findFaces does with each file. */
  find: FindFacesOptions;
  describe: boolean;
  backend?: DnnBackend;
}

const port = parentPort!;
const data = workerData as FaceWorkerData;

let models: FaceModels | undefined;
try {
  models = loadFaceModels(data.describe ? 'describe' : 'chips', data.backend === undefined ? {} : { backend: data.backend });
  port.postMessage({ type: 'ready', note: models.recognizer?.note });
} catch (e) {
  port.postMessage({ type: 'fatal', message: e instanceof Error ? e.message.split('\n')[0] : String(e) });
}

// One image at a time (the pool sends several ahead): decoded images are large, and the
// timings then measure the work, not the queue.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: { id: number; file: string }) => {
  if (models === undefined) return;
  const m = models;
  queue = queue.then(() => findFaces(msg.file, m, data.find).then(
    (result) => port.postMessage({ type: 'done', id: msg.id, result }),
    (e: unknown) => port.postMessage({ type: 'failed', id: msg.id, problem: problemOf(msg.file, e) }),
  ));
});
