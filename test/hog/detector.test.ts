/**
 * The HOG detector's API and edge cases: images smaller than the 80x80 window, 1-pixel-thin
 * images, grey and RGBA-derived input, bad arguments. Where dlib can run the same case (every
 * image that fits in a PNG), the result is compared with live dlib: identical faces, filters
 * and scores (`detect` for RGB, the scan harness's `detect-gray` for array2d<unsigned char>).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { boxesOverlap, loadFrontalFaceDetector, type FaceDetection, type FhogDetector } from '../../src/hog/detector.js';
import { encodePng, readImageSync, rgbaToRgb, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessImage } from '../../src/parity/harness.js';
import { buildPng } from '../image/helpers.js';
import { describeParity, harnessReady, scratchDir } from '../parity/helpers.js';
import { TOLERANCES } from '../parity/tolerances.js';

let det: FhogDetector;
beforeAll(() => {
  det = loadFrontalFaceDetector();
});

/** A synthetic RGB image with some structure (gradients and a bright square). */
function synthetic(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 7 + y * 3) & 255;
      data[i + 1] = (x * y) & 255;
      data[i + 2] = x % 17 < 8 ? 200 : 30;
    }
  }
  return { width, height, data };
}

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

describe('FhogDetector API', () => {
  it('loads dlib\'s frontal face detector: 5 filters of 10x10 cells, separable path', () => {
    expect(det.banks).toHaveLength(5);
    expect([det.filterWidth, det.filterHeight]).toEqual([10, 10]);
    expect(det.banks.every((b) => b.separable)).toBe(true);
  });

  it.each([
    [0, 0], [1, 1], [1, 5000], [5000, 1], [3, 200], [200, 3], [79, 79], [40, 300],
  ])('a %ix%i image: no crash, no faces (RGB and grey, upsample 0-2)', (w, h) => {
    const img = synthetic(w, h);
    for (const upsample of [0, 1, 2]) {
      expect(det.detect(img, { upsample })).toEqual([]);
      if (w * h > 0) expect(det.detect(rgbToGray(img), { upsample })).toEqual([]);
    }
  });

  it('the WebAssembly and TypeScript fHOG backends give the same detections', () => {
    const src = readImageSync(exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!);
    for (const upsample of [0, 1]) {
      const wasm = det.detect(src, { upsample, adjustThreshold: -0.5, backend: 'wasm' });
      expect(wasm.length).toBeGreaterThan(0);
      expect(det.detect(src, { upsample, adjustThreshold: -0.5, backend: 'reference' })).toEqual(wasm);
    }
  });

  it('refuses bad arguments with a RangeError', () => {
    const img = synthetic(10, 10);
    expect(() => det.detect({ width: 10, height: 10, data: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => det.detect(img, { upsample: -1 })).toThrow(RangeError);
    expect(() => det.detect(img, { upsample: 1.5 })).toThrow(RangeError);
    expect(() => det.detect(img, { adjustThreshold: Number.NaN })).toThrow(RangeError);
  });

  it('a missing detector file is a one-line FacemetricError naming it', () => {
    expect(() => loadFrontalFaceDetector('/nonexistent/detector.svm')).toThrow(FacemetricError);
    expect(() => loadFrontalFaceDetector('/nonexistent/detector.svm')).toThrow(/\/nonexistent\/detector.svm/);
  });

  it('test_box_overlap: IoU and percent-covered rules', () => {
    expect(boxesOverlap([0, 0, 9, 9], [20, 20, 29, 29], 0.5, 1)).toBe(false);
    expect(boxesOverlap([0, 0, 9, 9], [0, 0, 9, 9], 0.5, 1)).toBe(true);
    // inner 50, union 150: IoU 1/3.
    expect(boxesOverlap([0, 0, 9, 9], [5, 0, 14, 9], 0.3, 1)).toBe(true);
    expect(boxesOverlap([0, 0, 9, 9], [5, 0, 14, 9], 0.4, 1)).toBe(false);
    // a small box inside a big one: covered 100% > 0.9.
    expect(boxesOverlap([0, 0, 99, 99], [10, 10, 19, 19], 0.9, 0.9)).toBe(true);
    expect(boxesOverlap([0, 0, 99, 99], [10, 10, 19, 19], 0.9, 1)).toBe(false);
  });
});

describeParity('detector edge cases vs dlib', () => {
  /** Small and odd-shaped crops of a face photo, their grey and RGBA-derived variants. */
  const cases: { name: string; rgb?: RgbImage; gray?: GrayImage; png: string }[] = [];
  let dir: string;

  beforeAll(() => {
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
  ])('upsample %i, adjust %d: same faces as dlib on every edge case', (upsample, adjust) => {
    expect(harnessReady()).toBe(true);
    const opts = ['--upsample', String(upsample), '--adjust', String(adjust)];
    const rgbCases = cases.filter((c) => c.rgb);
    const grayCases = cases.filter((c) => c.gray);
    const wantRgb = runHarnessJson<HarnessImage>(['detect', ...rgbCases.map((c) => c.png), ...opts]);
    const wantGray = runHarnessJson<HarnessImage>(['detect-gray', ...grayCases.map((c) => c.png), ...opts]);
    let faces = 0;
    rgbCases.forEach((c, i) => {
      expect([c.rgb!.width, c.rgb!.height]).toEqual([wantRgb[i].width, wantRgb[i].height]);
      faces += compare(det.detect(c.rgb!, { upsample, adjustThreshold: adjust }), wantRgb[i].faces, c.name);
      // What our decoder makes of the PNG is what dlib's load_image makes of it.
      if (c.name === 'RGBA-derived') expect(readImageSync(c.png).data).toEqual(c.rgb!.data);
    });
    grayCases.forEach((c, i) => {
      faces += compare(det.detect(c.gray!, { upsample, adjustThreshold: adjust }), wantGray[i].faces, c.name);
    });
    if (adjust < 0 || upsample > 0) expect(faces).toBeGreaterThan(0);
  }, 300_000);
});
