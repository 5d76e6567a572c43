/**
 * bn_con (src/dnn/bn.ts) against live dlib: the harness's `bn-con` builds a real
 * bn_<CONV_MODE>(window), sets gamma and beta, runs several training forward passes (batches of
 * several samples and channels), reading back the running means, variances and update count
 * after each through bn_'s own serialize(); then the backward pass of the last batch (the input's
 * gradient starts at given values: bn_ ADDS into it), an inference forward pass (one sample) and
 * the affine_ layer dlib makes from it. Also glibc's powf(x, 3), which the backward pass calls,
 * against the live powf. Exact equality throughout.
 */
import { expect, it } from 'vitest';
import { bnBatchStats, bnConvBackward, bnConvForwardInference, bnConvForwardTraining, bnState, bnToAffine } from '../../src/dnn/bn.js';
import { powfGlibc, powfGlibcNoFma } from '../../src/dnn/powf-glibc.js';
import { tensor } from '../../src/dnn/tensor.js';
import { randomF32, rng } from '../helpers/random.js';
import { countMismatches, mismatches, readOut, runBackward, shapeArg, writeF32 } from './backward-io.js';
import { describeParity, scratchDir } from './helpers.js';

interface Case {
  name: string;
  shape: [number, number, number, number];
  calls: number;
  window: number;
}

const CASES: Case[] = [
  { name: '4 samples x 8 channels of 5x5, 5 calls, window 3 (the counter is capped)', shape: [4, 8, 5, 5], calls: 5, window: 3 },
  { name: '2 samples x 32 channels of 3x3, 3 calls, window 100', shape: [2, 32, 3, 3], calls: 3, window: 100 },
  { name: '5 samples x 16 channels of 1x1, 2 calls', shape: [5, 16, 1, 1], calls: 2, window: 100 },
];

/** Batches whose channels have different means and spreads (one nearly constant). */
function batches(shape: [number, number, number, number], calls: number, seed: number): Float32Array {
  const [n, k, nr, nc] = shape;
  const plane = nr * nc;
  const out = randomF32(calls * n * k * plane, seed);
  for (let i = 0; i < out.length; i++) {
    const ch = Math.floor(i / plane) % k;
    const spread = ch === 1 ? 1e-3 : 0.1 + (ch % 5);
    out[i] = Math.fround(out[i] * spread + (ch - k / 2) * 0.3);
  }
  return out;
}

describeParity('bn_con vs live dlib bn_<CONV_MODE>', () => {
  CASES.forEach((c, ci) => {
    it(c.name, () => {
      const dir = scratchDir('bn');
      const [n, k, nr, nc] = c.shape;
      const size = n * k * nr * nc;
      const xs = batches(c.shape, c.calls, 500 + ci);
      const gamma = randomF32(k, 600 + ci).map((v) => v + 1.5);
      const beta = randomF32(k, 700 + ci);
      const g = randomF32(size, 800 + ci);
      const dx0 = randomF32(size, 900 + ci).map((v) => v * 0.25);
      const info = runBackward<{ num_updates: number[]; eps: number }>(['bn-con', '--shape', shapeArg({ n, k, nr, nc }),
        '--calls', `${c.calls}`, '--window', `${c.window}`, '--x', writeF32(dir, 'x.f32', xs), '--gamma', writeF32(dir, 'gamma.f32', gamma),
        '--beta', writeF32(dir, 'beta.f32', beta), '--g', writeF32(dir, 'g.f32', g), '--dx0', writeF32(dir, 'dx0.f32', dx0), '--out', dir]);

      const state = bnState(k, c.window);
      expect(state.eps).toBe(info.eps);
      state.gamma.set(gamma);
      state.beta.set(beta);
      const stats = bnBatchStats(k);
      let x = tensor(n, k, nr, nc);
      const counts: number[] = [];
      for (let call = 0; call < c.calls; call++) {
        x = tensor(n, k, nr, nc, xs.slice(call * size, (call + 1) * size));
        const out = tensor(n, k, nr, nc);
        bnConvForwardTraining(out, stats, x, state);
        counts.push(state.updateCount);
        expect(mismatches(out.data, readOut(dir, `out${call}.f32`)), `forward ${call}`).toEqual([]);
        expect(mismatches(state.runningMeans, readOut(dir, `rm${call}.f32`)), `running means after ${call}`).toEqual([]);
        expect(mismatches(state.runningVariances, readOut(dir, `rv${call}.f32`)), `running variances after ${call}`).toEqual([]);
      }
      expect(counts).toEqual(info.num_updates);

      const dx = tensor(n, k, nr, nc, dx0.slice());
      const dparams = new Float32Array(2 * k).fill(123);
      bnConvBackward(dx, dparams.subarray(0, k), dparams.subarray(k), tensor(n, k, nr, nc, g), x, state.gamma, stats);
      expect(mismatches(dx.data, readOut(dir, 'dx.f32')), 'data gradient').toEqual([]);
      expect(mismatches(dparams, readOut(dir, 'dparams.f32')), 'gamma and beta gradients').toEqual([]);

      const one = tensor(1, k, nr, nc, x.data.slice(0, k * nr * nc));
      const infer = tensor(1, k, nr, nc);
      bnConvForwardInference(infer, one, state);
      expect(mismatches(infer.data, readOut(dir, 'infer.f32')), 'inference forward').toEqual([]);

      const aff = new Float32Array(2 * k);
      bnToAffine(aff.subarray(0, k), aff.subarray(k), state);
      expect(mismatches(aff, readOut(dir, 'affine.f32')), 'affine_(bn_)').toEqual([]);
    });
  });

  it('powf(x, 3) is glibc\'s, bit for bit (where it differs from x*x*x too)', () => {
    const dir = scratchDir('powf');
    // invstd-like values over many binades, plus every float in a short run near 1 and near 10.
    const next = rng(4242);
    const count = 40000;
    const xs = new Float32Array(count + 2 * 4096);
    for (let i = 0; i < count; i++) xs[i] = Math.fround(2 ** (next() * 24 - 12));
    const bits = new Uint32Array(xs.buffer);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    f[0] = 1; const one = u[0];
    f[0] = 10; const ten = u[0];
    for (let i = 0; i < 4096; i++) {
      bits[count + i] = one + i;
      bits[count + 4096 + i] = ten + i;
    }
    runBackward(['powf', '--x', writeF32(dir, 'x.f32', xs), '--y', '3', '--out', `${dir}/p.f32`]);
    const want = readOut(dir, 'p.f32');
    const fma = xs.map((v) => powfGlibc(v, 3));
    const noFma = xs.map((v) => powfGlibcNoFma(v, 3));
    const cube = xs.map((v) => Math.fround(Math.fround(v * v) * v));
    const cubeExact = xs.map((v) => Math.fround(v * v * v)); // x*x exact in double, one more rounding
    const offCube = countMismatches(cube, want);
    const offExact = countMismatches(cubeExact, want);
    console.log(`powf(x, 3) on ${xs.length} floats: FMA port ${countMismatches(fma, want)} off, generic port ${countMismatches(noFma, want)} off; ` +
      `float x*x*x ${offCube} off, double-rounded cube ${offExact} off`);
    expect(offExact).toBeGreaterThan(0); // the trap: powf is not the (nearly) correctly rounded cube
    expect(mismatches(fma, want), 'FMA build').toEqual([]);
    expect(mismatches(noFma, want), 'generic build (what bnConvBackward uses)').toEqual([]);
  });
});
