/**
 * gemmBlasReference (netlib sgemm's two loop shapes) against products written out term by term,
 * on small matrices: every transposition, alpha/beta of 0, 1 and other values, and the
 * difference between the two forms when C already holds values (beta = 1).
 */
import { describe, expect, it } from 'vitest';
import { gemmBlasReference, gemmReference } from '../../src/dnn/gemm.js';
import { randomF32 } from '../helpers/random.js';

const f = Math.fround;

/** op(X)[r][c] of a stored matrix. */
const at = (X: Float32Array, trans: boolean, rows: number, cols: number, r: number, c: number): number =>
  trans ? X[c * rows + r] : X[r * cols + c];

describe('gemmBlasReference', () => {
  const M = 5;
  const N = 7;
  const K = 11;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [alpha, beta] of [[1, 0], [1, 1], [0.5, 1], [1, 0.25], [-2, -1.5]]) {
        it(`transA=${transA} transB=${transB} alpha=${alpha} beta=${beta}`, () => {
          const A = randomF32(M * K, 1);
          const B = randomF32(K * N, 2);
          const C0 = randomF32(M * N, 3);
          const C = C0.slice();
          gemmBlasReference(transA, transB, M, N, K, alpha, A, B, beta, C);
          for (let m = 0; m < M; m++) {
            for (let n = 0; n < N; n++) {
              let want: number;
              if (!transB) {
                // axpy form: scale C, then add each product into it
                want = beta === 0 ? 0 : beta === 1 ? C0[m * N + n] : f(f(beta) * C0[m * N + n]);
                for (let k = 0; k < K; k++) want = f(want + f(f(f(alpha) * at(A, transA, M, K, m, k)) * at(B, false, K, N, k, n)));
              } else {
                let t = 0;
                for (let k = 0; k < K; k++) t = f(t + f(at(A, transA, M, K, m, k) * at(B, true, K, N, k, n)));
                want = beta === 0 ? f(f(alpha) * t) : f(f(f(alpha) * t) + f(f(beta) * C0[m * N + n]));
              }
              expect(C[m * N + n]).toBe(want);
            }
          }
        });
      }
    }
  }

  it('with no transposition, alpha 1 and beta 0 it is gemmReference (dlib\'s conv and fc forward)', () => {
    const A = randomF32(M * K, 4);
    const B = randomF32(K * N, 5);
    const C1 = new Float32Array(M * N);
    const C2 = new Float32Array(M * N).fill(7);
    gemmReference(M, N, K, A, B, C1);
    gemmBlasReference(false, false, M, N, K, 1, A, B, 0, C2);
    expect(C2).toEqual(C1);
  });

  it('rejects arrays too small for the shapes', () => {
    expect(() => gemmBlasReference(false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4))).toThrow(/too small/);
  });
});
