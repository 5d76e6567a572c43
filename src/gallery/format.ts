/**
 * The gallery file (`.fmg`): known people's face descriptors with where each came from, in one
 * binary file that is read whole. Little-endian throughout; version 1:
 *
 *   offset  size  field
 *   0       8     signature 89 46 4D 47 0D 0A 1A 0A ("\x89FMG\r\n\x1a\n", PNG-style: a file
 *                 mangled by a text-mode transfer fails it)
 *   8       4     u32 format version (1)
 *   12      4     u32 descriptor length D (128 for dlib's face ResNet)
 *   16      32    sha256 of the face model file that made the descriptors (raw bytes)
 *   48      8     f64 the tolerance calibrated for this gallery; NaN: none
 *   56      4     u32 people P
 *   60      4     u32 faces F
 *   64            P names: u32 byte length, UTF-8 bytes
 *                 F faces: u32 person index (< P); u32 byte length + UTF-8 source image path
 *                 (empty: unknown, e.g. imported from JSON); 32 bytes sha256 of the source file's
 *                 content (all zero: unknown); u32 flags (bit 0: the rect is known); 4 x i32 rect
 *                 [left, top, right, bottom] (dlib's inclusive rectangle; zeros when unknown);
 *                 u32 landmark count L (68, or 0 when unknown); L x (i32 x, i32 y)
 *                 zero bytes up to a multiple of 4
 *                 F x D f32 descriptors, face after face
 *   end - 4 4     u32 CRC-32 (zlib's polynomial) of every byte before it
 *
 * Reading checks, in this order: the signature, the version, the structure (every length within
 * the file: else "truncated"), the checksum (else "corrupt"), then the values (person indices,
 * finite descriptors). Each problem is one GalleryError naming the file. No `node:` imports:
 * the browser core reads and writes galleries from bytes too (file I/O: gallery/file.ts).
 */
import { FacemetricError } from '../errors.js';
import { crc32 } from '../image/crc32.js';
import type { Point } from '../geometry/vector.js';
import type { Rect } from '../geometry/rectangle.js';

/** A problem with a gallery file or its JSON (one line, naming the file). */
export class GalleryError extends FacemetricError {}

