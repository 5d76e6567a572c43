/**
 * The k-nearest-neighbour kernel (assembly/knn.ts through WasmFaceIndex) against its reference
 * (knnReference: float64 distances in numpy's order, ties by index): the same rows and the same
 * distances, bit for bit, on descriptors spread like dlib's, with duplicate rows (ties), rows
 * within a few float steps of each other (where the kernel's float sums cannot order them and
 * the re-ranking must), k from 1 to beyond n, descriptors added in batches, and the fallback
 * when the candidates overflow.
 */
import { describe, expect, it } from 'vitest';
import { syntheticDescriptors } from '../../bench/cluster.js';
import { faceDistance } from '../../src/gallery/distance.js';
import { knnReference } from '../../src/gallery/knn.js';
import { WasmFaceIndex } from '../../src/gallery/knn-wasm.js';
import { rng } from '../helpers/random.js';

const DIMS = 128;
const row = (flat: Float32Array, i: number): Float32Array => flat.subarray(i * DIMS, (i + 1) * DIMS);

describe('WasmFaceIndex.search = knnReference', () => {
  it('loads the kernel here', () => {
    expect(new WasmFaceIndex().note).toBeUndefined();
  });

  it('on 5,000 descriptors spread like dlib\'s, with duplicates and near-ties, for k = 1, 7, 100 and more than n', () => {
    const n = 5000;
    const flat = syntheticDescriptors(n, 300, 11);
    // duplicates of row 10 at 20 and 4000 (exact ties), and rows a float step away from row 30
    flat.copyWithin(20 * DIMS, 10 * DIMS, 11 * DIMS);
    flat.copyWithin(4000 * DIMS, 10 * DIMS, 11 * DIMS);
    const r = rng(5);
    for (const at of [31, 32, 2500, 4999]) {
      flat.copyWithin(at * DIMS, 30 * DIMS, 31 * DIMS);
      const k = Math.floor(r() * DIMS);
      const u = new Uint32Array(flat.buffer, (at * DIMS + k) * 4, 1);
      u[0]! += at % 2 === 0 ? 1 : 2;
    }
    const index = new WasmFaceIndex(16);
    index.add(flat.subarray(0, 1234 * DIMS));
    index.add(flat.subarray(1234 * DIMS));
    expect(index.size).toBe(n);
    expect(index.descriptors()).toEqual(flat);
    const queries = [row(flat, 10), row(flat, 30), ...Array.from({ length: 6 }, (_, q) => row(syntheticDescriptors(1, 300, 100 + q), 0))];
    let compared = 0;
    for (const q of queries) {
      for (const k of [1, 7, 100, n + 3]) {
        const want = knnReference(q, flat, n, DIMS, k);
        expect(index.search(q, k)).toEqual(want);
        expect(want).toHaveLength(Math.min(k, n));
        compared++;
      }
    }
    expect(compared).toBe(32);
    // the ties come back by index; the near-ties in their exact order
    expect(index.search(row(flat, 10), 3).map((x) => x.index)).toEqual([10, 20, 4000]);
    const near = index.search(row(flat, 30), 5);
    expect(near[0]).toEqual({ index: 30, distance: 0 });
    expect(near.slice(1).map((x) => x.index).sort((a, b) => a - b)).toEqual([31, 32, 2500, 4999]);
    for (const x of near) expect(x.distance).toBe(faceDistance(row(flat, 30), row(flat, x.index)));
  });

  it('falls back to the reference when more rows than the candidate list holds tie (70,000 equal rows)', () => {
    const n = 70000;
    const one = syntheticDescriptors(1, 1, 3);
    const flat = new Float32Array(n * DIMS);
    for (let i = 0; i < n; i++) flat.set(one, i * DIMS);
    flat[DIMS * 69999]! += 0.5; // the last row differs
    const index = new WasmFaceIndex(n);
    index.add(flat);
    const q = row(syntheticDescriptors(1, 1, 4), 0);
    const got = index.search(q, 2);
    expect(got).toEqual(knnReference(q, flat, n, DIMS, 2));
    expect(got.map((x) => x.index)).toEqual([0, 1]);
  });

  it('refuses a query of the wrong length and non-finite descriptors', () => {
    const index = new WasmFaceIndex();
    expect(() => index.search([1, 2], 1)).toThrow(/a query of 2 values/);
    expect(() => index.add(new Float32Array(128).fill(NaN))).toThrow(/not finite/);
    expect(index.search(new Float32Array(128), 3)).toEqual([]);
  });
});
