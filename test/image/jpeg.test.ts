import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { applyOrientation, decodeImage, readExifOrientation, readImage, type RgbImage } from '../../src/image/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import {
  app1Exif, concat, encodeJpeg, exifOrientationSegment, insertAfterSoi, quadrants, tiff,
} from './helpers.js';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const YELLOW: Rgb = [255, 255, 0];

const W = 32;
const H = 16;
// Stored image: four 16x8 solid quadrants on 8x8-aligned blocks, so JPEG artefacts stay tiny.
const STORED = encodeJpeg(W, H, quadrants(W, H, [RED, GREEN, BLUE, YELLOW]), 100);

function at(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(i, i + 3));
}

/** Colours at the four corners, 2 pixels in: [top-left, top-right, bottom-left, bottom-right]. */
function corners(img: RgbImage): number[][] {
  const r = img.width - 3;
  const b = img.height - 3;
  return [at(img, 2, 2), at(img, r, 2), at(img, 2, b), at(img, r, b)];
}

function expectClose(actual: number[][], expected: Rgb[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((px, i) => px.forEach((v, c) => {
    if (Math.abs(v - expected[i][c]) > 4) expect(actual).toEqual(expected);
  }));
}

// For each orientation: displayed size and corner colours (TL, TR, BL, BR) of the upright image,
// worked out from the EXIF definitions: where the stored top-left (RED) ends up.
const ORIENTATIONS: Record<number, { size: [number, number]; corners: Rgb[]; what: string }> = {
  1: { size: [32, 16], corners: [RED, GREEN, BLUE, YELLOW], what: 'as stored' },
  2: { size: [32, 16], corners: [GREEN, RED, YELLOW, BLUE], what: 'mirrored left-right' },
  3: { size: [32, 16], corners: [YELLOW, BLUE, GREEN, RED], what: 'rotated 180°' },
  4: { size: [32, 16], corners: [BLUE, YELLOW, RED, GREEN], what: 'mirrored top-bottom' },
  5: { size: [16, 32], corners: [RED, BLUE, GREEN, YELLOW], what: 'transposed' },
  6: { size: [16, 32], corners: [BLUE, RED, YELLOW, GREEN], what: 'rotated 90° clockwise' },
  7: { size: [16, 32], corners: [YELLOW, GREEN, BLUE, RED], what: 'transversed' },
  8: { size: [16, 32], corners: [GREEN, YELLOW, RED, BLUE], what: 'rotated 90° anticlockwise' },
};

describe('JPEG decoding', () => {
  test('colour JPEG without EXIF decodes as stored', () => {
    const img = decodeImage(STORED, { file: 'q.jpg' });
    expect([img.width, img.height, img.data.length]).toEqual([32, 16, 32 * 16 * 3]);
    expectClose(corners(img), [RED, GREEN, BLUE, YELLOW]);
    expect(readExifOrientation(STORED)).toBe(1);
  });

  const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

  test('greyscale (1-component) JPEG decodes with r = g = b (fixture made with libjpeg)', () => {
    const img = decodeImage(fixture('grey.jpg'), { file: 'grey.jpg' });
    expect([img.width, img.height]).toEqual([16, 16]);
    for (let i = 0; i < img.width * img.height; i++) {
      expect(img.data[i * 3 + 1]).toBe(img.data[i * 3]);
      expect(img.data[i * 3 + 2]).toBe(img.data[i * 3]);
    }
    expectClose(corners(img), [[0, 0, 0], [85, 85, 85], [170, 170, 170], [255, 255, 255]]);
  });

  test('progressive JPEG decodes (fixture made with libjpeg)', () => {
    const img = decodeImage(fixture('progressive.jpg'), { file: 'progressive.jpg' });
    expect([img.width, img.height]).toEqual([16, 16]);
    expectClose(corners(img), [RED, GREEN, BLUE, YELLOW]);
  });

  test('CMYK JPEG with an Adobe marker is converted to RGB (fixture made with libjpeg)', () => {
    const img = decodeImage(fixture('cmyk-adobe.jpg'), { file: 'cmyk-adobe.jpg' });
    expect([img.width, img.height]).toEqual([16, 16]);
    expectClose(corners(img), [[0, 255, 255], [255, 0, 255], [255, 255, 0], [0, 0, 0]]);
  });

  test('data after the end-of-image marker is ignored', () => {
    const img = decodeImage(concat(STORED, Uint8Array.from(Buffer.from('trailing junk from a camera'))));
    expectClose(corners(img), [RED, GREEN, BLUE, YELLOW]);
  });
});

describe('EXIF orientation', () => {
  for (const [o, { size, corners: expected, what }] of Object.entries(ORIENTATIONS)) {
    for (const littleEndian of [true, false]) {
      test(`orientation ${o} (${what}), ${littleEndian ? 'II' : 'MM'} byte order`, () => {
        const bytes = insertAfterSoi(STORED, exifOrientationSegment(Number(o), littleEndian));
        expect(readExifOrientation(bytes)).toBe(Number(o));
        const img = decodeImage(bytes, { file: `o${o}.jpg` });
        expect([img.width, img.height]).toEqual(size);
        expectClose(corners(img), expected);
      });
    }
  }

  test('applyExifOrientation: false decodes as stored (as dlib does)', () => {
    const bytes = insertAfterSoi(STORED, exifOrientationSegment(6));
    const img = decodeImage(bytes, { applyExifOrientation: false });
    expect([img.width, img.height]).toEqual([32, 16]);
    expectClose(corners(img), [RED, GREEN, BLUE, YELLOW]);
  });

  test('EXIF after the JFIF APP0 segment is found too', () => {
    // jpeg-js writes SOI, APP0 (JFIF), ...: put EXIF after APP0.
    const app0Len = (STORED[4] << 8) | STORED[5];
    const split = 4 + app0Len;
    const bytes = concat(STORED.subarray(0, split), exifOrientationSegment(3), STORED.subarray(split));
    expect(readExifOrientation(bytes)).toBe(3);
    expectClose(corners(decodeImage(bytes)), ORIENTATIONS[3].corners);
  });

  test('a LONG-typed Orientation is accepted', () => {
    const bytes = insertAfterSoi(STORED, app1Exif(tiff([[0x0112, 4, 1, 8]], true)));
    expect(readExifOrientation(bytes)).toBe(8);
  });

  const garbage: Record<string, Uint8Array> = {
    'value 0': app1Exif(tiff([[0x0112, 3, 1, 0]], true)),
    'value 9': app1Exif(tiff([[0x0112, 3, 1, 9]], false)),
    'wrong type (ASCII)': app1Exif(tiff([[0x0112, 2, 1, 6]], true)),
    'count 0': app1Exif(tiff([[0x0112, 3, 0, 6]], true)),
    'no Orientation tag': app1Exif(tiff([[0x010f, 2, 4, 0]], true)),
    'bad byte order mark': app1Exif(Uint8Array.of(0x58, 0x58, 0, 42, 0, 0, 0, 8, 0, 0)),
    'bad TIFF magic': app1Exif(Uint8Array.of(0x49, 0x49, 43, 0, 8, 0, 0, 0, 0, 0)),
    'IFD offset past the end': app1Exif(Uint8Array.of(0x49, 0x49, 42, 0, 0xff, 0xff, 0, 0, 0, 0)),
    'IFD offset inside the header': app1Exif(Uint8Array.of(0x49, 0x49, 42, 0, 2, 0, 0, 0, 0, 0)),
    'entry count larger than the segment': app1Exif(Uint8Array.of(0x49, 0x49, 42, 0, 8, 0, 0, 0, 0xff, 0x7f, 0x12, 0x01)),
    'TIFF header cut short': app1Exif(Uint8Array.of(0x49, 0x49, 42)),
    'empty Exif payload': app1Exif(new Uint8Array(0)),
    'not Exif (XMP APP1)': (() => {
      const xmp = Uint8Array.from(Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>'));
      return concat(Uint8Array.of(0xff, 0xe1, 0, xmp.length + 2), xmp);
    })(),
  };
  for (const [name, segment] of Object.entries(garbage)) {
    test(`bad EXIF is ignored: ${name}`, () => {
      const bytes = insertAfterSoi(STORED, segment);
      expect(readExifOrientation(bytes)).toBe(1);
      const img = decodeImage(bytes);
      expect([img.width, img.height]).toEqual([32, 16]);
      expectClose(corners(img), [RED, GREEN, BLUE, YELLOW]);
    });
  }

  test('readExifOrientation never throws and gives 1 for non-JPEG or truncated data', () => {
    const withExif = insertAfterSoi(STORED, exifOrientationSegment(6));
    for (let cut = 0; cut < 80; cut++) {
      const o = readExifOrientation(withExif.subarray(0, cut));
      expect([1, 6]).toContain(o);
    }
    expect(readExifOrientation(new Uint8Array(0))).toBe(1);
    expect(readExifOrientation(Uint8Array.from(Buffer.from('hello')))).toBe(1);
    expect(readExifOrientation(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).toBe(1);
  });

  test('applyOrientation maps every pixel (3x2 image, all 8 orientations)', () => {
    // Pixel value = index, in the red channel.
    const img: RgbImage = { width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 4, 5].flatMap((v) => [v, 0, 0])) };
    const red = (o: number): number[] => { const r = applyOrientation(img, o); return [r.width, r.height, ...Array.from(r.data.filter((_, i) => i % 3 === 0))]; };
    // Stored:  0 1 2
    //          3 4 5
    expect(red(1)).toEqual([3, 2, 0, 1, 2, 3, 4, 5]);
    expect(red(2)).toEqual([3, 2, 2, 1, 0, 5, 4, 3]);
    expect(red(3)).toEqual([3, 2, 5, 4, 3, 2, 1, 0]);
    expect(red(4)).toEqual([3, 2, 3, 4, 5, 0, 1, 2]);
    expect(red(5)).toEqual([2, 3, 0, 3, 1, 4, 2, 5]);
    expect(red(6)).toEqual([2, 3, 3, 0, 4, 1, 5, 2]);
    expect(red(7)).toEqual([2, 3, 5, 2, 4, 1, 3, 0]);
    expect(red(8)).toEqual([2, 3, 2, 5, 1, 4, 0, 3]);
  });
});

// models/examples, prepared by `npm ci` (exampleImagesDir throws, naming the fix, if it is not).
describe('dlib example images', () => {
  let FACES = '';
  beforeAll(() => {
    FACES = join(exampleImagesDir(), 'faces');
  });

  test('bald_guys.jpg is 1986x1545', async () => {
    const img = await readImage(`${FACES}/bald_guys.jpg`);
    expect([img.width, img.height, img.data.length]).toEqual([1986, 1545, 1986 * 1545 * 3]);
  });

  test('every example JPEG decodes', async () => {
    const sizes: Record<string, [number, number]> = {
      '2008_002470.jpg': [500, 332], 'Tom_Cruise_avp_2014_4.jpg': [565, 800], 'dogs.jpg': [900, 916],
    };
    for (const [name, size] of Object.entries(sizes)) {
      const img = await readImage(`${FACES}/${name}`);
      expect([img.width, img.height]).toEqual(size);
    }
  });
});
