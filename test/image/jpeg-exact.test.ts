/**
 * The libjpeg-turbo port (src/image/jpeg/) without dlib at hand: each generated fixture in
 * fixtures/jpeg (see make-jpeg-parity.c: every sampling layout, progressive, restart intervals,
 * odd sizes, greyscale, Adobe RGB, low and high quality, absurd coefficients) must decode to the
 * pixels dlib's load_image gave (sha256 recorded in fixtures/jpeg/dlib-pixels.json by the harness
 * `decode`; test/parity/jpeg-parity.test.ts compares with live dlib). Also the jpeg-js fallback
 * (CMYK/YCCK, non-integral sampling ratios) and the refusals.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { crc32 } from '../../src/image/crc32.js';
import { decodeImage } from '../../src/image/index.js';
import { decodeJpeg } from '../../src/image/jpeg.js';
import { decodeJpegExact, JpegUnsupportedError } from '../../src/image/jpeg/decoder.js';

const DIR = new URL('./fixtures/jpeg/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const expected = JSON.parse(readFileSync(new URL('dlib-pixels.json', DIR), 'utf8')) as Record<string, string>;

/** A copy of `jpeg` with the sampling byte of frame component `index` replaced. */
function withSampling(jpeg: Uint8Array, index: number, hv: number): Uint8Array {
  const b = jpeg.slice();
  let sof = 2;
  while (!(b[sof] === 0xff && b[sof + 1] >= 0xc0 && b[sof + 1] <= 0xc2)) sof++;
  b[sof + 11 + index * 3] = hv;
  return b;
}

describe('JPEG: libjpeg-turbo\'s pixels without dlib', () => {
  test('every fixture the port decodes is listed, and the list is every fixture but the fallbacks', () => {
    const all = readdirSync(DIR).filter((f) => f.endsWith('.jpg')).sort();
    expect(all.filter((f) => !(f in expected))).toEqual(['cmyk.jpg', 'ycck.jpg']);
    expect(Object.keys(expected).length).toBe(46);
  });

  for (const [name, want] of Object.entries(expected)) {
    test(`${name}: dlib's pixels`, () => {
      const img = decodeImage(fixture(name), { file: name, applyExifOrientation: false });
      const got = `${img.width}x${img.height} ${createHash('sha256').update(img.data).digest('hex')}`;
      expect(got).toBe(want);
    });
  }

  test('CMYK and YCCK (Adobe) go to jpeg-js', () => {
    for (const name of ['cmyk.jpg', 'ycck.jpg']) {
      const bytes = fixture(name);
      expect(() => decodeJpegExact(bytes)).toThrow(JpegUnsupportedError);
      const img = decodeJpeg(bytes, 1e8, name);
      expect([img.width, img.height]).toEqual([37, 29]);
      expect(img).toEqual(decodeJpeg(bytes, 1e8, name, { decoder: 'jpeg-js' }));
    }
  });

  test('non-integral sampling ratios (3x1 luma, 2x1 Cb) go to jpeg-js; libjpeg cannot upsample them', () => {
    const bytes = withSampling(fixture('h3v1-int.jpg'), 1, 0x21);
    let err: unknown;
    try { decodeJpegExact(bytes); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(JpegUnsupportedError);
    expect((err as JpegUnsupportedError).fallback).toBe(true);
    const img = decodeJpeg(bytes, 1e8, 'frac.jpg');
    expect(img).toEqual(decodeJpeg(bytes, 1e8, 'frac.jpg', { decoder: 'jpeg-js' }));
  });

  test('decoder: \'jpeg-js\' still decodes (pixels near, not equal to, dlib\'s)', () => {
    const bytes = fixture('420.jpg');
    const exact = decodeJpeg(bytes, 1e8, undefined);
    const js = decodeJpeg(bytes, 1e8, undefined, { decoder: 'jpeg-js' });
    expect([js.width, js.height]).toEqual([exact.width, exact.height]);
    let sum = 0;
    for (let i = 0; i < js.data.length; i++) sum += Math.abs(js.data[i] - exact.data[i]);
    expect(sum).toBeGreaterThan(0);
  });

  test('a progressive scan cut short and a wrong restart marker decode as libjpeg does (dlib\'s pixels, its warnings)', () => {
    const prog = fixture('420-progressive.jpg');
    // Cut the entropy-coded data of a scan short: keep up to the 3rd SOS + 20 bytes, then EOI.
    let sos = 0;
    for (let i = 0, n = 0; i < prog.length - 1; i++) if (prog[i] === 0xff && prog[i + 1] === 0xda && ++n === 3) { sos = i; break; }
    const cut = decodeImage(new Uint8Array([...prog.subarray(0, sos + 20), 0xff, 0xd9]), { file: 'p.jpg' });
    // CRC-32 of dlib's pixels, and libjpeg's first warning (harness load-report).
    expect([cut.width, cut.height, crc32(cut.data)]).toEqual([37, 29, 4133490179]);
    expect(cut.warnings).toEqual(['Corrupt JPEG data: premature end of data segment']);
    const rst = fixture('420-restart-1.jpg');
    const at = rst.findIndex((v, i) => v === 0xff && rst[i + 1] === 0xd3);
    const wrong = rst.slice();
    wrong[at + 1] = 0xd5;
    const img = decodeImage(wrong, { file: 'r.jpg' });
    expect([img.width, img.height, crc32(img.data)]).toEqual([37, 29, 3136177194]);
    expect(img.warnings?.[0]).toBe('Corrupt JPEG data: found marker 0xd5 instead of RST3');
  });
});
