/**
 * The backward passes of relu_, affine_ (CONV), add_prev_, max_pool_, avg_pool_ and
 * avg_pool_everything (src/dnn/layers-grad.ts) by central finite differences of the forward
 * passes (src/dnn/layers.ts) at dlib's test_layer tolerances, and dlib's in-place contract
 * (test_layer's own check: the gradient written in place equals the one added into a tensor
 * holding 9, minus 9).
 */
import { describe, expect, it } from 'vitest';
import { addPrev, addPrevShape, affine, avgPool, avgPoolEverything, maxPool, poolShape, relu, type Window2d } from '../../src/dnn/layers.js';
import { addPrevBackward, affineBackward, avgPoolBackward, avgPoolEverythingBackward, maxPoolBackward, reluBackward } from '../../src/dnn/layers-grad.js';
import { tensor, type Shape } from '../../src/dnn/tensor.js';
import { describeCheck, dotF64, gradCheck } from '../helpers/grad-check.js';
import { randomF32 } from '../helpers/random.js';

const size = (s: Shape): number => s[0] * s[1] * s[2] * s[3];

/** Values away from 0 (|v| >= 0.1), so that ±eps never crosses relu's kink. */
const awayFromZero = (n: number, seed: number): Float32Array => randomF32(n, seed).map((v) => (v < 0 ? v - 0.1 : v + 0.1));

/** Distinct values (no ties for max pooling): a shuffled ramp. */
function distinct(n: number, seed: number): Float32Array {
  const r = randomF32(n, seed);
  const idx = Array.from(r, (_, i) => i).sort((a, b) => r[a] - r[b]);
  const out = new Float32Array(n);
  idx.forEach((j, rank) => { out[j] = (rank - n / 2) * 0.37; });
  return out;
}

describe('layer backward passes: central differences at dlib test_layer tolerances', () => {
  it('relu_', () => {
    const s: Shape = [2, 3, 4, 5];
    const x = tensor(...s, awayFromZero(size(s), 1));
    const G = randomF32(size(s), 2);
    const y = tensor(...s);
    relu(y, x);
    const dx = tensor(...s);
    reluBackward(dx, y, tensor(...s, G));
    const r = gradCheck(x.data, dx.data, () => { relu(y, x); return dotF64(y.data, G); });
    expect(r.ok, describeCheck(r)).toBe(true);
  });

  it('affine_ (CONV mode, data gradient)', () => {
    const s: Shape = [2, 4, 3, 3];
    const x = tensor(...s, randomF32(size(s), 3));
    const gamma = randomF32(4, 4).map((v) => v * 2);
    const beta = randomF32(4, 5);
    const G = randomF32(size(s), 6);
    const out = tensor(...s);
    const dx = tensor(...s);
    affineBackward(dx, tensor(...s, G), gamma);
    const r = gradCheck(x.data, dx.data, () => { affine(out, x, gamma, beta); return dotF64(out.data, G); });
    expect(r.ok, describeCheck(r)).toBe(true);
  });

  for (const [name, sa, sb] of [
    ['equal shapes', [2, 3, 4, 4], [2, 3, 4, 4]],
    ['pooled shortcut with half the channels, larger plane', [2, 2, 4, 4], [2, 4, 3, 3]],
  ] as [string, Shape, Shape][]) {
    it(`add_prev_: ${name}`, () => {
      const a = tensor(...sa, randomF32(size(sa), 7));
      const b = tensor(...sb, randomF32(size(sb), 8));
      const so = addPrevShape(a, b);
      const G = randomF32(size(so), 9);
      const out = tensor(...so);
      const da = tensor(...sa);
      const db = tensor(...sb);
      addPrevBackward(da, db, tensor(...so, G));
      const f = (): number => { addPrev(out, a, b); return dotF64(out.data, G); };
      const ra = gradCheck(a.data, da.data, f);
      expect(ra.ok, `layer below: ${describeCheck(ra)}`).toBe(true);
      const rb = gradCheck(b.data, db.data, f);
      expect(rb.ok, `tagged layer: ${describeCheck(rb)}`).toBe(true);
    });
  }

  const POOLS: [string, Shape, Window2d, boolean][] = [
    ['max 3x3/2 (the net\'s)', [2, 2, 9, 8], { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 }, true],
    ['max 3x3/1 padded', [1, 2, 5, 6], { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }, true],
    ['avg 2x2/2 (the net\'s)', [2, 3, 6, 7], { nr: 2, nc: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 }, false],
    ['avg 3x3/2 padded', [2, 2, 7, 6], { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1 }, false],
  ];
  for (const [name, s, w, isMax] of POOLS) {
    it(name, () => {
      const x = tensor(...s, distinct(size(s), 10));
      const os = poolShape(x, w);
      const G = randomF32(size(os), 11);
      const out = tensor(...os);
      const dx = tensor(...s);
      if (isMax) maxPoolBackward(dx, x, tensor(...os, G), w);
      else avgPoolBackward(dx, x, tensor(...os, G), w);
      const r = gradCheck(x.data, dx.data, () => { (isMax ? maxPool : avgPool)(out, x, w); return dotF64(out.data, G); });
      expect(r.ok, describeCheck(r)).toBe(true);
    });
  }

  it('avg_pool_everything', () => {
    const s: Shape = [3, 4, 3, 5];
    const x = tensor(...s, randomF32(size(s), 12));
    const G = randomF32(12, 13);
    const out = tensor(3, 4, 1, 1);
    const dx = tensor(...s);
    avgPoolEverythingBackward(dx, x, tensor(3, 4, 1, 1, G));
    const r = gradCheck(x.data, dx.data, () => { avgPoolEverything(out, x); return dotF64(out.data, G); });
    expect(r.ok, describeCheck(r)).toBe(true);
  });
});

