import { deflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ImageError } from '../../src/errors.js';
import { decodeImage, DEFAULT_MAX_PIXELS } from '../../src/image/index.js';
import { DEFAULT_MAX_SCAN_PASSES, DEFAULT_MAX_SCANS } from '../../src/image/limits.js';
import { decodeJpegExact } from '../../src/image/jpeg/decoder.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from '../../src/image/crc32.js';
import { decodeJpeg, scanJpeg, scanPasses } from '../../src/image/jpeg.js';
import {
  buildPng, chunk, concat, encodeJpeg, findChunk, findMarker, ihdr, PNG_SIG, quadrants, rawImageData, type PngSpec,
  uniformGreyJpeg,
} from './helpers.js';

const SPEC: PngSpec = { width: 8, height: 8, colorType: 2, bitDepth: 8, samples: Array.from({ length: 192 }, (_, i) => i) };
const GOOD_PNG = buildPng(SPEC);
const RAW = rawImageData(SPEC);
const GOOD_JPEG = encodeJpeg(32, 16, quadrants(32, 16, [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]]));

const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** A PNG whose only IDAT holds `zdata`. */
const pngWithIdat = (zdata: Uint8Array, header = ihdr(8, 8, 8, 2)): Uint8Array =>
  concat(PNG_SIG, header, chunk('IDAT', zdata), chunk('IEND'));

/** Offset of the first byte of entropy-coded data in a JPEG. */
function scanDataStart(jpeg: Uint8Array): number {
  const sos = findMarker(jpeg, 0xda);
  return sos + 2 + ((jpeg[sos + 2] << 8) | jpeg[sos + 3]);
}

/** A copy of a JPEG with its SOF0 header edited. */
function editSof(jpeg: Uint8Array, edit: (b: Uint8Array, sof: number) => void): Uint8Array {
  const b = jpeg.slice();
  edit(b, findMarker(b, 0xc0));
  return b;
}

function setSofSize(width: number, height: number): Uint8Array {
  return editSof(GOOD_JPEG, (b, sof) => {
    b[sof + 5] = height >> 8; b[sof + 6] = height & 0xff;
    b[sof + 7] = width >> 8; b[sof + 8] = width & 0xff;
  });
}

const idatAt = findChunk(GOOD_PNG, 'IDAT');

