/**
 * Where facemetric's model assets live.
 *
 * The default models folder is the package's own `models/` folder, found from this module's URL
 * (so it is the same whether this runs from `src/models/` under vitest or from `dist/src/models/`),
 * unless the environment variable `FACEMETRIC_MODELS` names another folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacemetricError } from '../errors.js';

/** Environment variable that moves the models folder (the CLI's `--models-dir` wins over it). */
export const MODELS_ENV = 'FACEMETRIC_MODELS';

let cachedRoot: string | undefined;

/** The facemetric package's root folder (the one holding its package.json). */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
        if (name === 'facemetric') return (cachedRoot = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not found (should not happen in a checkout or an installed package): fall back to the layout
  // of src/models/ → ../../
  return (cachedRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
}

/** The package's own `models/` folder (holds manifest.json and the committed detector). */
export function packageModelsDir(): string {
  return path.join(packageRoot(), 'models');
}

/** The models folder in use: `$FACEMETRIC_MODELS` if set (resolved against the cwd), else the package's `models/`. */
export function defaultModelsDir(): string {
  const env = process.env[MODELS_ENV];
  if (env !== undefined && env.trim() !== '') return path.resolve(env);
  return packageModelsDir();
}

/** A path for messages: relative to the cwd when it is inside it, else absolute. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  if (rel === '') return '.';
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  return p;
}

/** Is `child` (an absolute path) inside `parent` (or equal to it)? Lexical check. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The bytes of a model file.
 * Requires: nothing. Ensures: the file's bytes; a file that cannot be read throws a
 * FacemetricError naming it, `<file>: cannot read <what> (<errno code, else the message>)`.
 */
export function readModelFile(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FacemetricError(`cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}
