/**
 * A generated photo library (issues 16 and 18: the soak and `bench library`): deterministic photos
 * made from dlib's examples, as many as asked, written as JPEG (jpeg-js's encoder, quality 90) into
 * a folder; a photo already there is kept, so a library grows by asking for more. Photo i is one of:
 *  - a group photo (4 in 10): 2 to 9 of the examples/johns face chips, each through dlib's
 *    jitter_image (jitterImage: a random similarity transform and mirror), tiled on a textured
 *    background with margins;
 *  - a holiday photo (3 in 10): one of examples/faces' photos (not dogs.jpg), mirrored or not,
 *    scaled by 0.7 to 1.3, cropped by up to 10% a side, its brightness shifted;
 *  - a photo without faces (3 in 10): smooth gradients, blocks and noise;
 * and every 40th photo gets an `.xmp` sidecar. Every draw comes from dlib::rand seeded with the
 * library's seed and the photo's number, so the same i gives the same bytes on any machine.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import jpeg from 'jpeg-js';
import { jitterImage } from '../src/image/jitter.js';
import { readImageSync } from '../src/image/index.js';
import type { RgbImage } from '../src/image/pixels.js';
import { exampleImages } from '../src/models/index.js';
import { DlibRand } from '../src/rand/dlib-rand.js';
import { benchOutDir } from './against-dlib.js';
import { runSampled } from './rss.js';

/** What a call made. */
export interface LibraryMade {
  /** Photos written now (the rest were there). */
  written: number;
  /** Photos of each kind among photos [from, to). */
  group: number;
  holiday: number;
  faceless: number;
  /** Face chips placed in the group photos of [from, to). */
  chipsPlaced: number;
  sidecars: number;
}

/** The library's file name of photo i. */
export const photoName = (i: number): string => `photo-${String(i).padStart(6, '0')}.jpg`;

let sources: { chips: RgbImage[]; photos: RgbImage[] } | undefined;

function loadSources(): { chips: RgbImage[]; photos: RgbImage[] } {
  sources ??= {
    chips: exampleImages('johns').map((f) => readImageSync(f)),
    photos: exampleImages('faces').filter((f) => /\.jpe?g$/i.test(f) && basename(f) !== 'dogs.jpg').map((f) => readImageSync(f)),
  };
  return sources;
}

/** A background: a gradient with blocks and noise. */
function texture(width: number, height: number, rnd: DlibRand): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const base = [0, 1, 2].map(() => 40 + rnd.getRandom32bitNumber() % 160);
  const slope = [0, 1, 2].map(() => (rnd.getRandomDouble() - 0.5) * 0.4);
  // The per-pixel noise from a xorshift seeded by dlib::rand (cheaper than a twister draw each).
  let noise = rnd.getRandom32bitNumber() | 1;
  for (let y = 0, k = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, k++) {
        noise ^= noise << 13; noise ^= noise >>> 17; noise ^= noise << 5;
        data[k] = Math.max(0, Math.min(255, base[c]! + slope[c]! * (x + y) + ((noise >>> 0) % 17) - 8));
      }
    }
  }
  const blocks = 3 + (rnd.getRandom32bitNumber() % 8);
  for (let b = 0; b < blocks; b++) {
    const w = 20 + (rnd.getRandom32bitNumber() % Math.max(1, width >> 2)), h = 20 + (rnd.getRandom32bitNumber() % Math.max(1, height >> 2));
    const x0 = rnd.getRandom32bitNumber() % Math.max(1, width - w), y0 = rnd.getRandom32bitNumber() % Math.max(1, height - h);
    const col = [0, 1, 2].map(() => rnd.getRandom32bitNumber() % 256);
    for (let y = y0; y < Math.min(height, y0 + h); y++) for (let x = x0; x < Math.min(width, x0 + w); x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = col[c]!;
  }
  return { width, height, data, channels: 3 };
}

