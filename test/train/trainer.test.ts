/**
 * LearningRateSchedule (src/train/trainer.ts): dnn_trainer's bookkeeping on synthetic losses.
 * That it reproduces dlib's shrink steps on a real run is in test/parity/metric-parity.test.ts
 * (the toy example through dlib's own dnn_trainer). Here, with a constant loss (P(slope > 0) =
 * 0.5 < 0.51 at every length, so every value counts as "no progress"), the steps follow from
 * trainer.h's arithmetic: checks every 11 steps (budget +200 > 2000), the first shrink at the
 * first check with 2000 values (step 2002), 600 values dropped, the next once 2000 are back at a
 * check (step 2607).
 */
import { describe, expect, it } from 'vitest';
import { LearningRateSchedule } from '../../src/train/trainer.js';

describe('LearningRateSchedule', () => {
  it('has dlib\'s defaults', () => {
    const s = new LearningRateSchedule();
    expect([s.learningRate, s.minLearningRate, s.iterationsWithoutProgressThreshold, s.learningRateShrinkFactor]).toEqual([0.01, 1e-5, 2000, 0.1]);
    expect(s.shouldContinue()).toBe(true);
  });

  it('constant loss: checks every 11 steps, shrinks after steps 2002 and 2607, trims the history by 600', () => {
    const s = new LearningRateSchedule({ learningRate: 0.1 });
    const checked: number[] = [];
    const shrunk: number[] = [];
    for (let step = 1; step <= 2700; step++) {
      const r = s.record(0.25);
      if (r.checked) checked.push(step);
      if (r.shrunk) {
        shrunk.push(step);
        if (shrunk.length === 1) expect(s.previousLossValues.length).toBe(1400);
      }
    }
    expect(checked.slice(0, 3)).toEqual([11, 22, 33]);
    expect(shrunk).toEqual([2002, 2607]);
    expect(s.learningRate).toBe(0.1 * 0.1 * 0.1);
    expect(s.stepsWithoutProgress).toBeGreaterThan(0);
    expect(s.averageLoss).toBe(0.25);
  });

  it('a steadily falling loss never shrinks the rate', () => {
    const s = new LearningRateSchedule();
    for (let step = 0; step < 3000; step++) expect(s.record(10 - step * 1e-3).shrunk).toBe(false);
    expect(s.learningRate).toBe(0.01);
  });

  it('toJSON/fromJSON resumes exactly; setLearningRate clears the history', () => {
    const a = new LearningRateSchedule({ learningRate: 0.1, iterationsWithoutProgressThreshold: 300 });
    const losses = Array.from({ length: 1500 }, (_, i) => (i < 400 ? 1 - i / 500 : 0.2) + 0.01 * Math.sin(i * 1.7));
    for (const l of losses.slice(0, 700)) a.record(l);
    const b = LearningRateSchedule.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const ra = losses.slice(700).map((l) => a.record(l).shrunk);
    const rb = losses.slice(700).map((l) => b.record(l).shrunk);
    expect(rb).toEqual(ra);
    expect(ra.some((x) => x)).toBe(true);
    expect(b.toJSON()).toEqual(a.toJSON());
    a.setLearningRate(0.5);
    expect(a.previousLossValues).toEqual([]);
    expect(() => LearningRateSchedule.fromJSON({ ...b.toJSON(), learningRate: NaN })).toThrow(/learningRate/);
  });

  it('an explicit schedule takes one rate per step and then decays by 0.99', () => {
    const s = new LearningRateSchedule({ schedule: [0.1, 0.05, 0.02] });
    expect([s.learningRate, s.minLearningRate, s.learningRateShrinkFactor]).toEqual([0.1, 0.02, 1]);
    const seen = [];
    for (let i = 0; i < 4; i++) {
      s.record(1);
      seen.push(s.learningRate);
    }
    expect(seen).toEqual([0.1, 0.05, 0.02, 0.02 * 0.99]);
  });
});
