/**
 * One training step of the face ResNet (TrainingNet: dlib's training-mode forward, back-propagation
 * and sgd update) with the plain-SIMD WebAssembly GEMMs against the same step with the reference
 * kernels (gemmReference / gemmBlasReference: netlib sgemm's order, bit-identical to live dlib:
 * test/parity/train-parity.test.ts). The WebAssembly kernels sum every product in netlib's order
 * (each C element one sequential float32 sum in ascending k, continued across the kernels' K
 * blocks; the dot form's alpha·t + beta·C after its sum), so the two steps must agree to the bit:
 * the loss, every layer's parameter gradient and, after one sgd update, every parameter.
 *
 * A fresh bn_con network (freshFaceNet: dlib's initialisation), 3 people x 2 chips of dlib's
 * examples/johns (150x150 JPEGs), labels 0 0 1 1 2 2.
 */
import { expect, it } from 'vitest';
import { WasmBnLoops } from '../../src/dnn/bn-wasm.js';
import { WasmConvKernels } from '../../src/dnn/conv-grad-wasm.js';
import { makeGemmBlasWasm } from '../../src/dnn/gemm-blas-wasm.js';
import { makeGemmWasm } from '../../src/dnn/gemm-wasm.js';
import { WasmMaxPool } from '../../src/dnn/pool-wasm.js';
import type { RgbImage } from '../../src/image/index.js';
import { REFERENCE_KERNELS, TrainingNet, type TrainingKernels } from '../../src/train/network.js';
import { Sgd } from '../../src/train/sgd.js';
import { freshFaceNet, startTrainingThreads, trainingKernels } from '../../src/train/train.js';
import { johnsChips } from '../helpers/chips.js';
import { bitDiffCount } from '../helpers/float.js';

/** One step: gradients (loss, each ParamLayer's grad) and the parameters after sgd at 0.01. */
function step(kernels: TrainingKernels, chips: RgbImage[], labels: number[]): { loss: number; grads: Float32Array[]; params: Float32Array[] } {
  const tn = new TrainingNet(freshFaceNet(), { kernels });
  const { loss } = tn.computeParameterGradients(chips, labels);
  const grads = tn.paramLayers.map((p) => p.grad.slice());
  const sgd = new Sgd();
  tn.updateParameters(sgd, tn.newSolverStates(sgd), 0.01);
  return { loss, grads, params: tn.paramLayers.map((p) => p.params.slice()) };
}

let refMemo: ReturnType<typeof step> | undefined;
/** The reference step on the six chips (computed once: ~15 s). */
function refStep(): ReturnType<typeof step> {
  const { chips, labels } = johnsChips(['John_Salley', 'John_Savage', 'John_Schneider']);
  refMemo ??= step(REFERENCE_KERNELS, chips, labels);
  return refMemo;
}

it('one sgd step of a fresh face net, plain-SIMD WebAssembly GEMMs vs the reference kernels: loss, every gradient and every parameter bit-identical', () => {
  const { chips, labels } = johnsChips(['John_Salley', 'John_Savage', 'John_Schneider']);
  expect(chips).toHaveLength(6);
  expect(labels).toEqual([0, 0, 1, 1, 2, 2]);
  expect(chips.every((c) => c.width === 150 && c.height === 150)).toBe(true);
  const ref = refStep();
  const wasm = step({ gemm: makeGemmWasm({ flavour: 'simd' }), gemmBlas: makeGemmBlasWasm({ flavour: 'simd' }) }, chips, labels);
  // a real step: a positive loss, non-zero gradients
  expect(ref.loss).toBeGreaterThan(0);
  expect(ref.grads.some((g) => g.some((v) => v !== 0))).toBe(true);
  expect(wasm.loss).toBe(ref.loss);
  expect(wasm.grads).toHaveLength(ref.grads.length);
  const gradDiffs = ref.grads.map((g, i) => bitDiffCount(wasm.grads[i], g));
  expect(gradDiffs, 'entries whose bits differ, per layer (gradients)').toEqual(ref.grads.map(() => 0));
  const paramDiffs = ref.params.map((p, i) => bitDiffCount(wasm.params[i], p));
  expect(paramDiffs, 'entries whose bits differ, per layer (parameters after the update)').toEqual(ref.params.map(() => 0));
}, 120_000);

it('the same step with the WebAssembly convolutions, bn_con loops and max pooling too (WasmConvKernels: im2col, img2col, col2img and the GEMMs in wasm; WasmBnLoops; WasmMaxPool; plain SIMD): bit-identical to the reference kernels', () => {
  const { chips, labels } = johnsChips(['John_Salley', 'John_Savage', 'John_Schneider']);
  const ref = refStep();
  const conv = new WasmConvKernels({ flavour: 'simd' });
  const bn = new WasmBnLoops({ flavour: 'simd', chunkBytes: 1 << 20 });
  const maxPool = new WasmMaxPool({ flavour: 'simd' });
  const wasm = step({ gemm: makeGemmWasm({ flavour: 'simd' }), gemmBlas: makeGemmBlasWasm({ flavour: 'simd' }), conv, bn, maxPool }, chips, labels);
  expect(ref.loss).toBeGreaterThan(0);
  expect(wasm.loss).toBe(ref.loss);
  expect(wasm.grads.map((g, i) => bitDiffCount(g, ref.grads[i])), 'entries whose bits differ, per layer (gradients)').toEqual(ref.grads.map(() => 0));
  expect(wasm.params.map((p, i) => bitDiffCount(p, ref.params[i])), 'entries whose bits differ, per layer (parameters after the update)').toEqual(ref.params.map(() => 0));
}, 120_000);

it('trainingKernels(\'wasm\') (the plain SIMD build whatever the engine runs), on 1, 2 and 3 kernel threads (startTrainingThreads: each GEMM cut between the threads): bit-identical to the reference', async () => {
  const { chips, labels } = johnsChips(['John_Salley', 'John_Savage', 'John_Schneider']);
  const one = step(trainingKernels('wasm'), chips, labels);
  const ref = refStep();
  expect(one.loss).toBe(ref.loss);
  expect(one.grads.map((g, i) => bitDiffCount(g, ref.grads[i])), '1 thread: entries whose bits differ, per layer (gradients)').toEqual(ref.grads.map(() => 0));
  expect(one.params.map((p, i) => bitDiffCount(p, ref.params[i])), '1 thread: entries whose bits differ, per layer (parameters)').toEqual(ref.params.map(() => 0));
  for (const n of [2, 3]) {
    const threads = await startTrainingThreads(n, 'simd');
    try {
      expect(threads.size).toBe(n);
      const many = step(trainingKernels('wasm', threads), chips, labels);
      expect(many.loss).toBe(one.loss);
      expect(many.grads.map((g, i) => bitDiffCount(g, one.grads[i])), `${n} threads: entries whose bits differ, per layer (gradients)`).toEqual(one.grads.map(() => 0));
      expect(many.params.map((p, i) => bitDiffCount(p, one.params[i])), `${n} threads: entries whose bits differ, per layer (parameters)`).toEqual(one.params.map(() => 0));
    } finally {
      await threads.close();
    }
  }
}, 120_000);
