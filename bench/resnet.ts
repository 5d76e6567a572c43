/**
 * The face ResNet (dlib_face_recognition_resnet_model_v1) side by side, in one run: ms per face
 * and GFLOP/s at batch 1 and batch 16 for
 *   - facemetric's TypeScript reference forward pass (GEMM gemmReferenceRows4, the faster of the
 *     two bit-identical reference GEMMs),
 *   - facemetric's WebAssembly forward pass (src/dnn/forward-wasm.ts: the kernels of
 *     assembly/conv.ts and the SIMD GEMM), in the best build the engine runs (relaxed SIMD needs
 *     `node --experimental-wasm-relaxed-simd` on Node 20), and the plain-SIMD build too where
 *     relaxed is the best.
 *     Both through `loadFaceRecognizer(file, { backend })` (src/dnn/recognizer.ts: tensors in a
 *     reused arena; 'wasm' keeps them and the weights in WebAssembly memory).
 *     The recognizer picks the best wasm build itself; the plain-SIMD row next to a relaxed one
 *     runs the same WebAssembly forward pass (`createWasmForward`) in the plain-SIMD build.
 *   - dlib 19.24 (Debian) through the parity harness's `time-net`: with Debian's default
 *     reference BLAS, and with OpenBLAS (Debian's libopenblas0-pthread, downloaded and unpacked
 *     by bench/openblas.ts, not installed) at 1 and 2 threads, with OPENBLAS_CORETYPE and
 *     OPENBLAS_L2_SIZE unset for those runs (this machine sets both; they slow OpenBLAS down),
 *   - face-api's port of the network on @tensorflow/tfjs-backend-wasm (bench/tfjs-peer.ts:
 *     XNNPACK, SIMD, 1 thread).
 *
 * What is timed, for every row: one call that turns a mini-batch of `batch` 150x150 chips into
 * `batch` descriptors (input conversion, every layer, the descriptors read back): facemetric's
 * `describeBatch(chips, { batchSize })`, dlib's `net(chips, batch)`, tfjs's tensor4d +
 * forward + dataSync. The chips are dlib's own (harness `chips` on bald_guys.jpg: 24 faces, RGB
 * PNGs); a batch of 16 is the first 16, a batch of 1 the first chip. Each row: warm-up runs
 * first, then the median of the timed runs, divided by the batch. Loading the network is not
 * timed. The reference path is slow (about 0.3-0.8 s per face), so it gets few runs.
 *
 * GFLOP/s: 2 x the multiply-adds of the convolutions and the fc layer, counted from facemetric's
 * plan of the network (about 0.54 GFLOP per face; see the printed count). Ratios "x" are speed
 * ratios at the same batch: other's ms/face / this row's ms/face (> 1: this row is faster).
 *
 * Standalone: `npm run build:ts && node dist/bench/resnet.js`, or `npm run bench resnet`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readDnnNet } from '../src/dlib/dnn.js';
import { createWasmForward, planFlops, planNetwork } from '../src/dnn/index.js';
import { loadFaceRecognizer } from '../src/dnn/recognizer.js';
import { readImageSync, type RgbImage } from '../src/image/index.js';
import { assetPath } from '../src/models/index.js';
import { harnessBinary, harnessOutDir, runHarness } from '../src/parity/harness.js';
import { relaxedSimdSupported, type WasmFlavour } from '../src/wasm/index.js';
import { baldGuysJpg, harnessBuilt } from './against-dlib.js';
import { ensureOpenBlas, openBlasEnv, referenceBlasEnv } from './openblas.js';
import type { TfjsFaceNet } from './tfjs-peer.js';
import { median } from './timing.js';

const chipDir = (): string => join(harnessOutDir(), 'bench-resnet', 'chips');


/**
 * Paths of dlib's 150x150 chips of bald_guys.jpg (harness `chips`, made once into
 * test/parity/out/bench-resnet/chips/), in face order. Needs the built harness.
 */
export function resnetChipPaths(): string[] {
  const dir = chipDir();
  const list = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.png')) : [])
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((f) => join(dir, f));
  if (list().length === 0) {
    mkdirSync(dir, { recursive: true });
    runHarness(['chips', baldGuysJpg(), '--out', dir, '--predictor', assetPath('shape_predictor_68_face_landmarks')]);
  }
  return list();
}

/** The chips of {@link resnetChipPaths}, decoded. */
export function resnetChips(): RgbImage[] {
  return resnetChipPaths().map((p) => readImageSync(p));
}

interface Measured {
  path: string;
  batch: number;
  runs: number;
  msPerFace: number;
  note?: string;
}

/** Median ms per face of `fn(batchOfChips)` after `warmup` untimed calls. */
function timeBatch(fn: () => void, batch: number, runs: number, warmup: number): { msPerFace: number; runs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return { msPerFace: median(ms) / batch, runs };
}

