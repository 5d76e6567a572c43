/**
 * The gallery's Node layer: gallery files and face-api JSON on disk, and the sha256 of the face
 * model a gallery belongs to. The core (gallery.ts, format.ts) works on bytes.
 *
 *  - `openGallery(file, { modelSha256 })` reads and checks a gallery file: a missing, unreadable,
 *    foreign, truncated or corrupt file, or one made with another face model, is one
 *    GalleryError naming the file.
 *  - `saveGallery(gallery, file)` writes through a temporary file in the same folder and a
 *    rename (models/fsutil.ts's writeAtomic): a process killed mid-write leaves the old file
 *    whole. It never replaces silently: an existing file is replaced only by the gallery that was
 *    read from it, and only if the file has not changed since (size and modification time;
 *    another enroll may have written it meanwhile).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsErrorReason } from '../errors.js';
import { assetPath } from '../models/index.js';
import { hashFile, statOrUndefined, writeAtomic } from '../models/fsutil.js';
import { displayPath } from '../models/paths.js';
import { Gallery } from './gallery.js';
import { GalleryError } from './format.js';
// Galleries opened here search through the WebAssembly k-NN kernel once large (knn-wasm.ts).
import './knn-wasm.js';

/** Where a gallery was read from, and the file's state then. */
const origins = new WeakMap<Gallery, { file: string; size: number; mtimeMs: number }>();

const modelHashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/**
 * sha256 of the face recognition model file (default: the installed
 * dlib_face_recognition_resnet_model_v1.dat), the identity a gallery's descriptors belong to.
 * Cached per file for the process while its size and modification time stay.
 */
export async function faceModelSha256(modelFile?: string): Promise<string> {
  const file = path.resolve(modelFile ?? assetPath('dlib_face_recognition_resnet_model_v1'));
  const st = await stat(file);
  const hit = modelHashes.get(file);
  if (hit !== undefined && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const { sha256 } = await hashFile(file);
  modelHashes.set(file, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

export interface OpenGalleryOptions {
  /** The model the caller's descriptors come from: a gallery of another model is refused. */
  modelSha256?: string;
  /** A missing file gives a new, empty gallery (needs modelSha256) instead of an error. */
  create?: boolean;
}

/** Reads the gallery file `file` (see the module's header). */
export async function openGallery(file: string, opts: OpenGalleryOptions = {}): Promise<Gallery> {
  const shown = displayPath(path.resolve(file));
  let bytes: Uint8Array;
  let st;
  try {
    st = await stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && opts.create) {
      if (opts.modelSha256 === undefined) throw new RangeError('openGallery: create needs modelSha256');
      return new Gallery({ modelSha256: opts.modelSha256 });
    }
    throw new GalleryError(`cannot read the gallery (${fsErrorReason(e)})`, { file: shown });
  }
  const g = Gallery.decode(bytes, shown);
  if (opts.modelSha256 !== undefined && g.modelSha256 !== opts.modelSha256.toLowerCase()) {
    throw new GalleryError(`made with another face model (its model's sha256 ${g.modelSha256.slice(0, 12)}..., this one's ${opts.modelSha256.slice(0, 12)}...): its descriptors cannot be compared with this model's; enroll the photos into a new gallery`, { file: shown });
  }
  origins.set(g, { file: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs });
  return g;
}

/** Writes `gallery` to `file`, atomically, never replacing silently (see the module's header). */
export async function saveGallery(gallery: Gallery, file: string): Promise<void> {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  const now = await statOrUndefined(abs);
  const origin = origins.get(gallery);
  if (now !== undefined) {
    if (origin === undefined || origin.file !== abs) {
      throw new GalleryError('already exists (refusing to replace it; open it to add to it, or choose another name)', { file: shown });
    }
    if (now.size !== origin.size || now.mtimeMs !== origin.mtimeMs) {
      throw new GalleryError('changed since it was read (another enroll?); refusing to overwrite those changes: run again', { file: shown });
    }
  }
  try {
    await writeAtomic(abs, gallery.encode());
  } catch (e) {
    throw new GalleryError(`cannot write the gallery (${fsErrorReason(e)}); the previous file, if any, is unchanged`, { file: shown });
  }
  const after = await stat(abs);
  origins.set(gallery, { file: abs, size: after.size, mtimeMs: after.mtimeMs });
}

/** A gallery from a face-api `LabeledFaceDescriptors` JSON file (descriptors of the model `modelSha256`). */
export async function readGalleryJson(file: string, modelSha256: string): Promise<Gallery> {
  const shown = displayPath(path.resolve(file));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new GalleryError(`cannot read the JSON (${fsErrorReason(e)})`, { file: shown });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GalleryError(`not valid JSON (${(e as Error).message.split('\n')[0]})`, { file: shown });
  }
  return Gallery.fromJSON(json, { modelSha256 }, shown);
}

/** Writes the gallery as face-api `LabeledFaceDescriptors` JSON, atomically; an existing file is replaced only when `force`. */
export async function writeGalleryJson(gallery: Gallery, file: string, force = false): Promise<void> {
  const shown = displayPath(path.resolve(file));
  if (!force && (await statOrUndefined(file)) !== undefined) {
    throw new GalleryError('already exists (refusing to overwrite it; use --force to replace it)', { file: shown });
  }
  try {
    await writeAtomic(file, JSON.stringify(gallery) + '\n');
  } catch (e) {
    throw new GalleryError(`cannot write the JSON (${fsErrorReason(e)})`, { file: shown });
  }
}
