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

  it('a line\'s pixel at step k is the exact point rounded, halves up, so either end may start it', () => {
    // Every segment between two pixels of a 9x9 grid: the pixels lit are exactly those of the
    // rounded exact points, computed here in integers (floor((2p + n) / 2n) is p/n rounded,
    // halves up), and the same set when drawn from the other end.
    const rounded = (num: number, n: number): number => Math.floor((2 * num + n) / (2 * n));
    let ties = 0;
    for (let a = 0; a < 81; a++) {
      for (let b = 0; b < 81; b++) {
        const [x0, y0, x1, y1] = [a % 9, Math.floor(a / 9), b % 9, Math.floor(b / 9)];
        const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
        const want = new Set<string>();
        for (let k = 0; k <= n; k++) {
          want.add(`${rounded(x0 * n + (x1 - x0) * k, n)},${rounded(y0 * n + (y1 - y0) * k, n)}`);
          if ((2 * (x1 - x0) * k) % (2 * n) === n || (2 * (y1 - y0) * k) % (2 * n) === n) ties++;
        }
        for (const [p, q] of [[[x0, y0], [x1, y1]], [[x1, y1], [x0, y0]]] as const) {
          const img = blank(9, 9);
          drawLine(img, p[0], p[1], q[0], q[1], RED);
          expect(new Set(lit(img).map(([x, y]) => `${x},${y}`)), `${p} -> ${q}`).toEqual(want);
        }
      }
    }
    expect(ties).toBeGreaterThan(100); // half-way points occur, and are rounded alike both ways
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
