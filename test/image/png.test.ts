import { describe, expect, test } from 'vitest';
import pngjs from 'pngjs';
import { decodeImage, type RgbImage } from '../../src/image/index.js';
import { buildPng, chunk, readIhdr, type PngSpec } from './helpers.js';

const { PNG } = pngjs;

/** RGB triples of a decoded image. */
function pixels(img: RgbImage): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < img.width * img.height; i++) out.push(Array.from(img.data.subarray(i * 3, i * 3 + 3)));
  return out;
}

const grey = (...v: number[]): number[][] => v.map((x) => [x, x, x]);

interface Flavour {
  spec: PngSpec;
  expected: number[][];
}

// Each flavour is 4x2 (8 pixels); expected values follow dlib's png_loader + assign_pixel rules.
const FLAVOURS: Record<string, Flavour> = {
  'grey 1-bit': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 1, samples: [0, 1, 1, 0, 1, 0, 0, 1] },
    expected: grey(0, 255, 255, 0, 255, 0, 0, 255),
  },
  'grey 2-bit (scaled x85)': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 2, samples: [0, 1, 2, 3, 3, 2, 1, 0] },
    expected: grey(0, 85, 170, 255, 255, 170, 85, 0),
  },
  'grey 4-bit (scaled x17)': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 4, samples: [0, 1, 7, 8, 14, 15, 5, 10] },
    expected: grey(0, 17, 119, 136, 238, 255, 85, 170),
  },
  'grey 8-bit': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 8, samples: [0, 1, 127, 128, 200, 254, 255, 77] },
    expected: grey(0, 1, 127, 128, 200, 254, 255, 77),
  },
  'grey 16-bit (dlib saturates at 255)': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 16, samples: [0, 1, 255, 256, 0x8000, 0xffff, 0x00fe, 0x0100] },
    expected: grey(0, 1, 255, 255, 255, 255, 254, 255),
  },
  'grey 8-bit + tRNS (transparency ignored)': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 8, samples: [9, 10, 9, 11, 12, 9, 13, 14], trns: [0, 9] },
    expected: grey(9, 10, 9, 11, 12, 9, 13, 14),
  },
  'grey 16-bit + tRNS': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 16, samples: [7, 300, 7, 8, 7, 9, 10, 7], trns: [0, 7] },
    expected: grey(7, 255, 7, 8, 7, 9, 10, 7),
  },
  'grey 2-bit + tRNS': {
    spec: { width: 4, height: 2, colorType: 0, bitDepth: 2, samples: [0, 1, 2, 3, 1, 1, 2, 2], trns: [0, 1] },
    expected: grey(0, 85, 170, 255, 85, 85, 170, 170),
  },
  'grey+alpha 8-bit (alpha ignored)': {
    spec: { width: 4, height: 2, colorType: 4, bitDepth: 8, samples: [10, 0, 20, 128, 30, 255, 40, 1, 50, 2, 60, 254, 70, 0, 255, 0] },
    expected: grey(10, 20, 30, 40, 50, 60, 70, 255),
  },
  'grey+alpha 16-bit (saturated, alpha ignored)': {
    spec: {
      width: 4, height: 2, colorType: 4, bitDepth: 16,
      samples: [0x0080, 0, 0x1234, 0xffff, 0x00ff, 0x8000, 3, 3, 0xffff, 0, 200, 1, 0x0100, 0xffff, 0, 0],
    },
    expected: grey(128, 255, 255, 3, 255, 200, 255, 0),
  },
  'RGB 8-bit': {
    spec: { width: 4, height: 2, colorType: 2, bitDepth: 8, samples: Array.from({ length: 24 }, (_, i) => i * 10 + 5) },
    expected: Array.from({ length: 8 }, (_, p) => [0, 1, 2].map((c) => (p * 3 + c) * 10 + 5)),
  },
  'RGB 16-bit (dlib keeps the low byte)': {
    spec: {
      width: 4, height: 2, colorType: 2, bitDepth: 16,
      samples: [0x1234, 0x56ff, 0x0001, 0xffff, 0, 0x8000, 0x00c8, 0x0064, 0x0032, 0xabcd, 0xef01, 0x2345,
        1, 2, 3, 0x0100, 0x0200, 0x0300, 0xff00, 0x00ff, 0x7f7f, 0xfffe, 0xfffd, 0xfffc],
    },
    expected: [[0x34, 0xff, 0x01], [0xff, 0, 0], [200, 100, 50], [0xcd, 0x01, 0x45], [1, 2, 3], [0, 0, 0], [0, 0xff, 0x7f], [0xfe, 0xfd, 0xfc]],
  },
  'RGB 8-bit + tRNS (transparent colour composited to black)': {
    spec: {
      width: 4, height: 2, colorType: 2, bitDepth: 8, trns: [0, 10, 0, 20, 0, 30],
      samples: [10, 20, 30, 10, 20, 31, 1, 2, 3, 10, 20, 30, 255, 255, 255, 11, 20, 30, 10, 20, 30, 0, 0, 0],
    },
    expected: [[0, 0, 0], [10, 20, 31], [1, 2, 3], [0, 0, 0], [255, 255, 255], [11, 20, 30], [0, 0, 0], [0, 0, 0]],
  },
  'RGBA 8-bit (composited onto black, >> 8)': {
    spec: {
      width: 4, height: 2, colorType: 6, bitDepth: 8,
      samples: [200, 100, 50, 255, 255, 255, 255, 254, 200, 100, 50, 128, 255, 128, 1, 0,
        255, 255, 255, 1, 255, 255, 255, 2, 16, 32, 64, 64, 0, 0, 0, 255],
    },
    expected: [[200, 100, 50], [253, 253, 253], [100, 50, 25], [0, 0, 0], [0, 0, 0], [1, 1, 1], [4, 8, 16], [0, 0, 0]],
  },
  'RGBA 16-bit (low bytes, then composited)': {
    spec: {
      width: 4, height: 2, colorType: 6, bitDepth: 16,
      samples: [0x12ff, 0x3480, 0x5601, 0xffff, 0xffff, 0xffff, 0xffff, 0x8000, 0x00c8, 0x0064, 0x0032, 0x0080,
        0x01c8, 0x0264, 0x0332, 0x1280, 1, 2, 3, 0xffff, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0x00ff, 0x4040, 0x8080, 0xc0c0, 0x7f7f],
    },
    expected: [[0xff, 0x80, 0x01], [0, 0, 0], [100, 50, 25], [100, 50, 25], [1, 2, 3], [0, 0, 0], [255, 255, 255], [31, 63, 95]],
  },
  'palette 1-bit': {
    spec: { width: 4, height: 2, colorType: 3, bitDepth: 1, palette: [[1, 2, 3], [250, 251, 252]], samples: [0, 1, 1, 0, 1, 1, 0, 0] },
    expected: [[1, 2, 3], [250, 251, 252], [250, 251, 252], [1, 2, 3], [250, 251, 252], [250, 251, 252], [1, 2, 3], [1, 2, 3]],
  },
  'palette 2-bit': {
    spec: {
      width: 4, height: 2, colorType: 3, bitDepth: 2, palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]],
      samples: [0, 1, 2, 3, 3, 2, 1, 0],
    },
    expected: [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9], [9, 9, 9], [0, 0, 255], [0, 255, 0], [255, 0, 0]],
  },
  'palette 4-bit': {
    spec: {
      width: 4, height: 2, colorType: 3, bitDepth: 4,
      palette: Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, i] as [number, number, number]),
      samples: [0, 15, 7, 8, 1, 14, 2, 13],
    },
    expected: [0, 15, 7, 8, 1, 14, 2, 13].map((i) => [i * 16, 255 - i * 16, i]),
  },
  'palette 8-bit': {
    spec: {
      width: 4, height: 2, colorType: 3, bitDepth: 8,
      palette: Array.from({ length: 256 }, (_, i) => [i, (i * 7) & 255, 255 - i] as [number, number, number]),
      samples: [0, 255, 128, 1, 77, 200, 3, 254],
    },
    expected: [0, 255, 128, 1, 77, 200, 3, 254].map((i) => [i, (i * 7) & 255, 255 - i]),
  },
  'palette 8-bit + tRNS (palette alpha composited onto black)': {
    spec: {
      width: 4, height: 2, colorType: 3, bitDepth: 8,
      palette: [[200, 100, 50], [255, 255, 255], [10, 20, 30], [40, 50, 60]],
      trns: [128, 254, 0], // entry 3 has no tRNS value: opaque
      samples: [0, 1, 2, 3, 3, 2, 1, 0],
    },
    expected: [[100, 50, 25], [253, 253, 253], [0, 0, 0], [40, 50, 60], [40, 50, 60], [0, 0, 0], [253, 253, 253], [100, 50, 25]],
  },
  'palette 2-bit + tRNS': {
    spec: {
      width: 4, height: 2, colorType: 3, bitDepth: 2, palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
      trns: [255, 0], samples: [0, 1, 2, 0, 1, 2, 2, 2],
    },
    expected: [[255, 0, 0], [0, 0, 0], [0, 0, 255], [255, 0, 0], [0, 0, 0], [0, 0, 255], [0, 0, 255], [0, 0, 255]],
  },
};

