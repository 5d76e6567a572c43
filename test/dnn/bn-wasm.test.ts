/**
 * bn_con's training loops in WebAssembly (src/dnn/bn-wasm.ts: WasmBnLoops, assembly/train.ts)
 * against the TypeScript loops of bn.ts (BN_CONV_LOOPS, dlib's order; test/parity proves them equal
 * to dlib): batchNormalizeConv (sums, normalisation, running statistics) and bnConvBackward (data
 * gradient added into, gamma and beta gradients), bit-identical, on the face ResNet's kinds of
 * shape (channel counts multiples of 4, planes of 72x72 .. 3x3 scaled down) and odd ones (channels
 * not a multiple of 4, planes not a multiple of 4 pixels), whole batches and chunks of samples; with and without a relu_ fused on the output (its backward
 * pass too: the reference runs reluBackward, then the loops).
 */
import { describe, expect, it } from 'vitest';
import { WasmBnLoops } from '../../src/dnn/bn-wasm.js';
import { batchNormalizeConv, bnBatchStats, bnConvBackward, BN_CONV_LOOPS, type BnConvLoops } from '../../src/dnn/bn.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { relaxedSimdSupported } from '../../src/wasm/index.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

function randomTensor(n: number, k: number, nr: number, nc: number, seed: number, scale = 1, shift = 0): Tensor {
  const t = tensor(n, k, nr, nc);
  t.data.set(randomF32(t.data.length, seed).map((v) => v * scale + shift));
  return t;
}

const SHAPES: [number, number, number, number][] = [[3, 8, 12, 12], [2, 16, 9, 9], [4, 4, 5, 5], [2, 5, 3, 3], [3, 7, 6, 7], [2, 3, 1, 1], [5, 32, 4, 4]];

/** One forward and backward with `loops`: the outputs, statistics and gradients. */
function run(loops: BnConvLoops, shape: [number, number, number, number], withRelu: boolean): Float32Array[] {
  const [n, k, nr, nc] = shape;
  const seed = n * 1000 + k * 10 + nr;
  const x = randomTensor(n, k, nr, nc, seed, 3, 0.5);
  const gamma = randomF32(k, seed + 1).map((v) => v + 1.5);
  const beta = randomF32(k, seed + 2);
  const rm = randomF32(k, seed + 3);
  const rv = randomF32(k, seed + 4).map((v) => v + 2);
  const out = tensor(n, k, nr, nc);
  const stats = bnBatchStats(k);
  batchNormalizeConv(out, stats, x, gamma, beta, 1 / 3, rm, rv, 1e-4, loops, withRelu);
  const g = randomTensor(n, k, nr, nc, seed + 5);
  const dx = randomTensor(n, k, nr, nc, seed + 6);
  const dGamma = new Float32Array(k).fill(NaN);
  const dBeta = new Float32Array(k).fill(NaN);
  bnConvBackward(dx, dGamma, dBeta, g, x, gamma, stats, loops, withRelu ? out : undefined);
  return [out.data, stats.means, stats.invstds, rm, rv, dx.data, dGamma, dBeta];
}

const NAMES = ['output', 'means', 'invstds', 'running means', 'running variances', 'data gradient', 'gamma gradient', 'beta gradient'];

describe('WasmBnLoops against the TypeScript loops: bit-identical', () => {
  // nothing is fused, so the relaxed build must agree too (where the engine runs it)
  for (const flavour of relaxedSimdSupported() ? ['simd', 'relaxed'] as const : ['simd'] as const) {
    for (const chunkBytes of [undefined, 1]) {
      const loops = new WasmBnLoops({ flavour, chunkBytes });
      for (const shape of SHAPES) for (const withRelu of [false, true]) {
        it(`${flavour} build, ${chunkBytes === undefined ? 'whole batch' : 'one sample per chunk'}, ${shape.join('x')}${withRelu ? ', relu_ fused (forward and backward)' : ''}`, () => {
          const ref = run(BN_CONV_LOOPS, shape, withRelu);
          const got = run(loops, shape, withRelu);
          expect(ref[6].every((v) => Number.isFinite(v))).toBe(true);
          expect(ref[6].some((v) => v !== 0)).toBe(true);
          if (withRelu) {
            // the relu did something: zeros and positive values in the output
            expect(ref[0].some((v) => v === 0) && ref[0].some((v) => v > 0)).toBe(true);
            expect(ref[0].every((v) => !(v < 0))).toBe(true);
          }
          expect(got.map((a, i) => [NAMES[i], bitDiffIndices(a, ref[i])])).toEqual(ref.map((_, i) => [NAMES[i], []]));
        });
      }
    }
  }
});
