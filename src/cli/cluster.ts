/**
 * `facemetric cluster PATH...`: find the people in a photo collection, as dlib's
 * examples/dnn_face_recognition_ex.cpp does: every face (the pipeline, src/pipeline/: HOG
 * detector, 68 landmarks, 150x150 chip with padding 0.25, ResNet descriptor), an edge between
 * every two faces closer than the threshold (pairs i <= j, self-pairs included), then dlib's
 * chinese_whispers with its default dlib::rand and 100 iterations: the labels are dlib's.
 * Options, defaults and help: the command table (commands.ts).
 *
 * Inputs: image files and folders (walked recursively, see inputs.ts), in the order given.
 * Images are read and their faces found by worker threads (face-pool.ts, cluster-worker.ts; one
 * image per task, outcomes taken in input order) or, for fewer than 4 images or one thread, in
 * this thread (find-faces.ts either way).
 * Photos without faces and other files (inputs.ts otherFileType: sidecars, videos, formats
 * facemetric does not read) are normal in a photo library: they are counted on the summary line,
 * listed in clusters.json and the report, and named on stderr only with --verbose. A photo that
 * cannot be read or decoded (and an input path that cannot be used) is named on stderr, one line
 * each, and the run goes on. Exit code: 0 when every file could be read, 3 when the report was
 * written but some photos could not be read, 1 when no report could be written, 2 for wrong
 * arguments.
 *
 * The report folder (the one given, else a fresh folder under the system's temp folder) receives:
 *   faces/face-0001.png ...  each face's 150x150 chip, numbered in the order found
 *   person-1.png ...         one tile of chips per person (the first 100 faces)
 *   clusters.json            {"clusters", "faces": [{"image", "rect", "label", ...}], "people", ...}
 *   index.html ...           the people, largest first, a card each (the face nearest their
 *                            mean, counts), 200 a page (index-2.html, ...)
 *   person/N.html ...        one page per person: their faces (500 a page), each a link to its photo
 *   files.html               the unreadable photos, the photos without faces, the other files
 * People keep their numbers from the previous run in the folder, matched through their faces
 * (photo sha256 + box; people.ts), new people get new numbers; in a new folder they are
 * numbered by size (most faces first; ties in dlib's label order). Each face keeps dlib's label
 * too; names come from the user's people.json. A folder holding only a previous run's files
 * (and the cache) is updated; another non-empty folder is refused unless forced, which replaces
 * only facemetric's own files in it (the names above). The descriptor cache: face-cache.ts.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FacemetricError, problemOf, UsageError } from '../errors.js';
import { chineseWhispers, faceEdges } from '../cluster/index.js';
import { cudaStatus } from '../cuda/index.js';
import { defaultDnnBackend, loadFaceRecognizer, wasmDnnUnavailable, type DnnBackend } from '../dnn/recognizer.js';
import type { Rect } from '../geometry/index.js';
import { decodeImage, encodePng, readImageSync, type RgbImage } from '../image/index.js';
import { fsErrorToImageError } from '../image/io.js';
import { hashFile, removeStaleTemps, tempPathFor, writeAtomicSync } from '../models/fsutil.js';
import { assetPath } from '../models/index.js';
import { FACE_BATCH_SIZE, FACE_CHIP, loadFaceModels } from '../pipeline/index.js';
import { relaxedSimdSupported } from '../wasm/index.js';
import { CacheError, FaceCache, isFaceCacheDir, sha256Of, type CacheContext, type CachedPhoto } from './face-cache.js';
import { collectInputs, otherFileType, SNIFF_BYTES, type InputProblem } from './inputs.js';
import { defaultThreads, inOrder, inProcessSource, useWorkers, workerSource, type FaceSource, type Outcome } from './face-pool.js';
import { faceKey, numberPeople, readPeopleNames, readPreviousPeople } from './people.js';
import { ProgressBar, progressMode, type ProgressSink } from './progress.js';
import { MAX_TILE_CHIPS, OWN_INDEX_PAGE, OWN_PERSON_PAGE, peopleCount, plural, renderReport, tileChips, type ReportFile, type ReportPerson } from './report.js';
import { rankByCentroid } from '../gallery/index.js';
import { decodeWarning } from './find-faces.js';

export interface ClusterCliOptions {
  threshold?: number;
  jitter?: number;
  upsample?: number;
  out?: string;
  json?: boolean;
  force?: boolean;
  backend?: DnnBackend;
  /** Worker threads finding faces (default: the cores, at most 4; 1: this thread only). */
  threads?: number;
  quiet?: boolean;
  /** Name each photo without faces and each other file on stderr too. */
  verbose?: boolean;
  /** Each face's descriptor in clusters.json (and --json). */
  descriptors?: boolean;
  /** The descriptor cache's folder (default: `cache` in the --out folder; none without --out). */
  cache?: string;
  /** No descriptor cache: every photo's faces are found again, nothing is stored. */
  noCache?: boolean;
  /** The package version, for the report page. */
  version?: string;
}

