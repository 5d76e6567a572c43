/**
 * A tiny bitmap font for labels on annotated images and plots: 3x5-pixel glyphs for the digits,
 * the letters (lower case drawn as upper case), '.', '-', '_' and ' ', '?' for anything else,
 * scaled by whole pixels. Legible, not pretty; the pictures only need to say what was found.
 */
import type { Rgb, RgbImage } from './pixels.js';

const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111',
  '4': '101101111001001', '5': '111100111001111', '6': '111100111101111', '7': '111001001001001',
  '8': '111101111101111', '9': '111101111001111', '.': '000000000000010', '-': '000000111000000',
  '_': '000000000000111', ' ': '000000000000000', '?': '111001010000010',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110',
  E: '111100110100111', F: '111100110100100', G: '011100101101011', H: '101101111101101',
  I: '111010010010111', J: '001001001101010', K: '101101110101101', L: '100100100100111',
  M: '101111111101101', N: '110101101101101', O: '010101101101010', P: '110101110100100',
  Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101',
  Y: '101101010010010', Z: '111001010100111',
};

/** Width in pixels of `text` drawn at `scale` (4 x scale per character, the last column blank). */
export function textWidth(text: string, scale: number): number {
  return [...text].length * 4 * scale;
}

/** Height in pixels of a line of text at `scale`. */
export function textHeight(scale: number): number {
  return 5 * scale;
}

/**
 * Draws `text` with its top-left corner at (x, y), each glyph pixel a `scale` x `scale` square
 * of colour `c`, clipped to the image; characters advance 4 x scale pixels.
 */
export function drawText(img: RgbImage, text: string, x: number, y: number, c: Rgb, scale = 1): void {
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?']!;
    for (let b = 0; b < 15; b++) {
      if (g[b] !== '1') continue;
      const px = x + (b % 3) * scale;
      const py = y + Math.floor(b / 3) * scale;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const xx = px + dx, yy = py + dy;
          if (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height) continue;
          const i = 3 * (yy * img.width + xx);
          img.data[i] = c[0];
          img.data[i + 1] = c[1];
          img.data[i + 2] = c[2];
        }
      }
    }
    x += 4 * scale;
  }
}

/** Fills the rectangle [x0, x1) x [y0, y1) (clipped) with `c`. */
export function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) {
      const i = 3 * (y * img.width + x);
      img.data[i] = c[0];
      img.data[i + 1] = c[1];
      img.data[i + 2] = c[2];
    }
  }
}