/** The signature every gallery file starts with. */
export const GALLERY_SIGNATURE = Uint8Array.of(0x89, 0x46, 0x4d, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** The format version this code writes (and the only one it reads). */
export const GALLERY_VERSION = 1;
const HEADER_BYTES = 64;
const MAX_DIMS = 65536;

/** One enrolled face's metadata (its descriptor is a row of {@link GalleryData.descriptors}). */
export interface GalleryFaceMeta {
  /** Index into {@link GalleryData.people}. */
  person: number;
  /** The source image's path as enrolled; '' when unknown. */
  source: string;
  /** sha256 (hex) of the source file's bytes; '' when unknown. */
  contentSha256: string;
  /** The face's box in the source image (dlib's inclusive convention), when known. */
  rect?: Rect;
  /** dlib's 68 landmarks (integer points), when known. */
  landmarks?: Point[];
}

/** Everything a gallery file holds. */
export interface GalleryData {
  /** sha256 (64 hex digits) of the face model file that made the descriptors. */
  modelSha256: string;
  /** The tolerance calibrated for this gallery, if any. */
  tolerance?: number;
  /** Descriptor length. */
  dims: number;
  /** People's names, in enrolment order. */
  people: string[];
  faces: GalleryFaceMeta[];
  /** faces.length x dims descriptors, row after row. */
  descriptors: Float32Array;
}


/** 64 hex digits -> 32 bytes; '' -> 32 zero bytes. */
export function hexToBytes(hex: string, what: string): Uint8Array {
  const out = new Uint8Array(32);
  if (hex === '') return out;
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new GalleryError(`${what} must be a sha256 (64 hex digits), got '${hex}'`);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** 32 bytes -> 64 lower-case hex digits ('' for all zeros when `zeroIsEmpty`). */
function bytesToHex(b: Uint8Array, zeroIsEmpty: boolean): string {
  if (zeroIsEmpty && b.every((x) => x === 0)) return '';
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The bytes of a gallery file holding `g` (format version {@link GALLERY_VERSION}).
 * Requires: descriptors.length = faces.length x dims; person indices below people.length.
 */
export function encodeGallery(g: GalleryData): Uint8Array {
  const enc = new TextEncoder();
  const names = g.people.map((p) => enc.encode(p));
  const sources = g.faces.map((f) => enc.encode(f.source));
  let size = HEADER_BYTES;
  for (const n of names) size += 4 + n.length;
  g.faces.forEach((f, i) => { size += 4 + 4 + sources[i]!.length + 32 + 4 + 16 + 4 + 8 * (f.landmarks?.length ?? 0); });
  const descAt = (size + 3) & ~3;
  const total = descAt + 4 * g.descriptors.length + 4;
  if (g.descriptors.length !== g.faces.length * g.dims) throw new RangeError(`encodeGallery: ${g.descriptors.length} descriptor values for ${g.faces.length} faces of ${g.dims}`);
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  bytes.set(GALLERY_SIGNATURE, 0);
  v.setUint32(8, GALLERY_VERSION, true);
  v.setUint32(12, g.dims, true);
  bytes.set(hexToBytes(g.modelSha256, 'the model sha256'), 16);
  v.setFloat64(48, g.tolerance ?? NaN, true);
  v.setUint32(56, g.people.length, true);
  v.setUint32(60, g.faces.length, true);
  let p = HEADER_BYTES;
  const putBytes = (b: Uint8Array): void => {
    v.setUint32(p, b.length, true);
    bytes.set(b, p + 4);
    p += 4 + b.length;
  };
  for (const n of names) putBytes(n);
  g.faces.forEach((f, i) => {
    v.setUint32(p, f.person, true);
    p += 4;
    putBytes(sources[i]!);
    bytes.set(hexToBytes(f.contentSha256, 'a source sha256'), p);
    p += 32;
    v.setUint32(p, f.rect !== undefined ? 1 : 0, true);
    p += 4;
    for (let k = 0; k < 4; k++) v.setInt32(p + 4 * k, f.rect?.[k] ?? 0, true);
    p += 16;
    const lm = f.landmarks ?? [];
    v.setUint32(p, lm.length, true);
    p += 4;
    for (const [x, y] of lm) {
      v.setInt32(p, x, true);
      v.setInt32(p + 4, y, true);
      p += 8;
    }
  });
  for (let k = 0; k < g.descriptors.length; k++) v.setFloat32(descAt + 4 * k, g.descriptors[k]!, true);
  v.setUint32(total - 4, crc32(bytes, 0, total - 4), true);
  return bytes;
}

/**
 * Reads a gallery file's bytes; `file` names it in errors.
 * Ensures: the data as written; a GalleryError for a file that is not a gallery, of another
 *   version, truncated, corrupt (checksum) or inconsistent.
 */
export function decodeGallery(bytes: Uint8Array, file: string): GalleryData {
  const fail = (msg: string): never => {
    throw new GalleryError(msg, { file });
  };
  if (bytes.length < GALLERY_SIGNATURE.length || GALLERY_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    fail(bytes.length === 0 ? 'empty file (not a facemetric gallery)' : 'not a facemetric gallery (no gallery signature at its start)');
  }
  if (bytes.length < HEADER_BYTES + 4) fail(`truncated gallery (${bytes.length} bytes, shorter than its header)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== GALLERY_VERSION) {
    fail(`gallery format version ${version}; this facemetric reads version ${GALLERY_VERSION}${version > GALLERY_VERSION ? ' (made by a newer facemetric: update it)' : ''}`);
  }
  const dims = v.getUint32(12, true);
  const nPeople = v.getUint32(56, true);
  const nFaces = v.getUint32(60, true);
  const end = bytes.length - 4;
  let p = HEADER_BYTES;
  // Structure first: every length must fit (a short file is "truncated", whatever its checksum).
  let truncated = false;
  const need = (n: number): boolean => {
    if (p + n > end) truncated = true;
    return !truncated;
  };
  const dec = new TextDecoder('utf-8', { fatal: false });
  const getBytes = (): Uint8Array | undefined => {
    if (!need(4)) return undefined;
    const len = v.getUint32(p, true);
    p += 4;
    if (!need(len)) return undefined;
    const b = bytes.subarray(p, p + len);
    p += len;
    return b;
  };
  const people: string[] = [];
  const faces: GalleryFaceMeta[] = [];
  const crcOk = (): boolean => v.getUint32(end, true) === crc32(bytes, 0, end);
  for (let i = 0; i < nPeople && !truncated; i++) {
    const b = getBytes();
    if (b !== undefined) people.push(dec.decode(b));
  }
  for (let i = 0; i < nFaces && !truncated; i++) {
    if (!need(4)) break;
    const person = v.getUint32(p, true);
    p += 4;
    const src = getBytes();
    if (src === undefined || !need(32 + 4 + 16 + 4)) break;
    const contentSha256 = bytesToHex(bytes.subarray(p, p + 32), true);
    p += 32;
    const flags = v.getUint32(p, true);
    p += 4;
    const rect: Rect = [v.getInt32(p, true), v.getInt32(p + 4, true), v.getInt32(p + 8, true), v.getInt32(p + 12, true)];
    p += 16;
    const nLm = v.getUint32(p, true);
    p += 4;
    if (!need(8 * nLm)) break;
    const face: GalleryFaceMeta = { person, source: dec.decode(src), contentSha256 };
    if (flags & 1) face.rect = rect;
    if (nLm > 0) {
      face.landmarks = [];
      for (let k = 0; k < nLm; k++, p += 8) face.landmarks.push([v.getInt32(p, true), v.getInt32(p + 4, true)]);
    }
    faces.push(face);
  }
  const descAt = (p + 3) & ~3;
  if (!truncated && descAt + 4 * nFaces * dims > end) truncated = true;
  if (truncated) {
    fail(crcOk()
      ? `corrupt gallery (its header promises ${nPeople} people and ${nFaces} faces, more than its ${bytes.length} bytes hold)`
      : `truncated gallery (${bytes.length} bytes; the header promises ${nPeople} people and ${nFaces} faces; an interrupted copy?)`);
  }
  if (descAt + 4 * nFaces * dims !== end) fail(`corrupt gallery (${end - descAt - 4 * nFaces * dims} bytes more than its header describes)`);
  if (!crcOk()) fail('corrupt gallery (checksum mismatch: the file was changed or damaged after it was written)');
  if (dims === 0 || dims > MAX_DIMS) fail(`corrupt gallery (descriptor length ${dims})`);
  const descriptors = new Float32Array(nFaces * dims);
  for (let k = 0; k < descriptors.length; k++) {
    const x = v.getFloat32(descAt + 4 * k, true);
    if (!Number.isFinite(x)) fail(`corrupt gallery (face ${Math.floor(k / dims) + 1}'s descriptor is not finite)`);
    descriptors[k] = x;
  }
  faces.forEach((f, i) => {
    if (f.person >= nPeople) fail(`corrupt gallery (face ${i + 1} names person ${f.person + 1} of ${nPeople})`);
  });
  const tolerance = v.getFloat64(48, true);
  const data: GalleryData = { modelSha256: bytesToHex(bytes.subarray(16, 48), false), dims, people, faces, descriptors };
  if (!Number.isNaN(tolerance)) data.tolerance = tolerance;
  return data;
}
