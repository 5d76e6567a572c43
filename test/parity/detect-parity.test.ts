/**
 * The HOG face detector against live dlib, on EVERY example image (dlib's faces/, johns/ and
 * video_frames/ folders), with upsample 0 and 1: same faces in the same order, identical boxes
 * and filter indices, identical scores (TOLERANCES.detectorScore, 0).
 *
 * Both sides get identical pixels: each JPEG is decoded by dlib (harness `decode` -> PNG, which
 * we decode identically), so the comparison tests the detector, not the JPEG decoders.
 * The harness's `detect` takes many images at once, so dlib runs once per folder and setting.
 * Every case runs on both backends ('wasm': WebAssembly fHOG, resize and scanner kernels;
 * 'reference': TypeScript throughout), and the two must give identical detections (scores
 * included, as doubles).
 */
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadFrontalFaceDetector, type FaceDetection, type FhogDetector } from '../../src/hog/detector.js';
import type { Backend } from '../../src/wasm/backend.js';
import { readImageSync } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessImage } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

const FOLDERS = ['faces', 'johns', 'video_frames'] as const;

describeParity('HOG face detector vs dlib on every example image', () => {
  let det: FhogDetector;
  const pngs = new Map<string, string[]>();
  const summary: string[] = [];
  const dlibRuns = new Map<string, HarnessImage[]>();
  const wasmRuns = new Map<string, FaceDetection[][]>();

  beforeAll(() => {
    det = loadFrontalFaceDetector();
    const dir = scratchDir('detect-parity');
    for (const folder of FOLDERS) {
      const jpgs = exampleImages(folder).filter((f) => /\.jpe?g$/i.test(f));
      const list = jpgs.map((jpg, i) => {
        const png = join(dir, `${folder}-${i}-${basename(jpg)}.png`);
        runHarness(['decode', jpg, png]);
        return png;
      });
      pngs.set(folder, list);
    }
  });

  afterAll(() => {
    if (summary.length) process.stdout.write(`detect parity:\n  ${summary.join('\n  ')}\n`);
  });

  const settings = [
    ...FOLDERS.flatMap((folder) => [0, 1].map((upsample) => [folder, upsample, 0] as const)),
    // A lowered threshold: many overlapping windows from all 5 filters, so sorting and
    // non-max suppression are exercised on long lists.
    ['faces', 0, -1] as const,
    // The video frames hold no faces at dlib's threshold; at -1.5 windows do pass.
    ['video_frames', 0, -1.5] as const,
  ];
  // wasm first: the reference run of each setting also checks that it matches the wasm one
  const backends: Backend[] = ['wasm', 'reference'];
  const cases = settings.flatMap(([folder, upsample, adjust]) => backends.map((backend) => [folder, upsample, adjust, backend] as const));

  it.each(cases)('%s, upsample %i, adjust %d, %s backend: identical boxes, filters and scores', (folder, upsample, adjust, backend) => {
    const list = pngs.get(folder)!;
    expect(list.length).toBeGreaterThan(0);
    const key = `${folder} ${upsample} ${adjust}`;
    let want = dlibRuns.get(key);
    if (want === undefined) {
      want = runHarnessJson<HarnessImage>(['detect', ...list, '--upsample', String(upsample), '--adjust', String(adjust)]);
      dlibRuns.set(key, want);
    }
    expect(want).toHaveLength(list.length);
    const ours: FaceDetection[][] = [];
    let maxDiff = 0;
    let faces = 0;
    let ourMs = 0;
    let dlibMs = 0;
    let slowest = { ms: 0, image: '' };
    for (let i = 0; i < list.length; i++) {
      const img = readImageSync(list[i]);
      expect([img.width, img.height]).toEqual([want[i].width, want[i].height]);
      const t0 = performance.now();
      const got = det.detect(img, { upsample, adjustThreshold: adjust, backend });
      const ms = performance.now() - t0;
      ourMs += ms;
      dlibMs += want[i].timings.detect;
      if (ms > slowest.ms) slowest = { ms, image: basename(list[i]) };
      const where = `${basename(list[i])} (upsample ${upsample}, adjust ${adjust})`;
      expect(got.map((f) => f.rect), where).toEqual(want[i].faces.map((f) => f.rect));
      expect(got.map((f) => f.filter), where).toEqual(want[i].faces.map((f) => f.filter));
      got.forEach((f, k) => {
        maxDiff = Math.max(maxDiff, Math.abs(f.score - want[i].faces[k].score));
      });
      faces += got.length;
      ours.push(got);
    }
    if (backend === 'wasm') wasmRuns.set(key, ours);
    else if (wasmRuns.has(key)) expect(ours, `${key}: reference backend vs wasm backend`).toEqual(wasmRuns.get(key));
    expect(maxDiff).toBeLessThanOrEqual(TOLERANCES.detectorScore.abs);
    summary.push(
      `${folder} upsample ${upsample} adjust ${adjust} (${backend}): ${list.length} images, ${faces} faces identical; max |score diff| ${maxDiff}; ` +
        `ours ${ourMs.toFixed(0)} ms, dlib ${dlibMs.toFixed(0)} ms; slowest ${slowest.image} ${slowest.ms.toFixed(0)} ms`,
    );
  }, 900_000);
});
