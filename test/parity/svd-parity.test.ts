/**
 * src/linalg/svd-lapack.ts and src/geometry/point-transforms.ts against live dlib, bit for bit:
 * dlib's svd of matrix<double,2,2> (which in the LAPACK-enabled dlib is LAPACK's dgesvd) and
 * find_similarity_transform (with dlib::vector<double,2>, dlib::vector<float,2> and dlib::point
 * inputs), via the harness commands `svd-small` and `similarity-transform`
 * (test/parity/geometry.cpp). Thousands of cases go to
 * one harness call through a case file; every printed double (%.17g, which JSON.parse reads back
 * exactly, signed zeros included) must equal ours.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findSimilarityTransform, type Point } from '../../src/geometry/index.js';
import { det2, mat } from '../../src/linalg/matrix.js';
import { svd } from '../../src/linalg/svd.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { rng } from '../helpers/random.js';
import { describeParity, scratchDir } from './helpers.js';

interface DlibSvd { u: (number | string)[]; w: (number | string)[]; v: (number | string)[]; det: number | string }
interface DlibAffine { m: (number | string)[]; b: (number | string)[] }

/** Shortest round-trip text of a double, keeping the sign of zero (String(-0) is "0"). */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** A double as the harness prints it: the number, or String() of a non-finite one. */
const json = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

