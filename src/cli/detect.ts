/**
 * `facemetric detect IMAGE... [--upsample N] [--threshold T] [--json]`: dlib's HOG frontal face
 * detector on each image, in the order given.
 *
 * - Images are decoded with their EXIF orientation applied (facemetric's default). dlib's
 *   load_image ignores EXIF, so on a rotated-by-EXIF JPEG boxes (and width/height) are those of
 *   the upright image, not of dlib's sideways one.
 * - `--upsample N`: N pyramid_up steps first, as dlib's Python API (`detector(img, N)`).
 * - `--threshold T`: dlib's adjust_threshold (default 0): lower finds more, less sure faces.
 * - With --json: one object per image per line, {image, width, height, timings: {decode, detect}
 *   (ms), faces: [{rect: [left, top, right, bottom], score, filter}]}. Without: one line per
 *   image, then one indented line per face.
 * - A file that cannot be read or decoded: one line on stderr naming it, the others go on, and
 *   the exit code is 1 at the end.
 */
import { FacemetricError } from '../errors.js';
import { loadFrontalFaceDetector, type FaceDetection } from '../hog/detector.js';
import { readImage } from '../image/index.js';
import { loadShapePredictor } from '../landmarks/index.js';

export interface DetectCliOptions {
  json?: boolean;
  upsample?: number;
  threshold?: number;
  /** Also run dlib's 68-point shape predictor on each face (`facemetric landmarks`). */
  landmarks?: boolean;
}

/** A face in the CLI contract: the detection, plus its 68 integer landmarks from that stage on. */
type Face = FaceDetection & { landmarks?: [number, number][] };

interface ImageResult {
  image: string;
  width: number;
  height: number;
  timings: { decode: number; detect: number; landmarks?: number };
  faces: Face[];
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;

function textLines(r: ImageResult): string {
  const n = r.faces.length;
  const head = `${r.image}: ${r.width}x${r.height}, ${n} face${n === 1 ? '' : 's'} (decode ${r.timings.decode.toFixed(1)} ms, detect ${r.timings.detect.toFixed(1)} ms)`;
  const faces = r.faces.map((f) => `  [${f.rect.join(', ')}] score ${f.score.toFixed(4)} filter ${f.filter}` +
    (f.landmarks ? `\n    landmarks ${f.landmarks.map(([x, y]) => `${x},${y}`).join(' ')}` : ''));
  return [head, ...faces].join('\n') + '\n';
}

/** One-line message naming the file, without repeating its name when the error already does. */
function describeError(file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const named = e instanceof FacemetricError && e.file !== undefined ? msg : msg.startsWith(file) ? msg : `${file}: ${msg}`;
  return e instanceof FacemetricError ? named : `${named} (internal error)`;
}

/** Runs `detect` on `images`; returns the exit code (0, or 1 when any image failed). */
export async function runDetect(images: string[], opts: DetectCliOptions, io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}): Promise<number> {
  const detector = loadFrontalFaceDetector();
  const predictor = opts.landmarks ? loadShapePredictor() : undefined;
  let failed = 0;
  for (const image of images) {
    let result: ImageResult;
    try {
      let t0 = performance.now();
      const img = await readImage(image);
      const decode = ms(t0);
      t0 = performance.now();
      const faces: Face[] = detector.detect(img, { upsample: opts.upsample ?? 0, adjustThreshold: opts.threshold ?? 0 });
      result = { image, width: img.width, height: img.height, timings: { decode, detect: ms(t0) }, faces };
      if (predictor) {
        t0 = performance.now();
        for (const f of faces) f.landmarks = predictor.predict(img, f.rect).points;
        result.timings.landmarks = ms(t0);
      }
    } catch (e) {
      failed++;
      io.err(`facemetric: ${describeError(image, e)}\n`);
      continue;
    }
    io.out(opts.json ? JSON.stringify(result) + '\n' : textLines(result));
  }
  return failed > 0 ? 1 : 0;
}
