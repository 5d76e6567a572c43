/**
 * Decodes the same files with dlib's own `load_image` (the project's parity harness, `decode`
 * command: dlib with libpng/libjpeg, into a `matrix<rgb_pixel>`, saved as an 8-bit RGB PNG) and
 * with decodeImage, and compares: PNGs and JPEGs must match byte for byte (JPEG: also
 * test/parity/jpeg-parity.test.ts, on every example image and generated layout). Skipped (with the reason) where dlib is
 * not installed, except in CI, where parity is required (see test/parity/helpers.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { decodeImage } from '../../src/image/index.js';
import { runHarness } from '../../src/parity/harness.js';
import { rngU32 } from '../helpers/random.js';
import { describeParity, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';
import {
  buildPng, chunk, concat, encodeJpeg, findMarker, ihdr, PNG_SIG, quadrants, rawImageData, type PngSpec,
} from '../image/helpers.js';

let work = '';
beforeAll(() => { work = scratchDir('image'); });
afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

type Decoded = { width: number; height: number; data: Uint8Array } | { error: string };

let counter = 0;
/** dlib's load_image of `bytes`; its output PNG (8-bit RGB, exact) is read back with decodeImage. */
function dlibLoad(bytes: Uint8Array): Decoded {
  const input = path.join(work, `in-${counter}`);
  const output = path.join(work, `out-${counter++}.png`);
  fs.writeFileSync(input, bytes);
  try {
    runHarness(['decode', input, output], { timeoutMs: 60_000 });
  } catch (err) {
    return { error: (err as Error).message };
  }
  return decodeImage(new Uint8Array(fs.readFileSync(output)));
}

