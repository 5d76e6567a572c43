import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { evaluatePairs, histogramPng } from '../../src/train/evaluate.js';

/** A 128-D descriptor at distance `x` from the origin along axis 0 (and `y` along axis 1). */
const at = (x: number, y = 0): Float32Array => {
  const v = new Float32Array(128);
  v[0] = x;
  v[1] = y;
  return v;
};

describe('evaluatePairs', () => {
  it('counts right and wrong pairs at the threshold as dnn_metric_learning_on_images_ex.cpp does', () => {
    // person 0 at 0 and 0.5 (distance 0.5: right), person 1 at 2 and 2.7 (0.7: wrong, too far apart);
    // different-person pairs: 0-2 (2), 0-2.7, 0.5-2 (1.5), 0.5-2.7: all right
    const e = evaluatePairs([at(0), at(0.5), at(2), at(2.7)], [0, 0, 1, 1]);
    expect(e.same.length).toBe(2);
    expect(e.different.length).toBe(4);
    expect(e.numRight).toBe(5);
    expect(e.numWrong).toBe(1);
    expect(e.accuracy).toBeCloseTo(5 / 6, 12);
    // a threshold between 0.7 and 1.5 gets every pair right
    expect(e.bestAccuracy).toBe(1);
    expect(e.bestThreshold).toBeGreaterThan(0.7);
    expect(e.bestThreshold).toBeLessThan(1.5);
    expect(e.equalErrorRate).toBe(0);
  });

  it('a pair at exactly the threshold is "different" (dlib: length < threshold means same)', () => {
    const e = evaluatePairs([at(0), at(0.5)], ['a', 'a'], 0.5);
    expect(e.numRight).toBe(0);
  });

  it('equal error rate where the two error rates cross', () => {
    // on a line: person a at 0 and 0.9, person b at 0.5 and 0.7; same-person distances 0.2, 0.9;
    // different-person 0.2, 0.4, 0.5, 0.7. At t = 0.45 half the same pairs are rejected (0.9)
    // and half the different pairs accepted (0.2, 0.4).
    const e = evaluatePairs([at(0), at(0.9), at(0.5), at(0.7)], ['a', 'a', 'b', 'b']);
    expect(e.same.length).toBe(2);
    expect(e.equalErrorRate).toBe(0.5);
    expect(e.equalErrorThreshold).toBeCloseTo(0.45, 6);
  });

  it('rejects labels that do not match the descriptors', () => {
    expect(() => evaluatePairs([at(0)], [])).toThrow(/1 descriptors but 0 labels/);
  });
});

describe('histogramPng', () => {
  it('draws one panel per evaluation with both colours of bars', () => {
    const e = evaluatePairs([at(0), at(0.3), at(1.2), at(1.4)], [0, 0, 1, 1]);
    const png = PNG.sync.read(Buffer.from(histogramPng([e, e], 400, 200)));
    expect([png.width, png.height]).toEqual([400, 400]);
    const colours = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4) colours.add(`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`);
    expect(colours.has('40,160,60')).toBe(true);
    expect(colours.has('200,50,50')).toBe(true);
    expect(colours.has('40,80,220')).toBe(true);
  });
});
