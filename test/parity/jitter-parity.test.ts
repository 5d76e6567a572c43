/**
 * dlib's jitter_image and jittered face descriptors against live dlib.
 *
 * Chips: the 150x150 chips of the annotated faces of dlib's examples/faces training set
 * (test/helpers/chips.ts; real faces), written as PNG so that both sides jitter the same pixels.
 *
 *  - Crops: the harness `jitter-chips` (dlib::jitter_image, N draws per image from one
 *    dlib::rand for the whole run: default-constructed, or seeded) against our jitterImage with
 *    a DlibRand made the same way, image after image: identical pixels (TOLERANCES.jitterPixels),
 *    for the default generator and several seeds, RGB chips of many faces, their grey versions,
 *    and square images of other sizes (151 and 31, in PINV_CHIP; 99, outside it:
 *    TOLERANCES.chipPixelsUnlistedSize).
 *  - Descriptors: the harness `jitter-describe` (dlib's Python
 *    batch_compute_face_descriptors_from_aligned_images: `mean(mat(net(jitter_image(chip, N), 16)))`
 *    chip after chip from one default-constructed dlib::rand) against describeBatch(chips,
 *    { jitter: N }) on a fresh recognizer (whose own generator is default-constructed): backend
 *    'wasm' within TOLERANCES.descriptorWasm; backend 'reference' identical (TOLERANCES.jitteredDescriptorReference: the harness's dlib runs on
 *    the reference BLAS it is pinned to), on 2 chips with N = 3 (it
 *    takes ~350 ms per forward pass). And describeFaces(img, { jitter }) on a dlib-decoded image
 *    against jitter-describe on the chips of its faces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { loadFaceRecognizer } from '../../src/dnn/recognizer.js';
import { loadFrontalFaceDetector } from '../../src/hog/detector.js';
import { encodePng, readImageSync, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import { extractImageChip, getFaceChipDetails, jitterImage, loadShapePredictor } from '../../src/landmarks/index.js';
import { describeFaces } from '../../src/pipeline/index.js';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { datasetChips } from '../helpers/chips.js';
import { maxAbsDiff } from '../helpers/float.js';
import { describeParity, diffReport, harnessBlas, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

interface JitterChipsLine {
  image: string;
  file: string;
  count: number;
  rows: number;
  cols: number;
  channels: number;
}
interface JitterDescribeLine {
  chip: string;
  descriptor: number[];
}

type Img = RgbImage | GrayImage;

/** A square image of another size made from a chip: pixel (x, y) of the chip at (x*150/size, y*150/size), wrapped. */
function resample(chip: RgbImage, size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = Math.floor((x * 150) / size) % 150;
      const sy = Math.floor((y * 150) / size) % 150;
      for (let k = 0; k < 3; k++) data[(y * size + x) * 3 + k] = chip.data[(sy * 150 + sx) * 3 + k]!;
    }
  }
  return { width: size, height: size, data };
}

