/**
 * What `facemetric train` reads: a data folder of people (scanDataDir), an explicit list of
 * mini-batches (parseBatchList, `--batches LIST`), and a seeded split of the people into a
 * training and a held-out set (holdoutSplit).
 *
 * The data folder is dlib's examples/dnn_metric_learning_on_images_ex.cpp layout (one folder per
 * person, the folder's name the person's label; see sampler.ts for the order in which folders
 * and files are taken), extended so that it may hold photos as well as chips:
 *  - only image files count: names ending (case-insensitively) in one of {@link IMAGE_EXTENSIONS},
 *    not hidden (a leading '.'); other files and folders inside a person's folder are ignored;
 *  - an image of exactly 150x150 pixels is a face chip, used as is (the network's input; a
 *    150x150 photo is therefore taken as a chip);
 *  - any other image is a photo, aligned exactly as `facemetric chips` aligns it (runPipeline up
 *    to 'chips' with the defaults: HOG detector without upsampling, threshold 0, the 68-point
 *    shape predictor, `extract_image_chip(img, get_face_chip_details(shape, 150, 0.25))`) when it
 *    shows exactly one face; its chip is kept in memory, so each photo is aligned once;
 *  - images are decoded as `facemetric chips` decodes them (readImageSync: JPEG/PNG with dlib's
 *    pixel rules, EXIF orientation applied — dlib's load_image ignores it, which only matters for
 *    JPEGs that carry an orientation tag);
 *  - photos with no face or several faces, and files that cannot be read or decoded, are skipped
 *    and reported (`{ file, problem }`, one line each); a person left with one image is kept with
 *    a warning (it has no same-person pair); a person left with none is left out with a warning;
 *    an unreadable or empty data folder, or one without any usable person, is an error naming it.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { FacemetricError, ModelAssetError, problemOf } from '../errors.js';
import { readImageSync } from '../image/io.js';
import type { RgbImage } from '../image/pixels.js';
import { FACE_CHIP, runPipeline, type FaceModels } from '../pipeline/pipeline.js';
import { loadFaceModels } from '../pipeline/models.js';
import type { DlibRand } from '../rand/dlib-rand.js';
import { listFolder, type LoadImage, type ObjectsList } from './sampler.js';

/** The file name endings taken as images (the formats src/image's decoders read: JPEG, PNG). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png'] as const;

/** The side of a face chip, the network's input (150). */
export const CHIP_SIZE = FACE_CHIP.size;

/** One usable image of a person. */
export interface DataDirImage {
  /** Its path: the data folder's realpath, `/<person>/<file>` (as sampler.ts's loadObjectsList). */
  file: string;
  /** 'chip': a 150x150 file used as is; 'photo': a photo whose one face was aligned. */
  kind: 'chip' | 'photo';
  /** The 150x150 chip: always for a photo (aligned once); for a chip file only with `keepChips`. */
  chip?: RgbImage;
}

/** A person of the data folder: the folder's name and its usable images, in file-name order. */
export interface DatasetPerson {
  name: string;
  images: DataDirImage[];
}

/** A file that was skipped, and why (one line). */
export interface DatasetProblem {
  file: string;
  problem: string;
}

/** What {@link scanDataDir} found. */
export interface DataDirScan {
  /** The data folder as given. */
  dir: string;
  /** The people with at least one usable image, in folder-name order. */
  people: DatasetPerson[];
  /** Files skipped: unreadable, or photos without exactly one face. */
  skipped: DatasetProblem[];
  /** One-line warnings: people with one image, people left out, images outside person folders. */
  warnings: string[];
}

/** Progress of a scan: `done` of `total` image files handled, the last being `file`. */
export interface ScanProgress {
  done: number;
  total: number;
  file: string;
}

export interface ScanDataDirOptions {
  /** The detector and shape predictor for photos (default: loaded on the first photo, loadFaceModels('chips')). */
  models?: FaceModels;
  /**
   * The aligned chips of all faces of a photo, in the detector's order (default: runPipeline
   * up to 'chips' with `models`, as `facemetric chips`). For tests and for callers that align
   * otherwise.
   */
  alignFaces?: (img: RgbImage, file: string) => RgbImage[];
  /** Reads an image file (default: readImageSync, as `facemetric chips`). */
  readImage?: LoadImage;
  /** Keep the chip files' pixels in memory as well (default false: they are read again when sampled). */
  keepChips?: boolean;
  /** Called after each image file (for big folders). */
  onProgress?: (p: ScanProgress) => void;
}

