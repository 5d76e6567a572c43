/**
 * HOG face detection time, facemetric vs dlib in the same run: dlib's bald_guys.jpg (1986x1545)
 * and a 640x480 crop of it (the top-left corner, 3 faces), upsample 0 and 1.
 *
 * Both sides detect on identical pixels (the JPEG decoded by dlib, harness `decode` -> PNG).
 * dlib's time is the harness's `timings.detect` (object_detector::operator(), plus pyramid_up
 * when upsampling), the median over the same number of runs as ours. Decoding is not timed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFrontalFaceDetector } from '../src/hog/detector.js';
import { encodePng, readImageSync } from '../src/image/index.js';
import { runHarnessJson, type HarnessImage } from '../src/parity/harness.js';
import { baldGuysJpg, benchOutDir, cropRgb, decodeWithDlib, harnessBuilt } from './against-dlib.js';
import { median } from './timing.js';

export async function detectBench(): Promise<void> {
  if (!harnessBuilt('detect bench')) return;
  const dir = benchOutDir('detect');
  const baldPng = decodeWithDlib(baldGuysJpg(), join(dir, 'bald_guys.png'));
  const big = readImageSync(baldPng);
  const vgaPng = join(dir, 'bald_guys_640x480.png');
  writeFileSync(vgaPng, encodePng(cropRgb(big, 640, 480)));
  const det = loadFrontalFaceDetector();
  const cases: [string, string, number, number][] = [
    ['640x480 crop', vgaPng, 0, 9],
    ['640x480 crop', vgaPng, 1, 5],
    ['bald_guys 1986x1545', baldPng, 0, 3],
    ['bald_guys 1986x1545', baldPng, 1, 3],
  ];
  const rows = [];
  for (const [name, png, upsample, runs] of cases) {
    const img = readImageSync(png);
    det.detect(img, { upsample }); // warm-up (JIT)
    const ours: number[] = [];
    let faces = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      faces = det.detect(img, { upsample }).length;
      ours.push(performance.now() - t0);
    }
    const dlib = runHarnessJson<HarnessImage>(['detect', ...Array<string>(runs + 1).fill(png), '--upsample', String(upsample)]);
    const dlibMs = median(dlib.slice(1).map((r) => r.timings.detect));
    const oursMs = median(ours);
    rows.push({
      image: name,
      upsample,
      faces: `${faces} (dlib ${dlib[0].faces.length})`,
      'facemetric ms': Number(oursMs.toFixed(1)),
      'dlib ms': Number(dlibMs.toFixed(1)),
      'dlib / facemetric': `${(dlibMs / oursMs).toFixed(2)}x`,
      runs,
    });
  }
  console.log('HOG face detection (median of runs; ratio < 1: facemetric is slower):');
  console.table(rows);
}
