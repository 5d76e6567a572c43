/**
 * sgd's update loops in WebAssembly (src/train/sgd-wasm.ts: WasmSgdLoops; sgd_update_f32 of
 * assembly/elementwise.ts) against the TypeScript loops (SGD_LOOPS, whose bits are dlib's:
 * test/parity/metric-parity.test.ts), bit-identical: Sgd.step with the face ResNet's rules (con_
 * with a bias part, bn_'s gamma and beta, fc_no_bias) on its layer sizes and odd ones, three steps
 * (momentum on a non-zero velocity), chunks that split the bias range; the kernel alone between
 * sentinels.
 */
import { describe, expect, it } from 'vitest';
import { loadKernels } from '../../src/wasm/exports.js';
import { bnSgdRule, conSgdRule, fcNoBiasSgdRule, Sgd, SGD_LOOPS, type SgdRule } from '../../src/train/sgd.js';
import { SGD_WASM_KERNELS, WasmSgdLoops, type SgdExports } from '../../src/train/sgd-wasm.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';
import { bitDiffIndices } from '../helpers/float.js';

const CASES: { name: string; size: number; rule: SgdRule }[] = [
  { name: 'con_ 3x3, 32 -> 32 filters with biases', size: 32 * 32 * 9 + 32, rule: conSgdRule(32 * 32 * 9 + 32, 32) },
  { name: 'con_ 7x7, 3 -> 32 filters (odd bias offset)', size: 32 * 3 * 49 + 32, rule: conSgdRule(32 * 3 * 49 + 32, 32) },
  { name: 'bn_ with 256 channels (gamma and beta, one range)', size: 512, rule: bnSgdRule(512) },
  { name: 'fc_no_bias 256 -> 128', size: 256 * 128, rule: fcNoBiasSgdRule() },
  { name: 'odd size 10007, bias offset 9999, multipliers 0.5 and 2', size: 10007, rule: { learningRateMultiplier: 0.5, weightDecayMultiplier: 2, biasOffset: 9999, biasLearningRateMultiplier: 3, biasWeightDecayMultiplier: 0.25 } },
];

describe('WasmSgdLoops against SGD_LOOPS through Sgd.step: bit-identical', () => {
  for (const chunkFloats of [undefined, 1000]) {
    const loops = new WasmSgdLoops({ flavour: 'simd', chunkFloats, minLength: 0 });
    for (const c of CASES) {
      it(`${c.name}, three steps, ${chunkFloats === undefined ? 'one chunk' : 'chunks of 1000'}`, () => {
        const sgd = new Sgd({ weightDecay: 0.0005, momentum: 0.9 });
        const w0 = randomF32(c.size, c.size);
        const wRef = w0.slice();
        const wWasm = w0.slice();
        const sRef = sgd.newState();
        const sWasm = sgd.newState();
        for (let step = 0; step < 3; step++) {
          const g = randomF32(c.size, c.size + step + 1).map((v) => v * 10);
          sgd.step(sRef, wRef, g, 0.1, c.rule, SGD_LOOPS);
          sgd.step(sWasm, wWasm, g, 0.1, c.rule, loops);
          expect(bitDiffIndices(sWasm.v!, sRef.v!)).toEqual([]);
          expect(bitDiffIndices(wWasm, wRef)).toEqual([]);
        }
        // a real update: most parameters moved
        expect(wRef.filter((v, i) => v !== w0[i]).length).toBeGreaterThan(c.size / 2);
      });
    }
  }

  it('small layers (below minLength) run the TypeScript loops, with the same bits', () => {
    const sgd = new Sgd();
    const loops = new WasmSgdLoops({ flavour: 'simd' });
    const w = randomF32(64, 1);
    const w2 = w.slice();
    const g = randomF32(64, 2);
    const [a, b] = [sgd.newState(), sgd.newState()];
    sgd.step(a, w, g, 0.01, bnSgdRule(64));
    sgd.step(b, w2, g, 0.01, bnSgdRule(64), loops);
    expect(bitDiffIndices(w2, w)).toEqual([]);
  });

  it('ranges that do not cover the tensor in order are refused', () => {
    const loops = new WasmSgdLoops({ flavour: 'simd', minLength: 0 });
    const z = new Float32Array(8);
    expect(() => loops.update(z, z.slice(), z.slice(), 0.9, [{ begin: 0, end: 4, b: 0, c: 0 }])).toThrow('sgd: the ranges must cover [0, 8) in order (they end at 4)');
  });
});

describe('sgd_update_f32 between sentinels', () => {
  it('lengths 0..9 and 1001: v and w as the reference, nothing written outside', () => {
    const { kernels: k, exports: ex } = loadKernels<SgdExports>(SGD_WASM_KERNELS, 'simd');
    const f = Math.fround;
    const [a, b, c] = [f(0.9), f(-0.00005), f(-0.1)];
    for (const len of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1001]) {
      k.reset();
      const v = randomF32(len, 3);
      const w = randomF32(len, 4);
      const g = randomF32(len, 5);
      const rv = v.slice();
      const rw = w.slice();
      SGD_LOOPS.update(rv, rw, g, a, [{ begin: 0, end: len, b, c }]);
      const pv = guardedF32(k, v);
      const pw = guardedF32(k, w);
      const pg = guardedF32(k, g);
      ex.sgd_update_f32(pv.ptr, pw.ptr, pg.ptr, len, a, b, c);
      expect(bitDiffIndices(pv.view(), rv)).toEqual([]);
      expect(bitDiffIndices(pw.view(), rw)).toEqual([]);
      for (const p of [pv, pw, pg]) p.check();
    }
  });
});
