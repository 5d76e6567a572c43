/**
 * dlib sorts detections with std::sort(v.rbegin(), v.rend(), by score), which is not stable:
 * among equal scores the order (and so which of two equal, overlapping windows survives
 * non-max suppression) is libstdc++'s introsort's. stdSortReversed ports it; checked here
 * against the real std::sort (harness `sort-order`) on tie-heavy inputs of many lengths (that the
 * ports sort at all: test/hog/scan-sort.test.ts).
 */
import { expect, it } from 'vitest';
import { stdSortReversed } from '../../src/hog/std-sort.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { tieKeys } from '../helpers/random.js';
import { describeParity } from './helpers.js';

describeParity('std::sort order of ties vs libstdc++', () => {
  it('leaves equal keys in the same order as std::sort(rbegin, rend)', () => {
    const lengths = [1, 2, 3, 7, 15, 16, 17, 18, 31, 33, 64, 100, 257, 600];
    for (const n of lengths) {
      for (const distinct of [1, 2, 5, 50]) {
        const k = tieKeys(n, distinct, n * 31 + distinct);
        const [want] = runHarnessJson<number[]>(['sort-order', ...k.map(String)]);
        const idx = k.map((key, i) => ({ key, i }));
        stdSortReversed(idx, (x, y) => x.key < y.key);
        expect(idx.map((x) => x.i), `n=${n}, ${distinct} distinct keys`).toEqual(want);
      }
    }
  });
});
