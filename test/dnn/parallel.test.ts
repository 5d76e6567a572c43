/**
 * createParallelForward (src/dnn/parallel.ts): the face ResNet's WebAssembly forward pass on a
 * pool of worker_threads, against a single in-process createWasmForward with the same maxBatch
 * and flavour, on real face chips (dlib's example faces, cut with their annotated 68 landmarks;
 * the 100 MB shape predictor is not loaded).
 *
 * Equality (no tolerance): a call's n chips run as min(threads, n) contiguous balanced chunks,
 * each one exactly as createWasmForward's forward(chunk) runs it, so every descriptor must equal
 * the single-threaded forward of its chunk bit for bit (chunkSizes gives the chunks).
 *
 * The workers start from the .ts sources here (parallel.ts registers TypeScript-transpiling
 * module hooks in them), so pools take a few seconds to start. No timing is asserted.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDnnNet } from '../../src/dlib/index.js';
import { FacemetricError } from '../../src/errors.js';
import { createWasmForward, type WasmForward } from '../../src/dnn/forward-wasm.js';
import { planNetwork, type NetPlan } from '../../src/dnn/net.js';
import { chunkSizes, createParallelForward, type ParallelForward } from '../../src/dnn/parallel.js';
import type { RgbImage } from '../../src/image/index.js';
import { assetPath } from '../../src/models/index.js';
import { relaxedSimdSupported, type WasmFlavour } from '../../src/wasm/index.js';
import { datasetChips } from '../helpers/chips.js';

// V8 flags are process-wide: workers started later compile relaxed SIMD too.
if (!relaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
const flavour: WasmFlavour = relaxedSimdSupported() ? 'relaxed' : 'simd';


/** A chip's mirror image (more distinct faces when the examples have fewer than needed). */
function mirrored(c: RgbImage): RgbImage {
  const data = new Uint8Array(c.data.length);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const s = (y * c.width + x) * 3;
      const d = (y * c.width + (c.width - 1 - x)) * 3;
      data[d] = c.data[s]; data[d + 1] = c.data[s + 1]; data[d + 2] = c.data[s + 2];
    }
  }
  return { width: c.width, height: c.height, data };
}

/** Indices (and count) of descriptors that differ in any bit. */
function bitDiffs(got: Float32Array[], want: Float32Array[]): string[] {
  if (got.length !== want.length) return [`${got.length} descriptors, expected ${want.length}`];
  const bad: string[] = [];
  got.forEach((g, i) => {
    const w = want[i];
    if (g.length !== w.length) { bad.push(`descriptor ${i}: length ${g.length} vs ${w.length}`); return; }
    const gb = new Uint32Array(g.buffer, g.byteOffset, g.length);
    const wb = new Uint32Array(w.buffer, w.byteOffset, w.length);
    let n = 0;
    for (let j = 0; j < gb.length; j++) if (gb[j] !== wb[j]) n++;
    if (n > 0) bad.push(`descriptor ${i}: ${n} of ${g.length} components differ (first ${g[0]} vs ${w[0]})`);
  });
  return bad;
}

const MAX_BATCH = 16;

