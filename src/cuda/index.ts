/**
 * The optional CUDA backend's loader: the N-API shim (build/cuda/facemetric_napi.node, from
 * native/napi/) and the facemetric_cuda library it dlopens (build/cuda/libfacemetric_cuda.so,
 * from native/cuda/), both built by `npm run build:cuda`, never at install time.
 *
 * Nothing here throws at import, and nothing loads until asked: {@link cudaStatus} loads once per
 * process and says whether the backend can run, or why not — the library is not built, it (or
 * the shim) does not load, it is from another version (ABI check), there is no driver, or no
 * device. {@link loadCuda} returns the runtime or throws a CudaUnavailableError with that reason.
 *
 * FACEMETRIC_CUDA_LIB names another library file (the host build, build/cuda-host/, whose
 * kernels run on the CPU: how the tests run the whole path without a GPU).
 *
 * Like wasm/, a leaf of the backend layer: it imports nothing of facemetric but ../errors.js. The
 * network's program (which ops, which weights) is made by its user, dnn/forward-cuda.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CudaError, CudaOutOfMemoryError, CudaUnavailableError } from '../errors.js';

/** The ABI version of native/cuda/facemetric_cuda.h this code speaks (FMC_ABI_VERSION). */
export const CUDA_ABI_VERSION = 1;

/** The environment variable naming the library file to load instead of the built one. */
export const CUDA_LIB_ENV = 'FACEMETRIC_CUDA_LIB';

/** Why the backend cannot run (CudaUnavailableError.reason). */
export type CudaUnavailableReason = 'not-built' | 'load' | 'abi' | 'no-driver' | 'no-device' | 'error';

/** A net on the device: the shim's external handle. */
export type CudaNetHandle = object & { readonly __cudaNet?: never };

/** The shim's exports (native/napi/facemetric_napi.c). */
interface Shim {
  abiVersion: number;
  load(path: string): { abiVersion: number; build: string };
  probe(): { status: number; name: string; message: string };
  create(program: Int32Array, weights: Float32Array, maxBatch: number): CudaNetHandle;
  forward(net: CudaNetHandle, chips: Uint8Array, n: number, out: Float32Array): void;
  opOutput(net: CudaNetHandle, chips: Uint8Array, n: number, op: number, out: Float32Array): void;
  deviceBytes(net: CudaNetHandle): number;
  destroy(net: CudaNetHandle): void;
}

/** A loaded, probed backend. */
export interface CudaRuntime {
  /** 'cuda' (kernels on the GPU) or 'host' (the host build: the same kernels on the CPU). */
  readonly build: string;
  /** Device 0 in words ("NVIDIA H200, sm_90, 139.8 GiB"), or the host build's description. */
  readonly device: string;
  /** The library file loaded. */
  readonly library: string;
  /** Uploads a program and its weights, with an arena for maxBatch chips. Throws CudaError / CudaOutOfMemoryError. */
  createNet(program: Int32Array, weights: Float32Array, maxBatch: number): CudaNetHandle;
  /** out.length = n * outputs floats from n chips (chips.length = n * rows * cols * 3 bytes). */
  forward(net: CudaNetHandle, chips: Uint8Array, n: number, out: Float32Array): void;
  /** For debugging: ops 0..op run, op's output read back (n times its size floats). */
  opOutput(net: CudaNetHandle, chips: Uint8Array, n: number, op: number, out: Float32Array): void;
  deviceBytes(net: CudaNetHandle): number;
  destroy(net: CudaNetHandle): void;
}

/** Where the files are (for messages and the doctor). */
export interface CudaPaths {
  addon: string;
  library: string;
}

/** cudaStatus()'s answer. */
export type CudaStatus =
  | { ok: true; runtime: CudaRuntime }
  | { ok: false; reason: CudaUnavailableReason; message: string };

/** The build/ folder of this package (the first one up from here holding cuda/ or wasm). */
function buildDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const first = dir;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'build');
    if (existsSync(join(candidate, 'cuda')) || existsSync(join(candidate, 'facemetric.simd.wasm'))) return candidate;
    dir = dirname(dir);
  }
  return join(first, '..', '..', 'build');
}

