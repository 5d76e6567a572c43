/**
 * Shared plumbing of the backward-pass parity suites (conv, bn, layers, gemm): float32 files to
 * and from the harness's backward.cpp commands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../src/dnn/tensor.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { readF32File } from './helpers.js';

/** Writes `data` as a raw little-endian float32 file DIR/NAME; returns its path. */
export function writeF32(dir: string, name: string, data: Float32Array): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return path;
}

/** Runs a harness command; returns its one JSON line. */
export function runBackward<T = Record<string, unknown>>(args: string[]): T {
  const out = runHarnessJson<T>(args);
  if (out.length !== 1) throw new Error(`harness ${args[0]}: expected one JSON line, got ${out.length}`);
  return out[0]!;
}

/** The float32 file DIR/NAME the harness wrote. */
export const readOut = (dir: string, name: string): Float32Array => readF32File(join(dir, name));

/** "n,k,nr,nc" of a tensor (the harness's --shape). */
export const shapeArg = (t: Pick<Tensor, 'n' | 'k' | 'nr' | 'nc'>): string => `${t.n},${t.k},${t.nr},${t.nc}`;

/** Indices where two arrays differ (bitwise: NaN equals NaN, -0 differs from +0), at most `limit`. */
export function mismatches(got: Float32Array, want: Float32Array, limit = 5): string[] {
  const out: string[] = [];
  if (got.length !== want.length) return [`length ${got.length} vs ${want.length}`];
  for (let i = 0; i < got.length && out.length < limit; i++) {
    if (!Object.is(got[i], want[i])) out.push(`[${i}] got ${got[i]} want ${want[i]}`);
  }
  return out;
}

/** How many elements differ (bitwise). */
export function countMismatches(got: Float32Array, want: Float32Array): number {
  let c = 0;
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) c++;
  return c;
}
