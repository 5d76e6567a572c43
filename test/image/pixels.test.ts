import { describe, expect, test } from 'vitest';
import { grayToRgb, rgbaToRgb, rgbToGray } from '../../src/image/index.js';

describe('rgbToGray (dlib assign_pixel(unsigned char, rgb_pixel))', () => {
  test('is the truncating integer mean (r+g+b)/3', () => {
    const px = [
      [0, 0, 0, 0], [255, 255, 255, 255], [1, 1, 0, 0], [1, 1, 1, 1], [2, 2, 1, 1],
      [255, 255, 254, 254], [255, 0, 0, 85], [0, 255, 1, 85], [10, 20, 31, 20], [100, 101, 101, 100],
    ];
    const img = { width: px.length, height: 1, data: Uint8Array.from(px.flatMap((p) => p.slice(0, 3))) };
    const gray = rgbToGray(img);
    expect(gray.width).toBe(px.length);
    expect(gray.height).toBe(1);
    expect(Array.from(gray.data)).toEqual(px.map((p) => p[3]));
  });

  test('matches floor((r+g+b)/3) for every channel sum', () => {
    // Every sum 0..765 once, spread over the channels.
    const n = 766;
    const data = new Uint8Array(n * 3);
    for (let s = 0; s < n; s++) {
      const r = Math.min(255, s);
      const g = Math.min(255, s - r);
      const b = s - r - g;
      data.set([r, g, b], s * 3);
    }
    const gray = rgbToGray({ width: n, height: 1, data });
    for (let s = 0; s < n; s++) expect(gray.data[s]).toBe(Math.floor(s / 3));
  });

  test('rejects malformed images', () => {
    expect(() => rgbToGray({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(RangeError);
    expect(() => rgbToGray({ width: 0, height: 2, data: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('grayToRgb', () => {
  test('copies grey into all three channels', () => {
    const rgb = grayToRgb({ width: 3, height: 1, data: Uint8Array.of(0, 128, 255) });
    expect(rgb).toEqual({ width: 3, height: 1, data: Uint8Array.of(0, 0, 0, 128, 128, 128, 255, 255, 255) });
  });

  test('round-trips through rgbToGray', () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(rgbToGray(grayToRgb({ width: 16, height: 16, data })).data).toEqual(data);
  });
});

describe('rgbaToRgb (dlib assign_pixel(rgb_pixel, rgb_alpha_pixel) onto black)', () => {
  test('copies opaque pixels and blends the rest with (c * alpha) >> 8', () => {
    const px = [
      [[200, 100, 50, 255], [200, 100, 50]],
      [[255, 255, 255, 254], [253, 253, 253]], // >> 8, not / 255
      [[200, 100, 50, 128], [100, 50, 25]],
      [[255, 128, 1, 0], [0, 0, 0]],
      [[255, 255, 255, 1], [0, 0, 0]],
      [[255, 255, 255, 2], [1, 1, 1]],
    ] as const;
    const img = { width: px.length, height: 1, data: Uint8Array.from(px.flatMap(([i]) => i)) };
    expect(Array.from(rgbaToRgb(img).data)).toEqual(px.flatMap(([, o]) => o));
  });
});