// [file name, bytes, exact message]
const BAD_FILES: Array<[string, Uint8Array, string]> = [
  ['empty.jpg', new Uint8Array(0), 'empty.jpg: empty file (0 bytes)'],
  ['notes.txt', text('These are not the pixels you are looking for.\n'),
    'notes.txt: not an image (looks like a text file); facemetric reads JPEG and PNG'],
  ['random.bin', Uint8Array.of(0x00, 0x13, 0x37, 0x00, 0x99, 0x01, 0x02, 0xfe),
    'random.bin: unsupported image format (unrecognised data); facemetric reads JPEG and PNG'],
  ['anim.gif', concat(text('GIF89a'), Uint8Array.of(1, 0, 1, 0, 0, 0, 0)),
    'anim.gif: unsupported image format (GIF); facemetric reads JPEG and PNG'],
  ['old.bmp', concat(text('BM'), new Uint8Array(12), Uint8Array.of(40, 0, 0, 0), new Uint8Array(36)),
    'old.bmp: unsupported image format (BMP); facemetric reads JPEG and PNG'],
  ['new.webp', concat(text('RIFF'), Uint8Array.of(26, 0, 0, 0), text('WEBPVP8 '), new Uint8Array(18)),
    'new.webp: unsupported image format (WebP); facemetric reads JPEG and PNG'],
  ['scan.tif', Uint8Array.of(0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0),
    'scan.tif: unsupported image format (TIFF); facemetric reads JPEG and PNG'],
  ['phone.heic', concat(Uint8Array.of(0, 0, 0, 24), text('ftypheic'), new Uint8Array(12)),
    'phone.heic: unsupported image format (HEIF/HEIC); facemetric reads JPEG and PNG'],

  // PNG
  ['textmode.png', concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0a, 0x1a, 0x0a), GOOD_PNG.subarray(8)),
    'textmode.png: corrupt PNG signature (was the file copied in text mode?)'],
  ['cut.png', GOOD_PNG.subarray(0, idatAt + 20), 'cut.png: truncated PNG (file ends before the IEND chunk)'],
  ['noiend.png', GOOD_PNG.subarray(0, GOOD_PNG.length - 12), 'noiend.png: truncated PNG (file ends before the IEND chunk)'],
  ['sigonly.png', GOOD_PNG.subarray(0, 8), 'sigonly.png: truncated PNG (file ends before the IEND chunk)'],
  ['crc.png', GOOD_PNG.map((v, i) => (i === idatAt + 10 ? v ^ 0x40 : v)),
    `crc.png: corrupt PNG (bad CRC in the IDAT chunk at byte ${idatAt})`],
  ['zlib.png', pngWithIdat(Uint8Array.from(deflateSync(RAW)).map((v, i) => (i === 0 ? 0x12 : v))),
    'zlib.png: corrupt PNG (bad compressed image data: incorrect header check)'],
  ['adler.png', pngWithIdat(Uint8Array.from(deflateSync(RAW)).map((v, i, a) => (i === a.length - 1 ? v ^ 1 : v))),
    'adler.png: corrupt PNG (bad compressed image data: incorrect data check)'],
  ['short.png', pngWithIdat(deflateSync(RAW.subarray(0, 100))),
    'short.png: corrupt PNG (image data ends early: 100 of 200 bytes)'],
  ['filter.png', pngWithIdat(deflateSync(RAW.map((v, i) => (i === 0 ? 9 : v)))),
    'filter.png: corrupt PNG (unknown row filter type 9)'],
  ['noihdr.png', concat(PNG_SIG, chunk('IDAT', deflateSync(RAW)), chunk('IEND')),
    'noihdr.png: corrupt PNG (the first chunk is not a valid IHDR)'],
  ['depth.png', pngWithIdat(deflateSync(RAW), ihdr(8, 8, 4, 2)),
    'depth.png: corrupt PNG (invalid bit depth 4 for colour type 2 (RGB))'],
  ['nopalette.png', pngWithIdat(deflateSync(RAW), ihdr(8, 8, 8, 3)),
    'nopalette.png: corrupt PNG (palette image without a PLTE chunk before its data)'],
  ['noidat.png', concat(PNG_SIG, ihdr(8, 8, 8, 2), chunk('IEND')), 'noidat.png: corrupt PNG (no IDAT image data)'],
  ['critical.png', concat(GOOD_PNG.subarray(0, idatAt), chunk('ABCD', Uint8Array.of(1)), GOOD_PNG.subarray(idatAt)),
    'critical.png: unsupported PNG (unknown critical chunk ABCD)'],
  ['zerowidth.png', pngWithIdat(deflateSync(new Uint8Array(0)), ihdr(0, 5, 8, 2)),
    'zerowidth.png: image has zero width or height (0x5)'],
  ['bomb.png', pngWithIdat(deflateSync(new Uint8Array(10)), ihdr(30000, 30000, 8, 2)),
    "bomb.png: image is 30000x30000 = 900000000 pixels, over the limit of 100000000 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)"],
  ['huge.png', pngWithIdat(new Uint8Array(0), ihdr(0x7fffffff, 0x7fffffff, 8, 6)),
    "huge.png: image is 2147483647x2147483647 = 4611686014132420609 pixels, over the limit of 100000000 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)"],

  // JPEG
  ['header.jpg', GOOD_JPEG.subarray(0, 100), 'header.jpg: corrupt JPEG data (JPEG datastream contains no image)'],
  ['soi.jpg', Uint8Array.of(0xff, 0xd8), 'soi.jpg: truncated JPEG (no end-of-image marker)'],
  ['noframe.jpg', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), 'noframe.jpg: corrupt JPEG data (JPEG datastream contains no image)'],
  ['zeroheight.jpg', setSofSize(32, 0), 'zeroheight.jpg: corrupt JPEG data (Empty JPEG image (DNL not supported))'],
  ['bomb.jpg', setSofSize(20000, 20000),
    "bomb.jpg: image is 20000x20000 = 400000000 pixels, over the limit of 100000000 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)"],
  ['huge.jpg', setSofSize(65535, 65535), 'huge.jpg: corrupt JPEG data (Maximum supported image dimension is 65500 pixels)'],
  ['lossless.jpg', editSof(GOOD_JPEG, (b, sof) => { b[sof + 1] = 0xc3; }),
    'lossless.jpg: unsupported lossless JPEG; facemetric reads baseline and progressive JPEG'],
  ['12bit.jpg', editSof(GOOD_JPEG, (b, sof) => { b[sof + 4] = 12; }),
    '12bit.jpg: unsupported JPEG with 12-bit samples; facemetric reads 8-bit JPEG'],
];

