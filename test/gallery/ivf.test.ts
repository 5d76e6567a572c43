/**
 * The approximate index (src/gallery/ivf.ts; kernel assembly/ivf.ts through knn-wasm.ts):
 * - the centroid kernel gives nearestCentroidsReference's cells bit for bit (odd row counts,
 *   cell counts that are not a multiple of 4, exact ties between centroids: the lowest wins);
 * - k-means finds well-separated clusters, deterministically;
 * - every row queried by itself with one probe is found at distance 0 (its cell is the one its
 *   query ranks first), also for rows added after the index was built;
 * - probing every cell gives knnReference's answer exactly; the reference and the WebAssembly
 *   index give the same answers at every probe count; the index retrains as it grows;
 * - Gallery.search({ approximate }) with every cell probed equals the exact search; bad options.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticDescriptors } from '../../bench/cluster.js';
import { Gallery, INDEX_MIN_FACES } from '../../src/gallery/gallery.js';
import { identifyDescriptor } from '../../src/gallery/identify.js';
import {
  ApproximateFaceIndex, centroidNorms, defaultCells, defaultProbes, laneDot, nearestCentroidsReference, permuteRowsInPlace, trainCentroids,
} from '../../src/gallery/ivf.js';
import { knnReference } from '../../src/gallery/knn.js';
import { WasmFaceIndex, wasmApproximateFaceIndex } from '../../src/gallery/knn-wasm.js';

const DIMS = 128;

afterEach(() => {
  Gallery.indexMinFaces = INDEX_MIN_FACES;
});

/** Rows of a fixed pseudo-random generator (xorshift), uniform in [-0.5, 0.5). */
function randomRows(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n * DIMS);
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x / 2 ** 32 - 0.5;
  }
  return out;
}

const row = (flat: Float32Array, i: number): Float32Array => flat.subarray(i * DIMS, (i + 1) * DIMS);

describe('the centroid kernel = nearestCentroidsReference', () => {
  it('laneDot sums four float lanes in order and adds them (0+2)+(1+3)', () => {
    const a = randomRows(1, 3), b = randomRows(1, 4);
    const f = Math.fround;
    const lanes = [0, 0, 0, 0];
    for (let d = 0; d < DIMS; d++) lanes[d % 4] = f(lanes[d % 4]! + f(a[d]! * b[d]!));
    expect(laneDot(a, 0, b, 0)).toBe(f(f(lanes[0]! + lanes[2]!) + f(lanes[1]! + lanes[3]!)));
  });

  for (const [n, cells] of [[1, 1], [7, 3], [64, 5], [301, 17], [1000, 64]] as const) {
    it(`${n} rows, ${cells} cells: the same cell for every row`, () => {
      const data = randomRows(n, n + cells);
      const cents = randomRows(cells, 7 * cells).map((v) => v * 0.3);
      // Exact ties: two centroids equal (the lower one must win in both).
      if (cells >= 3) cents.copyWithin(2 * DIMS, 0, DIMS);
      const cnorm = centroidNorms(cents, cells);
      const want = new Int32Array(n);
      nearestCentroidsReference(data, n, cents, cells, cnorm, want);
      const store = new WasmFaceIndex(n);
      expect(store.note).toBeUndefined();
      const got = new Int32Array(n).fill(-1);
      store.nearestCentroids(data, n, cents, cells, cnorm, got); // rows copied in
      expect(got).toEqual(want);
      if (cells >= 3) expect(Array.from(want).includes(2)).toBe(false);
      store.add(data);
      const inPlace = new Int32Array(n).fill(-1);
      store.nearestCentroids(store.descriptors(), n, cents, cells, cnorm, inPlace); // rows read in place
      expect(inPlace).toEqual(want);
    });
  }
});

describe('k-means and the cells', () => {
  it('finds 8 well-separated clusters, one per cell, the same every time', () => {
    const n = 800;
    const data = new Float32Array(n * DIMS);
    const noise = randomRows(n, 11);
    for (let i = 0; i < n; i++) for (let d = 0; d < DIMS; d++) data[i * DIMS + d] = (d === i % 8 ? 10 : 0) + 0.01 * noise[i * DIMS + d]!;
    const cents = trainCentroids(data, n, 8, { samplePerCell: 20 });
    expect(trainCentroids(data, n, 8, { samplePerCell: 20 })).toEqual(cents);
    const cell = new Int32Array(n);
    nearestCentroidsReference(data, n, cents, 8, centroidNorms(cents, 8), cell);
    const clusterOfCell = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (!clusterOfCell.has(cell[i]!)) clusterOfCell.set(cell[i]!, i % 8);
      expect(clusterOfCell.get(cell[i]!)).toBe(i % 8);
    }
    expect(clusterOfCell.size).toBe(8);
  });

  it('permuteRowsInPlace moves row order[i] to i', () => {
    const data = randomRows(50, 5);
    const order = Int32Array.from({ length: 50 }, (_, i) => (i * 17 + 3) % 50);
    const copy = data.slice();
    permuteRowsInPlace(copy, order);
    for (let i = 0; i < 50; i++) expect(row(copy, i)).toEqual(row(data, order[i]!));
  });

  it('cells and probes by default: sqrt(n)/4 cells (1..4096), an eighth of them probed (at least 8)', () => {
    expect([1, 100, 10_000, 1_000_000, 1e9].map(defaultCells)).toEqual([1, 3, 25, 250, 4096]);
    expect([1, 3, 25, 250, 4096].map(defaultProbes)).toEqual([1, 3, 8, 32, 512]);
  });
});

