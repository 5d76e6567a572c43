/**
 * metricLoss (src/train/loss-metric.ts) without dlib: its documented properties. Bit-exactness
 * against dlib's loss_metric_ is in test/parity/metric-parity.test.ts.
 *   - The gradient dlib returns is half the derivative of the loss it reports: central
 *     differences of the loss match 2 x gradient within dlib's test_layer criteria, and do not
 *     match the gradient itself.
 *   - A batch whose pairs all satisfy the margins has loss 0 and gradient 0.
 *   - dlib's preconditions become one-line errors.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_LOSS_DISTANCE_THRESHOLD, METRIC_LOSS_MARGIN, metricLoss } from '../../src/train/loss-metric.js';
import { randomF32 } from '../helpers/random.js';
import { testLayerVerdict } from '../helpers/grad-check.js';


describe('metricLoss', () => {
  it('exports dlib\'s defaults as floats', () => {
    expect(METRIC_LOSS_MARGIN).toBe(Math.fround(0.04));
    expect(METRIC_LOSS_DISTANCE_THRESHOLD).toBe(Math.fround(0.6));
  });

  it('the gradient is half the derivative of the reported loss (central differences)', () => {
    const k = 2;
    const labels = [1, 1, 2, 2, 3, 3, 4, 4];
    const out = randomF32(labels.length * k, 3).map((v) => Math.fround(v * 0.5));
    const { loss, gradient } = metricLoss(out, k, labels);
    expect(loss).toBeGreaterThan(0);
    const ref: number[] = [];
    for (let i = 0; i < out.length; i++) {
      const eps = Math.fround(out[i] * 0.001) || 0.001;
      const a = out.slice(); a[i] = out[i] + eps;
      const b = out.slice(); b[i] = out[i] - eps;
      ref.push((metricLoss(a, k, labels).loss - metricLoss(b, k, labels).loss) / (2 * (a[i] - out[i])));
    }
    const doubled = testLayerVerdict(ref, gradient.map((v) => 2 * v));
    expect(doubled.failures).toBe(0);
    expect(doubled.meanRel).toBeLessThanOrEqual(0.003);
    expect(testLayerVerdict(ref, gradient).failures).toBeGreaterThan(0);
    for (let i = 0; i < ref.length; i++) if (Math.abs(ref[i]) > 0.01) expect(ref[i] / gradient[i]).toBeCloseTo(2, 2);
  });

  it('pairs that satisfy the margins cost nothing', () => {
    // Two tight clusters 2 apart: positives at distance 0.1 < 0.56, negatives 2 > 0.64.
    const out = new Float32Array([0, 0, 0.1, 0, 2, 0, 2.1, 0]);
    const r = metricLoss(out, 2, [5, 5, 9, 9]);
    expect(r.loss).toBe(0);
    expect(r.gradient.every((v) => v === 0)).toBe(true);
  });

  it('rejects what dlib asserts, in one line', () => {
    const out = new Float32Array(8);
    expect(() => metricLoss(out, 2, [1, 2, 3, 4])).toThrow(/positive pairs/);
    expect(() => metricLoss(out, 2, [1, 1, 1, 1])).toThrow(/negative pairs/);
    expect(() => metricLoss(out, 3, [1, 1, 2, 2])).toThrow(/expected 4 samples x 3/);
    expect(() => metricLoss(out, 2, [1, 1, 2, 2], { margin: 0 })).toThrow(/must be > 0/);
    expect(() => metricLoss(new Float32Array(0), 2, [])).toThrow(/empty/);
  });
});
