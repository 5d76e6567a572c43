/**
 * The fuzz targets (issue 16): every parser facemetric runs on bytes a user hands it. Each runs
 * one input through the public reader and counts a FacemetricError (one clear line in the CLI)
 * as a clean refusal; anything else thrown (a TypeError, a RangeError from a typed array, a stack
 * overflow) is a bug. Seeds: the files of test/fuzz/corpus/<target>/ (small, committed; made by
 * `npm run fuzz -- --make-seeds`, see seeds.ts) and, where noted, files already in the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDnnNet } from '../../src/dlib/dnn.js';
import { readFhogObjectDetector } from '../../src/dlib/object-detector.js';
import { readShapePredictor } from '../../src/dlib/shape-predictor.js';
import { FacemetricError } from '../../src/errors.js';
import { decodeGallery } from '../../src/gallery/format.js';
import { crc32 } from '../../src/image/crc32.js';
import { decodeImage } from '../../src/image/decode.js';
import { readExifOrientation } from '../../src/image/exif.js';
import { parseImageDataset } from '../../src/landmarks/dataset.js';
import { ShapePredictorModel } from '../../src/landmarks/shape-predictor.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { decodeEntry } from '../../src/cli/face-cache.js';
import { defaultCovers, type FuzzTarget } from './engine.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const isRefusal = (e: unknown): boolean => e instanceof FacemetricError;
/** A pixel limit for image targets: large enough for every seed, small enough to keep runs fast. */
const FUZZ_MAX_PIXELS = 1 << 22;

const JPEG_MARKERS = [0xd8, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc9, 0xcc, 0xdb, 0xdd, 0xda, 0xd9, 0xd0, 0xd7, 0xe0, 0xe1, 0xee, 0xfe, 0x00, 0xff].map((m) => Uint8Array.of(0xff, m));

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'jpeg', what: 'decodeImage on JPEG bytes (markers, baseline/progressive Huffman, restarts, upsampling, EXIF rotation)',
    run: (d) => void decodeImage(d, { maxPixels: FUZZ_MAX_PIXELS }), refusal: isRefusal, maxLength: 16 << 10,
    dictionary: [...JPEG_MARKERS, ascii('Exif\0\0'), ascii('JFIF\0'), ascii('Adobe')],
  },
  {
    name: 'png', what: 'decodeImage on PNG bytes (chunk structure, CRCs, inflate, every colour type and bit depth)',
    run: (d) => void decodeImage(d, { maxPixels: FUZZ_MAX_PIXELS }), refusal: isRefusal, maxLength: 16 << 10, fixup: fixPngCrcs,
    covers: (url) => defaultCovers(url) || /node_modules[/\\]pngjs[/\\]/.test(url),
    dictionary: ['IHDR', 'IDAT', 'IEND', 'PLTE', 'tRNS', 'gAMA', 'eXIf'].map(ascii).concat([Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)]),
  },
  {
    name: 'exif', what: 'readExifOrientation on JPEG bytes (APP1 Exif, TIFF byte orders, IFD0 entries)',
    run: (d) => void readExifOrientation(d), refusal: isRefusal, maxLength: 4 << 10,
    dictionary: [ascii('Exif\0\0'), ascii('II*\0'), ascii('MM\0*'), Uint8Array.of(0x01, 0x12), Uint8Array.of(0x12, 0x01), Uint8Array.of(0xff, 0xe1)],
  },
  {
    name: 'detector', what: "readFhogObjectDetector on dlib's .svm bytes (serialized scan_fhog_pyramid + weights)",
    run: (d) => void readFhogObjectDetector(d, 'fuzz.svm'), refusal: isRefusal, maxLength: 256 << 10,
  },
  {
    name: 'shape', what: "readShapePredictor + ShapePredictorModel on dlib's shape predictor bytes",
    run: (d) => void new ShapePredictorModel(readShapePredictor(d, 'fuzz.dat')), refusal: isRefusal, maxLength: 8 << 10,
  },
  {
    name: 'dnn', what: "readDnnNet on dlib's dnn net bytes (layer details, tensors, older layer versions)",
    run: (d) => void readDnnNet(d, 'fuzz.dat'), refusal: isRefusal, maxLength: 8 << 10,
    dictionary: ['input_rgb_image', 'fc_', 'con_', 'affine_', 'loss_metric_', 'relu_', 'tag1', 'add_prev1_', 'avg_pool_', 'max_pool_'].map(ascii),
  },
  {
    name: 'dataset', what: "parseImageDataset on dlib's dataset XML (images, boxes, parts, attributes)",
    run: (d) => void parseImageDataset(new TextDecoder().decode(d), 'fuzz.xml'), refusal: isRefusal, maxLength: 16 << 10,
    dictionary: ["<image file='", "<box top='", "' left='", "' width='", "' height='", "<part name='", "' x='", "' y='", '/>', '</box>', '</image>', '<images>', '</images>', "<label>", "ignore='1'", '&amp;', '&#', '<!--', '"'].map(ascii),
  },
  {
    name: 'checkpoint', what: 'decodeCheckpoint on training checkpoint bytes (magic, JSON header, network and velocity locations)',
    run: (d) => void decodeCheckpoint(d, 'fuzz.training.dat'), refusal: isRefusal, maxLength: 8 << 10,
    dictionary: ['"offset":', '"length":', '"velocities":', 'null', '"step":', '-1', '1e400', '{}', '[]'].map(ascii),
  },
  {
    name: 'cache', what: "decodeEntry on cluster's descriptor cache entries (.fmf: faces, landmarks, chip PNGs, descriptors, warnings, CRC-32)",
    run: (d) => {
      const r = decodeEntry(d, FUZZ_CACHE_CONTEXT, FUZZ_CACHE_PHOTO);
      if (typeof r === 'string') throw new FacemetricError(`not trusted: ${r}`);
    },
    refusal: isRefusal, maxLength: 16 << 10,
    fixup: (d) => {
      if (d.length >= 4) new DataView(d.buffer, d.byteOffset, d.length).setUint32(d.length - 4, crc32(d, 0, d.length - 4), true);
    },
  },
  {
    name: 'gallery', what: 'decodeGallery on .fmg bytes (header, names, per-face metadata, descriptors, CRC-32)',
    run: (d) => void decodeGallery(d, 'fuzz.fmg'), refusal: isRefusal, maxLength: 16 << 10,
    fixup: (d) => {
      if (d.length >= 4) new DataView(d.buffer, d.byteOffset, d.length).setUint32(d.length - 4, crc32(d, 0, d.length - 4), true);
    },
  },
];

