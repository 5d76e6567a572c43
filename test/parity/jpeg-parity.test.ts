/**
 * facemetric's JPEG decoding (src/image/jpeg/, a port of libjpeg-turbo 2.1's decompression) against
 * dlib's load_image (harness `decode`: dlib 19.24 on Debian 12's libjpeg62-turbo 2.1.5, written as
 * an 8-bit RGB PNG): every JPEG of the example images (examples/faces, johns, video_frames) and
 * every generated fixture of test/image/fixtures/jpeg must give identical pixels
 * (TOLERANCES.jpegDecodeExact), arithmetic coding included. Also the case where the two part on
 * purpose: non-integral sampling ratios (dlib fails, facemetric falls back to jpeg-js).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { decodeImage, readImageSync, type RgbImage } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

const FIXTURES = fileURLToPath(new URL('../image/fixtures/jpeg/', import.meta.url));

describeParity('JPEG decoding gives dlib\'s load_image pixels', () => {
  let work = '';
  let counter = 0;
  const summary: string[] = [];
  beforeAll(() => { work = scratchDir('jpeg-parity'); });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (summary.length) process.stdout.write(`JPEG parity:\n  ${summary.join('\n  ')}\n`);
  });

  const dlib = (file: string): RgbImage => {
    const out = join(work, `${counter++}.png`);
    runHarness(['decode', file, out], { timeoutMs: 60_000 });
    return readImageSync(out);
  };
  const ours = (file: string): RgbImage => decodeImage(new Uint8Array(readFileSync(file)), { file, applyExifOrientation: false });

  /** Decodes each file both ways; returns the largest difference and the files that differ. */
  const compare = (files: string[]): { max: number; differing: string[] } => {
    let max = 0;
    const differing: string[] = [];
    for (const f of files) {
      const a = ours(f);
      const b = dlib(f);
      expect([basename(f), a.width, a.height]).toEqual([basename(f), b.width, b.height]);
      let m = 0;
      for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
      if (m > 0) differing.push(`${basename(f)} (max ${m})`);
      max = Math.max(max, m);
    }
    return { max, differing };
  };

  test.each(['faces', 'johns', 'video_frames'])('examples/%s: every JPEG identical', (sub) => {
    const files = exampleImages(sub).filter((f) => /\.jpe?g$/i.test(f));
    expect(files.length).toBeGreaterThan(0);
    const { max, differing } = compare(files);
    summary.push(`examples/${sub}: ${files.length} JPEGs, ${differing.length} differ, max difference ${max}`);
    expect(differing).toEqual([]);
    expect(max).toBeLessThanOrEqual(TOLERANCES.jpegDecodeExact.abs);
  }, 600_000);

  test('generated layouts (sampling factors, progressive, restarts, odd sizes, grey, Adobe RGB, arithmetic coding, extremes): identical', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.jpg') && !['cmyk.jpg', 'ycck.jpg'].includes(f))
      .sort().map((f) => join(FIXTURES, f));
    expect(files.length).toBe(46);
    const { max, differing } = compare(files);
    summary.push(`test/image/fixtures/jpeg: ${files.length} JPEGs, ${differing.length} differ, max difference ${max}`);
    expect(differing).toEqual([]);
    expect(max).toBeLessThanOrEqual(TOLERANCES.jpegDecodeExact.abs);
  }, 600_000);

  test('where facemetric parts from dlib on purpose: non-integral sampling ratios', () => {
    // Non-integral sampling ratios: libjpeg cannot upsample them (dlib fails), jpeg-js can.
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'h3v1-int.jpg')));
    let sof = 2;
    while (!(bytes[sof] === 0xff && bytes[sof + 1] === 0xc0)) sof++;
    bytes[sof + 11 + 3] = 0x21;
    const frac = join(work, 'fractional.jpg');
    writeFileSync(frac, bytes);
    expect(() => dlib(frac)).toThrow(/Fractional sampling not implemented yet/);
    expect([ours(frac).width, ours(frac).height]).toEqual([45, 37]);
  });
});
