/**
 * Unit tests of src/image/chips.ts that need no dlib (the parity suite compares with dlib).
 */
import { describe, expect, it } from 'vitest';
import type { GrayImage, RgbImage } from '../../src/image/index.js';
import { chipDetailsFromPoints, extractImageChip, getFaceChipDetails, pyramidDown2 } from '../../src/image/chips.js';

function ramp(width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x * 3 + y * 5) & 255;
  return { width, height, data };
}

describe('getFaceChipDetails', () => {
  it('rejects shapes that are neither 5 nor 68 points', () => {
    expect(() => getFaceChipDetails([[0, 0]])).toThrow(RangeError);
  });
  it('maps the template itself to an upright chip of the template size', () => {
    const d = chipDetailsFromPoints([[0, 0], [10, 0], [0, 10]], [[100, 100], [120, 100], [100, 120]], 50, 50);
    expect(d.angle).toBeCloseTo(0, 14);
    expect(d.rows).toBe(50);
    expect(d.cols).toBe(50);
    // centre maps (25,25) -> (150,150); size 50*2 = 100 -> centered_drect half-width 49.5
    expect(d.rect[0]).toBeCloseTo(100.5, 12);
    expect(d.rect[2]).toBeCloseTo(199.5, 12);
  });
  it('a rotated 5-point shape gives the rotation angle', () => {
    const base: [number, number][] = [[200, 100], [160, 102], [60, 100], [100, 102], [130, 180]];
    const a = 0.2;
    const rot = base.map(([x, y]) => [Math.round(Math.cos(a) * x - Math.sin(a) * y), Math.round(Math.sin(a) * x + Math.cos(a) * y)] as [number, number]);
    const d0 = getFaceChipDetails(base);
    const d1 = getFaceChipDetails(rot);
    expect(d1.angle - d0.angle).toBeCloseTo(a, 2);
  });
});

describe('pyramidDown2', () => {
  it('has dlib\'s size and keeps a constant image constant', () => {
    const img = { w: 21, h: 13, ch: 3, data: new Uint8Array(21 * 13 * 3).fill(200) };
    const d = pyramidDown2(img);
    expect([d.w, d.h]).toEqual([9, 5]);
    expect(d.data.every((v) => v === 200)).toBe(true);
    expect(pyramidDown2({ w: 8, h: 100, ch: 1, data: new Uint8Array(800) }).w).toBe(0);
  });
});

describe('extractImageChip', () => {
  it('copies when the details are an unrotated, unscaled integer rectangle (zero outside)', () => {
    const img = ramp(20, 10);
    const chip = extractImageChip(img, { rect: [-2, 3, 5, 12], angle: 0, rows: 10, cols: 8 });
    expect([chip.width, chip.height]).toEqual([8, 10]);
    expect(chip.data[0]).toBe(0); // x = -2
    expect(chip.data[2]).toBe(img.data[3 * 20 + 0]);
    expect(chip.data[7 * 8 + 2]).toBe(0); // y = 10
  });
  it('an identity-scale chip through the bilinear path reproduces the pixels', () => {
    const img = ramp(40, 30);
    // 11 cols over a rect 10 wide: scale, so not the copy path, but integer sample points
    const chip = extractImageChip(img, { rect: [5, 5, 15, 15], angle: 0, rows: 11, cols: 11 });
    expect(chip.data[0]).toBe(img.data[5 * 40 + 5]);
    expect(chip.data[10]).toBe(img.data[5 * 40 + 15]);
    expect(chip.data[10 * 11]).toBe(img.data[15 * 40 + 5]);
    expect(chip.data[3 * 11 + 7]).toBe(img.data[8 * 40 + 12]);
  });
  it('keeps the channel count and zeroes what falls outside', () => {
    const rgb: RgbImage = { width: 30, height: 30, data: new Uint8Array(30 * 30 * 3).fill(77) };
    const chip = extractImageChip(rgb, { rect: [20, 20, 39.5, 39.5], angle: 0.1, rows: 12, cols: 12 });
    expect(chip.data.length).toBe(12 * 12 * 3);
    expect(chip.data[0]).toBe(77);
    expect(chip.data[chip.data.length - 1]).toBe(0);
  });
});
