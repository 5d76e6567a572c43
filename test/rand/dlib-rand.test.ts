/**
 * DlibRand (src/rand/dlib-rand.ts, dlib::rand): determinism, dlib's seeding rules, the ranges
 * of each draw, the Gaussian cache and argument errors. Bit-for-bit agreement with live dlib is
 * test/parity/rand-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DlibRand, logCorrectlyRounded } from '../../src/rand/dlib-rand.js';

const take = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

describe('DlibRand', () => {
  it('the default generator: seed "", and the same numbers as setSeed("") and clear()', () => {
    const a = new DlibRand();
    expect(a.getSeed()).toBe('');
    const first = take(50, () => a.getRandom32bitNumber());
    const b = new DlibRand('x');
    b.setSeed('');
    expect(take(50, () => b.getRandom32bitNumber())).toEqual(first);
    const c = new DlibRand('facemetric');
    c.getRandomGaussian();
    c.clear();
    expect(c.getSeed()).toBe('');
    expect(take(50, () => c.getRandom32bitNumber())).toEqual(first);
    expect(new DlibRand('').getRandom32bitNumber()).toBe(first[0]);
  });

  it('the default generator\'s first number is dlib\'s (mt19937 seeded 5489, 10000 draws discarded)', () => {
    const r = new DlibRand();
    const v = r.clone().getRandom32bitNumber();
    expect(v).toBe(725333953); // dlib::rand().get_random_32bit_number(), from dlib 19.24
    expect(r.clone().getRandom16bitNumber()).toBe(v & 0xffff);
    expect(r.clone().getRandom8bitNumber()).toBe(v & 0xff);
  });

  it('seeds: the same string, the same numbers; different strings, different numbers', () => {
    for (const s of ['a', 'facemetric', 'é✓😀', 'x'.repeat(1000)]) {
      const a = new DlibRand(s);
      const b = new DlibRand();
      b.setSeed(s);
      expect(a.getSeed()).toBe(s);
      expect(take(20, () => a.getRandomDouble())).toEqual(take(20, () => b.getRandomDouble()));
    }
    expect(new DlibRand('a').getRandom32bitNumber()).not.toBe(new DlibRand('b').getRandom32bitNumber());
  });

  it('seedHash: s*37 + signed char over the UTF-8 bytes, modulo 2^32', () => {
    expect(DlibRand.seedHash('')).toBe(0);
    expect(DlibRand.seedHash('a')).toBe(97);
    expect(DlibRand.seedHash('ab')).toBe(97 * 37 + 98);
    // 'é' is C3 A9: (char)0xC3 = -61, (char)0xA9 = -87.
    expect(DlibRand.seedHash('é')).toBe(((-61 * 37 - 87) >>> 0));
    // Same hash, same numbers (a collision made on purpose: "\x01\x00" vs "%").
    expect(DlibRand.seedHash('\u0001\u0000')).toBe(DlibRand.seedHash('%'));
    expect(new DlibRand('\u0001\u0000').getRandom32bitNumber()).toBe(new DlibRand('%').getRandom32bitNumber());
    // A seed whose hash is 5489 is a different state from "": "" re-seeds without any string.
    expect(DlibRand.fromTime(5489).getSeed()).toBe('5489');
  });

  it('ranges of each draw', () => {
    const r = new DlibRand('ranges');
    for (let i = 0; i < 20000; i++) {
      const u8 = r.getRandom8bitNumber();
      expect(Number.isInteger(u8) && u8 >= 0 && u8 < 256).toBe(true);
      const u16 = r.getRandom16bitNumber();
      expect(Number.isInteger(u16) && u16 >= 0 && u16 < 65536).toBe(true);
      const u32 = r.getRandom32bitNumber();
      expect(Number.isInteger(u32) && u32 >= 0 && u32 < 2 ** 32).toBe(true);
      const u64 = r.getRandom64bitNumber();
      expect(u64 >= 0n && u64 < 1n << 64n).toBe(true);
      const d = r.getRandomDouble();
      expect(d >= 0 && d < 1).toBe(true);
      const f = r.getRandomFloat();
      expect(f >= 0 && f < 1 && Math.fround(f) === f).toBe(true);
      const x = r.getDoubleInRange(-3, 5);
      expect(x >= -3 && x < 5).toBe(true);
      const k = r.getIntegerInRange(-7, 13);
      expect(Number.isInteger(k) && k >= -7 && k < 13).toBe(true);
      const big = r.getIntegerInRange(-(1n << 63n), (1n << 63n) - 1n);
      expect(big >= -(1n << 63n) && big < (1n << 63n) - 1n).toBe(true);
      expect(r.getInteger(10)).toBeLessThan(10);
      expect(r.getRandomExponential(2)).toBeGreaterThan(0);
      const b = r.getRandomBeta(2, 3);
      expect(b >= 0 && b <= 1).toBe(true);
      expect(r.getRandomWeibull(1, 2, 5)).toBeGreaterThanOrEqual(5);
    }
    expect(r.getIntegerInRange(4, 4)).toBe(4);
    expect(r.getIntegerInRange(4n, 4n)).toBe(4n);
    expect(r.getDoubleInRange(2, 2)).toBe(2);
  });

  it('getIntegerInRange covers the whole range, roughly uniformly', () => {
    const r = new DlibRand('uniform');
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.getIntegerInRange(0, 6)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(9000);
  });

  it('the Gaussian cache: pairs come from getRandomComplexGaussian, and seeding empties the cache', () => {
    const a = new DlibRand('gauss');
    const b = new DlibRand('gauss');
    const [re, im] = b.getRandomComplexGaussian();
    expect(a.getRandomGaussian()).toBe(re);
    expect(a.getRandomGaussian()).toBe(im);
    // After one draw the second value is pending; reseeding drops it.
    const c = new DlibRand('gauss');
    c.getRandomGaussian();
    c.setSeed('gauss');
    expect(c.getRandomGaussian()).toBe(re);
    // Mean and variance of many values.
    const r = new DlibRand('moments');
    let s = 0;
    let s2 = 0;
    const n = 100000;
    for (let i = 0; i < n; i++) {
      const g = r.getRandomGaussian();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
  });

  it('clone and swap carry the whole state, the Gaussian cache included', () => {
    const a = new DlibRand('clone');
    a.getRandomGaussian();
    const c = a.clone();
    expect(take(30, () => c.getRandomGaussian())).toEqual(take(30, () => a.getRandomGaussian()));
    const x = new DlibRand('x');
    const y = new DlibRand('y');
    const x2 = x.clone();
    x.swap(y);
    expect(x.getSeed()).toBe('y');
    expect(y.getSeed()).toBe('x');
    expect(y.getRandom32bitNumber()).toBe(x2.getRandom32bitNumber());
  });

  it('argument errors', () => {
    const r = new DlibRand();
    expect(() => r.getDoubleInRange(2, 1)).toThrow(RangeError);
    expect(() => r.getDoubleInRange(Number.NaN, 1)).toThrow(TypeError);
    expect(() => r.getIntegerInRange(3, 2)).toThrow(RangeError);
    expect(() => r.getIntegerInRange(0.5, 2)).toThrow(RangeError);
    expect(() => r.getIntegerInRange(0, 2 ** 60)).toThrow(RangeError);
    expect(() => r.getIntegerInRange(0n, 1n << 63n)).toThrow(RangeError);
    expect(() => r.getIntegerInRange(0 as never, 1n as never)).toThrow(TypeError);
    expect(() => r.getInteger(-1)).toThrow(RangeError);
    expect(() => r.getRandomExponential(0)).toThrow(RangeError);
    expect(() => r.getRandomWeibull(1, 0, 0)).toThrow(RangeError);
    expect(() => r.getRandomWeibull(0, 1, 0)).toThrow(RangeError);
    expect(() => r.getRandomBeta(0, 1)).toThrow(RangeError);
    expect(() => r.getRandomBeta(1, -1)).toThrow(RangeError);
    expect(() => r.setSeed(5 as never)).toThrow(TypeError);
    expect(() => DlibRand.fromTime(0.5)).toThrow(RangeError);
    // Failed calls draw nothing.
    expect(r.getRandom32bitNumber()).toBe(new DlibRand().getRandom32bitNumber());
  });

  it('logCorrectlyRounded: exact where the answer is known, the special values as Math.log', () => {
    expect(logCorrectlyRounded(1)).toBe(0);
    expect(logCorrectlyRounded(2)).toBe(Math.LN2);
    expect(logCorrectlyRounded(0.5)).toBe(-Math.LN2);
    expect(logCorrectlyRounded(10)).toBe(Math.LN10);
    expect(logCorrectlyRounded(Math.E)).toBe(1);
    expect(logCorrectlyRounded(0)).toBe(-Infinity);
    expect(logCorrectlyRounded(Infinity)).toBe(Infinity);
    expect(logCorrectlyRounded(-1)).toBeNaN();
    expect(logCorrectlyRounded(5e-324)).toBe(Math.log(5e-324));
    // Within an ulp of Math.log everywhere (both are within one ulp of the true value).
    const r = new DlibRand('log');
    for (let i = 0; i < 20000; i++) {
      const x = r.getRandomDouble() * 2 ** r.getIntegerInRange(-60, 60);
      if (x === 0) continue;
      const a = logCorrectlyRounded(x);
      const b = Math.log(x);
      expect(Math.abs(a - b) <= Math.abs(b) * 2.3e-16 || a === b, `log(${x})`).toBe(true);
    }
  });
});

describe('DlibRand.toState / fromState', () => {
  it('continues the same sequence (32-bit numbers, doubles and a pending gaussian) after a JSON round trip', () => {
    const a = new DlibRand('checkpoint');
    for (let i = 0; i < 700; i++) a.getRandom32bitNumber();
    a.getRandomGaussian(); // leaves the second gaussian of the pair pending
    const b = DlibRand.fromState(JSON.parse(JSON.stringify(a.toState())));
    const draw = (r: DlibRand): number[] => [r.getRandomGaussian(), ...Array.from({ length: 1500 }, () => r.getRandom32bitNumber()), r.getRandomDouble()];
    expect(draw(b)).toEqual(draw(a));
    expect(b.getSeed()).toBe('checkpoint');
  });

  it('rejects a malformed state', () => {
    expect(() => DlibRand.fromState({ mt: { x: [1, 2], i: 0 }, seed: '', hasGaussian: false, nextGaussian: 0 })).toThrow(/malformed/);
  });
});
