/**
 * 68-point landmarks and aligned face chips, facemetric vs dlib in the same run, per face:
 * dlib's bald_guys.jpg (1986x1545, 24 faces) and examples/johns (55 small images, one face each).
 * Stages: shape_predictor on each face; extract_image_chip of a 150x150 chip (padding 0.25, the
 * recognition chip) and of a 40x40 chip (the face region is much larger than the chip, so dlib
 * first shrinks the cropped region with pyramid_down<2>).
 *
 * Both sides work on identical pixels (the JPEGs decoded by dlib, harness `decode` -> PNG) and on
 * the same inputs: dlib's face boxes and dlib's chip_details, from the harness `chips` command.
 * dlib's times: `landmarks-exact` (shape_predictor::operator(), one face per entry) and `chips`
 * (extract_image_chip per face), each over the same inputs repeated for R + 1 rounds in one
 * process; the first round is a warm-up, as ours is. Every face is timed on its own in every
 * round, on both sides; the table shows, per face, the median over rounds (robust to the
 * preemption of a busy machine), averaged over the faces. The `same` column checks that our
 * output equals dlib's (landmark parts; chip pixels against the PNGs dlib saved).
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readImageSync, type RgbImage } from '../src/image/index.js';
import { extractImageChip, type ChipDetails } from '../src/image/chips.js';
import { loadShapePredictor } from '../src/landmarks/shape-predictor.js';
import { assetPath, exampleImages } from '../src/models/index.js';
import { runHarnessJson, type HarnessChipFace } from '../src/parity/harness.js';
import { baldGuysJpg, benchOutDir, decodeWithDlib, harnessBuilt } from './against-dlib.js';
import { median } from './timing.js';

interface DlibExactImage {
  faces: { rect: [number, number, number, number]; parts: [number, number][] }[];
  ms: number;
}

interface Face {
  img: number;
  rect: [number, number, number, number];
  parts: [number, number][];
}

const toDetails = (d: HarnessChipFace['details']): ChipDetails => ({
  rect: [...d.rect],
  angle: d.angle,
  rows: d.rows,
  cols: d.cols,
});

const repeat = <T>(xs: T[], times: number): T[] => Array.from({ length: times }, () => xs).flat();

/** Per face, the median of its timed rounds (round 0 is a warm-up); then the mean over faces. */
function perFace(times: number[][]): number {
  return times.reduce((sum, t) => sum + median(t.slice(1)), 0) / times.length;
}

/** Our times: `rounds + 1` passes over `n` faces, each face timed on its own. */
function timeOurs(n: number, rounds: number, one: (i: number) => void): number {
  const times: number[][] = Array.from({ length: n }, () => []);
  for (let r = 0; r <= rounds; r++) {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      one(i);
      times[i].push(performance.now() - t0);
    }
  }
  return perFace(times);
}

export async function landmarksBench(): Promise<void> {
  if (!harnessBuilt('landmarks bench')) return;
  const dir = benchOutDir('landmarks');
  const predictorPath = assetPath('shape_predictor_68_face_landmarks');
  const sp = loadShapePredictor(predictorPath);
  const decode = (file: string, name: string): string => decodeWithDlib(file, join(dir, `${name}.png`));
  const bald = baldGuysJpg();
  const johns = exampleImages('johns').filter((f) => /\.jpe?g$/i.test(f));
  const sets: [string, string[], number][] = [
    ['bald_guys 1986x1545', [decode(bald, 'bald_guys')], 7],
    [`johns (${johns.length} images)`, johns.map((f, i) => decode(f, `john-${i}-${basename(f, '.jpg')}`)), 5],
  ];
  const rows = [];
  for (const [name, pngs, rounds] of sets) {
    const imgs: RgbImage[] = pngs.map((p) => readImageSync(p));
    const n = pngs.length;
    // dlib: faces (detector), landmarks and chip details, and chip times, R + 1 rounds per size.
    const chipRuns = new Map<number, HarnessChipFace[]>();
    for (const size of [150, 40]) {
      const out = join(dir, `chips${size}`);
      mkdirSync(out, { recursive: true });
      chipRuns.set(size, runHarnessJson<HarnessChipFace>(['chips', ...repeat(pngs, rounds + 1), '--out', out, '--predictor', predictorPath, '--size', String(size)]));
    }
    const first150 = chipRuns.get(150)!.filter((f) => f.image < n);
    const faces: Face[] = first150.map((f) => ({ img: f.image, rect: f.rect, parts: f.parts }));
    // one landmarks-exact entry per face (so that dlib times each face on its own), rounds + 1 times
    const exact = runHarnessJson<DlibExactImage>([
      'landmarks-exact',
      ...repeat(faces.map((f) => pngs[f.img]), rounds + 1),
      '--predictor',
      predictorPath,
      '--rects-per-image',
      JSON.stringify(repeat(faces.map((f) => [f.rect]), rounds + 1)),
    ]);
    const dlibLandmarks = perFace(faces.map((_, i) => exact.filter((_, k) => k % faces.length === i).map((x) => x.ms)));

    // landmarks
    let same = faces.every((f) => {
      const p = sp.predict(imgs[f.img], f.rect).points;
      return p.every(([x, y], k) => x === f.parts[k][0] && y === f.parts[k][1]);
    });
    const oursLandmarks = timeOurs(faces.length, rounds, (i) => sp.predict(imgs[faces[i].img], faces[i].rect));
    const row = (stage: string, ours: number, dlib: number, ok: boolean) => ({
      images: name,
      stage,
      faces: faces.length,
      'facemetric ms/face': Number(ours.toFixed(3)),
      'dlib ms/face': Number(dlib.toFixed(3)),
      'dlib / facemetric': `${(dlib / ours).toFixed(2)}x`,
      same: ok ? 'yes' : 'NO',
      rounds,
    });
    rows.push(row('68 landmarks', oursLandmarks, dlibLandmarks, same));

    // chips
    for (const size of [150, 40]) {
      const run = chipRuns.get(size)!;
      const firstRound = run.filter((f) => f.image < n);
      const details = firstRound.map((f) => toDetails(f.details));
      same = firstRound.length === faces.length && firstRound.every((f, i) => {
        const ours = extractImageChip(imgs[f.image], details[i]).data;
        const theirs = readImageSync(f.chip).data;
        return ours.length === theirs.length && ours.every((v, k) => v === theirs[k]);
      });
      // face i of round r is the i-th line of that round (every round finds the same faces)
      const dlibChips = perFace(faces.map((_, i) => run.filter((_, k) => k % faces.length === i).map((f) => f.ms)));
      if (run.length !== (rounds + 1) * faces.length) throw new Error(`landmarks bench: dlib found ${run.length} chips in ${rounds + 1} rounds of ${faces.length} faces`);
      const oursChips = timeOurs(faces.length, rounds, (i) => extractImageChip(imgs[faces[i].img], details[i]));
      rows.push(row(`${size}x${size} chip`, oursChips, dlibChips, same));
    }
  }
  console.log('Landmarks and face chips per face (per face: median over rounds, then mean over faces; ratio < 1: facemetric is slower):');
  console.table(rows);
}
