/**
 * Reading image files and writing PNG files.
 *
 * Mirrors dlib's `load_image(image, file_name)` and `save_png(image, file_name)`
 * (`dlib/image_io.h`, dlib 19.24), with two additions dlib lacks: file-system errors become
 * one-line ImageErrors naming the file (dlib throws "unable to open file"), and `writePng` never
 * replaces an existing file unless asked to, and writes through a temporary file in the same
 * directory plus a rename, so a crash or a full disk cannot leave a half-written file behind
 * or destroy one the user already had.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import { ImageError } from '../errors.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import { encodePng } from './encode.js';
import type { GrayImage, RgbImage } from './pixels.js';

/**
 * Turns a Node file-system error into a one-line ImageError about `file`.
 *
 * Requires: `action` is 'read' or 'write'. Ensures: returns (does not throw) an ImageError whose
 * message names `file` and says what went wrong in words; the original error is its `cause`.
 */
export function fsErrorToImageError(err: unknown, file: string, action: 'read' | 'write'): ImageError {
  const code = (err as { code?: unknown } | null)?.code;
  const verb = action === 'read' ? 'cannot read' : 'cannot write';
  let problem: string;
  switch (code) {
    case 'ENOENT': problem = action === 'read' ? 'no such file' : `${verb}: directory ${nodePath.dirname(file)} does not exist`; break;
    case 'ENOTDIR': problem = action === 'read' ? 'no such file (a parent in its path is not a directory)' : `${verb}: a parent in its path is not a directory`; break;
    case 'EISDIR': problem = action === 'read' ? 'is a directory, not an image file' : `${verb}: it is a directory`; break;
    case 'EACCES': case 'EPERM': problem = `${verb}: permission denied`; break;
    case 'EROFS': problem = `${verb}: read-only file system`; break;
    case 'ENOSPC': problem = `${verb}: no space left on device`; break;
    case 'EDQUOT': problem = `${verb}: disk quota exceeded`; break;
    case 'ELOOP': problem = `${verb}: too many levels of symbolic links`; break;
    case 'ENAMETOOLONG': problem = `${verb}: file name too long`; break;
    case 'EMFILE': case 'ENFILE': problem = `${verb}: too many open files`; break;
    case 'ERR_FS_FILE_TOO_LARGE': problem = `${verb}: file is too large`; break;
    case 'EIO': problem = `${verb}: input/output error`; break;
    default: {
      const message = err instanceof Error ? err.message : String(err);
      problem = `${verb}: ${typeof code === 'string' ? `${code}: ` : ''}${message.split('\n')[0]}`;
    }
  }
  return new ImageError(problem, { file, cause: err });
}

function notRegularFile(stats: fs.Stats, file: string): ImageError | undefined {
  if (stats.isDirectory()) return new ImageError('is a directory, not an image file', { file });
  if (!stats.isFile()) return new ImageError('is not a regular file', { file });
  return undefined;
}

function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Reads and decodes a JPEG or PNG file (see {@link decodeImage}).
 *
 * Requires: `path` is a string. `options.file` defaults to `path` (the name used in messages).
 * Ensures: resolves to an RgbImage; or rejects with an ImageError naming the file for a missing
 * file, a directory, a non-regular file, permission denied, or any decoding problem.
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const file = options.file ?? path;
  let bytes: Uint8Array;
  try {
    const stats = await fsp.stat(path);
    const bad = notRegularFile(stats, file);
    if (bad) throw bad;
    bytes = asBytes(await fsp.readFile(path));
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw fsErrorToImageError(err, file, 'read');
  }
  return decodeImage(bytes, { ...options, file });
}

/**
 * Synchronous {@link readImage}.
 *
 * Requires / Ensures: as readImage, returning instead of resolving and throwing instead of
 * rejecting.
 */
export function readImageSync(path: string, options: DecodeOptions = {}): RgbImage {
  const file = options.file ?? path;
  let bytes: Uint8Array;
  try {
    const bad = notRegularFile(fs.statSync(path), file);
    if (bad) throw bad;
    bytes = asBytes(fs.readFileSync(path));
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw fsErrorToImageError(err, file, 'read');
  }
  return decodeImage(bytes, { ...options, file });
}

/** Options for {@link writePng}. */
export interface WritePngOptions {
  /** Replace `path` if it exists. Default false: an existing file is an error. */
  overwrite?: boolean;
}

const CANNOT_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV', 'EACCES']);

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encodes `img` as PNG (see {@link encodePng}) and writes it to `path` atomically.
 *
 * The bytes go to a new temporary file in the same directory, are flushed to disk, and are then
 * moved into place: by `link` + `unlink` without `overwrite` (so an existing file, even one
 * created meanwhile, is never replaced), by `rename` with it. On any failure the temporary file
 * is removed and `path` is untouched. With `overwrite`, the new file has default permissions.
 *
 * Requires: `img` is a well-formed RgbImage or GrayImage (else RangeError/TypeError, before any
 * file is touched).
 * Ensures: on success `path` holds the PNG; on failure rejects with an ImageError naming `path`:
 * "already exists (refusing to overwrite it; ...)" when it exists and `overwrite` is not true, or
 * "cannot write: ..." for file-system problems.
 */
export async function writePng(path: string, img: RgbImage | GrayImage, options: WritePngOptions = {}): Promise<void> {
  const bytes = encodePng(img);
  const overwrite = options.overwrite === true;
  const existsError = (): ImageError =>
    new ImageError('already exists (refusing to overwrite it; pass overwrite: true, or --force on the command line, to replace it)', { file: path });
  if (!overwrite && await exists(path)) throw existsError();

  const dir = nodePath.dirname(nodePath.resolve(path));
  const temp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(temp, 'wx');
  } catch (err) {
    throw fsErrorToImageError(err, path, 'write');
  }
  let tempGone = false;
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await fsp.rename(temp, path);
      tempGone = true;
    } else {
      try {
        await fsp.link(temp, path);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'EEXIST') throw existsError();
        if (typeof code !== 'string' || !CANNOT_LINK.has(code)) throw err;
        // No hard links on this file system: check, then rename (a small race, but never a
        // partial file).
        if (await exists(path)) throw existsError();
        await fsp.rename(temp, path);
        tempGone = true;
      }
    }
  } catch (err) {
    if (!tempGone) await fsp.unlink(temp).catch(() => undefined);
    if (err instanceof ImageError) throw err;
    throw fsErrorToImageError(err, path, 'write');
  }
  if (!tempGone) await fsp.unlink(temp).catch(() => undefined);
}
