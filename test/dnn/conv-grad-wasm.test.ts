/**
 * The training step's convolutions in WebAssembly (src/dnn/conv-grad-wasm.ts: WasmConvKernels, and
 * assembly/train.ts's transpose_f32) against the TypeScript references with dlib's GEMM order
 * (conv in layers.ts with gemmReference; convBackwardFilters / convBackwardData in conv-grad.ts
 * with gemmBlasReference, which test/parity proves equal to dlib): the plain SIMD build only moves
 * floats and adds them in the reference's order, so every result must be bit-identical. Shapes:
 * the face ResNet's kinds of convolution (7x7 stride 2 without padding on 3 channels; 3x3 stride 1
 * padding 1; 3x3 stride 2 without padding; a 1-pixel output; odd sizes) on small planes.
 */
import { describe, expect, it } from 'vitest';
import { WasmConvKernels, CONV_GRAD_KERNELS } from '../../src/dnn/conv-grad-wasm.js';
import { convBackwardBias, convBackwardData, convBackwardFilters } from '../../src/dnn/conv-grad.js';
import { gemmBlasReference, gemmReference } from '../../src/dnn/gemm.js';
import { conv, windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { loadKernels } from '../../src/wasm/exports.js';
import { guarded, guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

const win = (size: number, stride: number, pad: number): Window2d => ({ nr: size, nc: size, strideY: stride, strideX: stride, paddingY: pad, paddingX: pad });

function randomTensor(n: number, k: number, nr: number, nc: number, seed: number): Tensor {
  const t = tensor(n, k, nr, nc);
  t.data.set(randomF32(t.data.length, seed));
  return t;
}

interface Case { name: string; n: number; k: number; nr: number; nc: number; f: number; w: Window2d; bias: boolean }

const CASES: Case[] = [
  { name: 'input 7x7 stride 2, 3 -> 8 filters', n: 3, k: 3, nr: 23, nc: 23, f: 8, w: win(7, 2, 0), bias: true },
  { name: '3x3 stride 1 padding 1 ("same"), 8 -> 8', n: 3, k: 8, nr: 9, nc: 9, f: 8, w: win(3, 1, 1), bias: true },
  { name: '3x3 stride 2, 8 -> 16, odd input', n: 2, k: 8, nr: 11, nc: 11, f: 16, w: win(3, 2, 0), bias: true },
  { name: '3x3 stride 1 padding 1 without bias, 5 -> 3, 6x7 planes', n: 4, k: 5, nr: 6, nc: 7, f: 3, w: { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }, bias: false },
  { name: '3x3 stride 2 on 3x3 (one output pixel), 4 -> 6', n: 2, k: 4, nr: 3, nc: 3, f: 6, w: win(3, 2, 0), bias: true },
  { name: 'rectangular window 2x3, strides 1 and 2, padding 1 and 0', n: 2, k: 3, nr: 8, nc: 9, f: 5, w: { nr: 2, nc: 3, strideY: 1, strideX: 2, paddingY: 1, paddingX: 0 }, bias: true },
  // as many filters as the face ResNet's layers (32 and more: gemm_f32's panel path for the
  // filter gradient dFᵀ = colsᵀ·Gᵀ, a partial last panel of 16 filters at 40; fewer filters take
  // its skinny path)
  { name: '3x3 stride 1 padding 1, 32 -> 32 on 9x9 (the first residual blocks, scaled down)', n: 3, k: 32, nr: 9, nc: 9, f: 32, w: win(3, 1, 1), bias: true },
  { name: '3x3 stride 2, 16 -> 40 on 11x11 (a partial panel of filters)', n: 3, k: 16, nr: 11, nc: 11, f: 40, w: win(3, 2, 0), bias: true },
  { name: '3x3 stride 1 padding 1, 64 -> 64 on 4x4', n: 4, k: 64, nr: 4, nc: 4, f: 64, w: win(3, 1, 1), bias: false },
  { name: '7x7 stride 2, 3 -> 32 on 23x23 (the first convolution)', n: 2, k: 3, nr: 23, nc: 23, f: 32, w: win(7, 2, 0), bias: true },
];

describe('WasmConvKernels (plain SIMD) against the TypeScript references: bit-identical', () => {
  const kernels = new WasmConvKernels({ flavour: 'simd' });
  const grouped = new WasmConvKernels({ flavour: 'simd', groupBytes: 1 });
  for (const c of CASES) {
    const oh = windowOutputSize(c.nr, c.w.nr, c.w.strideY, c.w.paddingY);
    const ow = windowOutputSize(c.nc, c.w.nc, c.w.strideX, c.w.paddingX);
    const T = c.k * c.w.nr * c.w.nc;
    const x = randomTensor(c.n, c.k, c.nr, c.nc, 1);
    const filters = randomF32(c.f * T, 2);
    const biases = c.bias ? randomF32(c.f, 3) : undefined;
    const g = randomTensor(c.n, c.f, oh, ow, 4);

    it(`${c.name}: forward (whole batch and one sample per GEMM)`, () => {
      const ref = tensor(c.n, c.f, oh, ow);
      conv(ref, x, filters, biases, c.f, c.w, gemmReference);
      for (const k of [kernels, grouped]) {
        const out = tensor(c.n, c.f, oh, ow);
        out.data.fill(NaN);
        k.forward(out, x, filters, biases, c.f, c.w);
        expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
      }
    });

    it(`${c.name}: filter and bias gradients (overwritten; whole batch and one sample per GEMM)`, () => {
      const ref = new Float32Array(c.f * T);
      convBackwardFilters(ref, x, g, c.f, c.w, gemmBlasReference);
      const refBias = new Float32Array(c.f);
      convBackwardBias(refBias, g);
      expect(ref.some((v) => v !== 0)).toBe(true);
      for (const k of [kernels, grouped]) {
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

    it(`${c.name}: data gradient (added into; whole batch and one sample per GEMM)`, () => {
      const start = randomTensor(c.n, c.k, c.nr, c.nc, 5);
      const ref = tensor(c.n, c.k, c.nr, c.nc);
      ref.data.set(start.data);
      convBackwardData(ref, g, filters, c.f, c.w, gemmBlasReference);
      expect(bitDiffIndices(ref.data, start.data).length).toBeGreaterThan(0);
      for (const k of [kernels, grouped]) {
        const out = tensor(c.n, c.k, c.nr, c.nc);
        out.data.set(start.data);
        k.backwardData(out, g, filters, c.f, c.w);
        expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
      }
    });
  }

  it('shape errors: one line, as the references', () => {
    const x = randomTensor(2, 3, 8, 8, 1);
    const out = tensor(2, 4, 7, 7);
    expect(() => kernels.forward(out, x, new Float32Array(4 * 27), undefined, 4, win(3, 1, 1))).toThrow(/^conv: output is 2x4x7x7, expected 2x4x8x8$/);
    expect(() => kernels.backwardFilters(new Float32Array(5), x, tensor(2, 4, 8, 8), 4, win(3, 1, 1))).toThrow(/^convBackwardFilters: filter gradient has 5 values/);
    expect(() => kernels.backwardData(x, tensor(2, 4, 8, 8), new Float32Array(5), 4, win(3, 1, 1))).toThrow(/^convBackwardData: filters have 5 values/);
  });
});

describe('transpose_f32', () => {
  const { kernels: k, exports: ex } = loadKernels(CONV_GRAD_KERNELS, 'simd');
  for (const [rows, cols, lds, ldd] of [[1, 1, 1, 1], [3, 5, 5, 3], [4, 4, 4, 4], [7, 9, 11, 8], [147, 81, 81, 147], [13, 6, 7, 13], [8, 17, 17, 9]]) {
    it(`${rows} x ${cols} (source row stride ${lds}, destination ${ldd}): dst[j][i] = src[i][j], nothing else written`, () => {
      k.reset();
      const src = randomF32(rows * lds, rows * 1000 + cols);
      const s = guardedF32(k, src);
      const before = randomF32(cols * ldd, 7);
      const d = guardedF32(k, before);
      ex.transpose_f32(d.ptr, ldd, s.ptr, lds, rows, cols);
      const got = d.view();
      const want = before.slice();
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[j * ldd + i] = src[i * lds + j];
      expect(bitDiffIndices(got, want)).toEqual([]);
      expect(bitDiffIndices(s.view(), src)).toEqual([]);
      s.check();
      d.check();
    });
  }
  it('0 rows or columns: writes nothing', () => {
    k.reset();
    const d = guarded(k, 16, (v) => v.fill(0x55));
    ex.transpose_f32(d.ptr, 4, d.ptr, 4, 0, 4);
    ex.transpose_f32(d.ptr, 4, d.ptr, 4, 4, 0);
    expect([...new Uint8Array(k.memory.buffer, d.ptr, 16)].every((b) => b === 0x55)).toBe(true);
    d.check();
  });
});
