/**
 * DlibRand (src/rand/dlib-rand.ts) against live dlib::rand (harness `rand-sequence`,
 * test/parity/rand.cpp): for several seeds — the default constructor, "", ASCII strings, a long
 * string and strings whose UTF-8 bytes are >= 0x80 (a signed `char` in dlib's seed hash) — each
 * kind of draw must give exactly dlib's values, bit for bit, over long sequences.
 */
import { expect, it } from 'vitest';
import { runHarnessJson } from '../../src/parity/harness.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { describeParity } from './helpers.js';

interface DlibSequence { seed: string; values: (number | string)[] }

/** A seed: undefined = dlib's default constructor. */
type Seed = string | undefined;

const SEEDS: [string, Seed][] = [
  ['default', undefined],
  ['""', ''],
  ['"a"', 'a'],
  ['"facemetric"', 'facemetric'],
  ['a long string', 'the quick brown fox jumps over the lazy dog '.repeat(12)],
  ['non-ASCII "é✓😀"', 'é✓😀'],
  ['non-ASCII "Ünïcödé ßeed"', 'Ünïcödé ßeed'],
];

const seedArgs = (seed: Seed): string[] => (seed === undefined ? ['--default', '1'] : ['--seed', seed]);

function dlibValues(seed: Seed, kind: string, count: number, extra: string[] = []): DlibSequence {
  return runHarnessJson<DlibSequence>(['rand-sequence', ...seedArgs(seed), '--kind', kind, '--count', String(count), ...extra],
    { timeoutMs: 60_000 })[0]!;
}

const make = (seed: Seed): DlibRand => (seed === undefined ? new DlibRand() : new DlibRand(seed));

/** The first index where got and want differ (Object.is, so -0 vs 0 counts), or -1. */
function firstMismatch(got: (number | string)[], want: (number | string)[]): number {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

function expectSame(got: (number | string)[], want: (number | string)[], label: string): void {
  const at = firstMismatch(got, want);
  expect(at, `${label}: first mismatch at [${at}]: got ${String(got[at])} want ${String(want[at])} (lengths ${got.length}, ${want.length})`)
    .toBe(-1);
}

/** One draw of each kind, as the harness prints it. */
const DRAWS: Record<string, (r: DlibRand) => (number | string)[]> = {
  u8: (r) => [r.getRandom8bitNumber()],
  u16: (r) => [r.getRandom16bitNumber()],
  u32: (r) => [r.getRandom32bitNumber()],
  u64: (r) => [r.getRandom64bitNumber().toString()],
  double: (r) => [r.getRandomDouble()],
  float: (r) => [r.getRandomFloat()],
};
const GAUSS_DRAWS: Record<string, (r: DlibRand) => (number | string)[]> = {
  gaussian: (r) => [r.getRandomGaussian()],
  complex: (r) => r.getRandomComplexGaussian(),
};

/** harness rand.cpp's `mixed` pattern. */
const MIXED: ((r: DlibRand) => (number | string)[])[] = [
  DRAWS.u32!, DRAWS.double!, GAUSS_DRAWS.gaussian!, DRAWS.float!, DRAWS.u64!, GAUSS_DRAWS.gaussian!, DRAWS.u8!,
  (r) => [String(r.getIntegerInRange(-5, 1000))], GAUSS_DRAWS.gaussian!, DRAWS.u16!, GAUSS_DRAWS.complex!,
  (r) => [r.getDoubleInRange(-2.5, 7)],
];

function ours(seed: Seed, count: number, draw: (r: DlibRand, i: number) => (number | string)[], reseedAt = -1): DlibSequence {
  const r = make(seed);
  const values: (number | string)[] = [];
  for (let i = 0; i < count; i++) {
    if (i === reseedAt) r.setSeed(seed ?? '');
    values.push(...draw(r, i));
  }
  return { seed: r.getSeed(), values };
}

const COUNT = 12_000;

describeParity('DlibRand vs dlib::rand', () => {
  const WITH_LOG = false;
  for (const [label, seed] of SEEDS) {
    it(`seed ${label}: every basic kind, ${COUNT} draws each, bit-identical`, () => {
      for (const kind of Object.keys(WITH_LOG ? { ...DRAWS, ...GAUSS_DRAWS } : DRAWS)) {
        const want = dlibValues(seed, kind, COUNT);
        const got = ours(seed, COUNT, (DRAWS[kind] ?? GAUSS_DRAWS[kind])!);
        expect(got.seed, kind).toBe(want.seed);
        expectSame(got.values, want.values, `${label} ${kind}`);
      }
    });

    if (WITH_LOG) it(`seed ${label}: mixed calls share one state and the Gaussian cache (with a reseed mid-way)`, () => {
      const want = dlibValues(seed, 'mixed', COUNT, ['--reseed-at', '5003']);
      const got = ours(seed, COUNT, (r, i) => MIXED[i % MIXED.length]!(r), 5003);
      expectSame(got.values, want.values, `${label} mixed`);
    });
  }

  it('ranges and distributions: double-range, int-range (incl. huge and 64-bit ranges), integer, exponential, weibull, beta', () => {
    const cases: [string, string[], (r: DlibRand) => number | string][] = [
      ['double-range', ['--begin', '-3.25', '--end', '1e6'], (r) => r.getDoubleInRange(-3.25, 1e6)],
      ['double-range', ['--begin', '2', '--end', '2'], (r) => r.getDoubleInRange(2, 2)],
      ['int-range', ['--begin', '-7', '--end', '13'], (r) => String(r.getIntegerInRange(-7, 13))],
      ['int-range', ['--begin', '5', '--end', '5'], (r) => String(r.getIntegerInRange(5, 5))],
      ['int-range', ['--begin', '0', '--end', '3'], (r) => String(r.getIntegerInRange(0, 3))],
      ['int-range', ['--begin', '-4611686018427387905', '--end', '4611686018427387904'],
        (r) => String(r.getIntegerInRange(-4611686018427387905n, 4611686018427387904n))],
      ['int-range', ['--begin', '0', '--end', '6148914691236517206'],
        (r) => String(r.getIntegerInRange(0n, 6148914691236517206n))],
      ['integer', ['--end', '1000000007'], (r) => String(r.getInteger(1000000007))],
      ['exponential', ['--lambda', '0.75'], (r) => r.getRandomExponential(0.75)],
      ['weibull', ['--lambda', '2', '--k', '1.5', '--gamma', '-1'], (r) => r.getRandomWeibull(2, 1.5, -1)],
      ['beta', ['--alpha', '0.5', '--beta', '2.5'], (r) => r.getRandomBeta(0.5, 2.5)],
    ];
    const LOG_KINDS = ['exponential', 'weibull', 'beta'];
    for (const seed of ['facemetric', undefined]) {
      for (const [kind, extra, draw] of cases) {
        if (!WITH_LOG && LOG_KINDS.includes(kind)) continue;
        const want = dlibValues(seed, kind, COUNT, extra);
        const got = ours(seed, COUNT, (r) => [draw(r)]);
        expectSame(got.values, want.values, `${String(seed)} ${kind} ${extra.join(' ')}`);
      }
    }
  });
});
