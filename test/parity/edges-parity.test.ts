/**
 * faceEdges (the blocked SIMD kernel) against live dlib: the harness's `face-edges` command
 * (dnn_face_recognition_ex.cpp's loop with dlib::length on matrix<float,0,1>) on a few thousand
 * random and clustered descriptors, and on a set with many lengths within 1e-6 of the threshold.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { faceEdges } from '../../src/cluster/index.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';
import { rng } from '../helpers/random.js';

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** n x 128 floats: a common mean, `ids` identity centres (sd idSd), within-identity noise. */
function clustered(n: number, ids: number, seed: number, idSd: number, noise: number): Float32Array {
  const r = rng(seed);
  const mean = Array.from({ length: 128 }, () => gauss(r) * 0.12);
  const centres = Array.from({ length: ids }, () => mean.map((m) => m + gauss(r) * idSd));
  const out = new Float32Array(n * 128);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * ids)];
    for (let k = 0; k < 128; k++) out[i * 128 + k] = c[k] + gauss(r) * noise;
  }
  return out;
}

/** n x 128 floats: bases a and points a + u * t (1 + e), |e| <= 1e-6, u a random unit vector. */
function nearThreshold(bases: number, per: number, t: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(bases * (per + 1) * 128);
  let row = 0;
  for (let g = 0; g < bases; g++) {
    const a = Array.from({ length: 128 }, () => 0.12 * gauss(r));
    out.set(a, 128 * row++);
    for (let m = 0; m < per; m++) {
      const u = Array.from({ length: 128 }, () => gauss(r));
      const norm = Math.hypot(...u);
      const s = (t * (1 + (r() * 2 - 1) * 1e-6)) / norm;
      out.set(a.map((v, k) => v + u[k] * s), 128 * row++);
    }
  }
  return out;
}

function dlibEdges(dir: string, name: string, flat: Float32Array, threshold: number): number[] {
  const file = join(dir, `${name}.f32`);
  writeFileSync(file, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
  const [want] = runHarnessJson<{ faces: number; edges: [number, number][] }>(['face-edges', file, '--threshold', String(threshold)], { timeoutMs: 300_000 });
  expect(want.faces).toBe(flat.length / 128);
  return want.edges.flat();
}

describeParity('faceEdges vs dlib (face-edges: dnn_face_recognition_ex.cpp\'s edges)', () => {
  const sets: [string, () => Float32Array, number[]][] = [
    ['2000 random (one Gaussian cloud, about 5% of pairs closer than 0.6)', () => clustered(2000, 1, 11, 0, 0.042), [0.6, 0.55]],
    ['3000 clustered (300 people, dlib-like spread)', () => clustered(3000, 300, 12, 0.047, 0.025), [0.6, 0.45]],
    ['1500 near the threshold (1e-6)', () => nearThreshold(100, 14, 0.6, 13), [0.6]],
  ];
  for (const [name, make, thresholds] of sets) {
    it(`${name}: dlib's edges, in dlib's order`, () => {
      const flat = make();
      const dir = scratchDir('edges');
      for (const t of thresholds) {
        const want = dlibEdges(dir, name.split(' ')[0] + '-' + t, flat, t);
        const got = faceEdges(flat, t);
        expect(got.backend).toBe('wasm');
        expect(got.count, `threshold ${t}`).toBe(want.length / 2);
        // more than the n self-edges: pairs of distinct faces are in the graph
        expect(got.count).toBeGreaterThan(1.2 * got.faces);
        expect(Array.from(got.pairs), `threshold ${t}`).toEqual(want);
        if (name.includes('near')) expect(got.rechecked).toBeGreaterThan(1000);
      }
    });
  }
});
