/**
 * The HOG detector's API and edge cases: images smaller than the 80x80 window, 1-pixel-thin
 * images, grey and RGBA-derived input, bad arguments. The same kind of cases against live dlib
 * (every image that fits in a PNG): test/parity/detector-edges-parity.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { boxesOverlap, loadFrontalFaceDetector, type FhogDetector } from '../../src/hog/detector.js';
import { readImageSync, rgbToGray, type RgbImage } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';

let det: FhogDetector;
beforeAll(() => {
  det = loadFrontalFaceDetector();
});

/** A synthetic RGB image with some structure (gradients and a bright square). */
function synthetic(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + y * 3) & 255;
      data[i + 1] = (x * y) & 255;
      data[i + 2] = x % 17 < 8 ? 200 : 30;
    }
  }
  return { width, height, data };
}

describe('FhogDetector API', () => {
  it('loads dlib\'s frontal face detector: 5 filters of 10x10 cells, separable path', () => {
    expect(det.banks).toHaveLength(5);
    expect([det.filterWidth, det.filterHeight]).toEqual([10, 10]);
    expect(det.banks.every((b) => b.separable)).toBe(true);
  });

  it.each([
    [0, 0], [1, 1], [1, 5000], [5000, 1], [3, 200], [200, 3], [79, 79], [40, 300],
  ])('a %ix%i image: no crash, no faces (RGB and grey, upsample 0-2)', (w, h) => {
    const img = synthetic(w, h);
    for (const upsample of [0, 1, 2]) {
      expect(det.detect(img, { upsample })).toEqual([]);
      if (w * h > 0) expect(det.detect(rgbToGray(img), { upsample })).toEqual([]);
    }
  });

  it('the WebAssembly and TypeScript fHOG backends give the same detections', () => {
    const src = readImageSync(exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!);
    for (const upsample of [0, 1]) {
      const wasm = det.detect(src, { upsample, adjustThreshold: -0.5, backend: 'wasm' });
      expect(wasm.length).toBeGreaterThan(0);
      expect(det.detect(src, { upsample, adjustThreshold: -0.5, backend: 'reference' })).toEqual(wasm);
    }
  });

  it('refuses bad arguments with a RangeError', () => {
    const img = synthetic(10, 10);
    expect(() => det.detect({ width: 10, height: 10, data: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => det.detect(img, { upsample: -1 })).toThrow(RangeError);
    expect(() => det.detect(img, { upsample: 1.5 })).toThrow(RangeError);
    expect(() => det.detect(img, { adjustThreshold: Number.NaN })).toThrow(RangeError);
  });

  it('a missing detector file is a one-line FacemetricError naming it', () => {
    expect(() => loadFrontalFaceDetector('/nonexistent/detector.svm')).toThrow(FacemetricError);
    expect(() => loadFrontalFaceDetector('/nonexistent/detector.svm')).toThrow(/\/nonexistent\/detector.svm/);
  });

  it('test_box_overlap: IoU and percent-covered rules', () => {
    expect(boxesOverlap([0, 0, 9, 9], [20, 20, 29, 29], 0.5, 1)).toBe(false);
    expect(boxesOverlap([0, 0, 9, 9], [0, 0, 9, 9], 0.5, 1)).toBe(true);
    // inner 50, union 150: IoU 1/3.
    expect(boxesOverlap([0, 0, 9, 9], [5, 0, 14, 9], 0.3, 1)).toBe(true);
    expect(boxesOverlap([0, 0, 9, 9], [5, 0, 14, 9], 0.4, 1)).toBe(false);
    // a small box inside a big one: covered 100% > 0.9.
    expect(boxesOverlap([0, 0, 99, 99], [10, 10, 19, 19], 0.9, 0.9)).toBe(true);
    expect(boxesOverlap([0, 0, 99, 99], [10, 10, 19, 19], 0.9, 1)).toBe(false);
  });
});
