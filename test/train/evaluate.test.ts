import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { calibrationLayout, calibrationPng, evaluatePairs, histogramPng, HISTOGRAM_COLOURS, ROC_COLOUR } from '../../src/train/evaluate.js';

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

describe('calibrationPng', () => {
  // On a line: person a at 0 and 0.9, person b at 0.5 and 0.7. Same-person distances 0.2, 0.9;
  // different-person 0.2, 0.4, 0.5, 0.7. The ROC (false accepts, true accepts) just above each
  // distance: 0.2 -> (1/4, 1/2), 0.4 -> (2/4, 1/2), 0.5 -> (3/4, 1/2), 0.7 -> (1, 1/2), 0.9 -> (1, 1).
  // At 0.6 (the threshold): (3/4, 1/2); the best threshold (0.1, nothing accepted): (0, 0).
  const e = evaluatePairs([at(0), at(0.9), at(0.5), at(0.7)], ['a', 'a', 'b', 'b']);
  const png = PNG.sync.read(Buffer.from(calibrationPng(e)));
  const L = calibrationLayout(720, 260);
  const px = (x: number, y: number): string => {
    const i = 4 * (y * png.width + x);
    return `${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`;
  };
  const X = (far: number): number => L.left + Math.round(far * L.size);
  const Y = (tar: number): number => L.top + L.size - Math.round(tar * L.size);
  const roc = ROC_COLOUR.join(',');

  it('has the histograms on the left, pixel for pixel histogramPng\'s', () => {
    expect([png.width, png.height]).toEqual([L.width, 260]);
    expect(L.left).toBeGreaterThanOrEqual(720);
    const hist = PNG.sync.read(Buffer.from(histogramPng([e], 720, 260)));
    for (let y = 0; y < 260; y += 7) {
      for (let x = 0; x < 720; x += 3) expect(px(x, y)).toBe(`${hist.data[4 * (y * 720 + x)]},${hist.data[4 * (y * 720 + x) + 1]},${hist.data[4 * (y * 720 + x) + 2]}`);
    }
  });

  it('draws the ROC curve through the rates counted by hand, the operating points, the frame and nothing off the curve', () => {
    // the horizontal run at true accepts 1/2 from 1/4 to 1, and the rise at false accepts 1
    for (const far of [0.3, 0.5, 0.6, 0.9]) expect(px(X(far), Y(0.5)), `far ${far}`).toBe(roc);
    for (const tar of [0.6, 0.75, 0.9]) expect(px(X(1), Y(tar)), `tar ${tar}`).toBe(roc);
    // the first segment, from (0, 0) to (1/4, 1/2): at its midpoint's row, within a pixel of it
    expect([-1, 0, 1].map((d) => px(X(0.125) + d, Y(0.25)))).toContain(roc);
    // the threshold's point (3/4, 1/2) in blue, the best threshold's (0, 0) in grey
    expect(px(X(0.75), Y(0.5))).toBe(HISTOGRAM_COLOURS.threshold.join(','));
    expect(px(X(0.75) + 2, Y(0.5) - 2)).toBe(HISTOGRAM_COLOURS.threshold.join(','));
    expect(px(X(0) + 1, Y(0) - 1)).toBe(HISTOGRAM_COLOURS.best.join(','));
    // off the curve: white above the run, light grey on the diagonal, black on the frame's top
    expect(px(X(0.5), Y(0.8))).toBe('255,255,255');
    expect(px(X(0.3), Y(0.3))).toBe('220,220,220');
    expect(px(X(0.5), Y(1))).toBe('0,0,0');
    let curve = 0;
    for (let i = 0; i < png.data.length; i += 4) if (`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}` === roc) curve++;
    // about the curve's length in pixels: 1/4 x 1/2 diagonal (~size/2), 3/4 across, 1/2 up
    expect(curve).toBeGreaterThan(L.size * 1.6);
    expect(curve).toBeLessThan(L.size * 1.9);
  });

  it('a perfect separation runs up the left edge and along the top', () => {
    const p = evaluatePairs([at(0), at(0.1), at(2), at(2.1)], [0, 0, 1, 1]);
    const img = PNG.sync.read(Buffer.from(calibrationPng(p)));
    const c = (x: number, y: number): string => `${img.data[4 * (y * img.width + x)]},${img.data[4 * (y * img.width + x) + 1]},${img.data[4 * (y * img.width + x) + 2]}`;
    for (const tar of [0.2, 0.5, 0.9]) expect(c(X(0), Y(tar))).toBe(roc);
    for (const far of [0.2, 0.5, 0.9]) expect(c(X(far), Y(1))).toBe(roc);
  });
});
