/**
 * max_pool_grad_f32's vector path (assembly/train.ts: windows 3 wide at column stride 2 without
 * column padding, 4 adjacent outputs at a time) against maxPoolBackward (layers-grad.ts, dlib's
 * order), bit-identical, with its buffers between sentinels: the face net's 3x3 stride-2 pool on
 * its 72x72 planes and on odd widths (outputs left over after the groups of 4), row padding and
 * clipped rows (the columns unpadded), window heights 1 to 4; values with many ties (the first
 * maximum wins), -0 against +0 (a tie), NaNs (never greater).
 */
import { describe, expect, it } from 'vitest';
import { windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { maxPoolBackward } from '../../src/dnn/layers-grad.js';
import { POOL_KERNELS } from '../../src/dnn/pool-wasm.js';
import { tensor } from '../../src/dnn/tensor.js';
import { loadKernels } from '../../src/wasm/exports.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

const win = (nr: number, sy: number, py: number): Window2d => ({ nr, nc: 3, strideY: sy, strideX: 2, paddingY: py, paddingX: 0 });

const CASES: { name: string; shape: [number, number, number, number]; w: Window2d }[] = [
  { name: '3x3 stride 2 on 72x72 (the face net\'s pool)', shape: [2, 2, 72, 72], w: win(3, 2, 0) },
  { name: '3x3 stride 2 on 21x23 (2 outputs after the groups of 4)', shape: [2, 3, 21, 23], w: win(3, 2, 0) },
  { name: '3x3 stride 2 on 9x9 (4 outputs a row)', shape: [1, 2, 9, 9], w: win(3, 2, 0) },
  { name: '3x3 stride 2 on 7x8 (3 outputs a row: no group of 4)', shape: [1, 2, 7, 8], w: win(3, 2, 0) },
  { name: '2-row windows, row stride 1, row padding 1 (clipped rows)', shape: [2, 2, 6, 19], w: win(2, 1, 1) },
  { name: '4-row windows, row stride 3, row padding 2', shape: [1, 3, 11, 17], w: win(4, 3, 2) },
  { name: '1-row windows', shape: [1, 2, 3, 13], w: win(1, 1, 0) },
];

describe('max_pool_grad_f32 against maxPoolBackward: bit-identical, nothing written outside dx', () => {
  const { kernels: k, exports: ex } = loadKernels(POOL_KERNELS, 'simd');
  for (const c of CASES) {
    for (const kind of ['random', 'ties', 'zeros and NaNs'] as const) {
      it(`${c.name}, ${kind}`, () => {
        k.reset();
        const [n, ch, h, w] = c.shape;
        const oh = windowOutputSize(h, c.w.nr, c.w.strideY, c.w.paddingY);
        const ow = windowOutputSize(w, c.w.nc, c.w.strideX, c.w.paddingX);
        const x = tensor(n, ch, h, w);
        const v = randomF32(x.data.length, h * 100 + w);
        x.data.set(kind === 'random' ? v : kind === 'ties' ? v.map((a) => Math.round(a * 2)) : v.map((a, i) => (i % 3 === 0 ? NaN : a < 0 ? -0 : 0)));
        const g = tensor(n, ch, oh, ow);
        g.data.set(randomF32(g.data.length, 5));
        const start = randomF32(x.data.length, 6);
        const want = tensor(n, ch, h, w, start.slice());
        maxPoolBackward(want, x, g, c.w);
        const px = guardedF32(k, x.data);
        const pg = guardedF32(k, g.data);
        const pd = guardedF32(k, start);
        ex.max_pool_grad_f32(pd.ptr, px.ptr, pg.ptr, n * ch, h, w, c.w.nr, c.w.nc, c.w.strideY, c.w.strideX, c.w.paddingY, c.w.paddingX, oh, ow);
        expect(bitDiffIndices(pd.view(), want.data)).toEqual([]);
        for (const p of [px, pg, pd]) p.check();
      });
    }
  }
});
