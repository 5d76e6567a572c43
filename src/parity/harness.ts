/**
 * The parity harness: a C++ program (test/parity/harness.cpp) linked against Debian's libdlib-dev
 * that runs REAL dlib on given inputs. facemetric's parity tests and benchmarks call it through
 * this module, so every comparison is with live dlib output, never with numbers pasted once.
 *
 * The binary is built on demand (`npm run build:harness`, or `ensureHarness()` from a test's
 * global setup) and rebuilt whenever its sources or the compile commands change: the build
 * writes a stamp file next to the binary holding a hash of both. Each source's object file is
 * kept (test/parity/bin/obj/, named by a hash of what it depends on), so an edit to one source
 * recompiles that source only.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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

const parityDir = (): string => join(repoRoot(), 'test', 'parity');
/** The harness's C++ translation units (compiled in parallel, then linked). */
export const harnessSources = (): string[] => ['harness.cpp', 'writers.cpp', 'fhog.cpp', 'scan.cpp', 'landmarks.cpp', 'chips.cpp', 'accuracy.cpp', 'geometry.cpp', 'dnn.cpp', 'rand.cpp', 'cluster.cpp', 'jitter.cpp', 'metric.cpp', 'backward.cpp', 'sampler.cpp', 'train.cpp'].map((f) => join(parityDir(), f));
/** Headers they share (part of the rebuild stamp). */
const harnessHeaders = (): string[] => ['facenet.h', 'options.h'].map((f) => join(parityDir(), f));
export const harnessBinary = (): string => join(repoRoot(), 'test', 'parity', 'bin', 'harness');
/** Scratch folder for harness outputs (ignored by git). */
export const harnessOutDir = (): string => join(repoRoot(), 'test', 'parity', 'out');

const CXX = process.env.CXX ?? 'g++';
const CXXFLAGS = ['-std=c++20', '-O2', '-DNDEBUG'];

/**
 * Debian's reference BLAS and LAPACK (packages libblas3 and liblapack3), by path. dlib's
 * answers depend on the BLAS/LAPACK it runs: installing OpenBLAS (libopenblas0-pthread, common
 * wherever numpy or R is installed) switches `libblas.so.3` and `liblapack.so.3` through
 * alternatives, and its dgesvd differs from the reference one in the last bits (chip geometry),
 * its sgemm by ~1e-5 (conv layers). facemetric's parity claims are against dlib 19.24 on the
 * reference libraries, so the harness is pinned to them: it links these files directly (their
 * soname, libblas.so.3 / liblapack.so.3, becomes one of the harness's own needed libraries) with
 * a run path to their folders, so the loader takes them from there before the system's
 * alternatives, and libdlib's own need of the same sonames is met by the copies already loaded.
 * LD_LIBRARY_PATH still comes first (the benchmarks use it to run dlib on OpenBLAS on purpose);
 * runHarness removes it. The harness's `blas` command reports what was loaded; a parity test
 * checks it.
 */
export const REFERENCE_BLAS = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3';
export const REFERENCE_LAPACK = '/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3';

/** Link flags that pin the harness to the reference BLAS/LAPACK (none where they are absent). */
function blasPin(): string[] {
  const libs = [REFERENCE_BLAS, REFERENCE_LAPACK].filter((f) => existsSync(f));
  if (libs.length === 0) return [];
  return ['-Wl,--no-as-needed', ...libs, '-Wl,--as-needed', `-Wl,-rpath,${libs.map((f) => dirname(f)).join(':')}`];
}

function pkgConfigDlib(): string[] {
  const r = spawnSync('pkg-config', ['--cflags', '--libs', 'dlib-1'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new FacemetricError(
      'dlib is not installed (pkg-config dlib-1 failed); install it with: ' +
        'apt-get install -y libdlib-dev libdlib-data libblas-dev liblapack-dev libjpeg-dev g++ pkg-config');
  }
  return r.stdout.trim().split(/\s+/);
}

const tmpBinary = (): string => `${harnessBinary()}.${process.pid}.tmp`;
/** Compiled objects, one per source and compile input (see objectKey), reused across builds. */
const objectDir = (): string => join(dirname(harnessBinary()), 'obj');

/**
 * What one object file depends on: its source, the shared headers, the compiler and its flags.
 * The paths are left out (sources include the headers by relative name), so a copy of the
 * repository in another folder computes the same keys.
 */
function objectKey(src: string, cflags: string[]): string {
  const h = createHash('sha256').update(readFileSync(src));
  for (const f of harnessHeaders()) h.update(basename(f)).update(readFileSync(f));
  return h.update(JSON.stringify([CXX, CXXFLAGS, cflags])).digest('hex').slice(0, 16);
}

/**
 * The compile commands of the sources whose object is not built yet, and the link command.
 * Objects are named by source and key (`obj/dnn.<key>.o`), so an edit to one source recompiles
 * only that source; a compile writes a file carrying the process id and renames it into place,
 * so two builds at once (two test runs) never write the same file.
 */
function buildCommands(dlib: string[]): { compile: { cmd: string[]; tmp: string; obj: string }[]; link: string[]; objs: string[] } {
  const cflags = dlib.filter((f) => f.startsWith('-I'));
  const objs = harnessSources().map((src) => join(objectDir(), `${basename(src, '.cpp')}.${objectKey(src, cflags)}.o`));
  const compile = harnessSources().flatMap((src, i) => {
    if (existsSync(objs[i])) return [];
    const tmp = `${objs[i]}.${process.pid}.tmp.o`;
    return [{ cmd: [CXX, ...CXXFLAGS, ...cflags, '-c', src, '-o', tmp], tmp, obj: objs[i] }];
  });
  return { compile, objs, link: [CXX, ...objs, '-o', tmpBinary(), ...blasPin(), ...dlib.filter((f) => !f.startsWith('-I'))] };
}

/** Removes objects of the harness's sources other than the current ones (and stale temporaries). */
function pruneObjects(keep: string[]): void {
  const wanted = new Set(keep.map((f) => basename(f)));
  for (const f of readdirSync(objectDir())) {
    if (!wanted.has(f) && !f.includes('.tmp.')) rmSync(join(objectDir(), f), { force: true });
  }
}

/** Runs the commands, at most `jobs` at a time; resolves with each result in order. */
async function runPool(cmds: string[][], jobs: number): Promise<{ code: number | null; stderr: string }[]> {
  const results: { code: number | null; stderr: string }[] = new Array(cmds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cmds.length) {
      const i = next++;
      results[i] = await run(cmds[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, cmds.length) }, worker));
  return results;
}

