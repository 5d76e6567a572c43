/**
 * Aligned face chips against live dlib: for every face dlib detects in the example images
 * (faces/, johns/, and video_frames/ at adjust_threshold -1.5, since none of the frames has a
 * face at dlib's threshold: the windows that pass -1.5 are face-like enough for the landmarks), dlib's own 68 landmarks go through our getFaceChipDetails and extractImageChip
 * and are compared with dlib's get_face_chip_details and extract_image_chip.
 *
 * Two comparisons per chip:
 *  - details: ours vs dlib's (TOLERANCES.chipDetails: a few ulps, because dlib fits the
 *    similarity transform with an SVD and we use its closed form);
 *  - pixels, with dlib's OWN details fed to our extractor: identical (TOLERANCES.chipPixels);
 *    and with our details, end to end: within TOLERANCES.chipPixelsEndToEnd.
 * Variants: size 150 (the recognition chip), size 40 (pyramid_down<2> levels, incl. the
 * 1986x1545 bald_guys.jpg), 5-point shapes (parts 45, 42, 36, 39, 33), greyscale, and
 * hand-made chip details partly or wholly outside the image.
 * Both sides get dlib-decoded pixels (harness `decode` -> PNG).
 */
import { basename, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readImageSync, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import { pyramidUp } from '../../src/hog/pyramid.js';
import { extractImageChip, getFaceChipDetails, type ChipDetails } from '../../src/image/chips.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';


interface DlibDetails {
  rect: [number, number, number, number];
  angle: number;
  rows: number;
  cols: number;
}
interface DlibChipFace {
  image: number;
  face: number;
  chip: string;
  rect: [number, number, number, number];
  parts: [number, number][];
  details: DlibDetails;
  ms: number;
}

const toDetails = (d: DlibDetails): ChipDetails => ({
  rect: [...d.rect],
  angle: d.angle,
  rows: d.rows,
  cols: d.cols,
});

function detailsDiff(a: ChipDetails, d: DlibDetails): number {
  const rel = (x: number, y: number): number => Math.abs(x - y) / Math.max(1, Math.abs(y));
  if (a.rows !== d.rows || a.cols !== d.cols) return Infinity;
  return Math.max(...a.rect.map((v, i) => rel(v, d.rect[i]!)), Math.abs(a.angle - d.angle));
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A grey PNG as dlib saved it, read back as RGB (g, g, g): its grey plane. */
function firstChannel(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[3 * i]!;
  return out;
}

const FIVE = [45, 42, 36, 39, 33];

describeParity('aligned face chips vs dlib', () => {
  const pngs = new Map<string, string[]>();
  const images = new Map<string, RgbImage>();
  const summary: string[] = [];
  let dir = '';
  let predictor = '';

  beforeAll(() => {
    dir = scratchDir('chips-parity');
    predictor = assetPath('shape_predictor_68_face_landmarks');
    for (const folder of ['faces', 'johns', 'video_frames']) {
      const list = exampleImages(folder)
        .filter((f) => /\.jpe?g$/i.test(f))
        .map((jpg, i) => {
          const png = join(dir, `${folder}-${i}-${basename(jpg)}.png`);
          runHarness(['decode', jpg, png]);
          return png;
        });
      pngs.set(folder, list);
    }
  });

  const image = (png: string, upsample: number): RgbImage => {
    const key = `${png}@${upsample}`;
    let img = images.get(key);
    if (!img) {
      img = readImageSync(png) as RgbImage;
      for (let i = 0; i < upsample; i++) img = pyramidUp(img);
      images.set(key, img);
    }
    return img;
  };

  const cases = [
    { folder: 'faces', upsample: 0, adjust: 0, size: 150, five: false, gray: false },
    { folder: 'johns', upsample: 0, adjust: 0, size: 150, five: false, gray: false },
    { folder: 'video_frames', upsample: 0, adjust: -1.5, size: 150, five: false, gray: false },
    { folder: 'faces', upsample: 0, adjust: 0, size: 40, five: false, gray: false },
    { folder: 'faces', upsample: 0, adjust: 0, size: 150, five: true, gray: false },
    { folder: 'faces', upsample: 0, adjust: 0, size: 150, five: false, gray: true },
    { folder: 'faces', upsample: 0, adjust: 0, size: 25, five: true, gray: true },
  ] as const;

  for (const c of cases) {
    const label = `${c.folder} upsample ${c.upsample}${c.adjust ? ` adjust ${c.adjust}` : ''} size ${c.size}${c.five ? ' 5-point' : ''}${c.gray ? ' grey' : ''}`;
    it(label, () => {
      const list = pngs.get(c.folder)!;
      const out = scratchDir('chips');
      const faces = runHarnessJson<DlibChipFace>(
        ['chips', ...list, '--out', out, '--predictor', predictor, '--size', String(c.size), '--padding', '0.25', '--upsample', String(c.upsample), '--adjust', String(c.adjust), '--five', c.five ? '1' : '0', '--gray', c.gray ? '1' : '0'],
        { timeoutMs: 600_000 },
      );
      expect(faces.length).toBeGreaterThan(0);
      let worstDetails = 0;
      let worstEnd = 0;
      let worstGiven = 0;
      let identical = 0;
      let oursMs = 0;
      let dlibMs = 0;
      for (const f of faces) {
        const rgb = image(list[f.image]!, c.upsample);
        const src: RgbImage | GrayImage = c.gray ? rgbToGray(rgb) : rgb;
        const pts = c.five ? FIVE.map((k) => f.parts[k]!) : f.parts;
        const ours = getFaceChipDetails(pts, c.size, 0.25);
        const dd = detailsDiff(ours, f.details);
        worstDetails = Math.max(worstDetails, dd);
        expect(dd, `${label} image ${f.image} face ${f.face} details ${JSON.stringify(ours)} vs ${JSON.stringify(f.details)}`).toBeLessThanOrEqual(TOLERANCES.chipDetails.abs);

        const want = readImageSync(f.chip) as RgbImage;
        const t0 = performance.now();
        const got = extractImageChip(src, toDetails(f.details));
        oursMs += performance.now() - t0;
        dlibMs += f.ms;
        expect([got.width, got.height]).toEqual([want.width, want.height]);
        const wantData = c.gray ? firstChannel(want) : want.data;
        const g = maxDiff(got.data, wantData);
        worstGiven = Math.max(worstGiven, g);
        if (g === 0) identical++;
        expect(g, `${label} image ${f.image} face ${f.face}: ${diffReport(got.data, wantData)}`).toBeLessThanOrEqual(TOLERANCES.chipPixels.abs);

        const end = extractImageChip(src, ours);
        const e = maxDiff(end.data, wantData);
        worstEnd = Math.max(worstEnd, e);
        expect(e, `${label} image ${f.image} face ${f.face} end to end`).toBeLessThanOrEqual(TOLERANCES.chipPixelsEndToEnd.abs);
      }
      summary.push(`${label}: ${faces.length} chips, ${identical} identical given dlib's details (max ${worstGiven}); details max rel diff ${worstDetails.toExponential(2)}; end to end max ${worstEnd} grey levels; extract ms/chip ours ${(oursMs / faces.length).toFixed(3)} dlib ${(dlibMs / faces.length).toFixed(3)}`);
      process.stdout.write(`chips parity: ${summary[summary.length - 1]}\n`);
    });
  }

  it('hand-made details: rotated, partly and wholly outside the image, pyramid levels, copy path', () => {
    const png = pngs.get('faces')!.find((p) => p.includes('bald_guys'))!;
    const rgb = image(png, 0);
    const grey = rgbToGray(rgb);
    const list: ChipDetails[] = [
      { rect: [-60.5, -40.25, 139.5, 159.75], angle: 0.3, rows: 150, cols: 150 },
      { rect: [1900.3, 1400.7, 2100.3, 1600.7], angle: -0.7, rows: 80, cols: 100 },
      { rect: [100, 200, 1099, 1199], angle: 0.05, rows: 31, cols: 31 },
      { rect: [0, 0, 1985, 1544], angle: 0, rows: 20, cols: 25 },
      { rect: [300, 300, 449, 449], angle: 0, rows: 150, cols: 150 },
      { rect: [-20.2, 1500.4, 79.8, 1599.4], angle: 0, rows: 100, cols: 100 },
      { rect: [500.5, 500.5, 650.5, 650.5], angle: Math.PI, rows: 151, cols: 151 },
      // wholly outside the image (all zeros)
      { rect: [3000, 3000, 3200, 3200], angle: 0.2, rows: 150, cols: 150 },
      { rect: [-500, -500, -300, -300], angle: 0, rows: 40, cols: 40 },
    ];
    const out = scratchDir('chip-extract');
    let n = 0;
    let identical = 0;
    for (const d of list) {
      for (const gray of [false, true]) {
        const file = join(out, `${n++}.png`);
        const spec = `${d.rect.join(' ')} ${d.angle} ${d.rows} ${d.cols}`;
        runHarness(['chip-extract', png, file, '--details', spec, '--gray', gray ? '1' : '0']);
        const want = readImageSync(file) as RgbImage;
        const got = extractImageChip(gray ? grey : rgb, d);
        const wantData = gray ? firstChannel(want) : want.data;
        expect([got.width, got.height], spec).toEqual([want.width, want.height]);
        const g = maxDiff(got.data, wantData);
        if (g === 0) identical++;
        expect(g, `${spec} gray ${gray}: ${diffReport(got.data, wantData)}`).toBeLessThanOrEqual(TOLERANCES.chipPixels.abs);
      }
    }
    process.stdout.write(`chips parity: hand-made details: ${n} chips, ${identical} identical\n`);
  });

  it('chip details of shapes partly outside the image, and 5-point shapes', () => {
    const shapes: [number, number][][] = [];
    let s = 12345;
    const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 20; k++) {
      const n = k % 2 ? 68 : 5;
      const ox = Math.round(rnd() * 2000 - 1000);
      const oy = Math.round(rnd() * 2000 - 1000);
      shapes.push(Array.from({ length: n }, () => [ox + Math.round(rnd() * 300), oy + Math.round(rnd() * 300)] as [number, number]));
    }
    let worst = 0;
    for (const [k, pts] of shapes.entries()) {
      for (const [size, padding] of [[150, 0.25], [200, 0.2], [41, 0]] as const) {
        const [want] = runHarnessJson<DlibDetails>(['chip-details', '--points', JSON.stringify(pts), '--size', String(size), '--padding', String(padding)]);
        const got = getFaceChipDetails(pts, size, padding);
        const dd = detailsDiff(got, want!);
        worst = Math.max(worst, dd);
        expect(dd, `shape ${k} size ${size}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBeLessThanOrEqual(TOLERANCES.chipDetails.abs);
      }
    }
    process.stdout.write(`chips parity: random shapes (5 and 68 points, off-image): details max rel diff ${worst.toExponential(2)}\n`);
  });
});
