/**
 * Unit tests of src/geometry/point-transforms.ts (no dlib needed): find_similarity_transform
 * recovers similarities, keeps rotations proper, handles degenerate inputs, and its flat variant
 * agrees; applyAffine is m*p + b. Bit-for-bit agreement with live dlib is checked in
 * test/parity/svd-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applyAffine, findSimilarityTransform, findSimilarityTransformFlat } from '../../src/geometry/index.js';
import { rng } from '../helpers/random.js';

describe('applyAffine (point_transform_affine)', () => {
  it('is m*p + b', () => {
    expect(applyAffine({ m: [1, 2, 3, 4], b: [10, 20] }, [5, 6])).toEqual([1 * 5 + 2 * 6 + 10, 3 * 5 + 4 * 6 + 20]);
  });
});

describe('findSimilarityTransform (dlib find_similarity_transform)', () => {
  const apply = (t: { m: number[]; b: number[] }, [x, y]: readonly [number, number]): [number, number] => [t.m[0] * x + t.m[1] * y + t.b[0], t.m[2] * x + t.m[3] * y + t.b[1]];

  it('recovers an exact similarity from 3 or more points, with both LAPACK and non-LAPACK SVDs', () => {
    // (With 2 points cov has rank 1; its computed det can come out positive or negative, so
    // dlib's sign test may or may not fire and the result can be a reflection.)
    const next = rng(13);
    for (let t = 0; t < 200; t++) {
      const n = 3 + Math.floor(next() * 70);
      const from = Array.from({ length: n }, () => [next() * 100, next() * 100] as const);
      const s = 0.1 + next() * 3;
      const th = (next() * 2 - 1) * Math.PI;
      const tx = next() * 50 - 25;
      const ty = next() * 50 - 25;
      const want = { m: [s * Math.cos(th), -s * Math.sin(th), s * Math.sin(th), s * Math.cos(th)], b: [tx, ty] };
      const to = from.map((p) => apply(want, p));
      for (const lapack of [true, false]) {
        const got = findSimilarityTransform(from, to, { lapack });
        for (let i = 0; i < 4; i++) expect(Math.abs(got.m[i] - want.m[i]), `m[${i}] case ${t}`).toBeLessThan(1e-12);
        for (let i = 0; i < 2; i++) expect(Math.abs(got.b[i] - want.b[i]), `b[${i}] case ${t}`).toBeLessThan(1e-10);
      }
    }
  });

  it('a mirrored point set still gives a rotation (det(m) > 0), not a reflection', () => {
    const from: [number, number][] = [[0, 0], [4, 0], [0, 2], [3, 3], [1, 5]];
    const to = from.map(([x, y]) => [-x, y] as [number, number]);
    const t = findSimilarityTransform(from, to);
    expect(t.m[0] * t.m[3] - t.m[1] * t.m[2]).toBeGreaterThan(0);
    expect(t.m[0]).toBeCloseTo(t.m[3], 12);
    expect(t.m[1]).toBeCloseTo(-t.m[2], 12);
  });

  it('degenerate inputs: coincident from points (scale 1), coincident to points (scale 0)', () => {
    const same = findSimilarityTransform([[3, 4], [3, 4], [3, 4]], [[0, 0], [1, 0], [0, 1]]);
    // sigma_from == 0: c = 1 and cov = 0, so r = u*trans(v) = identity
    expect(same.m).toEqual([1, 0, 0, 1]);
    expect(same.b).toEqual([1 / 3 - 3, 1 / 3 - 4]);
    const collapse = findSimilarityTransform([[0, 0], [1, 0], [0, 1]], [[5, 6], [5, 6], [5, 6]]);
    expect(collapse.m.map(Math.abs)).toEqual([0, 0, 0, 0]);
    expect(collapse.b).toEqual([5, 6]);
  });

  it('the flat variant (x0, y0, x1, y1, ...) gives the identical result', () => {
    const next = rng(14);
    for (let t = 0; t < 200; t++) {
      const n = 2 + Math.floor(next() * 70);
      const from = Array.from({ length: n }, () => [next() * 100, next() * 100] as [number, number]);
      const to = Array.from({ length: n }, () => [Math.round(next() * 500), Math.round(next() * 500)] as [number, number]);
      for (const lapack of [true, false]) {
        expect(findSimilarityTransformFlat(Float32Array.from(from.flat()).map((x) => x), to.flat(), { lapack })).toEqual(findSimilarityTransform(from.map(([x, y]) => [Math.fround(x), Math.fround(y)] as [number, number]), to, { lapack }));
      }
    }
  });

  it('rejects fewer than two points and unequal counts', () => {
    expect(() => findSimilarityTransform([[0, 0]], [[1, 1]])).toThrow(RangeError);
    expect(() => findSimilarityTransform([[0, 0], [1, 1]], [[1, 1]])).toThrow(RangeError);
    expect(() => findSimilarityTransformFlat([0, 0, 1, 1], [0, 0, 1])).toThrow(RangeError);
    expect(() => findSimilarityTransformFlat([0, 0], [1, 1])).toThrow(RangeError);
  });
});

describe('findSimilarityTransform (as face chips fit it)', () => {
  it('recovers an exact similarity (scale 2, rotation 30 degrees, translation)', () => {
    const a = Math.PI / 6;
    const from: [number, number][] = [[0, 0], [10, 0], [3, 7], [-4, 2]];
    const to = from.map(([x, y]) => [2 * (Math.cos(a) * x - Math.sin(a) * y) + 5, 2 * (Math.sin(a) * x + Math.cos(a) * y) - 3] as [number, number]);
    const t = findSimilarityTransform(from, to);
    expect(t.m[0]).toBeCloseTo(2 * Math.cos(a), 12);
    expect(t.m[2]).toBeCloseTo(2 * Math.sin(a), 12);
    expect(t.m[1]).toBeCloseTo(-2 * Math.sin(a), 12);
    expect(t.b[0]).toBeCloseTo(5, 12);
    expect(t.b[1]).toBeCloseTo(-3, 12);
  });
  it('a mirrored point set still gets a proper rotation (dlib\'s sign fix)', () => {
    const from: [number, number][] = [[0, 0], [1, 0], [0, 1]];
    const to: [number, number][] = [[0, 0], [1, 0], [0, -1]];
    const t = findSimilarityTransform(from, to);
    expect(t.m[0] * t.m[3] - t.m[1] * t.m[2]).toBeGreaterThan(0);
  });
});
