/**
 * dlib's shape_predictor (68-point model) against live dlib: on every face dlib's detector finds
 * in the example images (faces/, johns/, video_frames/), identical integer landmarks; the
 * unrounded positions (harness `landmarks-exact`, test/parity/landmarks.cpp) are compared too and
 * must be identical to dlib's rounded to float32 (dlib keeps them in double; the max difference,
 * i.e. the float32 storage, is reported). Also boxes partly or wholly outside the image, tiny boxes and
 * greyscale input, with explicit rects given to both sides.
 *
 * Both sides get identical pixels: each JPEG is decoded by dlib (harness `decode` -> PNG). Our
 * boxes come from our detector (bit-identical to dlib's, see detect-parity.test.ts) and must
 * equal the harness's.
 */
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Rect } from '../../src/geometry/index.js';
import { loadFrontalFaceDetector } from '../../src/hog/detector.js';
import { readImageSync, rgbToGray } from '../../src/image/index.js';
import { loadShapePredictor, type ShapePredictorModel } from '../../src/landmarks/index.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';

const FOLDERS = ['faces', 'johns', 'video_frames'] as const;

interface ExactFace {
  rect: [number, number, number, number];
  parts: [number, number][];
  exact: number[];
}
interface ExactImage {
  image: string;
  width: number;
  height: number;
  faces: ExactFace[];
  ms: number;
}

describeParity('shape_predictor (68 landmarks) vs dlib', () => {
  let sp: ShapePredictorModel;
  let predictor: string;
  const pngs = new Map<string, string[]>();
  const summary: string[] = [];

  beforeAll(() => {
    predictor = assetPath('shape_predictor_68_face_landmarks');
    sp = loadShapePredictor(predictor);
    const dir = scratchDir('landmarks-parity');
    for (const folder of FOLDERS) {
      const jpgs = exampleImages(folder).filter((f) => /\.jpe?g$/i.test(f));
      pngs.set(
        folder,
        jpgs.map((jpg, i) => {
          const png = join(dir, `${folder}-${i}-${basename(jpg)}.png`);
          runHarness(['decode', jpg, png]);
          return png;
        }),
      );
    }
  }, 600_000);

  afterAll(() => {
    summary.push(`unrounded positions differing from dlib's (as float32): ${notF32Identical}`);
    if (summary.length) process.stdout.write(`landmarks parity:\n  ${summary.join('\n  ')}\n`);
  });

  let notF32Identical = 0;
  /**
   * Compares one face; returns the max |exact difference| (dlib's unrounded positions are
   * doubles, ours are stored as float32; `notF32Identical` counts those that differ from dlib's
   * rounded to float32).
   */
  function compare(got: { points: [number, number][]; exact: Float32Array }, want: ExactFace, where: string): number {
    expect(got.points, where).toEqual(want.parts);
    let max = 0;
    for (let i = 0; i < want.exact.length; i++) {
      max = Math.max(max, Math.abs(got.exact[i] - want.exact[i]));
      if (got.exact[i] !== Math.fround(want.exact[i])) notF32Identical++;
    }
    expect(notF32Identical, `${where}: unrounded positions identical to dlib's as float32`).toBe(0);
    return max;
  }

  it.each(FOLDERS)('%s: every face dlib detects gets identical integer landmarks', (folder) => {
    const det = loadFrontalFaceDetector();
    const list = pngs.get(folder)!;
    const want = runHarnessJson<ExactImage>(['landmarks-exact', ...list, '--predictor', predictor]);
    expect(want).toHaveLength(list.length);
    let faces = 0;
    let maxDiff = 0;
    let ourMs = 0;
    let dlibMs = 0;
    for (let i = 0; i < list.length; i++) {
      const img = readImageSync(list[i]);
      const rects = det.detect(img).map((f) => f.rect);
      expect(rects, basename(list[i])).toEqual(want[i].faces.map((f) => f.rect));
      rects.forEach((r, k) => {
        const t0 = performance.now();
        const got = sp.predict(img, r);
        ourMs += performance.now() - t0;
        maxDiff = Math.max(maxDiff, compare(got, want[i].faces[k], `${basename(list[i])} face ${k}`));
      });
      faces += rects.length;
      dlibMs += want[i].ms * want[i].faces.length;
    }
    summary.push(
      `${folder}: ${list.length} images, ${faces} faces, integer landmarks identical; max |unrounded diff| ${maxDiff}; ` +
        `per face ours ${(ourMs / Math.max(faces, 1)).toFixed(3)} ms, dlib ${(dlibMs / Math.max(faces, 1)).toFixed(3)} ms`,
    );
  }, 600_000);

  it('video_frames: the windows our detector finds at adjust -1.5 (none pass 0), given to both sides as boxes', () => {
    const det = loadFrontalFaceDetector();
    const list = pngs.get('video_frames')!;
    const imgs = list.map((f) => readImageSync(f));
    const rects = imgs.map((img) => det.detect(img, { adjustThreshold: -1.5 }).map((f) => f.rect));
    const want = runHarnessJson<ExactImage>(['landmarks-exact', ...list, '--predictor', predictor, '--rects-per-image', JSON.stringify(rects)]);
    expect(want).toHaveLength(list.length);
    let faces = 0;
    let maxDiff = 0;
    imgs.forEach((img, i) => {
      expect(want[i].faces.map((f) => f.rect)).toEqual(rects[i]);
      rects[i].forEach((r, k) => {
        maxDiff = Math.max(maxDiff, compare(sp.predict(img, r), want[i].faces[k], `${basename(list[i])} box ${k}`));
        faces++;
      });
    });
    expect(faces).toBeGreaterThan(0);
    summary.push(`video_frames adjust -1.5: ${faces} boxes, integer landmarks identical; max |unrounded diff| ${maxDiff}`);
  }, 600_000);

  it('explicit boxes: partly and wholly outside the image, tiny, degenerate; RGB and greyscale', () => {
    const png = pngs.get('faces')![0];
    const img = readImageSync(png);
    const { width: w, height: h } = img;
    const rects: Rect[] = [
      [-40, -30, 60, 70],
      [w - 60, h - 50, w + 40, h + 50],
      [-100, 20, w + 100, h - 20],
      [w + 10, h + 10, w + 90, h + 90],
      [-200, -200, -100, -100],
      [100, 100, 109, 109],
      [50, 60, 50, 60],
      [30, 40, 33, 41],
      [0, 0, w - 1, h - 1],
      [120, 200, 210, 290],
    ];
    const json = JSON.stringify(rects);
    const gray = rgbToGray(img);
    let maxDiff = 0;
    for (const [mode, input] of [['rgb', img], ['gray', gray]] as const) {
      const args = ['landmarks-exact', png, '--predictor', predictor, '--rects', json];
      if (mode === 'gray') args.push('--pixels', 'gray');
      const [want] = runHarnessJson<ExactImage>(args);
      expect(want.faces).toHaveLength(rects.length);
      rects.forEach((r, k) => {
        maxDiff = Math.max(maxDiff, compare(sp.predict(input, r), want.faces[k], `${mode} rect ${JSON.stringify(r)}`));
      });
    }
    summary.push(`explicit boxes: ${rects.length} rects x (RGB, grey) identical; max |unrounded diff| ${maxDiff}`);
  }, 600_000);
});
