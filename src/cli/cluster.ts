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
 * A file that cannot be read or decoded, a non-image and an image without faces are named on
 * stderr and skipped; the run goes on. Exit code: 0 when every input gave faces, 3 when the
 * report was written but some inputs were skipped, 1 when no report could be written, 2 for
 * wrong arguments.
 *
 * The report folder (the one given, else a fresh folder under the system's temp folder) receives:
 *   faces/face-0001.png ...  each face's 150x150 chip, numbered in the order found
 *   person-1.png ...         one tile of chips per person (the first 100 faces)
 *   clusters.json            {"clusters", "faces": [{"image", "rect", "label", ...}], "people", ...}
 *   index.html               one section per person, each face a link to its photo
 * People are numbered by size (most faces first; ties in dlib's label order); each face keeps
 * dlib's label too. An existing non-empty folder is refused unless forced, which replaces only
 * facemetric's own files in it (the names above).
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FacemetricError, UsageError } from '../errors.js';
import { chineseWhispers, faceEdges } from '../cluster/index.js';
import { loadFaceRecognizer, type DnnBackend } from '../dnn/recognizer.js';
import type { Rect } from '../geometry/index.js';
import { encodePng, readImageSync, type RgbImage } from '../image/index.js';
import { fsErrorToImageError } from '../image/io.js';
import { tempPathFor } from '../models/fsutil.js';
import { FACE_BATCH_SIZE, loadFaceModels } from '../pipeline/index.js';
import { collectInputs, type InputProblem } from './inputs.js';
import { defaultThreads, inProcessSource, useWorkers, workerSource } from './face-pool.js';
import { ProgressBar, progressMode, type ProgressSink } from './progress.js';
import { MAX_TILE_CHIPS, peopleCount, plural, renderReportHtml, tileChips, type ReportPerson } from './report.js';
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
  /** The person's number in the report (1 = most faces). */
  person: number;
  /** The chip's file, relative to the report folder. */
  chip: string;
}

export interface ClustersJson {
  clusters: number;
  faces: ClusteredFace[];
  people: { person: number; label: number; faces: number; tile: string }[];
  images: { found: number; withFaces: number; skipped: number };
  skipped: InputProblem[];
  threshold: number;
  jitter: number;
  upsample: number;
  report: string;
  timings: Record<string, number>;
}

/** Exit code of a run that wrote its report but skipped some inputs. */
export const EXIT_INPUTS_SKIPPED = 3;

/** facemetric's own file names in a report folder, cluster's and clean's (what --force may replace). */
const OWN_FILE = /^(clusters\.json|clean\.json|index\.html|person-\d+\.png)$/;
const OWN_CHIP = /^face-\d+\.png$/;

/**
 * The report folder, with its faces/ folder: `out` (new, empty, or with --force cleared of
 * facemetric's own report files; nothing else is touched), or a new temporary folder.
 */
