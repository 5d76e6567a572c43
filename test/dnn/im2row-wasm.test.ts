/**
 * im2row_f32 (assembly/train.ts: the img2col matrix of one sample in dlib's layout, output pixels
 * x taps, made a block of output rows at a time through im2col_rows_f32 and transpose_f32) against
 * img2colSample (conv-grad.ts, dlib's img2col), bit-identical, for every block size from 1 row to
 * all rows; and im2col_rows_f32 against im2col_f32's matrix (the same columns). Nothing written
 * outside the destination (sentinels); the face net's windows (3x3 stride 1 padding 1, 3x3 stride 2,
 * 7x7 stride 2) and odd ones (windows wider than the padded plane's remainder, strides 3, 1x1
 * planes), a row stride wider than the taps.
 */
import { describe, expect, it } from 'vitest';
import type { ConvGradExports } from '../../src/dnn/conv-grad-wasm.js';
import { img2colSample } from '../../src/dnn/conv-grad.js';
import { windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { tensor } from '../../src/dnn/tensor.js';
import { loadKernels, type KernelNeeds } from '../../src/wasm/exports.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';

function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < x.length && out.length < 10; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

const win = (nr: number, nc: number, sy: number, sx: number, py: number, px: number): Window2d => ({ nr, nc, strideY: sy, strideX: sx, paddingY: py, paddingX: px });

const CASES: { name: string; ch: number; h: number; w: number; win: Window2d }[] = [
  { name: '3x3/1 pad 1 on 32x11x11 (the residual blocks)', ch: 32, h: 11, w: 11, win: win(3, 3, 1, 1, 1, 1) },
  { name: '3x3/2 pad 0 on 8x17x17 (the down-sampling convs)', ch: 8, h: 17, w: 17, win: win(3, 3, 2, 2, 0, 0) },
  { name: '7x7/2 pad 0 on 3x30x30 (the first conv)', ch: 3, h: 30, w: 30, win: win(7, 7, 2, 2, 0, 0) },
  { name: 'odd: 4x2, strides 3/1, paddings 2/1', ch: 3, h: 11, w: 9, win: win(4, 2, 3, 1, 2, 1) },
  { name: 'odd: 2x5, strides 1/2, paddings 0/3', ch: 2, h: 5, w: 13, win: win(2, 5, 1, 2, 0, 3) },
  { name: '3x3/1 pad 1 on 5x1x1', ch: 5, h: 1, w: 1, win: win(3, 3, 1, 1, 1, 1) },
  { name: '5x5/1 pad 2 on 3x6x7', ch: 3, h: 6, w: 7, win: win(5, 5, 1, 1, 2, 2) },
];

/** im2row_f32 and im2col_f32 (conv-grad-wasm.ts's exports) and im2col_rows_f32 (assembly/conv.ts), which im2row_f32 runs. */
interface Exports extends Pick<ConvGradExports, 'im2row_f32' | 'im2col_f32'> {
  im2col_rows_f32(dst: number, ldd: number, src: number, ch: number, h: number, w: number,
    kh: number, kw: number, sy: number, sx: number, py: number, px: number, oh: number, ow: number, ra: number, rb: number): void;
}
const NEEDS: KernelNeeds<Exports> = { what: 'the im2row kernels', names: ['im2row_f32', 'im2col_f32', 'im2col_rows_f32'] };

describe('im2row_f32 and im2col_rows_f32 against the references', () => {
  const { kernels: k, exports: ex } = loadKernels(NEEDS, 'simd');
  for (const c of CASES) {
    it(c.name, () => {
      const oh = windowOutputSize(c.h, c.win.nr, c.win.strideY, c.win.paddingY);
      const ow = windowOutputSize(c.w, c.win.nc, c.win.strideX, c.win.paddingX);
      const T = c.ch * c.win.nr * c.win.nc;
      const P = oh * ow;
      const x = tensor(1, c.ch, c.h, c.w);
      x.data.set(randomF32(x.data.length, c.ch * 100 + c.h));
      const want = new Float32Array(P * T);
      img2colSample(want, x, 0, c.win);
      for (const ldd of [T, T + 3]) {
        for (let rows = 1; rows <= oh; rows++) {
          k.reset();
          // the input with a margin of floats each side (im2col's "same" path may read past the plane)
          const margin = 16;
          const xs = guardedF32(k, new Float32Array(margin + x.data.length + margin).fill(7));
          k.f32(xs.ptr + margin * 4, x.data.length).set(x.data);
          const fill = randomF32(P * ldd, 3);
          const d = guardedF32(k, fill);
          const scratch = guardedF32(k, new Float32Array(T * rows * ow));
          ex.im2row_f32(d.ptr, ldd, xs.ptr + margin * 4, c.ch, c.h, c.w, c.win.nr, c.win.nc, c.win.strideY, c.win.strideX,
            c.win.paddingY, c.win.paddingX, oh, ow, scratch.ptr, rows);
          const got = d.view();
          const expected = fill.slice();
          for (let p = 0; p < P; p++) expected.set(want.subarray(p * T, (p + 1) * T), p * ldd);
          expect(bitDiffs(got, expected), `ldd ${ldd}, ${rows} rows per block`).toEqual([]);
          for (const g of [xs, d, scratch]) g.check();
        }
      }
      // im2col_rows_f32: rows [ra, rb) of im2col_f32's matrix
      k.reset();
      const xp = k.alloc(16 * 4 + x.data.length * 4 + 16 * 4) + 16 * 4;
      k.f32(xp, x.data.length).set(x.data);
      const full = k.alloc(T * P * 4);
      ex.im2col_f32(full, P, xp, c.ch, c.h, c.w, c.win.nr, c.win.nc, c.win.strideY, c.win.strideX, c.win.paddingY, c.win.paddingX, oh, ow);
      const fullM = k.f32(full, T * P).slice();
      const ra = Math.floor(oh / 3);
      const rb = Math.max(ra + 1, oh - 1);
      const m = (rb - ra) * ow;
      const part = guardedF32(k, new Float32Array(T * (m + 2)).fill(NaN));
      ex.im2col_rows_f32(part.ptr, m + 2, xp, c.ch, c.h, c.w, c.win.nr, c.win.nc, c.win.strideY, c.win.strideX, c.win.paddingY, c.win.paddingX, oh, ow, ra, rb);
      const got = part.view();
      const expected = new Float32Array(T * (m + 2)).fill(NaN);
      for (let t = 0; t < T; t++) expected.set(fullM.subarray(t * P + ra * ow, t * P + rb * ow), t * (m + 2));
      expect(bitDiffs(got, expected)).toEqual([]);
      part.check();
    });
  }
});
