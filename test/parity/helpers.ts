/**
 * Shared helpers of the parity suites: whether the dlib harness is available, and a `describe`
 * that skips (with the reason) where dlib is not installed, but fails in CI, where parity with
 * live dlib is required (CI=true or FACEMETRIC_REQUIRE_PARITY=1).
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { harnessBinary, harnessOutDir, runHarnessJson } from '../../src/parity/harness.js';

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
