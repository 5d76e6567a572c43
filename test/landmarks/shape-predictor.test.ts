/**
 * Unit tests of src/landmarks/shape-predictor.ts on small hand-made models (the 68-point model
 * against live dlib is in test/parity/landmarks-parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ShapePredictor } from '../../src/dlib/shape-predictor.js';
import { ShapePredictorModel, similarityTransformMatrix, unnormalizingTform } from '../../src/landmarks/index.js';

describe('similarityTransformMatrix (find_similarity_transform, matrix part, as float)', () => {
  const from = new Float32Array([0, 0, 1, 0, 1, 1, 0, 1]);
  it('identity between equal shapes', () => {
    expect(similarityTransformMatrix(from, from).map((v) => v + 0)).toEqual([1, 0, 0, 1]);
  });
  it('recovers a rotation by 90 degrees and scale 2 (translation is dropped)', () => {
    // to = 2 * R90 * from + (5, 7); R90 (x, y) = (-y, x)
    const to = new Float32Array(8);
    for (let i = 0; i < 4; i++) {
      to[2 * i] = -2 * from[2 * i + 1] + 5;
      to[2 * i + 1] = 2 * from[2 * i] + 7;
    }
    const m = similarityTransformMatrix(from, to);
    expect(m.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, -2, 2, 0]);
  });
  it('one point: identity; collapsed target: zero', () => {
    expect(similarityTransformMatrix(new Float32Array([0.3, 0.4]), new Float32Array([5, 6]))).toEqual([1, 0, 0, 1]);
    expect(similarityTransformMatrix(from, new Float32Array(8).fill(0.5))).toEqual([0, 0, 0, 0]);
  });
});

describe('unnormalizingTform (dlib\'s find_affine_transform via pinv)', () => {
  it('maps (0,0) to the top-left and (1,1) to the bottom-right corner, with dlib\'s ~1e-14 errors', () => {
    const { m: [m00, m01, m10, m11], b: [b0, b1] } = unnormalizingTform([121, 208, 208, 294]);
    expect([m00, m01, m10, m11, b0, b1].map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([87, 0, 0, 86, 121, 208]);
    // bit patterns dlib 19.24 prints for this rect
    expect(m00).toBe(86.999999999999929);
    expect(b0).toBe(121.0000000000001);
    expect(m11).toBe(85.999999999999886);
  });
});

/** One cascade, one depth-1 tree on feature pixels 0 and 1, two parts. */
function tinyModel(): ShapePredictor {
  return {
    version: 1,
    initialShape: new Float32Array([0.25, 0.5, 0.75, 0.5]),
    forests: [
      [
        {
          splitIdx1: Uint32Array.of(0),
          splitIdx2: Uint32Array.of(1),
          splitThresh: Float32Array.of(10),
          numLeaves: 2,
          leafSize: 4,
          // left leaf (pix0 - pix1 > 10): move part 0 right by 0.25; right leaf: move part 1 down.
          leafValues: Float32Array.of(0.25, 0, 0, 0, 0, 0, 0, 0.25),
        },
      ],
    ],
    anchorIdx: [Uint32Array.of(0, 1)],
    deltas: [Float32Array.of(0, 0, 0, 0)],
  };
}

describe('ShapePredictorModel.predict', () => {
  const sp = new ShapePredictorModel(tinyModel());
  const gray = (w: number, h: number, f: (x: number, y: number) => number) => {
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
    return { width: w, height: h, data };
  };

  it('walks the tree on pixel differences at the anchored positions and maps to the box', () => {
    // Box [0,0,8,8]: part 0 at (2,4), part 1 at (6,4).
    const bright0 = gray(9, 9, (x) => (x < 4 ? 200 : 10));
    const a = sp.predict(bright0, [0, 0, 8, 8]);
    expect(a.points).toEqual([[4, 4], [6, 4]]);
    expect(Array.from(a.exact)).toEqual([4, 4, 6, 4]);
    const dark0 = gray(9, 9, (x) => (x < 4 ? 10 : 200));
    expect(sp.predict(dark0, [0, 0, 8, 8]).points).toEqual([[2, 4], [6, 6]]);
  });

  it('RGB pixels are grey by dlib\'s (r + g + b) / 3, truncated', () => {
    const rgb = { width: 9, height: 9, data: new Uint8Array(9 * 9 * 3) };
    for (let y = 0; y < 9; y++)
      for (let x = 0; x < 9; x++) {
        const k = 3 * (y * 9 + x);
        // left: (30 + 0 + 2) / 3 = 10.67 -> 10; right: 0 -> 10 - 0 = 10, not > 10 (it is, untruncated)
        if (x < 4) rgb.data.set([30, 0, 2], k);
      }
    expect(sp.predict(rgb, [0, 0, 8, 8]).points).toEqual([[2, 4], [6, 6]]);
  });

  it('pixels outside the image are 0; boxes outside or degenerate do not throw', () => {
    const img = gray(4, 4, () => 100);
    // all feature pixels 0 -> right leaf; -87.5 and -62.5 round up as floor(v + 0.5)
    expect(sp.predict(img, [-100, -100, -50, -50]).points).toEqual([[-87, -75], [-62, -62]]);
    expect(() => sp.predict(img, [2, 2, 2, 2])).not.toThrow();
    expect(sp.predict(img, [2, 2, 2, 2]).points).toEqual([[2, 2], [2, 2]]);
  });

  it('rejects image data of the wrong size and malformed models', () => {
    expect(() => sp.predict({ width: 3, height: 3, data: new Uint8Array(5) }, [0, 0, 2, 2])).toThrow(/not 9/);
    const bad = tinyModel();
    bad.anchorIdx[0][1] = 7;
    expect(() => new ShapePredictorModel(bad)).toThrow(/not a part/);
  });
});
