/**
 * OpenBLAS for the dlib side of the benchmarks, without installing it.
 *
 * dlib (Debian's libdlib-dev) calls BLAS through libblas.so.3. The parity harness links the
 * system's, which on this machine is Debian's reference (netlib) BLAS; facemetric's bit-exact
 * dnn parity tests rely on that, so OpenBLAS must not be installed system-wide (installing
 * libopenblas0-pthread would take over libblas.so.3 through update-alternatives). Instead this
 * module downloads Debian's `libopenblas0-pthread` package with `apt-get download` (no root
 * rights or system changes needed), unpacks it with `dpkg-deb -x` into
 * `models/cache/openblas/` (ignored by git), and the benchmarks run the same harness binary
 * with `LD_LIBRARY_PATH` pointing at the unpacked `openblas-pthread/` folder, where the package
 * ships its own libblas.so.3 (and liblapack.so.3, OpenBLAS's LAPACK: the harness links
 * liblapack too, and the loader takes both from that folder; dlib's dnn uses only BLAS).
 * Its one dependency outside libc, libgfortran5, must already be installed (it is on Debian
 * with liblapack3); if it is not, or apt-get cannot download, OpenBLAS is skipped with the reason.
 *
 * The environment for an OpenBLAS run ({@link openBlasEnv}) also sets OPENBLAS_NUM_THREADS and
 * removes OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE: this machine's environment sets both, which
 * force OpenBLAS's Haswell kernels and a cache size that make it 10-20% slower than the kernels
 * it picks itself (see shared/REFERENCE.md section 4).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/models/paths.js';

/** Debian's OpenBLAS package built with pthreads (OPENBLAS_NUM_THREADS picks the count). */
export const OPENBLAS_PACKAGE = 'libopenblas0-pthread';

/** Environment variables of this machine that slow OpenBLAS down; unset for its runs. */
export const OPENBLAS_UNSET = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

export type OpenBlas =
  | { ok: true; libDir: string; version: string }
  | { ok: false; reason: string };

/** Where the package is unpacked (git-ignored with models/cache/). */
export const openBlasCacheDir = (): string => join(packageRoot(), 'models', 'cache', 'openblas');

function multiarch(): string | undefined {
  const r = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' });
  if (!r.error && r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  if (process.platform === 'linux' && process.arch === 'x64') return 'x86_64-linux-gnu';
  if (process.platform === 'linux' && process.arch === 'arm64') return 'aarch64-linux-gnu';
  return undefined;
}

function debVersion(dir: string): string {
  const deb = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(OPENBLAS_PACKAGE) && f.endsWith('.deb')) : undefined;
  return deb?.split('_')[1] ?? 'unknown version';
}

/** `ldd FILE` in `env`: the path each needed library resolves to (undefined for "not found"). */
function ldd(file: string, env: NodeJS.ProcessEnv): Map<string, string | undefined> | string {
  const r = spawnSync('ldd', [file], { encoding: 'utf8', env });
  if (r.error || r.status !== 0) return `ldd ${file} failed: ${r.error?.message ?? r.stderr.trim()}`;
  const libs = new Map<string, string | undefined>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(not found|(\S+))/.exec(line);
    if (m) libs.set(m[1], m[3]);
  }
  return libs;
}

/**
 * Makes sure OpenBLAS is unpacked in the cache (downloading it the first time) and that
 * `binary` (the parity harness) picks its libblas.so.3 under {@link openBlasEnv}.
 * Never throws: returns `{ ok: false, reason }` when OpenBLAS cannot be used here.
 */
export function ensureOpenBlas(binary: string, log: (line: string) => void = (l) => console.log(l)): OpenBlas {
  if (process.platform !== 'linux') return { ok: false, reason: `Debian's OpenBLAS package needs Linux (this is ${process.platform})` };
  const arch = multiarch();
  if (arch === undefined) return { ok: false, reason: `no Debian multiarch name for ${process.platform}/${process.arch}` };
  const cache = openBlasCacheDir();
  const libDir = join(cache, 'usr', 'lib', arch, 'openblas-pthread');
  if (!existsSync(join(libDir, 'libblas.so.3'))) {
    mkdirSync(cache, { recursive: true });
    log(`openblas: downloading Debian's ${OPENBLAS_PACKAGE} into ${cache} (apt-get download; nothing is installed)`);
    for (const f of readdirSync(cache)) if (f.endsWith('.deb')) rmSync(join(cache, f));
    const dl = spawnSync('apt-get', ['download', OPENBLAS_PACKAGE], { cwd: cache, encoding: 'utf8', timeout: 180_000 });
    if (dl.error || dl.status !== 0) {
      const why = dl.error?.message ?? dl.stderr.split('\n').filter((l) => /^E:|error/i.test(l)).join(' ').trim();
      return { ok: false, reason: `apt-get download ${OPENBLAS_PACKAGE} failed (${why || `exit ${dl.status}`}); is this Debian/Ubuntu with network access?` };
    }
    const deb = readdirSync(cache).find((f) => f.startsWith(OPENBLAS_PACKAGE) && f.endsWith('.deb'));
    if (deb === undefined) return { ok: false, reason: 'apt-get download succeeded but left no .deb file' };
    const x = spawnSync('dpkg-deb', ['-x', deb, '.'], { cwd: cache, encoding: 'utf8', timeout: 60_000 });
    if (x.error || x.status !== 0) return { ok: false, reason: `dpkg-deb -x ${deb} failed: ${x.error?.message ?? x.stderr.trim()}` };
    if (!existsSync(join(libDir, 'libblas.so.3'))) return { ok: false, reason: `the package has no ${join('usr', 'lib', arch, 'openblas-pthread', 'libblas.so.3')}` };
  }
  if (!existsSync(binary)) return { ok: false, reason: `the parity harness ${binary} is not built (npm run build:harness)` };
  const env = openBlasEnv({ ok: true, libDir, version: '' }, 1);
  const libs = ldd(binary, env);
  if (typeof libs === 'string') return { ok: false, reason: libs };
  const missing = [...libs].filter(([, p]) => p === undefined).map(([n]) => n);
  if (missing.length > 0) {
    return { ok: false, reason: `with OpenBLAS on LD_LIBRARY_PATH the harness misses ${missing.join(', ')} (OpenBLAS needs libgfortran5, which is not installed here)` };
  }
  const blas = libs.get('libblas.so.3');
  if (blas === undefined || !blas.startsWith(libDir)) {
    return { ok: false, reason: `libblas.so.3 resolves to ${blas ?? 'nothing'}, not into ${libDir} (is the harness linked with an rpath?)` };
  }
  return { ok: true, libDir, version: debVersion(cache) };
}

/**
 * The environment for a process that should run dlib on OpenBLAS with `threads` threads: this
 * process's, with `libDir` first on LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS set, and
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed (so OpenBLAS picks its kernels itself).
 */
export function openBlasEnv(blas: Extract<OpenBlas, { ok: true }>, threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of OPENBLAS_UNSET) delete env[v];
  env.LD_LIBRARY_PATH = [blas.libDir, env.LD_LIBRARY_PATH].filter((p) => p !== undefined && p !== '').join(':');
  env.OPENBLAS_NUM_THREADS = String(threads);
  return env;
}

/**
 * The environment for dlib on the system's (reference) BLAS: OpenBLAS's variables removed too,
 * so that a caller's LD_LIBRARY_PATH is the only thing that could swap the library.
 */
export function referenceBlasEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of [...OPENBLAS_UNSET, 'OPENBLAS_NUM_THREADS']) delete env[v];
  return env;
}
