/** Tests of src/dlib/object-detector.ts (dlib/image_processing/object_detector.h, scan_fhog_pyramid.h). */
import { describe, expect, it } from 'vitest';
import {
  detectorFilters, fhogWindowSize, readFhogObjectDetector, writeFhogObjectDetector, type FhogObjectDetector,
} from '../../src/dlib/object-detector.js';
import { detectorPath, firstDifference, readBytes, errorOf } from './fixtures.js';

/** A small synthetic detector: 16x16 window, cell 8, padding 1 -> 4x4 fhog filter. */
function tiny(version: 1 | 2 = 2, n = 2): FhogObjectDetector {
  const dims = 4 * 4 * 31;
  return {
    version,
    scanner: {
      version: 1, feats: { maxSize: 0, images: [] }, cellSize: 8, padding: 1, windowWidth: 16, windowHeight: 16,
      maxPyramidLevels: 1000, minPyramidLayerWidth: 64, minPyramidLayerHeight: 64, nuclearNormRegularizationStrength: 0, numDimensions: dims,
    },
    boxOverlap: { iouThresh: 0.5, percentCoveredThresh: 1 },
    weights: Array.from({ length: n }, (_, k) => Float64Array.from({ length: dims + 1 }, (_, i) => Math.sin(i + k) / 7)),
  };
}

describe('frontal face detector (dlib-written)', () => {
  it('reads all fields and round-trips byte-identically', () => {
    const det = detectorPath();
    const bytes = readBytes(det);
    const d = readFhogObjectDetector(bytes, det);
    expect(d.version).toBe(2);
    expect(d.scanner).toMatchObject({
      cellSize: 8, padding: 0, windowWidth: 80, windowHeight: 80, maxPyramidLevels: 1000,
      minPyramidLayerWidth: 64, minPyramidLayerHeight: 64, nuclearNormRegularizationStrength: 9, numDimensions: 3100,
    });
    expect(d.scanner.feats.images).toHaveLength(0);
    expect(d.boxOverlap.iouThresh).toBeCloseTo(0.3300821, 6);
    expect(d.boxOverlap.percentCoveredThresh).toBeCloseTo(0.7885714, 6);
    expect(d.weights).toHaveLength(5);
    for (const w of d.weights) expect(w.length).toBe(3101);
    const f = detectorFilters(d, 0);
    expect([f.width, f.height, f.planes.length, f.planes[0].length]).toEqual([10, 10, 31, 100]);
    expect(f.threshold).toBe(d.weights[0][3100]);
    expect(d.weights.map((_, i) => detectorFilters(d, i).threshold.toFixed(4))).toEqual(['3.2745', '3.9868', '3.8959', '3.5149', '3.5580']);
    expect(firstDifference(writeFhogObjectDetector(d), bytes)).toBe(-1);
  });

  it('reports truncation at any offset with the byte and what was expected', () => {
    const bytes = readBytes(detectorPath());
    for (const cut of [0, 1, 2, 5, 23, 40, 41, 1000, 77777, bytes.length - 1]) {
      const e = errorOf(() => readFhogObjectDetector(bytes.subarray(0, cut), 'cut.svm'));
      expect(e.message).toMatch(new RegExp(`^cut\\.svm: at byte \\d+: expected .*found file ends at ${cut}`));
      expect(e.offset).toBeLessThanOrEqual(cut);
    }
  });

  it('rejects trailing garbage, unknown versions and wrong dimensions', () => {
    const bytes = readBytes(detectorPath());
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    const e = errorOf(() => readFhogObjectDetector(longer, 'x.svm'));
    expect(e.message).toBe(`x.svm: at byte ${bytes.length}: expected end of file after the object_detector, found 3 more bytes (starting with 0x00)`);
    const v3 = bytes.slice();
    v3[1] = 3; // object_detector version 3
    expect(errorOf(() => readFhogObjectDetector(v3, 'x.svm')).message).toBe('x.svm: at byte 0: expected object_detector version 1 or 2, found 3 (in object_detector)');
    const s2 = bytes.slice();
    s2[3] = 2; // scan_fhog_pyramid version 2
    expect(errorOf(() => readFhogObjectDetector(s2, 'x.svm')).message).toMatch(/at byte 2: expected scan_fhog_pyramid version 1, found 2/);
  });
});

describe('synthetic detectors', () => {
  it('round-trips versions 1 and 2', () => {
    for (const v of [1, 2] as const) {
      const d = tiny(v, v === 1 ? 1 : 3);
      const bytes = writeFhogObjectDetector(d);
      const back = readFhogObjectDetector(bytes);
      expect(back).toEqual(d);
      expect(firstDifference(writeFhogObjectDetector(back), bytes)).toBe(-1);
    }
  });

  it('computes the fhog window like compute_fhog_window_size', () => {
    expect(fhogWindowSize({ windowWidth: 80, windowHeight: 80, cellSize: 8, padding: 0 })).toEqual({ width: 10, height: 10 });
    expect(fhogWindowSize({ windowWidth: 16, windowHeight: 16, cellSize: 8, padding: 1 })).toEqual({ width: 4, height: 4 });
    expect(fhogWindowSize({ windowWidth: 64, windowHeight: 48, cellSize: 8, padding: 1 })).toEqual({ width: 10, height: 8 });
  });

  it('checks num_dimensions against the window size', () => {
    const d = tiny();
    d.scanner.numDimensions = 500;
    const e = errorOf(() => readFhogObjectDetector(writeFhogObjectDetector(d), 'bad.svm'));
    expect(e.message).toMatch(/expected num_dimensions 496 \(4x4 fhog window x 31 planes\), found 500/);
  });

  it('keeps a non-empty feats cache', () => {
    const d = tiny();
    d.scanner.feats = { maxSize: 3, images: [{ maxSize: 2, planes: [{ nr: 2, nc: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) }] }] };
    const bytes = writeFhogObjectDetector(d);
    expect(readFhogObjectDetector(bytes)).toEqual(d);
  });
});
