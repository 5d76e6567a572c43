/**
 * src/linalg/atan2.ts, a correctly rounded atan2: IEEE special cases as Math.atan2 (C99 Annex F),
 * symmetries, monotonicity, agreement with Math.atan2 within one ulp, and exact results on
 * inputs whose atan2 lies within 1e-4 ulp of a rounding midpoint (the correctly rounded values
 * computed with mpmath; see HARD). Against the linked glibc: test/parity/atan2-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { atan2 } from '../../src/linalg/atan2.js';
import { rng } from '../helpers/random.js';
import { ulps } from '../helpers/float.js';


/**
 * [y, x, correctly rounded atan2(y, x)]: the first twelve are the inputs among 200000 random
 * ones whose exact atan2 lies nearest a rounding midpoint (glibc 2.36 rounds all twelve the
 * wrong way); then a face-chip angle where glibc is also off (video_frames) and the three chip
 * angles where Math.atan2 is one ulp off glibc. The expected values are mpmath's:
 * `float(mpmath.atan2(mpf(y), mpf(x)))` at 300 bits (mp.prec = 300); the comments give the
 * exact value's distance from the nearest midpoint between doubles, from the same computation.
 */
const HARD: readonly (readonly [number, number, number])[] = [
  [-0.16933361548808248, 0.7315949774347246, -0.22745282959397872], // 1.20e-05 ulp from a midpoint
  [-0.16450327089089015, 0.7196492091286927, -0.22472704572165045], // 1.43e-05 ulp from a midpoint
  [-0.04408580067157638, 0.21176172997802495, -0.20525405887123024], // 1.74e-05 ulp from a midpoint
  [0.08722407319759534, 0.8175895941909402, 0.10628241833682303], // 3.51e-05 ulp from a midpoint
  [0.26041422809543835, 0.5603456396376714, 0.4350426947106744], // 4.08e-05 ulp from a midpoint
  [-1.7826780937612057, -0.827252191491425, -2.0052728053467637], // 4.34e-05 ulp from a midpoint
  [0.48787159845232964, 0.6755933929234743, 0.6254296257007552], // 4.85e-05 ulp from a midpoint
  [0.10971643446644709, 0.9708261653315275, 0.11253598684393995], // 5.40e-05 ulp from a midpoint
  [1.8527567526325583, -1.6066316971555352, 2.2851671888296603], // 6.12e-05 ulp from a midpoint
  [-0.12894925568252802, 0.301300554536283, -0.4043882213520375], // 6.59e-05 ulp from a midpoint
  [-0.25543408630147674, 1.618487265636213, -0.1565316254411143], // 7.52e-05 ulp from a midpoint
  [1.5608399538323283, -1.5197026943787932, 2.342841383573586], // 7.95e-05 ulp from a midpoint
  [0.05069280361041502, 0.7612246692519551, 0.06649556716477467], // 6.50e-03 ulp from a midpoint
  [0.012180414044832642, 0.5853603032305965, 0.020805402136496284], // 4.33e-01 ulp from a midpoint
  [-0.008251708859240299, 1.0043248440324442, -0.00821599031141884], // 3.03e-01 ulp from a midpoint
  [0.39612271210560257, 0.45450944558938905, 0.7168664273600848], // 6.14e-02 ulp from a midpoint
];

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2.5, -0.75, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** -1022, 1e-300, -1e300];

/** Random doubles: uniform in [-2, 2], or sign * mantissa * 2^e with e uniform in [-emax, emax]. */
function randomPairs(seed: number, n: number, emax: number): [number, number][] {
  const r = rng(seed);
  const v = (): number => (emax === 0 ? (r() - 0.5) * 4 : (r() * 2 - 1) * 2 ** Math.floor(r() * (2 * emax + 1) - emax));
  return Array.from({ length: n }, () => [v(), v()]);
}