export interface ClusterIo {
  out: (s: string) => void;
  err: ProgressSink;
}

/** A face in clusters.json. */
export interface ClusteredFace {
  image: string;
  rect: Rect;
  score: number;
  filter: number;
  /** dlib's chinese_whispers label. */
  label: number;
  /** The person's number: kept from the previous run in the report folder (people.ts), else by size (1 = most faces). */
  person: number;
  /** sha256 of the photo's bytes (with rect, the face's identity across runs). */
  sha256: string;
  /** The chip's file, relative to the report folder. */
  chip: string;
  /** With --descriptors: the face's 128 numbers (the float32 values, printed to round-trip). */
  descriptor?: number[];
}

/** What a run's files were: the counts of clusters.json's `images`. */
export interface ClusterFileCounts {
  /** Files found (walking the folders given), plus input paths that could not be used. */
  files: number;
  /** Photos: withFaces + withoutFaces + unreadable. */
  photos: number;
  withFaces: number;
  withoutFaces: number;
  /** Photos that could not be read or decoded, and input paths that could not be used. */
  unreadable: number;
  /** Files that are not photos (inputs.ts otherFileType). */
  otherFiles: number;
  /** Photos whose faces came from the descriptor cache (face-cache.ts). */
  fromCache: number;
}

export interface ClustersJson {
  clusters: number;
  faces: ClusteredFace[];
  /**
   * Largest first; `name` from people.json when given; `tileSha256` identifies the chips the tile
   * shows (a re-run keeps a tile whose chips are the same).
   */
  people: { person: number; name?: string; label: number; faces: number; tile: string; tileSha256: string }[];
  /** The number the next new person will get in this report folder (numbers are never reused). */
  nextPerson: number;
  images: ClusterFileCounts;
  /** The photos that could not be read, and why (each was named on stderr). */
  unreadable: InputProblem[];
  /** The photos without faces. */
  withoutFaces: string[];
  /** The files that are not photos, and what each is. */
  otherFiles: { file: string; type: string }[];
  /** The descriptor cache's folder; null without one. */
  cache: string | null;
  threshold: number;
  jitter: number;
  upsample: number;
  report: string;
  timings: Record<string, number>;
}

/** Exit code of a run that wrote its report but skipped some inputs. */
export const EXIT_INPUTS_SKIPPED = 3;

/** facemetric's own file names in a report folder, cluster's and clean's (what --force may replace). */
const OWN_FILE = /^(clusters\.json|clean\.json|index\.html|index-\d+\.html|files\.html|person-\d+\.png)$/;
const OWN_CHIP = /^face-\d+\.png$/;
const OWN_TILE = /^person-\d+\.png$/;
/** facemetric's own folders in a report folder and the files of theirs it may replace: chips, person pages. */
const OWN_DIRS = { faces: OWN_CHIP, person: OWN_PERSON_PAGE } as const;

/**
 * Whether the folder `out` (with its `entries`) holds only a previous cluster run's files: its
 * report files, faces/ with only chips, the descriptor cache (cache/ tagged as facemetric's)
 * and people.json (the user's names for the people), and at least clusters.json or the cache.
 */