describe('bad files give one-line ImageErrors naming the file and the problem', () => {
  test(`there are at least 12 kinds (${BAD_FILES.length})`, () => {
    expect(BAD_FILES.length).toBeGreaterThanOrEqual(12);
  });

  for (const [file, bytes, message] of BAD_FILES) {
    test(file, () => {
      let caught: unknown;
      try {
        decodeImage(bytes, { file });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ImageError);
      const err = caught as ImageError;
      expect(err.message).toBe(message);
      expect(err.file).toBe(file);
      expect(err.message).not.toContain('\n');
      expect(err.exitCode).toBe(1);
    });
  }

  test('without a file name the message is just the problem', () => {
    expect(() => decodeImage(new Uint8Array(0))).toThrow(new ImageError('empty file (0 bytes)'));
  });
});

// Damaged JPEGs libjpeg decodes with a warning (and so dlib's load_image): the size, the CRC-32 of
// dlib's pixels (harness load-report) and libjpeg's first warning (what dlib printed to stderr).
const DAMAGED_JPEGS: Array<[string, Uint8Array, number, string]> = [
  ['cut.jpg', GOOD_JPEG.subarray(0, GOOD_JPEG.length - 40), 2676025360, 'Premature end of JPEG file'],
  ['noeoi.jpg', GOOD_JPEG.subarray(0, GOOD_JPEG.length - 2), 3482018884, 'Premature end of JPEG file'],
  ['garbage.jpg', concat(GOOD_JPEG.subarray(0, scanDataStart(GOOD_JPEG)), new Uint8Array(100).map((_, i) => (i % 2 ? 0 : 0xff)), Uint8Array.of(0xff, 0xd9)),
    1331005649, 'Corrupt JPEG data: bad Huffman code'],
  ['shortscan.jpg', concat(GOOD_JPEG.subarray(0, scanDataStart(GOOD_JPEG)), new Uint8Array(3).fill(0x55), Uint8Array.of(0xff, 0xd9)),
    1293932425, 'Corrupt JPEG data: premature end of data segment'],
  // Huffman-coded data under an arithmetic-coding frame header (SOF9): decoded as arithmetic-coded data.
  ['arith.jpg', editSof(GOOD_JPEG, (b, sof) => { b[sof + 1] = 0xc9; }), 1200189711, 'Corrupt JPEG data: 3 extraneous bytes before marker 0xd9'],
];

describe('damaged JPEGs decode as libjpeg decodes them, with its warnings', () => {
  for (const [file, bytes, crc, warning] of DAMAGED_JPEGS) {
    test(file, () => {
      const img = decodeImage(bytes, { file, applyExifOrientation: false });
      expect([img.width, img.height, crc32(img.data)]).toEqual([32, 16, crc]);
      expect(img.warnings?.[0]).toBe(warning);
    });
  }

  test('a Motion-JPEG frame (no DHT): libjpeg\'s standard Huffman tables, dlib\'s pixels (those of the file with its tables)', () => {
    const b = GOOD_JPEG.slice();
    for (;;) { try { b[findMarker(b, 0xc4) + 1] = 0xfe; } catch { break; } }
    const img = decodeImage(b, { file: 'nohuff.jpg' });
    expect([img.width, img.height, crc32(img.data), img.warnings]).toEqual([32, 16, 3482018884, undefined]);
  });

  test('an intact JPEG has no warnings', () => {
    expect(decodeImage(GOOD_JPEG).warnings).toBeUndefined();
  });
});

