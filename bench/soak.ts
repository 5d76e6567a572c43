/**
 * `npm run soak [-- --faces N] [--threads N] [--dir DIR]` (issue 16): one long `facemetric cluster`
 * run over a generated library (bench/library.ts: group photos of jittered example faces, holiday
 * photos, photos without faces, sidecars) of about N faces (default 10,000), watching that
 *  - memory stays flat: the cluster process's resident set size (/proc/PID/status VmRSS, its
 *    worker threads included) sampled every second, plotted in the terminal and in DIR/rss.png,
 *    and its median over the last quarter of the run compared with the second quarter's;
 *  - answers do not drift: the library's first photo is also its last (a byte-identical copy
 *    named to sort last), and with --descriptors and --no-cache every face of the copy must have
 *    exactly the descriptor the first photo's face got at the start of the run.
 * Exit code 1 when memory grew more than 10% or a descriptor differs. The library is kept in
 * DIR/photos (default test/parity/out/bench-soak, the benches' folder) and only the missing photos
 * are made on a later run.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { drawLine } from '../src/image/draw.js';
import { encodePng } from '../src/image/encode.js';
import type { RgbImage } from '../src/image/pixels.js';
import { benchOutDir } from './against-dlib.js';
import { makeLibrary, photoName } from './library.js';
import { runSampled, type RssSample } from './rss.js';

type Sample = RssSample;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A text plot of the samples: `rows` lines, `cols` columns. */
function textPlot(samples: Sample[], rows = 12, cols = 72): string[] {
  const max = Math.max(...samples.map((x) => x.mb)), end = samples.at(-1)!.s;
  const grid = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
  for (const x of samples) {
    const c = Math.min(cols - 1, Math.floor((x.s / Math.max(end, 1e-9)) * (cols - 1)));
    const r = rows - 1 - Math.min(rows - 1, Math.floor((x.mb / max) * (rows - 1)));
    grid[r]![c] = '*';
  }
  return grid.map((row, i) => `${(i === 0 ? max.toFixed(0) : i === rows - 1 ? '0' : '').padStart(6)} MB |${row.join('')}`)
    .concat([`${' '.repeat(10)}+${'-'.repeat(cols)}`, `${' '.repeat(11)}0 s${' '.repeat(cols - 8)}${end.toFixed(0)} s`]);
}

/** The samples as a PNG: RSS (MB) against time, white on dark grey, a line per sample step. */
function pngPlot(samples: Sample[]): Uint8Array {
  const width = 800, height = 300, pad = 20;
  const img: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(40), channels: 3 };
  const max = Math.max(...samples.map((x) => x.mb)), end = Math.max(samples.at(-1)!.s, 1e-9);
  const at = (x: Sample): [number, number] => [pad + Math.round((x.s / end) * (width - 2 * pad)), height - pad - Math.round((x.mb / max) * (height - 2 * pad))];
  drawLine(img, pad, height - pad, width - pad, height - pad, [160, 160, 160]);
  drawLine(img, pad, pad, pad, height - pad, [160, 160, 160]);
  for (let i = 1; i < samples.length; i++) drawLine(img, ...at(samples[i - 1]!), ...at(samples[i]!), [255, 255, 255]);
  return encodePng(img);
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const faces = Number(arg('faces', '10000'));
  const threads = arg('threads', '2');
  const dir = resolve(arg('dir', benchOutDir('soak')));
  const photos = join(dir, 'photos');
  // About 3 faces a photo are found in the generated library (measured: 9,895 in 3,227 photos).
  const n = Math.ceil(faces / 3);
  const t0 = performance.now();
  const made = makeLibrary(photos, 0, n, 1, (done) => process.stderr.write(`\rsoak: making the library ${done}/${n} photos`));
  process.stderr.write('\n');
  const probe = join(photos, 'zz-probe-same-as-photo-000000.jpg');
  copyFileSync(join(photos, photoName(0)), probe);
  console.log(`soak: library of ${n.toLocaleString('en')} photos (${made.group} group, ${made.holiday} holiday, ${made.faceless} without faces, ${made.sidecars} sidecars; ${made.written} made now in ${((performance.now() - t0) / 1000).toFixed(0)} s), and a copy of the first photo as the last`);

  const out = join(dir, 'report');
  rmSync(out, { recursive: true, force: true });
  const { code, seconds, samples } = await runSampled(['dist/src/cli/main.js', 'cluster', photos, '--out', out, '--no-cache', '--descriptors', '--threads', threads, '--quiet']);
  if (code !== 0 || !existsSync(join(out, 'clusters.json'))) {
    console.log(`soak: cluster exited with code ${code}`);
    return 1;
  }
  const json = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as {
    faces: { image: string; rect: number[]; descriptor: number[] }[]; clusters: number; images: { photos: number; withFaces: number; withoutFaces: number; otherFiles: number };
  };
  console.log(`soak: ${json.faces.length.toLocaleString('en')} faces in ${json.images.photos.toLocaleString('en')} photos (${json.images.withFaces.toLocaleString('en')} with faces), ${json.clusters} clusters, in ${seconds.toFixed(0)} s (--threads ${threads})`);

  // Memory: the second quarter's median against the last quarter's (the first quarter holds start-up).
  const q = (a: number, b: number): number => median(samples.filter((x) => x.s >= a * seconds && x.s < b * seconds).map((x) => x.mb));
  const early = q(0.25, 0.5), late = q(0.75, 1);
  const peak = Math.max(...samples.map((x) => x.mb));
  for (const line of textPlot(samples)) console.log(line);
  writeFileSync(join(dir, 'rss.png'), pngPlot(samples));
  const grew = late / early - 1;
  console.log(`soak: RSS ${samples.length} samples; median ${early.toFixed(0)} MB in the second quarter, ${late.toFixed(0)} MB in the last (${grew >= 0 ? '+' : ''}${(100 * grew).toFixed(1)}%), peak ${peak.toFixed(0)} MB; plot ${join(dir, 'rss.png')}`);

  // Drift: the first photo's faces and the probe's, in box order.
  const facesOf = (name: string): { rect: number[]; descriptor: number[] }[] => json.faces.filter((f) => f.image.split(/[\\/]/).pop() === name).sort((a, b) => a.rect.join().localeCompare(b.rect.join()));
  const first = facesOf(photoName(0)), last = facesOf('zz-probe-same-as-photo-000000.jpg');
  const same = first.length > 0 && first.length === last.length && first.every((f, k) => JSON.stringify(f.rect) === JSON.stringify(last[k]!.rect) && f.descriptor.every((v, i) => Object.is(v, last[k]!.descriptor[i])));
  console.log(`soak: drift: the first photo's ${first.length} faces and its copy's ${last.length} at the end: ${same ? 'the same boxes and descriptors, bit for bit' : 'DIFFERENT'}`);
  const ok = same && grew <= 0.1;
  console.log(`soak: ${ok ? 'passed' : 'FAILED'}`);
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
