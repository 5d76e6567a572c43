/**
 * Damaged JPEGs (test/image/damaged-jpegs.ts: truncations, bit flips, zeroed runs, removed and
 * renumbered restart markers) against live dlib (harness load-report: load_image on Debian 12's
 * libjpeg62-turbo 2.1.5): every file dlib decodes must give identical pixels (CRC-32 of the RGB
 * bytes), every file it refuses must be refused for libjpeg's reason, and our warnings must be
 * libjpeg's (harness jpeg-warnings: all of them, each message once; dlib prints the first).
 *
 * FACEMETRIC_UPDATE_DAMAGED=1 also writes dlib's outcomes to test/image/fixtures/damaged/dlib-outcomes.json,
 * which test/image/jpeg-damaged.test.ts checks without dlib.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runHarnessJson } from '../../src/parity/harness.js';
import { compareWithDlib, damagedJpegs, dlibOutcome, type DlibOutcome } from '../image/damaged-jpegs.js';
import { describeParity, scratchDir } from './helpers.js';

const OUTCOMES = fileURLToPath(new URL('../image/fixtures/damaged/dlib-outcomes.json', import.meta.url));

describeParity('damaged JPEGs: dlib\'s load_image pixels, refusals and first warning', () => {
  let work = '';
  beforeAll(() => { work = scratchDir('jpeg-damaged'); });
  afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  test('the generated set, file by file', () => {
    const set = damagedJpegs();
    const files = set.map((d) => {
      const f = join(work, d.name);
      writeFileSync(f, d.bytes);
      return f;
    });
    const dlib: DlibOutcome[] = runHarnessJson<Parameters<typeof dlibOutcome>[0]>(['load-report', ...files], { timeoutMs: 300_000 }).map(dlibOutcome);
    expect(dlib.length).toBe(set.length);
    // Every warning libjpeg emits on the same calls (dlib prints only the first): the first is the
    // one dlib printed, and the list (each message once) is what facemetric must report.
    const all = runHarnessJson<{ warnings: string[]; error?: string }>(['jpeg-warnings', ...files], { timeoutMs: 300_000 });
    expect(all.length).toBe(set.length);
    all.forEach((w, i) => {
      expect([set[i]!.name, w.warnings[0] ?? '', w.error === undefined]).toEqual([set[i]!.name, dlib[i]!.warning, dlib[i]!.error === undefined]);
      if (dlib[i]!.error === undefined) dlib[i]!.warnings = [...new Set(w.warnings)];
    });
    if (process.env.FACEMETRIC_UPDATE_DAMAGED === '1') {
      writeFileSync(OUTCOMES, JSON.stringify(Object.fromEntries(set.map((d, i) => [d.name, dlib[i]])), null, 0).replace(/\},"/g, '},\n"') + '\n');
    }
    const r = compareWithDlib(set, dlib);
    process.stdout.write(`damaged JPEGs: ${set.length}, dlib decodes ${r.decodedByDlib}, facemetric ${r.decodedByUs}, identical ${r.identical}\n`);
    expect(r.differences).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.identical).toBe(r.decodedByDlib);
  }, 300_000);
});
