/**
 * One image of `facemetric cluster`, `enroll`, `identify`, `calibrate` and `clean`: decode, then
 * the pipeline (src/pipeline/: dlib's HOG detector, the 68-point shape predictor, the 150x150
 * chips with padding 0.25 and, when a recognizer is given, their descriptors) over every face or
 * only the largest, then, when the caller asks (cluster's and clean's reports), each chip encoded
 * as PNG — the same code whether it runs in the main thread or in a worker of face-pool.ts, so
 * results never depend on threads.
 */
import type { Point, Rect } from '../geometry/index.js';
import { encodePng, readImage, type RgbImage } from '../image/index.js';
import { runPipeline, type FaceModels } from '../pipeline/index.js';

export type { FaceModels };

/** What {@link findFaces} does beyond finding the faces. */
export interface FindFacesOptions {
  /** pyramid_up steps before detecting. */
  upsample: number;
  /** Every face (default), or only the largest box ({@link ImageFaces.detected} still counts them all). */
  faces?: 'all' | 'largest';
  /** Also encode each chip as PNG (default false). */
  pngs?: boolean;
}

export interface ImageFaces {
  /** Each face kept (all, or the largest): its box, detector score and filter, and dlib's 68 landmarks. */
  faces: { rect: Rect; score: number; filter: number; landmarks: Point[] }[];
  /** How many faces the detector found (more than `faces` holds with `faces: 'largest'`). */
  detected: number;
  /** Each face's 150x150 chip. */
  chips: RgbImage[];
  /** Each chip encoded as PNG, when asked for (done here, so that worker threads share that work too). */
  pngs?: Uint8Array[];
  /** Each chip's plain descriptor (no jitter), when a recognizer was given. */
  descriptors?: Float32Array[];
  /** libjpeg's warnings when the photo is a damaged JPEG decoded as libjpeg decodes it (see {@link decodeWarning}). */
  warnings?: string[];
  timings: { decode: number; detect: number; landmarks: number; chips: number; describe: number; encode: number };
}

/**
 * The stderr line for a damaged JPEG decoded as libjpeg (and so dlib) decodes it, from libjpeg's
 * warnings (its first one named), or '' when there were none (callers print it only when there
 * were). The exit code does not change.
 */
export function decodeWarning(file: string, warnings: readonly string[] | undefined): string {
  const first = warnings?.[0];
  if (first === undefined) return '';
  const m = /^Corrupt JPEG data: (.*)$/.exec(first);
  const what = m ? `corrupt JPEG data (${m[1]})` : first.charAt(0).toLowerCase() + first.slice(1);
  const more = warnings!.length > 1 ? ` and ${warnings!.length - 1} more warning${warnings!.length > 2 ? 's' : ''}` : '';
  return `facemetric: ${file}: warning: ${what}${more}; decoded as libjpeg does, missing parts grey\n`;
}

/**
 * The faces of `file` (all, or the largest: `opts.faces`), with `models.predictor` (required)
 * and, when given, `models.recognizer` (absent: descriptors are computed by the caller, since
 * jitter draws must follow the input order); the chips as PNG too with `opts.pngs`.
 */
export async function findFaces(file: string, models: FaceModels, opts: FindFacesOptions): Promise<ImageFaces> {
  const timings = { decode: 0, detect: 0, landmarks: 0, chips: 0, describe: 0, encode: 0 };
  let t0 = performance.now();
  const img = await readImage(file);
  timings.decode = performance.now() - t0;
  const describe = models.recognizer !== undefined;
  const run = runPipeline(img, models, { until: describe ? 'describe' : 'chips', upsample: opts.upsample, faces: opts.faces ?? 'all' });
  Object.assign(timings, run.timings);
  const chips = run.faces.map((f) => f.chip!);
  const out: ImageFaces = { faces: run.faces.map((d) => ({ rect: d.rect, score: d.score, filter: d.filter, landmarks: d.landmarks! })), detected: run.detected, chips, timings };
  if (opts.pngs === true) {
    t0 = performance.now();
    out.pngs = chips.map((c) => encodePng(c, { filterType: 4 }));
    timings.encode = performance.now() - t0;
  }
  if (describe && chips.length > 0) out.descriptors = run.faces.map((f) => f.descriptor!);
  if (img.warnings !== undefined) out.warnings = img.warnings;
  return out;
}
