/**
 * One training step of the face ResNet with every WebAssembly kernel of a training step in the
 * plain SIMD build (the GEMMs, WasmConvKernels, WasmBnLoops, WasmMaxPool, WasmAvgPool, WasmElementwise with
 * relu_ fused into add_prev_, WasmSgdLoops) against the same step with the reference kernels
 * (bit-identical to live dlib: test/parity/train-parity.test.ts): the loss, every layer's
 * parameter gradient and, after two sgd updates (the second with momentum), every parameter and
 * velocity, to the bit. A fresh bn_con network (freshFaceNet), 3 people x 2 chips of dlib's
 * examples/johns, labels 0 0 1 1 2 2.
 */
import { expect, it } from 'vitest';
import { WasmBnLoops } from '../../src/dnn/bn-wasm.js';
import { WasmConvKernels } from '../../src/dnn/conv-grad-wasm.js';
import { WasmElementwise } from '../../src/dnn/elementwise-wasm.js';
import { makeGemmBlasWasm } from '../../src/dnn/gemm-blas-wasm.js';
import { makeGemmWasm } from '../../src/dnn/gemm-wasm.js';
import { WasmAvgPool, WasmMaxPool } from '../../src/dnn/pool-wasm.js';
import type { RgbImage } from '../../src/image/index.js';
import { REFERENCE_KERNELS, TrainingNet, type TrainingKernels } from '../../src/train/network.js';
import { Sgd } from '../../src/train/sgd.js';
import { WasmSgdLoops } from '../../src/train/sgd-wasm.js';
import { freshFaceNet } from '../../src/train/train.js';
import { johnsChips } from '../helpers/chips.js';
import { bitDiffCount } from '../helpers/float.js';

interface StepResult { loss: number; grads: Float32Array[]; params: Float32Array[]; velocities: Float32Array[]; fused: number }

/** One step's gradients, then two sgd updates with them (lr 0.01). */
function step(kernels: TrainingKernels, chips: RgbImage[], labels: number[]): StepResult {
  const tn = new TrainingNet(freshFaceNet(), { kernels });
  const { loss } = tn.computeParameterGradients(chips, labels);
  const grads = tn.paramLayers.map((p) => p.grad.slice());
  const sgd = new Sgd();
  const states = tn.newSolverStates(sgd);
  tn.updateParameters(sgd, states, 0.01);
  tn.updateParameters(sgd, states, 0.01);
  const fused = (tn as unknown as { reluOverAdd: Map<number, number> }).reluOverAdd.size;
  return { loss, grads, params: tn.paramLayers.map((p) => p.params.slice()), velocities: states.map((s) => s.v!), fused };
}

it('one step of a fresh face net with every WebAssembly training kernel (plain SIMD; relu_ fused into add_prev_; sgd in wasm): loss, gradients, parameters and velocities bit-identical to the reference kernels', () => {
  const { chips, labels } = johnsChips(['John_Salley', 'John_Savage', 'John_Schneider']);
  const ref = step(REFERENCE_KERNELS, chips, labels);
  const kernels: TrainingKernels = {
    gemm: makeGemmWasm({ flavour: 'simd' }),
    gemmBlas: makeGemmBlasWasm({ flavour: 'simd' }),
    conv: new WasmConvKernels({ flavour: 'simd' }),
    bn: new WasmBnLoops({ flavour: 'simd' }),
    maxPool: new WasmMaxPool({ flavour: 'simd' }),
    avgPool: new WasmAvgPool({ flavour: 'simd' }),
    // minLength 0: every element-wise call and every layer's update in wasm
    elementwise: new WasmElementwise({ flavour: 'simd', minLength: 0 }),
    sgd: new WasmSgdLoops({ flavour: 'simd', minLength: 0 }),
  };
  const wasm = step(kernels, chips, labels);
  // the face net's 14 residual blocks each end in relu<add_prev<..>>: all fused
  expect(ref.fused).toBe(0);
  expect(wasm.fused).toBe(14);
  expect(ref.loss).toBeGreaterThan(0);
  expect(wasm.loss).toBe(ref.loss);
  expect(wasm.grads.map((g, i) => bitDiffCount(g, ref.grads[i])), 'entries whose bits differ, per layer (gradients)').toEqual(ref.grads.map(() => 0));
  expect(wasm.params.map((p, i) => bitDiffCount(p, ref.params[i])), 'entries whose bits differ, per layer (parameters after two updates)').toEqual(ref.params.map(() => 0));
  expect(wasm.velocities.map((v, i) => bitDiffCount(v, ref.velocities[i])), 'entries whose bits differ, per layer (velocities)').toEqual(ref.velocities.map(() => 0));
}, 180_000);
