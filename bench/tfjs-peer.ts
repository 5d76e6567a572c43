/**
 * The JavaScript peer of facemetric's face ResNet: @vladmandic/face-api 1.7.15's port of dlib's
 * network (its `FaceRecognitionNet`) run on TensorFlow.js's WebAssembly backend
 * (@tensorflow/tfjs-backend-wasm 4.22: XNNPACK, SIMD, one thread).
 *
 * face-api's own builds are not used: the one for Node on wasm (face-api.node-wasm.js) requires
 * the full @tensorflow/tfjs, and even face-api.esm-nobundle.js imports @tensorflow/tfjs and
 * @tensorflow/tfjs-backend-webgl besides the wasm backend. So this file re-implements
 * face-api's `FaceRecognitionNet.forwardInput` op for op on @tensorflow/tfjs-core alone (the
 * same ops in the same order, read from face-api's dist: see {@link TfjsFaceNet.forward}) and
 * loads face-api's own weight files (`model/face_recognition_model-weights_manifest.json` and
 * `.bin`, uint8-quantized, dequantized by tfjs's `io.decodeWeights` as face-api does).
 *
 * Input: 150x150 RGB chips (already the network's size, so face-api's toBatchTensor would not
 * resize them), minus face-api's mean RGB (122.782, 117.001, 104.298, dlib's), divided by 255
 * (dlib divides by 256, and these weights are 8-bit quantized copies of dlib's: descriptors
 * agree with dlib's to about 1e-2, not to the last digit).
 *
 * Standalone: `npm run build:ts && node dist/bench/tfjs-peer.js` (times batch 1 and 16 on
 * bald_guys.jpg's 24 chips and compares the descriptors with facemetric's).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import type { RgbImage } from '../src/image/index.js';
import { packageRoot } from '../src/models/paths.js';

const require = createRequire(import.meta.url);

/** face-api's mean RGB, subtracted before the division by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

interface ConvParams { filters: tf.Tensor4D; bias: tf.Tensor1D; weights: tf.Tensor1D; biases: tf.Tensor1D }
interface ResidualParams { conv1: ConvParams; conv2: ConvParams }

/** Versions of the packages in use, for the report. */
export function tfjsVersions(): { core: string; wasm: string; faceApi: string } {
  const v = (p: string): string => (JSON.parse(readFileSync(require.resolve(`${p}/package.json`), 'utf8')) as { version: string }).version;
  return { core: v('@tensorflow/tfjs-core'), wasm: v('@tensorflow/tfjs-backend-wasm'), faceApi: v('@vladmandic/face-api') };
}

let backendReady: Promise<void> | undefined;

/**
 * Selects the wasm backend with one thread: the plain SIMD binary (tfjs-backend-wasm-simd.wasm),
 * not the threaded one (multithread support reported off, threads count 1).
 * Throws when the engine has no WebAssembly SIMD (tfjs would fall back to the non-SIMD binary).
 */
export function initTfjsWasm(): Promise<void> {
  backendReady ??= (async () => {
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    tfwasm.setWasmPaths(dir + '/');
    tfwasm.setThreadsCount(1);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('tfjs: this engine has no WebAssembly SIMD');
  })();
  return backendReady;
}

/** face-api's FaceRecognitionNet on tfjs-core, weights from face-api's model folder. */
export class TfjsFaceNet {
  /**
   * What the centred pixels are divided by: 255 as face-api does. 256 (dlib's) is only for
   * checking this port against facemetric: it isolates the summation-order differences.
   */
  inputDivisor = 255;

  private constructor(private readonly p: Record<string, ResidualParams | ConvParams | tf.Tensor2D>) {}

