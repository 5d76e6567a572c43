/**
 * The inputs of `facemetric cluster PATH...`: files as given, folders walked recursively.
 *
 * - Folders are walked in byte order of their entries' names, depth first, so a run over the
 *   same tree sees the same files in the same order (and so gets the same labels).
 * - Hidden entries (names starting with '.') inside folders are left out; a file named
 *   explicitly is always taken.
 * - Symbolic links to folders are followed once (a folder reached twice, e.g. through a link
 *   loop, is walked only the first time); `exclude` folders (the report's own folder when it
 *   lies inside an input folder) are not walked.
 * - A path that does not exist or cannot be listed becomes a problem, not an error: the caller
 *   reports it and goes on with the rest.
 *
 * {@link otherFileType} tells photos from the other files a photo library holds (sidecars,
 * videos, formats facemetric does not read): a file is a photo when its first bytes are JPEG's
 * or PNG's signature, or when its name ends in .jpg, .jpeg, .jpe, .jfif or .png (such a file that
 * fails to decode is a damaged photo, not an other file). Everything else is an other file,
 * named by what its first bytes show (an image format facemetric does not read, a video, text).
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fsErrorReason } from '../errors.js';
import { looksLikeText, otherFormatName } from '../image/decode.js';

export interface InputProblem {
  file: string;
  problem: string;
}

export interface CollectedInputs {
  /** Files to try, in order, as paths built from what was given. */
  files: string[];
  /** Paths that could not be used at all. */
  problems: InputProblem[];
}

/** A path's problem in words (it may have been a file or a folder). */
const fsProblem = (e: unknown): string => fsErrorReason(e, 'file or folder');

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function collectInputs(paths: readonly string[], exclude: readonly string[] = []): CollectedInputs {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  const seenDirs = new Set<string>(exclude.map((d) => { try { return realpathSync(d); } catch { return resolve(d); } }));
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (e) {
      problems.push({ file: dir, problem: fsProblem(e) });
      return;
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort(byteOrder);
    } catch (e) {
      problems.push({ file: dir, problem: `cannot list the folder: ${fsProblem(e)}` });
      return;
    }
    for (const name of names) if (!name.startsWith('.')) visit(join(dir, name));
  };
  /** A file is taken, a folder walked, anything else (or a failing stat) is a problem. */
  function visit(p: string): void {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      problems.push({ file: p, problem: fsProblem(e) });
      return;
    }
    if (st.isDirectory()) walk(p);
    else if (st.isFile()) files.push(p);
    else problems.push({ file: p, problem: 'not a regular file' });
  }
  for (const p of paths) visit(p);
  return { files, problems };
}

/** File name endings of the photos facemetric reads (JPEG and PNG), lower case. */
export const PHOTO_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png'];

/** How many first bytes {@link otherFileType} looks at. */
export const SNIFF_BYTES = 64;

const startsWith = (b: Uint8Array, s: readonly number[], at = 0): boolean => s.every((c, i) => b[at + i] === c);
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/**
 * undefined when `file` is a photo (JPEG or PNG by its first bytes `head`, or by its name),
 * else what the other file is, for the report: `HEIF/HEIC image`, `video`, `text file`, `data`.
 */
export function otherFileType(file: string, head: Uint8Array): string | undefined {
  if (startsWith(head, [0xff, 0xd8]) || startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return undefined;
  if (PHOTO_EXTENSIONS.includes(extname(file).toLowerCase())) return undefined;
  if (head.length === 0) return 'empty file';
  const image = otherFormatName(head);
  if (image !== undefined) return image === 'PDF' ? 'PDF' : `${image} image`;
  if (startsWith(head, ascii('ftyp'), 4) || startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]) || (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('AVI '), 8))) return 'video';
  if (looksLikeText(head)) return 'text file';
  return 'data';
}

/**
 * The photos among `files` (as collectInputs lists them for `given`), and the other files found
 * while walking a folder (sidecars, videos: {@link otherFileType} on their first bytes), which
 * the photo commands pass over quietly. A file named in `given` itself stays among the photos
 * (the user asked for it: it is read, and refused with the reason when it is not one); so does
 * a file whose first bytes cannot be read (reading it says why).
 */
export function photosAndOtherFiles(files: readonly string[], given: readonly string[]): { photos: string[]; others: { file: string; type: string }[] } {
  const named = new Set(given.map((g) => resolve(g)));
  const photos: string[] = [];
  const others: { file: string; type: string }[] = [];
  const head = new Uint8Array(SNIFF_BYTES);
  for (const file of files) {
    let type: string | undefined;
    if (!named.has(resolve(file))) {
      try {
        const fd = openSync(file, 'r');
        try {
          type = otherFileType(file, head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0)));
        } finally {
          closeSync(fd);
        }
      } catch { /* read again by the caller, who names the problem */ }
    }
    if (type === undefined) photos.push(file);
    else others.push({ file, type });
  }
  return { photos, others };
}
