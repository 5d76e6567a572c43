/**
 * Convolution gradients (src/dnn/conv-grad.ts) by central finite differences at dlib's
 * test_layer tolerances, for every GemmBlas in GEMMS; plus the add/overwrite contract (data
 * gradient added into dx, filter and bias gradients overwritten) and the per-sample GEMM
 * accumulation spelled out term by term.
 */
import { describe, expect, it } from 'vitest';
import { col2imgSample, convBackwardBias, convBackwardData, convBackwardFilters, img2colSample } from '../../src/dnn/conv-grad.js';
import { conv, convShape, type Window2d } from '../../src/dnn/layers.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { describeCheck, dotF64, GEMMS, gradCheck } from '../helpers/grad-check.js';
import { randomF32 } from '../helpers/random.js';

const f = Math.fround;

const CASES: { name: string; x: [number, number, number, number]; filters: number; w: Window2d }[] = [
  { name: '3x3/1 padded', x: [2, 3, 5, 6], filters: 4, w: { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 } },
  { name: '3x3/2', x: [2, 2, 7, 6], filters: 3, w: { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 } },
  { name: '7x7/2 (first layer) on 11x12', x: [2, 3, 11, 12], filters: 2, w: { nr: 7, nc: 7, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 } },
];

function setup(c: (typeof CASES)[number], seed: number) {
  const [n, k, nr, nc] = c.x;
  const x = tensor(n, k, nr, nc, randomF32(n * k * nr * nc, seed));
  const K = k * c.w.nr * c.w.nc;
  const filters = randomF32(c.filters * K, seed + 1).map((v) => v * 0.5);
  const biases = randomF32(c.filters, seed + 2);
  const os = convShape(x, c.filters, c.w);
  const G = randomF32(os[0] * os[1] * os[2] * os[3], seed + 3);
  const out = tensor(...os);
  const fwd = (): number => {
    conv(out, x, filters, biases, c.filters, c.w);
    return dotF64(out.data, G);
  };
  return { x, filters, biases, g: tensor(...os, G), fwd, K };
}

describe('conv backward: central differences at dlib test_layer tolerances', () => {
  for (const { name: gname, gemm } of GEMMS) {
    CASES.forEach((c, ci) => {
      it(`${c.name} (${gname})`, () => {
        const s = setup(c, 10 * ci + 1);
        const dx = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc);
        convBackwardData(dx, s.g, s.filters, c.filters, c.w, gemm);
        const dF = new Float32Array(s.filters.length);
        convBackwardFilters(dF, s.x, s.g, c.filters, c.w, gemm);
        const dB = new Float32Array(c.filters);
        convBackwardBias(dB, s.g);
        const rx = gradCheck(s.x.data, dx.data, s.fwd);
        expect(rx.ok, `data: ${describeCheck(rx)}`).toBe(true);
        const rf = gradCheck(s.filters, dF, s.fwd);
        expect(rf.ok, `filters: ${describeCheck(rf)}`).toBe(true);
        const rb = gradCheck(s.biases, dB, s.fwd);
        expect(rb.ok, `biases: ${describeCheck(rb)}`).toBe(true);
      });
    });
  }
});

describe('conv backward: dlib\'s add/overwrite contract and summation order', () => {
  const c = CASES[0];

  it('adds the data gradient into dx; overwrites the filter and bias gradients', () => {
    const s = setup(c, 99);
    const fresh = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc);
    convBackwardData(fresh, s.g, s.filters, c.filters, c.w);
    const start = randomF32(fresh.data.length, 5);
    const dx = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc, start.slice());
    convBackwardData(dx, s.g, s.filters, c.filters, c.w);
    // col2img adds each window's contribution into the starting value one at a time: the result
    // is near start + fresh (not necessarily equal: the sums start from another value).
    for (let i = 0; i < start.length; i++) expect(Math.abs(dx.data[i] - (start[i] + fresh.data[i]))).toBeLessThan(1e-5);
    const dF1 = new Float32Array(s.filters.length);
    const dF2 = new Float32Array(s.filters.length).fill(7);
    convBackwardFilters(dF1, s.x, s.g, c.filters, c.w);
    convBackwardFilters(dF2, s.x, s.g, c.filters, c.w);
    expect(dF2).toEqual(dF1);
    const dB = new Float32Array(c.filters).fill(7);
    convBackwardBias(dB, s.g);
    for (let kk = 0; kk < c.filters; kk++) {
      let want = 0;
      for (let n = 0; n < s.g.n; n++) for (let p = 0; p < s.g.nr * s.g.nc; p++) want = f(want + s.g.data[(n * c.filters + kk) * s.g.nr * s.g.nc + p]);
      expect(dB[kk]).toBe(want);
    }
  });

  it('filter gradient: one float sum from 0 over samples, then output pixels (dlib: sgemm beta 0, then beta 1)', () => {
    const s = setup(c, 7);
    const dF = new Float32Array(s.filters.length);
    convBackwardFilters(dF, s.x, s.g, c.filters, c.w);
    const P = s.g.nr * s.g.nc;
    const cols: Float32Array[] = [];
    for (let n = 0; n < s.x.n; n++) {
      const m = new Float32Array(P * s.K);
      img2colSample(m, s.x, n, c.w);
      cols.push(m);
    }
    for (let fi = 0; fi < c.filters; fi++) {
      for (let j = 0; j < s.K; j++) {
        let acc = 0;
        for (let n = 0; n < s.x.n; n++) {
          for (let p = 0; p < P; p++) acc = f(acc + f(s.g.data[(n * c.filters + fi) * P + p] * cols[n][p * s.K + j]));
        }
        expect(dF[fi * s.K + j]).toBe(acc);
      }
    }
  });

  it('data gradient: per sample, trans(g)·filters summed over filters from 0, then col2img adds in window order', () => {
    const s = setup(c, 8);
    const dx = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc);
    convBackwardData(dx, s.g, s.filters, c.filters, c.w);
    const P = s.g.nr * s.g.nc;
    const want: Tensor = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc);
    for (let n = 0; n < s.x.n; n++) {
      const temp = new Float32Array(P * s.K);
      for (let p = 0; p < P; p++) {
        for (let j = 0; j < s.K; j++) {
          let acc = 0;
          for (let fi = 0; fi < c.filters; fi++) acc = f(acc + f(s.g.data[(n * c.filters + fi) * P + p] * s.filters[fi * s.K + j]));
          temp[p * s.K + j] = acc;
        }
      }
      col2imgSample(want, temp, n, c.w);
    }
    expect(dx.data).toEqual(want.data);
  });

  it('rejects a gradient of the wrong shape', () => {
    const s = setup(c, 9);
    const dx = tensor(s.x.n, s.x.k, s.x.nr, s.x.nc);
    expect(() => convBackwardData(dx, tensor(1, 1, 1, 1), s.filters, c.filters, c.w)).toThrow(/gradient is 1x1x1x1/);
  });
});
