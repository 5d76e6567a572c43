/**
 * The metric-learning pieces against live dlib (harness commands in test/parity/metric.cpp):
 *   - metricLoss vs dlib's loss_metric_::compute_loss_value_and_gradient on random outputs
 *     (several sizes, k = 2 and 128, several identities, the hardest-negative threshold biting,
 *     #positive > #negative, distances below 0.001, custom margin/threshold): loss and gradient
 *     bit for bit;
 *   - fcBackward vs fc_::backward (with and without bias, the data gradient added into a
 *     pre-filled buffer, learning-rate multiplier 0): bit for bit;
 *   - Sgd.step vs dlib::sgd + tt::add over several steps (con_, fc_, fc_no_bias, bn_ rules,
 *     non-default multipliers and solver settings): parameters and velocity bit for bit;
 *   - running_gradient and the count_steps_without_decrease functions: bit for bit, counts exact;
 *     glibcErfc vs glibc's erfc (exact below |x| = 1.25, an ulp bound above where Math.exp is not
 *     glibc's exp);
 *   - GlibcRand vs std::rand();
 *   - the toy example vs dnn_metric_learning_ex.cpp run synchronously through dlib's own
 *     dnn_trainer: the initial parameters, the loss and learning rate of every one of the 4642
 *     steps, the steps where the learning rate shrank, the final parameters and embeddings, and
 *     the example's num_right/num_wrong (the whole run: about 0.5 s here, 0.3 s in dlib); and the
 *     example's own asynchronous loop (`toy --async 1`: one step more, 4643) vs likeDlibThread.
 * All on the reference BLAS the harness is pinned to.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fcBackward } from '../../src/dnn/fc-grad.js';
import { tensor } from '../../src/dnn/tensor.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { GlibcRand } from '../../src/rand/glibc-rand.js';
import { metricLoss } from '../../src/train/loss-metric.js';
import {
  countStepsWithoutDecrease, countStepsWithoutDecreaseRobust, findUpperQuantile, glibcErfc, probabilityValuesAreIncreasing,
  probabilityValuesAreIncreasingRobust, RunningGradient,
} from '../../src/train/running-gradient.js';
import { bnSgdRule, conSgdRule, fcNoBiasSgdRule, fcSgdRule, Sgd, type SgdRule } from '../../src/train/sgd.js';
import { runToyExample, type ToyResult } from '../../src/train/toy.js';
import { ulps } from '../helpers/float.js';
import { randomF32, rng } from '../helpers/random.js';
import { describeParity, diffReport, readF32File, scratchDir } from './helpers.js';

function writeF32(path: string, a: Float32Array): string {
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return path;
}

function writeF64(path: string, a: readonly number[]): string {
  const f = Float64Array.from(a);
  writeFileSync(path, new Uint8Array(f.buffer));
  return path;
}

/** Indices where the two float arrays differ bitwise (so -0 vs 0 and NaN payloads count). */
function bitMismatches(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Math.max(got.length, want.length);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

let dir = '';

describeParity('metric learning (loss_metric_, fc_ backward, sgd, trainer, toy example) vs dlib', () => {
  beforeAll(() => {
    dir = scratchDir('metric');
  });

  describe('metricLoss vs loss_metric_', () => {
    interface Case { name: string; k: number; labels: number[]; output: Float32Array; margin?: number; thresh?: number }
    const cases: Case[] = [];
    const scaled = (n: number, seed: number, s: number): Float32Array => randomF32(n, seed).map((v) => Math.fround(v * s));
    const repeatLabels = (ids: number, each: number): number[] => Array.from({ length: ids * each }, (_, i) => Math.floor(i / each) + 1);

    // k = 2, the toy example's labels; values in [-0.5, 0.5): distances around the 0.6 threshold.
    cases.push({ name: 'k=2, 8 samples, 4 identities x 2', k: 2, labels: [1, 1, 2, 2, 3, 3, 4, 4], output: scaled(16, 1, 0.5) });
    // 5 identities x 5: #pos 50 < #neg 250: the 50th hardest negative is the threshold.
    cases.push({ name: 'k=2, 25 samples, 5 x 5 (hardest-negative threshold bites)', k: 2, labels: repeatLabels(5, 5), output: scaled(50, 2, 0.4) });
    // 2 identities, 8 + 4: #pos 34 > #neg 32 (every negative can count).
    cases.push({ name: 'k=2, 12 samples, 8 + 4 (#pos > #neg)', k: 2, labels: [...Array(8).fill(7), ...Array(4).fill(3)], output: scaled(24, 3, 0.6) });
    // k = 128, values scaled so that distances straddle 0.56..0.64.
    cases.push({ name: 'k=128, 16 samples, 4 x 4', k: 128, labels: repeatLabels(4, 4), output: scaled(16 * 128, 4, 0.055) });
    cases.push({ name: 'k=128, 30 samples, 6 x 5, unsorted labels', k: 128, labels: [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7].map((v) => v * 1000 + 17), output: scaled(30 * 128, 5, 0.06) });
    // Near-duplicates: rows equal or 1e-5 apart, across and within identities (d < 0.001, d = 0).
    {
      const out = scaled(10 * 2, 6, 0.3);
      const copy = (dst: number, src: number, eps: number): void => {
        for (let j = 0; j < 2; j++) out[dst * 2 + j] = Math.fround(out[src * 2 + j] + eps);
      };
      copy(1, 0, 0); // same label, identical
      copy(2, 0, 1e-5); // different label, 1e-5 apart
      copy(5, 4, 0); // different label, identical
      copy(7, 6, 2e-4); // same label, close
      cases.push({ name: 'k=2, near-duplicate rows (d < 0.001 and d = 0)', k: 2, labels: [1, 1, 2, 2, 3, 4, 5, 5, 6, 6], output: out });
    }
    {
      const out = scaled(12 * 128, 7, 0.04);
      for (let j = 0; j < 128; j++) {
        out[3 * 128 + j] = out[2 * 128 + j];
        out[9 * 128 + j] = Math.fround(out[8 * 128 + j] + 1e-6);
      }
      cases.push({ name: 'k=128, near-duplicate rows', k: 128, labels: repeatLabels(3, 4), output: out });
    }
    cases.push({ name: 'k=2, margin 0.1, threshold 0.75 (the legacy loss_metric_)', k: 2, labels: repeatLabels(4, 3), output: scaled(24, 8, 0.6), margin: 0.1, thresh: 0.75 });
    cases.push({ name: 'k=2, all zero', k: 2, labels: [1, 1, 2, 2], output: new Float32Array(8) });

    it.each(cases)('$name: loss and gradient bit for bit', (c) => {
      const input = writeF32(join(dir, 'metric-out.f32'), c.output);
      const gradFile = join(dir, 'metric-grad.f32');
      const extra = c.margin !== undefined ? ['--margin', String(c.margin), '--thresh', String(c.thresh)] : [];
      const d = runHarnessJson<{ loss: number; n: number; k: number }>(['metric-loss', '--k', String(c.k), '--labels', c.labels.join(','), ...extra, '--grad', gradFile, input])[0]!;
      const want = readF32File(gradFile);
      const got = metricLoss(c.output, c.k, c.labels, c.margin !== undefined ? { margin: c.margin, distanceThreshold: c.thresh } : {});
      expect(d.n).toBe(c.labels.length);
      expect(Object.is(got.loss, d.loss), `loss ${got.loss} vs dlib ${d.loss}`).toBe(true);
      expect(bitMismatches(got.gradient, want), diffReport(got.gradient, want)).toBe(0);
    });

    it('the cases exercise what they claim: non-zero losses and gradients, the threshold on negatives', () => {
      // Sanity of the fixtures themselves (on our port, which the test above shows is dlib's).
      for (const c of cases.slice(0, -1)) {
        const r = metricLoss(c.output, c.k, c.labels, c.margin !== undefined ? { margin: c.margin, distanceThreshold: c.thresh } : {});
        expect(r.loss, c.name).toBeGreaterThan(0);
        expect(r.gradient.some((v) => v !== 0), c.name).toBe(true);
      }
      expect(metricLoss(cases[cases.length - 1].output, 2, [1, 1, 2, 2]).gradient.every((v) => v === 0)).toBe(true);
    });
  });

  describe('fcBackward vs fc_::backward', () => {
    const shapes: { name: string; n: number; k: number; nr: number; nc: number; outputs: number; bias: boolean }[] = [
      { name: 'fc_ 7 -> 3 with bias, 5 samples', n: 5, k: 7, nr: 1, nc: 1, outputs: 3, bias: true },
      { name: 'fc_no_bias 7 -> 3, 5 samples', n: 5, k: 7, nr: 1, nc: 1, outputs: 3, bias: false },
      { name: 'fc_ on a 3x2x2 input (12 inputs) -> 10, 16 samples', n: 16, k: 3, nr: 2, nc: 2, outputs: 10, bias: true },
      { name: 'fc_no_bias 256 -> 128 (the face net\'s), 3 samples', n: 3, k: 256, nr: 1, nc: 1, outputs: 128, bias: false },
    ];
    it.each(shapes)('$name: dW, db and dx (added into a pre-filled buffer) bit for bit', (s) => {
      const ni = s.k * s.nr * s.nc;
      const x = tensor(s.n, s.k, s.nr, s.nc, randomF32(s.n * ni, 11));
      const g = tensor(s.n, s.outputs, 1, 1, randomF32(s.n * s.outputs, 12));
      const params = randomF32((ni + (s.bias ? 1 : 0)) * s.outputs, 13);
      const dx0 = randomF32(s.n * ni, 14);
      const args = ['fc-backward', '--inputs', String(ni), '--outputs', String(s.outputs), '--bias', s.bias ? '1' : '0', '--out', dir,
        writeF32(join(dir, 'fc-x.f32'), x.data), writeF32(join(dir, 'fc-g.f32'), g.data), writeF32(join(dir, 'fc-p.f32'), params),
        writeF32(join(dir, 'fc-dx.f32'), dx0)];
      runHarness(args);
      const wantPg = readF32File(join(dir, 'params_grad.f32'));
      const wantDx = readF32File(join(dir, 'dx.f32'));
      const pg = new Float32Array(params.length).fill(NaN);
      const dx = tensor(s.n, s.k, s.nr, s.nc, dx0.slice());
      const nW = ni * s.outputs;
      fcBackward(dx, pg.subarray(0, nW), s.bias ? pg.subarray(nW) : undefined, x, g, params.subarray(0, nW), s.outputs);
      expect(bitMismatches(pg, wantPg), diffReport(pg, wantPg)).toBe(0);
      expect(bitMismatches(dx.data, wantDx), diffReport(dx.data, wantDx)).toBe(0);
    });

    it('learning-rate multiplier 0: dlib leaves the parameter gradient alone and still adds dx', () => {
      const x = tensor(4, 6, 1, 1, randomF32(24, 21));
      const g = tensor(4, 2, 1, 1, randomF32(8, 22));
      const params = randomF32(14, 23);
      runHarness(['fc-backward', '--inputs', '6', '--outputs', '2', '--lr-mult', '0', '--out', dir,
        writeF32(join(dir, 'fc-x.f32'), x.data), writeF32(join(dir, 'fc-g.f32'), g.data), writeF32(join(dir, 'fc-p.f32'), params)]);
      expect(Array.from(readF32File(join(dir, 'params_grad.f32')))).toEqual(new Array(14).fill(7));
      const dx = tensor(4, 6, 1, 1);
      fcBackward(dx, undefined, undefined, x, g, params.subarray(0, 12), 2);
      const want = readF32File(join(dir, 'dx.f32'));
      expect(bitMismatches(dx.data, want), diffReport(dx.data, want)).toBe(0);
    });
  });

  describe('Sgd vs dlib::sgd', () => {
    interface SgdCase { name: string; layer: string; inp: number; out: number; size: number; rule: SgdRule; extra: string[]; solver?: { weightDecay: number; momentum: number } }
    const lrs = [0.1, 0.1, 0.01, 0.0333, 1e-3];
    const con = (i: number, o: number): number => o * i * 9 + o;
    const cases: SgdCase[] = [
      { name: 'con_ (biases without weight decay)', layer: 'con', inp: 2, out: 3, size: con(2, 3), rule: conSgdRule(con(2, 3), 3), extra: [] },
      { name: 'fc_ with bias', layer: 'fc', inp: 5, out: 3, size: 18, rule: fcSgdRule(18, 3), extra: [] },
      { name: 'fc_no_bias (decays everything)', layer: 'fc-no-bias', inp: 5, out: 3, size: 15, rule: fcNoBiasSgdRule(), extra: [] },
      { name: 'bn_con (no weight decay)', layer: 'bn', inp: 4, out: 1, size: 8, rule: bnSgdRule(8), extra: [] },
      {
        name: 'con_ with multipliers 0.7/1.5 and bias multipliers 2/0.5, sgd(0.001, 0.8)', layer: 'con', inp: 1, out: 4, size: con(1, 4),
        rule: { learningRateMultiplier: 0.7, weightDecayMultiplier: 1.5, biasOffset: con(1, 4) - 4, biasLearningRateMultiplier: 2, biasWeightDecayMultiplier: 0.5 },
        extra: ['--lr-mult', '0.7', '--wd-mult', '1.5', '--bias-lr-mult', '2', '--bias-wd-mult', '0.5', '--wd', '0.001', '--momentum', '0.8'],
        solver: { weightDecay: 0.001, momentum: 0.8 },
      },
      {
        name: 'fc_ with bias multipliers 1/1 (one range)', layer: 'fc', inp: 3, out: 2, size: 8,
        rule: { ...fcSgdRule(8, 2), biasWeightDecayMultiplier: 1 }, extra: ['--bias-wd-mult', '1'],
      },
      {
        name: 'bn_ with weight-decay multiplier 1 and bias weight-decay multiplier 0', layer: 'bn', inp: 3, out: 1, size: 6,
        rule: { ...bnSgdRule(6), weightDecayMultiplier: 1, biasWeightDecayMultiplier: 0 }, extra: ['--wd-mult', '1', '--bias-wd-mult', '0'],
      },
      { name: 'fc_no_bias with learning-rate multiplier 0 (skipped)', layer: 'fc-no-bias', inp: 2, out: 2, size: 4, rule: { ...fcNoBiasSgdRule(), learningRateMultiplier: 0 }, extra: ['--lr-mult', '0'] },
    ];
    it.each(cases)('$name: parameters and velocity after each of 5 steps bit for bit', (c) => {
      const params = randomF32(c.size, 31);
      const grads = randomF32(c.size * lrs.length, 32);
      const d = runHarnessJson<{ size: number }>(['sgd-step', '--layer', c.layer, '--in', String(c.inp), '--out', String(c.out), '--lrs', lrs.join(','),
        ...c.extra, '--dir', dir, writeF32(join(dir, 'sgd-p.f32'), params), writeF32(join(dir, 'sgd-g.f32'), grads)])[0]!;
      expect(d.size).toBe(c.size);
      const wantP = readF32File(join(dir, 'params.f32'));
      const wantV = readF32File(join(dir, 'v.f32'));
      const sgd = new Sgd(c.solver);
      const state = sgd.newState();
      const p = params.slice();
      for (let s = 0; s < lrs.length; s++) {
        sgd.step(state, p, grads.subarray(s * c.size, (s + 1) * c.size), lrs[s], c.rule);
        const wp = wantP.subarray(s * c.size, (s + 1) * c.size);
        const wv = wantV.subarray(s * c.size, (s + 1) * c.size);
        expect(bitMismatches(p, wp), `step ${s + 1} params: ${diffReport(p, wp)}`).toBe(0);
        const v = state.v ?? new Float32Array(c.size);
        expect(bitMismatches(v, wv), `step ${s + 1} v: ${diffReport(v, wv)}`).toBe(0);
      }
      if (c.rule.learningRateMultiplier === 0) expect(Array.from(p)).toEqual(Array.from(params));
      else expect(Array.from(p)).not.toEqual(Array.from(params));
    });
  });

  describe('running_gradient and the plateau counts vs dlib/statistics/running_gradient.h', () => {
    interface Stats {
      n: number; gradient?: number; intercept?: number; standard_error?: number; p_greater_0?: number; p_increasing: number;
      p_increasing_robust?: number; upper_quantile_10?: number; steps_without_decrease: number; steps_without_decrease_robust: number;
    }
    const noise = (n: number, seed: number): number[] => {
      const r = rng(seed);
      return Array.from({ length: n }, () => r() - 0.5);
    };
    const seqs: [string, number[]][] = [
      ['1 value', [0.5]],
      ['2 values', [0.5, 0.25]],
      ['3 values', [0.5, 0.25, 0.4]],
      ['constant (stderr 0)', new Array(50).fill(0.125)],
      ['exactly linear', Array.from({ length: 40 }, (_, i) => 3 - 0.25 * i)],
      ['decreasing with noise, 300', noise(300, 41).map((v, i) => Math.exp(-i / 100) + 0.05 * v)],
      ['flat noise, 2000', noise(2000, 42).map((v) => 0.3 + 0.01 * v)],
      ['decreasing then flat, 2000', noise(2000, 43).map((v, i) => (i < 800 ? 1 - i / 1000 : 0.2) + 0.02 * v)],
      ['flat with 5% large outliers, 2000', noise(2000, 44).map((v, i) => 0.1 + 0.01 * v + (i % 20 === 7 ? 5 : 0))],
      ['increasing, 500', noise(500, 45).map((v, i) => i / 500 + 0.1 * v)],
      ['the toy example\'s first 2035 losses', []],
    ];
    beforeAll(() => {
      seqs[seqs.length - 1][1] = runToyExample({ maxSteps: 2035 }).losses;
    });
    it.each(seqs.map(([name], i) => ({ name, i })))('$name: every statistic bit for bit, counts exact', ({ i }) => {
      const values = seqs[i][1];
      const d = runHarnessJson<Stats>(['running-gradient', writeF64(join(dir, 'rg.f64'), values)])[0]!;
      const g = new RunningGradient();
      for (const v of values) g.add(v);
      expect(g.currentN()).toBe(d.n);
      const same = (a: number, b: number | undefined, what: string): void => {
        expect(Object.is(a, b), `${what}: ${a} vs dlib ${b} (${b === undefined ? '' : ulps(a, b)} ulps)`).toBe(true);
      };
      if (d.gradient !== undefined) same(g.gradient(), d.gradient, 'gradient');
      if (d.intercept !== undefined) same(g.intercept(), d.intercept, 'intercept');
      if (d.standard_error !== undefined) same(g.standardError(), d.standard_error, 'standard_error');
      if (d.p_greater_0 !== undefined) same(g.probabilityGradientGreaterThan(0), d.p_greater_0, 'P(gradient > 0)');
      same(probabilityValuesAreIncreasing(values), d.p_increasing, 'probability_values_are_increasing');
      if (d.p_increasing_robust !== undefined) same(probabilityValuesAreIncreasingRobust(values), d.p_increasing_robust, 'robust');
      if (d.upper_quantile_10 !== undefined) same(findUpperQuantile(values, 0.1), d.upper_quantile_10, 'find_upper_quantile');
      expect(countStepsWithoutDecrease(values)).toBe(d.steps_without_decrease);
      expect(countStepsWithoutDecreaseRobust(values)).toBe(d.steps_without_decrease_robust);
    });

    it('glibcErfc: glibc\'s erfc bit for bit below |x| = 1.25; within 3 ulps above (Math.exp is not glibc\'s exp)', () => {
      // Measured on 100,000 uniform x in [1.25, 28): 9% differ, by 1 ulp (7.8%), 2 (1.3%) or 3 (13 values).
      // The plateau test cannot notice: it compares P(slope > 0) = 1 - erfc(x)/2 with 0.51, i.e.
      // x near -0.018, where glibcErfc is exact; for |x| >= 1.25, P is below 0.04 or above 0.96.
      const r = rng(51);
      const xs: number[] = [0, -0, 1e-20, -1e-17, 0.1, 0.25, -0.25, 0.5, 0.84375, -0.84375, 1, 1.25, -1.25, 2, 2.857142857142857, 3, -3, 5.9, -6, -6.5, 27.9, 28, 30, Infinity, -Infinity, NaN];
      for (let i = 0; i < 20000; i++) xs.push((r() * 2 - 1) * 1.25);
      for (let i = 0; i < 20000; i++) xs.push((r() * 2 - 1) * 28);
      runHarness(['erfc', writeF64(join(dir, 'erfc-in.f64'), xs), join(dir, 'erfc-out.f64')]);
      const b = readF32File(join(dir, 'erfc-out.f64'));
      const want = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
      let inexactSmall = 0;
      let maxUlps = 0;
      let differing = 0;
      for (let i = 0; i < xs.length; i++) {
        const got = glibcErfc(xs[i]);
        if (Object.is(got, want[i])) continue;
        differing++;
        if (!(Math.abs(xs[i]) >= 1.25)) inexactSmall++;
        maxUlps = Math.max(maxUlps, Math.abs(ulps(got, want[i])));
      }
      expect(inexactSmall).toBe(0);
      expect(maxUlps).toBeLessThanOrEqual(3);
      expect(differing).toBeLessThan(xs.length * 0.1);
    });
  });

  it('GlibcRand: std::rand() after no srand, srand(0), srand(1), srand(42), srand(2^31 + 5), srand(2^32 - 1)', () => {
    const seeds: (number | undefined)[] = [undefined, 0, 1, 42, 2 ** 31 + 5, 2 ** 32 - 1];
    for (const seed of seeds) {
      const want = runHarnessJson<{ values: number[] }>(['glibc-rand', '--count', '2000', ...(seed === undefined ? [] : ['--seed', String(seed)])])[0]!.values;
      const r = new GlibcRand(seed);
      const got = want.map(() => r.rand());
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });

  describe('dlib\'s toy example (dnn_metric_learning_ex.cpp) through dlib\'s dnn_trainer, synchronously', () => {
    interface StepLine { step: number; loss: number; lr: number; lr_after: number; steps_without_progress: number }
    interface EndLine { steps: number; params: number[]; embeddings: [number, number][]; num_right: number; num_wrong: number }
    let init: number[] = [];
    let steps: StepLine[] = [];
    let end: EndLine;
    let ours: ToyResult;
    beforeAll(() => {
      const lines = runHarnessJson<Record<string, unknown>>(['toy']);
      init = (lines[0] as { init: number[] }).init;
      steps = lines.slice(1, -1) as unknown as StepLine[];
      end = lines[lines.length - 1] as unknown as EndLine;
      ours = runToyExample();
    });

    it('initial fc parameters (std::rand() -> dlib::rand -> randomize_parameters) bit for bit', () => {
      expect(Array.from(ours.initialParams)).toEqual(init.map((v) => Math.fround(v)));
    });

    it('every step\'s loss and learning rate; dlib\'s measured loss at steps 1 and 2', () => {
      expect(steps.length).toBe(end.steps);
      expect(ours.losses.length).toBe(steps.length);
      expect(steps[0].loss).toBe(0.63311254700131225);
      expect(steps[1].loss).toBe(0.60787666070753632);
      for (let i = 0; i < steps.length; i++) {
        if (!Object.is(ours.losses[i], steps[i].loss) || ours.learningRates[i] !== steps[i].lr) {
          expect.fail(`step ${i + 1}: loss ${ours.losses[i]} vs dlib ${steps[i].loss}, learning rate ${ours.learningRates[i]} vs dlib ${steps[i].lr}`);
        }
      }
    });

    it('the learning rate shrinks after the same steps as dlib\'s (2035, 2640, 4037, 4642)', () => {
      const dlibShrinks = steps.filter((s) => s.lr_after !== s.lr).map((s) => s.step);
      expect(dlibShrinks).toEqual([2035, 2640, 4037, 4642]);
      expect(ours.learningRateChanges).toEqual(dlibShrinks);
    });

    it('as the example is written (its loop one step ahead of the trainer\'s thread): 4643 steps, every loss and the final embeddings', () => {
      const lines = runHarnessJson<Record<string, unknown>>(['toy', '--async', '1']);
      const dlibSteps = lines.slice(1, -1) as unknown as { step: number; loss: number }[];
      const dlibEnd = lines[lines.length - 1] as unknown as EndLine;
      const async = runToyExample({ likeDlibThread: true });
      expect(dlibEnd.steps).toBe(4643);
      expect(async.losses).toEqual(dlibSteps.map((l) => l.loss));
      expect(async.learningRates[4642]).toBe(ours.learningRates[4641] * 0.1);
      expect(Array.from(async.params)).toEqual(dlibEnd.params.map((v) => Math.fround(v)));
      expect(async.embeddings).toEqual(dlibEnd.embeddings.map(([a, b]) => [Math.fround(a), Math.fround(b)]));
      expect(Array.from(async.params)).not.toEqual(Array.from(ours.params));
    });

    it('final parameters, embeddings and the example\'s 28 right / 0 wrong', () => {
      expect(Array.from(ours.params)).toEqual(end.params.map((v) => Math.fround(v)));
      expect(ours.embeddings).toEqual(end.embeddings.map(([a, b]) => [Math.fround(a), Math.fround(b)]));
      expect([end.num_right, end.num_wrong]).toEqual([28, 0]);
      expect([ours.numRight, ours.numWrong]).toEqual([end.num_right, end.num_wrong]);
    });
  });
});