/**
 * A greyscale progressive JPEG of w x h pixels whose DC scan is all zero differences and then
 * `acScans` AC scans that each end every block with a few EOB-run codes: a small file asking for
 * `acScans` passes over the whole frame (libjpeg warns that the last run ends early).
 */
function manyScansJpeg(w: number, h: number, acScans: number): Uint8Array {
  const seg = (m: number, body: number[]): number[] => [0xff, m, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  const u16 = (v: number): number[] => [v >> 8, v & 255];
  const blocks = Math.ceil(w / 8) * Math.ceil(h / 8);
  const bits: number[] = [];
  for (let left = blocks; left >= 16384; left -= Math.min(left, 32767)) {
    const extra = Math.min(left, 32767) - 16384;
    bits.push(0, ...Array.from({ length: 14 }, (_, i) => (extra >> (13 - i)) & 1));
  }
  while (bits.length % 8 !== 0) bits.push(1);
  const ac: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    const byte = bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0);
    ac.push(byte, ...(byte === 0xff ? [0] : []));
  }
  const out = [0xff, 0xd8, ...seg(0xdb, [0, ...Array(64).fill(1)]), ...seg(0xc2, [8, ...u16(h), ...u16(w), 1, 1, 0x11, 0]),
    ...seg(0xc4, [0x00, 1, ...Array(15).fill(0), 0]), ...seg(0xc4, [0x10, 1, ...Array(15).fill(0), 0xe0]),
    ...seg(0xda, [1, 1, 0x00, 0, 0, 0]), ...Array(Math.ceil(blocks / 8)).fill(0)];
  for (let s = 0; s < acScans; s++) out.push(...seg(0xda, [1, 1, 0x00, 1, 63, 0]), ...ac);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

describe('maxScans: a bound on the work a JPEG asks for', () => {
  test('defaults to 500 scans; a file with more is refused before decoding, and maxScans raises the limit', () => {
    expect(DEFAULT_MAX_SCANS).toBe(500);
    // (The passes limit, below, raised: these files ask for a pass over the image per scan.)
    const passes = { maxScanPasses: Infinity };
    const ok = manyScansJpeg(256, 256, 499);
    const img = decodeImage(ok, { file: 'ok.jpg', ...passes });
    expect([img.width, img.height]).toEqual([256, 256]);
    const many = manyScansJpeg(256, 256, 500);
    expect(() => decodeImage(many, { file: 'many.jpg', ...passes })).toThrow(
      "many.jpg: JPEG with more than 500 scans, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCANS=N, or decodeImage's maxScans)");
    expect(decodeImage(many, { maxScans: 501, ...passes }).width).toBe(256);
    expect(() => decodeImage(ok, { maxScans: 100, ...passes })).toThrow(/more than 100 scans/);
    expect(() => decodeImage(ok, { maxScans: 0 })).toThrow(RangeError);
  });

  test('FACEMETRIC_MAX_SCANS and FACEMETRIC_MAX_PIXELS set the defaults; a bad value is one clear line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-limits-'));
    const file = join(dir, 'many.jpg');
    writeFileSync(file, manyScansJpeg(64, 64, 14));
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'detect', file], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(run({}).status).toBe(0);
    const scans = run({ FACEMETRIC_MAX_SCANS: '10' });
    expect([scans.status, scans.stderr.trimEnd()]).toEqual([1, `facemetric: ${file}: JPEG with more than 10 scans, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCANS=N, or decodeImage's maxScans)`]);
    const pixels = run({ FACEMETRIC_MAX_PIXELS: '4000' });
    expect([pixels.status, pixels.stderr.trimEnd()]).toEqual([1, `facemetric: ${file}: image is 64x64 = 4096 pixels, over the limit of 4000 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)`]);
    const bad = run({ FACEMETRIC_MAX_SCANS: 'lots' });
    expect([bad.status, bad.stderr.trimEnd()]).toEqual([1, `facemetric: ${file}: FACEMETRIC_MAX_SCANS must be a positive number (got "lots")`]);
    // 15 scans: 15 passes over the image.
    const passes = run({ FACEMETRIC_MAX_SCAN_PASSES: '14.5' });
    expect([passes.status, passes.stderr.trimEnd()]).toEqual([1, `facemetric: ${file}: JPEG whose scans ask for more than 14.5 passes over the image, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCAN_PASSES=N, or decodeImage's maxScanPasses)`]);
  });
});

