/**
 * KernelThreads (src/wasm/threads.ts): worker threads running kernels on one shared WebAssembly
 * memory. Every part of a call runs once, on whichever thread takes it, on the same data, each
 * thread with its own scratch; `run` returns when all are done; a trap in a worker is reported;
 * a closed pool refuses calls; splitRange and splitWork cut ranges as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelThreads, PARTS_PER_THREAD, splitRange, splitWork } from '../../src/wasm/threads.js';

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

  it('splitWork: one piece for one thread; up to PARTS_PER_THREAD pieces per thread, none under the minimum', () => {
    expect(splitWork(1000, 1, 16, 64)).toEqual([[0, 1000]]);
    expect(splitWork(100, 2, 16, 64)).toEqual([[0, 100]]);
    expect(splitWork(10000, 2, 16, 64)).toHaveLength(2 * PARTS_PER_THREAD);
    const s = splitWork(300, 2, 16, 64);
    expect(s).toHaveLength(4);
    expect(s.every(([, len]) => len >= 64)).toBe(true);
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

  it('runs every part once, the parts shared between the threads, on the same shared memory', () => {
    expect(threads.size).toBe(3);
    const k = threads.kernels;
    expect(k.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    k.reset();
    const n = 3000;
    const y = k.alloc(n * 4);
    const x = k.alloc(n * 4);
    k.f32(x, n).fill(2);
    k.f32(y, n).fill(1);
    // y[i] += alpha_p * x[i] on part p's tenth of y (ten parts for three threads)
    threads.run('axpy_f32', Array.from({ length: 10 }, (_, p) => [y + p * 1200, x + p * 1200, p, 300]));
    const v = k.f32(y, n);
    for (let p = 0; p < 10; p++) expect([v[p * 300], v[p * 300 + 299]]).toEqual([1 + 2 * p, 1 + 2 * p]);
    // memory grown after the start is seen by the workers
    const big = k.alloc(64 << 20);
    k.f32(big + (64 << 20) - 64, 8).fill(1);
    threads.run('axpy_f32', [[y, x, 0, 4], [big + (64 << 20) - 64, x, 10, 8]]);
    expect(Array.from(k.f32(big + (64 << 20) - 64, 8))).toEqual(new Array(8).fill(21));
    // many calls in a row (the workers' wake-up path)
    for (let i = 0; i < 200; i++) threads.run('axpy_f32', [[y, x, 1, 4], [y + 16, x, 1, 4], [y + 32, x, 1, 4]]);
    expect(Array.from(k.f32(y, 12))).toEqual(new Array(12).fill(401));
  });

  it('the scratch argument: each thread runs its parts with its own', () => {
    const k = threads.kernels;
    k.reset();
    const parts = 60;
    const y = k.alloc(parts * 16);
    k.f32(y, parts * 4).fill(0);
    // x (argument 1) is the scratch: thread t's holds t + 1, so y's part p records who ran it
    const own = [0, 1, 2].map((t) => {
      const p = k.alloc(16);
      k.f32(p, 4).fill(t + 1);
      return p;
    });
    threads.run('axpy_f32', Array.from({ length: parts }, (_, p) => [y + p * 16, -1, 1, 4]), { scratch: { arg: 1, perThread: own } });
    const v = k.f32(y, parts * 4);
    for (let p = 0; p < parts; p++) {
      expect([1, 2, 3]).toContain(v[p * 4]);
      expect(v[p * 4 + 3]).toBe(v[p * 4]);
    }
  });

  it('a trap in a worker (out of bounds) makes run throw after every part is done; the pool stays usable', () => {
    const k = threads.kernels;
    k.reset();
    const y = k.alloc(64);
    const x = k.alloc(64);
    k.f32(x, 16).fill(1);
    k.f32(y, 16).fill(0);
    const past = 2 ** 32 - 64;
    // every part traps but one: whichever thread runs them, run throws
    const bad = Array.from({ length: 30 }, () => [past, x, 1, 16]);
    expect(() => threads.run('axpy_f32', [[y, x, 1, 4], ...bad])).toThrow(/out of bounds|axpy_f32 trapped in \d worker thread/);
    expect(Array.from(k.f32(y, 4))).toEqual([1, 1, 1, 1]);
    threads.run('axpy_f32', [[y, x, 1, 4], [y + 16, x, 1, 4]]);
    expect(Array.from(k.f32(y, 8))).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it('refuses unknown exports, ragged argument lists and too many parts', () => {
    expect(() => threads.run('gemm_f32', [[]])).toThrow(/not one of the exports/);
    expect(() => threads.run('axpy_f32', [[0, 0, 0, 0], [0, 0, 0]])).toThrow(/one argument count/);
    expect(() => threads.run('axpy_f32', Array.from({ length: 257 }, () => [0, 0, 0, 0]))).toThrow(/257 parts, at most 256/);
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
