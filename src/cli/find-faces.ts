/**
 * One image of `facemetric cluster`: decode, dlib's HOG detector, the 68-point shape predictor,
 * the 150x150 chips (padding 0.25) and, when asked, their descriptors — the same code whether it
 * runs in the main thread or in a worker of face-pool.ts, so results never depend on threads.
 */
import { FacemetricError } from '../errors.js';
import type { FaceRecognizer } from '../dnn/recognizer.js';
import type { FhogDetector } from '../hog/detector.js';
import { encodePng, readImage, type RgbImage } from '../image/index.js';
import { extractImageChip, getFaceChipDetails, type ShapePredictorModel } from '../landmarks/index.js';

export interface ImageFaces {
  faces: { rect: [number, number, number, number]; score: number; filter: number }[];
  /** Each face's 150x150 chip. */
  chips: RgbImage[];
  /** Each chip encoded as PNG (done here, so that worker threads share that work too). */
  pngs: Uint8Array[];
  /** Each chip's plain descriptor (no jitter), when a recognizer was given. */
  descriptors?: Float32Array[];
  timings: { decode: number; detect: number; landmarks: number; chips: number; describe: number; encode: number };
}

export interface FaceModels {
  detector: FhogDetector;
  predictor: ShapePredictorModel;
  /** Absent: descriptors are computed by the caller (jitter draws must follow the input order). */
  recognizer?: FaceRecognizer;
}

/** An image's problem as the report names it: the message without the file's name in front. */
export function problemOf(file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  const bare = msg.startsWith(`${file}: `) ? msg.slice(file.length + 2) : msg;
  return e instanceof FacemetricError ? bare : `${bare} (internal error)`;
}

export async function findFaces(file: string, models: FaceModels, upsample: number): Promise<ImageFaces> {
  const timings = { decode: 0, detect: 0, landmarks: 0, chips: 0, describe: 0, encode: 0 };
  let t0 = performance.now();
  const img = await readImage(file);
  timings.decode = performance.now() - t0;
  t0 = performance.now();
  const dets = models.detector.detect(img, { upsample, adjustThreshold: 0 });
  timings.detect = performance.now() - t0;
  t0 = performance.now();
  const shapes = dets.map((d) => models.predictor.predict(img, d.rect).points);
  timings.landmarks = performance.now() - t0;
  t0 = performance.now();
  const chips = shapes.map((s) => extractImageChip(img, getFaceChipDetails(s, 150, 0.25)));
  timings.chips = performance.now() - t0;
  t0 = performance.now();
  const pngs = chips.map((c) => encodePng(c, { filterType: 4 }));
  timings.encode = performance.now() - t0;
  const out: ImageFaces = { faces: dets.map((d) => ({ rect: d.rect, score: d.score, filter: d.filter })), chips, pngs, timings };
  if (models.recognizer && chips.length > 0) {
    t0 = performance.now();
    out.descriptors = models.recognizer.describeBatch(chips, { batchSize: 16 });
    timings.describe = performance.now() - t0;
  }
  return out;
}