describe('maxScanPasses: a bound on the passes over the image a JPEG\'s scans ask for', () => {
  const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join('test', 'image', 'fixtures', 'jpeg', name)));

  test('defaults to 16; counted from the scan headers before anything is decoded, as the decoder counts them', () => {
    expect(DEFAULT_MAX_SCAN_PASSES).toBe(16);
    // libjpeg's progressive files ask for a few passes; the decoder's count (before each scan)
    // ends where the header walk's does.
    // (An interleaved scan visits whole MCUs: 1.125 passes for a 37x29 4:2:0 frame.)
    for (const [name, want] of [['420.jpg', 1.125], ['444.jpg', 1], ['420-progressive.jpg', 5.5], ['444-progressive.jpg', 14 / 3], ['422-progressive.jpg', 5], ['arithmetic.jpg', 1.125]] as const) {
      const bytes = fixture(name);
      const seen: number[] = [];
      decodeJpegExact(bytes, { checkPasses: (p) => void seen.push(p) });
      expect([name, scanPasses(scanJpeg(bytes))]).toEqual([name, want]);
      expect([name, seen[seen.length - 1]]).toEqual([name, want]);
    }
    // 16 scans over the whole frame are read; 17 are refused.
    expect(decodeImage(manyScansJpeg(64, 64, 15)).width).toBe(64);
    expect(() => decodeImage(manyScansJpeg(64, 64, 16), { file: 'p.jpg' })).toThrow(
      "p.jpg: JPEG whose scans ask for more than 16 passes over the image, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCAN_PASSES=N, or decodeImage's maxScanPasses)");
    expect(decodeImage(manyScansJpeg(64, 64, 16), { maxScanPasses: 17 }).width).toBe(64);
    expect(() => decodeImage(fixture('420.jpg'), { maxScanPasses: -1 })).toThrow(RangeError);
  });

  test('refused before decoding: a file whose first scan the decoder would refuse is refused for its passes', () => {
    // manyScansJpeg's scans, with the DC table the first scan needs taken out: decoding would
    // stop at the first scan ("Huffman table 0x00 was not defined").
    const bytes = manyScansJpeg(64, 64, 20);
    const dht = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc4);
    const length = (bytes[dht + 2]! << 8) | bytes[dht + 3]!;
    const cut = Uint8Array.from([...bytes.subarray(0, dht), ...bytes.subarray(dht + 2 + length)]);
    expect(() => decodeImage(cut, { maxScanPasses: Infinity })).toThrow(/Huffman table 0x00 was not defined/);
    expect(() => decodeImage(cut)).toThrow(/more than 16 passes over the image/);
  });
});

