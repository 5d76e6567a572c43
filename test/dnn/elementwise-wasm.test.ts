/**
 * relu_ and add_prev_ of a training step in WebAssembly (src/dnn/elementwise-wasm.ts:
 * WasmElementwise; relu_f32 and add_prev_f32 of assembly/conv.ts, relu_backward_f32 and
 * add_into_f32 of assembly/elementwise.ts) against the TypeScript references (relu, addPrev,
 * reluBackward, addPrevBackward: ELEMENTWISE_KERNELS), bit-identical: the face ResNet's shapes
 * (scaled-down batches; its mismatched add_prev_ shapes: fewer channels, and fewer channels and
 * rows and columns) and odd sizes, values with -0, +0 and exact cancellations, whole batches and
 * one sample per chunk; each kernel alone with its buffers between sentinels.
 */
import { describe, expect, it } from 'vitest';
import { ELEMENTWISE_WASM_KERNELS, WasmElementwise, type ElementwiseExports } from '../../src/dnn/elementwise-wasm.js';
import { addPrev, addPrevShape, relu } from '../../src/dnn/layers.js';
import { addInto, ELEMENTWISE_KERNELS, reluBackward } from '../../src/dnn/layers-grad.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { loadKernels } from '../../src/wasm/exports.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

type Shape4 = [number, number, number, number];

/**
 * Values in [-1, 1) rounded to multiples of 1/4 (many exact cancellations: sums of +-x give +0),
 * with every 7th a -0 and every 11th a +0.
 */
function values(len: number, seed: number): Float32Array {
  const v = randomF32(len, seed).map((a) => Math.round(a * 4) / 4);
  for (let i = 0; i < len; i += 7) v[i] = -0;
  for (let i = 3; i < len; i += 11) v[i] = 0;
  return v;
}

function filled(s: Shape4, seed: number): Tensor {
  const t = tensor(...s);
  t.data.set(values(t.data.length, seed));
  return t;
}

const clone = (t: Tensor): Tensor => ({ ...t, data: t.data.slice() });

/** add_prev_ cases: the face net's (n scaled down) and odd ones; [a, b]. */
const ADD_CASES: { name: string; a: Shape4; b: Shape4 }[] = [
  { name: 'matched 32x35x35 (the first residual blocks)', a: [3, 32, 35, 35], b: [3, 32, 35, 35] },
  { name: 'matched 256x4x4', a: [5, 256, 4, 4], b: [5, 256, 4, 4] },
  { name: 'pooled shortcut with half the channels, 64x17x17', a: [3, 32, 17, 17], b: [3, 64, 17, 17] },
  { name: 'pooled shortcut 128x4x4 + 256x3x3 (channels, rows and columns)', a: [3, 128, 4, 4], b: [3, 256, 3, 3] },
  { name: '256x2x2 + 256x1x1', a: [4, 256, 2, 2], b: [4, 256, 1, 1] },
  { name: 'odd: 3x5x7 + 2x6x9 (every dimension mismatched both ways)', a: [3, 3, 5, 7], b: [2, 6, 4, 9] },
  { name: 'odd: 1x1x1 matched', a: [3, 1, 1, 1], b: [3, 1, 1, 1] },
];