describe('atan2', () => {
  it('special operands (NaN, ±Infinity, ±0) give Math.atan2\'s results, signed zeros included', () => {
    for (const y of SPECIAL) {
      for (const x of SPECIAL) {
        const special = Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || !Number.isFinite(y) || x === 0 || y === 0;
        if (special) expect(Object.is(atan2(y, x), Math.atan2(y, x)), `atan2(${y}, ${x})`).toBe(true);
        else expect(Math.abs(ulps(atan2(y, x), Math.atan2(y, x))), `atan2(${y}, ${x})`).toBeLessThanOrEqual(1);
      }
    }
    expect(Object.is(atan2(0, -0), Math.PI)).toBe(true);
    expect(Object.is(atan2(-0, 1), -0)).toBe(true);
  });

  it('is correctly rounded on inputs next to rounding midpoints (mpmath\'s values)', () => {
    for (const [y, x, want] of HARD) expect(atan2(y, x), `atan2(${y}, ${x})`).toBe(want);
  });

  it('exact values: the diagonals, the axes, and tiny and huge ratios', () => {
    expect(atan2(1, 1)).toBe(Math.PI / 4);
    expect(atan2(-3, -3)).toBe(-3 * Math.PI / 4);
    expect(atan2(1e-300, 1e-300)).toBe(Math.PI / 4);
    expect(atan2(5, Number.MIN_VALUE)).toBe(Math.PI / 2);
    expect(atan2(-1e300, 1e-300)).toBe(-Math.PI / 2);
    expect(atan2(1e-300, -1e300)).toBe(Math.PI);
    expect(atan2(3e-200, 2e150)).toBe(3e-200 / 2e150);
    expect(atan2(-(2 ** -1000), 2 ** 60)).toBe(-(2 ** -1060));
  });

  it('is odd in y, and the same for (y, x) scaled by a power of two', () => {
    for (const [y, x] of [...randomPairs(1, 3000, 0), ...randomPairs(2, 3000, 300)]) {
      const a = atan2(y, x);
      expect(Object.is(atan2(-y, x), -a)).toBe(true);
      if (Math.abs(y) > 1e-250 && Math.abs(x) > 1e-250 && Math.abs(y) < 1e250 && Math.abs(x) < 1e250) {
        expect(atan2(y * 2 ** 40, x * 2 ** 40)).toBe(a);
        expect(atan2(y * 2 ** -40, x * 2 ** -40)).toBe(a);
      }
    }
  });

  it('is monotonic: non-decreasing in y for fixed x > 0, non-increasing in x for fixed y > 0', () => {
    const r = rng(3);
    for (let trial = 0; trial < 40; trial++) {
      const x = 0.1 + r() * 3;
      const ys = Array.from({ length: 2000 }, () => (r() - 0.5) * 4 * x).sort((a, b) => a - b);
      // Dense runs of neighbouring doubles too, where one-ulp steps are what can go wrong.
      let y = ys[trial * 37]!;
      for (let i = 0; i < 300; i++) ys.push((y = y + Math.abs(y) * 2 ** -52));
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) expect(atan2(ys[i]!, x)).toBeGreaterThanOrEqual(atan2(ys[i - 1]!, x));
      const yf = 0.1 + r() * 3;
      const xs = Array.from({ length: 2000 }, () => (r() - 0.5) * 8 * yf).sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(atan2(yf, xs[i]!)).toBeLessThanOrEqual(atan2(yf, xs[i - 1]!));
    }
  });

  it('agrees with Math.atan2 within one ulp on random inputs of every magnitude', () => {
    let differ = 0;
    let n = 0;
    for (const [seed, emax] of [[4, 0], [5, 30], [6, 300], [7, 1074]] as const) {
      for (const [y, x] of randomPairs(seed, 20000, emax)) {
        const d = Math.abs(ulps(atan2(y, x), Math.atan2(y, x)));
        expect(d, `atan2(${y}, ${x}) = ${atan2(y, x)}, Math.atan2 ${Math.atan2(y, x)}`).toBeLessThanOrEqual(1);
        if (d) differ++;
        n++;
      }
    }
    process.stdout.write(`atan2: ${differ} of ${n} random inputs one ulp from Math.atan2\n`);
  });
});