async function timeBatchAsync(fn: () => Promise<unknown>, batch: number, runs: number, warmup: number): Promise<{ msPerFace: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { msPerFace: median(ms) / batch, runs };
}

interface TimeNet { batch: number; repeat: number; median_ms_per_batch: number; ms_per_face: number; blas: string; threads?: number; openblas_config?: string }

/** dlib's forward pass through the harness's time-net, in the given environment. */
function dlibTimeNet(net: string, chips: string[], batch: number, repeat: number, env: NodeJS.ProcessEnv): TimeNet {
  const args = ['time-net', '--net', net, '--batch', String(batch), '--repeat', String(repeat), ...chips];
  const r = spawnSync(harnessBinary(), args, { encoding: 'utf8', env, timeout: 900_000, maxBuffer: 16 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`harness time-net failed (exit ${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TimeNet;
}

export async function resnetBench(): Promise<void> {
  if (!harnessBuilt('resnet bench', 'it makes the chips and times dlib')) return;
  const netFile = assetPath('dlib_face_recognition_resnet_model_v1');
  const chipPaths = resnetChipPaths();
  const chips = chipPaths.map((p) => readImageSync(p));
  const batches = [1, 16] as const;
  const input = (b: number): RgbImage[] => Array.from({ length: b }, (_, i) => chips[i % chips.length]);
  const inputPaths = (b: number): string[] => Array.from({ length: b }, (_, i) => chipPaths[i % chipPaths.length]);

  const plan = planNetwork(readDnnNet(readFileSync(netFile)));
  const macs = planFlops(plan) / 2;
  const gflopPerFace = (2 * macs) / 1e9;
  console.log(`face ResNet: ${(macs / 1e6).toFixed(1)} M multiply-adds per 150x150 face (convolutions + fc, from the plan) = ${gflopPerFace.toFixed(3)} GFLOP; ${chips.length} chips of bald_guys.jpg`);

  const rows: Measured[] = [];
  const log = (m: Measured): void => {
    rows.push(m);
    console.log(`  ${m.path}, batch ${m.batch}: ${m.msPerFace.toFixed(2)} ms/face (${m.runs} runs)${m.note ? `; ${m.note}` : ''}`);
  };

  // facemetric: through loadFaceRecognizer (src/dnn/recognizer.ts: an arena reused across
  // batches; the wasm backend keeps tensors and weights in WebAssembly memory).
  // It picks the best wasm build itself; the other build runs through createWasmForward.
  const bestFlavour: WasmFlavour = relaxedSimdSupported() ? 'relaxed' : 'simd';
  const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  // The reference runs at ~0.3-0.8 s per face, so few runs (batch 1 warms the JIT for batch 16).
  const refSchedule = [[1, 3, 1], [16, 2, 0]] as const;
  const wasmSchedule = [[1, 15, 3], [16, 5, 1]] as const;
  const refRec = loadFaceRecognizer(netFile, { backend: 'reference' });
  for (const [b, runs, warmup] of refSchedule) {
    log({ path: 'facemetric reference (TypeScript)', batch: b, ...timeBatch(() => refRec.describeBatch(input(b), { batchSize: b }), b, runs, warmup) });
  }
  refRec.dispose();
  const ours = loadFaceRecognizer(netFile, { backend: 'wasm' });
  for (const [b, runs, warmup] of wasmSchedule) {
    log({ path: `facemetric wasm ${bestFlavour}`, batch: b, ...timeBatch(() => ours.describeBatch(input(b), { batchSize: b }), b, runs, warmup),
      note: ours.backend === 'wasm' ? undefined : `WARNING: the recognizer fell back to ${ours.backend} (${ours.note ?? ''})` });
  }
  // Both cores: the same forward pass on a pool of 2 worker threads (describeBatchAsync), a
  // batch of 16 split 8 + 8. Only meaningful on an otherwise idle machine.
  const pool = loadFaceRecognizer(netFile, { backend: 'wasm', threads: 2 });
  log({ path: `facemetric wasm ${bestFlavour}, 2 threads`, batch: 16, ...await timeBatchAsync(() => pool.describeBatchAsync(input(16), { batchSize: 16 }), 16, 9, 2) });
  pool.dispose();
  for (const f of flavours) {
    if (f === bestFlavour) continue;
    // The same WebAssembly forward pass the recognizer uses, in the other build.
    const fw = createWasmForward(plan, { maxBatch: 16, flavour: f });
    for (const [b, runs, warmup] of wasmSchedule) {
      const t = timeBatch(() => fw.forward(input(b)), b, runs, warmup);
      log({ path: `facemetric wasm ${f}`, batch: b, ...t });
    }
    fw.release();
  }
  if (flavours.length === 1) console.log('  (relaxed SIMD not available in this engine: on Node 20 run node --experimental-wasm-relaxed-simd dist/bench/run.js resnet)');

  // dlib: reference BLAS, then OpenBLAS 1 and 2 threads (same binary, the loader picks the BLAS).
  const dlibRuns: Record<number, number>[] = [{ 1: 3, 16: 2 }, { 1: 15, 16: 5 }];
  const refEnv = referenceBlasEnv();
  for (const b of batches) {
    const r = dlibTimeNet(netFile, inputPaths(b), b, dlibRuns[0][b], refEnv);
    log({ path: 'dlib reference BLAS', batch: b, runs: r.repeat, msPerFace: r.ms_per_face, note: r.blas === 'openblas' ? 'WARNING: the loader resolved OpenBLAS' : undefined });
  }
  const blas = ensureOpenBlas(harnessBinary());
  if (blas.ok) {
    console.log(`  OpenBLAS: Debian ${blas.version} from ${blas.libDir} (LD_LIBRARY_PATH; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset${process.env.OPENBLAS_CORETYPE !== undefined || process.env.OPENBLAS_L2_SIZE !== undefined ? ', both were set here' : ', neither was set here'})`);
    for (const threads of [1, 2]) {
      for (const b of batches) {
        const r = dlibTimeNet(netFile, inputPaths(b), b, dlibRuns[1][b], openBlasEnv(blas, threads));
        const ok = r.blas === 'openblas' && r.threads === threads;
        log({ path: `dlib OpenBLAS ${threads} thread${threads > 1 ? 's' : ''}`, batch: b, runs: r.repeat, msPerFace: r.ms_per_face,
          note: ok ? r.openblas_config : `WARNING: harness reports blas ${r.blas}, threads ${r.threads ?? '?'}` });
      }
    }
  } else {
    console.log(`  dlib OpenBLAS skipped: ${blas.reason}`);
  }

  // face-api's port on tfjs-backend-wasm.
  // (imported here, so that the other rows still run where the tfjs packages are missing)
  let tfjsNet: TfjsFaceNet | undefined;
  let peer: typeof import('./tfjs-peer.js') | undefined;
  try {
    peer = await import('./tfjs-peer.js');
    tfjsNet = await peer.TfjsFaceNet.load();
  } catch (e) {
    console.log(`  tfjs-wasm skipped: ${(e as Error).message}`);
  }
  if (tfjsNet !== undefined && peer !== undefined) {
    const net = tfjsNet;
    const v = peer.tfjsVersions();
    for (const [b, runs, warmup] of [[1, 15, 3], [16, 5, 1]] as const) {
      const t = timeBatch(() => net.describe(input(b), b), b, runs, warmup);
      log({ path: `tfjs-wasm (face-api ${v.faceApi}, tfjs ${v.wasm}, simd, 1 thread)`, batch: b, ...t });
    }
    const mine = ours.describeBatch(chips, { batchSize: 16 });
    const agree = peer.compareDescriptors(mine, net.describe(chips, 16));
    net.inputDivisor = 256;
    const port = peer.compareDescriptors(mine, net.describe(chips, 16));
    net.inputDivisor = 255;
    console.log(`  face-api vs facemetric descriptors (${agree.faces} faces; the same weights: facemetric's model file is converted from face-api's): ` +
      `max |diff| ${agree.maxAbs.toExponential(2)}, mean ${agree.meanAbs.toExponential(2)}, largest distance between one face's two descriptors ` +
      `${agree.maxDistance.toExponential(2)} (closest two different faces: ${agree.minOtherFace.toFixed(3)}); face-api divides pixels by 255, dlib by 256: ` +
      `with 256 in the tfjs port, max |diff| ${port.maxAbs.toExponential(2)} (summation order only)`);
    net.dispose();
  }
  ours.dispose();

  const anchor = (prefix: string, b: number): number | undefined => rows.find((r) => r.path.startsWith(prefix) && r.batch === b)?.msPerFace;
  const ratio = (other: number | undefined, mine: number): string => (other === undefined ? '' : `${(other / mine).toFixed(2)}x`);
  console.log('face ResNet forward pass, ms per face (median of runs); "x": the other\'s ms/face / this row\'s, same batch (> 1: this row is faster):');
  console.table(batches.flatMap((b) => rows.filter((r) => r.batch === b)).map((r) => ({
    path: r.path,
    batch: r.batch,
    runs: r.runs,
    'ms/face': Number(r.msPerFace.toFixed(2)),
    'GFLOP/s': Number((gflopPerFace / (r.msPerFace / 1000)).toFixed(1)),
    'vs dlib OpenBLAS 2T': ratio(anchor('dlib OpenBLAS 2', r.batch), r.msPerFace),
    'vs tfjs-wasm': ratio(anchor('tfjs-wasm', r.batch), r.msPerFace),
  })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await resnetBench();
