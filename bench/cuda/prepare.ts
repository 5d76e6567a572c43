/**
 * Prepares, on a machine without a GPU, what bench/cuda/run.sh needs on the GPU host (which has
 * no node, no network, and takes at most 64 MiB of carried files): into build/cuda-carry/
 *   chips.u8       the 91 example faces' 150x150 chips (examples/faces/*.jpg and examples/johns,
 *                  as `facemetric cluster` finds them: detector, 68 landmarks, get_face_chip_details
 *                  (150, 0.25)), RGB bytes one after another
 *   ref.f32        their descriptors on the WebAssembly path (recognizer backend 'wasm', batches
 *                  of 16): what the GPU's must match within 1e-4
 *   model.dat      the face ResNet (models/dlib_face_recognition_resnet_model_v1.dat)
 *   meta.json      counts, sizes, files, the wasm build, and with --host-check the host build's
 *                  max |difference| over the 91 faces
 * bench/cuda/prepare.sh runs this, then adds the Node binary and the N-API headers.
 *
 * `node dist/bench/cuda/prepare.js [--host-check]`. With --host-check, the 91 chips also go through
 * the host build of the CUDA library (build/cuda-host/, native/build.sh --host; ~0.4 s a chip).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CUDA_LIB_ENV } from '../../src/cuda/index.js';
import { loadFaceRecognizer } from '../../src/dnn/recognizer.js';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { assetPath, exampleImages, packageRoot } from '../../src/models/index.js';
import { loadFaceModels, runPipeline } from '../../src/pipeline/index.js';
import { relaxedSimdSupported } from '../../src/wasm/index.js';

const hostCheck = process.argv.includes('--host-check');
const root = packageRoot();
const out = join(root, 'build', 'cuda-carry');
if (hostCheck) process.env[CUDA_LIB_ENV] = join(root, 'build', 'cuda-host', 'libfacemetric_cuda.so');
mkdirSync(out, { recursive: true });

const models = loadFaceModels('chips');
const files = [...exampleImages('faces'), ...exampleImages('johns')];
const chips: RgbImage[] = [];
const perFile: { file: string; faces: number }[] = [];
for (const f of files) {
  const { faces } = runPipeline(readImageSync(f), models, { until: 'chips' });
  for (const face of faces) chips.push(face.chip!);
  perFile.push({ file: relative(root, f), faces: faces.length });
}
console.log(`${chips.length} chips from ${files.length} photos`);

const wasm = loadFaceRecognizer(undefined, { backend: 'wasm' });
const ref = wasm.describeBatch(chips, { batchSize: 16 });
const chipBytes = 150 * 150 * 3;
const u8 = new Uint8Array(chips.length * chipBytes);
chips.forEach((c, i) => u8.set(c.data, i * chipBytes));
const f32 = new Float32Array(chips.length * 128);
ref.forEach((d, i) => f32.set(d, i * 128));
writeFileSync(join(out, 'chips.u8'), u8);
writeFileSync(join(out, 'ref.f32'), f32);
copyFileSync(assetPath('dlib_face_recognition_resnet_model_v1'), join(out, 'model.dat'));

let hostMaxDiff: number | undefined;
if (hostCheck) {
  const cuda = loadFaceRecognizer(undefined, { backend: 'cuda' });
  if (cuda.backend !== 'cuda') throw new Error(`the host build does not run: ${cuda.note}`);
  const t0 = performance.now();
  const got = cuda.describeBatch(chips, { batchSize: 16 });
  hostMaxDiff = 0;
  got.forEach((d, i) => d.forEach((v, k) => { hostMaxDiff = Math.max(hostMaxDiff!, Math.abs(v - ref[i]![k]!)); }));
  console.log(`host build of the CUDA library vs wasm: max |difference| ${hostMaxDiff} over ${chips.length} faces (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

writeFileSync(join(out, 'meta.json'), `${JSON.stringify({
  count: chips.length, rows: 150, cols: 150, outputs: 128,
  reference: { backend: 'wasm', build: relaxedSimdSupported() ? 'relaxed' : 'simd', batchSize: 16, node: process.version },
  ...(hostMaxDiff === undefined ? {} : { hostBuildMaxDiff: hostMaxDiff }),
  files: perFile,
}, null, 2)}\n`);
console.log(`wrote ${relative(root, out)}/{chips.u8, ref.f32, model.dat, meta.json}`);
