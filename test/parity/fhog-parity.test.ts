/**
 * fHOG features and image pyramids against live dlib (harness commands `fhog`, `pyramid`,
 * `pyramid-up`, `rect-map` in test/parity/fhog.cpp). Both sides start from identical pixels:
 * JPEGs are decoded by dlib (`decode` -> PNG) and the PNG is read with readImageSync (exact).
 * Synthetic images (random, tie-heavy, constant, tiny, very wide/tall) are written as PNGs.
 *
 * Claimed: features bit-identical (TOLERANCES.fhogFeatureExact), pyramid and pyramid_up pixels
 * identical (TOLERANCES.pyramidPixels), coordinate maps identical doubles (src/geometry's
 * PyramidDown and fhog maps, the ones the detector runs).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fhogToImageRect, imageToFhogRect, PyramidDown, roundRect, type Rect } from '../../src/geometry/index.js';
import { extractFhog, pyramidDown, pyramidUp, type FhogMap, type HogImage } from '../../src/hog/index.js';
import { BACKENDS, forEachBackend, type Backend } from '../helpers/backends.js';
import { encodePng, readImageSync, rgbToGray, type RgbImage } from '../../src/image/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';
import { rng } from '../helpers/random.js';


let work = '';
beforeAll(() => { work = scratchDir('fhog'); });
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

let counter = 0;
const fresh = (name: string): string => {
  const dir = join(work, `${counter++}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Faces images (dlib-decoded to PNG) used by the suites, by file name. */
const FACES = ['2008_002470.jpg', '2009_004587.jpg', 'Tom_Cruise_avp_2014_4.jpg', 'bald_guys.jpg'];
const decoded = new Map<string, string>();
function facePng(name: string): string {
  let png = decoded.get(name);
  if (!png) {
    const jpg = exampleImages('faces').find((p) => basename(p) === name);
    if (!jpg) throw new Error(`example image ${name} missing (npm run models)`);
    png = join(fresh('decode'), `${name}.png`);
    runHarness(['decode', jpg, png]);
    decoded.set(name, png);
  }
  return png;
}

/** Synthetic RGB images; `ties` draws from few levels so equal channel magnitudes are common. */
function synthetic(kind: 'random' | 'ties' | 'constant' | 'smooth', width: number, height: number, seed = 1): RgbImage {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const p = Math.floor(i / 3);
    const x = p % width;
    const y = Math.floor(p / width);
    data[i] = kind === 'random' ? Math.floor(r() * 256)
      : kind === 'ties' ? [0, 3, 4, 5, 8, 250, 255][Math.floor(r() * 7)]
      : kind === 'constant' ? 255
      : Math.floor(127.5 + 127.5 * Math.sin(x / 7 + (i % 3)) * Math.cos(y / 5));
  }
  return { width, height, data };
}

function writeSynthetic(img: RgbImage, name: string): string {
  const file = join(fresh('synthetic'), `${name}.png`);
  writeFileSync(file, encodePng(img));
  return file;
}

function flatten(m: FhogMap): Float32Array {
  const n = m.rows * m.cols;
  const out = new Float32Array(m.planes.length * n);
  m.planes.forEach((p, i) => out.set(p, i * n));
  return out;
}

interface FhogJson { rows: number; cols: number; planes: number; width: number; height: number; ms: number; path: string }

/** dlib's features for a PNG, and ours computed on the same pixels. */
function compareFhog(png: string, o: { cell: number; pr: number; pc: number; gray: boolean }, backend: Backend):
  { dlib: FhogJson; ours: FhogMap; max: number; report: string } {
  const dir = fresh('fhog');
  const [dlib] = runHarnessJson<FhogJson>(['fhog', png, dir, '--cell', String(o.cell), '--pad-rows', String(o.pr),
    '--pad-cols', String(o.pc), '--gray', o.gray ? '1' : '0']);
  const buf = readFileSync(dlib.path);
  const want = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const rgb = readImageSync(png);
  const img: HogImage = o.gray ? rgbToGray(rgb) : rgb;
  const ours = extractFhog(img, { cellSize: o.cell, filterRowsPadding: o.pr, filterColsPadding: o.pc, backend });
  const got = flatten(ours);
  let max = got.length === want.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(got.length, want.length); i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  return { dlib, ours, max, report: diffReport(got, want) };
}