describe('WasmElementwise against the TypeScript references: bit-identical', () => {
  for (const chunkBytes of [undefined, 1]) {
    const ew = new WasmElementwise({ flavour: 'simd', chunkBytes, minLength: 0 });
    const tag = chunkBytes === undefined ? 'whole batch' : 'one sample per chunk';
    for (const c of ADD_CASES) {
      it(`addPrev and addPrevBackward, with and without a fused relu: ${c.name}, ${tag}`, () => {
        const a = filled(c.a, 1);
        const b = filled(c.b, 2);
        const shape = addPrevShape(a, b);
        for (const withRelu of [false, true]) {
          const ref = tensor(...shape);
          ELEMENTWISE_KERNELS.addPrev(ref, a, b, withRelu);
          const out = tensor(...shape);
          out.data.fill(NaN);
          ew.addPrev(out, a, b, withRelu);
          expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
          // the reference: -0 + -0 = -0 and x + 0 (a missing element) turns -0 into +0, relu keeps -0
          expect(ref.data.some((v) => Object.is(v, -0))).toBe(true);
          expect(ref.data.some((v) => v < 0)).toBe(!withRelu);

          const g = filled(shape, 3);
          const y = withRelu ? ref : undefined;
          const dSub = filled(c.a, 4);
          const dTag = filled(c.b, 5);
          const rSub = clone(dSub);
          const rTag = clone(dTag);
          ELEMENTWISE_KERNELS.addPrevBackward(rSub, rTag, clone(g), y);
          expect(bitDiffIndices(rSub.data, dSub.data).length).toBeGreaterThan(0);
          ew.addPrevBackward(dSub, dTag, g, y);
          expect(bitDiffIndices(dSub.data, rSub.data)).toEqual([]);
          expect(bitDiffIndices(dTag.data, rTag.data)).toEqual([]);
        }
      });
    }
    for (const s of [[3, 32, 35, 35], [2, 5, 7, 3], [4, 256, 2, 2], [1, 1, 1, 3]] as Shape4[]) {
      it(`relu and reluBackward (in place and added into) on ${s.join('x')}, ${tag}`, () => {
        const x = filled(s, 6);
        const ref = tensor(...s);
        relu(ref, x);
        const out = tensor(...s);
        ew.relu(out, x);
        expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
        const inPlace = clone(x);
        ew.relu(inPlace, inPlace);
        expect(bitDiffIndices(inPlace.data, ref.data)).toEqual([]);

        // y with NaNs (a NaN y passes no gradient) and zeros of both signs
        const y = clone(ref);
        for (let i = 5; i < y.data.length; i += 13) y.data[i] = NaN;
        const g = filled(s, 7);
        const rg = clone(g);
        reluBackward(rg, y, rg);
        const wg = clone(g);
        ew.reluBackward(wg, y, wg);
        expect(bitDiffIndices(wg.data, rg.data)).toEqual([]);
        const dx = filled(s, 8);
        const rdx = clone(dx);
        reluBackward(rdx, y, g);
        ew.reluBackward(dx, y, g);
        expect(bitDiffIndices(dx.data, rdx.data)).toEqual([]);
        expect(rdx.data.some((v) => Object.is(v, -0))).toBe(true);
      });
    }
  }

  it('small tensors (below minLength) run the reference, with the same bits', () => {
    const ew = new WasmElementwise({ flavour: 'simd' });
    const a = filled([2, 3, 4, 4], 9);
    const b = filled([2, 6, 3, 3], 10);
    const ref = tensor(...addPrevShape(a, b));
    addPrev(ref, a, b);
    const out = tensor(...addPrevShape(a, b));
    ew.addPrev(out, a, b, false);
    expect(bitDiffIndices(out.data, ref.data)).toEqual([]);
  });

  it('mismatched shapes are refused with the references\' messages', () => {
    const ew = new WasmElementwise({ flavour: 'simd', minLength: 0 });
    expect(() => ew.relu(tensor(1, 2, 3, 3), tensor(1, 2, 3, 4))).toThrow('relu: output and input shapes differ');
    expect(() => ew.addPrev(tensor(1, 2, 3, 3), tensor(1, 2, 3, 4), tensor(1, 2, 3, 4), false)).toThrow('addPrev: output is 1x2x3x3, expected 1x2x3x4');
    const g = tensor(1, 2, 3, 3);
    expect(() => ew.addPrevBackward(g, g, tensor(1, 2, 3, 3))).toThrow('addPrevBackward: the two gradients must be different tensors');
  });
});

describe('the element-wise kernels between sentinels', () => {
  const { kernels: k, exports: ex } = loadKernels<ElementwiseExports>(ELEMENTWISE_WASM_KERNELS, 'simd');

  it('add_into_f32: matched and mismatched shapes (dest larger and smaller in each dimension), as addInto', () => {
    const cases: [Shape4, Shape4][] = [[[2, 3, 5, 7], [2, 3, 5, 7]], [[2, 3, 5, 7], [3, 2, 6, 5]], [[3, 4, 3, 9], [2, 5, 2, 10]], [[2, 256, 3, 3], [2, 256, 4, 4]]];
    for (const [ds, ss] of cases) {
      k.reset();
      const dest = filled(ds, 11);
      const src = filled(ss, 12);
      const pd = guardedF32(k, dest.data);
      const ps = guardedF32(k, src.data);
      addInto(dest, src);
      ex.add_into_f32(pd.ptr, ds[0], ds[1], ds[2], ds[3], ps.ptr, ss[0], ss[1], ss[2], ss[3]);
      expect(bitDiffIndices(pd.view(), dest.data)).toEqual([]);
      pd.check();
      ps.check();
    }
  });

  it('add_prev_f32 (mismatched: vector runs per row), as addPrev', () => {
    for (const c of ADD_CASES) {
      k.reset();
      const a = filled(c.a, 13);
      const b = filled(c.b, 14);
      const shape = addPrevShape(a, b);
      const ref = tensor(...shape);
      addPrev(ref, a, b);
      const pa = guardedF32(k, a.data);
      const pb = guardedF32(k, b.data);
      const po = guardedF32(k, new Float32Array(ref.data.length).fill(NaN));
      ex.add_prev_f32(po.ptr, ...shape, pa.ptr, ...c.a, pb.ptr, ...c.b, 0);
      expect(bitDiffIndices(po.view(), ref.data), c.name).toEqual([]);
      for (const p of [pa, pb, po]) p.check();
    }
  });

  it('relu_backward_f32: overwrite and add, lengths 0..9 and 1001', () => {
    for (const len of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1001]) {
      k.reset();
      const y = values(len, 15);
      for (let i = 2; i < len; i += 5) y[i] = NaN;
      const g = values(len, 16);
      const d = values(len, 17);
      const t = (v: Float32Array): Tensor => tensor(1, 1, 1, len, v.slice());
      const rIn = t(g);
      reluBackward(rIn, t(y), rIn);
      const rAdd = t(d);
      reluBackward(rAdd, t(y), t(g));
      const py = guardedF32(k, y);
      const pg = guardedF32(k, g);
      const pd = guardedF32(k, d);
      ex.relu_backward_f32(pd.ptr, py.ptr, pg.ptr, len, 1);
      expect(bitDiffIndices(pd.view(), rAdd.data)).toEqual([]);
      ex.relu_backward_f32(pg.ptr, py.ptr, pg.ptr, len, 0);
      expect(bitDiffIndices(pg.view(), rIn.data)).toEqual([]);
      for (const p of [py, pg, pd]) p.check();
    }
  });
});
