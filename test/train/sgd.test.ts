/**
 * Sgd (src/train/sgd.ts) without dlib: dlib's defaults and the shape of one step. Bit-exactness
 * against dlib::sgd over several steps and rules is in test/parity/metric-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { bnSgdRule, conSgdRule, fcNoBiasSgdRule, fcSgdRule, Sgd, SGD_MOMENTUM, SGD_WEIGHT_DECAY } from '../../src/train/sgd.js';

const f = Math.fround;

describe('Sgd', () => {
  it('has dlib\'s defaults (floats) and per-layer rules', () => {
    const s = new Sgd();
    expect([s.weightDecay, s.momentum]).toEqual([f(0.0005), f(0.9)]);
    expect([SGD_WEIGHT_DECAY, SGD_MOMENTUM]).toEqual([f(0.0005), f(0.9)]);
    expect(conSgdRule(57, 3)).toEqual({ learningRateMultiplier: 1, weightDecayMultiplier: 1, biasOffset: 54, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0 });
    expect(fcSgdRule(18, 2).biasOffset).toBe(16);
    expect(fcNoBiasSgdRule()).toEqual({ learningRateMultiplier: 1, weightDecayMultiplier: 1 });
    expect(bnSgdRule(8)).toEqual({ learningRateMultiplier: 1, weightDecayMultiplier: 0, biasOffset: 4, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 1 });
  });

  it('first step: v = float(-wd*lr)*w + float(-lr)*g (no decay on the bias part), then w += v; momentum on the second', () => {
    const s = new Sgd();
    const st = s.newState();
    const w = new Float32Array([1, -2, 0.5]);
    const g = new Float32Array([0.25, 0.5, -1]);
    const rule = fcSgdRule(3, 1); // the last value is a bias: no weight decay
    s.step(st, w, g, 0.1, rule);
    const lr = f(0.1);
    const b = f(-(s.weightDecay * lr));
    const c = f(-lr);
    const v0 = [f(f(b * 1) + f(c * 0.25)), f(f(b * -2) + f(c * 0.5)), f(c * -1)];
    expect(Array.from(st.v!)).toEqual(v0);
    expect(Array.from(w)).toEqual([f(1 + v0[0]), f(-2 + v0[1]), f(0.5 + v0[2])]);
    const w1 = Array.from(w);
    s.step(st, w, g, 0.1, rule);
    expect(st.v![2]).toBe(f(f(s.momentum * v0[2]) + f(c * -1)));
    expect(w[2]).toBe(f(w1[2] + st.v![2]));
  });

  it('a learning-rate multiplier of 0 changes nothing; size mismatches are one-line errors', () => {
    const s = new Sgd();
    const st = s.newState();
    const w = new Float32Array([1, 2]);
    s.step(st, w, new Float32Array([1, 1]), 0.1, { ...fcNoBiasSgdRule(), learningRateMultiplier: 0 });
    expect(Array.from(w)).toEqual([1, 2]);
    expect(st.v).toBeUndefined();
    expect(() => s.step(st, w, new Float32Array(3), 0.1, fcNoBiasSgdRule())).toThrow(/gradient has 3 values/);
  });
});
