/**
 * fcBackward (src/dnn/fc-grad.ts) by finite differences, with dlib's `test_layer` criteria
 * (dlib/dnn/core.h): with a random output gradient G and loss = dot(fc(x), G), each parameter's
 * and each input's central difference (eps = value * base_eps, or base_eps for a 0 value) must
 * match the analytic gradient — an element fails only if its relative error > 0.05 and its
 * absolute error > 0.006 — and the mean relative error must be <= 0.003. Like test_layer, the
 * data-gradient buffer starts with random values (dlib adds into it), subtracted afterwards.
 * Bit-exactness against dlib is in test/parity/metric-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fcBackward } from '../../src/dnn/fc-grad.js';
import { fc } from '../../src/dnn/layers.js';
import { tensor, type Tensor } from '../../src/dnn/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { dotF64, testLayerVerdict } from '../helpers/grad-check.js';



describe('fcBackward: finite differences (dlib test_layer tolerances)', () => {
  for (const bias of [true, false]) {
    it(`fc_${bias ? '' : 'no_bias'}: parameter and data gradients`, () => {
      const n = 4;
      const [k, nr, nc, outputs] = [3, 2, 1, 5];
      const ni = k * nr * nc;
      const x = tensor(n, k, nr, nc, randomF32(n * ni, 1));
      const params = randomF32((ni + (bias ? 1 : 0)) * outputs, 2);
      const g = randomF32(n * outputs, 3);
      const nW = ni * outputs;
      const forwardLoss = (xx: Tensor, p: Float32Array): number => {
        const out = tensor(n, outputs, 1, 1);
        fc(out, xx, p.subarray(0, nW), bias ? p.subarray(nW) : undefined, outputs);
        return dotF64(out.data, g);
      };
      const pg = new Float32Array(params.length);
      const dx0 = randomF32(n * ni, 4);
      const dx = tensor(n, k, nr, nc, dx0.slice());
      fcBackward(dx, pg.subarray(0, nW), bias ? pg.subarray(nW) : undefined, x, tensor(n, outputs, 1, 1, g), params.subarray(0, nW), outputs);
      const dataGrad = dx.data.map((v, i) => v - dx0[i]);

      const baseEps = 0.01;
      const refParams: number[] = [];
      for (let i = 0; i < params.length; i++) {
        const old = params[i];
        const eps = Math.fround(old * baseEps) || baseEps;
        const p1 = params.slice(); p1[i] = old + eps;
        const p2 = params.slice(); p2[i] = old - eps;
        refParams.push((forwardLoss(x, p1) - forwardLoss(x, p2)) / (2 * eps));
      }
      const refData: number[] = [];
      for (let i = 0; i < x.data.length; i++) {
        const old = x.data[i];
        const eps = Math.fround(old * baseEps) || baseEps;
        const x1 = tensor(n, k, nr, nc, x.data.slice()); x1.data[i] = old + eps;
        const x2 = tensor(n, k, nr, nc, x.data.slice()); x2.data[i] = old - eps;
        refData.push((forwardLoss(x1, params) - forwardLoss(x2, params)) / (2 * eps));
      }
      const cp = testLayerVerdict(refParams, pg);
      const cd = testLayerVerdict(refData, dataGrad);
      expect(cp.failures).toBe(0);
      expect(cp.meanRel).toBeLessThanOrEqual(0.003);
      expect(cd.failures).toBe(0);
      expect(cd.meanRel).toBeLessThanOrEqual(0.003);
    });
  }

  it('adds the data gradient into dx (beta = 1); leaves dWeights alone when it is undefined', () => {
    const x = tensor(2, 3, 1, 1, randomF32(6, 5));
    const g = tensor(2, 2, 1, 1, randomF32(4, 6));
    const w = randomF32(6, 7);
    const fresh = tensor(2, 3, 1, 1);
    fcBackward(fresh, undefined, undefined, x, g, w, 2);
    const pre = tensor(2, 3, 1, 1, new Float32Array(6).fill(0.5));
    fcBackward(pre, undefined, undefined, x, g, w, 2);
    expect(Array.from(pre.data)).toEqual(Array.from(fresh.data).map((v) => Math.fround(v + 0.5)));
    expect(fresh.data.some((v) => v !== 0)).toBe(true);
  });

  it('rejects mismatched shapes with one-line errors', () => {
    const x = tensor(2, 3, 1, 1);
    expect(() => fcBackward(undefined, new Float32Array(6), undefined, x, tensor(2, 3, 1, 1), new Float32Array(6), 2)).toThrow(/gradient is 2x3x1x1/);
    expect(() => fcBackward(undefined, new Float32Array(5), undefined, x, tensor(2, 2, 1, 1), new Float32Array(6), 2)).toThrow(/dWeights/);
    expect(() => fcBackward(tensor(1, 3, 1, 1), undefined, undefined, x, tensor(2, 2, 1, 1), new Float32Array(6), 2)).toThrow(/dx is/);
  });
});
