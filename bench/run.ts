/**
 * facemetric benchmarks (tinybench). `npm run bench [suite]` after `npm ci`; suites: kernels,
 * models, fhog, detect, landmarks, accuracy, gemm, gemm-backward, forward-wasm, parallel, resnet, cluster, search, job, train (all when none is named);
 * library (issue 18's photo library: an hour) and report (a 100,000-face report opened in
 * Chromium: needs apt-get install chromium): only when named.
 *
 * Here: the first WebAssembly SIMD kernel against its TypeScript reference (GFLOP/s) and reading/
 * writing the three dlib model files (ms, MB/s). Each stage's suite lives in its own file and
 * times dlib (through the parity harness) in the same run, printing ratios. Timings are noisy on
 * shared machines: read medians and ratios.
 */
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { readDnnNet, writeDnnNet } from '../src/dlib/dnn.js';
import { readFhogObjectDetector, writeFhogObjectDetector } from '../src/dlib/object-detector.js';
import { readShapePredictor, writeShapePredictor } from '../src/dlib/shape-predictor.js';
import { assetPath } from '../src/models/index.js';
import { existsSync } from 'node:fs';
import { harnessBinary, runHarnessJson } from '../src/parity/harness.js';
import { WasmKernels } from '../src/wasm/index.js';
import { dotRef } from '../src/wasm/kernels.js';
import { detectBench } from './detect.js';
import { fhogBench } from './fhog.js';
import { gemmBench } from './gemm.js';
import { gemmBackwardBench } from './gemm-backward.js';
import { resnetBench } from './resnet.js';
import { trainBench } from './train.js';
import { jobBench } from './job.js';
import { forwardWasmBench } from './forward-wasm.js';
import { parallelBench } from './parallel.js';
import { accuracyReport } from './accuracy.js';
import { landmarksBench } from './landmarks.js';
import { clusterBench } from './cluster.js';
import { searchBench } from './search.js';
import { libraryBench } from './library.js';
import { reportBench } from './report.js';

async function kernels(): Promise<void> {
  const k = WasmKernels.load();
  const n = 1 << 16;
  const a = new Float32Array(n).map((_, i) => Math.sin(i));
  const b = new Float32Array(n).map((_, i) => Math.cos(i));
  const pa = k.putF32(a);
  const pb = k.putF32(b);
  let sink = 0;
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench
    .add(`dot n=${n} TypeScript reference`, () => {
      sink += dotRef(a, b, n);
    })
    .add(`dot n=${n} WebAssembly ${k.flavour}`, () => {
      sink += k.exports.dot_f32(pa, pb, n);
    });
  await bench.run();
  const rows = bench.tasks.map((t) => {
    const median = medianMs(t);
    return { task: t.name, 'median ms': Number(median.toFixed(4)), 'GFLOP/s': Number(((2 * n) / (median * 1e6)).toFixed(2)) };
  });
  console.table(rows);
  const [ref, wasm] = rows;
  console.log(`WebAssembly / reference speed-up: ${(ref['median ms'] / wasm['median ms']).toFixed(1)}x (sink ${sink > 0 ? '+' : '-'})`);
}

/** Median latency of a tinybench task in ms. */
function medianMs(t: Bench['tasks'][number]): number {
  return t.result && 'latency' in t.result ? t.result.latency.p50 ?? NaN : NaN;
}

async function models(): Promise<void> {
  const files = {
    detector: readFileSync(assetPath('frontal_face_detector')),
    shapePredictor: readFileSync(assetPath('shape_predictor_68_face_landmarks')),
    resnet: readFileSync(assetPath('dlib_face_recognition_resnet_model_v1')),
  };
  const det = readFhogObjectDetector(files.detector);
  const sp = readShapePredictor(files.shapePredictor);
  const net = readDnnNet(files.resnet);
  const bench = new Bench({ time: 2000, warmupTime: 300, iterations: 3 });
  bench
    .add('read frontal_face_detector.svm', () => readFhogObjectDetector(files.detector))
    .add('write frontal_face_detector.svm', () => writeFhogObjectDetector(det))
    .add('read shape_predictor_68_face_landmarks.dat', () => readShapePredictor(files.shapePredictor))
    .add('write shape_predictor_68_face_landmarks.dat', () => writeShapePredictor(sp))
    .add('read dlib_face_recognition_resnet_model_v1.dat', () => readDnnNet(files.resnet))
    .add('write dlib_face_recognition_resnet_model_v1.dat', () => writeDnnNet(net));
  await bench.run();
  const size = (name: string): number =>
    name.includes('detector') ? files.detector.length : name.includes('shape') ? files.shapePredictor.length : files.resnet.length;
  // dlib's own deserialize of the same files, timed by the parity harness in this run.
  const dlibMs = new Map<string, number>();
  if (existsSync(harnessBinary())) {
    const kinds: [string, string, string][] = [
      ['detector', 'frontal_face_detector', 'frontal_face_detector.svm'],
      ['shape-predictor', 'shape_predictor_68_face_landmarks', 'shape_predictor_68_face_landmarks.dat'],
      ['net', 'dlib_face_recognition_resnet_model_v1', 'dlib_face_recognition_resnet_model_v1.dat'],
    ];
    for (const [kind, asset, file] of kinds) {
      const [r] = runHarnessJson<{ median_ms: number }>(['time-deserialize', kind, assetPath(asset), '5']);
      dlibMs.set(file, r.median_ms);
    }
  } else {
    console.log('(dlib parity harness not built: run npm run build:harness to compare with dlib)');
  }
  console.table(bench.tasks.map((t) => {
    const file = t.name.split(' ')[1];
    const ms = medianMs(t);
    const dlib = t.name.startsWith('read') ? dlibMs.get(file) : undefined;
    return {
      task: t.name,
      'median ms': Number(ms.toFixed(2)),
      'MB/s': Number((size(t.name) / 1e6 / (ms / 1000)).toFixed(0)),
      'dlib deserialize ms': dlib === undefined ? '' : Number(dlib.toFixed(2)),
      'dlib / facemetric': dlib === undefined ? '' : `${(dlib / ms).toFixed(1)}x`,
    };
  }));
}

console.log(`facemetric bench: node ${process.version}, ${process.platform}/${process.arch}`);
const suites: Record<string, () => Promise<void>> = {
  kernels, models, fhog: fhogBench, detect: detectBench, landmarks: landmarksBench, accuracy: accuracyReport,
  gemm: gemmBench, 'gemm-backward': gemmBackwardBench, 'forward-wasm': forwardWasmBench, parallel: parallelBench, resnet: resnetBench,
  cluster: clusterBench, search: searchBench, job: jobBench, train: trainBench,
};
/** Suites too long for a plain `npm run bench`: run only when named. */
const named: Record<string, () => Promise<void>> = { library: libraryBench, report: reportBench };
const only = process.argv[2];
if (only !== undefined && only in named) await named[only]!();
else if (only !== undefined && !(only in suites)) {
  console.error(`bench: unknown suite '${only}' (suites: ${[...Object.keys(suites), ...Object.keys(named)].join(', ')})`);
  process.exit(2);
}
else for (const [name, run] of Object.entries(suites)) if (only === undefined || only === name) await run();
