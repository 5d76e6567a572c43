/**
 * loadObjectsList and loadMiniBatch on temporary folders and in-memory images (their parity
 * with dlib's example is test/parity/sampler-parity.test.ts): the folder rules, the draw order
 * replayed from a cloned generator, the caller's images left untouched, and the errors.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { disturbColors } from '../../src/image/disturb-colors.js';
import { jitterImage } from '../../src/image/jitter.js';
import type { RgbImage } from '../../src/image/pixels.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { byName, listFolder, loadMiniBatch, loadObjectsList, type ObjectsList } from '../../src/train/sampler.js';

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'facemetric-sampler-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A w x h RGB image whose pixels depend on `seed`. */
function picture(seed: number, w = 24, h = w): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 97 + ((i * seed) >> 3)) & 255;
  return { width: w, height: h, data };
}

describe('loadObjectsList', () => {
  it('one entry per sub-folder with files, folders and files sorted by code units, realpath-based paths', () => {
    const data = join(root, 'data');
    for (const [person, files] of [['bob', ['b.jpg', 'a.png', '.hidden']], ['Alice', ['z.txt']], ['empty', []], ['carol', ['x.jpg']]] as const) {
      mkdirSync(join(data, person), { recursive: true });
      for (const f of files) writeFileSync(join(data, person, f), 'x');
    }
    mkdirSync(join(data, 'carol', 'nested'));
    writeFileSync(join(data, 'carol', 'nested', 'deep.jpg'), 'x');
    writeFileSync(join(data, 'loose.jpg'), 'x');
    symlinkSync(join(data, 'carol'), join(data, 'dave')); // a link to a folder is a folder (stat follows links)
    const real = realpathSync(data);
    const objs = loadObjectsList(data);
    expect(objs).toEqual([
      [join(real, 'Alice', 'z.txt')],
      [join(real, 'bob', '.hidden'), join(real, 'bob', 'a.png'), join(real, 'bob', 'b.jpg')],
      [join(real, 'carol', 'x.jpg')],
      [join(real, 'dave', 'x.jpg')],
    ]);
    expect(listFolder(data)).toEqual({ dirs: ['Alice', 'bob', 'carol', 'dave', 'empty'], files: ['loose.jpg'] });
  });

  it('code-unit order: upper case before lower case, digits before letters', () => {
    expect(['b', 'B', '10', '9', 'a'].sort(byName)).toEqual(['10', '9', 'B', 'a', 'b']);
  });

  it('a missing folder or a file is a one-line error naming it', () => {
    expect(() => loadObjectsList(join(root, 'nope'))).toThrow(FacemetricError);
    expect(() => loadObjectsList(join(root, 'nope'))).toThrow(/nope: cannot open the data folder: no such folder/);
    const f = join(root, 'plain.txt');
    writeFileSync(f, 'x');
    expect(() => loadObjectsList(f)).toThrow(/plain\.txt: the data folder is not a folder/);
  });
});

describe('loadMiniBatch', () => {
  const objs: ObjectsList = [['p0/a', 'p0/b', 'p0/c'], ['p1/a'], ['p2/a', 'p2/b'], ['p3/a', 'p3/b', 'p3/c', 'p3/d'], ['p4/a', 'p4/b']];
  const pictures = new Map(objs.flat().map((p, i) => [p, picture(i + 1)]));
  const loader = (p: string): RgbImage => pictures.get(p)!;

  it('draws as the example: people (redrawn while taken), files with replacement, then colours and 90% jitter per image', () => {
    const rnd = new DlibRand('batch');
    const replay = rnd.clone();
    const before = new Map([...pictures].map(([p, img]) => [p, img.data.slice()]));
    const got = loadMiniBatch(3, 4, rnd, objs, loader);

    // the same draws by hand
    const taken = new Set<number>();
    const labels: number[] = [];
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      let id = replay.getRandom32bitNumber() % objs.length;
      while (taken.has(id)) id = replay.getRandom32bitNumber() % objs.length;
      taken.add(id);
      for (let j = 0; j < 4; j++) {
        labels.push(id);
        paths.push(objs[id]![replay.getRandom32bitNumber() % objs[id]!.length]!);
      }
    }
    expect(got.labels).toEqual(labels);
    expect(got.paths).toEqual(paths);
    expect(new Set(got.labels).size).toBe(3);
    let jittered = 0;
    paths.forEach((p, k) => {
      const src = pictures.get(p)!;
      let img = disturbColors({ width: src.width, height: src.height, data: src.data.slice() }, replay);
      if (replay.getRandomDouble() > 0.1) {
        img = jitterImage(img, replay);
        jittered++;
      }
      expect(Buffer.compare(got.images[k]!.data, img.data), `image ${k}`).toBe(0);
    });
    expect(jittered).toBeGreaterThan(0);
    // the generator is where dlib's would be, and the loader's images were not touched
    expect(rnd.getRandom32bitNumber()).toBe(replay.getRandom32bitNumber());
    for (const [p, img] of pictures) expect(Buffer.compare(img.data, before.get(p)!), p).toBe(0);
  });

  it('every person once when numPeople = objs.length; a seeded generator gives the same mini-batch again', () => {
    const a = loadMiniBatch(5, 2, new DlibRand('all'), objs, loader);
    const b = loadMiniBatch(5, 2, new DlibRand('all'), objs, loader);
    expect([...new Set(a.labels)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(a.labels).toEqual(b.labels);
    expect(a.paths).toEqual(b.paths);
    a.images.forEach((img, k) => expect(Buffer.compare(img.data, b.images[k]!.data)).toBe(0));
    a.paths.forEach((p, k) => expect(objs[a.labels[k]!]).toContain(p));
  });

  it('more people than the data has: an error naming both numbers', () => {
    expect(() => loadMiniBatch(6, 2, new DlibRand(), objs, loader)).toThrow('loadMiniBatch: 6 people asked for in a mini-batch, but the data has only 5');
    expect(() => loadMiniBatch(0, 2, new DlibRand(), objs, loader)).toThrow(/numPeople must be a whole number >= 1, got 0/);
    expect(() => loadMiniBatch(2, 1.5, new DlibRand(), objs, loader)).toThrow(/samplesPerId must be a whole number >= 1/);
    expect(() => loadMiniBatch(1, 1, new DlibRand(), [['x'], []], loader)).toThrow(/person 1 of the objects list has no files/);
  });

  it('images of different sizes: an error naming the two files; non-square images refused', () => {
    const odd = (p: string): RgbImage => (p === 'p1/a' ? picture(3, 30) : picture(2));
    expect(() => loadMiniBatch(5, 1, new DlibRand('s'), objs, odd)).toThrow(/all images in one mini-batch must be the same size: p\S+ is \d+x\d+, p\S+ is \d+x\d+/);
    let msg = '';
    try {
      loadMiniBatch(5, 1, new DlibRand('s'), objs, odd);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('p1/a is 30x30');
    expect(() => loadMiniBatch(2, 2, new DlibRand(), objs, () => picture(1, 24, 20))).toThrow(/is 24x20; dlib's jitter_image needs square images/);
    expect(() => loadMiniBatch(2, 2, new DlibRand(), objs, () => ({ width: 4, height: 4, data: new Uint8Array(16) }))).toThrow(/returned a 4x4 grey image; RGB needed/);
  });
});