const isImageName = (name: string): boolean =>
  !name.startsWith('.') && IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function defaultReadImage(path: string): RgbImage {
  return readImageSync(path);
}

/**
 * Scans a data folder (see the module comment): each person folder's image files, decoded,
 * the 150x150 ones taken as chips and the others aligned when they show exactly one face.
 *
 * Requires: `dir` a readable folder.
 * Ensures: the people in folder-name order, each with its usable images in file-name order;
 *   the skipped files with a one-line problem each; warnings. Throws a FacemetricError naming
 *   `dir` when it cannot be listed, holds no person folder, or no person with a usable image.
 *   Model loading errors (for the first photo) pass through.
 */
export function scanDataDir(dir: string, opts: ScanDataDirOptions = {}): DataDirScan {
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new FacemetricError('the data folder is not a folder', { file: dir });
  } catch (e) {
    if (e instanceof FacemetricError) throw e;
    throw new FacemetricError(`cannot open the data folder: ${problemOf(dir, e)}`, { file: dir, cause: e });
  }
  const readImage = opts.readImage ?? defaultReadImage;
  let models = opts.models;
  const alignFaces = opts.alignFaces ?? ((img: RgbImage): RgbImage[] => {
    models ??= loadFaceModels('chips');
    return runPipeline(img, models, { until: 'chips' }).faces.map((f) => f.chip!);
  });

  const top = listFolder(root);
  const warnings: string[] = [];
  for (const f of top.files) if (isImageName(f)) warnings.push(`${join(root, f)}: not in a person folder; ignored (the data folder holds one folder per person)`);
  if (top.dirs.length === 0) {
    throw new FacemetricError('the data folder has no person folders (expected one folder per person holding photos or 150x150 chips)', { file: dir });
  }
  const folders = top.dirs.map((name) => ({ name, files: listFolder(join(root, name)).files.filter(isImageName).map((f) => join(root, name, f)) }));
  const total = folders.reduce((n, p) => n + p.files.length, 0);

  const people: DatasetPerson[] = [];
  const skipped: DatasetProblem[] = [];
  let done = 0;
  for (const { name, files } of folders) {
    const images: DataDirImage[] = [];
    for (const file of files) {
      try {
        const img = readImage(file);
        if (img.width === CHIP_SIZE && img.height === CHIP_SIZE) {
          images.push(opts.keepChips === true ? { file, kind: 'chip', chip: img } : { file, kind: 'chip' });
        } else {
          const chips = alignFaces(img, file);
          if (chips.length === 1) images.push({ file, kind: 'photo', chip: chips[0]! });
          else skipped.push({ file, problem: chips.length === 0 ? `no face found in the ${img.width}x${img.height} photo (a training photo must show exactly one face)` : `${chips.length} faces found (a training photo must show exactly one face)` });
        }
      } catch (e) {
        // a model's problem (loading the detector or predictor for the first photo) is not this image's
        if (e instanceof ModelAssetError || (e instanceof FacemetricError && e.file !== undefined && e.file !== file)) throw e;
        skipped.push({ file, problem: problemOf(file, e) });
      }
      done++;
      opts.onProgress?.({ done, total, file });
    }
    if (images.length === 0) {
      warnings.push(`${join(root, name)}: ${files.length === 0 ? 'no image files' : 'no usable image'}; person '${name}' left out`);
    } else {
      if (images.length === 1) warnings.push(`${join(root, name)}: person '${name}' has only one usable image (no same-person pair to learn from)`);
      people.push({ name, images });
    }
  }
  if (people.length === 0) {
    throw new FacemetricError(`no usable person in the data folder (${folders.length} folder${folders.length === 1 ? '' : 's'}, ${total} image file${total === 1 ? '' : 's'}, ${skipped.length} skipped)`, { file: dir });
  }
  return { dir, people, skipped, warnings };
}

