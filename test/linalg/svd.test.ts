/**
 * Unit tests of src/linalg/ (no dlib needed): the LAPACK-path 2x2 SVD (svd-lapack.ts), dlib's own
 * svd4 (svd4.ts) and the choice between them (svd.ts). (find_similarity_transform:
 * test/geometry/point-transforms.test.ts.) Bit-for-bit agreement with live dlib is checked in
 * test/parity/svd-parity.test.ts; here the decompositions are checked for what any SVD must be
 * (a = u*diagm(w)*trans(v), orthonormal factors, non-negative values) and for dlib's conventions.
 */
import { describe, expect, it } from 'vitest';
import { det2, diagm, mat, matmul, transpose, type Mat, type Svd } from '../../src/linalg/matrix.js';
import { svdLapack2x2 } from '../../src/linalg/svd-lapack.js';
import { svd } from '../../src/linalg/svd.js';
import { svd3NoLapack, svd4 } from '../../src/linalg/svd4.js';
import { rng } from '../helpers/random.js';

const maxAbs = (m: Mat): number => m.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0);

function reconstruct(r: Svd, rows: number): Mat {
  // u may carry more columns than w has values (svd4 'full'); use the first w.length
  const n = r.w.length;
  const uk = mat(rows, n, Array.from({ length: rows * n }, (_, i) => r.u.data[Math.floor(i / n) * r.u.cols + (i % n)]));
  return matmul(matmul(uk, diagm(r.w)), transpose(r.v));
}

function expectSvdOf(a: Mat, r: Svd, label: string): void {
  const scale = Math.max(maxAbs(a), Number.MIN_VALUE);
  const b = reconstruct(r, a.rows);
  for (let i = 0; i < a.data.length; i++) expect(Math.abs(b.data[i] - a.data[i]) / scale, `${label}: a[${i}]`).toBeLessThan(1e-14);
  for (const x of r.w) expect(x, `${label}: w >= 0`).toBeGreaterThanOrEqual(0);
  // v is orthogonal; the first min(rows, cols) columns of u are orthonormal where w > 0
  const vtv = matmul(transpose(r.v), r.v);
  for (let i = 0; i < vtv.rows; i++) for (let j = 0; j < vtv.cols; j++) expect(Math.abs(vtv.data[i * vtv.cols + j] - (i === j ? 1 : 0)), `${label}: v^T v`).toBeLessThan(1e-14);
  const utu = matmul(transpose(r.u), r.u);
  for (let i = 0; i < r.w.length; i++) {
    for (let j = 0; j < r.w.length; j++) {
      if (r.w[i] > 0 && r.w[j] > 0) expect(Math.abs(utu.data[i * utu.cols + j] - (i === j ? 1 : 0)), `${label}: u^T u`).toBeLessThan(1e-14);
    }
  }
}

const random2x2 = (next: () => number): Mat => mat(2, 2, [next() * 2 - 1, next() * 2 - 1, next() * 2 - 1, next() * 2 - 1]);

describe('svdLapack2x2 (dlib svd of matrix<double,2,2>, LAPACK dgesvd path)', () => {
  it('decomposes random matrices; values sorted decreasingly', () => {
    const next = rng(11);
    for (let t = 0; t < 2000; t++) {
      const a = random2x2(next);
      const r = svdLapack2x2(a);
      expectSvdOf(a, r, `case ${t}`);
      expect(r.w[0]).toBeGreaterThanOrEqual(r.w[1]);
      expect(r.u.rows * r.u.cols + r.v.rows * r.v.cols).toBe(8);
    }
  });

  it('diagonal matrices: exact values, sorted, permutation factors', () => {
    const r = svdLapack2x2(mat(2, 2, [1, 0, 0, 2]));
    expect([...r.w]).toEqual([2, 1]);
    expect(Math.abs(r.u.data[1])).toBe(1);
    expect(Math.abs(r.v.data[1])).toBe(1);
    expectSvdOf(mat(2, 2, [1, 0, 0, 2]), r, 'diag(1, 2)');
    const s = svdLapack2x2(mat(2, 2, [-3, 0, 0, 0.5]));
    expect([...s.w]).toEqual([3, 0.5]);
    expectSvdOf(mat(2, 2, [-3, 0, 0, 0.5]), s, 'diag(-3, 0.5)');
  });

  it('the zero matrix: w = 0, u = v = identity', () => {
    const r = svdLapack2x2(mat(2, 2, [0, 0, 0, 0]));
    expect([...r.w]).toEqual([0, 0]);
    expect([...r.u.data].map((x) => x + 0)).toEqual([1, 0, 0, 1]);
    expect([...r.v.data].map((x) => x + 0)).toEqual([1, 0, 0, 1]);
  });

  it('rank 1 and negative determinant', () => {
    const rank1 = [[1, 2, 2, 4], [3, -6, -1, 2], [0, 5, 0, 7], [2, 0, 3, 0]];
    // the tiny and huge ones go through dgesvd's scaling (DLASCL)
    const others = [[1, 2, 3, 4], [0, 1, 1, 0], [1e-300, 2e-300, 3e-300, 4e-300], [1e300, -2e300, 3e299, 4e300]];
    for (const values of [...rank1, ...others]) {
      const a = mat(2, 2, values);
      const r = svdLapack2x2(a);
      expectSvdOf(a, r, values.join(','));
      expect(r.w[0]).toBeGreaterThanOrEqual(r.w[1]);
      if (rank1.includes(values)) expect(r.w[1] / r.w[0]).toBeLessThan(1e-15);
      if (det2(a) < 0) expect(det2(r.u) * det2(r.v)).toBeLessThan(0);
    }
  });

  it('svd() defaults to the LAPACK path and rejects other sizes there', () => {
    const a = mat(2, 2, [1, 2, 3, 4]);
    expect(svd(a)).toEqual(svdLapack2x2(a));
    expect(() => svd(mat(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1]))).toThrow(RangeError);
  });
});