describe('createParallelForward', () => {
  let plan: NetPlan;
  let chips: RgbImage[];
  let single: WasmForward;
  let pool: ParallelForward;

  /** What the pool must return: single-threaded forward of each chunk, concatenated. */
  const expected = (input: RgbImage[], threads: number, fw = single): Float32Array[] => {
    const out: Float32Array[] = [];
    let first = 0;
    for (const count of chunkSizes(input.length, threads)) {
      out.push(...fw.forward(input.slice(first, first + count)));
      first += count;
    }
    return out;
  };

  beforeAll(async () => {
    plan = planNetwork(readDnnNet(readFileSync(assetPath('dlib_face_recognition_resnet_model_v1'))));
    const real = datasetChips();
    expect(real.length).toBeGreaterThanOrEqual(3);
    chips = [...real, ...real.map(mirrored)].slice(0, 17);
    expect(chips.length).toBe(17);
    single = createWasmForward(plan, { maxBatch: MAX_BATCH, flavour });
    pool = await createParallelForward({ threads: 2, maxBatch: MAX_BATCH, flavour });
  });

  afterAll(async () => {
    await pool?.close();
    single?.release();
  });

  it('chunkSizes: min(threads, n) contiguous balanced chunks, larger first', () => {
    expect(chunkSizes(0, 2)).toEqual([]);
    expect(chunkSizes(1, 2)).toEqual([1]);
    expect(chunkSizes(3, 2)).toEqual([2, 1]);
    expect(chunkSizes(16, 2)).toEqual([8, 8]);
    expect(chunkSizes(17, 2)).toEqual([9, 8]);
    expect(chunkSizes(17, 3)).toEqual([6, 6, 5]);
    expect(chunkSizes(5, 1)).toEqual([5]);
  });

  it('reports its settings', () => {
    expect(pool.threads).toBe(2);
    expect(pool.maxBatch).toBe(MAX_BATCH);
    expect(pool.flavour).toBe(flavour);
    expect(pool.stats().setupCpuMs).toHaveLength(2);
  });

  it.each([1, 3, 17])('%i chips: in input order, bit-identical to createWasmForward on each chunk', async (n) => {
    const input = chips.slice(0, n);
    const got = await pool.forward(input);
    expect(got).toHaveLength(n);
    for (const d of got) expect(d).toHaveLength(128);
    expect(bitDiffs(got, expected(input, 2))).toEqual([]);
  });

  it('input order: reversed chips give the reversed descriptors (16 chips: two chunks of 8 either way)', async () => {
    const input = chips.slice(0, 16);
    const fwd = await pool.forward(input);
    const rev = await pool.forward([...input].reverse());
    // distinct faces, so a permutation would show
    const distinct = new Set(fwd.map((d) => d.join(',')));
    expect(distinct.size).toBe(16);
    expect(bitDiffs(rev, [...fwd].reverse())).toEqual([]);
  });

  it('chunks larger than maxBatch run in batches of maxBatch inside each worker', async () => {
    const small = await createParallelForward({ threads: 2, maxBatch: 4, flavour });
    const single4 = createWasmForward(plan, { maxBatch: 4, flavour });
    try {
      const got = await small.forward(chips); // chunks of 9 and 8: batches 4+4+1 and 4+4
      expect(bitDiffs(got, expected(chips, 2, single4))).toEqual([]);
    } finally {
      await small.close();
      single4.release();
    }
  });

  it('concurrent calls: each gets its own results, in order', async () => {
    const a = chips.slice(0, 5);
    const b = chips.slice(5, 12);
    const [ga, gb] = await Promise.all([pool.forward(a), pool.forward(b)]);
    expect(bitDiffs(ga, expected(a, 2))).toEqual([]);
    expect(bitDiffs(gb, expected(b, 2))).toEqual([]);
  });

  it('the caller\'s chips stay usable (pixels are copied, not transferred)', async () => {
    const input = chips.slice(0, 2);
    const before = input.map((c) => c.data.length);
    await pool.forward(input);
    expect(input.map((c) => c.data.length)).toEqual(before);
    expect(input[0].data.buffer.byteLength).toBeGreaterThan(0);
  });

  it('0 chips: an empty array', async () => {
    expect(await pool.forward([])).toEqual([]);
  });

  it('a wrong chip size rejects with the worker\'s message; the pool stays usable', async () => {
    const bad: RgbImage = { width: 100, height: 100, data: new Uint8Array(100 * 100 * 3) };
    const call = pool.forward([chips[0], chips[1], bad]); // chunks [0, 1] and [bad]
    await expect(call).rejects.toThrow(RangeError);
    await expect(call).rejects.toThrow(/worker \d of 2, chips 2\.\.2 of the call: .*150x150/);
    const again = await pool.forward(chips.slice(0, 3));
    expect(bitDiffs(again, expected(chips.slice(0, 3), 2))).toEqual([]);
  });

  it('a chip that is not an image rejects with a TypeError', async () => {
    await expect(pool.forward([chips[0], { width: 150, height: 150 } as unknown as RgbImage])).rejects.toThrow(/chip 1 is not an RGB image/);
  });

  it('an idle pool holds no ref\'d handle (it does not keep the process alive); a busy one does', async () => {
    const ports = (): string[] => process.getActiveResourcesInfo().filter((k) => /Worker|MessagePort/.test(k));
    const before = ports().length;
    const call = pool.forward(chips.slice(0, 2));
    expect(ports().length).toBe(before + 2); // both workers ref'd while they work
    await call;
    expect(ports().length).toBe(before);
  });

  it('threads = 1 runs in this process: exactly createWasmForward.forward', async () => {
    const one = await createParallelForward({ threads: 1, maxBatch: MAX_BATCH, flavour });
    try {
      expect(one.threads).toBe(1);
      const got = await one.forward(chips);
      expect(bitDiffs(got, single.forward(chips))).toEqual([]);
      await expect(one.forward([{ width: 3, height: 3, data: new Uint8Array(27) }])).rejects.toThrow(/150x150/);
    } finally {
      await one.close();
    }
    await expect(one.forward(chips.slice(0, 1))).rejects.toThrow(/after close/);
  });

  it('close(): pending calls reject, later calls reject, close is idempotent', async () => {
    const p = await createParallelForward({ threads: 2, maxBatch: MAX_BATCH, flavour });
    const pending = p.forward(chips.slice(0, 4));
    const closing = p.close();
    await expect(pending).rejects.toThrow(/closed while a forward\(\) was running/);
    await closing;
    await expect(p.forward(chips.slice(0, 1))).rejects.toThrow(/after close/);
    await p.close();
  });

  it('modelBytes: the network passed as bytes gives the same descriptors', async () => {
    const p = await createParallelForward({
      threads: 2, maxBatch: MAX_BATCH, flavour,
      modelBytes: readFileSync(assetPath('dlib_face_recognition_resnet_model_v1')),
    });
    try {
      const input = chips.slice(0, 5);
      expect(bitDiffs(await p.forward(input), expected(input, 2))).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('a missing model file rejects naming the file', async () => {
    const file = join(tmpdir(), 'facemetric-no-such-model.dat');
    await expect(createParallelForward({ threads: 2, modelPath: file })).rejects.toThrow(FacemetricError);
    await expect(createParallelForward({ threads: 2, modelPath: file })).rejects.toThrow(/facemetric-no-such-model\.dat/);
  });

  it('a worker that cannot start (not a network file) rejects with its message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-parallel-'));
    const file = join(dir, 'garbage.dat');
    writeFileSync(file, new Uint8Array(64).fill(7));
    await expect(createParallelForward({ threads: 2, modelPath: file, flavour })).rejects.toThrow(/worker \d of 2 could not start: .*garbage\.dat/);
  });

  it('bad options throw', async () => {
    await expect(createParallelForward({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(createParallelForward({ maxBatch: 1.5 })).rejects.toThrow(/maxBatch must be a positive integer/);
  });

  it('2 chunks of 8 give the same bits as one batch of 16 (each output is the same dot products in the same order, whatever the batch)', async () => {
    const input = chips.slice(0, 16);
    const diffs = bitDiffs(await pool.forward(input), single.forward(input));
    expect(diffs, `parallel (2 x batch 8) vs single batch 16: ${diffs.length} of 16 descriptors differ in some bit`).toEqual([]);
  });
});