describe('ApproximateFaceIndex', () => {
  const n = 3000;
  const flat = syntheticDescriptors(n + 20, 300, 5);
  const data = flat.slice(0, n * DIMS);
  // Exact ties: rows 10..19 repeat rows 0..9.
  data.copyWithin(10 * DIMS, 0, 10 * DIMS);
  const queries = Array.from({ length: 20 }, (_, i) => row(flat, n + i));
  const reference = new ApproximateFaceIndex();
  reference.add(data);
  const wasm = wasmApproximateFaceIndex();
  wasm.add(data);

  it('builds the same cells with the reference and the kernel', () => {
    expect(wasm.stats()).toEqual(reference.stats());
    expect(reference.stats()).toMatchObject({ rows: n, cells: defaultCells(n), probes: defaultProbes(defaultCells(n)), trainedOn: n });
  });

  it('probing every cell gives the exact answer (knnReference), ties by row', () => {
    const cells = reference.stats().cells;
    for (const q of [...queries, row(data, 0)]) {
      const want = knnReference(q, data, n, DIMS, 15);
      expect(reference.search(q, 15, cells)).toEqual(want);
      expect(wasm.search(q, 15, cells)).toEqual(want);
    }
  });

  it('the reference and the WebAssembly index agree at every probe count', () => {
    for (const probes of [1, 2, 5, 8]) {
      for (const q of queries) expect(wasm.search(q, 10, probes)).toEqual(reference.search(q, 10, probes));
    }
  });

  it('every row queried by itself with one probe comes back at distance 0', () => {
    for (let i = 0; i < n; i += 7) {
      const got = wasm.search(row(data, i), 1, 1);
      expect(got[0]!.distance).toBe(0);
      expect(got[0]!.index).toBe(i >= 10 && i < 20 ? i - 10 : i);
    }
  });

  it('rows added later get cells and are found; growing fourfold retrains the centroids', () => {
    const grown = wasmApproximateFaceIndex();
    const ref = new ApproximateFaceIndex();
    grown.add(data.subarray(0, 400 * DIMS));
    ref.add(data.subarray(0, 400 * DIMS));
    expect(grown.stats()).toMatchObject({ rows: 400, cells: 5, trainedOn: 400 });
    expect(ref.stats()).toEqual(grown.stats());
    expect(grown.add(data.subarray(400 * DIMS, 1000 * DIMS))).toBe(400);
    ref.add(data.subarray(400 * DIMS, 1000 * DIMS));
    expect(grown.stats()).toMatchObject({ rows: 1000, cells: 5, trainedOn: 400 });
    for (let i = 400; i < 1000; i += 11) expect(grown.search(row(data, i), 1, 1)[0]).toEqual({ index: i, distance: 0 });
    for (const q of queries) expect(grown.search(q, 10, 2)).toEqual(ref.search(q, 10, 2));
    grown.add(data.subarray(1000 * DIMS));
    expect(grown.stats()).toMatchObject({ rows: n, cells: defaultCells(n), trainedOn: n });
    for (const q of queries) expect(grown.search(q, 10)).toEqual(wasm.search(q, 10));
  });

  it('refuses bad options, queries and values', () => {
    expect(() => new ApproximateFaceIndex({ cells: 0 })).toThrow(/cells must be a positive integer/);
    expect(() => new ApproximateFaceIndex({ probes: 1.5 })).toThrow(/probes must be a positive integer/);
    expect(() => reference.search(new Float32Array(3), 1)).toThrow(/a query of 3 values, expected 128/);
    expect(() => reference.search(queries[0]!, 1, 0)).toThrow(/probes must be a positive integer/);
    const bad = new Float32Array(DIMS);
    bad[5] = NaN;
    expect(() => new ApproximateFaceIndex().add(bad)).toThrow(/value 5 is not finite/);
    expect(new ApproximateFaceIndex().search(queries[0]!, 3)).toEqual([]);
  });
});

describe('Gallery.search({ approximate })', () => {
  const n = 2000;
  const flat = syntheticDescriptors(n + 10, 200, 9);
  const g = new Gallery({ modelSha256: 'cd'.repeat(32) });
  for (let i = 0; i < n; i++) g.add(`p${i % 200}`, { descriptor: row(flat, i) });
  const queries = Array.from({ length: 10 }, (_, i) => row(flat, n + i));

  it('with every cell probed: the exact search\'s people and distances', () => {
    const stats = g.approximateIndexStats()!;
    expect(stats).toMatchObject({ rows: n, cells: defaultCells(n) });
    for (const q of queries) {
      for (const opts of [{ k: 1, upTo: 0.6 }, { k: 5 }]) {
        expect(g.search(q, { ...opts, approximate: { probes: stats.cells } })).toEqual(g.search(q, opts));
      }
      expect(identifyDescriptor(g, q, { top: 3, approximate: { probes: stats.cells } })).toEqual(identifyDescriptor(g, q, { top: 3 }));
    }
  });

  it('with the default probes: people found among the probed cells, at their exact distances', () => {
    for (const q of queries) {
      const exact = new Map(g.scan(q).map((m) => [m.name, m.distance]));
      const got = g.search(q, { k: 3, approximate: true });
      expect(got.length).toBe(3);
      for (const m of got) expect(m.distance).toBe(exact.get(m.name));
    }
  });

  it('stays exact below Gallery.indexMinFaces faces', () => {
    const small = new Gallery({ modelSha256: 'cd'.repeat(32) });
    for (let i = 0; i < 50; i++) small.add(`p${i % 5}`, { descriptor: row(flat, i) });
    expect(small.approximateIndexStats()).toBeUndefined();
    expect(small.search(queries[0]!, { approximate: true })).toEqual(small.scan(queries[0]!));
  });
});
