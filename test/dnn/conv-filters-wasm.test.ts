/**
 * WasmConvKernels.backwardFilters with as many filters as the face ResNet's layers (32 and more:
 * gemm_f32's panel path for dFᵀ = colsᵀ·Gᵀ, with a partial last panel of 16 filters at 40) against
 * convBackwardFilters (conv-grad.ts over gemmBlasReference: dlib's per-sample sgemm order, whose
 * bits test/parity checks against dlib), bit-identical, with the whole batch in one group and one
 * sample per group (the sums continued across the groups), with and without the bias gradient.
 * test/dnn/conv-grad-wasm.test.ts covers fewer filters (gemm_f32's skinny path).
 */
import { describe, expect, it } from 'vitest';
import { convBackwardBias, convBackwardFilters } from '../../src/dnn/conv-grad.js';
import { WasmConvKernels } from '../../src/dnn/conv-grad-wasm.js';
import { gemmBlasReference } from '../../src/dnn/gemm.js';
import { windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

function randomTensor(n: number, k: number, nr: number, nc: number, seed: number): Tensor {
  const t = tensor(n, k, nr, nc);
  t.data.set(randomF32(t.data.length, seed));
  return t;
}

const win = (size: number, stride: number, pad: number): Window2d => ({ nr: size, nc: size, strideY: stride, strideX: stride, paddingY: pad, paddingX: pad });

const CASES: { name: string; n: number; k: number; nr: number; nc: number; f: number; w: Window2d }[] = [
  { name: '3x3 stride 1 padding 1, 32 -> 32 on 9x9 (the first residual blocks, scaled down)', n: 3, k: 32, nr: 9, nc: 9, f: 32, w: win(3, 1, 1) },
  { name: '3x3 stride 2, 16 -> 40 on 11x11 (a partial panel of filters)', n: 3, k: 16, nr: 11, nc: 11, f: 40, w: win(3, 2, 0) },
  { name: '3x3 stride 1 padding 1, 64 -> 64 on 4x4', n: 4, k: 64, nr: 4, nc: 4, f: 64, w: win(3, 1, 1) },
  { name: '7x7 stride 2, 3 -> 32 on 23x23 (the first convolution)', n: 2, k: 3, nr: 23, nc: 23, f: 32, w: win(7, 2, 0) },
];

describe('WasmConvKernels.backwardFilters, 32 filters and more (plain SIMD): bit-identical', () => {
  const whole = new WasmConvKernels({ flavour: 'simd' });
  const grouped = new WasmConvKernels({ flavour: 'simd', groupBytes: 1 });
  for (const c of CASES) {
    it(c.name, () => {
      const x = randomTensor(c.n, c.k, c.nr, c.nc, 1);
      const oh = windowOutputSize(c.nr, c.w.nr, c.w.strideY, c.w.paddingY);
      const ow = windowOutputSize(c.nc, c.w.nc, c.w.strideX, c.w.paddingX);
      const g = randomTensor(c.n, c.f, oh, ow, 2);
      const T = c.k * c.w.nr * c.w.nc;
      const ref = new Float32Array(c.f * T);
      convBackwardFilters(ref, x, g, c.f, c.w, gemmBlasReference);
      const refBias = new Float32Array(c.f);
      convBackwardBias(refBias, g);
      expect(ref.some((v) => v !== 0)).toBe(true);
      for (const k of [whole, grouped]) {
        const out = new Float32Array(c.f * T).fill(NaN);
        k.backwardFilters(out, x, g, c.f, c.w);
        expect(bitDiffIndices(out, ref)).toEqual([]);
        const out2 = new Float32Array(c.f * T).fill(NaN);
        const bias = new Float32Array(c.f).fill(NaN);
        k.backwardFilters(out2, x, g, c.f, c.w, bias);
        expect(bitDiffIndices(out2, ref)).toEqual([]);
        expect(bitDiffIndices(bias, refBias)).toEqual([]);
      }
    });
  }
});
