/**
 * Unit tests of src/image/jitter.ts (dlib's jitter_image) and of the recognizer's jittered
 * descriptors (src/dnn/recognizer.ts), without dlib. Pixel and descriptor parity with live dlib:
 * test/parity/jitter-parity.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceRecognizer, type FaceRecognizer } from '../../src/dnn/index.js';
import { FacemetricError } from '../../src/errors.js';
import { rgbToGray, type RgbImage } from '../../src/image/index.js';
import { applyJitter, drawJitter, extractImageChip, jitterImage } from '../../src/landmarks/index.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { datasetChips } from '../helpers/chips.js';

function mirror(img: RgbImage): RgbImage {
  const { width, height } = img;
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = img.data[(y * width + (width - 1 - x)) * 3 + k]!;
    }
  }
  return { width, height, data };
}

/** dlib's mean(mat(v)) over float vectors: a float32 running sum from zeros, times 1.0f/float(n). */
function floatMean(vs: readonly Float32Array[]): Float32Array {
  const sum = new Float32Array(vs[0]!.length);
  for (const v of vs) for (let k = 0; k < sum.length; k++) sum[k] = sum[k]! + v[k]!;
  const inv = Math.fround(1 / vs.length);
  return sum.map((s) => s * inv);
}

const same = (a: { data: Uint8Array }, b: { data: Uint8Array }): boolean => Buffer.from(a.data).equals(Buffer.from(b.data));
/** The next 32-bit number of a copy of the generator's state: equal iff two generators are in step. */
const next32 = (r: DlibRand): number => r.getRandom32bitNumber();