/** The scan's people as sampler.ts's objects list: for each person, the paths of its images. */
export function datasetObjects(scan: DataDirScan): ObjectsList {
  return scan.people.map((p) => p.images.map((i) => i.file));
}

/**
 * A loader for loadMiniBatch over a scan: the kept chip of an image (an aligned photo, or a
 * chip file scanned with `keepChips`), else the file read again with `readImage` (default as
 * the scan's) and checked to be 150x150 still. The returned image is the cached one (loadMiniBatch
 * copies before it changes pixels). Throws a FacemetricError naming the file for a path not in
 * the scan or a file that changed size.
 */
export function datasetLoader(scan: DataDirScan, readImage: LoadImage = defaultReadImage): LoadImage {
  const byPath = new Map<string, DataDirImage>();
  for (const p of scan.people) for (const i of p.images) byPath.set(i.file, i);
  return (path: string): RgbImage => {
    const entry = byPath.get(path);
    if (entry === undefined) throw new FacemetricError('not an image of the scanned data folder', { file: path });
    if (entry.chip !== undefined) return entry.chip;
    const img = readImage(path);
    if (img.width !== CHIP_SIZE || img.height !== CHIP_SIZE) {
      throw new FacemetricError(`is now ${img.width}x${img.height}; it was a ${CHIP_SIZE}x${CHIP_SIZE} chip when the data folder was scanned`, { file: path });
    }
    return img;
  };
}

// ---------------------------------------------------------------------------------------------
// --batches LIST

/** One listed mini-batch: its images' paths and numeric labels, and where it starts in the list. */
export interface ListedMiniBatch {
  paths: string[];
  /** Numeric ids of the labels, numbered by first appearance in the whole list (from 0). */
  labels: number[];
  /** The 1-based line of the list file where the mini-batch starts. */
  line: number;
}

/** What {@link parseBatchList} read. */
export interface BatchList {
  file: string;
  batches: ListedMiniBatch[];
  /** The label tokens, indexed by numeric id. */
  labelNames: string[];
}

export interface ParseBatchListOptions {
  /** Every listed image must be a 150x150 chip (default true); false lets photos through (to be aligned by the caller). */
  requireChips?: boolean;
  /** Read every listed image once to check it (default true). */
  checkImages?: boolean;
  /** Reads an image (default: readImageSync, as the data folder's images). */
  readImage?: LoadImage;
}

/**
 * Parses a `--batches LIST` file: one `PATH LABEL` per line (the label is the last
 * whitespace-separated token, the path everything before it, so a path may hold spaces; a
 * relative path is relative to the list file's folder), one or more empty (or blank) lines
 * between mini-batches; each mini-batch is one training step, in the file's order. Labels are
 * any tokens, numbered by first appearance in the whole file (so a name keeps its id across
 * mini-batches).
 *
 * Requires: a readable list file.
 * Ensures: the mini-batches in order. Throws a FacemetricError whose message names the list file
 *   and the line for: a missing label, an unreadable image (`checkImages`), an image that is not
 *   150x150 (`requireChips`), a mini-batch with fewer than two different labels (loss_metric has
 *   no negative pair then); and for a list without any mini-batch.
 */
