/**
 * Makes the committed seed corpus, test/fuzz/corpus/<target>/ (`npm run fuzz -- --make-seeds`;
 * deterministic, small files only): valid inputs of each format from facemetric's own writers
 * (PNG through pngjs, dlib's shape predictor and dnn formats, the gallery format), JPEGs with
 * EXIF orientation segments in both byte orders, and a dataset XML cut from dlib's example. The
 * JPEG target also reads test/image/fixtures/jpeg (libjpeg-made files of every layout), the
 * detector target models/frontal_face_detector.svm (targets.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { writeDnnNet } from '../../src/dlib/dnn.js';
import { writeShapePredictor } from '../../src/dlib/shape-predictor.js';
import { Gallery } from '../../src/gallery/gallery.js';
import { encodeEntry, type CachedFace } from '../../src/cli/face-cache.js';
import { FUZZ_CACHE_CONTEXT, FUZZ_CACHE_PHOTO } from './targets.js';
import { encodeCheckpoint } from '../../src/train/checkpoint.js';
import { olderFormatNets, tinyShapePredictor } from '../helpers/dlib-samples.js';

/** An APP1 Exif segment holding one IFD0 entry: orientation `o`, in TIFF byte order II or MM. */
function exifSegment(o: number, little: boolean): Uint8Array {
  const u16 = (v: number): number[] => (little ? [v & 255, v >> 8] : [v >> 8, v & 255]);
  const u32 = (v: number): number[] => (little ? [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24] : [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255]);
  const tiff = [...(little ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8), ...u16(1), ...u16(0x0112), ...u16(3), ...u32(1), ...u16(o), 0, 0, ...u32(0)];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  return Uint8Array.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body]);
}

/** `jpeg` with `segment` inserted right after SOI. */
function withSegment(jpeg: Uint8Array, segment: Uint8Array): Uint8Array {
  return Uint8Array.from([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

/** A small PNG through pngjs: colour type `colorType`, `bitDepth`, a gradient. */
function png(width: number, height: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16): Uint8Array {
  const p = new PNG({ width, height, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  for (let i = 0; i < width * height; i++) {
    p.data[4 * i] = (i * 37) & 255;
    p.data[4 * i + 1] = (i * 91) & 255;
    p.data[4 * i + 2] = (i * 13) & 255;
    p.data[4 * i + 3] = 255 - ((i * 7) & 255);
  }
  return new Uint8Array(PNG.sync.write(p, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true }));
}

/** A gallery of 2 people and 3 faces, one with its source, hash, rect and landmarks. */
function tinyGallery(): Uint8Array {
  const g = new Gallery({ modelSha256: 'ab'.repeat(32), tolerance: 0.55 });
  const d = (s: number): Float32Array => Float32Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i * s) / 10));
  g.add('Ann', { descriptor: d(1), source: 'known/Ann/a.jpg', contentSha256: 'cd'.repeat(32), rect: [1, 2, 40, 41], landmarks: Array.from({ length: 68 }, (_, i): [number, number] => [i, 2 * i]) });
  g.add('Ann', { descriptor: d(2) });
  g.add('Bo', { descriptor: d(3), source: 'known/Bo.jpg' });
  return g.encode();
}

/** Writes every target's seeds under `root`/test/fuzz/corpus; returns the files written. */
export function makeSeeds(root = process.cwd()): string[] {
  const out: string[] = [];
  const put = (target: string, name: string, bytes: Uint8Array): void => {
    const dir = join(root, 'test', 'fuzz', 'corpus', target);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), bytes);
    out.push(join(dir, name));
  };
  const small = new Uint8Array(readFileSync(join(root, 'test', 'image', 'fixtures', 'jpeg', '16x16-420.jpg')));
  for (const [o, little] of [[6, true], [8, false], [3, true], [5, false]] as const) {
    const jpeg = withSegment(small, exifSegment(o, little));
    put('jpeg', `exif-${o}-${little ? 'II' : 'MM'}.jpg`, jpeg);
    put('exif', `exif-${o}-${little ? 'II' : 'MM'}.jpg`, jpeg);
  }
  put('png', 'grey8.png', png(5, 3, 0, 8));
  put('png', 'grey16.png', png(3, 4, 0, 16));
  put('png', 'grey-alpha8.png', png(4, 4, 4, 8));
  put('png', 'rgb8.png', png(6, 2, 2, 8));
  put('png', 'rgb16.png', png(2, 3, 2, 16));
  put('png', 'rgba8.png', png(7, 5, 6, 8));
  put('png', 'rgba16.png', png(3, 3, 6, 16));
  put('shape', 'tiny.dat', writeShapePredictor(tinyShapePredictor()));
  [olderFormatNets().withLoss, olderFormatNets().noLoss].forEach((net, i) => put('dnn', `tiny-${i}.dat`, writeDnnNet(net)));
  const xml = readFileSync(join(root, 'models', 'examples', 'faces', 'training_with_face_landmarks.xml'), 'latin1');
  const cut = xml.indexOf('</image>') + '</image>'.length;
  put('dataset', 'landmarks.xml', new TextEncoder().encode(`${xml.slice(0, cut)}\n</images>\n</dataset>\n`));
  put('gallery', 'tiny.fmg', tinyGallery());
  const face = (k: number): CachedFace => ({
    rect: [k, 2, 40 + k, 41], score: 0.5 + k, filter: k, landmarks: Array.from({ length: 68 }, (_, i): [number, number] => [i, 2 * i]),
    png: png(3, 3, 2, 8), descriptor: Float32Array.from({ length: 128 }, (_, i) => Math.fround(Math.cos(i * (k + 1)) / 10)),
  });
  put('cache', 'two-faces.fmf', encodeEntry(FUZZ_CACHE_CONTEXT, FUZZ_CACHE_PHOTO, [face(0), face(1)], ['premature end of JPEG file']));
  put('cache', 'no-faces.fmf', encodeEntry(FUZZ_CACHE_CONTEXT, FUZZ_CACHE_PHOTO, []));
  const schedule = {
    learningRate: 0.1, minLearningRate: 1e-4, iterationsWithoutProgressThreshold: 300, learningRateShrinkFactor: 0.1, stepsWithoutProgress: 0,
    gradientCheckBudget: 0, previousLossValues: [0.5, 0.25], schedule: [], schedulePos: 0, lossSum: 0.75, lossCount: 2, steps: 2,
  };
  put('checkpoint', 'tiny.training.dat', encodeCheckpoint({
    step: 2, net: writeDnnNet(olderFormatNets().withLoss), velocities: [Float32Array.of(0.5, -0.25), undefined], schedule,
    settings: { batch: '2x2' }, rand: { mt: { x: [1, 2, 3], i: 0 }, seed: 'x', hasGaussian: false, nextGaussian: 0 },
  }));
  return out;
}
