/**
 * Shared helpers of the parity suites: whether the dlib harness is available, and a `describe`
 * that skips (with the reason) where dlib is not installed, but fails in CI, where parity with
 * live dlib is required (CI=true or FACEMETRIC_REQUIRE_PARITY=1).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { harnessBinary, harnessOutDir, runHarness, runHarnessJson } from '../../src/parity/harness.js';

export const parityRequired = process.env.CI === 'true' || process.env.FACEMETRIC_REQUIRE_PARITY === '1';

/** True when the harness binary is built (vitest's global setup builds it where dlib is installed). */
export const harnessReady = (): boolean => existsSync(harnessBinary());

/** `describe` for suites that need live dlib. */
export function describeParity(name: string, fn: () => void): void {
  if (harnessReady() || parityRequired) describe(name, fn);
  else describe.skip(`${name} [skipped: dlib is not installed, so there is no live dlib to compare with]`, fn);
}

/** A fresh scratch folder under test/parity/out/ (ignored by git). */
export function scratchDir(prefix: string): string {
  mkdirSync(harnessOutDir(), { recursive: true });
  return mkdtempSync(join(harnessOutDir(), prefix + '-'));
}

/** A raw little-endian float32 file the harness wrote (its own copy of the bytes, aligned). */
export function readF32File(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Formats the first few mismatches and the max difference, for failure messages. */
export function diffReport(got: ArrayLike<number>, want: ArrayLike<number>, limit = 5): string {
  let max = 0;
  let at = -1;
  const first: string[] = [];
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d > max) {
      max = d;
      at = i;
    }
    if (d > 0 && first.length < limit) first.push(`[${i}] got ${got[i]} want ${want[i]}`);
  }
  return `length ${got.length} vs ${want.length}; max |diff| ${max} at ${at}; first: ${first.join(', ')}`;
}

/** The BLAS and LAPACK files the harness's dlib runs (its `blas` command), symlinks resolved. */
export interface HarnessBlas {
  blas: string;
  lapack: string;
  openblas: boolean;
}

/** What the harness's `blas` command reports (the build pins Debian's reference BLAS/LAPACK). */
export function harnessBlas(): HarnessBlas {
  return runHarnessJson<HarnessBlas>(['blas'])[0]!;
}

/**
 * A file that the parity harness writes with `args` (its output path appended), made once per
 * harness build; undefined when the harness is not built (dlib not installed).
 */
export function harnessWritten(name: string, args: string[]): string | undefined {
  const bin = harnessBinary();
  if (!existsSync(bin)) return undefined;
  const out = join(harnessOutDir(), name);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(bin).mtimeMs) {
    mkdirSync(harnessOutDir(), { recursive: true });
    runHarness([...args, out + '.tmp']);
    renameSync(out + '.tmp', out);
  }
  return out;
}

/**
 * A face ResNet (anet_type) network file written by dlib itself: FACEMETRIC_DLIB_WRITTEN_NET if
 * set, else made by the harness's `write-net` (as dlib made its published model) into
 * test/parity/out/dlib_written_net.dat, remade whenever the harness binary is newer; undefined
 * when neither is there.
 */
export function dlibWrittenNetPath(): string | undefined {
  const fromEnv = process.env.FACEMETRIC_DLIB_WRITTEN_NET;
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  return harnessWritten('dlib_written_net.dat', ['write-net']);
}