describe('jitterImage', () => {
  let chips: RgbImage[];
  beforeAll(() => {
    chips = datasetChips();
    expect(chips.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses empty, non-square, tiny and malformed images with a FacemetricError, drawing nothing', () => {
    const rng = new DlibRand('x');
    const bad: unknown[] = [
      { width: 0, height: 0, data: new Uint8Array(0) },
      { width: 150, height: 149, data: new Uint8Array(150 * 149 * 3) },
      { width: 149, height: 150, data: new Uint8Array(150 * 149) },
      { width: 6, height: 6, data: new Uint8Array(6 * 6 * 3) },
      { width: 10, height: 10, data: new Uint8Array(10 * 10 * 2) },
      { width: 10, height: 10, data: [1, 2, 3] },
      null,
    ];
    for (const img of bad) expect(() => jitterImage(img as RgbImage, rng), JSON.stringify(img)?.slice(0, 60)).toThrow(FacemetricError);
    expect(() => jitterImage({ width: 150, height: 149, data: new Uint8Array(150 * 149 * 3) }, rng)).toThrow(/square/);
    expect(() => jitterImage({ width: 0, height: 0, data: new Uint8Array(0) }, rng)).toThrow(/empty/);
    expect(() => drawJitter(6, rng)).toThrow(FacemetricError);
    expect(next32(rng)).toBe(next32(new DlibRand('x')));
    // a draw made for one size is refused for another
    expect(() => applyJitter(chips[0]!, drawJitter(151, new DlibRand()))).toThrow(FacemetricError);
  });

  it('takes exactly 5 doubles (10 32-bit numbers) from the generator per call', () => {
    const a = new DlibRand('seed');
    const b = new DlibRand('seed');
    jitterImage(chips[0]!, a);
    jitterImage(chips[1]!, a);
    for (let i = 0; i < 10; i++) b.getRandomDouble();
    expect(next32(a)).toBe(next32(b));
  });

  it('is deterministic for a seed, gives a new crop for each draw, keeps size and type', () => {
    const a = new DlibRand('7');
    const b = new DlibRand('7');
    const crops = Array.from({ length: 8 }, () => jitterImage(chips[2]!, a));
    const again = Array.from({ length: 8 }, () => jitterImage(chips[2]!, b));
    crops.forEach((c, i) => {
      expect(c.width).toBe(150);
      expect(c.height).toBe(150);
      expect(c.data.length).toBe(150 * 150 * 3);
      expect(same(c, again[i]!)).toBe(true);
      expect(same(c, chips[2]!)).toBe(false);
      for (let j = 0; j < i; j++) expect(same(c, crops[j]!), `draws ${j} and ${i}`).toBe(false);
    });
    // another seed, other crops
    expect(same(jitterImage(chips[2]!, new DlibRand('8')), crops[0]!)).toBe(false);
    // a grey image gives a grey crop of its size
    const grey = jitterImage(rgbToGray(chips[2]!), new DlibRand('7'));
    expect([grey.width, grey.height, grey.data.length]).toEqual([150, 150, 150 * 150]);
  });

  it('draws dlib\'s ranges: shift <= 2% (rounded), box 144/0.99999 .. 144/0.97, angle in [-3, 3) degrees, flip about half the time', () => {
    const rng = new DlibRand();
    let flips = 0;
    const n = 2000;
    const boxes = new Set<number>();
    for (let i = 0; i < n; i++) {
      const { details: d, flip } = drawJitter(150, rng);
      const box = d.rect[2] - d.rect[0] + 1;
      boxes.add(box);
      expect(d.rect[3] - d.rect[1] + 1).toBe(box);
      expect(box).toBeGreaterThanOrEqual(144);
      expect(box).toBeLessThanOrEqual(148);
      // centred on center(rect(3, 3, 146, 146)) = (75, 75) plus at most round(0.02 * 144) = 3
      for (const c of [d.rect[0] + Math.trunc(box / 2), d.rect[1] + Math.trunc(box / 2)]) expect(Math.abs(c - 75)).toBeLessThanOrEqual(3);
      for (const v of [d.rect[0], d.rect[1], d.rect[2], d.rect[3]]) expect(Number.isInteger(v)).toBe(true);
      expect(Math.abs(d.angle)).toBeLessThanOrEqual((3 * Math.PI) / 180);
      expect([d.rows, d.cols]).toEqual([150, 150]);
      if (flip) flips++;
    }
    expect(boxes.size).toBeGreaterThanOrEqual(4);
    // binomial(2000, 1/2): sd 22; 5 sd either side
    expect(flips).toBeGreaterThan(n / 2 - 110);
    expect(flips).toBeLessThan(n / 2 + 110);
  });

  it('a flipped draw is the unflipped crop mirrored left-right', () => {
    const rng = new DlibRand('flip');
    let seen = 0;
    for (let i = 0; i < 6; i++) {
      const draw = drawJitter(150, rng);
      const plain = extractImageChip(chips[3]!, draw.details);
      const crop = applyJitter(chips[3]!, draw);
      expect(same(crop, draw.flip ? mirror(plain) : plain)).toBe(true);
      if (draw.flip) seen++;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(6);
  });
});

describe('jittered descriptors (FaceRecognizer, jitter option)', () => {
  let chips: RgbImage[];
  let r: FaceRecognizer;
  beforeAll(() => {
    chips = datasetChips().slice(0, 3);
    r = loadFaceRecognizer(undefined, { backend: 'wasm' });
  });

  it('jitter undefined, 0 and 1 are the plain descriptors and draw nothing; bad values are refused', () => {
    const plain = r.describeBatch(chips);
    const before = new DlibRand();
    for (const jitter of [0, 1]) {
      const got = r.describeBatch(chips, { jitter });
      got.forEach((d, i) => expect(Array.from(d)).toEqual(Array.from(plain[i]!)));
    }
    // the recognizer's own generator is still a fresh default dlib::rand
    expect(next32(r.rng)).toBe(next32(before));
    r.rng.clear();
    for (const jitter of [-1, 1.5, Number.NaN]) expect(() => r.describeBatch(chips, { jitter })).toThrow(RangeError);
  });

  it('jitter N > 1: each chip the float mean of the descriptors of N jitterImage copies, chip after chip, from one generator', () => {
    const got = r.describeBatch(chips, { jitter: 3, rng: new DlibRand('42'), batchSize: 16 });
    const rng = new DlibRand('42');
    chips.forEach((c, i) => {
      const copies = [jitterImage(c, rng), jitterImage(c, rng), jitterImage(c, rng)];
      const want = floatMean(r.describeBatch(copies, { batchSize: 16 }));
      expect(Array.from(got[i]!), `chip ${i}`).toEqual(Array.from(want));
    });
    // not the plain descriptor, but the same person (the copies are the same face)
    const plain = r.describeBatch(chips);
    got.forEach((d, i) => {
      let dist = 0;
      for (let k = 0; k < 128; k++) dist += (d[k]! - plain[i]![k]!) ** 2;
      expect(Math.sqrt(dist)).toBeGreaterThan(0);
      expect(Math.sqrt(dist)).toBeLessThan(0.6); // dlib's same-person threshold
    });
  });

  it('the recognizer\'s generator persists across calls, as the rnd member of dlib\'s Python model', () => {
    const a = loadFaceRecognizer(undefined, { backend: 'wasm' });
    const b = loadFaceRecognizer(undefined, { backend: 'wasm' });
    // two calls on one recognizer = one call on both chips with a fresh one
    const first = a.describeBatch([chips[0]!], { jitter: 2 })[0]!;
    const second = a.describeBatch([chips[0]!], { jitter: 2 })[0]!;
    const both = b.describeBatch([chips[0]!, chips[0]!], { jitter: 2 });
    expect(Array.from(first)).toEqual(Array.from(both[0]!));
    expect(Array.from(second)).toEqual(Array.from(both[1]!));
    expect(Array.from(second)).not.toEqual(Array.from(first));
    // a default generator is the recognizer's own: it starts where a default dlib::rand starts
    const fresh = loadFaceRecognizer(undefined, { backend: 'wasm' });
    const viaOpt = fresh.describeBatch([chips[1]!], { jitter: 2, rng: new DlibRand() })[0]!;
    expect(Array.from(fresh.describeBatch([chips[1]!], { jitter: 2 })[0]!)).toEqual(Array.from(viaOpt));
    // an explicit rng leaves the recognizer's alone
    const c = loadFaceRecognizer(undefined, { backend: 'wasm' });
    c.describeBatch([chips[2]!], { jitter: 2, rng: new DlibRand('z') });
    expect(next32(c.rng)).toBe(next32(new DlibRand()));
    for (const x of [a, b, fresh, c]) x.dispose();
  });

  it('describeBatchAsync on 2 threads draws the same copies in the same order as describeBatch', async () => {
    const t = loadFaceRecognizer(undefined, { backend: 'wasm', threads: 2 });
    try {
      const got = await t.describeBatchAsync(chips, { jitter: 4, rng: new DlibRand('async') });
      const want = r.describeBatch(chips, { jitter: 4, rng: new DlibRand('async') });
      // Each chip's 4 copies are split 2 + 2 across the threads (batches of 2 instead of one of
      // 4: the wasm GEMM may then differ in the last bits), so compare closely, not bitwise...
      got.forEach((d, i) => d.forEach((v, k) => expect(Math.abs(v - want[i]![k]!)).toBeLessThan(1e-5)));
      // ...and bitwise against describeBatch run on the same chunks.
      const rng = new DlibRand('async');
      chips.forEach((c, i) => {
        const copies = [0, 1, 2, 3].map(() => jitterImage(c, rng));
        const parts = [...r.describeBatch(copies.slice(0, 2)), ...r.describeBatch(copies.slice(2))];
        expect(Array.from(got[i]!), `chip ${i}`).toEqual(Array.from(floatMean(parts)));
      });
      // the generator advanced by 3 chips x 4 copies x 5 doubles, drawn before the first await
      const rng2 = new DlibRand('x');
      const pending = t.describeBatchAsync(chips.slice(0, 1), { jitter: 2, rng: rng2 });
      const ref = new DlibRand('x');
      for (let i = 0; i < 10; i++) ref.getRandomDouble();
      expect(next32(rng2)).toBe(next32(ref));
      await pending;
    } finally {
      t.dispose();
    }
  });
});
