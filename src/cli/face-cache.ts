/**
 * The descriptor cache of `facemetric cluster`: each photo's faces (box, detector score and
 * filter, dlib's 68 landmarks, the 150x150 chip as PNG, the plain descriptor), stored under the
 * sha256 of the photo's bytes, so that a re-run finds the faces only of new or changed photos.
 *
 * Layout of a cache folder (`--cache DIR`, default `<--out DIR>/cache`):
 *
 *   CACHEDIR.TAG                 the standard cache-folder tag (backup tools skip the folder); it
 *                                also marks the folder as facemetric's: an existing, non-empty
 *                                folder without it is refused, never written into
 *   v2-<context 16 hex>/         one folder per context (below): other models or options never
 *     context.json               see each other's entries, and switching back finds its own
 *     <2 hex>/<sha256 64 hex>.fmf  one entry per photo, by the sha256 of its bytes
 *
 * The context is everything that changes a photo's answer: the three model files' sha256
 * (detector, shape predictor, face ResNet), the upsample count, the detector's threshold, the
 * chip's size and padding, how the ResNet runs ('reference', 'wasm-simd' or 'wasm-relaxed': the
 * last differs from the others in the last bits) and the facemetric version. Its sha256 names
 * the folder and is in every entry. Not in it: jitter (entries hold the chips, and jittered
 * descriptors are made from them in input order, as a fresh run makes them: see cluster.ts) and
 * the clustering threshold (applied after).
 *
 * An entry (little-endian; the gallery file's conventions, gallery/format.ts):
 *
 *   0    8   signature 89 46 4D 43 0D 0A 1A 0A ("\x89FMC\r\n\x1a\n")
 *   8    4   u32 version (2; 1 had no warnings)
 *   12   32  sha256 of the context
 *   44   32  sha256 of the photo's bytes
 *   76   4   u32 faces F (0: a photo without faces)
 *   80   4   u32 descriptor length D (128)
 *   84       F faces: 4 x i32 rect [left, top, right, bottom]; f64 score; u32 filter; u32 landmark
 *            count L (68); L x (i32 x, i32 y); u32 PNG length N; N bytes of PNG; zero bytes up to
 *            a multiple of 4
 *            F x D f32 descriptors
 *            u32 warnings W (libjpeg's warnings on a damaged JPEG, repeated by a cached run);
 *            W x (u32 byte length N; N bytes of UTF-8; zero bytes up to a multiple of 4)
 *   end-4 4  u32 CRC-32 (zlib's) of every byte before it
 *
 * Safety: an entry is written to a temporary name in its folder and renamed into place, so a
 * killed run leaves whole entries or none (its temporary files are removed by the next run that
 * writes there), and two runs at once at worst both write the same entry, each rename atomic.
 * Nothing is flushed to disk: an entry made torn by a power cut fails its checksum. An entry is
 * trusted only when its signature, version, context, photo hash, structure and checksum all
 * check; any other is counted (one line per run), ignored and written again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FacemetricError } from '../errors.js';
import { hexToBytes } from '../gallery/format.js';
import type { Point, Rect } from '../geometry/index.js';
import { crc32 } from '../image/crc32.js';
import { removeStaleTemps, writeAtomicSync } from '../models/fsutil.js';

/** The signature every cache entry starts with. */
export const CACHE_SIGNATURE = Uint8Array.of(0x89, 0x46, 0x4d, 0x43, 0x0d, 0x0a, 0x1a, 0x0a);
/** The entry format version this code writes (and the only one it reads). */
export const CACHE_VERSION = 2;
const HEADER_BYTES = 84;
const TAG = 'CACHEDIR.TAG';
const TAG_TEXT = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by facemetric (cluster\'s descriptor cache).\n# For information about cache directory tags see https://bford.info/cachedir/\n';

/** What a photo's answer depends on (see the module's header). */
export interface CacheContext {
  facemetric: string;
  /** sha256 of frontal_face_detector.svm, shape_predictor_68_face_landmarks.dat and the face ResNet. */
  detector: string;
  predictor: string;
  recognizer: string;
  /** How the ResNet runs: 'reference', 'wasm-simd' or 'wasm-relaxed'. */
  describer: string;
  upsample: number;
  detectThreshold: number;
  chip: { size: number; padding: number };
}

/** One face of a cached photo. */
export interface CachedFace {
  rect: Rect;
  score: number;
  filter: number;
  landmarks: Point[];
  /** The 150x150 chip, as the report's PNG. */
  png: Uint8Array;
  /** The plain (unjittered) descriptor. */
  descriptor: Float32Array;
}

/** A cached photo: its faces, and libjpeg's warnings when it is a damaged JPEG. */
export interface CachedPhoto {
  faces: CachedFace[];
  warnings?: string[];
}

/** sha256 (hex) of bytes. */
export function sha256Of(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The sha256 (hex) a context is known by: of its JSON, keys in a fixed order. */
export function contextSha256(c: CacheContext): string {
  return sha256Of(JSON.stringify({
    facemetric: c.facemetric, detector: c.detector, predictor: c.predictor, recognizer: c.recognizer,
    describer: c.describer, upsample: c.upsample, detectThreshold: c.detectThreshold, chip: { size: c.chip.size, padding: c.chip.padding },
  }));
}

/** `n` rounded up to a multiple of 4 (in doubles: exact for any u32 length, where `(n + 3) & ~3` went negative from 2^31). */
const pad4 = (n: number): number => n + ((4 - (n % 4)) % 4);

/** A photo's entry (see the module's header). */
export function encodeEntry(contextSha: string, photoSha: string, faces: readonly CachedFace[], warnings: readonly string[] = []): Uint8Array {
  const dims = faces[0]?.descriptor.length ?? 128;
  const texts = warnings.map((w) => new TextEncoder().encode(w));
  let total = HEADER_BYTES;
  for (const f of faces) total += 16 + 8 + 4 + 4 + 8 * f.landmarks.length + 4 + pad4(f.png.length);
  total += faces.length * dims * 4 + 4 + texts.reduce((n, t) => n + 4 + pad4(t.length), 0) + 4;
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  bytes.set(CACHE_SIGNATURE, 0);
  v.setUint32(8, CACHE_VERSION, true);
  bytes.set(hexToBytes(contextSha, 'the context'), 12);
  bytes.set(hexToBytes(photoSha, 'the photo'), 44);
  v.setUint32(76, faces.length, true);
  v.setUint32(80, dims, true);
  let p = HEADER_BYTES;
  for (const f of faces) {
    for (const x of f.rect) { v.setInt32(p, x, true); p += 4; }
    v.setFloat64(p, f.score, true); p += 8;
    v.setUint32(p, f.filter, true); p += 4;
    v.setUint32(p, f.landmarks.length, true); p += 4;
    for (const [x, y] of f.landmarks) { v.setInt32(p, x, true); v.setInt32(p + 4, y, true); p += 8; }
    v.setUint32(p, f.png.length, true); p += 4;
    bytes.set(f.png, p); p += pad4(f.png.length);
  }
  for (const f of faces) {
    if (f.descriptor.length !== dims) throw new RangeError(`encodeEntry: descriptors of different lengths (${dims} and ${f.descriptor.length})`);
    for (const x of f.descriptor) { v.setFloat32(p, x, true); p += 4; }
  }
  v.setUint32(p, texts.length, true); p += 4;
  for (const t of texts) {
    v.setUint32(p, t.length, true); p += 4;
    bytes.set(t, p); p += pad4(t.length);
  }
  v.setUint32(p, crc32(bytes, 0, p), true);
  return bytes;
}

/**
 * The photo of an entry made for `contextSha` and `photoSha`, or the reason it cannot be trusted
 * (a string: 'not a cache entry', 'another version', 'another context', 'another photo',
 * 'truncated', 'corrupt').
 */
export function decodeEntry(bytes: Uint8Array, contextSha: string, photoSha: string): CachedPhoto | string {
  if (bytes.length < HEADER_BYTES + 4 || CACHE_SIGNATURE.some((b, i) => bytes[i] !== b)) return 'not a cache entry';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(8, true) !== CACHE_VERSION) return 'another version';
  const same = (at: number, hex: string): boolean => hexToBytes(hex, 'a sha256').every((b, i) => bytes[at + i] === b);
  if (!same(12, contextSha)) return 'another context';
  if (!same(44, photoSha)) return 'another photo';
  const count = v.getUint32(76, true);
  const dims = v.getUint32(80, true);
  const end = bytes.length - 4;
  if (dims === 0 || dims > 4096 || count > 100_000) return 'corrupt';
  const faces: { rect: Rect; score: number; filter: number; landmarks: Point[]; png: Uint8Array }[] = [];
  let p = HEADER_BYTES;
  for (let k = 0; k < count; k++) {
    if (p + 36 > end) return 'truncated';
    const rect: Rect = [v.getInt32(p, true), v.getInt32(p + 4, true), v.getInt32(p + 8, true), v.getInt32(p + 12, true)];
    const score = v.getFloat64(p + 16, true);
    const filter = v.getUint32(p + 24, true);
    const nl = v.getUint32(p + 28, true);
    p += 32;
    if (nl > 1000 || p + 8 * nl + 4 > end) return 'truncated';
    const landmarks: Point[] = [];
    for (let i = 0; i < nl; i++, p += 8) landmarks.push([v.getInt32(p, true), v.getInt32(p + 4, true)]);
    const n = v.getUint32(p, true);
    p += 4;
    if (p + pad4(n) > end) return 'truncated';
    faces.push({ rect, score, filter, landmarks, png: new Uint8Array(bytes.subarray(p, p + n)) });
    p += pad4(n);
  }
  let q = p + count * dims * 4;
  if (q + 4 > end) return 'truncated';
  const numWarnings = v.getUint32(q, true);
  q += 4;
  if (numWarnings > 10_000) return 'corrupt';
  const warnings: string[] = [];
  for (let k = 0; k < numWarnings; k++) {
    if (q + 4 > end) return 'truncated';
    const n = v.getUint32(q, true);
    q += 4;
    if (q + pad4(n) > end) return 'truncated';
    warnings.push(new TextDecoder().decode(bytes.subarray(q, q + n)));
    q += pad4(n);
  }
  if (q !== end) return 'corrupt';
  if (v.getUint32(end, true) !== crc32(bytes, 0, end)) return 'corrupt';
  return {
    faces: faces.map((f) => {
      const descriptor = new Float32Array(dims);
      for (let i = 0; i < dims; i++, p += 4) descriptor[i] = v.getFloat32(p, true);
      return { ...f, descriptor };
    }),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function isOurTag(tagFile: string): boolean {
  try {
    const text = readFileSync(tagFile, 'utf8');
    return text.startsWith('Signature: 8a477f597d28d172789f06886806bc55') && text.includes('facemetric');
  } catch {
    return false;
  }
}

/** Whether `dir` is a folder holding facemetric's cache tag. */
export function isFaceCacheDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && isOurTag(join(dir, TAG));
  } catch {
    return false;
  }
}

/** A problem with the cache folder itself (one line, naming it). */
export class CacheError extends FacemetricError {}

/**
 * A cache folder opened for one context. Lookups and writes never throw: a problem with an
 * entry is counted ({@link untrusted}), one with writing ({@link writeProblem}) turns writing off.
 */
export class FaceCache {
  /** Entries found but not trusted this run (each written again). */
  untrusted = 0;
  /** Entries written this run. */
  written = 0;
  /** Why writing stopped, when it did (the first problem). */
  writeProblem: string | undefined;
  private readonly cleaned = new Set<string>();

  private constructor(readonly dir: string, readonly contextDir: string, readonly contextSha: string) {}

  /**
   * Opens (creating when missing) the cache folder `dir` for `context`. An existing non-empty
   * folder that is not a facemetric cache (no CACHEDIR.TAG of ours) is a CacheError: nothing is
   * written into a folder of the user's.
   */
  static open(dir: string, context: CacheContext): FaceCache {
    let entries: string[] | undefined;
    try {
      if (!statSync(dir).isDirectory()) throw new CacheError('exists and is not a folder; give a folder for the cache', { file: dir });
      entries = readdirSync(dir);
    } catch (e) {
      if (e instanceof CacheError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new CacheError(`cannot read the cache folder (${(e as Error).message.split('\n')[0]})`, { file: dir });
    }
    const tag = join(dir, TAG);
    // Another run may be making this cache right now (its folder there, its tag not yet): a
    // folder holding only the cache's own names is taken as facemetric's, anything else needs
    // the tag.
    const ownName = (n: string): boolean => n === TAG || /^v\d+-[0-9a-f]{16}$/.test(n) || n.startsWith(`.${TAG.replace(/\.TAG$/, '')}.tmp-`);
    const tagged = isOurTag(tag);
    if (entries !== undefined && !tagged && !entries.every(ownName)) {
      throw new CacheError('is not a facemetric cache (no CACHEDIR.TAG of facemetric\'s) and is not empty; give a new or empty folder to --cache, or --no-cache', { file: dir });
    }
    const sha = contextSha256(context);
    const contextDir = join(dir, `v${CACHE_VERSION}-${sha.slice(0, 16)}`);
    try {
      mkdirSync(dir, { recursive: true });
      if (!tagged) writeAtomicSync(tag, TAG_TEXT);
      mkdirSync(contextDir, { recursive: true });
      const cj = join(contextDir, 'context.json');
      let known = false;
      try { known = readFileSync(cj, 'utf8') === contextJson(context, sha); } catch { /* missing */ }
      if (!known) writeAtomicSync(cj, contextJson(context, sha));
    } catch (e) {
      throw new CacheError(`cannot write the cache folder (${(e as Error).message.split('\n')[0]})`, { file: dir });
    }
    return new FaceCache(dir, contextDir, sha);
  }

  private entryPath(photoSha: string): string {
    return join(this.contextDir, photoSha.slice(0, 2), `${photoSha}.fmf`);
  }

  /** The cached photo whose bytes have sha256 `photoSha` (faces, warnings), or undefined. */
  async get(photoSha: string): Promise<CachedPhoto | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.entryPath(photoSha)); // small files: sync is several times faster
    } catch {
      return undefined;
    }
    const photo = decodeEntry(bytes, this.contextSha, photoSha);
    if (typeof photo === 'string') {
      this.untrusted++;
      return undefined;
    }
    return photo;
  }

  /** Stores a photo's faces and warnings (temporary file, then rename); a failure turns writing off for the run. */
  put(photoSha: string, faces: readonly CachedFace[], warnings?: readonly string[]): void {
    if (this.writeProblem !== undefined) return;
    const dest = this.entryPath(photoSha);
    const shard = join(this.contextDir, photoSha.slice(0, 2));
    try {
      if (!this.cleaned.has(shard)) {
        mkdirSync(shard, { recursive: true });
        this.cleaned.add(shard);
        void removeStaleTemps(shard).catch(() => {});
      }
      writeAtomicSync(dest, encodeEntry(this.contextSha, photoSha, faces, warnings));
      this.written++;
    } catch (e) {
      this.writeProblem = (e as Error).message.split('\n')[0];
    }
  }
}

function contextJson(c: CacheContext, sha: string): string {
  return JSON.stringify({ sha256: sha, ...c }, null, 1) + '\n';
}

