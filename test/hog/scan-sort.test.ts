/**
 * dlib sorts detections with std::sort(v.rbegin(), v.rend(), by score), which is not stable:
 * among equal scores the order (and so which of two equal, overlapping windows survives
 * non-max suppression) is libstdc++'s introsort's. stdSortReversed ports it; checked here
 * against the real std::sort (harness `sort-order`) on tie-heavy inputs of many lengths.
 */
import { expect, it } from 'vitest';
import { stdSort, stdSortReversed } from '../../src/hog/std-sort.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { describeParity } from '../parity/helpers.js';

/** Deterministic pseudo-random keys with many ties (few distinct values). */
function keys(n: number, distinct: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s % distinct) / 4);
  }
  return out;
}

it('stdSort sorts (ascending) and stdSortReversed sorts descending', () => {
  for (const n of [0, 1, 2, 5, 16, 17, 100, 1000]) {
    const k = keys(n, 7, n + 1);
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

describeParity('std::sort order of ties vs libstdc++', () => {
  it('leaves equal keys in the same order as std::sort(rbegin, rend)', () => {
    const lengths = [1, 2, 3, 7, 15, 16, 17, 18, 31, 33, 64, 100, 257, 600];
    for (const n of lengths) {
      for (const distinct of [1, 2, 5, 50]) {
        const k = keys(n, distinct, n * 31 + distinct);
        const [want] = runHarnessJson<number[]>(['sort-order', ...k.map(String)]);
        const idx = k.map((key, i) => ({ key, i }));
        stdSortReversed(idx, (x, y) => x.key < y.key);
        expect(idx.map((x) => x.i), `n=${n}, ${distinct} distinct keys`).toEqual(want);
      }
    }
  });
});
