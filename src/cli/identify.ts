/**
 * `facemetric identify UNKNOWN... (--gallery FILE | --known DIR)`: who is in each photo. Every
 * face (the pipeline: detector, landmarks, chip, ResNet) is matched against the known people —
 * a gallery file (`facemetric enroll`) or a folder of known people's photos enrolled in memory
 * (enroll.ts's rules) — by gallery/'s `identifyFaces`: the nearest person within the tolerance
 * (distance <= tolerance, face_recognition's rule; default the gallery's calibrated tolerance,
 * else 0.6), else `unknown_person`. Options, defaults and help: the command table (commands.ts).
 *
 * Outputs:
 *  - text: per photo `file: N faces`, then per face its box, name and distance (and the next
 *    nearest people with --top K);
 *  - `--json`: one object per photo per line, `{"image", "faces": [{"rect", "name", "distance",
 *    "matches": [{"name", "distance"}, ...top K]}]}`;
 *  - `--csv`: face_recognition's command-line output, byte for byte (its
 *    face_recognition/face_recognition_cli.py, `test_image` and `print_result`): per face one
 *    `file,name` line for every known person within the tolerance, in the known people's order,
 *    else `file,unknown_person`; a photo without faces `file,no_persons_found`; with
 *    --show-distance a third field, the distance as Python prints a float (`repr`), `None` for
 *    unknown_person and no_persons_found. Distances are face_recognition's (float64, numpy's
 *    summation order; gallery/distance.ts).
 *  - `--annotate DIR`: also each photo with its faces' boxes and names drawn, DIR/<photo>.png.
 * A photo that cannot be read is named on stderr and skipped (exit code 1 at the end).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FacemetricError, UsageError } from '../errors.js';
import { annotateFaces, readImage, writePng } from '../image/index.js';
import type { DnnBackend } from '../dnn/recognizer.js';
import {
  faceModelSha256, Gallery, identifyFaces, openGallery, toleranceOf, UNKNOWN_PERSON,
  type IdentifiedFace, type MatchRule,
} from '../gallery/index.js';
import { enrollPaths, stdio, UNSAVED_GALLERY_MODEL_SHA256, type Io } from './enroll.js';
import { describedFaceSource } from './face-pool.js';
import { collectInputs, photosAndOtherFiles } from './inputs.js';
import { peopleCount, plural } from './report.js';
import { decodeWarning } from './find-faces.js';

export interface IdentifyCliOptions {
  gallery?: string;
  known?: string;
  tolerance?: number;
  top?: number;
  match?: MatchRule;
  /** Search the approximate index (`true`, or the cells to probe). */
  approximate?: boolean | { probes?: number };
  json?: boolean;
  csv?: boolean;
  showDistance?: boolean;
  /** Write each photo with its faces' boxes and names to DIR/<photo name>.png. */
  annotate?: string;
  force?: boolean;
  upsample?: number;
  threads?: number;
  backend?: DnnBackend;
}

/** "; approximate search (C cells, P probed)" for the known-people line, or nothing. */
function searchNote(gallery: Gallery, approximate: IdentifyCliOptions['approximate']): string {
  if (!approximate) return '';
  const stats = gallery.approximateIndexStats(typeof approximate === 'object' ? approximate.probes : undefined);
  if (stats === undefined) return `; exact search (--approximate needs ${Gallery.indexMinFaces} faces or more)`;
  return `; approximate search (${plural(stats.cells, 'cell')}, ${stats.probes} probed)`;
}

/** The name of a photo without faces in face_recognition's output. */
export const NO_PERSONS_FOUND = 'no_persons_found';

/**
 * A float as Python 3's `repr` (and `str`, `format`) prints it: the shortest digits that read
 * back to the same double, in fixed notation for exponents -4..15, else `d.ddde-05`; integral
 * values end in `.0`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return (neg ? '-' : '') + body;
}

/** face_recognition's lines for one photo (see the module's header). */
export function faceRecognitionCsv(file: string, faces: readonly IdentifiedFace[], showDistance: boolean): string {
  const line = (name: string, distance: number | null): string => (showDistance ? `${file},${name},${distance === null ? 'None' : pythonFloatRepr(distance)}\n` : `${file},${name}\n`);
  if (faces.length === 0) return line(NO_PERSONS_FOUND, null);
  return faces.map((f) => (f.within.length > 0 ? f.within.map((m) => line(m.name, m.distance)).join('') : line(UNKNOWN_PERSON, null))).join('');
}

const fmt = (d: number | null): string => (d === null ? '-' : d.toFixed(4));

