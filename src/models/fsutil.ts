/**
 * File helpers for the model-asset step: sha256 of files, verified streaming copies (optionally
 * decompressing bzip2), and atomic writes (temp file in the destination folder, then rename).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { open, readFile, readdir, rename, rm, writeFile, lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import bz2 from 'unbzip2-stream';

const CHUNK = 1 << 20;
/** Files up to this size are hashed with one readFile instead of a stream. */
const SMALL = 8 << 20;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 (hex) and size of a file. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const st = await stat(file);
  if (st.size <= SMALL) {
    const buf = await readFile(file);
    return { sha256: sha256Hex(buf), bytes: buf.length };
  }
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** Does the file start with a bzip2 header ("BZh" and a block size digit 1-9)? */
export async function isBzip2(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39;
  } finally {
    await fh.close();
  }
}

/** First `n` bytes of a file. */
export async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const TMP_MARK = '.tmp-';

/**
 * A temp file name next to `dest`: `.<base>.tmp-<pid>-<random><ext>` (keeps the extension so
 * that ignore rules such as `models/*.dat` cover it while it exists).
 */
export function tempPathFor(dest: string): string {
  const dir = path.dirname(dest);
  const ext = path.extname(dest);
  const base = path.basename(dest, ext);
  return path.join(dir, `.${base}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}${ext}`);
}

const TMP_RE = /^\..*\.tmp-(\d+)-[0-9a-f]{8}(\.[^.]*)?$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files that an interrupted run (a process no longer alive) left in `dir`. */
export async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TMP_RE.exec(name);
    if (m !== null && !alive(Number(m[1]))) await rm(path.join(dir, name), { force: true });
  }
}

export interface CopyResult {
  /** The temp file holding the copy; the caller renames it into place or removes it. */
  tmp: string;
  sha256: string;
  bytes: number;
  /** Whether the source was bzip2 and was decompressed. */
  decompressed: boolean;
}

/**
 * Streams `src` (decompressing it when it is bzip2) into a new temp file next to `dest`,
 * hashing on the way. Never touches `dest`. On failure the temp file is removed.
 */
export async function copyToTemp(src: string, dest: string): Promise<CopyResult> {
  const decompress = await isBzip2(src);
  const tmp = tempPathFor(dest);
  const h = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const input = createReadStream(src, { highWaterMark: CHUNK });
  const stages: (Readable | Transform)[] = [input];
  let bzError: unknown;
  if (decompress) {
    const { transform, error } = bunzip2();
    stages.push(transform);
    bzError = error;
  }
  try {
    await pipeline([...stages, tap, createWriteStream(tmp, { flags: 'wx', mode: 0o644 })]);
  } catch (e) {
    input.destroy();
    await rm(tmp, { force: true });
    if (bzError !== undefined && (bzError as { value?: unknown }).value !== undefined) {
      const v = (bzError as { value: unknown }).value;
      const msg = v instanceof Error ? v.message : String(v);
      throw new Bzip2Error(msg === '' ? 'corrupt data' : msg);
    }
    throw e;
  }
  return { tmp, sha256: h.digest('hex'), bytes, decompressed: decompress };
}

/** The bzip2 data could not be decompressed. */
export class Bzip2Error extends Error {}

/**
 * unbzip2-stream's decoder (a classic "through" stream) as a stream.Transform. (Wrapping it
 * with Readable.wrap loses its end on large inputs; here it is never paused, and backpressure
 * comes from the Transform.) `error.value` is set when the decoder fails.
 */
function bunzip2(): { transform: Transform; error: { value?: unknown } } {
  const un = bz2();
  const error: { value?: unknown } = {};
  let flushed: ((e?: Error | null) => void) | undefined;
  const transform = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      un.write(chunk);
      cb();
    },
    flush(cb) {
      flushed = cb;
      un.end();
    },
  });
  un.on('data', (d: Buffer) => {
    transform.push(d);
  });
  un.on('end', () => flushed?.());
  un.on('error', (e: unknown) => {
    if (error.value === undefined) error.value = e ?? new Error('corrupt data');
    transform.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  return { transform, error };
}

/** Writes `data` to a temp file next to `dest` and returns its path (the caller renames it). */
export async function writeTemp(dest: string, data: Uint8Array | string): Promise<string> {
  const tmp = tempPathFor(dest);
  try {
    await writeFile(tmp, data, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return tmp;
}

/**
 * Moves `tmp` onto `dest` atomically. If `dest` is a symbolic link, the link itself is replaced
 * (its target is never written).
 */
export async function commitTemp(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Atomic whole-file write. */
export async function writeAtomic(dest: string, data: Uint8Array | string): Promise<void> {
  await commitTemp(await writeTemp(dest, data), dest);
}

/**
 * The same, synchronously: `data` to a new temporary file next to `dest` (named by tempPathFor,
 * so removeStaleTemps clears a killed run's), then a rename onto `dest`. On failure the temporary
 * file is removed and the error rethrown for the caller to word.
 */
export function writeAtomicSync(dest: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(dest);
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** lstat that returns undefined for a missing path. */
export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  return unlessMissing(lstat(p));
}

/** stat that returns undefined for a missing path (or a broken link). */
export async function statOrUndefined(p: string): Promise<Stats | undefined> {
  return unlessMissing(stat(p));
}

/** The result of `op`, or undefined when it fails because a path does not exist (ENOENT, ENOTDIR); other errors are rethrown. */
async function unlessMissing<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** "99.7 MB" */
export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
