/** The label font (src/image/font.ts): glyph pixels, scaling, clipping, widths. */
import { describe, expect, it } from 'vitest';
import { drawText, fillRect, textHeight, textWidth } from '../../src/image/font.js';
import type { RgbImage } from '../../src/image/pixels.js';

const blank = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(255), channels: 3 });
const rows = (img: RgbImage): string[] => Array.from({ length: img.height }, (_, y) =>
  Array.from({ length: img.width }, (_, x) => (img.data[3 * (y * img.width + x)] === 0 ? '#' : '.')).join(''));

describe('drawText', () => {
  it('draws 3x5 glyphs advancing 4 pixels; lower case as upper case; ? for unknown characters', () => {
    const img = blank(12, 5);
    drawText(img, 'Hi7', 0, 0, [0, 0, 0]);
    expect(rows(img)).toEqual([
      '#.#.###.###.',
      '#.#..#....#.',
      '###..#....#.',
      '#.#..#....#.',
      '#.#.###...#.',
    ]);
    const q = blank(4, 5);
    drawText(q, 'é', 0, 0, [0, 0, 0]);
    expect(rows(q)).toEqual(['###.', '..#.', '.#..', '....', '.#..']);
  });

  it('scales by whole pixels and clips to the image', () => {
    const img = blank(5, 9);
    drawText(img, 'L', -1, 0, [0, 0, 0], 2); // the left half of the stem is cut, the last row too
    expect(rows(img)).toEqual(['#....', '#....', '#....', '#....', '#....', '#....', '#....', '#....', '#####']);
    expect(textWidth('abc', 2)).toBe(24);
    expect(textHeight(3)).toBe(15);
    const f = blank(3, 3);
    fillRect(f, 1, -5, 9, 2, [0, 0, 0]);
    expect(rows(f)).toEqual(['.##', '.##', '...']);
  });
});
