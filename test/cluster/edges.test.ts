/**
 * faceEdges / buildFaceEdgesFast (the blocked SIMD edge kernel) against buildFaceEdges (dlib's
 * float arithmetic on every pair): identical edge lists, in the same order, on random, clustered
 * and adversarial descriptor sets (many pairs within 1e-6 of the threshold, and pairs whose float
 * length is the float just below or at the threshold).
 */
import { describe, expect, it } from 'vitest';
import { buildFaceEdges, buildFaceEdgesFast, dlibFloatDistance, faceEdges, wasmFaceEdgesAvailable } from '../../src/cluster/index.js';
import { FacemetricError } from '../../src/errors.js';
import { edgeBounds } from '../../src/cluster/edges-wasm.js';
import { rng } from '../helpers/random.js';

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Descriptors spread like dlib's: a common mean (norm about 1.36), identity offsets (sd `idSd`
 * per dimension) and within-identity noise (sd `noise`); same-person distances about 16 * noise.
 */
function clustered(n: number, ids: number, seed: number, idSd = 0.047, noise = 0.025): Float32Array[] {
  const r = rng(seed);
  const mean = Array.from({ length: 128 }, () => gauss(r) * 0.12);
  const centres = Array.from({ length: Math.max(1, ids) }, () => mean.map((m) => m + gauss(r) * idSd));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * centres.length)];
    return Float32Array.from(c, (v) => v + gauss(r) * noise);
  });
}

function uniform(n: number, seed: number, scale: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: 128 }, () => (r() - 0.5) * scale));
}

/** A unit vector (in double) of 128 Gaussian components. */
function direction(r: () => number): number[] {
  const u = Array.from({ length: 128 }, () => gauss(r));
  const norm = Math.hypot(...u);
  return u.map((v) => v / norm);
}

/**
 * Adversarial set: for each of `bases` random descriptors a, `per` descriptors b = a + u * t (1 + e)
 * with |e| <= 1e-6, so that every (a, b) pair lies within about 1e-6 of the threshold t, plus, for
 * some bases, a b tuned until dlib's float length is exactly the float just below fround(t), at
 * fround(t), or just above.
 */
function adversarial(bases: number, per: number, t: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const out: Float32Array[] = [];
  const fT = Math.fround(t);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const neighbour = (v: number, step: number): number => {
    f32[0] = v;
    u32[0] += step;
    return f32[0];
  };
  const targets = [neighbour(fT, -1), fT, neighbour(fT, 1)];
  for (let g = 0; g < bases; g++) {
    const a = Float32Array.from({ length: 128 }, () => 0.12 * gauss(r));
    out.push(a);
    for (let m = 0; m < per; m++) {
      const u = direction(r);
      const s = t * (1 + (r() * 2 - 1) * 1e-6);
      out.push(Float32Array.from(a, (v, k) => v + u[k] * s));
    }
    // hit exact float lengths by nudging one component of b until the length lands on the target
    const target = targets[g % 3];
    const u = direction(r);
    const b = Float32Array.from(a, (v, k) => v + u[k] * target);
    for (let tries = 0; tries < 200 && dlibFloatDistance(a, b) !== target; tries++) {
      const k = Math.floor(r() * 128);
      b[k] = neighbour(b[k], (dlibFloatDistance(a, b) < target) === (b[k] >= a[k]) ? 1 : -1);
    }
    out.push(b);
  }
  return out;
}

function expectSame(d: readonly ArrayLike<number>[], threshold = 0.6, blockRows?: number): number {
  const want = buildFaceEdges(d, threshold);
  const got = faceEdges(d, threshold, { blockRows });
  expect(got.faces).toBe(d.length);
  expect(got.count).toBe(want.length);
  expect(buildFaceEdgesFast(d, threshold, { blockRows })).toEqual(want);
  return got.rechecked;
}

