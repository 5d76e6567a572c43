/**
 * stdSort and stdSortReversed (src/hog/scan-fhog-pyramid.ts, a port of libstdc++'s introsort that
 * dlib's detector sorts its detections with) sort: ascending and descending, short and long
 * inputs, many ties. The order they leave equal keys in is checked against the real std::sort in
 * test/parity/scan-sort-parity.test.ts.
 */
import { expect, it } from 'vitest';
import { stdSort, stdSortReversed } from '../../src/hog/std-sort.js';
import { tieKeys } from '../helpers/random.js';

it('stdSort sorts (ascending) and stdSortReversed sorts descending', () => {
  for (const n of [0, 1, 2, 5, 16, 17, 100, 1000]) {
    const k = tieKeys(n, 7, n + 1);
    const a = [...k];
    stdSort(a, (x, y) => x < y);
    expect(a).toEqual([...k].sort((x, y) => x - y));
    const b = [...k];
    stdSortReversed(b, (x, y) => x < y);
    expect(b).toEqual([...k].sort((x, y) => y - x));
  }
});

it('long inputs with few distinct keys sort correctly', () => {
  const a = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 13);
  stdSort(a, (x, y) => x < y);
  for (let i = 1; i < a.length; i++) expect(a[i - 1] <= a[i]).toBe(true);
});
