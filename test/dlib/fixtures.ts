/**
 * Where the dlib-format test tests find real model files. Each function returns a path, or
 * undefined when the file is not available (the test is then skipped with a reason via
 * `it.skipIf`). Environment variables override the default locations:
 *
 * - FACEMETRIC_DETECTOR: `serialize(get_frontal_face_detector())` output
 *   (default models/frontal_face_detector.svm, exported by the parity harness).
 * - FACEMETRIC_SHAPE_PREDICTOR: shape_predictor_68_face_landmarks.dat (default
 *   models/shape_predictor_68_face_landmarks.dat, then Debian's
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

function firstExisting(envVar: string, candidates: string[]): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  return candidates.map((c) => (path.isAbsolute(c) ? c : path.join(repoRoot, c))).find((c) => existsSync(c));
}

/** dlib's frontal face detector as dlib serializes it. */
export function detectorPath(): string | undefined {
  return firstExisting('FACEMETRIC_DETECTOR', ['models/frontal_face_detector.svm']);
}

/** The 68-point shape predictor. */
export function shapePredictorPath(): string | undefined {
  return firstExisting('FACEMETRIC_SHAPE_PREDICTOR', [
    'models/shape_predictor_68_face_landmarks.dat',
    '/usr/share/dlib/shape_predictor_68_face_landmarks.dat',
  ]);
}

/** Reads a file as a Uint8Array. */
export function readBytes(p: string): Uint8Array {
  return new Uint8Array(readFileSync(p));
}

/** Skip reason for a missing fixture. */
export function missing(what: string, envVar: string): string {
  return `${what} not found (set ${envVar}, or build the parity harness outputs)`;
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
