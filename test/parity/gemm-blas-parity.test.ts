/**
 * gemmBlasReference (netlib sgemm's two loop shapes) and ttGemm (dlib's tt::gemm on top of it)
 * against live dlib on the reference BLAS: the harness's `gemm --mode sgemm` (one row-major
 * cblas_sgemm call, BLAS's own beta) and `gemm --mode tt` (tt::gemm). Every transposition,
 * alpha/beta 1/0, 1/1 and others; exact equality.
 */
import { expect, it } from 'vitest';
import { gemmBlasReference } from '../../src/dnn/gemm.js';
import { ttGemm } from '../../src/dnn/tt-gemm.js';
import { randomF32 } from '../helpers/random.js';
import { mismatches, readOut, runBackward, writeF32 } from './backward-io.js';
import { describeParity, scratchDir } from './helpers.js';

const M = 7;
const N = 9;
const K = 13;
const CASES: [number, number][] = [[1, 0], [1, 1], [0.5, 1], [1, 0.25], [-2, -1.5], [0.1, 0.3]];

describeParity('gemm vs live dlib (reference BLAS)', () => {
  const dir = scratchDir('gemm');
  // Values of mixed magnitude so that float sums round differently in different orders.
  const A = randomF32(M * K, 11).map((v, i) => v * (i % 3 === 0 ? 1000 : 1));
  const B = randomF32(K * N, 12).map((v, i) => v * (i % 5 === 0 ? 0.001 : 1));
  const C0 = randomF32(M * N, 13).map((v) => v * 100);
  const a = writeF32(dir, 'a.f32', A);
  const b = writeF32(dir, 'b.f32', B);
  const c = writeF32(dir, 'c.f32', C0);
  const harness = (mode: string, ta: boolean, tb: boolean, alpha: number, beta: number): Float32Array => {
    const out = `${mode}-${+ta}${+tb}-${alpha}-${beta}.f32`;
    runBackward(['gemm', '--mode', mode, '--m', `${M}`, '--n', `${N}`, '--k', `${K}`, '--trans-a', `${+ta}`, '--trans-b', `${+tb}`,
      '--alpha', `${alpha}`, '--beta', `${beta}`, '--a', a, '--b', b, '--c', c, '--out', `${dir}/${out}`]);
    return readOut(dir, out);
  };

  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      it(`transA=${ta} transB=${tb}: gemmBlasReference is cblas_sgemm, ttGemm is tt::gemm, bit for bit`, () => {
        const notes: string[] = [];
        for (const [alpha, beta] of CASES) {
          const sg = gemmBlasReference;
          const mine = C0.slice();
          sg(ta, tb, M, N, K, alpha, A, B, beta, mine);
          const blas = harness('sgemm', ta, tb, alpha, beta);
          expect(mismatches(mine, blas), `sgemm alpha=${alpha} beta=${beta}`).toEqual([]);
          const tt = harness('tt', ta, tb, alpha, beta);
          const mineTt = C0.slice();
          ttGemm(beta, mineTt, alpha, A, ta, B, tb, M, N, K);
          expect(mismatches(mineTt, tt), `tt::gemm alpha=${alpha} beta=${beta}`).toEqual([]);
          // Where tt::gemm and BLAS's beta agree: beta 0, and the dot form (B transposed).
          const same = mismatches(blas, tt, 1).length === 0;
          // Elsewhere (axpy form, beta != 0) BLAS continues the sum from beta*C while tt::gemm adds
          // beta*C to the finished sum: on these mixed-magnitude values they differ.
          expect(same, `tt::gemm vs sgemm for alpha=${alpha} beta=${beta}`).toBe(beta === 0 || tb);
          if (!same) notes.push(`alpha=${alpha} beta=${beta}`);
        }
        if (notes.length > 0) console.log(`transA=${ta} transB=${tb}: tt::gemm differs from cblas_sgemm's beta for ${notes.join('; ')}`);
      });
    }
  }
});