function oursLoad(bytes: Uint8Array): Decoded {
  try {
    return decodeImage(bytes, { applyExifOrientation: false });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Deterministic pseudo-random samples in [0, n) (mulberry32). */
function random(seed: number): (n: number) => number {
  const next = rngU32(seed);
  return (n) => next() % n;
}

function flavours(): Record<string, PngSpec> {
  const rnd = random(20240601);
  const [W, H] = [13, 11];
  const specs: Record<string, PngSpec> = {};
  const channels: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  const mk = (colorType: PngSpec['colorType'], bitDepth: PngSpec['bitDepth'], interlace: boolean, extra: Partial<PngSpec> = {}, max?: number): PngSpec => {
    const limit = max ?? (colorType === 3 ? extra.palette!.length : 2 ** bitDepth);
    const samples = Array.from({ length: W * H * channels[colorType] }, () => rnd(limit));
    return { width: W, height: H, colorType, bitDepth, interlace, samples, ...extra };
  };
  for (const interlace of [false, true]) {
    const s = interlace ? ' interlaced' : '';
    for (const d of [1, 2, 4, 8, 16] as const) specs[`grey ${d}${s}`] = mk(0, d, interlace);
    specs[`grey 16 small values${s}`] = mk(0, 16, interlace, {}, 300);
    for (const d of [1, 8, 16] as const) {
      const sp = mk(0, d, interlace);
      sp.trns = [sp.samples[0] >> 8, sp.samples[0] & 255];
      specs[`grey ${d} tRNS${s}`] = sp;
    }
    for (const d of [8, 16] as const) specs[`grey+alpha ${d}${s}`] = mk(4, d, interlace);
    for (const d of [8, 16] as const) specs[`RGB ${d}${s}`] = mk(2, d, interlace);
    for (const d of [8, 16] as const) {
      const sp = mk(2, d, interlace);
      sp.trns = sp.samples.slice(0, 3).flatMap((v) => [v >> 8, v & 255]);
      specs[`RGB ${d} tRNS${s}`] = sp;
    }
    for (const d of [8, 16] as const) specs[`RGBA ${d}${s}`] = mk(6, d, interlace);
    for (const d of [1, 2, 4, 8] as const) {
      const n = Math.min(2 ** d, 7);
      const palette = Array.from({ length: n }, () => [rnd(256), rnd(256), rnd(256)] as [number, number, number]);
      specs[`palette ${d}${s}`] = mk(3, d, interlace, { palette });
      specs[`palette ${d} tRNS${s}`] = mk(3, d, interlace, { palette, trns: Array.from({ length: Math.max(1, n - 1) }, () => rnd(256)) });
    }
  }
  return specs;
}

describeParity('decodeImage agrees with dlib::load_image', () => {
  test('PNG: every flavour, byte for byte', () => {
    const specs = flavours();
    expect(Object.keys(specs)).toHaveLength(50);
    for (const [name, spec] of Object.entries(specs)) {
      const png = buildPng(spec);
      expect({ name, ...oursLoad(png) }).toEqual({ name, ...dlibLoad(png) });
    }
  });

  test('PNG: edge cases accepted by both, rejected by both', () => {
    const spec: PngSpec = { width: 8, height: 8, colorType: 2, bitDepth: 8, samples: Array.from({ length: 192 }, (_, i) => i) };
    const raw = rawImageData(spec);
    const z = deflateSync(raw);
    const withIdat = (data: Uint8Array): Uint8Array => concat(PNG_SIG, ihdr(8, 8, 8, 2), chunk('IDAT', data), chunk('IEND'));
    const accepted = {
      'surplus image data': withIdat(deflateSync(concat(raw, new Uint8Array(50)))),
      'palette index out of range': buildPng({ width: 3, height: 1, colorType: 3, bitDepth: 8, palette: [[1, 2, 3]], samples: [0, 5, 0] }),
    };
    for (const [name, png] of Object.entries(accepted)) {
      expect({ name, ...oursLoad(png) }).toEqual({ name, ...dlibLoad(png) });
    }
    const rejected = {
      'bad zlib header': withIdat(Uint8Array.from(z).map((v, i) => (i === 0 ? 0x12 : v))),
      'bad Adler-32': withIdat(Uint8Array.from(z).map((v, i) => (i === z.length - 1 ? v ^ 1 : v))),
      'image data ends early': withIdat(deflateSync(raw.subarray(0, 100))),
      'zlib stream cut': withIdat(z.subarray(0, z.length - 10)),
      'no IEND': buildPng(spec).subarray(0, buildPng(spec).length - 12),
      'bad CRC': buildPng(spec).map((v, i) => (i === 40 ? v ^ 1 : v)),
    };
    for (const [name, png] of Object.entries(rejected)) {
      expect({ name, dlib: 'error' in dlibLoad(png) }).toEqual({ name, dlib: true });
      expect({ name, ours: 'error' in oursLoad(png) }).toEqual({ name, ours: true });
    }
  });

  test('JPEG: identical pixels (libjpeg-turbo port)', () => {
    const faces = '/usr/share/doc/libdlib19.1/examples/faces';
    const fixture = (f: string): Uint8Array => new Uint8Array(fs.readFileSync(new URL(`../image/fixtures/${f}`, import.meta.url)));
    const synthetic = encodeJpeg(32, 16, quadrants(32, 16, [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]]));
    const dqt = findMarker(synthetic, 0xdb);
    // [name, bytes, limit on the mean absolute difference per channel value]
    const files: Array<[string, Uint8Array, number]> = [
      ['synthetic 4:4:4', synthetic, TOLERANCES.jpegDecodeExact.abs],
      // Stray bytes between segments: libjpeg skips them with a warning, and so do we.
      ['stray bytes', concat(synthetic.subarray(0, dqt), Uint8Array.of(1, 2, 3), synthetic.subarray(dqt)), TOLERANCES.jpegDecodeExact.abs],
      ['grey.jpg', fixture('grey.jpg'), TOLERANCES.jpegDecodeExact.abs],
      // 16x16 4:2:0 with sharp colour edges through the middle, where libjpeg's interpolated
      // ("fancy") chroma upsampling matters on nearly half the pixels.
      ['progressive.jpg', fixture('progressive.jpg'), TOLERANCES.jpegDecodeExact.abs],
      ...['2008_002470.jpg', 'Tom_Cruise_avp_2014_4.jpg']
        .filter((f) => fs.existsSync(`${faces}/${f}`))
        .map((f) => [f, new Uint8Array(fs.readFileSync(`${faces}/${f}`)), TOLERANCES.jpegDecodeExact.abs] as [string, Uint8Array, number]),
    ];
    for (const [name, bytes, limit] of files) {
      const dlib = dlibLoad(bytes);
      const ours = oursLoad(bytes);
      if ('error' in dlib || 'error' in ours) throw new Error(`${name}: dlib ${JSON.stringify(dlib)}, ours ${JSON.stringify(ours)}`);
      expect([name, ours.width, ours.height]).toEqual([name, dlib.width, dlib.height]);
      let sum = 0;
      for (let i = 0; i < ours.data.length; i++) sum += Math.abs(ours.data[i] - dlib.data[i]);
      const mean = sum / ours.data.length;
      expect({ name, mean, withinLimit: mean <= limit }).toEqual({ name, mean, withinLimit: true });
    }
  });
});