/** Hash of everything the binary depends on: sources, headers, compiler, flags, dlib's flags. */
function stampFor(dlibFlags: string[]): string {
  const h = createHash('sha256');
  for (const f of [...harnessSources(), ...harnessHeaders()]) h.update(f).update(readFileSync(f));
  return h.update(JSON.stringify([CXX, CXXFLAGS, dlibFlags, blasPin()])).digest('hex');
}

function run(cmd: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 20) stderr += d.toString();
    });
    child.on('error', (e) => resolvePromise({ code: -1, stderr: String(e) }));
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

function firstErrors(stderr: string): string {
  return stderr.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).map((l) => l.slice(0, 300)).join(' | ');
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
export async function ensureHarness(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<string> {
  const bin = harnessBinary();
  const dlib = pkgConfigDlib();
  const cmds = buildCommands(dlib);
  const stamp = stampFor(dlib);
  const stampFile = bin + '.stamp';
  if (existsSync(bin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return bin;
  mkdirSync(objectDir(), { recursive: true });
  const jobs = Math.max(1, availableParallelism());
  log(`facemetric: building the dlib parity harness (${cmds.compile.length} of ${cmds.objs.length} sources to compile, ${jobs} at a time; ` +
    `a few minutes from scratch): ${cmds.compile.map((c) => c.cmd.join(' ')).join(' & ')}; ${cmds.link.join(' ')}`);
  const compiled = await runPool(cmds.compile.map((c) => c.cmd), jobs);
  const failedAt = compiled.findIndex((r) => r.code !== 0);
  if (failedAt >= 0) {
    for (const c of cmds.compile) rmSync(c.tmp, { force: true });
    throw new FacemetricError(`building the parity harness failed (${basename(cmds.compile[failedAt].cmd[cmds.compile[failedAt].cmd.indexOf('-c') + 1])}): ${firstErrors(compiled[failedAt].stderr)}`);
  }
  for (const c of cmds.compile) renameSync(c.tmp, c.obj);
  const linked = await run(cmds.link);
  if (linked.code !== 0) throw new FacemetricError(`linking the parity harness failed (the development links dlib names may be missing: apt-get install -y libblas-dev liblapack-dev libjpeg-dev libpng-dev zlib1g-dev libsqlite3-dev): ${firstErrors(linked.stderr)}`);
  pruneObjects(cmds.objs);
  renameSync(tmpBinary(), bin);
  writeFileSync(stampFile, stamp);
  return bin;
}

/** Runs the harness with the given arguments; throws with dlib's message if it fails. */
export function runHarness(args: string[], options: { timeoutMs?: number } = {}): string {
  const bin = harnessBinary();
  if (!existsSync(bin)) throw new FacemetricError('the parity harness is not built; run: npm run build:harness');
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH; // would come before the harness's pinned BLAS/LAPACK (see REFERENCE_BLAS)
  const r: SpawnSyncReturns<string> = spawnSync(bin, args, {
    encoding: 'utf8',
    env,
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

/**
 * One face of `chips` output (chips.cpp): the image's index among the arguments, the face's index,
 * the chip PNG dlib saved, the detector's box, the 68 parts and dlib's chip_details.
 */
export interface HarnessChipFace {
  image: number;
  face: number;
  chip: string;
  rect: [number, number, number, number];
  parts: [number, number][];
  details: { rect: [number, number, number, number]; angle: number; rows: number; cols: number };
  ms: number;
}

/** Absolute path helper for callers that pass relative paths. */
export const abs = (p: string): string => resolve(p);