describe('in-place layers: overwrite when the gradient tensor is the data gradient, add otherwise', () => {
  it('relu_ and affine_: in place equals (added into 9) - 9, as dlib\'s test_layer checks', () => {
    const s: Shape = [2, 3, 2, 2];
    const y = tensor(...s, awayFromZero(size(s), 14).map((v) => Math.max(0, v)));
    const G = randomF32(size(s), 15);
    const gamma = randomF32(3, 16);
    for (const run of [
      (dx: ReturnType<typeof tensor>, g: ReturnType<typeof tensor>) => reluBackward(dx, y, g),
      (dx: ReturnType<typeof tensor>, g: ReturnType<typeof tensor>) => affineBackward(dx, g, gamma),
    ]) {
      const inPlace = tensor(...s, G.slice());
      run(inPlace, inPlace);
      const added = tensor(...s, new Float32Array(size(s)).fill(9));
      run(added, tensor(...s, G.slice()));
      for (let i = 0; i < size(s); i++) expect(Math.abs(added.data[i] - 9 - inPlace.data[i])).toBeLessThan(1e-5);
    }
  });

  it('max pooling sends each gradient to the first maximum of its window (ties)', () => {
    const x = tensor(1, 1, 2, 2, Float32Array.from([1, 5, 5, 2]));
    const dx = tensor(1, 1, 2, 2);
    maxPoolBackward(dx, x, tensor(1, 1, 1, 1, Float32Array.from([3])), { nr: 2, nc: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 });
    expect(Array.from(dx.data)).toEqual([0, 3, 0, 0]);
  });

  it('add_prev_ drops the part of the gradient outside each input', () => {
    const da = tensor(1, 1, 1, 2);
    const db = tensor(1, 2, 1, 1);
    addPrevBackward(da, db, tensor(1, 2, 1, 2, Float32Array.from([1, 2, 3, 4])));
    expect(Array.from(da.data)).toEqual([1, 2]);
    expect(Array.from(db.data)).toEqual([1, 3]);
  });
});
