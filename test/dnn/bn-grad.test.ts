/**
 * bn_con's backward pass (src/dnn/bn.ts) by central finite differences of the training forward
 * pass at dlib's test_layer tolerances (data, gamma and beta gradients); the add/overwrite
 * contract; the update counter and the inference path; the powf port's special cases.
 */
import { describe, expect, it } from 'vitest';
import { bnBatchStats, bnConvBackward, bnConvForward, bnConvForwardTraining, bnState, bnToAffine, type BnState } from '../../src/dnn/bn.js';
import { fmaExact, powfGlibc, powfGlibcNoFma } from '../../src/dnn/powf-glibc.js';
import { tensor } from '../../src/dnn/tensor.js';
import { describeCheck, dotF64, gradCheck } from '../helpers/grad-check.js';
import { randomF32 } from '../helpers/random.js';

const SHAPES: [number, number, number, number][] = [[3, 4, 3, 3], [5, 3, 1, 1], [2, 2, 4, 5]];

describe('bn_con backward: central differences at dlib test_layer tolerances', () => {
  SHAPES.forEach((sh, si) => {
    it(`${sh.join('x')}`, () => {
      const [n, k, nr, nc] = sh;
      const size = n * k * nr * nc;
      const x = tensor(n, k, nr, nc, randomF32(size, 30 + si).map((v, i) => v * (1 + (i % k)) + 0.2 * (i % 3)));
      const state = bnState(k);
      state.gamma.set(randomF32(k, 40 + si).map((v) => v + 1.2));
      state.beta.set(randomF32(k, 50 + si));
      const G = randomF32(size, 60 + si);
      const out = tensor(n, k, nr, nc);
      const stats = bnBatchStats(k);
      const fwd = (): number => {
        const st: BnState = { ...state, runningMeans: state.runningMeans.slice(), runningVariances: state.runningVariances.slice() };
        bnConvForwardTraining(out, bnBatchStats(k), x, st);
        return dotF64(out.data, G);
      };
      bnConvForwardTraining(out, stats, x, { ...state, runningMeans: state.runningMeans.slice(), runningVariances: state.runningVariances.slice() });
      const dx = tensor(n, k, nr, nc);
      const dGamma = new Float32Array(k);
      const dBeta = new Float32Array(k);
      bnConvBackward(dx, dGamma, dBeta, tensor(n, k, nr, nc, G), x, state.gamma, stats);
      const rx = gradCheck(x.data, dx.data, fwd);
      expect(rx.ok, `data: ${describeCheck(rx)}`).toBe(true);
      const rg = gradCheck(state.gamma, dGamma, fwd);
      expect(rg.ok, `gamma: ${describeCheck(rg)}`).toBe(true);
      const rb = gradCheck(state.beta, dBeta, fwd);
      expect(rb.ok, `beta: ${describeCheck(rb)}`).toBe(true);
    });
  });
});