/** `facemetric identify` (see the module's header). */
export async function runIdentify(paths: readonly string[], opts: IdentifyCliOptions, io: Io = stdio): Promise<number> {
  if ((opts.gallery === undefined) === (opts.known === undefined)) throw new UsageError('identify: give the known people with --gallery FILE or --known DIR (one of them)');
  if (opts.json && opts.csv) throw new UsageError('identify: give --json or --csv, not both');
  if (opts.showDistance && !opts.csv) throw new UsageError('identify: --show-distance adds the distance to --csv lines (text and JSON always show it)');
  let gallery: Gallery;
  if (opts.gallery !== undefined) {
    gallery = await openGallery(opts.gallery, { modelSha256: await faceModelSha256() });
  } else {
    gallery = new Gallery({ modelSha256: UNSAVED_GALLERY_MODEL_SHA256 });
    const enrolled = await enrollPaths(gallery, [opts.known!], {
      largest: false, upsample: opts.upsample ?? 0,
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.backend ? { backend: opts.backend } : {}),
    }, io);
    if (gallery.size === 0) throw new FacemetricError(`no known faces (${plural(enrolled.skipped.length, 'photo')} skipped)`, { file: opts.known! });
  }
  if (gallery.size === 0) throw new FacemetricError('the gallery has no faces', { file: opts.gallery! });
  const tolerance = toleranceOf(gallery, opts);
  const matchOpts = { tolerance, top: opts.top ?? 1, ...(opts.match ? { match: opts.match } : {}), ...(opts.approximate ? { approximate: opts.approximate } : {}) };
  const { files: found, problems } = collectInputs(paths);
  // Sidecars and other files in the folders walked are passed over (counted at the end).
  const { photos: files, others } = photosAndOtherFiles(found, paths);
  const names = new Map<string, number>();
  let failed = problems.length > 0;
  for (const p of problems) io.err(`facemetric: ${p.file}: ${p.problem} (skipped)\n`);
  if (!opts.json && !opts.csv) {
    io.err(`known: ${peopleCount(gallery.people.length)}, ${plural(gallery.size, 'face')}; tolerance ${tolerance}, ${opts.match ?? 'nearest'} match${searchNote(gallery, opts.approximate)}\n`);
  }
  const source = await describedFaceSource(files.length, { upsample: opts.upsample ?? 0, ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.backend ? { backend: opts.backend } : {}) });
  for (const note of source.notes) io.err(`facemetric: note: ${note}\n`);
  try {
    for await (const outcome of source.outcomes(files)) {
      if ('result' in outcome && outcome.result.warnings) io.err(decodeWarning(outcome.file, outcome.result.warnings));
      if ('problem' in outcome) {
        failed = true;
        io.err(`facemetric: ${outcome.file}: ${outcome.problem} (skipped)\n`);
        continue;
      }
      const r = outcome.result;
      const faces = identifyFaces(gallery, r.faces.map((f, i) => ({ rect: f.rect, descriptor: r.descriptors![i]! })), matchOpts);
      if (opts.csv) {
        io.out(faceRecognitionCsv(outcome.file, faces, opts.showDistance === true));
      } else if (opts.json) {
        const matches = (f: IdentifiedFace): object[] => f.matches.map((m) => ({ name: m.name, distance: m.distance }));
        io.out(JSON.stringify({ image: outcome.file, faces: faces.map((f) => ({ rect: f.rect, name: f.name, distance: f.distance, matches: matches(f) })) }) + '\n');
      } else {
        const lines = [`${outcome.file}: ${faces.length === 0 ? 'no faces' : plural(faces.length, 'face')}`];
        for (const f of faces) {
          const best = f.name === UNKNOWN_PERSON ? `${UNKNOWN_PERSON} (nearest: ${f.matches[0]?.name ?? '-'} ${fmt(f.distance)})` : `${f.name} ${fmt(f.distance)}`;
          const more = f.matches.slice(1).map((m) => `${m.name} ${fmt(m.distance)}`);
          lines.push(`  [${f.rect.join(', ')}] ${best}${more.length > 0 ? `; then ${more.join(', ')}` : ''}`);
        }
        io.out(lines.join('\n') + '\n');
      }
      if (opts.annotate !== undefined) await annotate(outcome.file, faces, opts.annotate, opts.force === true, names);
    }
  } finally {
    await source.close();
  }
  if (others.length > 0 && !opts.json && !opts.csv) io.err(`facemetric: ${plural(others.length, 'other file')} in the folders passed over (not photos)\n`);
  return failed ? 1 : 0;
}

/**
 * Writes `DIR/<photo name>.png` (`-2`, `-3` appended when photos share a name): the photo with
 * each face's box and name drawn. An existing file is replaced only with `force`.
 */
async function annotate(file: string, faces: readonly IdentifiedFace[], dir: string, force: boolean, names: Map<string, number>): Promise<void> {
  const base = path.basename(file, path.extname(file));
  const seen = (names.get(base) ?? 0) + 1;
  names.set(base, seen);
  const out = path.join(dir, `${base}${seen > 1 ? `-${seen}` : ''}.png`);
  const img = await readImage(file);
  mkdirSync(dir, { recursive: true });
  await writePng(out, annotateFaces(img, faces.map((f) => ({ rect: f.rect, label: f.name }))), { overwrite: force });
}
