/**
 * KernelThreads (src/wasm/threads.ts): worker threads running kernels on one shared WebAssembly
 * memory. Each part of a call runs on its own thread on the same data; `run` returns when all are
 * done; a trap in a worker is reported; a closed pool refuses calls; splitRange cuts ranges as
 * documented.
 */
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelThreads, splitRange } from '../../src/wasm/threads.js';

describe('splitRange', () => {
  it('contiguous, balanced pieces covering 0 .. n, each a multiple of align but the last', () => {
    for (const [n, parts, align] of [[100, 2, 16], [20, 3, 16], [5, 4, 1], [0, 2, 4], [1000, 7, 4], [33, 2, 16], [16, 2, 16]] as const) {
      const s = splitRange(n, parts, align);
      expect(s.length).toBeGreaterThanOrEqual(1);
      expect(s.length).toBeLessThanOrEqual(Math.max(1, Math.min(parts, Math.ceil(n / align))));
      let at = 0;
      s.forEach(([start, len], i) => {
        expect(start).toBe(at);
        if (i < s.length - 1) expect(len % align).toBe(0);
        at += len;
      });
      expect(at).toBe(n);
      const units = s.map(([, len]) => Math.ceil(len / align));
      expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
    }
    expect(splitRange(100, 2, 16)).toEqual([[0, 48], [48, 52]]);
    expect(splitRange(20, 3, 16)).toEqual([[0, 16], [16, 4]]);
  });
});

describe('KernelThreads', () => {
  let threads: KernelThreads;
  beforeAll(async () => {
    threads = await KernelThreads.start(3, ['axpy_f32'], 'simd');
  });
  afterAll(async () => {
    await threads.close();
  });

  it('runs each part on its own thread, on the same shared memory', () => {
    expect(threads.size).toBe(3);
    expect(threadId).toBeGreaterThanOrEqual(0);
    const k = threads.kernels;
    expect(k.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    k.reset();
    const n = 3000;
    const y = k.alloc(n * 4);
    const x = k.alloc(n * 4);
    k.f32(x, n).fill(2);
    k.f32(y, n).fill(1);
    // y[i] += alpha_t * x[i] on thread t's third
    threads.run('axpy_f32', [[y, x, 1, 1000], [y + 4000, x + 4000, 2, 1000], [y + 8000, x + 8000, 3, 1000]]);
    const v = k.f32(y, n);
    expect([v[0], v[999], v[1000], v[1999], v[2000], v[2999]]).toEqual([3, 3, 5, 5, 7, 7]);
    // parts left out (undefined) do not run; memory grown after the start is seen by the workers
    const big = k.alloc(64 << 20);
    k.f32(big, 8).fill(1);
    threads.run('axpy_f32', [undefined, undefined, [big, x, 10, 8]]);
    expect(Array.from(k.f32(big, 8))).toEqual(new Array(8).fill(21));
    expect(k.f32(y, 1)[0]).toBe(3);
    // many calls in a row (the workers' wake-up path)
    for (let i = 0; i < 200; i++) threads.run('axpy_f32', [[y, x, 1, 4], [y + 16, x, 1, 4], [y + 32, x, 1, 4]]);
    expect(Array.from(k.f32(y, 12))).toEqual(new Array(12).fill(403));
  });

  it('a trap in a worker (out of bounds) makes run throw after every part is done; the pool stays usable', () => {
    const k = threads.kernels;
    k.reset();
    const y = k.alloc(64);
    const x = k.alloc(64);
    k.f32(x, 16).fill(1);
    k.f32(y, 16).fill(0);
    const past = 2 ** 32 - 64;
    expect(() => threads.run('axpy_f32', [[y, x, 1, 4], [past, x, 1, 16]])).toThrow(/axpy_f32 trapped in 1 worker thread/);
    expect(Array.from(k.f32(y, 4))).toEqual([1, 1, 1, 1]);
    threads.run('axpy_f32', [[y, x, 1, 4], [y + 16, x, 1, 4]]);
    expect(Array.from(k.f32(y, 8))).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it('refuses unknown exports and more parts than threads', () => {
    expect(() => threads.run('gemm_f32', [[]])).toThrow(/not one of the exports/);
    expect(() => threads.run('axpy_f32', [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])).toThrow(/4 parts for 3 threads/);
  });
});

it('start checks its arguments; a closed pool refuses calls; close is idempotent', async () => {
  await expect(KernelThreads.start(0, [])).rejects.toThrow(/threads must be an integer/);
  await expect(KernelThreads.start(2, ['no_such_kernel'])).rejects.toThrow(/no export no_such_kernel/);
  const t = await KernelThreads.start(2, ['axpy_f32']);
  await t.close();
  await t.close();
  expect(() => t.run('axpy_f32', [[0, 0, 0, 0]])).toThrow(/after close/);
});
