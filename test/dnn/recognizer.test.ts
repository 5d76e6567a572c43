/**
 * loadFaceRecognizer (src/dnn/recognizer.ts): the reference engine (an arena kept
 * across calls) against forward() in net.ts (tested against live dlib layer by layer in
 * test/parity/dnn-layers-parity.test.ts), the wasm engine within tolerance, the input checks,
 * and model-file errors.
 * describeFaces (src/pipeline/): test/pipeline/pipeline.test.ts. End-to-end parity with dlib:
 * test/parity/describe-parity.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDnnNet } from '../../src/dlib/index.js';
import {
  createFaceRecognizer, forward, gemmReference, loadFaceRecognizer, planNetwork,
  type FaceRecognizer, type NetPlan,
} from '../../src/dnn/index.js';
import { chunkSizes } from '../../src/dnn/parallel.js';
import { FacemetricError } from '../../src/errors.js';
import type { RgbImage } from '../../src/image/index.js';
import { assetPath } from '../../src/models/index.js';
import { TOLERANCES } from '../parity/tolerances.js';

const netFile = (): string => assetPath('dlib_face_recognition_resnet_model_v1');

function chip(seed: number): RgbImage {
  const data = new Uint8Array(150 * 150 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i + seed * 7919, 2654435761) >>> 24) ^ ((i / 450) & 255);
  return { width: 150, height: 150, data };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('loadFaceRecognizer', () => {
  let plan: NetPlan;
  let ref: FaceRecognizer;
  let wasm: FaceRecognizer;
  const chips = [chip(1), chip(2), chip(3)];
  let plain: Float32Array[];

  beforeAll(() => {
    plan = planNetwork(readDnnNet(new Uint8Array(readFileSync(netFile())), netFile()));
    ref = loadFaceRecognizer(undefined, { backend: 'reference' });
    wasm = loadFaceRecognizer(netFile(), { backend: 'wasm' });
    plain = forward(plan, chips, { batchSize: 2, gemm: gemmReference });
  });

  it('reference backend: bit-identical to forward() with the reference GEMM, any batching', () => {
    expect(ref.backend).toBe('reference');
    expect(ref.note).toBeUndefined();
    for (const batchSize of [2, 3]) {
      const got = ref.describeBatch(chips, { batchSize });
      expect(got).toHaveLength(3);
      got.forEach((d, i) => expect(Array.from(d)).toEqual(Array.from(plain[i]!)));
    }
    // describe(chip) after batches of 3: the arena is not resized down and gives the same numbers.
    expect(Array.from(ref.describe(chips[1]!))).toEqual(Array.from(plain[1]!));
    expect(ref.memory().capacity).toBe(3);
  });

  it('wasm backend: within TOLERANCES.descriptorWasm of the reference (another summation order), deterministic', () => {
    expect([wasm.backend, wasm.engine]).toEqual(['wasm', 'wasm-kernels']);
    const a = wasm.describeBatch(chips);
    const b = wasm.describeBatch(chips);
    a.forEach((d, i) => {
      expect(d).toHaveLength(128);
      expect(maxAbsDiff(d, plain[i]!)).toBeLessThanOrEqual(TOLERANCES.descriptorWasm.abs);
      expect(Array.from(b[i]!)).toEqual(Array.from(d));
    });
    expect(wasm.memory().wasmBytes).toBeGreaterThan(0);
  });

  it('no chips: no descriptors', () => {
    expect(wasm.describeBatch([])).toEqual([]);
  });

  it.each([
    ['149x150 RGB', { width: 149, height: 150, data: new Uint8Array(149 * 150 * 3) }],
    ['150x150 grey', { width: 150, height: 150, data: new Uint8Array(150 * 150) }],
    ['300x300 RGB', { width: 300, height: 300, data: new Uint8Array(300 * 300 * 3) }],
  ])('a %s chip is a RangeError saying what chips must be', (_, bad) => {
    for (const rec of [ref, wasm]) {
      expect(() => rec.describe(bad)).toThrow(RangeError);
      expect(() => rec.describeBatch([chips[0]!, bad])).toThrow(/150x150 RGB .*chip 1 is /);
    }
  });

  it('a bad batch size or backend is a RangeError', () => {
    expect(() => ref.describeBatch(chips, { batchSize: 0 })).toThrow(RangeError);
    expect(() => ref.describeBatch(chips, { batchSize: 1.5 })).toThrow(RangeError);
    expect(() => loadFaceRecognizer(undefined, { backend: 'gpu' as 'wasm' })).toThrow(/'reference', 'wasm' or 'cuda'/);
    expect(() => loadFaceRecognizer(undefined, { engine: 'gpu' as 'wasm-kernels' })).toThrow(/'reference', 'wasm-kernels' or 'cuda'/);
    expect(() => loadFaceRecognizer(undefined, { engine: 'wasm-gemm' as 'wasm-kernels' })).toThrow(RangeError);
  });

  it('dispose() frees the arena; the recognizer re-allocates on the next call', () => {
    const r = loadFaceRecognizer(undefined, { backend: 'wasm' });
    const first = r.describe(chips[0]!);
    r.dispose();
    expect(r.memory()).toEqual({ arenaBytes: 0, wasmBytes: 0, deviceBytes: 0, capacity: 0 });
    expect(Array.from(r.describe(chips[0]!))).toEqual(Array.from(first));
  });
});

describe('model file problems: one-line FacemetricErrors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'facemetric-recognizer-'));

  it.each([
    ['a missing file', (): string => join(dir, 'missing.dat')],
    ['random bytes', (): string => {
      const p = join(dir, 'random.dat');
      writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) & 255)));
      return p;
    }],
    ['a truncated network', (): string => {
      const p = join(dir, 'truncated.dat');
      writeFileSync(p, readFileSync(netFile()).subarray(0, 100_000));
      return p;
    }],
    ['another dlib model (the HOG detector)', (): string => assetPath('frontal_face_detector')],
  ])('%s', (_, make) => {
    const file = make();
    let err: unknown;
    try {
      loadFaceRecognizer(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FacemetricError);
    const msg = (err as Error).message;
    expect(msg.startsWith(file)).toBe(true);
    expect(msg).not.toContain('\n');
  });

  it('a network that is not the face ResNet', () => {
    const net = readDnnNet(new Uint8Array(readFileSync(netFile())), netFile());
    const other = { ...net, nodes: net.nodes.slice(2) };
    expect(() => createFaceRecognizer(other, {}, 'other.dat')).toThrow(FacemetricError);
    expect(() => createFaceRecognizer(other, {}, 'other.dat')).toThrow(/^other\.dat: not dlib's face recognition ResNet/);
  });
});

describe('describeBatchAsync with worker threads', () => {

  it('threads 2 gives, chunk by chunk, what describeBatch gives; threads 1 is describeBatch; threads 0 is refused', async () => {
    const chips = Array.from({ length: 17 }, (_, k) => chip(k + 1));
    const r = loadFaceRecognizer(undefined, { threads: 2 });
    try {
      const got = await r.describeBatchAsync(chips, { batchSize: 4 });
      const want: Float32Array[] = [];
      let first = 0;
      for (const c of chunkSizes(17, 2)) {
        want.push(...r.describeBatch(chips.slice(first, first + c), { batchSize: 4 }));
        first += c;
      }
      expect(got.map((d) => [...d])).toEqual(want.map((d) => [...d]));
    } finally {
      r.dispose();
    }
    const one = loadFaceRecognizer(undefined, { threads: 1 });
    expect((await one.describeBatchAsync(chips)).map((d) => [...d])).toEqual(one.describeBatch(chips).map((d) => [...d]));
    one.dispose();
    expect(() => loadFaceRecognizer(undefined, { threads: 0 })).toThrow(/threads/);
  }, 300_000);
});