export function parseBatchList(listFile: string, opts: ParseBatchListOptions = {}): BatchList {
  let text: string;
  try {
    text = readFileSync(listFile, 'utf8');
  } catch (e) {
    throw new FacemetricError(`cannot read the mini-batch list: ${problemOf(listFile, e)}`, { file: listFile, cause: e });
  }
  const base = dirname(resolve(listFile));
  const requireChips = opts.requireChips ?? true;
  const checkImages = opts.checkImages ?? true;
  const readImage = opts.readImage ?? defaultReadImage;
  const checked = new Map<string, string | undefined>(); // path -> problem (undefined: fine)
  const ids = new Map<string, number>();
  const labelNames: string[] = [];
  const batches: ListedMiniBatch[] = [];
  let current: (ListedMiniBatch & { names: string[]; lastLine: number }) | undefined;

  const fail = (line: number, msg: string): never => {
    throw new FacemetricError(`line ${line}: ${msg}`, { file: listFile });
  };
  const close = (): void => {
    if (current === undefined) return;
    const distinct = new Set(current.labels);
    if (distinct.size < 2) {
      fail(current.line, `the mini-batch of lines ${current.line}-${current.lastLine} has only one label ('${current.names[0]}'); a mini-batch needs at least two different labels (people)`);
    }
    batches.push({ paths: current.paths, labels: current.labels, line: current.line });
    current = undefined;
  };

  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') {
      close();
      return;
    }
    const m = /^(.*\S)\s+(\S+)$/.exec(line);
    if (m === null) fail(lineNo, `missing label: expected 'PATH LABEL', got '${line}'`);
    const [, pathText, label] = m!;
    const path = isAbsolute(pathText!) ? pathText! : join(base, pathText!);
    // "my photos/a.jpg" without a label reads as path "my", label "photos/a.jpg": when the whole
    // line names a file, the label is what is missing
    const wholeLine = isAbsolute(line) ? line : join(base, line);
    if (!existsSync(path) && isFile(wholeLine)) fail(lineNo, `missing label: expected 'PATH LABEL', got '${line}'`);
    if (checkImages) {
      if (!checked.has(path)) {
        let problem: string | undefined;
        try {
          const img = readImage(path);
          if (requireChips && (img.width !== CHIP_SIZE || img.height !== CHIP_SIZE)) {
            problem = `${pathText} is ${img.width}x${img.height}; a listed image must be a ${CHIP_SIZE}x${CHIP_SIZE} face chip`;
          }
        } catch (e) {
          problem = `${pathText}: ${problemOf(path, e)}`;
        }
        checked.set(path, problem);
      }
      const problem = checked.get(path);
      if (problem !== undefined) fail(lineNo, problem);
    }
    let id = ids.get(label!);
    if (id === undefined) {
      id = labelNames.length;
      ids.set(label!, id);
      labelNames.push(label!);
    }
    current ??= { paths: [], labels: [], names: [], line: lineNo, lastLine: lineNo };
    current.paths.push(path);
    current.labels.push(id);
    current.names.push(label!);
    current.lastLine = lineNo;
  });
  close();
  if (batches.length === 0) {
    throw new FacemetricError("no mini-batches in the list (expected lines 'PATH LABEL', an empty line between mini-batches)", { file: listFile });
  }
  return { file: listFile, batches, labelNames };
}

// ---------------------------------------------------------------------------------------------
// Held-out people

/**
 * A seeded split of whole people into a training set and a held-out set (for the before/after
 * evaluation): the indices 0..n-1 shuffled by dlib's `randomize_samples(v, rnd)` (dlib/svm/svm.h:
 * from the last position down to 1, swap position i with `get_random_32bit_number() % (i+1)`),
 * the first `heldOut` of them held out, where `heldOut = round(fraction * n)`, at least 1 when
 * `fraction > 0`. Both sets keep the people's original order. Deterministic for a given
 * generator state; with `fraction` 0 nothing is drawn and every person trains.
 *
 * Requires: 0 <= fraction < 1; at least 2 people left to train on (else a FacemetricError naming
 * the numbers).
 */
export function holdoutSplit<T>(people: readonly T[], fraction: number, rnd: DlibRand): { train: T[]; heldOut: T[] } {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw new FacemetricError(`holdoutSplit: the held-out fraction must be in [0, 1), got ${String(fraction)}`);
  }
  const n = people.length;
  if (fraction === 0) return { train: people.slice(), heldOut: [] };
  const held = Math.max(1, Math.round(fraction * n));
  if (n - held < 2) {
    throw new FacemetricError(`holdoutSplit: holding out ${held} of ${n} people (fraction ${fraction}) leaves ${n - held} to train on; at least 2 are needed`);
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rnd.getRandom32bitNumber() % (i + 1);
    const t = idx[j]!;
    idx[j] = idx[i]!;
    idx[i] = t;
  }
  const out = new Set(idx.slice(0, held));
  const train: T[] = [];
  const heldOut: T[] = [];
  people.forEach((p, i) => (out.has(i) ? heldOut : train).push(p));
  return { train, heldOut };
}