describe('bn_con: contract', () => {
  it('adds the data gradient into dx, overwrites gamma and beta gradients', () => {
    const [n, k, nr, nc] = [3, 2, 2, 2];
    const x = tensor(n, k, nr, nc, randomF32(24, 1));
    const g = tensor(n, k, nr, nc, randomF32(24, 2));
    const stats = bnBatchStats(k);
    const state = bnState(k);
    bnConvForwardTraining(tensor(n, k, nr, nc), stats, x, state);
    const a = tensor(n, k, nr, nc);
    const dg = new Float32Array(k);
    const db = new Float32Array(k);
    bnConvBackward(a, dg, db, g, x, state.gamma, stats);
    const b = tensor(n, k, nr, nc, new Float32Array(24).fill(9));
    const dg2 = new Float32Array(k).fill(5);
    const db2 = new Float32Array(k).fill(5);
    bnConvBackward(b, dg2, db2, g, x, state.gamma, stats);
    for (let i = 0; i < 24; i++) expect(Math.abs(b.data[i] - 9 - a.data[i])).toBeLessThan(1e-5);
    expect(dg2).toEqual(dg);
    expect(db2).toEqual(db);
  });

  it('counts updates up to the window: averaging factors 1, 1/2, 1/3, ..., then 1/(window+1) for ever', () => {
    const k = 1;
    const state = bnState(k, 3);
    const stats = bnBatchStats(k);
    const batches = [[1, 3], [5, 7], [0, 2], [10, 14], [4, 4]];
    const means: number[] = [];
    for (const b of batches) {
      bnConvForwardTraining(tensor(2, 1, 1, 1), stats, tensor(2, 1, 1, 1, Float32Array.from(b)), state);
      means.push(state.runningMeans[0]);
    }
    expect(state.updateCount).toBe(3);
    // rm1 = 2; rm2 = 0.5*2 + 0.5*6 = 4; rm3 = (2/3)*4 + (1/3)*1 = 3 (float); the counter stops
    // at 3, so every later call has factor 1 - 3/4: rm4 = 0.75*3 + 0.25*12, rm5 = 0.75*rm4 + 0.25*4.
    expect(means[0]).toBe(2);
    expect(means[1]).toBe(4);
    expect(Math.abs(means[2] - 3)).toBeLessThan(1e-6);
    expect(Math.abs(means[3] - 5.25)).toBeLessThan(1e-5);
    expect(Math.abs(means[4] - (0.75 * 5.25 + 1))).toBeLessThan(1e-5);
  });

  it('one sample runs the inference path (running statistics, no update)', () => {
    const state = bnState(2);
    state.runningMeans.set([1, -1]);
    state.runningVariances.set([4, 0.25]);
    const out = tensor(1, 2, 1, 1);
    bnConvForward(out, bnBatchStats(2), tensor(1, 2, 1, 1, Float32Array.from([3, 0])), state);
    expect(state.updateCount).toBe(0);
    expect(Math.abs(out.data[0] - 2 / Math.sqrt(4.0001))).toBeLessThan(1e-6);
    expect(Math.abs(out.data[1] - 1 / Math.sqrt(0.2501))).toBeLessThan(1e-6);
    const g = new Float32Array(2);
    const b = new Float32Array(2);
    bnToAffine(g, b, state);
    expect(Math.abs(g[0] * 3 + b[0] - out.data[0])).toBeLessThan(1e-6);
  });

  it('rejects a training batch of one sample', () => {
    expect(() => bnConvForwardTraining(tensor(1, 1, 1, 1), bnBatchStats(1), tensor(1, 1, 1, 1), bnState(1))).toThrow(/more than one sample/);
  });
});

describe('glibc powf port', () => {
  it('fmaExact rounds a*b + c once', () => {
    // (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60: a plain multiply-add loses the 2^-60 term.
    const a = 1 + 2 ** -30;
    expect(fmaExact(a, a, -1)).toBe(2 ** -29 + 2 ** -60);
    expect(a * a - 1).toBe(2 ** -29);
    expect(fmaExact(3, 5, 7)).toBe(22);
    expect(fmaExact(0.1, 10, -1)).toBe(5.551115123125783e-17);
  });

  it('special values and exact cases', () => {
    for (const p of [powfGlibc, powfGlibcNoFma]) {
      expect(p(2, 3)).toBe(8);
      expect(p(0.5, 3)).toBe(0.125);
      expect(p(0, 3)).toBe(0);
      expect(p(-2, 3)).toBe(-8);
      expect(p(Infinity, 3)).toBe(Infinity);
      expect(p(NaN, 3)).toBeNaN();
      expect(p(1e30, 3)).toBe(Infinity);
      expect(p(1e-30, 3)).toBe(0);
      expect(p(5, 0)).toBe(1);
      expect(p(-2, 0.5)).toBeNaN();
      expect(Math.abs(p(2, 0.5) - Math.SQRT2)).toBeLessThan(1e-7);
    }
  });
});
