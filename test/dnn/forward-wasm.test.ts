/**
 * The WebAssembly forward pass (src/dnn/forward-wasm.ts, kernels in assembly/conv.ts) against the
 * TypeScript reference (runNetwork, src/dnn/net.ts) on dlib's face ResNet with its real weights,
 * on real face chips (dlib's example faces, cut with their annotated 68 landmarks by
 * getFaceChipDetails + extractImageChip) and synthetic random chips.
 *
 * Two references:
 * - runNetwork with the WebAssembly GEMM of the same flavour as its GEMM hook (gemmWasm). The
 *   kernels do dlib's float32 operations in dlib's order, and the GEMM sums each product in the
 *   same order whatever N, so every layer must be bit-identical: no tolerance.
 * - runNetwork with the reference GEMM (dlib's bits with netlib BLAS): the plain SIMD GEMM sums
 *   in that order too (identical), the relaxed build may fuse multiply-adds: see DESCRIPTOR_TOL.
 *
 * The relaxed-SIMD build runs in this process after v8.setFlagsFromString enables relaxed SIMD
 * (Node 20 flags it; vitest runs each test file in its own process, pool 'forks').
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDnnNet } from '../../src/dlib/index.js';
import { createWasmForward } from '../../src/dnn/forward-wasm.js';
import {
  addPrev, addPrevShape, avgPool, gemmReferenceRows4, im2col, maxPool, planFlops, planNetwork, poolShape, relu, runNetwork, tensor,
  windowOutputSize, type NetPlan, type Tensor, type Window2d,
} from '../../src/dnn/index.js';
import type { RgbImage } from '../../src/image/index.js';
import { extractImageChip, getFaceChipDetails } from '../../src/landmarks/index.js';
import { assetPath } from '../../src/models/index.js';
import { gemmWasm } from '../../src/dnn/gemm-wasm.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../../src/wasm/index.js';
import { datasetChips } from '../helpers/chips.js';
import { randomChip } from '../helpers/random.js';

if (!relaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];

/**
 * Largest |wasm - reference| over descriptor components (reference: gemmReferenceRows4, dlib's
 * bits), per build: the plain SIMD build sums in dlib's order (0); the relaxed build may fuse
 * multiply-adds (measured 2.38e-7 on this file's chips; bound 3e-7, as TOLERANCES.descriptorWasm).
 */
const DESCRIPTOR_TOL: Record<WasmFlavour, number> = { simd: 0, relaxed: 3e-7 };



/** Number of bit-level mismatches (and the first few) between two tensors. */
function mismatches(got: Tensor, want: Tensor, what: string): string[] {
  const bad: string[] = [];
  if (got.n !== want.n || got.k !== want.k || got.nr !== want.nr || got.nc !== want.nc) {
    return [`${what}: shape ${got.n}x${got.k}x${got.nr}x${got.nc} vs ${want.n}x${want.k}x${want.nr}x${want.nc}`];
  }
  const g = new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length);
  const w = new Uint32Array(want.data.buffer, want.data.byteOffset, want.data.length);
  let count = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) {
      if (count++ < 3) bad.push(`${what}[${i}]: ${got.data[i]} vs ${want.data[i]}`);
    }
  }
  if (count > 3) bad.push(`${what}: ${count} of ${g.length} differ`);
  return bad;
}

/** Deterministic floats in [-1, 1) with some exact zeros and negative zeros (relu outputs have both). */
function randomTensor(n: number, k: number, nr: number, nc: number, seed: number): Tensor {
  const data = new Float32Array(n * k * nr * nc);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 31 - 1;
    data[i] = i % 7 === 0 ? 0 : i % 11 === 0 ? -0 : v;
  }
  return tensor(n, k, nr, nc, data);
}

