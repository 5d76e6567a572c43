/**
 * `facemetric doctor`: what this installation can run, one line per backend, and why not where it
 * cannot: the WebAssembly kernels (which build: relaxed or plain SIMD), the optional CUDA backend
 * (src/cuda/: the device, or the reason: not built, does not load, another ABI version, no driver,
 * no device), and the model assets (present or the command that makes them). Exit code 0 when the
 * default pipeline can run (the wasm or reference backend and the models), whatever CUDA's state.
 */
import { existsSync } from 'node:fs';
import { cudaStatus } from '../cuda/index.js';
import { wasmDnnUnavailable } from '../dnn/recognizer.js';
import { assetPath } from '../models/index.js';
import { relaxedSimdSupported } from '../wasm/index.js';
import { stdio, type Io } from './enroll.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The checks, in the order they are printed. */
export function doctorChecks(): Check[] {
  const wasm = wasmDnnUnavailable();
  const cuda = cudaStatus();
  const models = ['frontal_face_detector', 'shape_predictor_68_face_landmarks', 'dlib_face_recognition_resnet_model_v1'].map((m) => assetPath(m));
  const missing = models.filter((m) => !existsSync(m));
  return [
    { name: 'node', ok: true, detail: `${process.version} (${process.platform} ${process.arch})` },
    wasm === undefined
      ? { name: 'wasm', ok: true, detail: relaxedSimdSupported() ? 'relaxed SIMD kernels' : 'SIMD kernels (relaxed SIMD not supported by this engine)' }
      : { name: 'wasm', ok: false, detail: `not available: ${wasm} (the reference backend runs instead)` },
    cuda.ok
      ? { name: 'cuda', ok: true, detail: `${cuda.runtime.device} (${cuda.runtime.build} build, ${cuda.runtime.library})` }
      : { name: 'cuda', ok: false, detail: `not available: ${cuda.message}` },
    missing.length === 0
      ? { name: 'models', ok: true, detail: 'detector, landmarks and face ResNet present' }
      : { name: 'models', ok: false, detail: `missing ${missing.join(', ')}; run: npm run models` },
  ];
}

export function runDoctor(opts: { json: boolean }, io: Io = stdio): number {
  const checks = doctorChecks();
  if (opts.json) io.out(`${JSON.stringify(Object.fromEntries(checks.map((c) => [c.name, { ok: c.ok, detail: c.detail }])))}\n`);
  else for (const c of checks) io.out(`${`${c.name}:`.padEnd(8)}${c.ok ? 'ok' : 'no'}  ${c.detail}\n`);
  return checks.find((c) => c.name === 'models')!.ok ? 0 : 1;
}
