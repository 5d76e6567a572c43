/**
 * Small dlib model files built in code, for tests and the fuzzer's seeds: a shape predictor of 3
 * parts, and two dnn nets in formats dlib still reads (older layer versions, no loss layer).
 * No vitest import (the fuzzer, compiled by the build, uses them too).
 */
import type { DnnNet } from '../../src/dlib/dnn.js';
import { makeTensor, type DlibTensor } from '../../src/dlib/serialize.js';
import type { ShapePredictor } from '../../src/dlib/shape-predictor.js';

/** A small shape predictor: 3 parts, 2 cascades of 2 depth-2 trees, 4 feature pixels. */
export function tinyShapePredictor(): ShapePredictor {
  const tree = (s: number) => ({
    splitIdx1: Uint32Array.from([0, 1, 2]), splitIdx2: Uint32Array.from([3, 2, 1]), splitThresh: Float32Array.from([0.5 * s, -1, 12.25]),
    numLeaves: 4, leafSize: 6, leafValues: Float32Array.from({ length: 24 }, (_, i) => Math.fround(Math.cos(i * s) / 100)),
  });
  return {
    version: 1,
    initialShape: Float32Array.from([0.1, 0.2, 0.5, 0.5, 0.9, 0.8]),
    forests: [[tree(1), tree(2)], [tree(3), tree(4)]],
    anchorIdx: [Uint32Array.from([0, 1, 2, 2]), Uint32Array.from([2, 1, 0, 0])],
    deltas: [Float32Array.from([0.1, -0.1, 0, 0, 1, 1, -2, 3]), Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0.5])],
  };
}

/**
 * Two small dnn nets in dlib's older formats: `withLoss` (loss_metric_ over fc_2, affine_,
 * tag_or_skip, con_4 over input_rgb_image) and `noLoss` (relu_ over a tag v1 over the input).
 */
export function olderFormatNets(): { withLoss: DnnNet; noLoss: DnnNet } {
  const empty = (): DlibTensor => makeTensor(0, 0, 0, 0);
  const st = { thisLayerSetupCalled: true, gradientInputIsStale: true, getOutputAndGradientInputDisabled: false, xGrad: empty(), cachedOutput: empty() };
  const alias = (a: number, b: number, c: number, d: number) => ({ numSamples: a, k: b, nr: c, nc: d });
  const mult = { learningRateMultiplier: 1, weightDecayMultiplier: 1, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0 };
  const input = { kind: 'input' as const, details: { typeName: 'input_rgb_image', type: 'input_rgb_image', fields: { avgRed: 1, avgGreen: 2.5, avgBlue: Math.fround(0.1) } } };
  return {
    withLoss: {
      nodes: [
        { kind: 'loss', version: 1, details: { typeName: 'loss_metric_', type: 'loss_metric_', fields: {} } },
        { kind: 'layer', version: 2, details: { typeName: 'fc_2', type: 'fc_', fields: { numOutputs: 2, numInputs: 3, params: makeTensor(3, 2, 1, 1, new Float32Array([1, 2, 3, 4, 5, 6])), weights: alias(3, 2, 1, 1), biases: alias(0, 0, 0, 0), biasMode: 1, ...mult } }, state: { ...st, paramsGrad: empty() } },
        { kind: 'layer', version: 2, details: { typeName: 'affine_', type: 'affine_', fields: { params: makeTensor(6, 1, 1, 1), gamma: alias(1, 3, 1, 1), beta: alias(1, 3, 1, 1), mode: 0 } }, state: { ...st, paramsGrad: empty() } },
        { kind: 'tag_or_skip', version: 1 },
        { kind: 'layer', version: 2, details: { typeName: 'con_4', type: 'con_', fields: { params: makeTensor(12, 1, 1, 1), numFilters: 3, nr: 1, nc: 1, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0, filters: alias(3, 3, 1, 1), biases: alias(1, 3, 1, 1), ...mult } }, state: { ...st, gradFinal: empty() } },
        input,
      ],
    } as DnnNet,
    noLoss: {
      nodes: [
        { kind: 'layer', version: 2, details: { typeName: 'relu_', type: 'relu_', fields: {} }, state: { ...st, paramsGrad: empty() } },
        { kind: 'tag', version: 1, state: { cachedOutput: makeTensor(1, 1, 1, 2, new Float32Array([7, 8])), gradFinal: empty(), gradientInputIsStale: false } },
        input,
      ],
    } as DnnNet,
  };
}