describeParity('jitter_image and jittered descriptors vs dlib', () => {
  let dir = '';
  let chips: RgbImage[] = [];
  let pngs: string[] = [];
  const netFile = (): string => assetPath('dlib_face_recognition_resnet_model_v1');

  const writePngSync = (name: string, img: Img): string => {
    const path = join(dir, name);
    writeFileSync(path, encodePng(img));
    return path;
  };

  /**
   * dlib's crops of `images` (harness jitter-chips, one generator for the run) against ours from
   * one DlibRand made the same way; returns [max |diff|, crops compared, identical crops, flips seen].
   */
  function compareCrops(images: Img[], files: string[], count: number, seed: string | undefined, gray: boolean): { max: number; crops: number; identical: number; failures: string[] } {
    const args = ['jitter-chips', '--count', String(count), '--out', dir, ...(seed === undefined ? [] : ['--seed', seed]), ...(gray ? ['--gray', '1'] : []), ...files];
    const lines = runHarnessJson<JitterChipsLine>(args);
    expect(lines.map((l) => l.image)).toEqual(files);
    const rng = seed === undefined ? new DlibRand() : new DlibRand(seed);
    let max = 0;
    let crops = 0;
    let identical = 0;
    const failures: string[] = [];
    images.forEach((img, i) => {
      const line = lines[i]!;
      const ch = gray ? 1 : 3;
      expect([line.count, line.rows, line.cols, line.channels]).toEqual([count, img.height, img.width, ch]);
      const raw = new Uint8Array(readFileSync(line.file));
      const n = img.width * img.height * ch;
      expect(raw.length).toBe(n * count);
      for (let k = 0; k < count; k++) {
        const ours = jitterImage(img, rng);
        const theirs = raw.subarray(k * n, (k + 1) * n);
        const d = maxAbsDiff(ours.data, theirs);
        crops++;
        if (d === 0) identical++;
        max = Math.max(max, d);
        if (d > 0 && failures.length < 5) failures.push(`${files[i]} draw ${k} (seed ${seed ?? 'default'}): ${diffReport(ours.data, theirs)}`);
      }
    });
    return { max, crops, identical, failures };
  }

  beforeAll(() => {
    dir = scratchDir('jitter-parity');
    chips = datasetChips();
    pngs = chips.map((c, i) => writePngSync(`chip${String(i).padStart(2, '0')}.png`, c));
  });

  it('crops of 150x150 RGB face chips identical to dlib\'s: default generator and seeds, many draws, one generator across images', () => {
    expect(chips.length).toBeGreaterThanOrEqual(10);
    const runs: { seed: string | undefined; n: number; count: number }[] = [
      { seed: undefined, n: chips.length, count: 25 },
      { seed: '', n: 4, count: 10 },
      { seed: '1', n: 6, count: 20 },
      { seed: 'jitter', n: 6, count: 20 },
      { seed: '1700000000', n: 3, count: 40 },
    ];
    const report: string[] = [];
    const failures: string[] = [];
    let total = 0;
    for (const { seed, n, count } of runs) {
      const r = compareCrops(chips.slice(0, n), pngs.slice(0, n), count, seed, false);
      total += r.crops;
      report.push(`seed ${seed === undefined ? 'default' : JSON.stringify(seed)}: ${r.crops} crops, ${r.identical} identical, max |diff| ${r.max}`);
      if (!(r.max <= TOLERANCES.jitterPixels.abs)) failures.push(...r.failures);
    }
    console.log(`jitter parity, RGB 150x150: ${total} crops; ${report.join('; ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('crops of grey chips and of square images of other sizes (151, 31; 99 outside PINV_CHIP) match dlib\'s', () => {
    const greys = chips.slice(0, 4).map(rgbToGray);
    const greyFiles = greys.map((g, i) => writePngSync(`grey${i}.png`, g));
    const g = compareCrops(greys, greyFiles, 15, 'grey', true);
    const sized = [151, 31].map((s, i) => resample(chips[i + 2]!, s));
    const sizedFiles = sized.map((img) => writePngSync(`size${img.width}.png`, img));
    const s = compareCrops(sized, sizedFiles, 15, undefined, false);
    const odd = resample(chips[5]!, 99);
    const u = compareCrops([odd], [writePngSync('size99.png', odd)], 15, 'odd', false);
    console.log(`jitter parity: grey ${g.crops} crops max |diff| ${g.max} (${g.identical} identical); 151x151 and 31x31 ${s.crops} crops max |diff| ${s.max} (${s.identical} identical); ` +
      `99x99 ${u.crops} crops max |diff| ${u.max} (${u.identical} identical)`);
    expect(g.max, g.failures.join('\n')).toBeLessThanOrEqual(TOLERANCES.jitterPixels.abs);
    expect(s.max, s.failures.join('\n')).toBeLessThanOrEqual(TOLERANCES.jitterPixels.abs);
    expect(u.max, u.failures.join('\n')).toBeLessThanOrEqual(TOLERANCES.chipPixelsUnlistedSize.abs);
  });

  it('backend wasm: jittered descriptors (default generator, N = 1, 5, and seeded N = 4) within TOLERANCES.descriptorWasm of dlib\'s', () => {
    const report: string[] = [];
    const failures: string[] = [];
    const cases: { jitters: number; seed?: string; n: number }[] = [{ jitters: 1, n: 4 }, { jitters: 5, n: 4 }, { jitters: 4, seed: 'abc', n: 2 }];
    for (const { jitters, seed, n } of cases) {
      const dlib = runHarnessJson<JitterDescribeLine>(['jitter-describe', '--net', netFile(), '--jitters', String(jitters), ...(seed === undefined ? [] : ['--seed', seed]), ...pngs.slice(0, n)], { timeoutMs: 600_000 });
      expect(dlib.map((l) => l.chip)).toEqual(pngs.slice(0, n));
      // A fresh recognizer: its own generator starts as dlib's default-constructed rand does.
      const wasm = loadFaceRecognizer(netFile(), { backend: 'wasm' });
      expect(wasm.backend).toBe('wasm');
      const got = seed === undefined ? wasm.describeBatch(chips.slice(0, n), { jitter: jitters }) : wasm.describeBatch(chips.slice(0, n), { jitter: jitters, rng: new DlibRand(seed) });
      let worst = 0;
      got.forEach((d, i) => {
        const want = dlib[i]!.descriptor.map((v) => Math.fround(v));
        const diff = maxAbsDiff(d, want);
        worst = Math.max(worst, diff);
        if (!(diff <= TOLERANCES.descriptorWasm.abs)) failures.push(`N=${jitters} seed ${seed ?? 'default'} chip ${i}: ${diffReport(d, want)}`);
      });
      report.push(`N=${jitters}${seed === undefined ? '' : ` seed ${seed}`}: ${n} chips, max |diff| ${worst}`);
      wasm.dispose();
    }
    console.log(`jitter parity, descriptors, backend wasm: ${report.join('; ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('backend reference: jittered descriptors (N = 3, 2 chips) identical to dlib\'s on the reference BLAS', () => {
    const dlib = runHarnessJson<JitterDescribeLine>(['jitter-describe', '--net', netFile(), '--jitters', '3', ...pngs.slice(0, 2)], { timeoutMs: 600_000 });
    const ref = loadFaceRecognizer(netFile(), { backend: 'reference' });
    expect(ref.backend).toBe('reference');
    const got = ref.describeBatch(chips.slice(0, 2), { jitter: 3 });
    const tol = TOLERANCES.jitteredDescriptorReference.abs;
    let worst = 0;
    got.forEach((d, i) => {
      const want = dlib[i]!.descriptor.map((v) => Math.fround(v));
      const diff = maxAbsDiff(d, want);
      worst = Math.max(worst, diff);
      expect(diff, `chip ${i}: ${diffReport(d, want)}`).toBeLessThanOrEqual(tol);
    });
    console.log(`jitter parity, descriptors, backend reference: 2 chips x 3 copies, max |diff| ${worst} (dlib's BLAS: ${harnessBlas().blas}, tolerance ${tol})`);
  });

  it('describeFaces(img, { jitter: 3 }) gives dlib\'s jittered descriptors of the image\'s faces, faces in order', () => {
    const png = join(dir, '2008_001009.png');
    runHarness(['decode', join(exampleImagesDir(), 'faces', '2008_001009.jpg'), png]);
    const img = readImageSync(png);
    const predictor = loadShapePredictor(assetPath('shape_predictor_68_face_landmarks'));
    const detector = loadFrontalFaceDetector();
    const recognizer = loadFaceRecognizer(netFile(), { backend: 'wasm' });
    const r = describeFaces(img, { detector, predictor, recognizer, jitter: 3 });
    expect(r.faces.length).toBeGreaterThanOrEqual(2);
    const facePngs = r.faces.map((f, i) => writePngSync(`face${i}.png`, extractImageChip(img, getFaceChipDetails(f.landmarks, 150, 0.25))));
    const dlib = runHarnessJson<JitterDescribeLine>(['jitter-describe', '--net', netFile(), '--jitters', '3', ...facePngs], { timeoutMs: 600_000 });
    let worst = 0;
    r.faces.forEach((f, i) => {
      const want = dlib[i]!.descriptor.map((v) => Math.fround(v));
      const diff = maxAbsDiff(f.descriptor, want);
      worst = Math.max(worst, diff);
      expect(diff, `face ${i}: ${diffReport(f.descriptor, want)}`).toBeLessThanOrEqual(TOLERANCES.descriptorWasm.abs);
    });
    // the recognizer's generator moved on: the same call again gives other descriptors
    const again = describeFaces(img, { detector, predictor, recognizer, jitter: 3 });
    expect(Array.from(again.faces[0]!.descriptor)).not.toEqual(Array.from(r.faces[0]!.descriptor));
    console.log(`jitter parity, describeFaces jitter 3: ${r.faces.length} faces, max |diff| ${worst}`);
    recognizer.dispose();
  });
});
