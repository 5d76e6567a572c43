/**
 * The metric-learning example's data path against live dlib: the harness `sampler` (dlib::rand
 * seeded from a number as `dlib::rand rnd(time(0) + seed)` does, the example's load_objects_list
 * and load_mini_batch with dlib's own disturb_colors and jitter_image) against loadObjectsList +
 * loadMiniBatch with DlibRand.fromTime(seed), mini-batch after mini-batch from one generator:
 * the same labels, the same files, byte-identical pixels.
 *
 * The data folder is made in a scratch folder from dlib's examples/johns (150x150 face chips,
 * JPEG): 5 people with 2..6 files each, one person's files partly PNG (one of them grey: dlib's
 * load_image makes it r = g = b), and an empty folder (left out by load_objects_list).
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { encodePng, readImageSync, rgbToGray } from '../../src/image/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { listFolder, loadImageAsDlib, loadMiniBatch, loadObjectsList, type ObjectsList } from '../../src/train/sampler.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';

interface BatchLine {
  batch: number;
  file: string;
  count: number;
  rows: number;
  cols: number;
  labels: number[];
  paths: string[];
}

describeParity('load_objects_list / load_mini_batch (dnn_metric_learning_on_images_ex.cpp) vs dlib', () => {
  let data = '';
  let out = '';

  beforeAll(() => {
    const root = scratchDir('sampler-parity');
    data = join(root, 'data');
    out = join(root, 'out');
    mkdirSync(out);
    const johns = join(exampleImagesDir(), 'johns');
    const people = readdirSync(johns).sort();
    expect(people.length).toBe(5);
    const counts = [6, 2, 4, 3, 5];
    people.forEach((p, i) => {
      const dst = join(data, p.replace('John_', i % 2 === 0 ? 'j-' : 'J_'));
      mkdirSync(dst, { recursive: true });
      readdirSync(join(johns, p)).sort().slice(0, counts[i]).forEach((f, k) => {
        const src = join(johns, p, f);
        if (i === 4 && k < 2) {
          // PNG copies, the first one grey
          const img = readImageSync(src, { applyExifOrientation: false });
          writeFileSync(join(dst, f.replace('.jpg', '.png')), encodePng(k === 0 ? rgbToGray(img) : img));
        } else {
          copyFileSync(src, join(dst, f));
        }
      });
    });
    mkdirSync(join(data, 'empty'));
  });

  /** dlib's batches for `args` against ours drawn from `objs`; returns the number of images compared. */
  function compare(seed: number, people: number, perPerson: number, batches: number, objs: ObjectsList, inputs: string[]): { images: number } {
    const lines = runHarnessJson<BatchLine>(['sampler', '--seed', String(seed), '--people', String(people), '--per-person', String(perPerson),
      '--batches', String(batches), '--out', out, ...inputs]);
    expect(lines.length).toBe(batches);
    const rnd = DlibRand.fromTime(seed);
    let images = 0;
    for (const line of lines) {
      const ours = loadMiniBatch(people, perPerson, rnd, objs, loadImageAsDlib);
      expect(ours.labels, `seed ${seed} batch ${line.batch}: labels`).toEqual(line.labels);
      expect(ours.paths, `seed ${seed} batch ${line.batch}: paths`).toEqual(line.paths);
      expect([line.count, line.rows, line.cols]).toEqual([people * perPerson, 150, 150]);
      const raw = new Uint8Array(readFileSync(line.file));
      const n = 150 * 150 * 3;
      expect(raw.length).toBe(n * line.count);
      ours.images.forEach((img, k) => {
        const theirs = raw.subarray(k * n, (k + 1) * n);
        expect(Buffer.compare(img.data, theirs), `seed ${seed} batch ${line.batch} image ${k} (${line.paths[k]}): ${diffReport(img.data, theirs)}`).toBe(0);
        images++;
      });
    }
    return { images };
  }

  it('load_objects_list: dlib\'s folders and files (sorted), the empty folder left out, realpath-based paths', () => {
    const objs = loadObjectsList(data);
    // code-unit order puts 'J' before 'j'; 'empty' has no files
    expect(objs.map((o) => basename(dirname(o[0]!)))).toEqual(['J_Savage', 'J_Shimkus', 'j-Salley', 'j-Schneider', 'j-Simm']);
    expect(objs.map((o) => o.length)).toEqual([2, 3, 6, 4, 5]);
    for (const o of objs) expect(o.map((f) => basename(f))).toEqual(o.map((f) => basename(f)).sort());
    expect(objs[4]![0]!.endsWith('.png')).toBe(true);
    // dlib's own listing: one person per mini-batch image, all 5 people, must name these files
    const lines = runHarnessJson<BatchLine>(['sampler', '--seed', '3', '--people', '5', '--per-person', '8', '--batches', '3', '--out', out, data]);
    const all = new Set(objs.flat());
    for (const l of lines) for (const p of l.paths) expect(all.has(p), p).toBe(true);
  });

  it('mini-batches of several seeds (P = 3, K = 4; P = 5, K = 2; P = 2, K = 6): labels, paths and pixels identical to dlib\'s', () => {
    const objs = loadObjectsList(data);
    const t0 = performance.now();
    let images = 0;
    for (const seed of [0, 1, 42, 1700000000, -5]) images += compare(seed, 3, 4, 3, objs, [data]).images;
    images += compare(7, 5, 2, 4, objs, [data]).images;
    images += compare(8, 2, 6, 4, objs, [data]).images;
    console.log(`sampler parity: ${images} images in ${5 * 3 + 8} mini-batches identical (labels, paths, pixels); ${(performance.now() - t0).toFixed(0)} ms with dlib's side`);
  });

  it('PERSON_DIR... inputs (the given order, each folder\'s files sorted) give dlib\'s mini-batches', () => {
    const dirs = listFolder(data).dirs.filter((d) => d !== 'empty').reverse().map((d) => join(data, d));
    const objs: ObjectsList = loadObjectsList(data).reverse();
    const r = compare(11, 4, 3, 3, objs, dirs);
    expect(r.images).toBe(36);
  });
});
