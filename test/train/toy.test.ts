/**
 * runToyExample (src/train/toy.ts): the figures dlib produced for its toy example (REFERENCE §6,
 * measured with dlib on the reference BLAS; the parity suite compares every step with live dlib):
 * loss 0.63311254700131225 and 0.60787666070753632 at steps 1 and 2, the learning rate shrinks
 * after steps 2035, 2640, 4037 and 4642, 28 pairs right and 0 wrong. The whole run takes about
 * half a second.
 */
import { describe, expect, it } from 'vitest';
import { runToyExample } from '../../src/train/toy.js';

describe('dlib\'s toy metric-learning example', () => {
  it('reproduces dlib\'s measured losses, shrink steps and result', () => {
    const steps: number[] = [];
    const r = runToyExample({ onStep: (s) => steps.push(s.step) });
    expect(r.losses[0]).toBe(0.63311254700131225);
    expect(r.losses[1]).toBe(0.60787666070753632);
    expect(r.learningRateChanges).toEqual([2035, 2640, 4037, 4642]);
    expect(r.losses.length).toBe(4642);
    expect(steps.length).toBe(4642);
    expect(r.learningRates[0]).toBe(0.1);
    expect(r.learningRates[2035]).toBe(0.1 * 0.1);
    expect([r.numRight, r.numWrong]).toEqual([28, 0]);
  });

  it('maxSteps stops early', () => {
    const r = runToyExample({ maxSteps: 3 });
    expect(r.losses.length).toBe(3);
    expect(r.initialParams.subarray(16)).toEqual(new Float32Array(2));
  });
});
