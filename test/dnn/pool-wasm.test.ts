/**
 * max_pool_ of a training step in WebAssembly (src/dnn/pool-wasm.ts: WasmMaxPool; pool_f32 and
 * max_pool_grad_f32) against the TypeScript references (maxPool, maxPoolBackward: dlib's order,
 * proven by test/parity), bit-identical: the face ResNet's 3x3 stride-2 pool on a small plane,
 * padding, stride 1, a window wider than the stride on odd sizes; values with many ties (the first
 * maximum wins), whole batches and one sample per chunk.
 */
import { describe, expect, it } from 'vitest';
import { maxPool, windowOutputSize, type Window2d } from '../../src/dnn/layers.js';
import { maxPoolBackward } from '../../src/dnn/layers-grad.js';
import { WasmMaxPool } from '../../src/dnn/pool-wasm.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

function filled(n: number, k: number, nr: number, nc: number, values: Float32Array): Tensor {
  const t = tensor(n, k, nr, nc);
  t.data.set(values.subarray(0, t.data.length));
  return t;
}

const CASES: { name: string; shape: [number, number, number, number]; w: Window2d }[] = [
  { name: '3x3 stride 2 (the face net\'s pool)', shape: [3, 4, 17, 17], w: { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 } },
  { name: '3x3 stride 2 padding 1, 8x9 planes', shape: [2, 3, 8, 9], w: { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1 } },
  { name: '2x2 stride 1', shape: [2, 5, 6, 7], w: { nr: 2, nc: 2, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 } },
  { name: '3x2 strides 1 and 3, padding 1 and 0', shape: [2, 2, 7, 10], w: { nr: 3, nc: 2, strideY: 1, strideX: 3, paddingY: 1, paddingX: 0 } },
];

describe('WasmMaxPool against maxPool / maxPoolBackward: bit-identical', () => {
  for (const chunkBytes of [undefined, 1]) {
    const pool = new WasmMaxPool({ flavour: 'simd', chunkBytes });
    for (const c of CASES) {
      for (const ties of [false, true]) {
        it(`${c.name}${ties ? ', many ties' : ''}, ${chunkBytes === undefined ? 'whole batch' : 'one sample per chunk'}`, () => {
          const [n, k, nr, nc] = c.shape;
          const oh = windowOutputSize(nr, c.w.nr, c.w.strideY, c.w.paddingY);
          const ow = windowOutputSize(nc, c.w.nc, c.w.strideX, c.w.paddingX);
          const v = randomF32(n * k * nr * nc, nr * 100 + nc);
          const x = filled(n, k, nr, nc, ties ? v.map((a) => Math.round(a * 2)) : v);
          const ref = tensor(n, k, oh, ow);
          maxPool(ref, x, c.w);
          const out = tensor(n, k, oh, ow);
          out.data.fill(NaN);
          pool.forward(out, x, c.w);
          expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
          const g = filled(n, k, oh, ow, randomF32(n * k * oh * ow, 9));
          const start = randomF32(n * k * nr * nc, 10);
          const dRef = filled(n, k, nr, nc, start);
          maxPoolBackward(dRef, x, g, c.w);
          expect(bitDiffIndices(dRef.data, start).length).toBeGreaterThan(0);
          const d = filled(n, k, nr, nc, start);
          pool.backward(d, x, g, c.w);
          expect(bitDiffIndices(d.data, dRef.data)).toEqual([]);
        });
      }
    }
  }
});
