/**
 * scan_fhog_pyramid against live dlib, stage by stage, on dlib's own feature pyramids (harness
 * `scan-pyramid`), so that the scanner is checked independently of our fhog and pyramid code:
 * the filter bank (bit-identical floats, same separable ranks and path), the score maps
 * (bit-identical), and each weight vector's raw detections (same rects, same scores, same order),
 * the last two on both scan backends (TypeScript reference and WebAssembly kernels).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { detectorFilters, readFhogObjectDetector, type FhogObjectDetector } from '../../src/dlib/object-detector.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import {
  applyFiltersToFhog,
  buildFhogFilterbank,
  type FhogFilterbank,
  type FhogLevel,
} from '../../src/hog/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { rawDetections } from '../helpers/scan.js';
import { describeParity, diffReport, readF32File, scratchDir } from './helpers.js';

const f32 = readF32File;

/** dlib's feature pyramid of `image` (after `upsample` pyramid_up steps). */
function dlibPyramid(image: string, upsample = 0): FhogLevel[] {
  const dir = scratchDir('scan-pyramid');
  const levels = runHarnessJson<{ level: number; rows: number; cols: number; planes: number }>(['scan-pyramid', image, dir, '--upsample', String(upsample)]);
  return levels.map((l) => {
    const all = f32(join(dir, `level${l.level}.f32`));
    const n = l.rows * l.cols;
    return { rows: l.rows, cols: l.cols, planes: Array.from({ length: l.planes }, (_, p) => all.subarray(p * n, (p + 1) * n)) };
  });
}

function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(a[i] === 0 && b[i] === 0)) return i;
  return -1;
}

describeParity('scan_fhog_pyramid vs dlib (on dlib-made feature pyramids)', () => {
  let det: FhogObjectDetector;
  let banks: FhogFilterbank[];
  let dlibBanks: { index: number; rows: number; cols: number; threshold: number; separable: number[]; total: number; path: string }[];
  let bankDir: string;

  beforeAll(() => {
    det = readFhogObjectDetector(readFileSync(assetPath('frontal_face_detector')));
    banks = det.weights.map((_, i) => {
      const f = detectorFilters(det, i);
      return buildFhogFilterbank(det.weights[i], f.height, f.width);
    });
    bankDir = scratchDir('filterbank');
    dlibBanks = runHarnessJson(['filterbank', bankDir]);
  });

  it('builds the same filter bank as dlib: ranks, path, and bit-identical float filters', () => {
    expect(dlibBanks).toHaveLength(banks.length);
    for (const d of dlibBanks) {
      const fb = banks[d.index];
      expect([fb.rows, fb.cols]).toEqual([d.rows, d.cols]);
      expect(fb.rowFilters.map((r) => r.length)).toEqual(d.separable);
      expect(fb.numSeparable).toBe(d.total);
      expect(fb.separable ? 'separable' : 'full').toBe(d.path);
      expect(detectorFilters(det, d.index).threshold).toBe(d.threshold);
      const filters = f32(join(bankDir, `filters${d.index}.f32`));
      const ours = new Float32Array(filters.length);
      fb.filters.forEach((f, p) => ours.set(f, p * f.length));
      expect(firstDiff(ours, filters), diffReport(ours, filters)).toBe(-1);
      // Separable parts: identical up to a sign per (plane, part) pair (an SVD fixes u, v up to
      // a common sign; the product, and so every score, is unaffected). With Debian's reference
      // LAPACK they are bit-identical (max relative difference 0); another LAPACK may round a
      // last bit differently, hence the small bound, while the score maps below must be exact.
      const rowf = f32(join(bankDir, `rowf${d.index}.f32`));
      const colf = f32(join(bankDir, `colf${d.index}.f32`));
      let ro = 0;
      let co = 0;
      let maxRel = 0;
      for (let p = 0; p < fb.rowFilters.length; p++) {
        for (let j = 0; j < fb.rowFilters[p].length; j++) {
          const r = fb.rowFilters[p][j];
          const c = fb.colFilters[p][j];
          const sign = Math.sign(r[0]) === Math.sign(rowf[ro]) ? 1 : -1;
          for (let k = 0; k < r.length; k++) maxRel = Math.max(maxRel, Math.abs(sign * r[k] - rowf[ro + k]) / (Math.abs(rowf[ro + k]) + 1e-30));
          for (let k = 0; k < c.length; k++) maxRel = Math.max(maxRel, Math.abs(sign * c[k] - colf[co + k]) / (Math.abs(colf[co + k]) + 1e-30));
          ro += r.length;
          co += c.length;
        }
      }
      expect(ro).toBe(rowf.length);
      expect(co).toBe(colf.length);
      expect(maxRel, `filter ${d.index}: max relative difference of the separable parts`).toBeLessThan(1e-6);
    }
  });

  const images = (): string[] => {
    const faces = exampleImages('faces');
    return [faces.find((f) => f.endsWith('2008_002470.jpg')) ?? faces[0], exampleImages('video_frames')[0]];
  };

  forEachBackend('scan_fhog_pyramid', (backend) => it.each([0, 1])('score maps and raw detections match dlib bit for bit (upsample %i)', (upsample) => {
    let nDets = 0;
    for (const image of images()) {
      const feats = dlibPyramid(image, upsample);
      const dir = scratchDir('scan-scores');
      const out = runHarness(['scan-scores', image, dir, '--upsample', String(upsample), '--adjust', '-0.5'])
        .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { kind: string; index: number; level: number; rows: number; cols: number; area: number[]; dets: { score: number; rect: number[] }[] });
      for (const o of out) {
        const fb = banks[o.index];
        if (o.kind === 'scores') {
          const { scores, area } = applyFiltersToFhog(fb, feats[o.level], backend);
          expect(area, `${image} filter ${o.index} level ${o.level}`).toEqual(o.area);
          const want = f32(join(dir, `score_${o.index}_${o.level}.f32`));
          expect(firstDiff(scores, want), `${image} filter ${o.index} level ${o.level}: ${diffReport(scores, want)}`).toBe(-1);
        } else {
          const dets = rawDetections(det, o.index, fb, feats, -0.5, backend);
          expect(dets.map((x) => x.rect), `${image} filter ${o.index}`).toEqual(o.dets.map((x) => x.rect));
          expect(dets.map((x) => x.score)).toEqual(o.dets.map((x) => x.score));
          nDets += dets.length;
        }
      }
    }
    expect(nDets, 'some windows above threshold - 0.5').toBeGreaterThan(0);
  }));
});