/** The shim and the library this process would load (FACEMETRIC_CUDA_LIB overrides the library). */
export function cudaPaths(env: NodeJS.ProcessEnv = process.env): CudaPaths {
  const build = buildDir();
  const lib = env[CUDA_LIB_ENV];
  return {
    addon: join(build, 'cuda', 'facemetric_napi.node'),
    library: lib !== undefined && lib !== '' ? resolve(lib) : join(build, 'cuda', 'libfacemetric_cuda.so'),
  };
}

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** A shim error as a facemetric error. */
function wrap(e: unknown): Error {
  const code = codeOf(e);
  if (code === 'FMC_ERR_OUT_OF_MEMORY') return new CudaOutOfMemoryError('out of memory', messageOf(e));
  if (code.startsWith('FMC_')) return new CudaError(code.replace(/^FMC_(ERR_)?/, '').toLowerCase().replace(/_/g, ' '), messageOf(e));
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Loads the shim and the library at `paths` and probes the device, without caching (the shim
 * holds one library per process: a second, different library fails to load). Never throws.
 */
export function inspectCuda(paths: CudaPaths = cudaPaths()): CudaStatus {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: 'not-built', message: `the CUDA backend is built for Linux x64 only (this is ${process.platform} ${process.arch})` };
  }
  if (!existsSync(paths.addon)) return { ok: false, reason: 'not-built', message: `the N-API shim is not built (${paths.addon} missing); run: npm run build:cuda` };
  if (!existsSync(paths.library)) return { ok: false, reason: 'not-built', message: `the library is not built (${paths.library} missing); run: npm run build:cuda` };
  let shim: Shim;
  try {
    shim = createRequire(import.meta.url)(paths.addon) as Shim;
  } catch (e) {
    return { ok: false, reason: 'load', message: `the N-API shim ${paths.addon} does not load: ${messageOf(e)}` };
  }
  if (shim.abiVersion !== CUDA_ABI_VERSION) {
    return { ok: false, reason: 'abi', message: `the N-API shim speaks ABI version ${shim.abiVersion}, this facemetric needs ${CUDA_ABI_VERSION}; run: npm run build:cuda` };
  }
  let build: string;
  try {
    build = shim.load(paths.library).build;
  } catch (e) {
    if (codeOf(e) === 'FMC_ABI_MISMATCH') return { ok: false, reason: 'abi', message: `${paths.library}: ${messageOf(e)}; run: npm run build:cuda` };
    return { ok: false, reason: 'load', message: `${paths.library} does not load: ${messageOf(e)}` };
  }
  const p = shim.probe();
  if (p.status !== 0) {
    const reason: CudaUnavailableReason = p.name === 'no driver' ? 'no-driver' : p.name === 'no device' ? 'no-device' : 'error';
    return { ok: false, reason, message: p.message || p.name };
  }
  const call = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw wrap(e);
    }
  };
  const runtime: CudaRuntime = {
    build, device: p.message, library: paths.library,
    createNet: (program, weights, maxBatch) => call(() => shim.create(program, weights, maxBatch)),
    forward: (net, chips, n, out) => call(() => shim.forward(net, chips, n, out)),
    opOutput: (net, chips, n, op, out) => call(() => shim.opOutput(net, chips, n, op, out)),
    deviceBytes: (net) => call(() => shim.deviceBytes(net)),
    destroy: (net) => call(() => shim.destroy(net)),
  };
  return { ok: true, runtime };
}

let status: CudaStatus | undefined;

/** {@link inspectCuda} of the default paths, once per process. */
export function cudaStatus(): CudaStatus {
  status ??= inspectCuda();
  return status;
}

/** Why the CUDA backend cannot run here (one line), or undefined when it can. */
export function cudaUnavailable(): string | undefined {
  const s = cudaStatus();
  return s.ok ? undefined : s.message;
}

/** The runtime, or a CudaUnavailableError saying why there is none. */
export function loadCuda(): CudaRuntime {
  const s = cudaStatus();
  if (!s.ok) throw new CudaUnavailableError(s.reason, s.message);
  return s.runtime;
}
