/**
 * The training data readers on temporary folders: scanDataDir (chips, photos aligned by the
 * pipeline, skipped files, warnings, errors, progress), datasetObjects + datasetLoader feeding
 * loadMiniBatch, parseBatchList (format, label numbering, every error with file and line) and
 * holdoutSplit (seeded, whole people).
 *
 * Chips are dlib's examples/johns (150x150 JPEGs); photos are dlib's examples/faces with one
 * (2008_002079.jpg), none (2008_007676.jpg) and two (2009_004587.jpg) faces found by the
 * pipeline. One test loads the real detector and shape predictor (~1 s); the others align with
 * a stand-in.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { encodePng, readImageSync, type RgbImage } from '../../src/image/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import { loadFaceModels, runPipeline } from '../../src/pipeline/index.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { datasetLoader, datasetObjects, holdoutSplit, parseBatchList, scanDataDir, type ScanProgress } from '../../src/train/dataset.js';
import { loadMiniBatch } from '../../src/train/sampler.js';

let root = '';
let johns: string[][] = [];
const faces = (f: string): string => join(exampleImagesDir(), 'faces', f);

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'facemetric-dataset-')));
  const dir = join(exampleImagesDir(), 'johns');
  johns = readdirSync(dir).sort().map((p) => readdirSync(join(dir, p)).sort().map((f) => join(dir, p, f)));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder under the temporary root. */
