/**
 * The CUDA loader (src/cuda/) says why the backend cannot run — not built, does not load, another
 * ABI version, no driver — and the recognizer and the CLI fall back to the wasm backend with that
 * reason in one note. The CUDA build of native/cuda/ (nvcc, ~3 s) loads here and probes: this
 * machine (and CI's) has no NVIDIA driver. Nothing here needs a GPU; the kernels themselves are
 * tested on the host build (test/dnn/forward-cuda.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetect } from '../../src/cli/detect.js';
import { runDoctor } from '../../src/cli/doctor.js';
import { CUDA_ABI_VERSION, cudaPaths, cudaStatus, cudaUnavailable, inspectCuda, loadCuda } from '../../src/cuda/index.js';
import { loadFaceRecognizer } from '../../src/dnn/index.js';
import { CudaUnavailableError } from '../../src/errors.js';
import { exampleImages } from '../../src/models/index.js';
import { CUDA_LIB, fakeLibrary, paths, removeScratch, ROOT, scratchDir, SHIM } from '../helpers/cuda-build.js';

const NVCC = '/usr/local/cuda-13.0/bin/nvcc';
const nvccHere = existsSync(NVCC) || process.env.CI === 'true'; // CI has nvcc there: fail, not skip, if it is gone
/** No NVIDIA driver on this machine (no device nodes): the CUDA build's probe must say so. */
const noDriver = !existsSync('/dev/nvidiactl');

const dir = scratchDir();
afterAll(() => removeScratch(dir));

beforeAll(() => {
  // the shim and, where nvcc is, the CUDA build (npm run build:cuda); else the shim only
  execFileSync(join(ROOT, 'native', 'build.sh'), nvccHere ? [] : ['--shim'], { cwd: ROOT, stdio: 'pipe' });
});

describe('inspectCuda: why the backend is unavailable', () => {
  it('not built: the shim or the library missing, naming the file and the command', () => {
    const shimMissing = inspectCuda(paths(CUDA_LIB, join(ROOT, 'build', 'nowhere', 'facemetric_napi.node')));
    expect(shimMissing).toMatchObject({ ok: false, reason: 'not-built' });
    if (!shimMissing.ok) expect(shimMissing.message).toMatch(/^the N-API shim is not built \(.*nowhere\/facemetric_napi\.node missing\); run: npm run build:cuda$/);
    const libMissing = inspectCuda(paths(join(ROOT, 'build', 'nowhere', 'libfacemetric_cuda.so')));
    expect(libMissing).toMatchObject({ ok: false, reason: 'not-built' });
    if (!libMissing.ok) expect(libMissing.message).toMatch(/^the library is not built \(.*libfacemetric_cuda\.so missing\); run: npm run build:cuda$/);
  });

  it('a library of another ABI version is refused before any other symbol is used', () => {
    const s = inspectCuda(paths(fakeLibrary(dir, CUDA_ABI_VERSION + 1)));
    expect(s).toMatchObject({ ok: false, reason: 'abi' });
    if (!s.ok) expect(s.message).toMatch(new RegExp(`the library's ABI version is ${CUDA_ABI_VERSION + 1}, this build of facemetric needs ${CUDA_ABI_VERSION}; run: npm run build:cuda$`));
  });

  it('a file that is not a shared library, or one without the ABI: does not load, with the reason', () => {
    const junk = join(dir, 'libjunk.so');
    writeFileSync(junk, 'not an ELF file');
    const s = inspectCuda(paths(junk));
    expect(s).toMatchObject({ ok: false, reason: 'load' });
    if (!s.ok) expect(s.message).toMatch(/libjunk\.so does not load: .*libjunk\.so/);
    const c = join(dir, 'other.c');
    writeFileSync(c, 'int something_else(void) { return 1; }\n');
    const other = join(dir, 'libother.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', other, c]);
    expect(inspectCuda(paths(other))).toMatchObject({ ok: false, reason: 'load', message: expect.stringMatching(/not a facemetric_cuda library \(no fmc_abi_version\)$/) });
  });

  it.runIf(nvccHere && noDriver)('the CUDA build loads here and reports no driver (cudaStatus, cudaUnavailable, loadCuda)', () => {
    expect(cudaPaths().library).toBe(CUDA_LIB);
    expect(cudaPaths().addon).toBe(SHIM);
    const s = cudaStatus();
    expect(s).toMatchObject({ ok: false, reason: 'no-driver' });
    expect(cudaUnavailable()).toBe('no NVIDIA driver (libcuda.so.1 not found)');
    expect(() => loadCuda()).toThrow(CudaUnavailableError);
    expect(() => loadCuda()).toThrow('CUDA is not available: no NVIDIA driver (libcuda.so.1 not found)');
  });
});

describe.runIf(nvccHere && noDriver)('the fallback', () => {
  it("backend 'cuda' without a driver: the wasm backend, and a note saying why", () => {
    const r = loadFaceRecognizer(undefined, { backend: 'cuda' });
    expect([r.backend, r.engine]).toEqual(['wasm', 'wasm-kernels']);
    expect(r.note).toMatch(/^the cuda backend is not available \(no NVIDIA driver \(libcuda\.so\.1 not found\)\); using the wasm backend$/);
    expect(r.describe({ width: 150, height: 150, data: new Uint8Array(150 * 150 * 3).fill(90) })).toHaveLength(128);
  });

  it('facemetric describe --backend cuda prints the reason in one line and describes on the CPU', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const image = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
    const code = await runDetect([image], { describe: true, backend: 'cuda', json: true }, { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^facemetric: note: the cuda backend is not available \(no NVIDIA driver \(libcuda\.so\.1 not found\)\); using the wasm backend\n$/);
    const o = JSON.parse(out.join('')) as { faces: { descriptor: number[] }[] };
    expect(o.faces).toHaveLength(2);
  });
});

describe.runIf(nvccHere && noDriver)('facemetric doctor', () => {
  it('prints one line per backend, CUDA with its reason; exit 0 (CUDA is optional)', () => {
    const out: string[] = [];
    expect(runDoctor({ json: false }, { out: (s) => out.push(s), err: () => undefined })).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^node: {3}ok {2}v\d+/);
    expect(text).toMatch(/\nwasm: {3}ok {2}/);
    expect(text).toContain('\ncuda:   no  not available: no NVIDIA driver (libcuda.so.1 not found)\n');
    const json: string[] = [];
    runDoctor({ json: true }, { out: (s) => json.push(s), err: () => undefined });
    expect(JSON.parse(json.join('')).cuda).toEqual({ ok: false, detail: 'not available: no NVIDIA driver (libcuda.so.1 not found)' });
  });
});