  /** Loads face-api's face_recognition_model on the wasm backend (initialising it first). */
  static async load(modelDir = join(packageRoot(), 'node_modules', '@vladmandic', 'face-api', 'model')): Promise<TfjsFaceNet> {
    await initTfjsWasm();
    const manifest = JSON.parse(readFileSync(join(modelDir, 'face_recognition_model-weights_manifest.json'), 'utf8')) as
      { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    const specs = manifest.flatMap((g) => g.weights);
    const bins = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(modelDir, p))));
    const all = Buffer.concat(bins);
    const map = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs);
    const conv = (name: string): ConvParams => ({
      filters: map[`${name}/conv/filters`] as tf.Tensor4D,
      bias: map[`${name}/conv/bias`] as tf.Tensor1D,
      weights: map[`${name}/scale/weights`] as tf.Tensor1D,
      biases: map[`${name}/scale/biases`] as tf.Tensor1D,
    });
    const p: Record<string, ResidualParams | ConvParams | tf.Tensor2D> = { conv32_down: conv('conv32_down'), fc: map.fc as tf.Tensor2D };
    for (const r of ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3', 'conv128_down',
      'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out']) {
      p[r] = { conv1: conv(`${r}/conv1`), conv2: conv(`${r}/conv2`) };
    }
    for (const [name, t] of Object.entries(map)) if (t === undefined) throw new Error(`tfjs peer: weight ${name} missing`);
    if (specs.length !== 117) throw new Error(`tfjs peer: expected 117 tensors in face-api's manifest, found ${specs.length}`);
    return new TfjsFaceNet(p);
  }

  /**
   * face-api 1.7.15's FaceRecognitionNet.forwardInput, op for op: input NHWC float32 pixels
   * (0..255) of 150x150 chips; output [n, 128].
   */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    const p = this.p as Record<string, ResidualParams> & { conv32_down: ConvParams; fc: tf.Tensor2D };
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const mean = tf.concat(MEAN_RGB.map((m) => tf.fill([n, h, w, 1], m, 'float32')), 3);
      const normalized = tf.div(tf.sub(x, mean), this.inputDivisor) as tf.Tensor4D;
      let out = convLayer(normalized, p.conv32_down, 2, true, 'valid');
      out = tf.maxPool(out, 3, 2, 'valid');
      out = residual(out, p.conv32_1);
      out = residual(out, p.conv32_2);
      out = residual(out, p.conv32_3);
      out = residualDown(out, p.conv64_down);
      out = residual(out, p.conv64_1);
      out = residual(out, p.conv64_2);
      out = residual(out, p.conv64_3);
      out = residualDown(out, p.conv128_down);
      out = residual(out, p.conv128_1);
      out = residual(out, p.conv128_2);
      out = residualDown(out, p.conv256_down);
      out = residual(out, p.conv256_1);
      out = residual(out, p.conv256_2);
      out = residualDown(out, p.conv256_down_out);
      const globalAvg = tf.mean(out, [1, 2]) as tf.Tensor2D;
      return tf.matMul(globalAvg, p.fc);
    });
  }

  /**
   * Descriptors of `chips` (150x150), in mini-batches of `batchSize`: pixels into a tensor,
   * the forward pass, and the read-back (`dataSync`), as face-api's computeFaceDescriptor.
   */
  describe(chips: readonly RgbImage[], batchSize = 16): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < chips.length; i += batchSize) {
      const batch = chips.slice(i, i + batchSize);
      const pixels = new Float32Array(batch.length * 150 * 150 * 3);
      batch.forEach((c, j) => {
        if (c.width !== 150 || c.height !== 150) throw new RangeError(`chip ${i + j} is ${c.width}x${c.height}, not 150x150`);
        pixels.set(c.data, j * 150 * 150 * 3);
      });
      const x = tf.tensor4d(pixels, [batch.length, 150, 150, 3]);
      const y = this.forward(x);
      const d = y.dataSync() as Float32Array;
      x.dispose();
      y.dispose();
      for (let j = 0; j < batch.length; j++) out.push(d.slice(j * 128, (j + 1) * 128));
    }
    return out;
  }

  dispose(): void {
    for (const v of Object.values(this.p)) {
      if (v instanceof tf.Tensor) v.dispose();
      else if ('conv1' in v) for (const c of [v.conv1, v.conv2]) disposeConv(c);
      else disposeConv(v);
    }
  }
}

function disposeConv(c: ConvParams): void {
  for (const t of [c.filters, c.bias, c.weights, c.biases]) t.dispose();
}

// face-api's residualLayer.ts: conv2d + bias, scale (mul + add), optional relu.
function convLayer(x: tf.Tensor4D, c: ConvParams, stride: number, withRelu: boolean, padding: 'same' | 'valid' = 'same'): tf.Tensor4D {
  let out = tf.conv2d(x, c.filters, [stride, stride], padding);
  out = tf.add(out, c.bias) as tf.Tensor4D;
  out = tf.add(tf.mul(out, c.weights), c.biases) as tf.Tensor4D;
  return withRelu ? tf.relu(out) : out;
}

function residual(x: tf.Tensor4D, r: ResidualParams): tf.Tensor4D {
  let out = convLayer(x, r.conv1, 1, true);
  out = convLayer(out, r.conv2, 1, false);
  return tf.relu(tf.add(out, x) as tf.Tensor4D);
}

