import { describe, expect, it } from 'vitest';
import { annotateFaces, drawLine, drawRectangle, faceShapeSegments } from '../../src/image/draw.js';
import type { RgbImage } from '../../src/image/index.js';

const blank = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3) });
const lit = (img: RgbImage): [number, number][] => {
  const out: [number, number][] = [];
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (img.data[(y * img.width + x) * 3] !== 0) out.push([x, y]);
  return out;
};
const RED = [255, 0, 0] as const;

describe('drawing', () => {
  it('a line covers both end points and one pixel per step along its major axis', () => {
    const img = blank(10, 10);
    drawLine(img, 1, 2, 8, 5, RED);
    const px = lit(img);
    expect(px).toContainEqual([1, 2]);
    expect(px).toContainEqual([8, 5]);
    expect(px).toHaveLength(8);
    expect(new Set(px.map(([x]) => x)).size).toBe(8);
  });

  it('clips to the image, including far-away coordinates, without looping over them', () => {
    const img = blank(5, 5);
    drawLine(img, -1e9, 2, 1e9, 2, RED);
    drawLine(img, -100, -100, -50, -50, RED);
    expect(lit(img)).toEqual([[0, 2], [1, 2], [2, 2], [3, 2], [4, 2]]);
  });

  it('a rectangle outline is drawn on dlib\'s inclusive corners and grows inwards', () => {
    const img = blank(8, 8);
    drawRectangle(img, [1, 1, 6, 5], RED);
    const px = lit(img);
    expect(px).toHaveLength(2 * 6 + 2 * 3);
    expect(px).toContainEqual([1, 1]);
    expect(px).toContainEqual([6, 5]);
    const thick = blank(8, 8);
    drawRectangle(thick, [1, 1, 6, 6], RED, 2);
    expect(lit(thick)).toHaveLength(36 - 4);
  });

  it('face outlines use dlib render_face_detections segments', () => {
    expect(faceShapeSegments(68)).toHaveLength(65);
    expect(faceShapeSegments(68)).toContainEqual([30, 35]);
    expect(faceShapeSegments(68)).toContainEqual([60, 67]);
    expect(faceShapeSegments(5)).toEqual([[0, 1], [1, 4], [4, 3], [3, 2]]);
    expect(faceShapeSegments(7)).toEqual([]);
  });

  it('annotateFaces leaves the input untouched and draws boxes green', () => {
    const img = blank(20, 20);
    const out = annotateFaces(img, [{ rect: [2, 2, 15, 15], landmarks: [[5, 5], [10, 10], [12, 5], [8, 12], [9, 9]] }]);
    expect(img.data.every((v) => v === 0)).toBe(true);
    expect([...out.data.subarray((2 * 20 + 2) * 3, (2 * 20 + 2) * 3 + 3)]).toEqual([0, 255, 0]);
    expect([...out.data.subarray((9 * 20 + 9) * 3, (9 * 20 + 9) * 3 + 3)]).toEqual([255, 0, 0]);
  });
});
