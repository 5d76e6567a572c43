/**
 * One image of `facemetric cluster`: decode, then the pipeline (src/pipeline/: dlib's HOG
 * detector, the 68-point shape predictor, the 150x150 chips with padding 0.25 and, when a
 * recognizer is given, their descriptors), then each chip encoded as PNG — the same code whether
 * it runs in the main thread or in a worker of face-pool.ts, so results never depend on threads.
 */
import { FacemetricError } from '../errors.js';
import type { Point, Rect } from '../geometry/index.js';
import { encodePng, readImage, type RgbImage } from '../image/index.js';
import { runPipeline, type FaceModels } from '../pipeline/index.js';

export type { FaceModels };

export interface ImageFaces {
  /** Each face's box, detector score and filter, and dlib's 68 landmarks. */
  faces: { rect: Rect; score: number; filter: number; landmarks: Point[] }[];
  /** Each face's 150x150 chip. */
  chips: RgbImage[];
  /** Each chip encoded as PNG (done here, so that worker threads share that work too). */
  pngs: Uint8Array[];
  /** Each chip's plain descriptor (no jitter), when a recognizer was given. */
  descriptors?: Float32Array[];
  /** libjpeg's warnings when the photo is a damaged JPEG decoded as libjpeg decodes it (see {@link decodeWarning}). */
  warnings?: string[];
  timings: { decode: number; detect: number; landmarks: number; chips: number; describe: number; encode: number };
}

/** An image's problem as the report names it: the message without the file's name in front. */
export function problemOf(file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  const bare = msg.startsWith(`${file}: `) ? msg.slice(file.length + 2) : msg;
  return e instanceof FacemetricError ? bare : `${bare} (internal error)`;
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
 * The faces of `file`, with `models.predictor` (required) and, when given, `models.recognizer`
 * (absent: descriptors are computed by the caller, since jitter draws must follow the input
 * order).
 */
export async function findFaces(file: string, models: FaceModels, upsample: number): Promise<ImageFaces> {
  const timings = { decode: 0, detect: 0, landmarks: 0, chips: 0, describe: 0, encode: 0 };
  let t0 = performance.now();
  const img = await readImage(file);
  timings.decode = performance.now() - t0;
  const describe = models.recognizer !== undefined;
  const run = runPipeline(img, models, { until: describe ? 'describe' : 'chips', upsample });
  Object.assign(timings, run.timings);
  const chips = run.faces.map((f) => f.chip!);
  t0 = performance.now();
  const pngs = chips.map((c) => encodePng(c, { filterType: 4 }));
  timings.encode = performance.now() - t0;
  const out: ImageFaces = { faces: run.faces.map((d) => ({ rect: d.rect, score: d.score, filter: d.filter, landmarks: d.landmarks! })), chips, pngs, timings };
  if (describe && chips.length > 0) out.descriptors = run.faces.map((f) => f.descriptor!);
  if (img.warnings !== undefined) out.warnings = img.warnings;
  return out;
}
