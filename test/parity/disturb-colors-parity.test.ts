/**
 * dlib's disturb_colors (random_color_transform) against live dlib: the harness `disturb-colors`
 * (N calls per image on fresh copies, all from one dlib::rand for the run) against our
 * disturbColors with a DlibRand made the same way, image after image.
 *
 *  - Tables: a 256x1 ramp image whose pixel k is (k, k, k) maps to the three lookup tables
 *    themselves, so thousands of transforms (generator states) are compared entry by entry:
 *    identical (this is where V8's Math.pow against glibc's pow could show).
 *  - Pixels: the 150x150 chips of dlib's examples/johns (JPEGs, decoded by both sides with
 *    dlib's load_image rules), RGB and grey, several seeds: identical.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { disturbColors, randomColorTransform } from '../../src/image/disturb-colors.js';
import { encodePng, readImageSync, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';

interface DisturbLine {
  image: string;
  file: string;
  count: number;
  rows: number;
  cols: number;
  channels: number;
}

type Img = RgbImage | GrayImage;

describeParity('disturb_colors vs dlib', () => {
  let dir = '';
  let johns: string[] = [];

  /** dlib's results for `files` (count per image, one generator) against ours; returns [images compared, differing]. */
  function compare(images: Img[], files: string[], count: number, seed: string | undefined, gray: boolean): { compared: number; failures: string[] } {
    const args = ['disturb-colors', '--count', String(count), '--out', dir, ...(seed === undefined ? [] : ['--seed', seed]), ...(gray ? ['--gray', '1'] : []), ...files];
    const lines = runHarnessJson<DisturbLine>(args);
    expect(lines.map((l) => l.image)).toEqual(files);
    const rng = seed === undefined ? new DlibRand() : new DlibRand(seed);
    const failures: string[] = [];
    let compared = 0;
    images.forEach((img, i) => {
      const line = lines[i]!;
      const ch = gray ? 1 : 3;
      expect([line.count, line.rows, line.cols, line.channels]).toEqual([count, img.height, img.width, ch]);
      const raw = new Uint8Array(readFileSync(line.file));
      const n = img.width * img.height * ch;
      expect(raw.length).toBe(n * count);
      for (let k = 0; k < count; k++) {
        const ours = disturbColors({ ...img, data: img.data.slice() }, rng);
        const theirs = raw.subarray(k * n, (k + 1) * n);
        compared++;
        if (Buffer.compare(ours.data, theirs) !== 0 && failures.length < 5) failures.push(`${files[i]} draw ${k} (seed ${seed ?? 'default'}): ${diffReport(ours.data, theirs)}`);
      }
    });
    return { compared, failures };
  }

  beforeAll(() => {
    dir = scratchDir('disturb-parity');
    const root = join(exampleImagesDir(), 'johns');
    johns = readdirSync(root).sort().flatMap((p) => readdirSync(join(root, p)).sort().slice(0, 2).map((f) => join(root, p, f)));
  });

  it('the lookup tables of 3 x 2000 transforms (ramp image) are dlib\'s, entry for entry', () => {
    const ramp: RgbImage = { width: 256, height: 1, data: new Uint8Array(768) };
    for (let k = 0; k < 256; k++) ramp.data.fill(k, 3 * k, 3 * k + 3);
    const file = join(dir, 'ramp.png');
    writeFileSync(file, encodePng(ramp));
    const report: string[] = [];
    for (const seed of [undefined, '1', 'disturb']) {
      const [line] = runHarnessJson<DisturbLine>(['disturb-colors', '--count', '2000', '--out', dir, ...(seed === undefined ? [] : ['--seed', seed]), file]);
      const raw = new Uint8Array(readFileSync(line!.file));
      const rng = seed === undefined ? new DlibRand() : new DlibRand(seed);
      let differing = 0;
      let first = '';
      let gmin = Infinity;
      let gmax = -Infinity;
      for (let k = 0; k < 2000; k++) {
        const t = randomColorTransform(rng);
        gmin = Math.min(gmin, t.gamma);
        gmax = Math.max(gmax, t.gamma);
        // dlib's pixel k of the ramp is (table_r[k], table_g[k], table_b[k])
        const theirs = raw.subarray(k * 768, (k + 1) * 768);
        for (let c = 0; c < 3; c++) {
          for (let v = 0; v < 256; v++) {
            if (t.table[c * 256 + v] !== theirs[v * 3 + c]) {
              differing++;
              if (first === '') first = `draw ${k} channel ${c} entry ${v}: ours ${t.table[c * 256 + v]} dlib ${theirs[v * 3 + c]}`;
            }
          }
        }
      }
      report.push(`seed ${seed ?? 'default'}: 2000 tables, ${differing} differing entries, gamma in [${gmin.toFixed(4)}, ${gmax.toFixed(4)}]`);
      expect(differing, first).toBe(0);
    }
    console.log(`disturb_colors tables: ${report.join('; ')}`);
  });

  it('RGB chips of dlib\'s examples/johns: identical pixels, default generator and seeds, one generator across images', () => {
    const imgs = johns.map((f) => readImageSync(f, { applyExifOrientation: false }));
    expect(imgs.length).toBeGreaterThanOrEqual(10);
    const failures: string[] = [];
    let total = 0;
    for (const seed of [undefined, '', '7', 'colors']) {
      const r = compare(imgs, johns, 3, seed, false);
      total += r.compared;
      failures.push(...r.failures);
    }
    console.log(`disturb_colors parity, RGB 150x150: ${total} images compared, ${failures.length} differing`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('grey images (dlib\'s assign_pixel both ways) match dlib\'s', () => {
    const greys = johns.slice(0, 4).map((f) => rgbToGray(readImageSync(f, { applyExifOrientation: false })));
    const files = greys.map((g, i) => {
      const p = join(dir, `grey${i}.png`);
      writeFileSync(p, encodePng(g));
      return p;
    });
    const r = compare(greys, files, 5, 'grey', true);
    console.log(`disturb_colors parity, grey: ${r.compared} images compared, ${r.failures.length} differing`);
    expect(r.failures, r.failures.join('\n')).toEqual([]);
  });
});