describe('maxPixels', () => {
  test('defaults to 100 megapixels', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(100_000_000);
  });

  test('a lower limit applies to JPEG and PNG, checked from the header', () => {
    expect(() => decodeImage(GOOD_JPEG, { file: 'q.jpg', maxPixels: 511 })).toThrow(
      "q.jpg: image is 32x16 = 512 pixels, over the limit of 511 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)");
    expect(decodeImage(GOOD_JPEG, { maxPixels: 512 }).width).toBe(32);
    expect(() => decodeImage(GOOD_PNG, { file: 'p.png', maxPixels: 63 })).toThrow(
      "p.png: image is 8x8 = 64 pixels, over the limit of 63 (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)");
    expect(decodeImage(GOOD_PNG, { maxPixels: 64 }).width).toBe(8);
  });

  test('is checked before the data is looked at (a huge truncated bomb reports its size)', () => {
    const bomb = concat(PNG_SIG, ihdr(50000, 50000, 8, 2));
    expect(() => decodeImage(bomb, { file: 'b.png' })).toThrow(/^b\.png: image is 50000x50000 = 2500000000 pixels/);
  });

  test('a raised limit lets a large image decode (jpeg-js\'s own limits never fire first either)', () => {
    // 10240x10000 = 102.4 MP: over the default limit and over jpeg-js's own default
    // maxResolutionInMP (100) and maxMemoryUsageInMB (512), which decodeImage overrides.
    const [w, h] = [10240, 10000];
    const jpeg = uniformGreyJpeg(w, h);
    expect(() => decodeImage(jpeg, { file: 'big.jpg' })).toThrow(/^big\.jpg: image is 10240x10000 = 102400000 pixels, over/);
    const img = decodeImage(jpeg, { file: 'big.jpg', maxPixels: 110_000_000 });
    expect([img.width, img.height]).toEqual([w, h]);
    expect([img.data[0], img.data[img.data.length - 1]]).toEqual([128, 128]);
    // The jpeg-js fallback path with the same limit.
    const js = decodeJpeg(jpeg, 110_000_000, 'big.jpg', { decoder: 'jpeg-js' });
    expect([js.width, js.height, js.data[0], js.data[js.data.length - 1]]).toEqual([w, h, 128, 128]);
  }, 300_000);

  test('rejects a nonsensical limit', () => {
    expect(() => decodeImage(GOOD_PNG, { maxPixels: 0 })).toThrow(RangeError);
    expect(() => decodeImage(GOOD_PNG, { maxPixels: Number.NaN })).toThrow(RangeError);
    expect(decodeImage(GOOD_PNG, { maxPixels: Infinity }).width).toBe(8);
  });
});

describe('tolerated like libpng/libjpeg (and so dlib)', () => {
  test('PNG: surplus image data after the last row is ignored', () => {
    const img = decodeImage(pngWithIdat(deflateSync(concat(RAW, new Uint8Array(50)))));
    expect(Array.from(img.data)).toEqual(SPEC.samples);
  });

  test('PNG: far too much surplus data is an error', () => {
    expect(() => decodeImage(pngWithIdat(deflateSync(concat(RAW, new Uint8Array(2 << 20)))), { file: 'z.png' }))
      .toThrow('z.png: corrupt PNG (far more compressed image data than its size needs)');
  });

  test('PNG: the image data may be split over many IDAT chunks', () => {
    const z = deflateSync(RAW);
    const parts = [z.subarray(0, 5), z.subarray(5, 6), z.subarray(6, 40), new Uint8Array(0), z.subarray(40)];
    const png = concat(PNG_SIG, ihdr(8, 8, 8, 2), ...parts.map((p) => chunk('IDAT', p)), chunk('IEND'));
    expect(Array.from(decodeImage(png).data)).toEqual(SPEC.samples);
  });

  test('PNG: palette indices beyond the palette show as black', () => {
    const png = buildPng({ width: 3, height: 1, colorType: 3, bitDepth: 8, palette: [[1, 2, 3], [4, 5, 6]], samples: [0, 7, 1] });
    expect(Array.from(decodeImage(png).data)).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6]);
  });

  test('JPEG: extraneous bytes between segments are skipped', () => {
    const at = findMarker(GOOD_JPEG, 0xdb);
    const jpeg = concat(GOOD_JPEG.subarray(0, at), Uint8Array.of(0, 0, 0), GOOD_JPEG.subarray(at));
    expect(decodeImage(jpeg).width).toBe(32);
  });
});
