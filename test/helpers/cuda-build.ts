/**
 * Builds what the CUDA tests load: the N-API shim and the host build of the CUDA library
 * (native/build.sh --host: g++ and gcc only, ~2 s), once per test file; and small libraries that
 * pretend to be facemetric_cuda (another ABI version) for the loader's reasons.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CudaPaths } from '../../src/cuda/index.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SHIM = join(ROOT, 'build', 'cuda', 'facemetric_napi.node');
export const HOST_LIB = join(ROOT, 'build', 'cuda-host', 'libfacemetric_cuda.so');
export const CUDA_LIB = join(ROOT, 'build', 'cuda', 'libfacemetric_cuda.so');

/** native/build.sh --host (the shim and the host library). */
export function buildHostCuda(): void {
  execFileSync(join(ROOT, 'native', 'build.sh'), ['--host'], { cwd: ROOT, stdio: 'pipe' });
}

/** A temporary folder (the caller removes it: removeScratch). */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'fmc-test-'));
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A shared library in `dir` exporting fmc_abi_version() = `abi` and nothing else; its path. */
export function fakeLibrary(dir: string, abi: number): string {
  const c = join(dir, 'fake.c');
  writeFileSync(c, `int fmc_abi_version(void) { return ${abi}; }\n`);
  const so = join(dir, 'libfake.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', so, c]);
  return so;
}

export const paths = (library: string, addon = SHIM): CudaPaths => ({ addon, library });
