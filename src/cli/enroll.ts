/**
 * `facemetric enroll GALLERY PATH...`: adds the faces of known people's photos to a gallery file
 * (src/gallery/; created when missing). Options, defaults and help: the command table
 * (commands.ts). The same enrolment builds `identify --known DIR`'s gallery in memory.
 *
 * Each photo's person: `--name NAME`, else, for a photo inside a folder given on the command
 * line, the name of its first sub-folder there (`known/<name>/*.jpg`, several photos per
 * person), else the photo's file name without its extension (`known/<name>.jpg`,
 * face_recognition's convention). A photo must hold exactly one face (`--largest`: the largest
 * box of several; only that face is described either way, the detector's count deciding the
 * skip); a photo with none or several is named on stderr and skipped. A photo already
 * enrolled — the same path (normalised) with the same content (sha256) — is not added again, and
 * not even read past its hash. The gallery is written once at the end, atomically
 * (gallery/file.ts); nothing is written when nothing was added. Exit code 0; 3 when some photos
 * were skipped (the gallery holds the others); 1 when nothing could be enrolled into a new
 * gallery.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FacemetricError, problemOf } from '../errors.js';
import type { DnnBackend } from '../dnn/recognizer.js';
import type { Rect } from '../geometry/rectangle.js';
import { Gallery, faceModelSha256, openGallery, readGalleryJson, saveGallery, writeGalleryJson } from '../gallery/index.js';
import { fsErrorToImageError } from '../image/io.js';
import { sha256Hex } from '../models/fsutil.js';
import { EXIT_INPUTS_SKIPPED } from './cluster.js';
import { describedFaceSource } from './face-pool.js';
import { decodeWarning } from './find-faces.js';
import { collectInputs, photosAndOtherFiles, type InputProblem } from './inputs.js';
import { peopleCount, plural } from './report.js';

export interface EnrollOptions {
  /** Every photo is this person. */
  name?: string;
  /** Take the largest face of a photo with several. */
  largest?: boolean;
  /** Folders not to walk (a report folder inside the photos'). */
  exclude?: readonly string[];
  upsample?: number;
  threads?: number;
  backend?: DnnBackend;
  /** Keep each added face's 150x150 chip, PNG-encoded, in the result (clean's report). */
  pngs?: boolean;
}

export interface EnrollCliOptions extends EnrollOptions {
  json?: boolean;
  /** Also add the people of a face-api LabeledFaceDescriptors JSON file. */
  importJson?: string;
  /** Also write the gallery as face-api LabeledFaceDescriptors JSON. */
  exportJson?: string;
  force?: boolean;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** stdout and stderr as an {@link Io}. */
export const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** The options of the commands that read a labelled folder, a sub-folder per person (calibrate, clean). */
export interface LabelledDirOptions {
  /** Folders not to walk (a report folder inside LABELLED_DIR). */
  exclude?: readonly string[];
  force?: boolean;
  json?: boolean;
  upsample?: number;
  threads?: number;
  backend?: DnnBackend;
}

/**
 * The model sha256 of the galleries built in memory and never saved (calibrate's, clean's,
 * identify --known's): the face model's own hash (faceModelSha256, a read of the 22 MB file) is
 * needed only to write a gallery file or to check one against the model.
 */
export const UNSAVED_GALLERY_MODEL_SHA256 = '0'.repeat(64);

/**
 * The faces of a labelled folder (`dir/<name>/*.jpg`), enrolled in memory by the rules of the
 * module's header into a gallery never saved ({@link UNSAVED_GALLERY_MODEL_SHA256}), with the
 * photos skipped (named through `io.err`); with `pngs`, also each face's chip as PNG, in the
 * gallery's face order.
 */
export async function enrollLabelled(dir: string, opts: LabelledDirOptions, io: Io, pngs = false): Promise<{ faces: Gallery; skipped: InputProblem[]; chips?: Uint8Array[] }> {
  const faces = new Gallery({ modelSha256: UNSAVED_GALLERY_MODEL_SHA256 });
  const r = await enrollPaths(faces, [dir], {
    upsample: opts.upsample ?? 0, ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.exclude !== undefined ? { exclude: opts.exclude } : {}), pngs,
  }, io);
  return { faces, skipped: r.skipped, ...(pngs ? { chips: r.added.map((a) => a.png!) } : {}) };
}

/** What one enrolment did. */
export interface EnrollResult {
  /** The faces added, in order; `png`: the face's chip, with `pngs`. */
  added: { image: string; name: string; rect: Rect; png?: Uint8Array }[];
  /** Photos enrolled before (same path and content). */
  unchanged: string[];
  skipped: InputProblem[];
  /** Files in the folders walked that are not photos (sidecars, videos), passed over. */
  otherFiles: number;
}

/** The person a photo is, by the rules of the module's header. */
export function personName(file: string, given: string, givenIsFolder: boolean): string {
  if (givenIsFolder) {
    const rel = path.relative(given, file).split(path.sep);
    if (rel.length > 1) return rel[0]!;
  }
  return path.basename(file, path.extname(file));
}

/**
 * Enrols the photos under `paths` into `gallery` (in memory): see the module's header. Skipped
 * photos are named through `io.err` as they come.
 */
