/**
 * disturbColors / randomColorTransform on their own (their parity with dlib is
 * test/parity/disturb-colors-parity.test.ts): what they draw, the tables' shape, in-place
 * application, grey images, errors.
 */
import { describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { applyColorTransform, disturbColors, randomColorTransform } from '../../src/image/disturb-colors.js';
import type { GrayImage, RgbImage } from '../../src/image/pixels.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';

function image(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 255;
  return { width: w, height: h, data };
}

describe('randomColorTransform', () => {
  it('draws four doubles in dlib\'s order: gamma, then the red, green and blue scales', () => {
    const rng = new DlibRand('t');
    const replay = rng.clone();
    const t = randomColorTransform(rng);
    const gamma = Math.max(0, 1 + 0.5 * (replay.getRandomDouble() - 0.5));
    const s = [0, 1, 2].map(() => 1 - replay.getRandomDouble() * 0.2);
    const m = 255 * Math.max(Math.max(s[0]!, s[1]!), s[2]!);
    expect(t.gamma).toBe(gamma);
    expect(t.scales).toEqual(s.map((v) => v / m));
    // the generator is where 8 32-bit draws leave it
    expect(rng.getRandom32bitNumber()).toBe(replay.getRandom32bitNumber());
  });

  it('tables: 0 maps to 0, non-decreasing, the strongest channel maps 255 to 255, others at most 255', () => {
    const rng = new DlibRand('tables');
    for (let n = 0; n < 200; n++) {
      const t = randomColorTransform(rng);
      expect(t.gamma).toBeGreaterThanOrEqual(0.75);
      expect(t.gamma).toBeLessThanOrEqual(1.25);
      const strongest = t.scales.indexOf(Math.max(...t.scales));
      for (let c = 0; c < 3; c++) {
        const tab = t.table.subarray(c * 256, (c + 1) * 256);
        expect(tab[0]).toBe(0);
        let monotone = true;
        for (let k = 1; k < 256; k++) monotone &&= tab[k]! >= tab[k - 1]!;
        expect(monotone).toBe(true);
        if (c === strongest) expect(tab[255]).toBe(255);
        // each entry is (unsigned char)(255*pow(k*scale, gamma) + 0.5)
        expect(tab[100]).toBe(Math.trunc(255 * Math.pow(100 * t.scales[c]!, t.gamma) + 0.5));
      }
    }
  });

  it('gamma magnitude 0 and colour magnitude 0 give the identity', () => {
    const t = randomColorTransform(new DlibRand(), 0, 0);
    expect(t.gamma).toBe(1);
    for (let k = 0; k < 256; k++) for (let c = 0; c < 3; c++) expect(t.table[c * 256 + k]).toBe(k);
  });
});

describe('disturbColors', () => {
  it('changes the image in place through the tables, channel by channel', () => {
    const img = image(9, 7);
    const before = img.data.slice();
    const t = randomColorTransform(new DlibRand('same'));
    const out = disturbColors(img, new DlibRand('same'));
    expect(out).toBe(img);
    for (let i = 0; i < before.length; i++) expect(img.data[i]).toBe(t.table[(i % 3) * 256 + before[i]!]);
  });

  it('grey images: r = g = b = v, mapped, back to floor(sum / 3)', () => {
    const g: GrayImage = { width: 16, height: 16, data: Uint8Array.from({ length: 256 }, (_, i) => i) };
    const t = randomColorTransform(new DlibRand('g'));
    disturbColors(g, new DlibRand('g'));
    for (let v = 0; v < 256; v++) expect(g.data[v]).toBe(Math.floor((t.table[v]! + t.table[256 + v]! + t.table[512 + v]!) / 3));
  });

  it('applyColorTransform applies a drawn transform without drawing', () => {
    const t = randomColorTransform(new DlibRand('a'));
    const a = applyColorTransform(image(4, 4), t);
    const b = disturbColors(image(4, 4), new DlibRand('a'));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('a malformed image is refused before anything is drawn', () => {
    const rng = new DlibRand('bad');
    const replay = rng.clone();
    expect(() => disturbColors({ width: 3, height: 3, data: new Uint8Array(10) }, rng)).toThrow(FacemetricError);
    expect(() => disturbColors({ width: 3, height: 3, data: new Uint8Array(10) }, rng)).toThrow(/3x3 image with 10 bytes/);
    expect(rng.getRandom32bitNumber()).toBe(replay.getRandom32bitNumber());
    expect(() => randomColorTransform(rng, Number.NaN)).toThrow(/gammaMagnitude must be a finite number/);
  });
});