describe.each(flavours)('conv kernels (%s build) against layers.ts on synthetic shapes, bit for bit', (flavour) => {
  const kernels = WasmKernels.load(flavour);
  const ex = kernels.exports as unknown as Record<string, (...a: number[]) => number>;
  const at = (t: Tensor): number => kernels.putF32(t.data);

  it('im2col_f32: windows 1..5, strides 1..3, paddings, non-square', () => {
    const bad: string[] = [];
    for (const [k, nr, nc] of [[1, 5, 5], [2, 7, 6], [3, 9, 11]] as const) {
      for (const [wr, wc] of [[1, 1], [3, 3], [2, 2], [5, 3], [4, 5]] as const) {
        for (const stride of [1, 2, 3]) {
          for (const [py, px] of [[0, 0], [1, 1], [Math.trunc(wr / 2), Math.trunc(wc / 2)], [wr - 1, 0]] as const) {
            const w: Window2d = { nr: wr, nc: wc, strideY: stride, strideX: stride === 3 ? 1 : stride, paddingY: py, paddingX: px };
            if (nr + 2 * py < wr || nc + 2 * px < wc) continue;
            const x = randomTensor(1, k, nr, nc, k * 100 + wr * 10 + stride);
            const oh = windowOutputSize(nr, wr, w.strideY, py);
            const ow = windowOutputSize(nc, wc, w.strideX, px);
            const K = k * wr * wc;
            const want = new Float32Array(K * oh * ow);
            im2col(want, x, w);
            kernels.reset();
            const px0 = kernels.alloc(16); // a neighbour before the input (same-padding reads it)
            kernels.f32(px0, 4).fill(NaN);
            const xp = at(x);
            kernels.f32(kernels.alloc(64), 16).fill(NaN); // and after it
            const ld = oh * ow + 3; // a row stride wider than the row
            const dst = kernels.alloc(K * ld * 4);
            kernels.f32(dst, K * ld).fill(7);
            ex.im2col_f32(dst, ld, xp, k, nr, nc, wr, wc, w.strideY, w.strideX, py, px, oh, ow);
            const got = kernels.f32(dst, K * ld);
            for (let r = 0; r < K; r++) {
              for (let q = 0; q < ld; q++) {
                const g = got[r * ld + q];
                const e = q < oh * ow ? want[r * oh * ow + q] : 7;
                if (!Object.is(g, e)) { bad.push(`${JSON.stringify(w)} x ${k}x${nr}x${nc}: row ${r} col ${q}: ${g} vs ${e}`); break; }
              }
            }
          }
        }
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('pool_f32: max and average, clipped windows (padding), strides, everything', () => {
    const bad: string[] = [];
    for (const [nr, nc] of [[7, 7], [8, 5], [17, 17], [72, 72]] as const) {
      for (const w of [
        { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 },
        { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1 },
        { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 },
        { nr: 2, nc: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 },
        { nr: 2, nc: 3, strideY: 1, strideX: 2, paddingY: 1, paddingX: 2 },
        { nr, nc, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 },
      ] as Window2d[]) {
        const x = randomTensor(2, 3, nr, nc, nr * 7 + w.nr);
        for (const isMax of [true, false]) {
          const [n, k, oh, ow] = poolShape(x, w);
          const want = tensor(n, k, oh, ow);
          if (isMax) maxPool(want, x, w); else avgPool(want, x, w);
          kernels.reset();
          const xp = at(x);
          const out = kernels.alloc(want.data.length * 4);
          ex.pool_f32(out, xp, n * k, nr, nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow, isMax ? 1 : 0);
          bad.push(...mismatches(tensor(n, k, oh, ow, kernels.f32(out, want.data.length).slice()), want, `${isMax ? 'max' : 'avg'} ${nr}x${nc} ${JSON.stringify(w)}`));
        }
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('add_prev_f32: same shapes and every size mismatch (missing = 0), with and without relu', () => {
    const bad: string[] = [];
    for (const [as, bs] of [
      [[2, 4, 3, 3], [2, 4, 3, 3]], [[2, 4, 3, 3], [2, 2, 4, 4]], [[1, 2, 4, 4], [2, 3, 3, 5]], [[2, 8, 1, 1], [2, 4, 2, 2]],
    ] as [number[], number[]][]) {
      const a = randomTensor(as[0], as[1], as[2], as[3], 5);
      const b = randomTensor(bs[0], bs[1], bs[2], bs[3], 6);
      const [n, k, nr, nc] = addPrevShape(a, b);
      const sum = tensor(n, k, nr, nc);
      addPrev(sum, a, b);
      for (const withRelu of [false, true]) {
        const want = tensor(n, k, nr, nc);
        if (withRelu) relu(want, sum); else want.data.set(sum.data);
        kernels.reset();
        const ap = at(a);
        const bp = at(b);
        const out = kernels.alloc(want.data.length * 4);
        ex.add_prev_f32(out, n, k, nr, nc, ap, a.n, a.k, a.nr, a.nc, bp, b.n, b.k, b.nr, b.nc, withRelu ? 1 : 0);
        bad.push(...mismatches(tensor(n, k, nr, nc, kernels.f32(out, want.data.length).slice()), want, `${as} + ${bs} relu ${withRelu}`));
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('WebAssembly forward pass of the face ResNet', () => {
  let plan: NetPlan;
  let chips: RgbImage[];

  beforeAll(() => {
    plan = planNetwork(readDnnNet(readFileSync(assetPath('dlib_face_recognition_resnet_model_v1'))));
    const real = datasetChips();
    chips = [...real, ...Array.from({ length: Math.max(0, 16 - real.length) }, (_, i) => randomChip(i + 1))].slice(0, 16);
    expect(real.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(flavours)('%s build', (flavour) => {
    const hook = (M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void => {
      gemmWasm(M, N, K, A, B, C, { flavour });
    };

    it('every layer, unfused, batch 3: bit-identical to runNetwork with the same GEMM', () => {
      const batch = chips.slice(0, 3);
      const want = runNetwork(plan, batch, { gemm: hook, keepOutputs: true }).outputs!;
      const f = createWasmForward(plan, { maxBatch: 3, flavour, fuse: false, keepOutputs: true });
      const got = f.outputs(batch);
      const bad: string[] = [];
      let compared = 0;
      for (let i = 1; i < plan.nodeCount; i++) {
        expect(got[i], `node ${i} (${plan.labels[i]})`).toBeDefined();
        bad.push(...mismatches(got[i]!, want[i]!, `node ${i} ${plan.labels[i]}`));
        compared++;
      }
      expect(compared).toBe(plan.nodeCount - 1);
      expect(bad).toEqual([]);
      f.release();
    });

    it('every layer, unfused, batch 3, all batched: bit-identical; all per image: bit-identical to batch-1 runs', () => {
      const batch = chips.slice(1, 4);
      const want = runNetwork(plan, batch, { gemm: hook, keepOutputs: true }).outputs!;
      const f = createWasmForward(plan, { maxBatch: 3, flavour, keepOutputs: true, splitPixels: Infinity });
      const got = f.outputs(batch);
      const bad: string[] = [];
      for (let i = 1; i < plan.nodeCount; i++) bad.push(...mismatches(got[i]!, want[i]!, `node ${i} ${plan.labels[i]}`));
      expect(bad).toEqual([]);
      f.release();
      // per image: three batch-1 runs (the late layers' GEMMs then have small N; the GEMM's order
      // does not depend on N, so this is the same as any other batching)
      const perImage = createWasmForward(plan, { maxBatch: 3, flavour, keepOutputs: true, splitPixels: 0 });
      const all = perImage.outputs(batch);
      const fcNode = plan.steps.find((s) => s.op === 'fc')!.node;
      batch.forEach((chip, s) => {
        const one = runNetwork(plan, [chip], { gemm: hook, keepOutputs: true }).outputs!;
        for (let i = fcNode + 1; i < plan.nodeCount; i++) {
          const t = all[i]!;
          const m = t.k * t.nr * t.nc;
          bad.push(...mismatches({ ...t, n: 1, data: t.data.subarray(s * m, (s + 1) * m) }, one[i]!, `image ${s} node ${i}`));
        }
      });
      expect(bad).toEqual([]);
      perImage.release();
    });

    it.each([1, 3, 16])('descriptors, fused, batch %i: bit-identical to runNetwork with the same GEMM', (batchSize) => {
      const batch = chips.slice(0, batchSize);
      const want = runNetwork(plan, batch, { gemm: hook }).output;
      // default; whole-batch GEMMs from the first layer; the smallest image groups (one image,
      // or as many as make 32 output pixels) — all the same bits
      for (const opts of [{}, { splitPixels: Infinity, colsBytes: Infinity }, { splitPixels: Infinity, colsBytes: 1 }]) {
        const f = createWasmForward(plan, { maxBatch: batchSize, flavour, ...opts });
        const got = f.forward(batch);
        expect(got).toHaveLength(batchSize);
        const flat = new Float32Array(batchSize * 128);
        got.forEach((d, s) => flat.set(d, s * 128));
        expect(mismatches({ n: batchSize, k: 128, nr: 1, nc: 1, data: flat }, want, `descriptors ${JSON.stringify(opts)}`)).toEqual([]);
        f.release();
      }
    });

    it('repeated calls give identical results, larger inputs run in chunks, memory stays flat', () => {
      const f = createWasmForward(plan, { maxBatch: 4, flavour });
      const bytes = f.memoryBytes;
      const first = f.forward(chips.slice(0, 6));
      const again = f.forward(chips.slice(0, 6));
      expect(again).toEqual(first);
      // chunks of 4 and 2: the second chunk alone gives the same (a different batch size could
      // change the GEMM's path for the 4x4 and 2x2 stages, hence the last bits)
      expect(f.forward(chips.slice(4, 6))).toEqual(first.slice(4));
      expect(f.memoryBytes).toBe(bytes);
      f.release();
      expect(f.memoryBytes).toBe(0);
      expect(() => f.forward(chips.slice(0, 1))).toThrow(/release/);
    });

    it('rejects chips of the wrong size', () => {
      const f = createWasmForward(plan, { maxBatch: 2, flavour });
      expect(() => f.forward([randomChip(1, 100)])).toThrow(/150x150/);
      f.release();
    });
  });

  it('descriptors within DESCRIPTOR_TOL of the reference GEMM (dlib with netlib BLAS), every build', () => {
    const batch = [chips[0], chips[1], chips[15]];
    const want = runNetwork(plan, batch, { gemm: gemmReferenceRows4 }).output.data;
    const report: string[] = [];
    for (const flavour of flavours) {
      const f = createWasmForward(plan, { maxBatch: 3, flavour });
      const got = f.forward(batch);
      let worst = 0;
      got.forEach((d, s) => d.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - want[s * 128 + j])); }));
      report.push(`${flavour}: max |diff| ${worst.toExponential(2)}`);
      expect(worst, flavour).toBeLessThanOrEqual(DESCRIPTOR_TOL[flavour]);
      f.release();
    }
    console.log(`wasm forward vs reference GEMM descriptors (${batch.length} chips): ${report.join(', ')}`);
  });

  it('planFlops: the face ResNet is about 0.54 GFLOP per image', () => {
    const flop = planFlops(plan);
    expect(flop).toBeGreaterThan(0.5e9);
    expect(flop).toBeLessThan(0.6e9);
  });
});