function runCases<T>(command: string, lines: string[]): T[] {
  const file = join(scratchDir(command), 'cases.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const out = runHarnessJson<T>([command, file]);
  expect(out.length).toBe(lines.length);
  return out;
}

/** Random 2x2 matrices of many kinds, seeded. */
function matrices(): number[][] {
  const next = rng(2024);
  const uni = () => next() * 2 - 1;
  const wide = () => (next() < 0.5 ? -1 : 1) * 10 ** (next() * 16 - 8);
  const int = (k: number) => Math.floor(next() * (2 * k + 1)) - k;
  const out: number[][] = [];
  for (let i = 0; i < 1500; i++) out.push([uni(), uni(), uni(), uni()]);
  for (let i = 0; i < 800; i++) out.push([wide(), wide(), wide(), wide()]);
  for (let i = 0; i < 600; i++) out.push([int(9), int(9), int(9), int(9)]);
  for (let i = 0; i < 600; i++) {
    // exactly singular: an outer product of small integers (every product exact)
    const [p, q, r, s] = [int(20), int(20), int(20), int(20)];
    out.push([p * r, p * s, q * r, q * s]);
  }
  for (let i = 0; i < 800; i++) {
    // ill-conditioned: rank 1 plus a perturbation of relative size 1e-16 .. 1e-4
    const [p, q, r, s] = [uni(), uni(), uni(), uni()];
    const e = 10 ** -(4 + next() * 12);
    out.push([p * r + e * uni(), p * s + e * uni(), q * r + e * uni(), q * s + e * uni()]);
  }
  for (let i = 0; i < 300; i++) {
    // nearly a multiple of a rotation or reflection (what covariances of similar shapes look like)
    const th = uni() * Math.PI;
    const sc = 10 ** (next() * 6 - 3);
    const e = 10 ** -(2 + next() * 14);
    const refl = next() < 0.3 ? -1 : 1;
    out.push([sc * Math.cos(th) + e * uni(), -sc * Math.sin(th) + e * uni(), refl * sc * Math.sin(th) + e * uni(), refl * sc * Math.cos(th) + e * uni()]);
  }
  for (let i = 0; i < 200; i++) {
    // zeros in random places, diagonal and triangular matrices, signed zeros
    const m = [uni(), uni(), uni(), uni()];
    for (let k = 0; k < 4; k++) if (next() < 0.4) m[k] = next() < 0.5 ? 0 : -0;
    out.push(m);
  }
  // extreme scales (dgesvd's DLASCL scaling) and a few fixed ones
  for (let i = 0; i < 100; i++) {
    const sc = next() < 0.5 ? 10 ** -(140 + next() * 160) : 10 ** (140 + next() * 160);
    out.push([uni() * sc, uni() * sc, uni() * sc, uni() * sc]);
  }
  out.push([0, 0, 0, 0], [-0, -0, -0, -0], [1, 0, 0, 1], [1, 0, 0, 2], [2, 0, 0, 1], [0, 1, 1, 0], [0, -1, 1, 0], [1, 1, 1, 1], [1, 2, 3, 4], [3, 1, -2, 5], [1e-310, 0, 0, 1e-310], [Number.MIN_VALUE, 0, 0, 1]);
  return out;
}

/** 68 points roughly where a face's landmarks are (dlib's mean face, as in chips.ts, stretched), as integers. */
function faceLike(next: () => number, n: number): Point[] {
  const cx = 100 + next() * 1000;
  const cy = 100 + next() * 800;
  const size = 20 + next() * 400;
  const th = (next() * 2 - 1) * 0.6;
  const pts: Point[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.cos((i / n) * 2 * Math.PI) * 0.5 * (0.6 + 0.4 * next());
    const v = Math.sin((i / n) * 2 * Math.PI) * 0.6 * (0.6 + 0.4 * next());
    pts.push([Math.round(cx + size * (Math.cos(th) * u - Math.sin(th) * v)), Math.round(cy + size * (Math.sin(th) * u + Math.cos(th) * v))]);
  }
  return pts;
}

interface SimCase { kind: 'd' | 'f' | 'p'; from: Point[]; to: Point[] }

function similarityCases(): SimCase[] {
  const next = rng(4242);
  const uni = () => next() * 2 - 1;
  const f32 = Math.fround;
  const cases: SimCase[] = [];
  // get_face_chip_details: template points (doubles in [0, 1], as chips.ts's templates) to integer
  // landmark positions, 68 and 5 points
  for (let i = 0; i < 1000; i++) {
    const n = i % 2 === 0 ? 68 : 5;
    const to = faceLike(next, n);
    const from: Point[] = to.map(() => [next(), next()]);
    cases.push({ kind: 'd', from, to });
  }
  // a template and a noisy similarity image of it (the real geometry: nearly a rotation)
  for (let i = 0; i < 1000; i++) {
    const n = [2, 3, 5, 68][i % 4];
    const from: Point[] = Array.from({ length: n }, () => [next(), next()]);
    const s = 10 ** (next() * 3);
    const th = uni() * Math.PI;
    const noise = next() < 0.5 ? 0 : 10 ** (next() * 3 - 3);
    const to: Point[] = from.map(([x, y]) => [Math.round(500 + s * (Math.cos(th) * x - Math.sin(th) * y) + noise * uni()), Math.round(400 + s * (Math.sin(th) * x + Math.cos(th) * y) + noise * uni())]);
    cases.push({ kind: 'd', from, to });
  }
  // fully random doubles, mirrored sets (det(cov) < 0)
  for (let i = 0; i < 600; i++) {
    const n = 2 + Math.floor(next() * 70);
    const from: Point[] = Array.from({ length: n }, () => [uni() * 100, uni() * 100]);
    const to: Point[] = i % 3 === 0 ? from.map(([x, y]) => [-x * 2 + uni() * 1e-3, y * 2 + 5]) : Array.from({ length: n }, () => [uni() * 100, uni() * 100]);
    cases.push({ kind: 'd', from, to });
  }
  // the shape predictor: vector<float,2> (values that are floats already), 68 points
  for (let i = 0; i < 500; i++) {
    const from: Point[] = Array.from({ length: 68 }, () => [f32(uni() * 0.5 + 0.5), f32(uni() * 0.5 + 0.5)]);
    const s = 0.8 + 0.4 * next();
    const th = uni() * 0.3;
    const to: Point[] = from.map(([x, y]) => [f32(s * (Math.cos(th) * x - Math.sin(th) * y) + 0.01 * uni()), f32(s * (Math.sin(th) * x + Math.cos(th) * y) + 0.01 * uni())]);
    cases.push({ kind: 'f', from, to });
  }
  // a shape mapped to itself (the shape predictor's first cascade starts at from == to): dlib's
  // answer is not exactly the identity (e.g. m10 ~ -1e-20), and ours must not be either
  for (let i = 0; i < 200; i++) {
    const n = [3, 5, 68, 68][i % 4];
    const pts: Point[] = Array.from({ length: n }, () => [f32(next()), f32(next())]);
    cases.push({ kind: i % 2 === 0 ? 'f' : 'd', from: pts, to: pts.map(([x, y]) => [x, y]) });
  }
  // dlib::point (long) inputs
  for (let i = 0; i < 400; i++) {
    const n = [2, 3, 5, 68][i % 4];
    cases.push({ kind: 'p', from: faceLike(next, n), to: faceLike(next, n) });
  }
  // degenerate sets: coincident points, collinear points, zero spread on either side
  const line = (k: number, a: number, b: number): Point[] => Array.from({ length: k }, (_, j) => [a * j, b * j]);
  const degenerate: [Point[], Point[]][] = [
    [[[3, 4], [3, 4], [3, 4]], [[0, 0], [1, 0], [0, 1]]],
    [[[0, 0], [1, 0], [0, 1]], [[5, 6], [5, 6], [5, 6]]],
    [[[1, 1], [1, 1]], [[2, 2], [2, 2]]],
    [line(5, 1, 2), line(5, 3, -1)],
    [line(5, 1, 2), [[0, 0], [1, 0], [0, 1], [1, 1], [2, 2]]],
    [[[0, 0], [1, 0], [0, 1], [1, 1]], line(4, 2, 2)],
    [[[0, 0], [2, 0]], [[0, 0], [0, 2]]],
    [[[0, 0], [2, 0]], [[0, 0], [-2, 0]]],
    [[[0, 0], [1, 0], [0, 1]], [[0, 0], [-1, 0], [0, 1]]],
    [[[0, 0], [1, 0], [0, 1]], [[0, 0], [0, 1], [1, 0]]],
  ];
  for (const [from, to] of degenerate) for (const kind of ['d', 'p'] as const) cases.push({ kind, from, to });
  return cases;
}

describeParity('dlib small SVD and find_similarity_transform, bit for bit', () => {
  it('svd of matrix<double,2,2>: u, w, v and det identical to dlib\'s for every case', () => {
    const ms = matrices();
    const want = runCases<DlibSvd>('svd-small', ms.map((m) => `2 2 ${m.map(num).join(' ')}`));
    let identical = 0;
    const bad: string[] = [];
    ms.forEach((m, i) => {
      const a = mat(2, 2, m);
      const r = svd(a);
      const got = { u: [...r.u.data].map(json), w: [...r.w].map(json), v: [...r.v.data].map(json), det: json(det2(a)) };
      let same = true;
      try {
        expect(got).toEqual(want[i]);
      } catch {
        same = false;
      }
      if (same) identical++;
      else if (bad.length < 5) bad.push(`[${m.map(num).join(', ')}]: got ${JSON.stringify(got)} want ${JSON.stringify(want[i])}`);
    });
    expect(bad, `${identical} of ${ms.length} identical`).toEqual([]);
    expect(identical).toBe(ms.length);
    expect(ms.length).toBeGreaterThan(4000);
  });

  it('find_similarity_transform: m and b identical to dlib\'s for every case (double, float and point inputs)', () => {
    const cases = similarityCases();
    const lines = cases.map(({ kind, from, to }) => `${kind} ${from.length} ${[...from.flat(), ...to.flat()].map(num).join(' ')}`);
    const want = runCases<DlibAffine>('similarity-transform', lines);
    let identical = 0;
    const bad: string[] = [];
    cases.forEach(({ kind, from, to }, i) => {
      const got = findSimilarityTransform(from, to);
      let same = true;
      try {
        expect({ m: got.m.map(json), b: got.b.map(json) }).toEqual(want[i]);
      } catch {
        same = false;
      }
      if (same) identical++;
      else if (bad.length < 5) bad.push(`${kind} ${JSON.stringify([from, to]).slice(0, 200)}: got ${JSON.stringify(got)} want ${JSON.stringify(want[i])}`);
    });
    expect(bad, `${identical} of ${cases.length} identical`).toEqual([]);
    expect(identical).toBe(cases.length);
    expect(cases.length).toBeGreaterThan(3000);
  });
});
