import { describe, expect, test } from 'vitest';
import { channelsOf, grayToRgb, rgbaToRgb, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';

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
    expect(rgb).toEqual({ width: 3, height: 1, data: Uint8Array.of(0, 0, 0, 128, 128, 128, 255, 255, 255), channels: 3 });
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

describe('channelsOf (the one channel count of an image)', () => {
  const image = (width: number, height: number, ch: number): { width: number; height: number; data: Uint8Array } =>
    ({ width, height, data: new Uint8Array(width * height * ch) });

  test('without a channels field: decided by data length; a 0-pixel image is grey', () => {
    expect(channelsOf(image(4, 3, 3))).toBe(3);
    expect(channelsOf(image(4, 3, 1))).toBe(1);
    expect(channelsOf({ width: 0, height: 5, data: new Uint8Array(0) })).toBe(1);
    expect(channelsOf({ width: 0, height: 0, data: new Uint8Array(0) })).toBe(1);
  });

  test('with a channels field: that count, also for a 0-pixel image, checked against the data length', () => {
    expect(channelsOf({ width: 0, height: 0, data: new Uint8Array(0), channels: 3 })).toBe(3);
    expect(channelsOf({ width: 2, height: 1, data: new Uint8Array(2), channels: 1 })).toBe(1);
    expect(() => channelsOf({ width: 2, height: 1, data: new Uint8Array(2), channels: 3 })).toThrow(/with 3 channels needs 6/);
    expect(() => channelsOf({ ...image(1, 1, 1), channels: 2 } as unknown as GrayImage)).toThrow(RangeError);
  });

  test('rejects other lengths and bad sizes', () => {
    expect(() => channelsOf({ width: 4, height: 3, data: new Uint8Array(24) })).toThrow(/needs 12 \(grey\) or 36 \(RGB\)/);
    expect(() => channelsOf({ width: 1.5, height: 3, data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => channelsOf({ width: -1, height: 3, data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => channelsOf(null as unknown as RgbImage)).toThrow(TypeError);
  });

  test('the converters set the field; a GrayImage is not an RgbImage to the compiler', () => {
    const rgb = image(2, 2, 3);
    const gray = rgbToGray(rgb);
    expect(gray.channels).toBe(1);
    expect(grayToRgb(gray).channels).toBe(3);
    expect(rgbaToRgb(image(2, 2, 4)).channels).toBe(3);
    // @ts-expect-error a GrayImage (channels 1) cannot be passed as an RgbImage
    expect(() => rgbToGray(gray)).toThrow(RangeError);
  });
});