function holdsPreviousRun(out: string, entries: readonly string[]): boolean {
  let evidence = false;
  for (const e of entries) {
    const p = join(out, e);
    if (OWN_FILE.test(e) || e === 'people.json') {
      if (!lstatSync(p).isFile()) return false;
      if (e === 'clusters.json') evidence = true;
    } else if (e === 'faces' || e === 'person') {
      if (!lstatSync(p).isDirectory() || !readdirSync(p).every((c) => OWN_DIRS[e].test(c))) return false;
    } else if (e === 'cache') {
      if (!isFaceCacheDir(p)) return false;
      evidence = true;
    } else {
      return false;
    }
  }
  return evidence;
}

/** The lock file a cluster run holds in its --out folder while it writes there. */
export const REPORT_LOCK = '.facemetric-run.lock';

/**
 * Takes the report folder `out` for this run (creating it when missing): a lock file made with
 * O_EXCL holding this process's id, so that a second run into the same folder at the same time
 * is refused in one line instead of clearing and mixing the first one's files. A lock left by a
 * run that no longer exists (killed) is taken over. Returns the release (called when done).
 */
export function lockReportFolder(out: string): () => void {
  const lock = join(out, REPORT_LOCK);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new FacemetricError(`cannot create the report folder: ${(e as Error).message.split('\n')[0]}`, { file: out });
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FacemetricError(`cannot write ${REPORT_LOCK} (${(e as Error).message.split('\n')[0]})`, { file: out });
    }
    let text: string | undefined;
    for (let wait = 0; wait < 20; wait++) {
      try {
        text = readFileSync(lock, 'utf8');
      } catch { /* removed meanwhile: try again */ }
      // Empty: the other run has made it and not yet written its id (a moment).
      if (text !== '') break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
    if (text === undefined) continue;
    const pid = Number.parseInt(text, 10);
    if (text === '' || (Number.isInteger(pid) && pid > 0 && processAlive(pid))) {
      throw new FacemetricError(`another facemetric run (${text === '' ? 'starting' : `process ${pid}`}) is writing a report here; wait for it to finish (or remove ${REPORT_LOCK} if no such run exists)`, { file: out });
    }
    // Left by a run that is gone (killed): take it over.
    rmSync(lock, { force: true });
  }
  throw new FacemetricError(`cannot take ${REPORT_LOCK} (other runs keep taking it)`, { file: out });
}

/** Whether process `pid` exists (signal 0; EPERM: it exists, another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The report folder, with its faces/ folder: `out` (new, empty, or with --force cleared of
 * facemetric's own report files; nothing else is touched), or a new temporary folder. With
 * `rerun`, a folder that holds only a previous cluster run's files is cleared as with --force.
 */
export function prepareOutDir(out: string | undefined, force: boolean, command = 'cluster', rerun = false): string {
  if (out === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-report-'));
    mkdirSync(join(dir, 'faces'));
    return dir;
  }
  if (out === '') throw new UsageError(`${command}: --out needs a folder`);
  if (existsSync(out)) {
    if (!lstatSync(out).isDirectory()) throw new FacemetricError('exists and is not a folder; give a new folder for the report', { file: out });
    const entries = readdirSync(out).filter((e) => e !== REPORT_LOCK);
    if (entries.length > 0) {
      if (!force && !(rerun && holdsPreviousRun(out, entries))) {
        throw new FacemetricError('is not empty (refusing to write a report over what is there); give a new folder, or --force to replace facemetric\'s report files in it', { file: out });
      }
      // Only facemetric's own files go: the last report's, which this one replaces. A
      // re-run's clusters.json stays until the new one replaces it (a rename), so that a run
      // killed on the way leaves the people's numbers for the next one.
      // Its tiles stay too, until the new run has decided which of them it keeps (those whose
      // chips are the same: runCluster).
      for (const e of entries) if (OWN_FILE.test(e) && !(rerun && (e === 'clusters.json' || OWN_TILE.test(e)))) unlinkSync(join(out, e));
      for (const [dir, own] of Object.entries(OWN_DIRS)) {
        const d = join(out, dir);
        if (existsSync(d) && lstatSync(d).isDirectory()) {
          for (const e of readdirSync(d)) if (own.test(e)) unlinkSync(join(d, e));
        }
      }
    }
  }
  try {
    mkdirSync(join(out, 'faces'), { recursive: true });
  } catch (e) {
    throw new FacemetricError(`cannot create the report folder: ${(e as Error).message.split('\n')[0]}`, { file: out });
  }
  return out;
}

