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
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fsErrorReason } from '../errors.js';

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