describe('svd4 (dlib svd4 without LAPACK)', () => {
  it('decomposes random m x n matrices (m >= n) in skinny, full and v-only modes', () => {
    const next = rng(12);
    for (let t = 0; t < 400; t++) {
      const n = 1 + Math.floor(next() * 4);
      const m = n + Math.floor(next() * 3);
      const a = mat(m, n, Array.from({ length: m * n }, () => next() * 2 - 1));
      const skinny = svd4('skinny', true, a);
      expect([skinny.u.rows, skinny.u.cols, skinny.q.length, skinny.v.rows, skinny.retval]).toEqual([m, n, n, n, 0]);
      expectSvdOf(a, { u: skinny.u, w: skinny.q, v: skinny.v }, `skinny ${m}x${n} #${t}`);
      const full = svd4('full', true, a);
      expect([full.u.rows, full.u.cols]).toEqual([m, m]);
      expectSvdOf(a, { u: full.u, w: full.q, v: full.v }, `full ${m}x${n} #${t}`);
      // the full u is orthogonal
      const utu = matmul(transpose(full.u), full.u);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expect(Math.abs(utu.data[i * m + j] - (i === j ? 1 : 0))).toBeLessThan(1e-14);
      // the singular values do not depend on whether u and v are accumulated
      expect([...svd4('none', false, a).q]).toEqual([...skinny.q]);
    }
  });

  it('does not sort the singular values (dlib leaves them in the order QR finds them)', () => {
    const r = svd4('skinny', true, mat(2, 2, [1, 0, 0, 2]));
    expect([...r.q]).toEqual([1, 2]);
    // the Householder steps flip both columns of u; making q(k) non-negative flips v's
    expect([...r.u.data].map((x) => x + 0)).toEqual([-1, 0, 0, -1]);
    expect([...r.v.data].map((x) => x + 0)).toEqual([-1, 0, 0, -1]);
  });

  it('degenerate matrices: zero, rank 1, diagonal with zeros, negative determinant', () => {
    const cases: [number, number, number[]][] = [
      [2, 2, [0, 0, 0, 0]],
      [3, 3, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
      [2, 2, [1, 2, 2, 4]],
      [3, 2, [1, 2, 2, 4, 3, 6]],
      [3, 3, [2, 0, 0, 0, 0, 0, 0, 0, -5]],
      [2, 2, [0, 1, 1, 0]],
      [2, 2, [3, 1, 1, -3]],
    ];
    for (const [m, n, values] of cases) {
      const a = mat(m, n, values);
      const r = svd4('skinny', true, a);
      expect(r.retval).toBe(0);
      expectSvdOf(a, { u: r.u, w: r.q, v: r.v }, `${m}x${n} ${values.join(',')}`);
    }
    expect([...svd4('skinny', true, mat(2, 2, [0, 0, 0, 0])).q]).toEqual([0, 0]);
  });

  it('svd3NoLapack handles wide matrices through the transpose, padding w and u', () => {
    const a = mat(2, 3, [1, 2, 3, 4, 5, 6]);
    const r = svd3NoLapack(a);
    expect([r.u.rows, r.u.cols, r.w.length, r.v.rows, r.v.cols]).toEqual([2, 3, 3, 3, 3]);
    expect(r.w[2]).toBe(0);
    expectSvdOf(a, r, '2x3');
    expect(svd(mat(3, 2, [1, 2, 3, 4, 5, 6]), { lapack: false }).w.length).toBe(2);
  });

  it('rejects m < n', () => {
    expect(() => svd4('skinny', true, mat(2, 3, [1, 2, 3, 4, 5, 6]))).toThrow(RangeError);
  });
});