const EXACT = TOLERANCES.fhogFeatureExact.abs;

describeParity('fHOG features against dlib extract_fhog_features', () => {
  forEachBackend('extract_fhog_features', (backend) => {
    const variants = [
      { cell: 8, pr: 1, pc: 1, gray: false },
      { cell: 8, pr: 1, pc: 1, gray: true },
      { cell: 8, pr: 6, pc: 5, gray: false },
      { cell: 8, pr: 2, pc: 9, gray: true },
      { cell: 4, pr: 1, pc: 1, gray: false },
      { cell: 5, pr: 3, pc: 2, gray: false },
      { cell: 1, pr: 1, pc: 1, gray: false },
      { cell: 1, pr: 4, pc: 3, gray: true },
    ];
    const cases = FACES.slice(0, 3).flatMap((name) => variants.map((v) => ({ name, ...v })));
    test.each(cases)('$name cell $cell pad $pr x $pc gray $gray: identical features', (c) => {
      const r = compareFhog(facePng(c.name), c, backend);
      expect([r.ours.rows, r.ours.cols]).toEqual([r.dlib.rows, r.dlib.cols]);
      expect(r.ours.planes).toHaveLength(31);
      expect(r.max, r.report).toBeLessThanOrEqual(EXACT);
    });

    test('bald_guys.jpg (1986x1545), default options, RGB and grey: identical features', () => {
      for (const gray of [false, true]) {
        const r = compareFhog(facePng('bald_guys.jpg'), { cell: 8, pr: 1, pc: 1, gray }, backend);
        expect([r.ours.rows, r.ours.cols]).toEqual([191, 246]);
        expect([r.dlib.rows, r.dlib.cols]).toEqual([191, 246]);
        expect(r.max, r.report).toBeLessThanOrEqual(EXACT);
      }
    });

    // Random and tie-heavy images exercise the RGB channel choice on equal magnitudes (dlib's
    // SIMD and scalar columns break ties differently); odd sizes move the SIMD/scalar seam.
    const synth: [string, number, number][] = [
      ['ties', 61, 45], ['ties', 203, 37], ['random', 47, 64], ['random', 130, 9], ['smooth', 77, 91],
      ['constant', 40, 40], ['ties', 24, 24], ['random', 23, 17], ['random', 2000, 24], ['ties', 24, 700],
    ];
    test.each(synth)('synthetic %s %ix%i, several cells/paddings, RGB and grey: identical', (kind, w, h) => {
      const png = writeSynthetic(synthetic(kind as 'random', w, h, w * 131 + h), `${kind}-${w}x${h}`);
      for (const v of [
        { cell: 8, pr: 1, pc: 1 }, { cell: 3, pr: 2, pc: 2 }, { cell: 1, pr: 1, pc: 1 }, { cell: 7, pr: 5, pc: 4 },
      ]) {
        for (const gray of [false, true]) {
          const r = compareFhog(png, { ...v, gray }, backend);
          expect([r.ours.rows, r.ours.cols], JSON.stringify(v)).toEqual([r.dlib.rows, r.dlib.cols]);
          expect(r.max, `${JSON.stringify({ ...v, gray })}: ${r.report}`).toBeLessThanOrEqual(EXACT);
        }
      }
    });

    // Images too small for any feature: dlib returns 31 empty planes; so do we.
    test.each([[1, 1], [2, 2], [3, 3], [15, 40], [20, 20], [300, 3], [3, 300]])('tiny %ix%i: same (possibly empty) shape', (w, h) => {
      const png = writeSynthetic(synthetic('random', w, h, 7), `tiny-${w}x${h}`);
      for (const cell of [8, 1, 2]) {
        const r = compareFhog(png, { cell, pr: 1, pc: 1, gray: false }, backend);
        expect([r.ours.rows, r.ours.cols], `cell ${cell}`).toEqual([r.dlib.rows, r.dlib.cols]);
        expect(r.max, r.report).toBeLessThanOrEqual(EXACT);
      }
    });
  });
});