/**
 * Writes a PNG into the report folder: whole or not at all. The bytes go to a temporary name,
 * which is then hard-linked to `path` — a link fails when `path` exists (the folder is fresh, or
 * cleared of facemetric's files by --force, so nothing is ever replaced) and makes the complete
 * file appear at once, so a run killed at any moment leaves no half-written chip. The chips are
 * not flushed one by one (writePng's fsync costs ~10 ms a file): they can be made again, and
 * nothing of the user's is at stake.
 */
export function writeReportPng(path: string, img: RgbImage | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, img instanceof Uint8Array ? img : encodePng(img, { filterType: 4 }), { flag: 'wx' });
    linkSync(tmp, path);
  } catch (e) {
    throw fsErrorToImageError(e, path, 'write');
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Writes a text file through a temporary name and a rename (no half-written file is left). */
export function writeTextFile(path: string, text: string): void {
  try {
    writeAtomicSync(path, text);
  } catch (e) {
    throw fsErrorToImageError(e, path, 'write');
  }
}

/**
 * Writes the report's pages (renderReport) into `outDir`, each through a temporary name, and
 * removes the pages of an earlier report there that this one does not have (index-N.html,
 * files.html, person/N.html of people no longer there).
 */
export function writeReportPages(outDir: string, pages: readonly ReportFile[]): void {
  const personDir = join(outDir, 'person');
  mkdirSync(personDir, { recursive: true });
  const written = new Set(pages.map((p) => p.path));
  for (const p of pages) writeTextFile(join(outDir, ...p.path.split('/')), p.html);
  for (const e of readdirSync(outDir)) if (OWN_INDEX_PAGE.test(e) && !written.has(e)) rmSync(join(outDir, e), { force: true });
  for (const e of readdirSync(personDir)) if (OWN_PERSON_PAGE.test(e) && !written.has(`person/${e}`)) rmSync(join(personDir, e), { force: true });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** `50,000 photos`: a count with thousands separators and its noun (plural unless 1). */
export function countOf(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;
}

/**
 * The summary line of a run's files: `50,000 photos, 31,204 with faces, 18,790 without, 6 other
 * files` (`, N unreadable` before the other files when some photos could not be read; the other
 * files only when there are some; `; N from the cache` when the cache answered for some).
 */
export function filesSummary(c: ClusterFileCounts): string {
  const parts = [countOf(c.photos, 'photo'), `${c.withFaces.toLocaleString('en-US')} with faces`, `${c.withoutFaces.toLocaleString('en-US')} without`];
  if (c.unreadable > 0) parts.push(`${c.unreadable.toLocaleString('en-US')} unreadable`);
  if (c.otherFiles > 0) parts.push(countOf(c.otherFiles, 'other file'));
  return parts.join(', ') + (c.fromCache > 0 ? `; ${countOf(c.fromCache, 'photo')} from the cache` : '');
}

/**
 * What a file is (inputs.ts otherFileType, from its first bytes and name) and, for a photo, the
 * sha256 of its bytes, read in 1 MiB pieces (an other file — a video — is not read beyond its
 * first bytes; nothing is kept). Synchronous: for the small files of a photo library several
 * times faster than fs/promises, and the main thread has nothing else to do meanwhile.
 */
function sniffAndHash(file: string): { other: string } | { sha256: string } {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n = readSync(fd, buf, 0, buf.length, 0);
    const other = otherFileType(file, buf.subarray(0, Math.min(n, SNIFF_BYTES)));
    if (other !== undefined) return { other };
    const hash = createHash('sha256');
    for (let at = 0; n > 0; at += n, n = readSync(fd, buf, 0, buf.length, at)) hash.update(buf.subarray(0, n));
    return { sha256: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** What a file turned out to be before (or instead of) finding its faces. */
type Prepared = (Outcome & { sha256: string }) | { file: string; problem: string } | { file: string; other: string } | { file: string; cached: CachedPhoto; sha256: string };

/**
 * How the face ResNet will run here ('reference', 'wasm-simd', 'wasm-relaxed', 'cuda-<build>'):
 * part of the cache's context, since relaxed SIMD's fused multiply-adds (and the GPU's summation
 * order) change the descriptors' last bits.
 */
function describerOf(backend: DnnBackend | undefined): string {
  const b = backend ?? defaultDnnBackend();
  const cuda = b === 'cuda' ? cudaStatus() : undefined;
  if (cuda?.ok === true) return `cuda-${cuda.runtime.build}`;
  if (b === 'reference' || wasmDnnUnavailable() !== undefined) return 'reference';
  return relaxedSimdSupported() ? 'wasm-relaxed' : 'wasm-simd';
}

/** The cache context of this run: the models' sha256, the options, the version (face-cache.ts). */
async function cacheContext(upsample: number, backend: DnnBackend | undefined, version: string): Promise<CacheContext> {
  const [detector, predictor, recognizer] = await Promise.all(
    ['frontal_face_detector', 'shape_predictor_68_face_landmarks', 'dlib_face_recognition_resnet_model_v1'].map(async (name) => (await hashFile(assetPath(name))).sha256),
  );
  return {
    facemetric: version, detector: detector!, predictor: predictor!, recognizer: recognizer!, describer: describerOf(backend),
    upsample, detectThreshold: 0, chip: { size: FACE_CHIP.size, padding: FACE_CHIP.padding },
  };
}

export async function runCluster(paths: readonly string[], opts: ClusterCliOptions, io: ClusterIo = {
  out: (s) => process.stdout.write(s),
  err: process.stderr,
}): Promise<number> {
  const threshold = opts.threshold ?? 0.6;
  if (!(threshold > 0)) throw new UsageError(`cluster: --threshold must be greater than 0, got ${threshold}`);
  const jitter = opts.jitter ?? 0;
  const upsample = opts.upsample ?? 0;
  const tStart = performance.now();

  if (opts.cache === '') throw new UsageError('cluster: --cache needs a folder');
  if (opts.cache !== undefined && opts.noCache) throw new UsageError('cluster: give either --cache DIR or --no-cache, not both');
  const cacheDir = opts.noCache ? undefined : opts.cache ?? (opts.out !== undefined && opts.out !== '' ? join(opts.out, 'cache') : undefined);
  const exclude = [opts.out, opts.cache].filter((d): d is string => d !== undefined && d !== '' && existsSync(d));
  const { files, problems } = collectInputs(paths, exclude);
  if (files.length === 0 && problems.length === 0) {
    throw new FacemetricError(`no files found in ${paths.join(', ')}`);
  }
  // What the folder holds from a previous run, read before it is cleared: the people's names
  // (a bad people.json stops the run here, nothing touched) and their numbers.
  const outExists = opts.out !== undefined && opts.out !== '' && existsSync(opts.out) && lstatSync(opts.out).isDirectory();
  const names = outExists ? readPeopleNames(opts.out!) : new Map<number, string>();
  const previous = outExists ? readPreviousPeople(opts.out!) : undefined;
  // The cache: a folder given with --cache must be usable (checked before the report folder is
  // touched); the default one, in the report folder, is only a convenience.
  let cache: FaceCache | undefined;
  const openCache = async (dir: string): Promise<void> => {
    const context = await cacheContext(upsample, opts.backend, opts.version ?? 'unknown');
    try {
      cache = FaceCache.open(dir, context);
    } catch (e) {
      if (opts.cache !== undefined || !(e instanceof CacheError)) throw e;
      io.err.write(`facemetric: note: ${e.message}; this run goes on without a cache\n`);
    }
  };
  if (opts.cache !== undefined && cacheDir !== undefined) await openCache(cacheDir);
  // The report folder is this run's until it ends (a second run into it at once is refused).
  const release = opts.out !== undefined && opts.out !== '' && !(existsSync(opts.out) && !lstatSync(opts.out).isDirectory()) ? lockReportFolder(opts.out) : undefined;
  try {
    if (release !== undefined) {
      // What a killed run left half-written under temporary names goes first.
      await removeStaleTemps(opts.out!);
      await removeStaleTemps(join(opts.out!, 'faces'));
    }
    const outDir = prepareOutDir(opts.out, opts.force === true, 'cluster', true);
    if (opts.cache === undefined && cacheDir !== undefined) await openCache(cacheDir);
    const unreadable: InputProblem[] = [];
    const withoutFaces: string[] = [];
    const otherFiles: { file: string; type: string }[] = [];
    const say = (line: string): void => {
      bar.finish();
      io.err.write(`facemetric: ${line}\n`);
    };
    const skip = (p: InputProblem): void => {
      unreadable.push(p);
      say(`${p.file}: ${p.problem} (skipped)`);
    };

    // Where the faces are found: worker threads for more than a few images, else this thread.
    // Jittered descriptors are made here, in input order, from the chips (found or cached), so
    // that the jitter draws follow the files (as one dlib::rand would in a loop over them); plain
    // ones where the faces are found (with jitter too when there is a cache: it stores them).
    const threads = Math.min(opts.threads ?? defaultThreads(), files.length);
    const workers = useWorkers(files.length, threads);
    const backend = opts.backend === undefined ? {} : { backend: opts.backend };
    const plainInSource = jitter <= 1 || cache !== undefined;
    const recognizer = jitter > 1 ? loadFaceRecognizer(undefined, backend) : undefined;
    const noted = new Set<string>();
    const note = (n: string | undefined): void => {
      if (n !== undefined && !noted.has(n)) {
        noted.add(n);
        say(`note: ${n}`);
      }
    };
    // Started at the first photo the cache does not answer for (a re-run of an unchanged library
    // loads no models at all).
    let started: Promise<FaceSource> | undefined;
    const startSource = (): Promise<FaceSource> => started ??= (async () => {
      const s = workers
        ? await workerSource(threads, { upsample, pngs: true, describe: plainInSource, ...backend })
        : inProcessSource(loadFaceModels(plainInSource ? 'describe' : 'chips', backend), { upsample, pngs: true });
      for (const n of s.notes) note(n);
      return s;
    })();
    const submit = async (file: string): Promise<Outcome> => (await startSource()).submit(file);

    const bar = new ProgressBar(io.err, files.length, files.length === 1 ? 'file' : 'files', progressMode(io.err, opts.quiet));
    note(recognizer?.note);
    for (const p of problems) skip(p);

    /**
     * A file's first bytes tell a photo from an other file; a photo's faces come from the cache
     * (by the sha256 of its bytes) or from the source.
     */
    const prepare = async (file: string): Promise<Prepared> => {
      let read: { other: string } | { sha256: string };
      try {
        read = sniffAndHash(file);
      } catch (e) {
        return { file, problem: problemOf(file, fsErrorToImageError(e, file, 'read')) };
      }
      if ('other' in read) return { file, other: read.other };
      const sha256 = read.sha256;
      const cached = await cache?.get(sha256);
      if (cached !== undefined) return { file, cached, sha256 };
      return { ...(await submit(file)), sha256 };
    };

    interface Found { image: string; imageAbs: string; sha256: string; rect: Rect; score: number; filter: number; chip: string; descriptor: Float32Array }
    const found: Found[] = [];
    const t = { decode: 0, detect: 0, landmarks: 0, chips: 0, describe: 0, edges: 0, cluster: 0, report: 0 };
    let done = 0;
    let fromCache = 0;
    const digits = (n: number): number => Math.max(4, String(n).length);
    bar.update(0);
    try {
      for await (const outcome of inOrder(files, prepare, workers ? 8 * threads : 1)) {
        const file = outcome.file;
        const warnings = 'result' in outcome ? outcome.result.warnings : 'cached' in outcome ? outcome.cached.warnings : undefined;
        if (warnings !== undefined) { bar.finish(); io.err.write(decodeWarning(file, warnings)); }
        if ('other' in outcome) {
          otherFiles.push({ file, type: outcome.other });
          if (opts.verbose) say(`${file}: not a photo (${outcome.other})`);
        } else if ('problem' in outcome) {
          skip({ file, problem: outcome.problem });
        } else {
          // The faces, found or cached: boxes, chips (as PNG; decoded only to jitter them) and
          // plain descriptors (jittered ones made here).
          let faces: readonly { rect: Rect; score: number; filter: number }[];
          let pngs: readonly Uint8Array[];
          let plain: readonly Float32Array[] | undefined;
          let chips: () => RgbImage[];
          if ('cached' in outcome) {
            fromCache++;
            const cached = outcome.cached.faces;
            faces = cached;
            pngs = cached.map((f) => f.png);
            plain = cached.map((f) => f.descriptor);
            chips = () => cached.map((f) => decodeImage(f.png));
          } else {
            const r = outcome.result;
            for (const k of ['decode', 'detect', 'landmarks', 'chips', 'describe'] as const) t[k] += r.timings[k];
            t.report += r.timings.encode;
            faces = r.faces;
            pngs = r.pngs!;
            plain = r.descriptors;
            chips = () => r.chips;
            if (cache !== undefined) {
              cache.put(outcome.sha256, r.faces.map((f, k) => ({ ...f, png: r.pngs![k]!, descriptor: r.descriptors![k]! })), r.warnings);
            }
          }
          if (faces.length === 0) {
            withoutFaces.push(file);
            if (opts.verbose) say(`${file}: no faces found`);
          } else {
            let t0 = performance.now();
            const descriptors = jitter > 1 ? recognizer!.describeBatch(chips(), { batchSize: FACE_BATCH_SIZE, jitter }) : plain!;
            t.describe += jitter > 1 ? performance.now() - t0 : 0;
            t0 = performance.now();
            for (const [k, d] of faces.entries()) {
              const chip = join('faces', `face-${String(found.length + 1).padStart(digits(found.length + 1), '0')}.png`);
              writeReportPng(join(outDir, chip), pngs[k]!);
              found.push({ image: file, imageAbs: resolve(file), sha256: outcome.sha256, rect: d.rect, score: d.score, filter: d.filter, chip, descriptor: descriptors[k]! });
            }
            t.report += performance.now() - t0;
          }
        }
        bar.update(++done, `${found.length} face${found.length === 1 ? '' : 's'}`);
      }
    } catch (e) {
      bar.finish();
      throw e;
    } finally {
      if (started !== undefined) await started.then((s) => s.close(), () => {});
    }
    bar.finish();
    const withFaces = files.length - otherFiles.length - withoutFaces.length - (unreadable.length - problems.length);
    const counts: ClusterFileCounts = {
      files: files.length + problems.length,
      photos: files.length + problems.length - otherFiles.length,
      withFaces,
      withoutFaces: withoutFaces.length,
      unreadable: unreadable.length,
      otherFiles: otherFiles.length,
      fromCache,
    };
    if (cache !== undefined && cache.untrusted > 0) {
      io.err.write(`facemetric: note: ${cacheDir}: ${countOf(cache.untrusted, 'cache entry', 'cache entries')} could not be trusted (corrupt, or made by another version): ignored, those photos' faces found again and stored anew\n`);
    }
    if (cache?.writeProblem !== undefined) {
      io.err.write(`facemetric: note: ${cacheDir}: cannot write the cache (${cache.writeProblem}); this run's new photos are not cached\n`);
    }

    let t0 = performance.now();
    const edges = faceEdges(found.map((f) => f.descriptor), threshold);
    t.edges = performance.now() - t0;
    t0 = performance.now();
    const { labels, numClusters } = found.length > 0 ? chineseWhispers(edges, found.length) : { labels: [], numClusters: 0 };
    t.cluster = performance.now() - t0;

    // People: numbered as in the previous run in this folder where their faces were there
    // (people.ts), new ones after; listed by size, then number.
    t0 = performance.now();
    const byLabel = new Map<number, number[]>();
    labels.forEach((l, k) => {
      const list = byLabel.get(l);
      if (list) list.push(k);
      else byLabel.set(l, [k]);
    });
    if (typeof previous === 'string') say(`note: ${join(outDir, 'clusters.json')}: ${previous}; people numbered afresh`);
    const { personOf, nextPerson } = numberPeople(
      [...byLabel].map(([label, members]) => ({ label, keys: members.map((k) => faceKey(found[k]!.sha256, found[k]!.rect)) })),
      typeof previous === 'string' ? undefined : previous,
    );
    const order = [...byLabel.keys()].sort((a, b) => byLabel.get(b)!.length - byLabel.get(a)!.length || personOf.get(a)! - personOf.get(b)!);
    const people: ReportPerson[] = [];
    const previousTiles = typeof previous === 'object' ? previous.tiles : new Map<number, string>();
    const tiles = new Map<number, string>();
    const keptTiles = new Set<string>();
    for (const label of order) {
      const members = byLabel.get(label)!;
      const person = personOf.get(label)!;
      const tile = `person-${person}.png`;
      // The tile of the previous run in this folder is kept when it shows the same chips.
      const tiled = members.slice(0, MAX_TILE_CHIPS);
      const tileSha256 = sha256Of(tiled.map((k) => faceKey(found[k]!.sha256, found[k]!.rect)).join('\n'));
      const tilePath = join(outDir, tile);
      keptTiles.add(tile);
      if (previousTiles.get(person) !== tileSha256 || !existsSync(tilePath)) {
        rmSync(tilePath, { force: true });
        writeReportPng(tilePath, tileChips(tiled.map((k) => readImageSync(join(outDir, found[k]!.chip)))));
      }
      tiles.set(person, tileSha256);
      const name = names.get(person);
      people.push({
        person,
        ...(name !== undefined ? { name } : {}),
        label,
        tile,
        faces: members.map((k) => ({ image: found[k]!.image, imageAbs: found[k]!.imageAbs, rect: found[k]!.rect, chip: found[k]!.chip })),
        representative: rankByCentroid(members.map((k) => found[k]!.descriptor))[0]!.index,
      });
    }
    const settings = `threshold ${threshold}, jitter ${jitter}, upsample ${upsample}`;
    const pages = renderReport({
      outDir: resolve(outDir),
      people,
      numFaces: found.length,
      numImages: withFaces,
      skipped: unreadable,
      withoutFaces,
      otherFiles,
      settings,
      version: opts.version ?? '',
    });
    const reportPath = join(outDir, 'index.html');
    writeReportPages(outDir, pages);
    t.report += performance.now() - t0;
    const json: ClustersJson = {
      clusters: numClusters,
      faces: found.map((f, k) => ({
        image: f.image, rect: f.rect, score: f.score, filter: f.filter, label: labels[k]!, person: personOf.get(labels[k]!)!, sha256: f.sha256, chip: f.chip,
        ...(opts.descriptors ? { descriptor: Array.from(f.descriptor) } : {}),
      })),
      people: people.map((p) => ({ person: p.person, ...(p.name !== undefined ? { name: p.name } : {}), label: p.label, faces: p.faces.length, tile: p.tile, tileSha256: tiles.get(p.person)! })),
      nextPerson,
      images: counts,
      unreadable,
      withoutFaces,
      otherFiles,
      cache: cache === undefined ? null : resolve(cache.dir),
      threshold,
      jitter,
      upsample,
      report: resolve(reportPath),
      timings: { ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round3(v)])), total: round3(performance.now() - tStart) },
    };
    writeTextFile(join(outDir, 'clusters.json'), JSON.stringify(json, null, 1) + '\n');
    // The previous run's tiles of people no longer there.
    for (const e of readdirSync(outDir)) if (OWN_TILE.test(e) && !keptTiles.has(e)) rmSync(join(outDir, e), { force: true });

    if (opts.json) {
      io.out(JSON.stringify(json) + '\n');
    } else {
      const lines = [filesSummary(counts), `${plural(found.length, 'face')}: ${peopleCount(numClusters)} (threshold ${threshold})`];
      for (const p of people) lines.push(`  person ${p.person}${p.name !== undefined ? ` (${p.name})` : ''}: ${plural(p.faces.length, 'face')} -> ${join(outDir, p.tile)}`);
      lines.push(`report: ${resolve(reportPath)}`);
      io.out(lines.join('\n') + '\n');
    }
    return unreadable.length > 0 ? EXIT_INPUTS_SKIPPED : 0;
  } finally {
    release?.();
  }
}