describe('PNG flavours built byte by byte decode to dlib\'s pixels', () => {
  for (const [name, { spec, expected }] of Object.entries(FLAVOURS)) {
    test(name, () => {
      const png = buildPng(spec);
      const ihdr = readIhdr(png);
      expect([ihdr.colorType, ihdr.bitDepth, ihdr.interlace]).toEqual([spec.colorType, spec.bitDepth, 0]);
      const img = decodeImage(png, { file: `${name}.png` });
      expect([img.width, img.height]).toEqual([4, 2]);
      expect(pixels(img)).toEqual(expected);
    });

    test(`${name}, Adam7-interlaced`, () => {
      const png = buildPng({ ...spec, interlace: true });
      expect(readIhdr(png).interlace).toBe(1);
      expect(pixels(decodeImage(png))).toEqual(expected);
    });
  }
});

describe('interlaced PNGs of awkward sizes', () => {
  // Sizes that leave some Adam7 passes empty or partial.
  for (const [w, h] of [[1, 1], [1, 9], [9, 1], [3, 5], [13, 11], [17, 8]]) {
    test(`${w}x${h} RGB and 4-bit palette`, () => {
      const n = w * h;
      const samples = Array.from({ length: n * 3 }, (_, i) => (i * 37 + 11) & 255);
      const rgb: PngSpec = { width: w, height: h, colorType: 2, bitDepth: 8, samples };
      const plain = decodeImage(buildPng(rgb));
      expect(Array.from(plain.data)).toEqual(samples);
      expect(decodeImage(buildPng({ ...rgb, interlace: true }))).toEqual(plain);

      const palette = Array.from({ length: 16 }, (_, i) => [i, i * 2, i * 3] as [number, number, number]);
      const indices = Array.from({ length: n }, (_, i) => (i * 7) % 16);
      const pal: PngSpec = { width: w, height: h, colorType: 3, bitDepth: 4, palette, samples: indices };
      const expected = indices.flatMap((i) => palette[i]);
      expect(Array.from(decodeImage(buildPng(pal)).data)).toEqual(expected);
      expect(Array.from(decodeImage(buildPng({ ...pal, interlace: true })).data)).toEqual(expected);
    });
  }
});

