/**
 * col2img_f32's path for windows 3 wide at column stride 1 (assembly/col2img.ts: the three taps of
 * a row of taps in one pass over dx, 4 pixels at a time where all three land inside the output
 * row) against dlib's col2img as plain loops in its order (dlib/cuda/cpu_dlib.cpp: output rows r,
 * columns q, then taps (c, ky, kx), each entry added into dx at once), bit-identical, nothing
 * written outside dx (sentinels): the residual blocks' 3x3 windows on their plane sizes, column
 * paddings 0 to 3, planes narrower than 4 pixels and than the window, row strides 1 to 3 and
 * heights 1 to 5, rows of dcols side by side (ldd > oh*ow), a starting dx with -0s. The other
 * windows (the tap-by-tap path) are covered by test/dnn/gemm-blas-wasm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { WasmGemmBlas } from '../../src/dnn/gemm-blas-wasm.js';
import type { Window2d } from '../../src/dnn/layers.js';
import { WasmKernels } from '../../src/wasm/index.js';
import { guardedF32 } from '../helpers/guarded.js';
import { col2imgDlib } from '../helpers/dlib-loops.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffCount } from '../helpers/float.js';

const win = (nr: number, sy: number, py: number, px: number): Window2d => ({ nr, nc: 3, strideY: sy, strideX: 1, paddingY: py, paddingX: px });

describe('col2img_f32, windows 3 wide at column stride 1: bit-identical to dlib\'s order', () => {
  it.each([
    ['3x3 pad 1 on 35x35 (the first residual blocks)', 3, 35, 35, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 17x17', 2, 17, 17, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 8x8', 2, 8, 8, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 4x4', 3, 4, 4, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 3x3', 2, 3, 3, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 2x2', 2, 2, 2, win(3, 1, 1, 1)],
    ['3x3 pad 1 on 1x1', 2, 1, 1, win(3, 1, 1, 1)],
    ['3x3 pad 0 on 9x11 (valid)', 2, 9, 11, win(3, 1, 0, 0)],
    ['3x3 pad 2 on 6x9 (output wider than the input)', 2, 6, 9, win(3, 1, 2, 2)],
    ['3x3 column pad 3 on 5x13', 2, 5, 13, win(3, 1, 1, 3)],
    ['5x3, row stride 2, row pad 2 on 11x10', 2, 11, 10, win(5, 2, 2, 1)],
    ['1x3, row stride 3 on 10x7', 2, 10, 7, win(1, 3, 0, 0)],
    ['2x3 on 3x2 (narrower than the window)', 2, 3, 2, win(2, 1, 0, 1)],
  ] as const)('%s', (_, ch, h, w, window) => {
    const k = WasmKernels.load('simd');
    const g = new WasmGemmBlas(k);
    const oh = 1 + Math.trunc((h + 2 * window.paddingY - window.nr) / window.strideY);
    const ow = 1 + Math.trunc((w + 2 * window.paddingX - window.nc) / window.strideX);
    const rows = ch * window.nr * window.nc;
    for (const ldd of [oh * ow, oh * ow + 7]) {
      k.reset();
      const dcols = randomF32(rows * ldd, ch * 7 + h + ldd).map((v) => Math.round(v * 8) / 8);
      const dx0 = randomF32(ch * h * w, w + ldd);
      for (let i = 0; i < dx0.length; i += 5) dx0[i] = -0;
      const gx = guardedF32(k, dx0);
      const gcols = guardedF32(k, dcols);
      g.col2img(gx.ptr, gcols.ptr, { k: ch, nr: h, nc: w }, window, ldd);
      const want = dx0.slice();
      col2imgDlib(want, dcols, ldd, ch, h, w, window);
      expect(bitDiffCount(want, dx0)).toBeGreaterThan(0);
      expect(bitDiffCount(gx.view(), want)).toBe(0);
      gx.check();
      gcols.check();
      expect(bitDiffCount(gcols.view(), dcols)).toBe(0);
    }
  });
});