function readLevel(path: string, gray: boolean): HogImage {
  const rgb = readImageSync(path);
  return gray ? rgbToGray(rgb) : rgb;
}

function pixelDiff(a: HogImage, b: HogImage): string {
  if (a.width !== b.width || a.height !== b.height) return `size ${a.width}x${a.height} vs ${b.width}x${b.height}`;
  return diffReport(a.data, b.data);
}

function maxPixelDiff(a: HogImage, b: HogImage): number {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

const PIX = TOLERANCES.pyramidPixels.abs;

describeParity('image pyramids against dlib pyramid_down<6> and pyramid_up', () => {
  const inputs = (): [string, string][] => [
    ...FACES.slice(0, 3).map((n): [string, string] => [n, facePng(n)]),
    ...([['random', 97, 61], ['smooth', 131, 7], ['constant', 50, 31], ['random', 1, 1], ['ties', 5, 3], ['random', 6, 6], ['random', 2, 9]] as const)
      .map(([k, w, h]): [string, string] => [`${k} ${w}x${h}`, writeSynthetic(synthetic(k, w, h, w + h), `pyr-${k}-${w}x${h}`)]),
  ];

  test.each(BACKENDS)('pyramid_down<6> (%s): every level identical (RGB and grey, 8 levels)', (backend) => {
    for (const [name, png] of inputs()) {
      for (const gray of [false, true]) {
        const dir = fresh('pyramid');
        const levels = runHarnessJson<{ level: number; width: number; height: number; path: string }>(
          ['pyramid', png, dir, '--levels', '8', '--gray', gray ? '1' : '0']);
        let img: HogImage = readLevel(png, gray);
        let seen = 0;
        for (let l = 1; l <= 8; l++) {
          img = pyramidDown(img, 6, { backend });
          if (img.width * img.height === 0) break;
          const want = levels[seen++];
          expect(want?.level, `${name} gray ${gray}: dlib has no level ${l}`).toBe(l);
          const wantImg = readLevel(want.path, gray);
          expect(maxPixelDiff(img, wantImg), `${name} gray ${gray} level ${l}: ${pixelDiff(img, wantImg)}`).toBeLessThanOrEqual(PIX);
        }
        expect(seen, `${name} gray ${gray}: number of non-empty levels`).toBe(levels.length);
      }
    }
  });

  test.each(BACKENDS)('pyramid_up with pyramid_down<2> (%s): identical (RGB and grey)', (backend) => {
    for (const [name, png] of inputs()) {
      for (const gray of [false, true]) {
        const out = join(fresh('up'), 'up.png');
        const [j] = runHarnessJson<{ width: number; height: number }>(['pyramid-up', png, out, '--gray', gray ? '1' : '0']);
        const src = readLevel(png, gray);
        const ours = pyramidUp(src, { backend });
        expect([ours.width, ours.height], name).toEqual([j.width, j.height]);
        expect([ours.width, ours.height]).toEqual([2 * src.width + 2, 2 * src.height + 1]);
        const want = readLevel(out, gray);
        expect(maxPixelDiff(ours, want), `${name} gray ${gray}: ${pixelDiff(ours, want)}`).toBeLessThanOrEqual(PIX);
      }
    }
  });
});

interface MapJson { down: number[]; up: number[]; down1: number[]; up1: number[]; downRect: number[]; upRect: number[] }
interface RectMapJson {
  rect: number[]; levels: number;
  p1: MapJson; p2: MapJson; p3: MapJson; p6: MapJson;
  imageToFhog: number[]; fhogToImage: number[];
}
describeParity('coordinate maps against dlib (pyramid_down<N> rect_down/rect_up, image_to_fhog, fhog_to_image)', () => {
  const rects: [number, number, number, number][] = [[0, 0, 79, 79], [10, 20, 30, 40], [-5, -9, 3, 7], [123, 77, 456, 321], [1, 1, 1, 1], [-100, 50, -20, 60]];
  const opts = [
    { levels: 1, cell: 8, pr: 1, pc: 1 }, { levels: 3, cell: 8, pr: 10, pc: 9 }, { levels: 0, cell: 4, pr: 2, pc: 3 }, { levels: 7, cell: 1, pr: 5, pc: 6 },
  ];
  test.each(rects)('rect [%i, %i, %i, %i]: identical doubles', (l, t, r, b) => {
    for (const o of opts) {
      const [j] = runHarnessJson<RectMapJson>(['rect-map', String(l), String(t), String(r), String(b), '--levels', String(o.levels),
        '--cell', String(o.cell), '--pad-rows', String(o.pr), '--pad-cols', String(o.pc)]);
      const rect: Rect = [l, t, r, b];
      for (const [key, n] of [['p1', 1], ['p2', 2], ['p3', 3], ['p6', 6]] as const) {
        const p = new PyramidDown(n);
        const what = `N=${n} ${JSON.stringify(o)}`;
        expect(p.rectDown(rect, o.levels), what).toEqual(j[key].down);
        expect(p.rectUp(rect, o.levels), what).toEqual(j[key].up);
        expect(p.rectDown(rect), what).toEqual(j[key].down1);
        expect(p.rectUp(rect), what).toEqual(j[key].up1);
        expect(roundRect(p.rectDown(rect, o.levels)), what).toEqual(j[key].downRect);
        expect(roundRect(p.rectUp(rect, o.levels)), what).toEqual(j[key].upRect);
      }
      const mo = { cellSize: o.cell, filterRowsPadding: o.pr, filterColsPadding: o.pc };
      expect(imageToFhogRect(rect, mo)).toEqual(j.imageToFhog);
      expect(fhogToImageRect(rect, mo)).toEqual(j.fhogToImage);
    }
  });
});


// Every example image (faces, johns, video_frames: 218), alternately RGB and grey: fHOG on both
// backends, 3 pyramid_down<6> levels and pyramid_up (wasm backend). About a minute, so opt-in:
// FACEMETRIC_PARITY_ALL=1.
describeParity('every example image (opt-in: FACEMETRIC_PARITY_ALL=1)', () => {
  test.skipIf(process.env.FACEMETRIC_PARITY_ALL !== '1')('fHOG and pyramids identical to dlib on all 218 example images', () => {
    const files = [...exampleImages('faces'), ...exampleImages('johns'), ...exampleImages('video_frames')];
    expect(files.length).toBeGreaterThan(200);
    const dir = fresh('all');
    const same = (a: HogImage, b: HogImage): boolean => maxPixelDiff(a, b) === 0;
    files.forEach((jpg, i) => {
      const png = join(dir, 'img.png');
      runHarness(['decode', jpg, png]);
      const gray = i % 2 === 1;
      const src = readLevel(png, gray);
      const [j] = runHarnessJson<FhogJson>(['fhog', png, dir, '--gray', gray ? '1' : '0']);
      const buf = readFileSync(j.path);
      const want = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      for (const backend of BACKENDS) {
        const got = flatten(extractFhog(src, { backend }));
        let max = got.length === want.length ? 0 : Infinity;
        for (let k = 0; k < got.length; k++) max = Math.max(max, Math.abs(got[k] - want[k]));
        expect(max, `${jpg} ${backend}: ${diffReport(got, want)}`).toBeLessThanOrEqual(EXACT);
      }
      const levels = runHarnessJson<{ level: number; path: string }>(['pyramid', png, dir, '--levels', '3', '--gray', gray ? '1' : '0']);
      let img = src;
      for (const l of levels) {
        img = pyramidDown(img, 6, { backend: 'wasm' });
        expect(same(img, readLevel(l.path, gray)), `${jpg} level ${l.level}`).toBe(true);
      }
      runHarnessJson(['pyramid-up', png, join(dir, 'up.png'), '--gray', gray ? '1' : '0']);
      expect(same(pyramidUp(src, { backend: 'wasm' }), readLevel(join(dir, 'up.png'), gray)), `${jpg} pyramid_up`).toBe(true);
    });
  }, 600_000);
});
