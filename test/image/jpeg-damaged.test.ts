/**
 * Damaged JPEGs decoded as libjpeg-turbo decodes them, without dlib at hand: the generated set
 * (./damaged-jpegs.ts) against dlib's outcomes recorded by test/parity/jpeg-damaged-parity.test.ts
 * (fixtures/damaged/dlib-outcomes.json: size and CRC-32 of load_image's pixels, or libjpeg's error,
 * the first warning libjpeg printed, and for decoded files all its warnings, each message once).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeJpegExact } from '../../src/image/jpeg/decoder.js';
import { compareWithDlib, damagedJpegs, type DlibOutcome } from './damaged-jpegs.js';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/damaged/dlib-outcomes.json', import.meta.url), 'utf8')) as Record<string, DlibOutcome>;

describe('damaged JPEGs: dlib\'s outcomes', () => {
  const set = damagedJpegs();

  test('the set is the one dlib\'s outcomes were recorded for', () => {
    expect(set.map((d) => d.name)).toEqual(Object.keys(recorded));
    expect(set.length).toBe(759);
  });

  test('every file dlib decodes gives its pixels and libjpeg\'s warnings; every file it refuses is refused for libjpeg\'s reason', () => {
    const r = compareWithDlib(set, set.map((d) => recorded[d.name]!));
    expect(r.differences).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect([r.decodedByDlib, r.decodedByUs, r.identical]).toEqual([685, 685, 685]);
  });

  test('block smoothing: truncated progressive files among them, smoothed as libjpeg smooths them', () => {
    const smoothed = set.filter((d) => recorded[d.name]!.error === undefined && decodeJpegExact(d.bytes).smoothed);
    expect(smoothed.length).toBe(73);
  });
});