function folder(name: string): string {
  const d = join(root, `${name}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A data folder: person name -> [file name, source file or contents]. */
function dataFolder(people: Record<string, [string, string | Uint8Array][]>): string {
  const d = folder('data');
  for (const [person, files] of Object.entries(people)) {
    mkdirSync(join(d, person));
    for (const [name, src] of files) {
      if (typeof src === 'string' && src.startsWith('/')) copyFileSync(src, join(d, person, name));
      else writeFileSync(join(d, person, name), src);
    }
  }
  return d;
}

const chip = (p: number, k: number): string => johns[p]![k]!;
/** A stand-in aligner: the photo's top-left 150x150 pixels, `faces` times. */
const fakeAlign = (count: number) => (img: RgbImage): RgbImage[] => {
  const data = new Uint8Array(150 * 150 * 3);
  for (let y = 0; y < 150; y++) data.set(img.data.subarray(y * img.width * 3, y * img.width * 3 + 450), y * 450);
  return Array.from({ length: count }, () => ({ width: 150, height: 150, data: data.slice() }));
};

describe('scanDataDir', () => {
  it('chips used as is, photos aligned by the pipeline as `facemetric chips` does, no-face and two-face photos skipped', () => {
    const d = dataFolder({
      ann: [['1.jpg', chip(0, 0)], ['2.jpg', chip(0, 1)], ['photo.jpg', faces('2008_002079.jpg')]],
      ben: [['none.jpg', faces('2008_007676.jpg')], ['two.JPG', faces('2009_004587.jpg')], ['c.jpg', chip(1, 0)], ['d.jpeg', chip(1, 1)]],
    });
    const models = loadFaceModels('chips');
    const progress: ScanProgress[] = [];
    const scan = scanDataDir(d, { models, onProgress: (p) => progress.push(p) });
    expect(scan.people.map((p) => [p.name, p.images.map((i) => [i.file.slice(d.length + 1), i.kind])])).toEqual([
      ['ann', [['ann/1.jpg', 'chip'], ['ann/2.jpg', 'chip'], ['ann/photo.jpg', 'photo']]],
      ['ben', [['ben/c.jpg', 'chip'], ['ben/d.jpeg', 'chip']]],
    ]);
    // the photo's chip is the pipeline's (`facemetric chips`: readImage + runPipeline until 'chips')
    const want = runPipeline(readImageSync(faces('2008_002079.jpg')), models, { until: 'chips' }).faces;
    expect(want.length).toBe(1);
    const got = scan.people[0]!.images[2]!.chip!;
    expect([got.width, got.height]).toEqual([150, 150]);
    expect(Buffer.compare(got.data, want[0]!.chip!.data)).toBe(0);
    expect(scan.people[0]!.images[0]!.chip).toBeUndefined();
    expect(scan.skipped).toEqual([
      { file: join(d, 'ben', 'none.jpg'), problem: 'no face found in the 500x334 photo (a training photo must show exactly one face)' },
      { file: join(d, 'ben', 'two.JPG'), problem: '2 faces found (a training photo must show exactly one face)' },
    ]);
    expect(scan.warnings).toEqual([]);
    expect(progress.map((p) => [p.done, p.total])).toEqual([[1, 7], [2, 7], [3, 7], [4, 7], [5, 7], [6, 7], [7, 7]]);
    expect(progress[6]!.file).toBe(join(d, 'ben', 'two.JPG'));
  });

  it('non-image and hidden files ignored; unreadable images skipped with one line; one-image people warned; empty people left out', () => {
    const d = dataFolder({
      cat: [['a.jpg', chip(2, 0)], ['notes.txt', 'hello'], ['.b.jpg', chip(2, 1)], ['broken.png', 'not a png']],
      dan: [['x.txt', 'no images']],
      eve: [['bad.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16])]],
      fay: [['a.jpg', chip(3, 0)], ['b.jpg', chip(3, 1)]],
    });
    writeFileSync(join(d, 'loose.png'), 'x');
    const scan = scanDataDir(d, { alignFaces: () => { throw new Error('no photo here'); }, keepChips: true });
    expect(scan.people.map((p) => [p.name, p.images.length])).toEqual([['cat', 1], ['fay', 2]]);
    expect(scan.people[1]!.images.every((i) => i.chip !== undefined && i.chip.width === 150)).toBe(true);
    expect(scan.skipped.map((s) => s.file)).toEqual([join(d, 'cat', 'broken.png'), join(d, 'eve', 'bad.jpg')]);
    for (const s of scan.skipped) {
      expect(s.problem).not.toContain('\n');
      expect(s.problem).not.toContain(s.file);
    }
    expect(scan.skipped[0]!.problem).toMatch(/PNG|image/);
    expect(scan.warnings).toEqual([
      `${join(d, 'loose.png')}: not in a person folder; ignored (the data folder holds one folder per person)`,
      `${join(d, 'cat')}: person 'cat' has only one usable image (no same-person pair to learn from)`,
      `${join(d, 'dan')}: no image files; person 'dan' left out`,
      `${join(d, 'eve')}: no usable image; person 'eve' left out`,
    ]);
  });

  it('an empty or missing data folder, or one without a usable person, is an error naming the folder', () => {
    const empty = folder('empty');
    expect(() => scanDataDir(empty)).toThrow(FacemetricError);
    expect(() => scanDataDir(empty)).toThrow(`${empty}: the data folder has no person folders`);
    expect(() => scanDataDir(join(root, 'missing'))).toThrow(`${join(root, 'missing')}: cannot open the data folder`);
    const useless = dataFolder({ a: [['x.txt', 'x']], b: [['bad.png', 'x']] });
    expect(() => scanDataDir(useless)).toThrow(`${useless}: no usable person in the data folder (2 folders, 1 image file, 1 skipped)`);
  });

  it('datasetObjects + datasetLoader feed loadMiniBatch: kept chips served from memory, chip files read again', () => {
    const d = dataFolder({
      a: [['1.jpg', chip(0, 0)], ['2.jpg', chip(0, 1)]],
      b: [['p.png', '']],
      c: [['1.jpg', chip(4, 0)], ['2.jpg', chip(4, 1)], ['3.jpg', chip(4, 2)]],
    });
    // b's photo: a 200x160 PNG, aligned by the stand-in
    const photo: RgbImage = { width: 200, height: 160, data: new Uint8Array(200 * 160 * 3).map((_, i) => (i * 13) & 255) };
    writeFileSync(join(d, 'b', 'p.png'), encodePng(photo));
    writeFileSync(join(d, 'b', 'q.png'), encodePng(photo));
    const scan = scanDataDir(d, { alignFaces: fakeAlign(1) });
    const objs = datasetObjects(scan);
    expect(objs.map((o) => o.length)).toEqual([2, 2, 3]);
    const load = datasetLoader(scan);
    expect(load(objs[1]![0]!)).toBe(scan.people[1]!.images[0]!.chip);
    expect(load(objs[0]![1]!).width).toBe(150);
    expect(() => load(join(d, 'nope.jpg'))).toThrow(/nope\.jpg: not an image of the scanned data folder/);
    const batch = loadMiniBatch(3, 3, new DlibRand('x'), objs, load);
    expect(batch.images.length).toBe(9);
    expect(batch.images.every((i) => i.width === 150 && i.height === 150)).toBe(true);
    // a chip file replaced by something else after the scan
    writeFileSync(join(d, 'a', '1.jpg'), encodePng(photo));
    expect(() => load(join(d, 'a', '1.jpg'))).toThrow(/1\.jpg: is now 200x160; it was a 150x150 chip/);
  });

  it('a model problem for the first photo is not a skipped image: it is thrown', () => {
    const d = dataFolder({ a: [['p.png', '']] });
    writeFileSync(join(d, 'a', 'p.png'), encodePng({ width: 20, height: 20, data: new Uint8Array(1200) }));
    const modelError = new FacemetricError('bad model', { file: '/models/x.dat' });
    expect(() => scanDataDir(d, { alignFaces: () => { throw modelError; } })).toThrow(modelError);
  });
});

describe('parseBatchList', () => {
  let dir = '';
  let chips: string[] = [];
  beforeAll(() => {
    dir = folder('lists');
    mkdirSync(join(dir, 'my chips'));
    chips = [0, 1, 2, 3].map((p) => {
      const f = join(dir, 'my chips', `c${p}.jpg`);
      copyFileSync(chip(p, 0), f);
      return f;
    });
    writeFileSync(join(dir, 'big.png'), encodePng({ width: 151, height: 150, data: new Uint8Array(151 * 150 * 3) }));
  });
  const list = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('PATH LABEL lines, blank lines between mini-batches, relative (to the list) and absolute paths, labels numbered by first appearance', () => {
    const f = list('ok.txt', `my chips/c0.jpg alice\nmy chips/c1.jpg  bob\r\n${chips[2]} alice\n\n\n  my chips/c3.jpg\tcarol  \nmy chips/c0.jpg bob\n\n`);
    const r = parseBatchList(f);
    expect(r.labelNames).toEqual(['alice', 'bob', 'carol']);
    expect(r.batches).toEqual([
      { paths: [chips[0], chips[1], chips[2]], labels: [0, 1, 0], line: 1 },
      { paths: [chips[3], chips[0]], labels: [2, 1], line: 6 },
    ]);
  });

  it('errors name the list file and the line', () => {
    const cases: [string, string, RegExp | string][] = [
      ['nolabel.txt', 'my chips/c0.jpg a\nmy chips/c1.jpg\n', 'nolabel.txt: line 2: missing label: expected \'PATH LABEL\', got \'my chips/c1.jpg\''],
      ['nolabel2.txt', 'big.png\n', 'nolabel2.txt: line 1: missing label: expected \'PATH LABEL\', got \'big.png\''],
      ['missing.txt', 'my chips/c0.jpg a\nmy chips/c2.jpg b\n\nmy chips/c1.jpg a\nmissing.jpg b\n', /missing\.txt: line 5: missing\.jpg: no such file$/],
      ['size.txt', 'my chips/c0.jpg a\nbig.png b\n', 'size.txt: line 2: big.png is 151x150; a listed image must be a 150x150 face chip'],
      ['one.txt', 'my chips/c0.jpg a\nmy chips/c1.jpg b\n\nmy chips/c2.jpg c\nmy chips/c3.jpg c\n', "one.txt: line 4: the mini-batch of lines 4-5 has only one label ('c'); a mini-batch needs at least two different labels (people)"],
      ['empty.txt', '\n\n', "empty.txt: no mini-batches in the list (expected lines 'PATH LABEL', an empty line between mini-batches)"],
    ];
    for (const [name, text, want] of cases) {
      const f = list(name, text);
      let msg = '';
      try {
        parseBatchList(f);
      } catch (e) {
        expect(e).toBeInstanceOf(FacemetricError);
        msg = (e as Error).message;
      }
      expect(msg.startsWith(f), msg).toBe(true);
      expect(msg).not.toContain('\n');
      if (typeof want === 'string') expect(msg).toBe(`${join(dir, want)}`);
      else expect(msg).toMatch(want);
    }
    expect(() => parseBatchList(join(dir, 'none.txt'))).toThrow(/none\.txt: cannot read the mini-batch list/);
  });

  it('requireChips false lets other sizes through; checkImages false reads nothing', () => {
    const f = list('photos.txt', 'big.png a\nmy chips/c0.jpg b\n');
    expect(parseBatchList(f, { requireChips: false }).batches[0]!.paths).toEqual([join(dir, 'big.png'), chips[0]]);
    const g = list('unchecked.txt', 'nothing-here.jpg a\nnor-here.jpg b\n');
    let reads = 0;
    expect(parseBatchList(g, { checkImages: false, readImage: () => { reads++; throw new Error('no'); } }).batches.length).toBe(1);
    expect(reads).toBe(0);
  });
});

describe('holdoutSplit', () => {
  const people = Array.from({ length: 10 }, (_, i) => `p${i}`);

  it('deterministic for a seed, whole people, both sets in the original order, round(fraction * n) held out', () => {
    const a = holdoutSplit(people, 0.3, new DlibRand('h'));
    const b = holdoutSplit(people, 0.3, new DlibRand('h'));
    expect(a).toEqual(b);
    expect(a.heldOut.length).toBe(3);
    expect([...a.train, ...a.heldOut].sort()).toEqual([...people].sort());
    expect(a.train).toEqual(people.filter((p) => a.train.includes(p)));
    expect(a.heldOut).toEqual(people.filter((p) => a.heldOut.includes(p)));
    // dlib's randomize_samples on 0..9, first 3 held out
    const idx = people.map((_, i) => i);
    const r = new DlibRand('h');
    for (let i = 9; i > 0; i--) {
      const j = r.getRandom32bitNumber() % (i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    expect(a.heldOut).toEqual(idx.slice(0, 3).sort((x, y) => x - y).map((i) => people[i]));
    const seeds = ['1', '2', '3', '4', '5'].map((s) => holdoutSplit(people, 0.3, new DlibRand(s)).heldOut.join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('fraction 0 holds out nobody and draws nothing; a small positive fraction holds out one', () => {
    const rnd = new DlibRand('z');
    const replay = rnd.clone();
    expect(holdoutSplit(people, 0, rnd)).toEqual({ train: people, heldOut: [] });
    expect(rnd.getRandom32bitNumber()).toBe(replay.getRandom32bitNumber());
    expect(holdoutSplit(people, 0.01, new DlibRand()).heldOut.length).toBe(1);
  });

  it('errors: fraction outside [0, 1), fewer than 2 people left to train', () => {
    expect(() => holdoutSplit(people, 1, new DlibRand())).toThrow(/fraction must be in \[0, 1\), got 1/);
    expect(() => holdoutSplit(people, -0.1, new DlibRand())).toThrow(FacemetricError);
    expect(() => holdoutSplit(people, 0.9, new DlibRand())).toThrow('holdoutSplit: holding out 9 of 10 people (fraction 0.9) leaves 1 to train on; at least 2 are needed');
  });
});