export async function enrollPaths(gallery: Gallery, paths: readonly string[], opts: EnrollOptions, io: Io): Promise<EnrollResult> {
  const result: EnrollResult = { added: [], unchanged: [], skipped: [], otherFiles: 0 };
  const skip = (p: InputProblem): void => {
    result.skipped.push(p);
    io.err(`facemetric: ${p.file}: ${p.problem} (skipped)\n`);
  };
  const todo: { file: string; name: string; sha256: string }[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    const { files: found, problems } = collectInputs([given], opts.exclude ?? []);
    problems.forEach(skip);
    const { photos: files, others } = photosAndOtherFiles(found, [given]);
    result.otherFiles += others.length;
    let isFolder = false;
    try {
      isFolder = statSync(given).isDirectory();
    } catch { /* collectInputs named the problem */ }
    for (const file of files) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        skip({ file, problem: problemOf(file, fsErrorToImageError(e, file, 'read')) });
        continue;
      }
      const sha256 = sha256Hex(bytes);
      const source = path.normalize(file);
      if (gallery.has(source, sha256) || seen.has(`${sha256}\0${source}`)) {
        result.unchanged.push(file);
        continue;
      }
      seen.add(`${sha256}\0${source}`);
      todo.push({ file, name: opts.name ?? personName(file, given, isFolder), sha256 });
    }
  }
  if (todo.length === 0) return result;
  // Only the largest face is described: the one taken with --largest, and the detector's count
  // is enough to skip a photo of several faces without it.
  const source = await describedFaceSource(todo.length, {
    upsample: opts.upsample ?? 0, faces: 'largest', pngs: opts.pngs === true,
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.backend ? { backend: opts.backend } : {}),
  });
  for (const note of source.notes) io.err(`facemetric: note: ${note}\n`);
  try {
    let k = 0;
    for await (const outcome of source.outcomes(todo.map((t) => t.file))) {
      const item = todo[k++]!;
      if ('result' in outcome && outcome.result.warnings) io.err(decodeWarning(item.file, outcome.result.warnings));
      if ('problem' in outcome) {
        skip({ file: item.file, problem: outcome.problem });
        continue;
      }
      const { faces, detected, descriptors, pngs } = outcome.result;
      if (detected === 0) {
        skip({ file: item.file, problem: `no faces found${(opts.upsample ?? 0) === 0 ? ' (small faces: try --upsample 1)' : ''}` });
        continue;
      }
      if (detected > 1 && !opts.largest) {
        skip({ file: item.file, problem: `${detected} faces; enroll photos of one person, or --largest to take the largest face` });
        continue;
      }
      const face = faces[0]!;
      gallery.add(item.name, { descriptor: descriptors![0]!, source: path.normalize(item.file), contentSha256: item.sha256, rect: face.rect, landmarks: face.landmarks });
      result.added.push({ image: item.file, name: item.name, rect: face.rect, ...(pngs !== undefined ? { png: pngs[0]! } : {}) });
    }
  } finally {
    await source.close();
  }
  return result;
}

/** `facemetric enroll GALLERY PATH...` (see the module's header). */
export async function runEnroll(galleryFile: string, paths: readonly string[], opts: EnrollCliOptions, io: Io = stdio): Promise<number> {
  const modelSha256 = await faceModelSha256();
  const gallery = await openGallery(galleryFile, { modelSha256, create: true });
  const before = gallery.size;
  const existed = before > 0 || gallery.people.length > 0;
  let imported = 0;
  if (opts.importJson !== undefined) {
    const json = await readGalleryJson(opts.importJson, modelSha256);
    for (let i = 0; i < json.size; i++) {
      const f = json.face(i);
      gallery.add(f.name, { descriptor: f.descriptor });
      imported++;
    }
  }
  const r = await enrollPaths(gallery, paths, opts, io);
  const changed = gallery.size > before;
  if (changed) await saveGallery(gallery, galleryFile);
  else if (!existed && opts.exportJson === undefined) {
    throw new FacemetricError(`nothing enrolled (${plural(r.skipped.length, 'photo')} skipped); no gallery written`, { file: galleryFile });
  }
  if (opts.exportJson !== undefined) await writeGalleryJson(gallery, opts.exportJson, opts.force === true);
  const counts = gallery.faceCounts();
  if (opts.json) {
    io.out(JSON.stringify({
      gallery: galleryFile, people: [...counts].map(([name, faces]) => ({ name, faces })), faces: gallery.size,
      added: r.added, imported, unchanged: r.unchanged, skipped: r.skipped, otherFiles: r.otherFiles, written: changed,
    }) + '\n');
  } else {
    const lines = r.added.map((a) => `${a.image}: ${a.name} [${a.rect.join(', ')}]`);
    for (const u of r.unchanged) lines.push(`${u}: enrolled already (unchanged)`);
    const parts = [`${r.added.length} added`, ...(imported > 0 ? [`${imported} imported`] : []), `${r.unchanged.length} already there`, `${r.skipped.length} skipped`, ...(r.otherFiles > 0 ? [plural(r.otherFiles, 'other file')] : [])];
    lines.push(`${galleryFile}: ${peopleCount(counts.size)}, ${plural(gallery.size, 'face')} (${parts.join(', ')})${changed ? '' : '; unchanged'}`);
    if (opts.exportJson !== undefined) lines.push(`face-api JSON: ${opts.exportJson}`);
    io.out(lines.join('\n') + '\n');
  }
  return r.skipped.length > 0 ? EXIT_INPUTS_SKIPPED : 0;
}
