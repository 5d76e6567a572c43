/**
 * The scanner's full-filter path (dlib's float_spatially_filter_image, taken when a filter bank's
 * separable parts outnumber planes*min(rows, cols)/3) against live dlib, on both scan backends.
 * dlib's own face detector never takes it (its 5 filters are all low-rank), so this suite builds
 * a detector whose first weight vector is the frontal filter plus noise (full rank: the full
 * path) and whose second is the frontal filter as is (the separable path), writes it in dlib's
 * format and has the harness (`--detector`) build the bank, the feature pyramid, the score maps
 * and the raw detections with it: ours must be bit-identical on 'reference' and 'wasm'.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readFhogObjectDetector, writeFhogObjectDetector, detectorFilters, type FhogObjectDetector } from '../../src/dlib/object-detector.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import {
  applyFiltersToFhog, buildFhogFilterbank, type FhogFilterbank, type FhogLevel,
} from '../../src/hog/index.js';
import { rawDetections } from '../helpers/scan.js';
import { describeParity, diffReport, readF32File, scratchDir } from './helpers.js';

const f32 = readF32File;
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Index of the first differing bit pattern, or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -2;
  const x = bits(a);
  const y = bits(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describeParity('scan_fhog_pyramid full-filter path vs dlib, both scan backends', () => {
  let det: FhogObjectDetector;
  let file: string;
  let banks: FhogFilterbank[];

  beforeAll(() => {
    const frontal = readFhogObjectDetector(readFileSync(assetPath('frontal_face_detector')));
    const w0 = frontal.weights[0];
    const n = w0.length - 1;
    let rms = 0;
    for (let i = 0; i < n; i++) rms += w0[i] * w0[i];
    rms = Math.sqrt(rms / n);
    let s = 12345;
    const noisy = Float64Array.from(w0, (v, i) => {
      if (i === n) return v; // the threshold
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return v + (s / 2 ** 32 - 0.5) * rms;
    });
    det = { ...frontal, weights: [noisy, frontal.weights[1]] };
    file = join(scratchDir('full-path'), 'noisy_detector.svm');
    writeFileSync(file, writeFhogObjectDetector(det));
    banks = det.weights.map((w, i) => {
      const f = detectorFilters(det, i);
      return buildFhogFilterbank(w, f.height, f.width);
    });
  });

  it('dlib takes the full path for the noisy filter and the separable one for the other, as we do', () => {
    const dlibBanks = runHarnessJson<{ index: number; path: string; total: number }>(['filterbank', scratchDir('full-bank'), '--detector', file]);
    expect(dlibBanks.map((b) => b.path)).toEqual(['full', 'separable']);
    expect(banks.map((b) => (b.separable ? 'separable' : 'full'))).toEqual(['full', 'separable']);
    expect(banks.map((b) => b.numSeparable)).toEqual(dlibBanks.map((b) => b.total));
  });

  it.each([0, 1])('score maps and raw detections bit-identical to dlib on both backends (upsample %i)', (upsample) => {
    const image = exampleImages('faces').find((f) => f.endsWith('2008_002470.jpg')) ?? exampleImages('faces')[0];
    const pdir = scratchDir('full-pyramid');
    const levels = runHarnessJson<{ level: number; rows: number; cols: number; planes: number }>(['scan-pyramid', image, pdir, '--upsample', String(upsample), '--detector', file]);
    const feats: FhogLevel[] = levels.map((l) => {
      const all = f32(join(pdir, `level${l.level}.f32`));
      const n = l.rows * l.cols;
      return { rows: l.rows, cols: l.cols, planes: Array.from({ length: l.planes }, (_, p) => all.subarray(p * n, (p + 1) * n)) };
    });
    const dir = scratchDir('full-scores');
    const out = runHarness(['scan-scores', image, dir, '--upsample', String(upsample), '--adjust', '-1', '--detector', file])
      .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { kind: string; index: number; level: number; area: number[]; dets: { score: number; rect: number[] }[] });
    let maps = 0;
    let nDets = 0;
    for (const o of out) {
      const fb = banks[o.index];
      for (const backend of ['reference', 'wasm'] as const) {
        if (o.kind === 'scores') {
          const { scores, area } = applyFiltersToFhog(fb, feats[o.level], backend);
          const where = `filter ${o.index} (${fb.separable ? 'separable' : 'full'}) level ${o.level}, ${backend}`;
          expect(area, where).toEqual(o.area);
          const want = f32(join(dir, `score_${o.index}_${o.level}.f32`));
          expect(firstBitDiff(scores, want), `${where}: ${diffReport(scores, want)}`).toBe(-1);
          maps++;
        } else {
          const dets = rawDetections(det, o.index, fb, feats, -1, backend);
          expect(dets.map((x) => x.rect), `filter ${o.index}, ${backend}`).toEqual(o.dets.map((x) => x.rect));
          expect(dets.map((x) => x.score), `filter ${o.index}, ${backend}`).toEqual(o.dets.map((x) => x.score));
          nDets += dets.length;
        }
      }
    }
    expect(maps).toBe(2 * 2 * feats.length);
    expect(nDets, 'some windows above threshold - 1').toBeGreaterThan(0);
  });
});
