/**
 * Where the dlib-format tests find real model files. Each function returns a path, or throws an
 * Error naming the missing file and the fix: the files are committed or prepared by `npm ci`, so
 * a test that needs one fails rather than skips without it. Environment variables override the
 * default locations:
 *
 * - FACEMETRIC_DETECTOR: `serialize(get_frontal_face_detector())` output
 *   (default models/frontal_face_detector.svm, committed; exported by the parity harness).
 * - FACEMETRIC_SHAPE_PREDICTOR: shape_predictor_68_face_landmarks.dat (default
 *   models/shape_predictor_68_face_landmarks.dat, prepared by `npm ci`, then Debian's
 *   /usr/share/dlib/shape_predictor_68_face_landmarks.dat).
 *
 * (A face ResNet written by dlib itself is made by the parity harness: dlibWrittenNetPath in
 * test/parity/helpers.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DlibFormatError } from '../../src/errors.js';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Small dlib-written files committed under test/dlib/data (see test/dlib/data/README.md). */
export function dataPath(name: string): string {
  return path.join(repoRoot, 'test', 'dlib', 'data', name);
}

/** Ensures: the first existing file of `envVar` (when set) or else of `candidates`; throws, naming `fix`, when none exists. */
function firstExisting(envVar: string, candidates: string[], fix: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`${envVar}=${fromEnv} does not exist`);
  }
  const paths = candidates.map((c) => (path.isAbsolute(c) ? c : path.join(repoRoot, c)));
  const found = paths.find((c) => existsSync(c));
  if (found === undefined) throw new Error(`${paths.join(' and ')} missing: ${fix} (or set ${envVar})`);
  return found;
}

/** dlib's frontal face detector as dlib serializes it. */
export function detectorPath(): string {
  return firstExisting('FACEMETRIC_DETECTOR', ['models/frontal_face_detector.svm'], 'it is committed: git checkout -- models/frontal_face_detector.svm');
}

/** The 68-point shape predictor. */
export function shapePredictorPath(): string {
  return firstExisting('FACEMETRIC_SHAPE_PREDICTOR', [
    'models/shape_predictor_68_face_landmarks.dat',
    '/usr/share/dlib/shape_predictor_68_face_landmarks.dat',
  ], 'npm ci prepares it (npm run models)');
}

/** Reads a file as a Uint8Array. */
export function readBytes(p: string): Uint8Array {
  return new Uint8Array(readFileSync(p));
}

/** Byte-array equality that reports the first differing offset (or -1 when equal). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Runs `fn`, which must throw a DlibFormatError, and returns that error. */
export function errorOf(fn: () => unknown): DlibFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DlibFormatError) return e;
    throw e;
  }
  throw new Error('expected a DlibFormatError');
}

/** Offset of the n-th occurrence (0-based) of an ASCII string. */
export function findAscii(bytes: Uint8Array, s: string, nth = 0): number {
  const enc = new TextEncoder().encode(s);
  let seen = 0;
  outer: for (let i = 0; i + enc.length <= bytes.length; i++) {
    for (let j = 0; j < enc.length; j++) if (bytes[i + j] !== enc[j]) continue outer;
    if (seen++ === nth) return i;
  }
  return -1;
}
