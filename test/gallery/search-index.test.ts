/**
 * Gallery.search through the row index (WasmFaceIndex, the k-NN kernel) against Gallery.scan
 * (every face in TypeScript, the reference): the same people, the same distances, the same
 * order, for k = 1, 3 and all, with identify's `upTo` (every person within the tolerance), on
 * dlib's examples/johns (every photo a gallery face and a query) and on 3,000 descriptors
 * spread like dlib's with exact ties across people; identifyDescriptor's answers equal too;
 * the index is used only from Gallery.indexMinFaces faces on, catches up with adds, and a search
 * needing half the rows of a large gallery scans instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { basename, dirname } from 'node:path';
import { syntheticDescriptors } from '../../bench/cluster.js';
import { Gallery, INDEX_MIN_FACES, type RowIndex } from '../../src/gallery/gallery.js';
import { identifyDescriptor } from '../../src/gallery/identify.js';
import { WasmFaceIndex } from '../../src/gallery/knn-wasm.js';
import { describeFaces, exampleImages, readImageSync } from '../../src/index.js';

const SHA = 'ab'.repeat(32);
const DIMS = 128;

/** A gallery whose row index counts its searches. */
function countingGallery(): { g: Gallery; searches: () => number } {
  let n = 0;
  const make = Gallery.rowIndex!;
  const g = new Gallery({ modelSha256: SHA });
  Gallery.rowIndex = (cap: number): RowIndex => {
    const ix = make(cap);
    return { get size() { return ix.size; }, add: (r) => ix.add(r), search: (q, k) => { n++; return ix.search(q, k); } };
  };
  return { g, searches: () => n };
}

const installed = Gallery.rowIndex;
afterEach(() => {
  Gallery.rowIndex = installed;
  Gallery.indexMinFaces = INDEX_MIN_FACES;
});

/** Every query's search through the index equals the scan's answer, cut as search cuts it. */
function expectSameAnswers(g: Gallery, queries: readonly ArrayLike<number>[]): number {
  let compared = 0;
  for (const q of queries) {
    const all = g.scan(q);
    for (const k of [1, 3, g.people.length]) {
      for (const upTo of [undefined, 0.4, 0.6]) {
        let n = Math.min(k, all.length);
        while (upTo !== undefined && n < all.length && all[n]!.distance <= upTo) n++;
        expect(g.search(q, { k, ...(upTo === undefined ? {} : { upTo }) })).toEqual(all.slice(0, n));
        compared++;
      }
    }
    Gallery.indexMinFaces = Infinity;
    const plain = [identifyDescriptor(g, q, { top: 3 }), identifyDescriptor(g, q, { tolerance: 0.5 })];
    Gallery.indexMinFaces = 0;
    expect([identifyDescriptor(g, q, { top: 3 }), identifyDescriptor(g, q, { tolerance: 0.5 })]).toEqual(plain);
  }
  return compared;
}

describe('Gallery.search through the k-NN kernel = the TypeScript scan', () => {
  it('WasmFaceIndex is the installed row index', () => {
    expect(Gallery.rowIndex!(4)).toBeInstanceOf(WasmFaceIndex);
    expect(INDEX_MIN_FACES).toBe(256);
  });

  it('on examples/johns: every photo enrolled, every photo a query', () => {
    const johns = exampleImages('johns');
    const descriptors = johns.map((f) => describeFaces(readImageSync(f)).faces[0]!.descriptor);
    const { g, searches } = countingGallery();
    johns.forEach((f, i) => g.add(basename(dirname(f)), { descriptor: descriptors[i]!, source: f }));
    expect(g.size).toBe(johns.length);
    // Below indexMinFaces (johns has fewer faces than 256) the scan runs.
    g.search(descriptors[0]!, { k: 1 });
    expect(searches()).toBe(0);
    Gallery.indexMinFaces = 0;
    const compared = expectSameAnswers(g, descriptors);
    expect(compared).toBe(johns.length * 9);
    expect(searches()).toBeGreaterThanOrEqual(compared);
    // a photo finds itself at distance 0
    const self = basename(dirname(johns[7]!));
    expect(g.search(descriptors[7]!, { k: 1 })).toEqual([{ name: self, distance: 0, person: g.people.indexOf(self) }]);
  });

  it('on 3,000 descriptors spread like dlib\'s (300 people), with exact ties across people, added in two batches', () => {
    const n = 3000;
    const flat = syntheticDescriptors(n + 12, 300, 21);
    // rows 5 and 2500 equal (people 5 and 100): a tie the people's enrolment order breaks
    flat.copyWithin(2500 * DIMS, 5 * DIMS, 6 * DIMS);
    const { g, searches } = countingGallery();
    const person = (i: number): string => `p${i % 300 === 100 ? 100 : i % 300}`;
    for (let i = 0; i < 2000; i++) g.add(person(i), { descriptor: flat.subarray(i * DIMS, (i + 1) * DIMS) });
    Gallery.indexMinFaces = 0;
    const queries = [flat.subarray(5 * DIMS, 6 * DIMS), ...Array.from({ length: 6 }, (_, q) => flat.subarray((n + q) * DIMS, (n + q + 1) * DIMS))];
    g.search(queries[1]!, { k: 1 }); // builds the index at 2,000 faces
    for (let i = 2000; i < n; i++) g.add(person(i), { descriptor: flat.subarray(i * DIMS, (i + 1) * DIMS) });
    expect(expectSameAnswers(g, queries)).toBe(63);
    expect(searches()).toBeGreaterThan(63);
    const tie = g.search(queries[0]!, { k: 2 });
    expect(tie).toEqual([{ name: 'p5', distance: 0, person: 5 }, { name: 'p100', distance: 0, person: 100 }]);
  });

  it('a search needing half the rows of a gallery above 4096 faces scans (every one of 1500 people of 5,000 faces)', () => {
    const { g, searches } = countingGallery();
    const flat = syntheticDescriptors(5001, 1500, 8);
    for (let i = 0; i < 5000; i++) g.add(`p${i % 1500}`, { descriptor: flat.subarray(i * DIMS, (i + 1) * DIMS) });
    const q = flat.subarray(5000 * DIMS);
    expect(g.search(q)).toEqual(g.scan(q));
    expect(g.search(q)).toHaveLength(1500);
    expect(searches()).toBe(0);
    expect(g.search(q, { k: 3 })).toEqual(g.scan(q).slice(0, 3));
    expect(searches()).toBe(1);
  });

  it('\'mean\' always scans', () => {
    const { g, searches } = countingGallery();
    const flat = syntheticDescriptors(300, 10, 4);
    for (let i = 0; i < 300; i++) g.add(`p${i % 10}`, { descriptor: flat.subarray(i * DIMS, (i + 1) * DIMS) });
    const q = flat.subarray(0, DIMS);
    expect(g.search(q, { match: 'mean', k: 2 })).toEqual(g.scan(q, 'mean').slice(0, 2));
    expect(searches()).toBe(0);
    expect(g.search(q, { k: 2 })).toEqual(g.scan(q).slice(0, 2));
    expect(searches()).toBeGreaterThanOrEqual(1);
  });
});