/** `img` scaled to w x h (bilinear), optionally mirrored, cropped by (cx, cy) of its width/height. */
function transform(img: RgbImage, scale: number, mirror: boolean, crop: [number, number, number, number], shift: number): RgbImage {
  const [l, t, r, b] = crop.map((c, i) => Math.floor(c * (i % 2 === 0 ? img.width : img.height))) as [number, number, number, number];
  const sw = img.width - l - r, sh = img.height - t - b;
  const width = Math.max(16, Math.round(sw * scale)), height = Math.max(16, Math.round(sh * scale));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(sh - 1, (y + 0.5) / scale - 0.5), y0 = Math.max(0, Math.floor(fy)), y1 = Math.min(sh - 1, y0 + 1), wy = Math.max(0, fy - y0);
    for (let x = 0; x < width; x++) {
      const xx = mirror ? width - 1 - x : x;
      const fx = Math.min(sw - 1, (xx + 0.5) / scale - 0.5), x0 = Math.max(0, Math.floor(fx)), x1 = Math.min(sw - 1, x0 + 1), wx = Math.max(0, fx - x0);
      const a = ((t + y0) * img.width + l + x0) * 3, b = ((t + y0) * img.width + l + x1) * 3;
      const c0 = ((t + y1) * img.width + l + x0) * 3, d = ((t + y1) * img.width + l + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const v = (1 - wy) * ((1 - wx) * img.data[a + c]! + wx * img.data[b + c]!) + wy * ((1 - wx) * img.data[c0 + c]! + wx * img.data[d + c]!);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v + shift)));
      }
    }
  }
  return { width, height, data, channels: 3 };
}

function encodeJpeg(img: RgbImage): Uint8Array {
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba[4 * i] = img.data[3 * i]!;
    rgba[4 * i + 1] = img.data[3 * i + 1]!;
    rgba[4 * i + 2] = img.data[3 * i + 2]!;
    rgba[4 * i + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: img.width, height: img.height }, 90).data);
}

/** Photo i of the library with seed `seed`, and what it is. */
export function libraryPhoto(i: number, seed: number): { image: RgbImage; kind: 'group' | 'holiday' | 'faceless'; chips: number } {
  const rnd = new DlibRand(`facemetric-library-${seed}-${i}`);
  const { chips, photos } = loadSources();
  const kind = i % 10 < 4 ? 'group' : i % 10 < 7 ? 'holiday' : 'faceless';
  if (kind === 'group') {
    const n = 2 + (rnd.getRandom32bitNumber() % 8);
    const cols = Math.ceil(Math.sqrt(n)), rows = Math.ceil(n / cols);
    const cell = 190;
    const img = texture(cols * cell + 40, rows * cell + 40, rnd);
    for (let k = 0; k < n; k++) {
      const chip = jitterImage(chips[rnd.getRandom32bitNumber() % chips.length]!, rnd);
      const ox = 20 + (k % cols) * cell + (rnd.getRandom32bitNumber() % 30), oy = 20 + Math.floor(k / cols) * cell + (rnd.getRandom32bitNumber() % 30);
      for (let y = 0; y < chip.height; y++) img.data.set(chip.data.subarray(y * chip.width * 3, (y + 1) * chip.width * 3), ((oy + y) * img.width + ox) * 3);
    }
    return { image: img, kind, chips: n };
  }
  if (kind === 'holiday') {
    const src = photos[rnd.getRandom32bitNumber() % photos.length]!;
    const crop = [0, 1, 2, 3].map(() => rnd.getRandomDouble() * 0.1) as [number, number, number, number];
    const image = transform(src, 0.7 + rnd.getRandomDouble() * 0.6, rnd.getRandom32bitNumber() % 2 === 1, crop, Math.round((rnd.getRandomDouble() - 0.5) * 40));
    return { image, kind, chips: 0 };
  }
  return { image: texture(320 + (rnd.getRandom32bitNumber() % 320), 240 + (rnd.getRandom32bitNumber() % 240), rnd), kind, chips: 0 };
}

/**
 * Writes photos [from, to) of the library `seed` into `dir` (kept when already there), with the
 * sidecars; returns what they are.
 */
export function makeLibrary(dir: string, from: number, to: number, seed = 1, progress?: (done: number) => void): LibraryMade {
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  const made: LibraryMade = { written: 0, group: 0, holiday: 0, faceless: 0, chipsPlaced: 0, sidecars: 0 };
  for (let i = from; i < to; i++) {
    const name = photoName(i);
    // The kind and chip count are cheap to know without drawing the photo again: redraw only when writing.
    if (!have.has(name)) {
      const p = libraryPhoto(i, seed);
      writeFileSync(join(dir, name), encodeJpeg(p.image));
      made.written++;
      made[p.kind]++;
      made.chipsPlaced += p.chips;
    } else {
      const kind = i % 10 < 4 ? 'group' : i % 10 < 7 ? 'holiday' : 'faceless';
      made[kind]++;
      if (kind === 'group') made.chipsPlaced += 2 + (new DlibRand(`facemetric-library-${seed}-${i}`).getRandom32bitNumber() % 8);
    }
    if (i % 40 === 39) {
      const side = join(dir, name.replace(/\.jpg$/, '.xmp'));
      if (!existsSync(side)) writeFileSync(side, `<?xml version="1.0"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>\n`);
      made.sidecars++;
    }
    if (progress && (i - from) % 100 === 99) progress(i - from + 1);
  }
  return made;
}

