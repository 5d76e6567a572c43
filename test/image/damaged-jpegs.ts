/**
 * A deterministic set of damaged JPEGs for the tests of the decoder's libjpeg-style recovery
 * (test/image/jpeg-damaged.test.ts against recorded dlib results, test/parity/jpeg-damaged-parity.test.ts
 * against live dlib): copies of small generated fixtures (test/image/fixtures/jpeg: baseline 4:2:0
 * and 4:4:4, restart intervals, greyscale, progressive), of three larger progressive ones
 * (fixtures/damaged: 4:2:0, 4:2:2 with restarts, greyscale; more truncation points, for libjpeg's
 * block smoothing), of four arithmetic-coded ones (fixtures/jpeg/arithmetic.jpg and three in
 * fixtures/damaged: sequential with restarts, progressive, greyscale; each also intact) and of two
 * example photos, with
 * - truncations at many points (inside the headers, the entropy-coded data, just before EOI);
 * - bit flips in the entropy-coded data (1 to 3 bits), and single ones in the headers;
 * - zeroed runs (4 to 64 bytes) in the entropy-coded data;
 * - in files with restart intervals: an RSTn marker removed, or changed to another RSTn;
 * - bytes deleted or inserted anywhere, and a marker-like pair (FF xx) written over the data;
 * - an arithmetic-coded scan naming conditioning table 8.
 * The set depends only on the source files and the seeds below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleImagesDir } from '../../src/models/index.js';
import { decodeImage } from '../../src/image/index.js';
import { crc32 } from '../../src/image/crc32.js';
import { rngU32 } from '../helpers/random.js';

/** One damaged copy: a file name saying how it was made, and its bytes. */
export interface DamagedJpeg {
  name: string;
  bytes: Uint8Array;
}

const FIXTURES = new URL('./fixtures/jpeg/', import.meta.url);
const DAMAGED_SOURCES = new URL('./fixtures/damaged/', import.meta.url);

/** Sources: fixture names, then example photos (path under the examples directory). */
const FIXTURE_SOURCES = [
  '420.jpg', '444.jpg', '129x97-420.jpg', '420-restart-1.jpg', '420-restart-3.jpg', '444-restart-row.jpg',
  'grey.jpg', 'grey-restart-2.jpg', '420-progressive.jpg', '444-progressive.jpg', 'grey-progressive.jpg',
  '420-progressive-restart-2.jpg',
];
const PROGRESSIVE_SOURCES = ['160x120-420-progressive.jpg', '96x80-422-progressive-restart-3.jpg', '100x90-grey-progressive.jpg'];
/** Arithmetic-coded sources: the fixture, and three in fixtures/damaged; each also intact. */
const ARITH_SOURCES = ['arith-96x64-420-restart-4.jpg', 'arith-80x72-444-progressive.jpg', 'arith-70x50-grey.jpg'];
const PHOTO_SOURCES = ['video_frames/frame_000100.jpg', 'faces/2008_001009.jpg'];

/** [start, end) of each scan's entropy-coded data (restart markers included), and the RSTn positions. */
export function entropyRanges(b: Uint8Array): { scans: Array<[number, number]>; restarts: number[] } {
  const scans: Array<[number, number]> = [];
  const restarts: number[] = [];
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) { p++; continue; }
    const m = b[p + 1];
    if (m === 0xd9) break;
    if (m === 0xff || m === 0x00 || (m >= 0xd0 && m <= 0xd7)) { p++; continue; }
    const len = (b[p + 2] << 8) | b[p + 3];
    p += 2 + len;
    if (m !== 0xda) continue;
    const start = p;
    while (p + 1 < b.length) {
      if (b[p] === 0xff && b[p + 1] !== 0x00 && b[p + 1] !== 0xff) {
        if (b[p + 1] >= 0xd0 && b[p + 1] <= 0xd7) { restarts.push(p); p += 2; continue; }
        break;
      }
      p++;
    }
    scans.push([start, p]);
  }
  return { scans, restarts };
}