function residualDown(x: tf.Tensor4D, r: ResidualParams): tf.Tensor4D {
  let out = convLayer(x, r.conv1, 2, true, 'valid');
  out = convLayer(out, r.conv2, 1, false);
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  const zeros = tf.zeros(pooled.shape);
  const isPad = pooled.shape[3] !== out.shape[3];
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    const padX = [...out.shape] as [number, number, number, number];
    padX[1] = 1;
    out = tf.concat([out, tf.zeros(padX) as tf.Tensor4D], 1);
    const padY = [...out.shape] as [number, number, number, number];
    padY[2] = 1;
    out = tf.concat([out, tf.zeros(padY) as tf.Tensor4D], 2);
  }
  pooled = isPad ? tf.concat([pooled, zeros as tf.Tensor4D], 3) : pooled;
  return tf.relu(tf.add(pooled, out) as tf.Tensor4D);
}

export interface TfjsTiming {
  batch: number;
  runs: number;
  /** Median over the runs of (ms per mini-batch / batch). */
  msPerFace: number;
  runsMs: number[];
}

/**
 * Times {@link TfjsFaceNet.describe} on one mini-batch of `batch` chips (cycling through
 * `chips`), after `warmup` untimed runs (XNNPACK sets up its operators on the first).
 */
export function timeTfjs(net: TfjsFaceNet, chips: readonly RgbImage[], batch: number, runs: number, warmup = 2): TfjsTiming {
  const input = Array.from({ length: batch }, (_, i) => chips[i % chips.length]);
  for (let i = 0; i < warmup; i++) net.describe(input, batch);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    net.describe(input, batch);
    ms.push(performance.now() - t0);
  }
  const s = [...ms].sort((a, b) => a - b);
  const med = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { batch, runs, msPerFace: med / batch, runsMs: ms };
}

/** How far two sets of descriptors (same faces, same order) are apart. */
export interface DescriptorAgreement {
  faces: number;
  /** Largest |a - b| over all components of all faces. */
  maxAbs: number;
  /** Mean |a - b| over all components. */
  meanAbs: number;
  /** Largest Euclidean distance between the two descriptors of one face. */
  maxDistance: number;
  /** Smallest Euclidean distance between descriptors of two different faces (in `a`), for scale. */
  minOtherFace: number;
}

export function compareDescriptors(a: readonly Float32Array[], b: readonly Float32Array[]): DescriptorAgreement {
  if (a.length !== b.length) throw new RangeError(`${a.length} vs ${b.length} descriptors`);
  const dist = (x: Float32Array, y: Float32Array): number => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));
  let maxAbs = 0;
  let sumAbs = 0;
  let maxDistance = 0;
  let minOtherFace = Infinity;
  a.forEach((x, i) => {
    x.forEach((v, k) => {
      const d = Math.abs(v - b[i][k]);
      maxAbs = Math.max(maxAbs, d);
      sumAbs += d;
    });
    maxDistance = Math.max(maxDistance, dist(x, b[i]));
    for (let j = i + 1; j < a.length; j++) minOtherFace = Math.min(minOtherFace, dist(x, a[j]));
  });
  return { faces: a.length, maxAbs, meanAbs: sumAbs / Math.max(1, a.length * (a[0]?.length ?? 0)), maxDistance, minOtherFace };
}

async function main(): Promise<void> {
  const { resnetChips } = await import('./resnet.js');
  const { forward } = await import('../src/dnn/index.js');
  const { readDnnNet } = await import('../src/dlib/dnn.js');
  const { assetPath } = await import('../src/models/index.js');
  const { gemmWasm } = await import('../src/dnn/gemm-wasm.js');
  const chips = resnetChips();
  const net = await TfjsFaceNet.load();
  const v = tfjsVersions();
  console.log(`tfjs peer: face-api ${v.faceApi} FaceRecognitionNet on tfjs-core ${v.core} + tfjs-backend-wasm ${v.wasm} (simd, 1 thread), ${chips.length} chips`);
  const rows = [timeTfjs(net, chips, 1, 16), timeTfjs(net, chips, 16, 4)].map((t) => ({
    batch: t.batch, runs: t.runs, 'ms/face': Number(t.msPerFace.toFixed(2)), 'GFLOP/s': Number((0.542 / (t.msPerFace / 1000)).toFixed(1)),
  }));
  console.table(rows);
  const ours = forward(readDnnNet(readFileSync(assetPath('dlib_face_recognition_resnet_model_v1'))), chips,
    { batchSize: 16, gemm: (M, N, K, A, B, C) => { gemmWasm(M, N, K, A, B, C); } });
  console.log('face-api (tfjs-wasm, pixels / 255) vs facemetric (wasm GEMM):', compareDescriptors(ours, net.describe(chips, 16)));
  net.inputDivisor = 256;
  console.log('the same with pixels / 256 as dlib (isolates the port):', compareDescriptors(ours, net.describe(chips, 16)));
  net.inputDivisor = 255;
  net.dispose();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
