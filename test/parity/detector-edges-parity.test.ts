/**
 * The HOG detector's edge cases against live dlib: images smaller than the 80x80 window,
 * 1-pixel-thin and very long crops of a face photo, their grey versions and an RGBA PNG with
 * varying alpha, at several upsample and threshold settings, on both backends: identical faces,
 * filters and scores (`detect` for RGB, the scan harness's `detect-gray` for
 * array2d<unsigned char>). The API side of the same cases: test/hog/detector.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { loadFrontalFaceDetector, type FaceDetection, type FhogDetector } from '../../src/hog/detector.js';
import { encodePng, readImageSync, rgbaToRgb, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessImage } from '../../src/parity/harness.js';
import { buildPng } from '../image/helpers.js';
import { describeParity, harnessReady, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

/** The `width` x `height` window of `img` at (left, top), edge pixels repeated outside it. */
function crop(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, left + x));
      const sy = Math.min(img.height - 1, Math.max(0, top + y));
      data.set(img.data.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

describeParity('detector edge cases vs dlib', () => {
  /** Small and odd-shaped crops of a face photo, their grey and RGBA-derived variants. */
  const cases: { name: string; rgb?: RgbImage; gray?: GrayImage; png: string }[] = [];
  let dir: string;
  let det: FhogDetector;

  beforeAll(() => {
    det = loadFrontalFaceDetector();
    dir = scratchDir('detector-edges');
    const jpg = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
    const decoded = join(dir, 'source.png');
    runHarness(['decode', jpg, decoded]);
    const src = readImageSync(decoded);
    // Face boxes in this photo: [121,208,208,294] and [149,85,221,157].
    const shapes: [string, RgbImage][] = [
      ['1x1', crop(src, 180, 120, 1, 1)],
      ['1x5000', crop(src, 180, 0, 1, 5000)],
      ['5000x1', crop(src, -2000, 120, 5000, 1)],
      ['79x79', crop(src, 146, 82, 79, 79)],
      ['80x80', crop(src, 145, 81, 80, 80)],
      ['81x95', crop(src, 144, 75, 81, 95)],
      ['113x113', crop(src, 129, 65, 113, 113)],
      ['120x60', crop(src, 120, 90, 120, 60)],
      ['face-2', crop(src, 100, 180, 140, 140)],
      ['whole', src],
    ];
    for (const [name, rgb] of shapes) {
      const png = join(dir, `${name}.png`);
      writeFileSync(png, encodePng(rgb));
      cases.push({ name, rgb, png });
      const gray = rgbToGray(rgb);
      const gpng = join(dir, `${name}-gray.png`);
      writeFileSync(gpng, encodePng(gray));
      cases.push({ name: `${name} grey`, gray, png: gpng });
    }
    // RGBA PNG with varying alpha: dlib's load_image composites it onto black; we decode the
    // PNG the same way, and rgbaToRgb does the same on raw RGBA pixels.
    const face = crop(src, 100, 60, 160, 260);
    const samples: number[] = [];
    const rgba = new Uint8Array(face.width * face.height * 4);
    for (let i = 0; i < face.width * face.height; i++) {
      const a = i % face.width < 40 ? 128 + (i % 97) : 255;
      rgba.set([face.data[i * 3], face.data[i * 3 + 1], face.data[i * 3 + 2], a], i * 4);
      samples.push(face.data[i * 3], face.data[i * 3 + 1], face.data[i * 3 + 2], a);
    }
    const rpng = join(dir, 'rgba.png');
    writeFileSync(rpng, buildPng({ width: face.width, height: face.height, colorType: 6, bitDepth: 8, samples }));
    cases.push({ name: 'RGBA-derived', rgb: rgbaToRgb({ width: face.width, height: face.height, data: rgba }), png: rpng });
  });

  function compare(got: FaceDetection[], want: HarnessImage['faces'], where: string): number {
    expect(got.map((f) => f.rect), where).toEqual(want.map((f) => f.rect));
    expect(got.map((f) => f.filter), where).toEqual(want.map((f) => f.filter));
    let max = 0;
    got.forEach((f, k) => {
      max = Math.max(max, Math.abs(f.score - want[k].score));
    });
    expect(max, where).toBeLessThanOrEqual(TOLERANCES.detectorScore.abs);
    return got.length;
  }

  it.each([
    [0, 0], [1, 0], [0, -1], [1, -1], [2, -0.5],
  ])('upsample %i, adjust %d: same faces as dlib on every edge case, both backends', (upsample, adjust) => {
    expect(harnessReady()).toBe(true);
    const opts = ['--upsample', String(upsample), '--adjust', String(adjust)];
    const rgbCases = cases.filter((c) => c.rgb);
    const grayCases = cases.filter((c) => c.gray);
    const wantRgb = runHarnessJson<HarnessImage>(['detect', ...rgbCases.map((c) => c.png), ...opts]);
    const wantGray = runHarnessJson<HarnessImage>(['detect-gray', ...grayCases.map((c) => c.png), ...opts]);
    for (const backend of ['wasm', 'reference'] as const) {
      let faces = 0;
      rgbCases.forEach((c, i) => {
        expect([c.rgb!.width, c.rgb!.height]).toEqual([wantRgb[i].width, wantRgb[i].height]);
        faces += compare(det.detect(c.rgb!, { upsample, adjustThreshold: adjust, backend }), wantRgb[i].faces, `${c.name} (${backend})`);
        // What our decoder makes of the PNG is what dlib's load_image makes of it.
        if (c.name === 'RGBA-derived') expect(readImageSync(c.png).data).toEqual(c.rgb!.data);
      });
      grayCases.forEach((c, i) => {
        faces += compare(det.detect(c.gray!, { upsample, adjustThreshold: adjust, backend }), wantGray[i].faces, `${c.name} (${backend})`);
      });
      if (adjust < 0 || upsample > 0) expect(faces).toBeGreaterThan(0);
    }
  }, 300_000);
});
