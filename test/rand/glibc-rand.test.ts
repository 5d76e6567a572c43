/**
 * GlibcRand (src/rand/glibc-rand.ts): the sequence dlib's layer initialisation starts from.
 * The full sequences are compared with live std::rand() in test/parity/metric-parity.test.ts;
 * these are the facts that need no harness: glibc's first values without srand (REFERENCE §6:
 * 1804289383 first, measured with dlib), srand(0) = srand(1), clone independence.
 */
import { describe, expect, it } from 'vitest';
import { GlibcRand } from '../../src/rand/glibc-rand.js';

describe('GlibcRand', () => {
  it('starts with glibc\'s 1804289383 and stays in 0..2^31-1', () => {
    const r = new GlibcRand();
    expect(r.rand()).toBe(1804289383);
    for (let i = 0; i < 1000; i++) {
      const v = r.rand();
      expect(v >= 0 && v <= 0x7fffffff && Number.isInteger(v)).toBe(true);
    }
  });

  it('srand(0) is srand(1); srand restarts the sequence; clone is independent', () => {
    const a = new GlibcRand(0);
    const b = new GlibcRand(1);
    const seq = Array.from({ length: 50 }, () => a.rand());
    expect(Array.from({ length: 50 }, () => b.rand())).toEqual(seq);
    b.srand(1);
    const c = b.clone();
    expect(b.rand()).toBe(seq[0]);
    expect(c.rand()).toBe(seq[0]);
    expect(() => b.srand(1.5)).toThrow(/integer/);
  });
});