function damage(name: string, src: Uint8Array, seed: number, photo: boolean, spread = photo ? 6 : 8): DamagedJpeg[] {
  const out: DamagedJpeg[] = [];
  const next = rngU32(seed);
  const below = (n: number): number => Math.floor((next() / 4294967296) * n);
  const { scans, restarts } = entropyRanges(src);
  const stem = name.replace(/\.jpg$/, '').replace(/\//g, '-');
  const dataAt = (): number => {
    const [s, e] = scans[below(scans.length)];
    return s + below(e - s);
  };
  const n = src.length;
  // Truncations: evenly spread over the file, plus a few just before the end.
  const cuts = new Set<number>();
  for (let i = 1; i <= spread; i++) cuts.add(Math.floor((n * i) / (spread + 1)));
  for (const k of [2, 3, 5, 40]) if (n - k > 4) cuts.add(n - k);
  cuts.add(scans[0][0] + 1);
  for (const cut of [...cuts].sort((a, b) => a - b)) out.push({ name: `${stem}-cut${cut}.jpg`, bytes: src.slice(0, cut) });
  // Bit flips.
  const flips = photo ? 6 : 8;
  for (let i = 0; i < flips; i++) {
    const b = src.slice();
    const count = 1 + below(3);
    const where: string[] = [];
    for (let k = 0; k < count; k++) {
      const at = dataAt();
      const bit = below(8);
      b[at] ^= 1 << bit;
      where.push(`${at}.${bit}`);
    }
    out.push({ name: `${stem}-flip${where.join('_')}.jpg`, bytes: b });
  }
  // Zeroed runs.
  const runs = photo ? 3 : 4;
  for (let i = 0; i < runs; i++) {
    const b = src.slice();
    const at = dataAt();
    const len = 4 + below(61);
    b.fill(0, at, Math.min(at + len, n - 2));
    out.push({ name: `${stem}-zero${at}+${len}.jpg`, bytes: b });
  }
  // Restart markers removed or renumbered.
  if (restarts.length > 0) {
    for (let i = 0; i < 3; i++) {
      const at = restarts[below(restarts.length)];
      const b = new Uint8Array(n - 2);
      b.set(src.subarray(0, at));
      b.set(src.subarray(at + 2), at);
      out.push({ name: `${stem}-norst${at}.jpg`, bytes: b });
    }
    for (let i = 0; i < 3; i++) {
      const at = restarts[below(restarts.length)];
      const b = src.slice();
      const to = 0xd0 + ((b[at + 1] - 0xd0 + 1 + below(7)) & 7);
      b[at + 1] = to;
      out.push({ name: `${stem}-rst${at}to${(to - 0xd0).toString()}.jpg`, bytes: b });
    }
  }
  // Bit flips in the headers (markers and segments before the first scan's data).
  for (let i = 0; i < (photo ? 2 : 3); i++) {
    const b = src.slice();
    const at = 2 + below(scans[0][0] - 2);
    const bit = below(8);
    b[at] ^= 1 << bit;
    out.push({ name: `${stem}-hdrflip${at}.${bit}.jpg`, bytes: b });
  }
  // Bytes lost or inserted anywhere, and a marker-like pair (FF xx) written over the data.
  for (let i = 0; i < 2; i++) {
    const at = 2 + below(n - 2);
    const len = 1 + below(100);
    out.push({ name: `${stem}-del${at}+${len}.jpg`, bytes: concatBytes(src.subarray(0, at), src.subarray(Math.min(n, at + len))) });
  }
  for (let i = 0; i < 2; i++) {
    const at = 2 + below(n - 2);
    const ins = Uint8Array.from({ length: 1 + below(20) }, () => below(256));
    out.push({ name: `${stem}-ins${at}+${ins.length}.jpg`, bytes: concatBytes(src.subarray(0, at), ins, src.subarray(at)) });
  }
  {
    const b = src.slice();
    const at = dataAt();
    b[at] = 0xff;
    b[Math.min(at + 1, n - 1)] = below(256);
    out.push({ name: `${stem}-marker${at}.jpg`, bytes: b });
  }
  return out;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
  let k = 0;
  for (const p of parts) { out.set(p, k); k += p.length; }
  return out;
}

/** The damaged set, in a fixed order with unique names. */
export function damagedJpegs(): DamagedJpeg[] {
  const out: DamagedJpeg[] = [];
  FIXTURE_SOURCES.forEach((f, i) => out.push(...damage(f, new Uint8Array(readFileSync(new URL(f, FIXTURES))), 1000 + i, false)));
  PROGRESSIVE_SOURCES.forEach((f, i) => out.push(...damage(f, new Uint8Array(readFileSync(new URL(f, DAMAGED_SOURCES))), 1500 + i, false, 16)));
  PHOTO_SOURCES.forEach((f, i) => out.push(...damage(f, new Uint8Array(readFileSync(join(exampleImagesDir(), f))), 2000 + i, true)));
  const arithmetic = new Uint8Array(readFileSync(new URL('arithmetic.jpg', FIXTURES)));
  out.push({ name: 'arithmetic-intact.jpg', bytes: arithmetic }, ...damage('arithmetic.jpg', arithmetic, 3000, false));
  ARITH_SOURCES.forEach((f, i) => {
    const bytes = new Uint8Array(readFileSync(new URL(f, DAMAGED_SOURCES)));
    out.push({ name: f.replace(/\.jpg$/, '-intact.jpg'), bytes }, ...damage(f, bytes, 3001 + i, false, 12));
  });
  // An arithmetic-coded AC scan naming conditioning table 8 (there are 16).
  const prog = new Uint8Array(readFileSync(new URL(ARITH_SOURCES[1], DAMAGED_SOURCES)));
  const table8 = prog.slice();
  for (let p = 2, k = 0; p + 1 < table8.length; p++) {
    if (table8[p] === 0xff && table8[p + 1] === 0xda && ++k === 5) { table8[p + 6] = (table8[p + 6] & 0xf0) | 8; break; }
  }
  out.push({ name: 'arith-80x72-444-progressive-actable8.jpg', bytes: table8 });
  const seen = new Set<string>();
  return out.filter((d) => (seen.has(d.name) ? false : (seen.add(d.name), true)));
}

/**
 * What dlib's load_image did with a file (harness load-report): the size and CRC-32 of its pixels,
 * or the message of libjpeg's error; and the first warning libjpeg printed ('' for none).
 */
export interface DlibOutcome {
  width?: number;
  height?: number;
  crc32?: number;
  error?: string;
  warning: string;
  /** Every warning libjpeg emitted (harness jpeg-warnings), each distinct message once, in order. */
  warnings?: string[];
}

/** dlib's exception text around libjpeg's message. */
const DLIB_PREFIX = 'jpeg_loader: error while loading image: ';

/** A harness load-report line as a {@link DlibOutcome}. */
export function dlibOutcome(line: { width?: number; height?: number; crc32?: number; error?: string; stderr: string }): DlibOutcome {
  const warning = line.stderr.split('\n')[0] ?? '';
  if (line.error !== undefined) return { error: line.error.startsWith(DLIB_PREFIX) ? line.error.slice(DLIB_PREFIX.length) : line.error, warning };
  return { width: line.width, height: line.height, crc32: line.crc32, warning };
}

/** What facemetric does with a file, in the same terms (error: the ImageError's message). */
export function ourOutcome(d: DamagedJpeg): { width?: number; height?: number; crc32?: number; error?: string; warnings: string[] } {
  try {
    const img = decodeImage(d.bytes, { file: d.name, applyExifOrientation: false });
    return { width: img.width, height: img.height, crc32: crc32(img.data), warnings: img.warnings ?? [] };
  } catch (e) {
    return { error: (e as Error).message, warnings: [] };
  }
}

/**
 * facemetric's own words for what libjpeg (or dlib's format sniffing) refuses: an unsupported SOF
 * type or sample precision named as such, a file that does not start like a JPEG.
 */
function sameRefusal(dlib: string, ours: string): boolean {
  if (/^Unsupported JPEG process: SOF type /.test(dlib)) return / unsupported (lossless |hierarchical|arithmetic-coded hierarchical|lossless arithmetic-coded|JPEG frame type)/.test(ours);
  const precision = /^Unsupported JPEG data precision (\d+)$/.exec(dlib);
  if (precision) return ours.includes(` unsupported JPEG with ${precision[1]}-bit samples;`);
  if (/^Unknown image file format/.test(dlib)) return / (corrupt JPEG \(no marker after start-of-image\)|unsupported image format|not an image)/.test(ours);
  return false;
}

/**
 * Compares facemetric with dlib over the set; returns the counts, a line per file where they part
 * (`differences`: empty when every file dlib decodes gives identical pixels and every file dlib
 * refuses is refused for libjpeg's reason), and a line per decoded file whose first warning is not
 * the one libjpeg printed, or whose warnings are not libjpeg's when those are known (`warnings`).
 */
export function compareWithDlib(set: DamagedJpeg[], dlib: DlibOutcome[]): { decodedByDlib: number; decodedByUs: number; identical: number; differences: string[]; warnings: string[] } {
  let decodedByDlib = 0;
  let decodedByUs = 0;
  let identical = 0;
  const differences: string[] = [];
  const warnings: string[] = [];
  set.forEach((d, i) => {
    const want = dlib[i];
    const got = ourOutcome(d);
    if (want.error === undefined) decodedByDlib++;
    if (got.error === undefined) decodedByUs++;
    if (want.error === undefined) {
      if (got.error !== undefined) differences.push(`${d.name}: dlib decodes it, we refuse it (${got.error})`);
      else if (got.width !== want.width || got.height !== want.height || got.crc32 !== want.crc32) differences.push(`${d.name}: pixels differ`);
      else identical++;
    } else if (got.error === undefined) {
      differences.push(`${d.name}: dlib refuses it (${want.error}), we decode it`);
    } else if (!got.error.endsWith(`(${want.error})`) && !sameRefusal(want.error, got.error)) {
      differences.push(`${d.name}: refused for another reason: dlib ${want.error}; we ${got.error}`);
    }
    if (want.error === undefined && (got.warnings[0] ?? '') !== want.warning) {
      warnings.push(`${d.name}: first warning ${JSON.stringify(got.warnings[0] ?? '')}, libjpeg's ${JSON.stringify(want.warning)}`);
    } else if (want.error === undefined && want.warnings !== undefined && JSON.stringify(got.warnings) !== JSON.stringify(want.warnings)) {
      warnings.push(`${d.name}: warnings ${JSON.stringify(got.warnings)}, libjpeg's ${JSON.stringify(want.warnings)}`);
    }
  });
  return { decodedByDlib, decodedByUs, identical, differences, warnings };
}
