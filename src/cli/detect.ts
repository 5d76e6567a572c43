/**
 * `facemetric detect | landmarks | chips | describe IMAGE...`: dlib's HOG frontal face detector
 * on each image, in the order given, then (landmarks, chips, describe) dlib's 68-point shape
 * predictor on each face, then (chips) each face's aligned chip written as a PNG, or (describe)
 * each face's 150x150 chip through dlib's face recognition ResNet: a 128-D descriptor.
 *
 * - Images are decoded with their EXIF orientation applied (facemetric's default). dlib's
 *   load_image ignores EXIF, so on a rotated-by-EXIF JPEG boxes (and width/height) are those of
 *   the upright image, not of dlib's sideways one.
 * - `--upsample N`: N pyramid_up steps first, as dlib's Python API (`detector(img, N)`).
 * - `--threshold T`: dlib's adjust_threshold (default 0): lower finds more, less sure faces.
 * - chips: `--out DIR` (created if missing), `--size N` (default 150) and `--padding P` (default
 *   0.25) as dlib's get_face_chip_details; chip k of IMAGE is `DIR/<name>_face<k>.png`, k from 0
 *   in the detector's order, <name> the image's file name without extension (`-2`, `-3`, ... when
 *   two inputs share a name).
 * - `--annotate PATH`: also write the image with the boxes (and landmark outlines) drawn; PATH is
 *   the PNG file when one image is given and ends in .png, else a folder receiving
 *   `<name>.png` per image.
 * - Nothing is overwritten without `--force`: an image whose outputs exist already is reported
 *   and skipped (none of its files are written).
 * - describe: `--backend reference|wasm` picks the forward pass (src/dnn/recognizer.ts; default
 *   wasm where the WebAssembly kernels load). Chips are made as dlib's
 *   get_face_chip_details(landmarks, 150, 0.25) and go through the network 16 at a time;
 *   `--jitter N` (N > 1) averages each over N jittered copies (dlib's num_jitters), drawn from
 *   one dlib::rand for the run, face after face, as dlib's Python API does.
 * - With --json: one object per image per line, {image, width, height, timings: {decode, detect,
 *   landmarks?, chips?, describe?} (ms), faces: [{rect: [left, top, right, bottom], score, filter,
 *   landmarks?, chip?, descriptor?}]}, plus `annotated` (the path) with --annotate. Without: one
 *   line per image, then one indented line per face (describe: the descriptor's first four
 *   components and its norm).
 * - A file that cannot be read, decoded or written: one line on stderr naming it, the others go
 *   on, and the exit code is 1 at the end.
 */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { FacemetricError, ImageError, UsageError } from '../errors.js';
import { loadFrontalFaceDetector, type FaceDetection } from '../hog/detector.js';
import { annotateFaces } from '../image/draw.js';
import { readImage, writePng, type RgbImage } from '../image/index.js';
import { extractImageChip, getFaceChipDetails, loadShapePredictor } from '../landmarks/index.js';
import { loadFaceRecognizer, type DnnBackend } from '../dnn/recognizer.js';

export type PipelineStage = 'detect' | 'landmarks' | 'chips' | 'describe';

export interface DetectCliOptions {
  json?: boolean;
  upsample?: number;
  threshold?: number;
  /** Also run dlib's 68-point shape predictor on each face (`facemetric landmarks`). */
  landmarks?: boolean;
  /** Also write each face's aligned chip into this folder (`facemetric chips --out DIR`). */
  chipsDir?: string;
  /** Chip size in pixels (default 150) and padding (default 0.25). */
  size?: number;
  padding?: number;
  /** Write an annotated copy of each image (see the module comment). */
  annotate?: string;
  /** Replace existing output files. */
  force?: boolean;
  /** Also compute each face's 128-D descriptor (`facemetric describe`); implies landmarks. */
  describe?: boolean;
  /** The forward pass for descriptors (default: wasm where it loads, else reference). */
  backend?: DnnBackend;
  /** dlib's num_jitters for descriptors (0 or 1: none). */
  jitter?: number;
}

/** A face in the CLI contract: the detection, plus its 68 integer landmarks from that stage on. */
type Face = FaceDetection & { landmarks?: [number, number][]; chip?: string; descriptor?: number[] };

