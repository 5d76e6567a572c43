/**
 * avg_pool_ of a training step in WebAssembly (src/dnn/pool-wasm.ts: WasmAvgPool; pool_f32 and
 * avg_pool_grad_f32) against the TypeScript references (avgPool, avgPoolBackward: dlib's order,
 * proven by test/parity), bit-identical: the face ResNet's 2x2 stride-2 shortcut pool on odd
 * planes (35x35: the last row and column dropped) and its avg_pool_everything, windows clipped by
 * padding (smaller cell counts), stride 1; whole batches and one sample per chunk; the backward
 * kernel alone between sentinels.
 */
import { describe, expect, it } from 'vitest';
import { avgPool, everythingWindow, windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { avgPoolBackward } from '../../src/dnn/layers-grad.js';
import { POOL_KERNELS, WasmAvgPool } from '../../src/dnn/pool-wasm.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { loadKernels } from '../../src/wasm/exports.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

function filled(n: number, k: number, nr: number, nc: number, values: Float32Array): Tensor {
  const t = tensor(n, k, nr, nc);
  t.data.set(values.subarray(0, t.data.length));
  return t;
}

const win = (nr: number, nc: number, sy: number, sx: number, py: number, px: number): Window2d => ({ nr, nc, strideY: sy, strideX: sx, paddingY: py, paddingX: px });

const CASES: { name: string; shape: [number, number, number, number]; w: Window2d | 'everything' }[] = [
  { name: '2x2 stride 2 on 35x35 (the face net\'s shortcut pool)', shape: [3, 4, 35, 35], w: win(2, 2, 2, 2, 0, 0) },
  { name: '2x2 stride 2 on 4x4', shape: [2, 8, 4, 4], w: win(2, 2, 2, 2, 0, 0) },
  { name: 'everything on 2x2 (the face net\'s last pool)', shape: [3, 16, 2, 2], w: 'everything' },
  { name: 'everything on 5x7', shape: [2, 3, 5, 7], w: 'everything' },
  { name: '3x3 stride 2 padding 1 (clipped windows)', shape: [2, 3, 8, 9], w: win(3, 3, 2, 2, 1, 1) },
  { name: '3x2 strides 1 and 3, padding 1 and 0', shape: [2, 2, 7, 10], w: win(3, 2, 1, 3, 1, 0) },
];

describe('WasmAvgPool against avgPool / avgPoolBackward: bit-identical', () => {
  for (const chunkBytes of [undefined, 1]) {
    const pool = new WasmAvgPool({ flavour: 'simd', chunkBytes });
    for (const c of CASES) {
      it(`${c.name}, ${chunkBytes === undefined ? 'whole batch' : 'one sample per chunk'}`, () => {
        const [n, k, nr, nc] = c.shape;
        const x = filled(n, k, nr, nc, randomF32(n * k * nr * nc, nr * 100 + nc));
        const w = c.w === 'everything' ? everythingWindow(x) : c.w;
        const oh = windowOutputSize(nr, w.nr, w.strideY, w.paddingY);
        const ow = windowOutputSize(nc, w.nc, w.strideX, w.paddingX);
        const ref = tensor(n, k, oh, ow);
        avgPool(ref, x, w);
        const out = tensor(n, k, oh, ow);
        out.data.fill(NaN);
        pool.forward(out, x, w);
        expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
        const g = filled(n, k, oh, ow, randomF32(n * k * oh * ow, 9).map((v) => v * 7));
        const start = randomF32(n * k * nr * nc, 10);
        const dRef = filled(n, k, nr, nc, start);
        avgPoolBackward(dRef, x, g, w);
        expect(dRef.data.filter((v, i) => v !== start[i]).length).toBeGreaterThan(0);
        const d = filled(n, k, nr, nc, start);
        pool.backward(d, x, g, w);
        expect(bitDiffIndices(d.data, dRef.data)).toEqual([]);
      });
    }
  }

  it('avg_pool_grad_f32 writes nothing outside dx (sentinels)', () => {
    const { kernels: k, exports: ex } = loadKernels(POOL_KERNELS, 'simd');
    for (const [h, w, win1] of [[35, 35, win(2, 2, 2, 2, 0, 0)], [8, 9, win(3, 3, 2, 2, 1, 1)], [3, 5, win(3, 5, 1, 1, 0, 0)]] as const) {
      k.reset();
      const planes = 3;
      const oh = windowOutputSize(h, win1.nr, win1.strideY, win1.paddingY);
      const ow = windowOutputSize(w, win1.nc, win1.strideX, win1.paddingX);
      const x = tensor(1, planes, h, w);
      const g = filled(1, planes, oh, ow, randomF32(planes * oh * ow, 3));
      const start = randomF32(planes * h * w, 4);
      const want = filled(1, planes, h, w, start);
      avgPoolBackward(want, x, g, win1);
      const pd = guardedF32(k, start);
      const pg = guardedF32(k, g.data);
      ex.avg_pool_grad_f32(pd.ptr, pg.ptr, planes, h, w, win1.nr, win1.nc, win1.strideY, win1.strideX, win1.paddingY, win1.paddingX, oh, ow);
      expect(bitDiffIndices(pd.view(), want.data)).toEqual([]);
      pd.check();
      pg.check();
    }
  });
});
