/**
 * The parity harness: a C++ program (test/parity/harness.cpp) linked against Debian's libdlib-dev
 * that runs REAL dlib on given inputs. facemetric's parity tests and benchmarks call it through
 * this module, so every comparison is with live dlib output, never with numbers pasted once.
 *
 * The binary is built on demand (`npm run build:harness`, or `ensureHarness()` from a test's
 * global setup) and rebuilt whenever harness.cpp or the compile command changes: the build
 * writes a stamp file next to the binary holding a hash of both.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacemetricError } from '../errors.js';

/** Repository root: this file lives in src/parity/ (or dist/src/parity/ once compiled). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'parity'))) return dir;
    dir = dirname(dir);
  }
  throw new FacemetricError('cannot find the facemetric repository root (test/parity/harness.cpp)');
}

export const harnessSource = (): string => join(repoRoot(), 'test', 'parity', 'harness.cpp');
export const harnessBinary = (): string => join(repoRoot(), 'test', 'parity', 'bin', 'harness');
/** Scratch folder for harness outputs (ignored by git). */
export const harnessOutDir = (): string => join(repoRoot(), 'test', 'parity', 'out');

const CXX = process.env.CXX ?? 'g++';
const CXXFLAGS = ['-std=c++20', '-O2', '-DNDEBUG'];

function pkgConfigDlib(): string[] {
  const r = spawnSync('pkg-config', ['--cflags', '--libs', 'dlib-1'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new FacemetricError(
      'dlib is not installed (pkg-config dlib-1 failed); install it with: ' +
        'apt-get install -y libdlib-dev libdlib-data libblas-dev liblapack-dev g++ pkg-config');
  }
  return r.stdout.trim().split(/\s+/);
}

function buildCommand(): string[] {
  return [CXX, ...CXXFLAGS, harnessSource(), '-o', harnessBinary() + '.tmp', ...pkgConfigDlib()];
}

function stampFor(cmd: string[]): string {
  return createHash('sha256').update(readFileSync(harnessSource())).update(cmd.join(' ')).digest('hex');
}

/** True when dlib's development files and a C++ compiler are present. */
export function dlibAvailable(): boolean {
  const pc = spawnSync('pkg-config', ['--exists', 'dlib-1']);
  const cxx = spawnSync(CXX, ['--version']);
  return !pc.error && pc.status === 0 && !cxx.error && cxx.status === 0;
}

/**
 * Builds the harness if it is missing or stale, and returns the binary's path.
 * Ensures: the binary matches the current harness.cpp and compile command.
 */
export function ensureHarness(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): string {
  const bin = harnessBinary();
  const cmd = buildCommand();
  const stamp = stampFor(cmd);
  const stampFile = bin + '.stamp';
  if (existsSync(bin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return bin;
  mkdirSync(dirname(bin), { recursive: true });
  log(`facemetric: building the dlib parity harness (about a minute): ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    const first = (r.stderr || String(r.error)).split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ');
    throw new FacemetricError(`building the parity harness failed: ${first.slice(0, 500)}`);
  }
  renameSync(bin + '.tmp', bin);
  writeFileSync(stampFile, stamp);
  return bin;
}

/** Runs the harness with the given arguments; throws with dlib's message if it fails. */
export function runHarness(args: string[], options: { timeoutMs?: number } = {}): string {
  const bin = harnessBinary();
  if (!existsSync(bin)) throw new FacemetricError('the parity harness is not built; run: npm run build:harness');
  const r: SpawnSyncReturns<string> = spawnSync(bin, args, {
    encoding: 'utf8',
    maxBuffer: 512 << 20,
    timeout: options.timeoutMs ?? 600_000,
  });
  if (r.error) throw new FacemetricError(`harness ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new FacemetricError(`harness ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a harness command whose stdout is JSON Lines, and parses it. */
export function runHarnessJson<T = unknown>(args: string[], options: { timeoutMs?: number } = {}): T[] {
  return runHarness(args, options)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** One face as the harness reports it (the CLI contract's shape). */
export interface HarnessFace {
  rect: [number, number, number, number];
  score: number;
  filter: number;
  landmarks?: [number, number][];
  descriptor?: number[];
}

/** One image as the harness reports it. */
export interface HarnessImage {
  image: string;
  width: number;
  height: number;
  timings: Record<string, number>;
  faces: HarnessFace[];
}

/** `cluster` output. */
export interface HarnessClusters {
  clusters: number;
  faces: { image: string; rect: [number, number, number, number]; label: number }[];
}

/** Absolute path helper for callers that pass relative paths. */
export const abs = (p: string): string => resolve(p);