interface ImageResult {
  image: string;
  width: number;
  height: number;
  timings: { decode: number; detect: number; landmarks?: number; chips?: number; describe?: number };
  faces: Face[];
  annotated?: string;
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;

/** A descriptor in one short line: its first four components and its Euclidean norm. */
function descriptorSummary(d: readonly number[]): string {
  const norm = Math.sqrt(d.reduce((a, v) => a + v * v, 0));
  return `descriptor [${d.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}, ...] (${d.length}-D, norm ${norm.toFixed(4)})`;
}

function textLines(r: ImageResult, withLandmarks: boolean): string {
  const n = r.faces.length;
  const head = `${r.image}: ${r.width}x${r.height}, ${n} face${n === 1 ? '' : 's'} (${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')})` +
    (r.annotated ? ` -> ${r.annotated}` : '');
  const faces = r.faces.map((f) => `  [${f.rect.join(', ')}] score ${f.score.toFixed(4)} filter ${f.filter}` +
    (f.chip ? ` -> ${f.chip}` : '') +
    (f.descriptor ? ` ${descriptorSummary(f.descriptor)}` : '') +
    (withLandmarks && f.landmarks ? `\n    landmarks ${f.landmarks.map(([x, y]) => `${x},${y}`).join(' ')}` : ''));
  return [head, ...faces].join('\n') + '\n';
}

/** One-line message naming the file, without repeating its name when the error already does. */
function describeError(file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const named = e instanceof FacemetricError && e.file !== undefined ? msg : msg.startsWith(file) ? msg : `${file}: ${msg}`;
  return e instanceof FacemetricError ? named : `${named} (internal error)`;
}

/** Output names: each image's file name without extension, made unique in the order given. */
export function outputStems(images: readonly string[]): string[] {
  const taken = new Map<string, number>();
  return images.map((image) => {
    const stem = basename(image, extname(image)) || 'image';
    const n = (taken.get(stem) ?? 0) + 1;
    taken.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

/** Makes `dir` (and parents) or fails with a one-line error when it cannot be a folder. */
function ensureDir(dir: string, what: string): void {
  try {
    if (existsSync(dir) && !lstatSync(dir).isDirectory()) throw new UsageError(`${what} ${dir} exists and is not a folder`);
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (e instanceof FacemetricError) throw e;
    throw new FacemetricError(`cannot create the ${what} folder: ${(e as Error).message.split('\n')[0]}`, { file: dir });
  }
}

/** Runs the pipeline on `images`; returns the exit code (0, or 1 when any image failed). */
export async function runDetect(images: string[], opts: DetectCliOptions, io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}): Promise<number> {
  const stems = outputStems(images);
  let annotateFile: string | undefined;
  let annotateDir: string | undefined;
  if (opts.annotate !== undefined) {
    if (opts.annotate === '') throw new UsageError('--annotate needs a file (one image) or a folder');
    if (opts.annotate.toLowerCase().endsWith('.png')) {
      if (images.length !== 1) throw new UsageError(`--annotate ${opts.annotate}: with ${images.length} images give a folder, not a .png file`);
      annotateFile = opts.annotate;
    } else {
      annotateDir = opts.annotate;
    }
  }
  if (opts.chipsDir !== undefined) {
    if (opts.chipsDir === '') throw new UsageError('chips: --out needs a folder');
    ensureDir(opts.chipsDir, 'output');
  }
  if (annotateDir !== undefined) ensureDir(annotateDir, '--annotate');

  const detector = loadFrontalFaceDetector();
  const describe = opts.describe === true;
  const predictor = opts.landmarks || describe || opts.chipsDir !== undefined ? loadShapePredictor() : undefined;
  const recognizer = describe ? loadFaceRecognizer(undefined, opts.backend === undefined ? {} : { backend: opts.backend }) : undefined;
  if (recognizer?.note !== undefined) io.err(`facemetric: note: ${recognizer.note}\n`);
  const overwrite = opts.force === true;
  let failed = 0;
  for (const [i, image] of images.entries()) {
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
      // Everything this image will write, checked before anything is written.
      const writes: { path: string; make: () => RgbImage }[] = [];
      let chips: RgbImage[] = [];
      if (opts.chipsDir !== undefined || recognizer) {
        t0 = performance.now();
        const size = recognizer ? 150 : opts.size ?? 150;
        const padding = recognizer ? 0.25 : opts.padding ?? 0.25;
        chips = faces.map((f) => extractImageChip(img, getFaceChipDetails(f.landmarks!, size, padding)));
        result.timings.chips = ms(t0);
      }
      if (recognizer) {
        t0 = performance.now();
        const descriptors = recognizer.describeBatch(chips, { batchSize: 16, jitter: opts.jitter ?? 0 });
        result.timings.describe = ms(t0);
        faces.forEach((f, k) => {
          f.descriptor = Array.from(descriptors[k]!);
        });
      }
      if (opts.chipsDir !== undefined) {
        faces.forEach((f, k) => {
          f.chip = join(opts.chipsDir!, `${stems[i]}_face${k}.png`);
          writes.push({ path: f.chip, make: () => chips[k]! });
        });
      }
      const annotated = annotateFile ?? (annotateDir !== undefined ? join(annotateDir, `${stems[i]}.png`) : undefined);
      if (annotated !== undefined) {
        result.annotated = annotated;
        writes.push({ path: annotated, make: () => annotateFaces(img, faces) });
      }
      if (!overwrite) {
        const existing = writes.find((w) => existsSync(w.path));
        if (existing) {
          throw new ImageError(`already exists (refusing to overwrite it; use --force to replace it); nothing written for ${image}`, { file: existing.path });
        }
      }
      for (const w of writes) await writePng(w.path, w.make(), { overwrite });
    } catch (e) {
      failed++;
      io.err(`facemetric: ${describeError(image, e)}\n`);
      continue;
    }
    io.out(opts.json ? JSON.stringify(result) + '\n' : textLines(result, opts.chipsDir === undefined && !describe));
  }
  return failed > 0 ? 1 : 0;
}
