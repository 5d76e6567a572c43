/**
 * Unit tests of src/hog/fhog.ts without dlib: output shapes (cells, paddings, tiny / wide / tall
 * images), option checks, documented behaviour (grey vs RGB, constant images, orientation
 * bins). (The image<->fHOG coordinate maps: test/geometry/fhog-maps.test.ts.) Bit-identity with dlib is in
 * test/parity/fhog-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  extractFhog, FHOG_PLANES, simdColumnsEnd,
  type FhogMap, type HogImage,
} from '../../src/hog/index.js';
import { grayToRgb } from '../../src/image/index.js';

function image(width: number, height: number, ch: 1 | 3, fill: (x: number, y: number, c: number) => number): HogImage {
  const data = new Uint8Array(width * height * ch);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < ch; c++) data[(y * width + x) * ch + c] = fill(x, y, c) & 255;
  return { width, height, data };
}

const noise = (seed: number) => (x: number, y: number, c: number): number =>
  (Math.imul(x * 73856093 ^ y * 19349663 ^ (c + seed) * 83492791, 2654435761) >>> 24);

function shape(m: FhogMap): [number, number, number, boolean] {
  return [m.rows, m.cols, m.planes.length, m.planes.every((p) => p.length === m.rows * m.cols)];
}

describe('extractFhog output shape', () => {
  it('cells = round(size / cell); planes are (cells - 2 + padding - 1) each way', () => {
    const img = image(64, 48, 3, noise(1));
    expect(shape(extractFhog(img))).toEqual([4, 6, 31, true]);
    expect(shape(extractFhog(img, { filterRowsPadding: 6, filterColsPadding: 5 }))).toEqual([9, 10, 31, true]);
    // 20 / 8 = 2.5 rounds to 3 cells (dlib: (int)(20.f/8.f + 0.5)), 19 / 8 = 2.375 to 2
    expect(shape(extractFhog(image(20, 20, 3, noise(2))))).toEqual([1, 1, 31, true]);
    expect(shape(extractFhog(image(19, 20, 3, noise(2))))).toEqual([0, 0, 31, true]);
    expect(shape(extractFhog(image(1986, 1545, 1, noise(3))))).toEqual([191, 246, 31, true]);
  });

  it('cell size 1: (H-2) x (W-2) planes', () => {
    expect(shape(extractFhog(image(10, 7, 3, noise(4)), { cellSize: 1 }))).toEqual([5, 8, 31, true]);
    expect(shape(extractFhog(image(3, 3, 1, noise(4)), { cellSize: 1, filterRowsPadding: 3 }))).toEqual([3, 1, 31, true]);
  });

  it('images too small for a feature give 31 empty planes (as dlib)', () => {
    for (const [w, h, cellSize] of [[1, 1, 8], [1, 1, 1], [2, 2, 1], [7, 7, 8], [15, 40, 8], [19, 19, 8], [100, 2, 1]]) {
      for (const ch of [1, 3] as const) {
        const m = extractFhog(image(w, h, ch, noise(5)), { cellSize, filterRowsPadding: 3, filterColsPadding: 2 });
        expect(shape(m), `${w}x${h} cell ${cellSize}`).toEqual([0, 0, FHOG_PLANES, true]);
      }
    }
  });

  it('very wide and very tall images', () => {
    expect(shape(extractFhog(image(4000, 3, 3, noise(6))))).toEqual([0, 0, 31, true]);
    expect(shape(extractFhog(image(4000, 3, 3, noise(6)), { cellSize: 1 }))).toEqual([1, 3998, 31, true]);
    expect(shape(extractFhog(image(24, 4000, 1, noise(6))))).toEqual([498, 1, 31, true]);
    expect(shape(extractFhog(image(4001, 24, 1, noise(6))))).toEqual([1, 498, 31, true]);
  });

  it('padding: features sit at ((pr-1)/2, (pc-1)/2) with zeros around, same values as unpadded', () => {
    const img = image(80, 56, 3, noise(7));
    const a = extractFhog(img);
    const b = extractFhog(img, { filterRowsPadding: 4, filterColsPadding: 7 });
    expect([b.rows, b.cols]).toEqual([a.rows + 3, a.cols + 6]);
    for (let p = 0; p < 31; p++) {
      for (let r = 0; r < b.rows; r++) {
        for (let c = 0; c < b.cols; c++) {
          const inside = r >= 1 && r < 1 + a.rows && c >= 3 && c < 3 + a.cols;
          const v = b.planes[p][r * b.cols + c];
          expect(v).toBe(inside ? a.planes[p][(r - 1) * a.cols + (c - 3)] : 0);
        }
      }
    }
  });
});

describe('extractFhog values', () => {
  it('a constant image has all-zero features', () => {
    for (const cellSize of [8, 3, 1]) {
      const m = extractFhog(image(50, 40, 3, () => 200), { cellSize });
      expect(m.planes.every((p) => p.every((v) => v === 0))).toBe(true);
    }
  });

  it('grey input equals the same grey replicated into RGB (r = g = b)', () => {
    const grey = image(83, 61, 1, noise(8));
    const rgb = grayToRgb({ width: grey.width, height: grey.height, data: grey.data });
    for (const cellSize of [8, 4, 1]) {
      const a = extractFhog(grey, { cellSize });
      const b = extractFhog(rgb, { cellSize });
      expect(b.planes).toEqual(a.planes);
    }
  });

  it('RGB uses, per pixel, the channel with the strongest gradient', () => {
    // the edge is only in the blue channel: RGB features equal those of the blue plane alone
    const rgb = image(48, 40, 3, (x, y, c) => (c === 2 ? (x * 5 + y * 3) % 256 : 90));
    const blue = image(48, 40, 1, (x, y) => (x * 5 + y * 3) % 256);
    expect(extractFhog(rgb).planes).toEqual(extractFhog(blue).planes);
  });

  it('features are non-negative and bounded (each of 4 clamped normalisations <= 0.1)', () => {
    const m = extractFhog(image(120, 90, 3, noise(9)));
    for (let p = 0; p < 27; p++) for (const v of m.planes[p]) expect(v >= 0 && v <= 0.4 + 1e-6).toBe(true);
    for (let p = 27; p < 31; p++) for (const v of m.planes[p]) expect(v >= 0 && v <= 18 * 0.1 * 0.4714 + 1e-6).toBe(true);
  });

  it('a vertical edge (dark left, bright right) votes into orientation 0 only', () => {
    const m = extractFhog(image(64, 64, 1, (x) => (x < 32 ? 20 : 220)));
    const sum = (p: number): number => m.planes[p].reduce((s, v) => s + v, 0);
    expect(sum(0)).toBeGreaterThan(0);
    expect(sum(18)).toBeCloseTo(sum(0), 5); // contrast-insensitive bin of the same orientation
    for (let p = 1; p < 18; p++) expect(sum(p), `plane ${p}`).toBe(0);
    // the mirrored edge points the other way: orientation 9 (180 degrees)
    const mirrored = extractFhog(image(64, 64, 1, (x) => (x < 32 ? 220 : 20)));
    expect(mirrored.planes[9].reduce((s, v) => s + v, 0)).toBeCloseTo(sum(0), 5);
    expect(mirrored.planes[0].every((v) => v === 0)).toBe(true);
  });

  it('does not modify its input; deterministic', () => {
    const img = image(70, 50, 3, noise(10));
    const copy = img.data.slice();
    const a = extractFhog(img);
    expect(img.data).toEqual(copy);
    expect(extractFhog(img).planes).toEqual(a.planes);
  });
});

describe('extractFhog options', () => {
  it('rejects non-integer or < 1 cell sizes and paddings, and bad images', () => {
    const img = image(30, 30, 3, noise(11));
    for (const bad of [0, -1, 2.5, NaN]) {
      expect(() => extractFhog(img, { cellSize: bad })).toThrow(RangeError);
      expect(() => extractFhog(img, { filterRowsPadding: bad })).toThrow(RangeError);
      expect(() => extractFhog(img, { filterColsPadding: bad })).toThrow(RangeError);
    }
    expect(() => extractFhog({ width: 30, height: 30, data: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => extractFhog(img, { backend: 'gpu' as 'wasm' })).toThrow(/unknown fhog backend/);
  });

  it('simdColumnsEnd: dlib handles columns 1, 9, 17, ... in blocks of 8 while x < visible - 7', () => {
    expect(simdColumnsEnd(8)).toBe(1); // 1 < 1 is false: all scalar
    expect(simdColumnsEnd(9)).toBe(9); // one block (1..8)
    expect(simdColumnsEnd(16)).toBe(9);
    expect(simdColumnsEnd(17)).toBe(17);
  });
});