/** The context and photo sha256 of the cache target's seeds (seeds.ts; an entry for others is refused at once). */
export const FUZZ_CACHE_CONTEXT = '5a'.repeat(32);
export const FUZZ_CACHE_PHOTO = 'c3'.repeat(32);

/** Recomputes the CRC of every whole chunk of a PNG (after the 8-byte signature), in place. */
function fixPngCrcs(d: Uint8Array): void {
  const v = new DataView(d.buffer, d.byteOffset, d.length);
  for (let at = 8; at + 12 <= d.length;) {
    const length = v.getUint32(at);
    if (length > d.length - at - 12) break;
    v.setUint32(at + 8 + length, crc32(d, at + 4, at + 8 + length));
    at += 12 + length;
  }
}

/** Other files in the repository that seed a target, besides its corpus folder. */
function extraSeedFiles(name: string, root: string): string[] {
  const inDir = (dir: string, pattern: RegExp, maxBytes: number): string[] => existsSync(dir)
    ? readdirSync(dir).filter((f) => pattern.test(f)).map((f) => join(dir, f)).filter((f) => readFileSync(f).length <= maxBytes)
    : [];
  switch (name) {
    case 'jpeg': return inDir(join(root, 'test', 'image', 'fixtures', 'jpeg'), /\.jpg$/, 4096);
    case 'detector': return [join(root, 'models', 'frontal_face_detector.svm')].filter(existsSync);
    case 'dataset': return inDir(join(root, 'models', 'examples', 'faces'), /^(training|testing)\.xml$/, 4096);
    default: return [];
  }
}

/** The seeds of `target`: its corpus folder's files, then the extra files (sorted by name). */
export function seedsOf(target: FuzzTarget, root = process.cwd()): Uint8Array[] {
  const dir = join(root, 'test', 'fuzz', 'corpus', target.name);
  const files = existsSync(dir) ? readdirSync(dir).sort().map((f) => join(dir, f)) : [];
  return [...files, ...extraSeedFiles(target.name, root)].map((f) => new Uint8Array(readFileSync(f)));
}

/** The target called `name`; throws a one-line error naming the targets otherwise. */
export function targetNamed(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new FacemetricError(`no fuzz target "${name}"; the targets: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}
