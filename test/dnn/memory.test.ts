/**
 * Memory stays flat over many faces: a recognizer allocates its arena (tensor slots, im2col
 * buffer, GEMM product; for the wasm backend also the weights and GEMM scratch, in its own
 * WebAssembly memory) for the largest batch it has seen, and reuses it for every later call.
 *
 * After a warm-up, many chips go through `describeBatch` in batches of 16, mixed with single
 * `describe` calls and odd-sized batches; then, after a forced garbage collection, the JS heap
 * plus ArrayBuffer memory may have grown by at most HEAP_BOUND, and the WebAssembly memory and
 * the arena not at all. Sizes are bounds on memory, not on time.
 *
 * Chip counts: the wasm backend's default engine (wasm-kernels, ~17 ms a chip here) runs 2000
 * chips in batches of 16 (FACEMETRIC_MEMORY_CHIPS changes that); the reference backend (~20x
 * slower) 6 chips in batches of 2 — enough to see its arena reused (per-call tensors, if kept,
 * would show in the ArrayBuffer figure).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadFaceRecognizer, type DnnEngine, type FaceRecognizer } from '../../src/dnn/recognizer.js';
import type { RgbImage } from '../../src/image/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** JS heap plus ArrayBuffer (typed array) memory, after a full collection. */
function jsBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Allowed growth of jsBytes() over the run, after warm-up: far below one batch's tensors (a
 * single 16-chip activation of the first stage is 10 MiB, the wasm arena ~75 MiB), so keeping
 * or re-allocating per-call buffers would show; loose enough for the collector's noise.
 */
const HEAP_BOUND = 8 << 20;

/** A deterministic 150x150 RGB chip (a different pattern per seed). */
function chip(seed: number): RgbImage {
  const data = new Uint8Array(150 * 150 * 3);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    // smooth-ish: a gradient plus noise, so activations are not degenerate
    data[i] = ((i % 450) / 3 + (x & 63)) & 255;
  }
  return { width: 150, height: 150, data };
}

const MB = (b: number): string => `${(b / (1 << 20)).toFixed(1)} MiB`;

function run(engine: DnnEngine, total: number, batch: number): void {
  const rec: FaceRecognizer = loadFaceRecognizer(undefined, { engine });
  expect(rec.engine).toBe(engine);
  const pool = Array.from({ length: 2 * batch }, (_, i) => chip(i + 1));
  // Warm-up: the largest batch first (sizes the arena), then the other call shapes once.
  const first = rec.describeBatch(pool.slice(0, batch), { batchSize: batch });
  rec.describe(pool[0]!);
  rec.describeBatch(pool.slice(0, 3), { batchSize: batch });
  const mem0 = rec.memory();
  const js0 = jsBytes();
  expect(mem0.capacity).toBe(batch);
  const t0 = performance.now();
  let done = 0;
  let peakJs = js0;
  for (let round = 0; done < total; round++) {
    const from = (round * batch) % pool.length;
    const chips = pool.slice(from, from + batch);
    const out = round % 10 === 9 ? chips.map((c) => rec.describe(c)) : rec.describeBatch(chips, { batchSize: batch });
    expect(out).toHaveLength(chips.length);
    done += chips.length;
    if (round % 20 === 19) peakJs = Math.max(peakJs, jsBytes());
    const mem = rec.memory();
    expect(mem.wasmBytes, `round ${round}`).toBe(mem0.wasmBytes);
    expect(mem.arenaBytes, `round ${round}`).toBe(mem0.arenaBytes);
  }
  const ms = performance.now() - t0;
  const js1 = jsBytes();
  peakJs = Math.max(peakJs, js1);
  // The arena was reused, not corrupted: the first chips give the first descriptors again.
  const again = rec.describeBatch(pool.slice(0, batch), { batchSize: batch });
  again.forEach((d, i) => expect(Array.from(d)).toEqual(Array.from(first[i]!)));
  console.log(`memory, backend ${rec.backend} (engine ${engine}): ${done} chips in batches of ${batch} (every 10th batch one by one), ` +
    `${(ms / done).toFixed(1)} ms/chip; JS arena ${MB(mem0.arenaBytes)}, wasm memory ${MB(mem0.wasmBytes)} (both unchanged); ` +
    `JS heap+ArrayBuffers after warm-up ${MB(js0)}, at the end ${MB(js1)} (growth ${MB(js1 - js0)}, peak ${MB(peakJs)})`);
  expect(js1 - js0).toBeLessThan(HEAP_BOUND);
  expect(peakJs - js0).toBeLessThan(HEAP_BOUND);
  rec.dispose();
}

describe('recognizer memory stays flat over many chips', () => {
  it('wasm backend (wasm-kernels): WebAssembly memory unchanged, JS heap within a bound', () => {
    run('wasm-kernels', Number(process.env.FACEMETRIC_MEMORY_CHIPS ?? 2000), 16);
  }, 600_000);

  it('reference backend: arena unchanged, JS heap within a bound (6 chips, batches of 2)', () => {
    run('reference', 6, 2);
  }, 600_000);
});
