/**
 * src/linalg/atan2.ts against the linked libm's std::atan2 (glibc; harness `atan2`,
 * test/parity/geometry.cpp), which dlib's chip_details uses for a face chip's angle.
 *
 * What is asserted, and why not "identical everywhere": ours is correctly rounded. glibc 2.36's
 * atan2 is not always: where the exact value lies within about 0.01 ulp of a midpoint between two
 * doubles it sometimes rounds the other way (measured: about 1 input in 800; mpmath confirms
 * ours on every such case checked, e.g. the HARD table of test/linalg/atan2.test.ts). So the
 * harness also reports atan2l (x86 long double, 11 more bits) rounded to double, `ref`, with its
 * distance from the nearest midpoint, `margin`; where margin > 2^-9 ulp (far above atan2l's own
 * error) ref is the correctly rounded result. Asserted:
 *  - ours equals ref wherever margin > 2^-9 (ours is correctly rounded);
 *  - ours equals glibc exactly on special operands (NaN, ±Infinity, ±0) and on the chip angles
 *    where V8's Math.atan2 was one ulp off glibc;
 *  - wherever ours differs from glibc it is by one ulp, and glibc is the one that is not correctly
 *    rounded (glibc differs from ref) or the case is too close to a midpoint to call (margin <= 2^-9).
 * The counts (ours vs glibc, Math.atan2 vs glibc) are printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { atan2 } from '../../src/linalg/atan2.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { rng } from '../helpers/random.js';
import { describeParity, scratchDir } from './helpers.js';
import { ulps } from '../helpers/float.js';

interface Atan2Line { atan2: number | string; ref: number | string; margin: number | string }

const num = (v: number | string): number => (typeof v === 'string' ? Number(v) : v);
/** A double as text strtod reads back exactly (String() drops the sign of -0). */
const text = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));


/** Chip transforms' (m10, m00) where Math.atan2 was one ulp off glibc (johns, faces), and where glibc is (video_frames). */
const CHIP_CASES: readonly [number, number][] = [
  [0.012180414044832642, 0.5853603032305965],
  [-0.008251708859240299, 1.0043248440324442],
  [0.39612271210560257, 0.45450944558938905],
];
const CHIP_GLIBC_OFF: readonly [number, number] = [0.05069280361041502, 0.7612246692519551];

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -3, Number.MIN_VALUE, -Number.MAX_VALUE, 1e-300, 1e300];

function cases(): { pairs: (readonly [number, number])[]; chipLike: number; special: number } {
  const pairs: (readonly [number, number])[] = [];
  const r = rng(20260);
  // 200000 random pairs: uniform in [-2, 2]^2, then sign * mantissa * 2^e with e uniform in
  // [-30, 30], [-300, 300] and [-1074, 1074] (tiny and huge ratios, subnormal results).
  for (const emax of [0, 30, 300, 1074]) {
    const v = (): number => (emax === 0 ? (r() - 0.5) * 4 : (r() * 2 - 1) * 2 ** Math.floor(r() * (2 * emax + 1) - emax));
    for (let i = 0; i < 50000; i++) pairs.push([v(), v()]);
  }
  // Chip transforms: m00 = scale cos(angle) with scale 0.1 .. 2, m10 within +-0.5 m00.
  const before = pairs.length;
  for (let i = 0; i < 50000; i++) {
    const x = 0.1 + r() * 1.9;
    pairs.push([(r() - 0.5) * x, x]);
  }
  pairs.push(...CHIP_CASES, CHIP_GLIBC_OFF);
  const chipLike = pairs.length - before;
  const s0 = pairs.length;
  for (const y of SPECIAL) for (const x of SPECIAL) pairs.push([y, x]);
  return { pairs, chipLike, special: pairs.length - s0 };
}

describeParity('atan2 vs glibc\'s std::atan2', () => {
  it('correctly rounded; equal to glibc but where glibc is not correctly rounded', () => {
    const { pairs, chipLike, special } = cases();
    const dir = scratchDir('atan2');
    const file = join(dir, 'cases.txt');
    writeFileSync(file, pairs.map(([y, x]) => `${text(y)} ${text(x)}`).join('\n') + '\n');
    const out = runHarnessJson<Atan2Line>(['atan2', file]);
    expect(out.length).toBe(pairs.length);

    let ours = 0; // ours !== glibc
    let oursClose = 0; // ... of which too close to a midpoint to call with atan2l
    let math = 0; // Math.atan2 !== glibc
    let mathChip = 0;
    let oursChip = 0;
    let sure = 0;
    let glibcWrong = 0; // glibc !== ref where margin > 2^-9
    const examples: string[] = [];
    const differing: string[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const [y, x] = pairs[i]!;
      const g = num(out[i]!.atan2);
      const ref = num(out[i]!.ref);
      const margin = num(out[i]!.margin);
      const a = atan2(y, x);
      const m = Math.atan2(y, x);
      const isSpecial = i >= pairs.length - special;
      const isChip = i >= 200000 && !isSpecial;
      const certain = margin > 2 ** -9;
      if (certain) {
        sure++;
        expect(Object.is(a, ref), `atan2(${text(y)}, ${text(x)}): ours ${a}, correctly rounded ${ref} (glibc ${g}, margin ${margin})`).toBe(true);
        if (!Object.is(g, ref)) glibcWrong++;
      }
      if (isSpecial) expect(Object.is(a, g), `atan2(${y}, ${x}): ours ${a}, glibc ${g}`).toBe(true);
      if (!Object.is(m, g)) {
        math++;
        if (isChip) mathChip++;
      }
      if (!Object.is(a, g)) {
        ours++;
        if (isChip) oursChip++;
        if (!certain) oursClose++;
        expect(Math.abs(ulps(a, g)), `atan2(${y}, ${x}): ours ${a}, glibc ${g}`).toBe(1);
        expect(certain && Object.is(g, ref), `atan2(${y}, ${x}): ours ${a} differs from glibc ${g}, which is correctly rounded`).toBe(false);
        differing.push(`${text(y)} ${text(x)} ${a} ${g}`);
        if (examples.length < 3) examples.push(`atan2(${y}, ${x}) ours ${a} glibc ${g}`);
      }
    }
    // For checking with a multi-precision atan2 (mpmath): y x ours glibc, one case a line.
    writeFileSync(join(dir, 'differing.txt'), differing.join('\n') + '\n');
    for (const [y, x] of CHIP_CASES) {
      const g = num(out[pairs.findIndex((p) => p[0] === y && p[1] === x)]!.atan2);
      expect(atan2(y, x), `chip angle atan2(${y}, ${x})`).toBe(g);
      expect(Math.atan2(y, x)).not.toBe(g);
    }
    process.stdout.write(
      `atan2 parity: ${pairs.length} cases (${chipLike} chip-like, ${special} special); ` +
        `ours != glibc: ${ours} (${oursChip} chip-like; ${oursClose} within 2^-9 ulp of a midpoint, the rest where glibc is not correctly rounded); ` +
        `Math.atan2 != glibc: ${math} (${mathChip} chip-like); ` +
        `${sure} cases decided by atan2l: ours correctly rounded in all, glibc in all but ${glibcWrong}. e.g. ${examples.join('; ')}; all in ${join(dir, 'differing.txt')}\n`);
  });
});
