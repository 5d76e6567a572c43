/**
 * running-gradient.ts without dlib: the line fit and the counts on sequences whose answer is
 * plain. Bit-exactness against dlib/statistics/running_gradient.h is in
 * test/parity/metric-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  countStepsWithoutDecrease, countStepsWithoutDecreaseRobust, findUpperQuantile, glibcErfc, probabilityValuesAreIncreasing, RunningGradient,
} from '../../src/train/running-gradient.js';

describe('running_gradient', () => {
  it('fits a line: slope and intercept of 3 - 0.5x', () => {
    const g = new RunningGradient();
    for (let i = 0; i < 100; i++) g.add(3 - 0.5 * i);
    expect(g.currentN()).toBe(100);
    expect(g.gradient()).toBeCloseTo(-0.5, 6);
    expect(g.intercept()).toBeCloseTo(3, 4);
    expect(probabilityValuesAreIncreasing([1, 2])).toBe(0.5);
  });

  it('counts: a falling sequence has no steps without decrease; a rising one is all of them', () => {
    const falling = Array.from({ length: 200 }, (_, i) => 100 - i);
    const rising = falling.slice().reverse();
    expect(countStepsWithoutDecrease(falling)).toBeLessThan(5);
    expect(countStepsWithoutDecrease(rising)).toBe(200);
    expect(countStepsWithoutDecreaseRobust(rising)).toBe(200);
    expect(countStepsWithoutDecreaseRobust([])).toBe(0);
    // One huge recent spike fools the plain count, not the robust one.
    const spiked = [...falling, 1e6];
    expect(countStepsWithoutDecrease(spiked)).toBeGreaterThan(100);
    expect(countStepsWithoutDecreaseRobust(spiked)).toBeLessThan(5);
  });

  it('find_upper_quantile: the value of rank round((n-1)*(1-q))', () => {
    expect(findUpperQuantile([5, 1, 4, 2, 3], 0.1)).toBe(5); // round(3.6) = 4
    expect(findUpperQuantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(findUpperQuantile([1, 2], 0.5)).toBe(2); // round(0.5) = 1 (C rounds halves away from 0)
  });

  it('glibcErfc: fdlibm\'s special values', () => {
    expect(glibcErfc(0)).toBe(1);
    expect(glibcErfc(Infinity)).toBe(0);
    expect(glibcErfc(-Infinity)).toBe(2);
    expect(glibcErfc(NaN)).toBeNaN();
    expect(glibcErfc(-10)).toBe(2);
    expect(glibcErfc(30)).toBe(0);
    expect(glibcErfc(1)).toBeCloseTo(0.157299207050285, 14);
  });
});