/**
 * `npm run bench library` (issue 18): `facemetric cluster` over a generated library of
 * FACEMETRIC_BENCH_LIBRARY_N photos (default 10,000) into a report folder with its descriptor
 * cache; 1% new photos added; the re-run into the same folder; and a fresh run (--no-cache) over
 * the grown library: times, peak RSS (bench/rss.ts), the photos answered from the cache, and
 * whether the re-run's clusters are the fresh run's (the same partition of the faces, known by
 * photo and box; the people's numbers differ by design: the re-run keeps the previous ones).
 */
export async function libraryBench(): Promise<void> {
  const n = Number(process.env.FACEMETRIC_BENCH_LIBRARY_N ?? 10_000);
  const threads = process.env.FACEMETRIC_BENCH_THREADS ?? '2';
  const dir = benchOutDir('library');
  const photos = join(dir, 'photos');
  rmSync(photos, { recursive: true, force: true });
  const t0 = performance.now();
  makeLibrary(photos, 0, n, 1, (d) => process.stderr.write(`\rlibrary: making ${d}/${n} photos`));
  process.stderr.write('\n');
  console.log(`library: ${n.toLocaleString('en')} photos made in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const out = join(dir, 'report'), fresh = join(dir, 'fresh');
  rmSync(out, { recursive: true, force: true });
  rmSync(fresh, { recursive: true, force: true });
  const cluster = (to: string, ...more: string[]) => runSampled(['dist/src/cli/main.js', 'cluster', photos, '--out', to, '--threads', threads, '--quiet', ...more]);
  const first = await cluster(out);
  const added = Math.max(1, Math.round(n / 100));
  makeLibrary(photos, n, n + added, 1);
  const again = await cluster(out);
  const afterAgain = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as LibraryClusters;
  const full = await cluster(fresh, '--no-cache');
  const freshJson = JSON.parse(readFileSync(join(fresh, 'clusters.json'), 'utf8')) as LibraryClusters;
  const same = samePartition(afterAgain, freshJson);
  console.table([
    { run: `first: ${n.toLocaleString('en')} photos`, seconds: Number(first.seconds.toFixed(1)), 'peak RSS MB': Math.round(first.peakMb), code: first.code },
    { run: `re-run: ${added} new photos (1%)`, seconds: Number(again.seconds.toFixed(1)), 'peak RSS MB': Math.round(again.peakMb), code: again.code },
    { run: 'fresh run on the grown library (--no-cache)', seconds: Number(full.seconds.toFixed(1)), 'peak RSS MB': Math.round(full.peakMb), code: full.code },
  ]);
  console.log(`library: ${afterAgain.faces.length.toLocaleString('en')} faces, ${afterAgain.clusters} clusters; the re-run took ${(100 * again.seconds / first.seconds).toFixed(1)}% of the first run's time (${afterAgain.images.fromCache.toLocaleString('en')} photos from the cache); its clusters ${same ? 'are' : 'are NOT'} the fresh run's`);
  if (!same || first.code !== 0 || again.code !== 0 || full.code !== 0) process.exitCode = 1;
}

interface LibraryClusters {
  clusters: number;
  faces: { image: string; rect: number[]; label: number }[];
  images: { fromCache: number };
}

/** Whether two runs put the same faces (by photo and box) together. */
export function samePartition(a: LibraryClusters, b: LibraryClusters): boolean {
  const key = (f: { image: string; rect: number[] }): string => `${basename(f.image)} ${f.rect.join(',')}`;
  if (a.faces.length !== b.faces.length) return false;
  const labelB = new Map(b.faces.map((f) => [key(f), f.label]));
  const aToB = new Map<number, number>(), bToA = new Map<number, number>();
  for (const f of a.faces) {
    const lb = labelB.get(key(f));
    if (lb === undefined) return false;
    if ((aToB.get(f.label) ?? lb) !== lb || (bToA.get(lb) ?? f.label) !== f.label) return false;
    aToB.set(f.label, lb);
    bToA.set(lb, f.label);
  }
  return true;
}