export function prepareOutDir(out: string | undefined, force: boolean, command = 'cluster'): string {
  if (out === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-report-'));
    mkdirSync(join(dir, 'faces'));
    return dir;
  }
  if (out === '') throw new UsageError(`${command}: --out needs a folder`);
  if (existsSync(out)) {
    if (!lstatSync(out).isDirectory()) throw new FacemetricError('exists and is not a folder; give a new folder for the report', { file: out });
    const entries = readdirSync(out);
    if (entries.length > 0) {
      if (!force) {
        throw new FacemetricError('is not empty (refusing to write a report over what is there); give a new folder, or --force to replace facemetric\'s report files in it', { file: out });
      }
      // Only facemetric's own files go: the last report's, which this one replaces.
      for (const e of entries) if (OWN_FILE.test(e)) unlinkSync(join(out, e));
      const faces = join(out, 'faces');
      if (existsSync(faces) && lstatSync(faces).isDirectory()) {
        for (const e of readdirSync(faces)) if (OWN_CHIP.test(e)) unlinkSync(join(faces, e));
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
 * Writes a PNG into the report folder. The folder is fresh (or cleared of facemetric's files by
 * --force), so the file must not exist ('wx'); the chips are not flushed one by one (writePng's
 * fsync costs ~10 ms a file): they can be made again, and nothing of the user's is at stake.
 */
export function writeReportPng(path: string, img: RgbImage | Uint8Array): void {
  try {
    writeFileSync(path, img instanceof Uint8Array ? img : encodePng(img, { filterType: 4 }), { flag: 'wx' });
  } catch (e) {
    throw fsErrorToImageError(e, path, 'write');
  }
}

/** Writes a text file through a temporary name and a rename (no half-written file is left). */
export function writeTextFile(path: string, text: string): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fsErrorToImageError(e, path, 'write');
  }
}


const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function runCluster(paths: readonly string[], opts: ClusterCliOptions, io: ClusterIo = {
  out: (s) => process.stdout.write(s),
  err: process.stderr,
}): Promise<number> {
  const threshold = opts.threshold ?? 0.6;
  if (!(threshold > 0)) throw new UsageError(`cluster: --threshold must be greater than 0, got ${threshold}`);
  const jitter = opts.jitter ?? 0;
  const upsample = opts.upsample ?? 0;
  const tStart = performance.now();

  const exclude = opts.out !== undefined && existsSync(opts.out) ? [opts.out] : [];
  const { files, problems } = collectInputs(paths, exclude);
  if (files.length === 0 && problems.length === 0) {
    throw new FacemetricError(`no files found in ${paths.join(', ')}`);
  }
  const outDir = prepareOutDir(opts.out, opts.force === true);
  const skipped: InputProblem[] = [];
  const skip = (p: InputProblem): void => {
    skipped.push(p);
    bar.finish();
    io.err.write(`facemetric: ${p.file}: ${p.problem} (skipped)\n`);
  };

  // Where the faces are found: worker threads for more than a few images, else this thread.
  // Jittered descriptors are made here, in input order, so that the jitter draws follow the
  // files (as one dlib::rand would in a loop over them); plain ones where the faces are found.
  const threads = Math.min(opts.threads ?? defaultThreads(), files.length);
  const workers = useWorkers(files.length, threads);
  const describeHere = jitter > 1 || !workers;
  const recognizer = describeHere ? loadFaceRecognizer(undefined, opts.backend === undefined ? {} : { backend: opts.backend }) : undefined;
  const source = workers
    ? await workerSource(threads, { upsample, describe: !describeHere, ...(opts.backend ? { backend: opts.backend } : {}) })
    : inProcessSource(loadFaceModels('chips'), upsample);
  for (const note of new Set([...source.notes, ...(recognizer?.note !== undefined ? [recognizer.note] : [])])) {
    io.err.write(`facemetric: note: ${note}\n`);
  }

  const bar = new ProgressBar(io.err, files.length, files.length === 1 ? 'image' : 'images', progressMode(io.err, opts.quiet));
  for (const p of problems) skip(p);

  interface Found { image: string; imageAbs: string; rect: Rect; score: number; filter: number; chip: string; descriptor: Float32Array }
  const found: Found[] = [];
  const t = { decode: 0, detect: 0, landmarks: 0, chips: 0, describe: 0, edges: 0, cluster: 0, report: 0 };
  let withFaces = 0;
  let done = 0;
  const digits = (n: number): number => Math.max(4, String(n).length);
  bar.update(0);
  try {
    for await (const outcome of source.outcomes(files)) {
      const file = outcome.file;
      if ('result' in outcome && outcome.result.warnings !== undefined) { bar.finish(); io.err.write(decodeWarning(file, outcome.result.warnings)); }
      if ('problem' in outcome) {
        skip({ file, problem: outcome.problem });
      } else if (outcome.result.faces.length === 0) {
        skip({ file, problem: 'no faces found' });
      } else {
        const r = outcome.result;
        for (const k of ['decode', 'detect', 'landmarks', 'chips', 'describe'] as const) t[k] += r.timings[k];
        t.report += r.timings.encode;
        let t0 = performance.now();
        const descriptors = r.descriptors ?? recognizer!.describeBatch(r.chips, { batchSize: FACE_BATCH_SIZE, jitter });
        t.describe += r.descriptors ? 0 : performance.now() - t0;
        t0 = performance.now();
        for (const [k, d] of r.faces.entries()) {
          const chip = join('faces', `face-${String(found.length + 1).padStart(digits(found.length + 1), '0')}.png`);
          writeReportPng(join(outDir, chip), r.pngs[k]!);
          found.push({ image: file, imageAbs: resolve(file), rect: d.rect, score: d.score, filter: d.filter, chip, descriptor: descriptors[k]! });
        }
        t.report += performance.now() - t0;
        withFaces++;
      }
      bar.update(++done, `${found.length} face${found.length === 1 ? '' : 's'}`);
    }
  } catch (e) {
    bar.finish();
    throw e;
  } finally {
    await source.close();
  }
  bar.finish();

  let t0 = performance.now();
  const edges = faceEdges(found.map((f) => f.descriptor), threshold);
  t.edges = performance.now() - t0;
  t0 = performance.now();
  const { labels, numClusters } = found.length > 0 ? chineseWhispers(edges, found.length) : { labels: [], numClusters: 0 };
  t.cluster = performance.now() - t0;

  // People: by size, then dlib's label.
  t0 = performance.now();
  const byLabel = new Map<number, number[]>();
  labels.forEach((l, k) => {
    const list = byLabel.get(l);
    if (list) list.push(k);
    else byLabel.set(l, [k]);
  });
  const order = [...byLabel.keys()].sort((a, b) => byLabel.get(b)!.length - byLabel.get(a)!.length || a - b);
  const personOf = new Map<number, number>(order.map((l, p) => [l, p + 1]));
  const people: ReportPerson[] = [];
  for (const [p, label] of order.entries()) {
    const members = byLabel.get(label)!;
    const tile = `person-${p + 1}.png`;
    const chips = members.slice(0, MAX_TILE_CHIPS).map((k) => readImageSync(join(outDir, found[k]!.chip)));
    writeReportPng(join(outDir, tile), tileChips(chips));
    people.push({
      person: p + 1,
      label,
      tile,
      faces: members.map((k) => ({ image: found[k]!.image, imageAbs: found[k]!.imageAbs, rect: found[k]!.rect, chip: found[k]!.chip })),
    });
  }
  const settings = `threshold ${threshold}, jitter ${jitter}, upsample ${upsample}`;
  const html = renderReportHtml({
    outDir: resolve(outDir),
    people,
    numFaces: found.length,
    numImages: withFaces,
    skipped,
    settings,
    version: opts.version ?? '',
  });
  const reportPath = join(outDir, 'index.html');
  writeTextFile(reportPath, html);
  t.report += performance.now() - t0;
  const json: ClustersJson = {
    clusters: numClusters,
    faces: found.map((f, k) => ({
      image: f.image, rect: f.rect, score: f.score, filter: f.filter, label: labels[k]!, person: personOf.get(labels[k]!)!, chip: f.chip,
    })),
    people: people.map((p) => ({ person: p.person, label: p.label, faces: p.faces.length, tile: p.tile })),
    images: { found: files.length, withFaces, skipped: skipped.length },
    skipped,
    threshold,
    jitter,
    upsample,
    report: resolve(reportPath),
    timings: { ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round3(v)])), total: round3(performance.now() - tStart) },
  };
  writeTextFile(join(outDir, 'clusters.json'), JSON.stringify(json, null, 1) + '\n');

  if (opts.json) {
    io.out(JSON.stringify(json) + '\n');
  } else {
    const lines = [`${plural(found.length, 'face')} in ${plural(withFaces, 'image')}: ${peopleCount(numClusters)} (threshold ${threshold})`];
    for (const p of people) lines.push(`  person ${p.person}: ${plural(p.faces.length, 'face')} -> ${join(outDir, p.tile)}`);
    if (skipped.length > 0) lines.push(`${plural(skipped.length, 'input')} skipped (named above)`);
    lines.push(`report: ${resolve(reportPath)}`);
    io.out(lines.join('\n') + '\n');
  }
  return skipped.length > 0 ? EXIT_INPUTS_SKIPPED : 0;
}
