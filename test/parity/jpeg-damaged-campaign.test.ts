/**
 * An opt-in random campaign against live dlib, of the damage kinds of test/image/damaged-jpegs.ts
 * and more (cuts anywhere, 1 to 4 flipped bits anywhere, runs of 00 or FF, deleted and inserted
 * bytes, marker-like pairs), over the JPEG fixtures (CMYK/YCCK left out: jpeg-js decodes those on
 * purpose) and some example photos: every file must give dlib's outcome, pixels, refusal and
 * libjpeg's warnings. Not part of the usual run (minutes for thousands of files):
 *   FACEMETRIC_JPEG_CAMPAIGN=2000 FACEMETRIC_JPEG_CAMPAIGN_SEED=1 npx vitest run test/parity/jpeg-damaged-campaign.test.ts
 * Seeds 1, 2 and 10 (2,000 files each, first warnings compared) and 9 (300), and seed 11 (1,500,
 * all warnings compared) pass; the campaigns that preceded this test (16,500 files) found the two
 * differences README's JPEG section names, both fixed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { exampleImages } from '../../src/models/index.js';
import { runHarnessJson } from '../../src/parity/harness.js';
import { compareWithDlib, dlibOutcome, type DamagedJpeg } from '../image/damaged-jpegs.js';
import { rngU32 } from '../helpers/random.js';
import { describeParity, scratchDir } from './helpers.js';

const COUNT = Number(process.env.FACEMETRIC_JPEG_CAMPAIGN ?? 0);
const SEED = Number(process.env.FACEMETRIC_JPEG_CAMPAIGN_SEED ?? 1);

describeParity('damaged JPEGs: a random campaign against dlib (opt-in)', () => {
  test.skipIf(!(COUNT > 0))(`${COUNT} files, seed ${SEED}`, () => {
    const next = rngU32(SEED);
    const below = (n: number): number => Math.floor((next() / 4294967296) * n);
    const sources: Array<[string, Uint8Array]> = [];
    for (const d of ['jpeg', 'damaged']) {
      const dir = new URL(`../image/fixtures/${d}/`, import.meta.url);
      for (const f of readdirSync(dir).filter((f) => f.endsWith('.jpg') && !/cmyk|ycck/.test(f))) {
        sources.push([f, new Uint8Array(readFileSync(new URL(f, dir)))]);
      }
    }
    const photos = [...exampleImages('video_frames').slice(0, 5), ...exampleImages('johns').slice(0, 3),
      ...exampleImages('faces').filter((f) => f.endsWith('.jpg')).slice(0, 3)];
    for (const f of photos) sources.push([f.split('/').pop()!, new Uint8Array(readFileSync(f))]);
    const set: DamagedJpeg[] = [];
    for (let i = 0; i < COUNT; i++) {
      const [name, src] = sources[below(sources.length)]!;
      const n = src.length;
      let b: Uint8Array;
      let tag: string;
      switch (below(6)) {
        case 0: { const cut = 2 + below(n - 2); b = src.slice(0, cut); tag = `cut${cut}`; break; }
        case 1: { b = src.slice(); const k = 1 + below(4); for (let j = 0; j < k; j++) b[2 + below(n - 2)] ^= 1 << below(8); tag = `flip${k}`; break; }
        case 2: { b = src.slice(); const at = 2 + below(n - 2); const len = 1 + below(200); b.fill(below(2) ? 0 : 0xff, at, Math.min(n, at + len)); tag = `fill${at}+${len}`; break; }
        case 3: { const at = 2 + below(n - 2); const len = 1 + below(100); b = new Uint8Array([...src.subarray(0, at), ...src.subarray(Math.min(n, at + len))]); tag = `del${at}+${len}`; break; }
        case 4: { const at = 2 + below(n - 2); const ins = Uint8Array.from({ length: 1 + below(20) }, () => below(256)); b = new Uint8Array([...src.subarray(0, at), ...ins, ...src.subarray(at)]); tag = `ins${at}`; break; }
        default: { b = src.slice(); for (let j = 0; j < 2; j++) { const at = 2 + below(n - 3); b[at] = 0xff; b[at + 1] = below(256); } tag = 'marker'; }
      }
      set.push({ name: `${i}-${name.replace(/\.jpg$/, '')}-${tag}.jpg`, bytes: b });
    }
    const dir = scratchDir('jpeg-campaign');
    try {
      mkdirSync(dir, { recursive: true });
      const files = set.map((d) => { const f = join(dir, d.name); writeFileSync(f, d.bytes); return f; });
      const dlib = runHarnessJson<Parameters<typeof dlibOutcome>[0]>(['load-report', ...files], { timeoutMs: 900_000 }).map(dlibOutcome);
      // All of libjpeg's warnings (dlib prints the first).
      runHarnessJson<{ warnings: string[] }>(['jpeg-warnings', ...files], { timeoutMs: 900_000 }).forEach((w, i) => {
        if (dlib[i]!.error === undefined) dlib[i]!.warnings = [...new Set(w.warnings)];
      });
      const r = compareWithDlib(set, dlib);
      process.stdout.write(`JPEG campaign seed ${SEED}: ${set.length} files, dlib decodes ${r.decodedByDlib}, facemetric ${r.decodedByUs}, identical ${r.identical}\n`);
      expect(r.differences).toEqual([]);
      expect(r.warnings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_800_000);
});