describe('PNGs written by pngjs (IHDR checked to be the flavour claimed)', () => {
  const W = 3;
  const H = 2;
  const rgba8 = [10, 20, 30, 255, 40, 50, 60, 128, 70, 80, 90, 0, 100, 110, 120, 255, 255, 255, 255, 254, 1, 2, 3, 255];

  function write(data: Uint8Array | Uint16Array, options: ConstructorParameters<typeof PNG>[0] & object): Uint8Array {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return new Uint8Array(PNG.sync.write(png, options));
  }

  test('RGBA 8-bit', () => {
    const png = write(Uint8Array.from(rgba8), { colorType: 6, inputColorType: 6, bitDepth: 8 });
    expect(readIhdr(png)).toMatchObject({ colorType: 6, bitDepth: 8, interlace: 0 });
    expect(pixels(decodeImage(png))).toEqual([[10, 20, 30], [20, 25, 30], [0, 0, 0], [100, 110, 120], [253, 253, 253], [1, 2, 3]]);
  });

  test('RGB 8-bit', () => {
    const rgb = rgba8.filter((_, i) => i % 4 !== 3);
    const png = write(Uint8Array.from(rgb), { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 8 });
    expect(readIhdr(png)).toMatchObject({ colorType: 2, bitDepth: 8 });
    expect(Array.from(decodeImage(png).data)).toEqual(rgb);
  });

  test('grey 8-bit', () => {
    const g = [0, 50, 100, 150, 200, 255];
    const png = write(Uint8Array.from(g), { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
    expect(readIhdr(png)).toMatchObject({ colorType: 0, bitDepth: 8 });
    expect(pixels(decodeImage(png))).toEqual(grey(...g));
  });

  test('grey+alpha 8-bit', () => {
    const ga = [0, 255, 50, 0, 100, 128, 150, 1, 200, 255, 255, 0];
    const png = write(Uint8Array.from(ga), { colorType: 4, inputColorType: 4, bitDepth: 8 });
    expect(readIhdr(png)).toMatchObject({ colorType: 4, bitDepth: 8 });
    expect(pixels(decodeImage(png))).toEqual(grey(0, 50, 100, 150, 200, 255));
  });

  test('RGBA 16-bit', () => {
    const v = [0x12ff, 0x3480, 0x5601, 0xffff, 0xffff, 0xffff, 0xffff, 0x8000, 0x00c8, 0x0064, 0x0032, 0x0080,
      1, 2, 3, 0xffff, 0, 0, 0, 0, 0xff10, 0x0020, 0x1030, 0xffff];
    const png = write(Uint16Array.from(v), { colorType: 6, inputColorType: 6, bitDepth: 16 });
    expect(readIhdr(png)).toMatchObject({ colorType: 6, bitDepth: 16 });
    expect(pixels(decodeImage(png))).toEqual([[0xff, 0x80, 0x01], [0, 0, 0], [100, 50, 25], [1, 2, 3], [0, 0, 0], [0x10, 0x20, 0x30]]);
  });

  test('RGB 16-bit', () => {
    const v = [0x1234, 0x56ff, 0x0001, 0xffff, 0, 0x8000, 0x00c8, 0x0064, 0x0032, 0xabcd, 0xef01, 0x2345, 1, 2, 3, 0x0100, 0x0200, 0x0300];
    const png = write(Uint16Array.from(v), { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 16 });
    expect(readIhdr(png)).toMatchObject({ colorType: 2, bitDepth: 16 });
    expect(pixels(decodeImage(png))).toEqual([[0x34, 0xff, 0x01], [0xff, 0, 0], [200, 100, 50], [0xcd, 0x01, 0x45], [1, 2, 3], [0, 0, 0]]);
  });

  test('grey 16-bit', () => {
    const v = [0, 1, 255, 256, 0x8000, 0xffff];
    const png = write(Uint16Array.from(v), { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 16 });
    expect(readIhdr(png)).toMatchObject({ colorType: 0, bitDepth: 16 });
    expect(pixels(decodeImage(png))).toEqual(grey(0, 1, 255, 255, 255, 255));
  });

  test('grey+alpha 16-bit', () => {
    const v = [0x0080, 0, 0x1234, 0xffff, 0x00ff, 0x8000, 3, 3, 200, 1, 0x0100, 0xffff];
    const png = write(Uint16Array.from(v), { colorType: 4, inputColorType: 4, bitDepth: 16 });
    expect(readIhdr(png)).toMatchObject({ colorType: 4, bitDepth: 16 });
    expect(pixels(decodeImage(png))).toEqual(grey(128, 255, 255, 3, 200, 255));
  });
});

describe('PNG robustness', () => {
  test('ancillary chunks (tEXt, gAMA) are skipped and gamma is not applied (as dlib)', () => {
    const spec: PngSpec = { width: 2, height: 1, colorType: 2, bitDepth: 8, samples: [10, 20, 30, 40, 50, 60] };
    const base = buildPng(spec);
    // Insert tEXt and gAMA right after IHDR (8 + 25 bytes).
    const text = Uint8Array.from(Buffer.from('Comment\0hello'));
    const extra = [chunk('tEXt', text), chunk('gAMA', Uint8Array.of(0, 0, 0xaf, 0xc8))];
    const png = new Uint8Array(Buffer.concat([base.subarray(0, 33), ...extra, base.subarray(33)]));
    expect(Array.from(decodeImage(png).data)).toEqual(spec.samples);
  });

  test('accepts a Uint8Array view into a larger buffer', () => {
    const png = buildPng({ width: 1, height: 1, colorType: 0, bitDepth: 8, samples: [42] });
    const big = new Uint8Array(png.length + 20);
    big.set(png, 10);
    expect(Array.from(decodeImage(big.subarray(10, 10 + png.length)).data)).toEqual([42, 42, 42]);
  });
});
