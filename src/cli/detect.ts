/**
 * `facemetric detect | landmarks | chips | describe IMAGE...`: the pipeline (src/pipeline/) on
 * each image, in the order given, up to the command's stage — dlib's HOG frontal face detector,
 * then (landmarks, chips, describe) dlib's 68-point shape predictor on each face, then (chips)
 * each face's aligned chip written as a PNG, or (describe) each face's 150x150 chip through
 * dlib's face recognition ResNet: a 128-D descriptor. The commands' options, defaults and help
 * are declared once, in the command table (commands.ts); this file is what they do.
 *
 * - Images are decoded with their EXIF orientation applied (facemetric's default). dlib's
 *   load_image ignores EXIF, so on a rotated-by-EXIF JPEG boxes (and width/height) are those of
 *   the upright image, not of dlib's sideways one.
 * - chips: chip k of IMAGE is `DIR/<name>_face<k>.png`, k from 0 in the detector's order, <name>
 *   the image's file name without extension (`-2`, `-3`, ... when two inputs share a name).
 *   The annotated image is the PNG file when one image is given and the path ends in .png, else
 *   `<name>.png` in that folder.
 * - Nothing is overwritten unless forced: an image whose outputs exist already is reported and
 *   skipped (none of its files are written).
 * - describe: the chips go through the network 16 at a time; jittered descriptors are drawn
 *   from one dlib::rand for the run, face after face, as dlib's Python API does.
 * - JSON: one object per image per line, {image, width, height, timings: {decode, detect,
 *   landmarks?, chips?, describe?} (ms), faces: [{rect: [left, top, right, bottom], score, filter,
 *   landmarks?, chip?, descriptor?}]}, plus `annotated` (the path) when annotating. Text: one
 *   line per image, then one indented line per face (describe: the descriptor's first four
 *   components and its norm).
 * - A file that cannot be read, decoded or written: one line on stderr naming it, the others go
 *   on, and the exit code is 1 at the end.
 */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { FacemetricError, ImageError, UsageError } from '../errors.js';
import type { DnnBackend } from '../dnn/recognizer.js';
import { annotateFaces } from '../image/draw.js';
import { readImage, writePng, type RgbImage } from '../image/index.js';
import { loadFaceModels, runPipeline, type PipelineFace, type PipelineStage } from '../pipeline/index.js';
import { decodeWarning } from './find-faces.js';

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
type Face = Pick<PipelineFace, 'rect' | 'score' | 'filter' | 'landmarks'> & { chip?: string; descriptor?: number[] };

interface ImageResult {
  image: string;
  width: number;
  height: number;
  timings: { decode: number; detect: number; landmarks?: number; chips?: number; describe?: number };
  faces: Face[];
  annotated?: string;
}

/** Milliseconds to three decimals, as the output prints them. */
const round = (t: number): number => Math.round(t * 1000) / 1000;
const ms = (t0: number): number => round(performance.now() - t0);

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

  const describe = opts.describe === true;
  const until: PipelineStage = describe ? 'describe' : opts.chipsDir !== undefined ? 'chips' : opts.landmarks ? 'landmarks' : 'detect';
  const models = loadFaceModels(until, opts.backend === undefined ? {} : { backend: opts.backend });
  if (models.recognizer?.note !== undefined) io.err(`facemetric: note: ${models.recognizer.note}\n`);
  const chip = describe ? {} : { size: opts.size, padding: opts.padding };
  const overwrite = opts.force === true;
  let failed = 0;
  for (const [i, image] of images.entries()) {
    let result: ImageResult;
    try {
      const t0 = performance.now();
      const img = await readImage(image);
      const decode = ms(t0);
      if (img.warnings) io.err(decodeWarning(image, img.warnings));
      const run = runPipeline(img, models, { until, upsample: opts.upsample ?? 0, adjustThreshold: opts.threshold ?? 0, chip, jitter: opts.jitter ?? 0 });
      const timings: ImageResult['timings'] = { decode, detect: 0 };
      for (const [stage, t] of Object.entries(run.timings)) timings[stage as keyof typeof run.timings] = round(t);
      const faces = run.faces.map((f): Face => ({
        rect: f.rect, score: f.score, filter: f.filter,
        ...(f.landmarks !== undefined ? { landmarks: f.landmarks } : {}),
        ...(f.descriptor !== undefined ? { descriptor: Array.from(f.descriptor) } : {}),
      }));
      result = { image, width: img.width, height: img.height, timings, faces };
      // Everything this image will write, checked before anything is written.
      const writes: { path: string; make: () => RgbImage }[] = [];
      if (opts.chipsDir !== undefined) {
        faces.forEach((f, k) => {
          f.chip = join(opts.chipsDir!, `${stems[i]}_face${k}.png`);
          writes.push({ path: f.chip, make: () => run.faces[k]!.chip! });
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
