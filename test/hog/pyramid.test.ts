/**
 * Unit tests of src/hog/pyramid.ts without dlib: sizes, edge cases and documented quirks (the
 * coordinate maps' algebra: test/geometry/pyramid-maps.test.ts). Pixel identity with dlib is in
 * test/parity/fhog-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { pyramidDown, pyramidDownSize, pyramidUp, resizeBilinear, type HogImage } from '../../src/hog/index.js';

function image(width: number, height: number, ch: 1 | 3, fill: (i: number) => number): HogImage {
  const data = new Uint8Array(width * height * ch);
  for (let i = 0; i < data.length; i++) data[i] = fill(i) & 255;
  return { width, height, data };
}

describe('pyramidDown (pyramid_down<N>, N >= 4)', () => {
  it('sizes are floor((N-1)/N * size)', () => {
    expect(pyramidDownSize(100, 50)).toEqual({ width: 83, height: 41 });
    expect(pyramidDownSize(1986, 1545)).toEqual({ width: 1655, height: 1287 });
    expect(pyramidDownSize(6, 5)).toEqual({ width: 5, height: 4 });
    expect(pyramidDownSize(1, 1)).toEqual({ width: 0, height: 0 });
    expect(pyramidDownSize(100, 50, 4)).toEqual({ width: 75, height: 37 });
    const d = pyramidDown(image(101, 37, 3, (i) => i * 7));
    expect([d.width, d.height, d.data.length]).toEqual([84, 30, 84 * 30 * 3]);
  });

  it('a 1-pixel side gives an empty image; 2x2 gives 1x1', () => {
    for (const ch of [1, 3] as const) {
      const e = pyramidDown(image(1, 40, ch, () => 9));
      expect([e.width, e.height, e.data.length]).toEqual([0, 33, 0]);
      const one = pyramidDown(image(2, 2, ch, (i) => i * 50));
      expect([one.width, one.height]).toEqual([1, 1]);
      // the single output pixel samples the top-left input pixel exactly
      expect(Array.from(one.data)).toEqual(ch === 1 ? [0] : [0, 50, 100]);
      expect(pyramidDown(pyramidDown(e)).data.length).toBe(0);
    }
  });

  it('grey constants stay constant; RGB constants may lose 1 (dlib truncates float32 sums in its SIMD part)', () => {
    for (const v of [0, 1, 128, 255]) {
      const g = pyramidDown(image(97, 61, 1, () => v));
      expect(new Set(g.data)).toEqual(new Set([v]));
      const c = pyramidDown(image(97, 61, 3, () => v));
      for (const p of c.data) expect(v - p === 0 || v - p === 1).toBe(true);
    }
    // the parity suite checks this quirk against dlib on a constant 50x31 image
    expect(new Set(pyramidDown(image(97, 61, 3, () => 255)).data)).toEqual(new Set([255, 254]));
  });

  it('rejects N < 4 (pyramid_down<2>/<3> filter instead of resizing) and bad images', () => {
    expect(() => pyramidDown(image(10, 10, 3, () => 0), 2)).toThrow(/N >= 4/);
    expect(() => pyramidDown(image(10, 10, 3, () => 0), 3)).toThrow(/N >= 4/);
    expect(() => pyramidDown({ width: 10, height: 10, data: new Uint8Array(7) })).toThrow(RangeError);
  });

  it('does not modify its input and is deterministic', () => {
    const img = image(45, 33, 3, (i) => (i * 2654435761) >>> 24);
    const copy = img.data.slice();
    const a = pyramidDown(img);
    const b = pyramidDown(img);
    expect(img.data).toEqual(copy);
    expect(a.data).toEqual(b.data);
  });
});

describe('resizeBilinear', () => {
  it('same size is the identity (RGB and grey)', () => {
    for (const ch of [1, 3] as const) {
      const img = image(37, 23, ch, (i) => (i * 40503) >>> 3);
      expect(resizeBilinear(img, 37, 23).data).toEqual(img.data);
    }
  });
  it('empty input or output gives zeros of the requested size', () => {
    expect(resizeBilinear(image(5, 5, 3, () => 7), 0, 4).data.length).toBe(0);
    const z = resizeBilinear({ width: 0, height: 0, data: new Uint8Array(0) }, 3, 2);
    expect([z.width, z.height, Array.from(z.data)]).toEqual([3, 2, [0, 0, 0, 0, 0, 0]]);
  });
  it('rejects bad output sizes', () => {
    expect(() => resizeBilinear(image(5, 5, 1, () => 0), -1, 2)).toThrow(RangeError);
    expect(() => resizeBilinear(image(5, 5, 1, () => 0), 2.5, 2)).toThrow(RangeError);
  });
});

describe('pyramidUp (pyramid_up with pyramid_down<2>)', () => {
  it('output is (2h+1) x (2w+2), like dlib', () => {
    for (const [w, h] of [[1, 1], [2, 3], [640, 480], [17, 5]]) {
      for (const ch of [1, 3] as const) {
        const u = pyramidUp(image(w, h, ch, (i) => i));
        expect([u.width, u.height, u.data.length]).toEqual([2 * w + 2, 2 * h + 1, (2 * w + 2) * (2 * h + 1) * ch]);
      }
    }
  });
  it('an empty image stays empty; a 1x1 image becomes a constant 4x3 one', () => {
    expect(pyramidUp({ width: 0, height: 0, data: new Uint8Array(0) }).data.length).toBe(0);
    const u = pyramidUp(image(1, 1, 1, () => 77));
    expect(new Set(u.data)).toEqual(new Set([77]));
  });
});