describe('faceEdges (blocked SIMD kernel) gives buildFaceEdges\' edges', () => {
  it('uses the WebAssembly kernel here', () => {
    expect(wasmFaceEdgesAvailable()).toBe(true);
    expect(faceEdges(uniform(3, 1, 0.1)).backend).toBe('wasm');
  });

  it('random sets of 0..300 descriptors, sizes not multiples of the block, several block sizes', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 7, 31, 32, 33, 63, 97, 300]) {
      // scale 0.1: component sd 0.029, distances about 0.33..0.5, many under 0.6 and some over
      const d = uniform(n, n + 11, 0.1);
      for (const blockRows of [4, 8, 32, 64]) expectSame(d, 0.6, blockRows);
      expectSame(d, 0.45);
    }
  });

  it('clustered sets (dlib-like spread) at thresholds 0.3 .. 1.0 and degenerate ones', () => {
    for (const [n, ids, seed] of [[300, 40, 1], [477, 7, 2], [1200, 300, 3]] as const) {
      const d = clustered(n, ids, seed);
      for (const t of n > 1000 ? [0.6] : [0.3, 0.45, 0.5, 0.6, 0.75, 1.0]) expectSame(d, t);
    }
    const d = clustered(50, 5, 4);
    for (const t of [0, -1, 1e-30, 1e-3, 3, 1e30, Infinity]) expectSame(d, t);
    // duplicates: distance 0 everywhere
    const same = Array.from({ length: 9 }, () => d[0]);
    expectSame(same, 0.6);
    expectSame(same, 0);
  });

  it('adversarial sets: many pairs within 1e-6 of the threshold and exact float lengths at it', () => {
    for (const t of [0.6, 0.5, 0.37]) {
      const d = adversarial(30, 12, t, Math.round(t * 100));
      const want = buildFaceEdges(d, t);
      // the construction does put edges and non-edges within 1e-6 of t
      let nearEdges = 0;
      let nearNon = 0;
      const lengths = new Set<number>();
      for (let p = 0; p < d.length; p++) {
        for (let q = p + 1; q < d.length; q++) {
          const len = dlibFloatDistance(d[p], d[q]);
          lengths.add(len);
          if (Math.abs(len - t) <= 1e-6 * t) {
            if (len < t) nearEdges++;
            else nearNon++;
          }
        }
      }
      expect(nearEdges).toBeGreaterThan(50);
      expect(nearNon).toBeGreaterThan(50);
      // and float lengths exactly at fround(t) and at the floats either side of it
      const f32 = new Float32Array([Math.fround(t), Math.fround(t), Math.fround(t)]);
      const u32 = new Uint32Array(f32.buffer);
      u32[0] -= 1;
      u32[2] += 1;
      for (const len of f32) expect(lengths.has(len), `length ${len}`).toBe(true);
      const rechecked = expectSame(d, t);
      expect(rechecked).toBeGreaterThan(100);
    }
  });

  it('descriptor values with NaN or infinities give no edges for them, as in dlib', () => {
    const d = clustered(40, 4, 5);
    d[3] = Float32Array.from(d[3]);
    d[3][17] = NaN;
    d[8] = Float32Array.from(d[8]);
    d[8][0] = Infinity;
    d[9] = Float32Array.from(d[9]);
    d[9][127] = -Infinity;
    expectSame(d, 0.6);
    expect(faceEdges(d).pairs.every((v) => v !== 3)).toBe(true);
    // huge finite values (squares overflow float): no edge, as dlib's inf length
    const big = [Float32Array.from({ length: 128 }, () => 1e30), new Float32Array(128)];
    expectSame(big, 0.6);
    expectSame(big, Infinity);
  });

  it('accepts plain arrays, Float64Arrays and a flat Float32Array, with the same result', () => {
    const d = clustered(100, 10, 6);
    const want = buildFaceEdges(d);
    const flat = new Float32Array(100 * 128);
    d.forEach((v, k) => flat.set(v, k * 128));
    expect(buildFaceEdgesFast(flat)).toEqual(want);
    expect(buildFaceEdgesFast(d.map((v) => Array.from(v)))).toEqual(want);
    expect(buildFaceEdgesFast(d.map((v) => Float64Array.from(v)))).toEqual(want);
    // Float64 values that are not floats are rounded to float first, as dlibFloatDistance does
    const r = rng(7);
    const d64 = Array.from({ length: 60 }, () => Float64Array.from({ length: 128 }, () => (r() - 0.5) * 0.1));
    expect(buildFaceEdgesFast(d64)).toEqual(buildFaceEdges(d64));
    const compact = faceEdges(flat);
    expect(compact.pairs).toBeInstanceOf(Uint32Array);
    expect(compact.pairs.length).toBe(2 * want.length);
  });

  it('the reference backend gives the same edges', () => {
    const d = clustered(200, 20, 8);
    const ref = faceEdges(d, 0.6, { backend: 'reference' });
    expect(ref.backend).toBe('reference');
    expect(Array.from(ref.pairs)).toEqual(Array.from(faceEdges(d).pairs));
    expect(buildFaceEdgesFast(d, 0.6, { backend: 'reference' })).toEqual(buildFaceEdges(d));
  });

  it('rejects bad input', () => {
    const d = clustered(5, 1, 9);
    expect(() => faceEdges([...d, new Float32Array(127)])).toThrow(/descriptors\[5\] has 127 values, expected 128/);
    expect(() => faceEdges([new Float32Array(129)])).toThrow(FacemetricError);
    expect(() => faceEdges(new Float32Array(128 * 3 + 1))).toThrow(/n x 128 floats/);
    expect(() => faceEdges([undefined as unknown as Float32Array])).toThrow(/not an array of numbers/);
    expect(() => faceEdges(d, NaN)).toThrow(/threshold must be a number/);
    expect(() => faceEdges(d, 0.6, { blockRows: 6 })).toThrow(/multiple of 4/);
    expect(() => faceEdges(d, 0.6, { blockRows: 0 })).toThrow(/multiple of 4/);
    expect(() => faceEdges(d, 0.6, { backend: 'gpu' as 'wasm' })).toThrow(/backend/);
    // every pair is an edge here: 15 edges, over a cap of 10
    expect(() => faceEdges(d, 10, { maxEdges: 10 })).toThrow(/more than 10 edges/);
    expect(() => faceEdges(d, 10, { maxEdges: 10, backend: 'reference' })).toThrow(/more than 10 edges/);
    expect(faceEdges(d, 10, { maxEdges: 15 }).count).toBe(15);
  });

  it('bounds: lo < t^2 < hi, floats, within 1e-4 (relative), and lo capped below float overflow', () => {
    for (const t of [0.6, 0.5, 1e-3, 7, 1e-30]) {
      const { lo, hi } = edgeBounds(t);
      expect(Math.fround(lo)).toBe(lo);
      expect(Math.fround(hi)).toBe(hi);
      expect(lo).toBeLessThan(t * t);
      expect(hi).toBeGreaterThan(t * t);
      if (t >= 1e-3) {
        expect(lo / (t * t)).toBeGreaterThan(1 - 1.001e-4);
        expect(hi / (t * t)).toBeLessThan(1 + 1.001e-4);
      }
    }
    expect(edgeBounds(Infinity)).toEqual({ lo: 2 ** 126, hi: Infinity });
    expect(edgeBounds(1e30).lo).toBe(2 ** 126);
  });
});
