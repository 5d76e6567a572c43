import { readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { test } from 'vitest';
import { runHarnessJson } from '../../src/parity/harness.js';
import { exampleImages } from '../../src/models/index.js';
import { rngU32 } from '../helpers/random.js';
import { compareWithDlib, dlibOutcome, type DamagedJpeg } from './damaged-jpegs.js';

test('campaign', () => {
  const seed = Number(process.env.CAMP_SEED ?? 1);
  const next = rngU32(seed);
  const below = (n: number): number => Math.floor((next() / 4294967296) * n);
  const srcs: Array<[string, Uint8Array]> = [];
  for (const d of ['jpeg', 'damaged']) {
    const dir = new URL(`./fixtures/${d}/`, import.meta.url);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.jpg') && !/cmyk|ycck/.test(f))) srcs.push([f, new Uint8Array(readFileSync(new URL(f, dir)))]);
  }
  for (const f of exampleImages('video_frames').slice(0, 5)) srcs.push([f.split('/').pop()!, new Uint8Array(readFileSync(f))]);
  for (const f of [...exampleImages('johns').slice(0, 3), ...exampleImages('faces').filter((f) => /\.jpg$/.test(f)).slice(0, Number(process.env.CAMP_FACES ?? 0))]) srcs.push([f.split('/').pop()!, new Uint8Array(readFileSync(f))]);
  if (process.env.CAMP_ONLY) { const re = new RegExp(process.env.CAMP_ONLY); srcs.splice(0, srcs.length, ...srcs.filter(([n]) => re.test(n))); }
  const set: DamagedJpeg[] = [];
  for (let i = 0; i < Number(process.env.CAMP_N ?? 1500); i++) {
    const [name, src] = srcs[below(srcs.length)];
    const n = src.length;
    let b: Uint8Array;
    const kind = below(6);
    let tag = '';
    if (kind === 0) { const cut = 2 + below(n - 2); b = src.slice(0, cut); tag = `cut${cut}`; }
    else if (kind === 1) { b = src.slice(); const k = 1 + below(4); for (let j = 0; j < k; j++) { const at = 2 + below(n - 2); b[at] ^= 1 << below(8); } tag = `flip${k}`; }
    else if (kind === 2) { b = src.slice(); const at = 2 + below(n - 2); const len = 1 + below(200); b.fill(below(2) ? 0 : 0xff, at, Math.min(n, at + len)); tag = `fill${at}+${len}`; }
    else if (kind === 3) { const at = 2 + below(n - 2); const len = 1 + below(100); b = new Uint8Array([...src.subarray(0, at), ...src.subarray(Math.min(n, at + len))]); tag = `del${at}+${len}`; }
    else if (kind === 4) { const at = 2 + below(n - 2); const ins = Uint8Array.from({ length: 1 + below(20) }, () => below(256)); b = new Uint8Array([...src.subarray(0, at), ...ins, ...src.subarray(at)]); tag = `ins${at}`; }
    else { b = src.slice(); for (let j = 0; j < 2; j++) { const at = 2 + below(n - 3); b[at] = 0xff; b[at + 1] = below(256); } tag = 'marker'; }
    set.push({ name: `${i}-${name.replace(/\.jpg$/, '')}-${tag}.jpg`, bytes: b });
  }
  const dir = '/tmp/i18/camp/' + seed;
  rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
  const files = set.map((d) => { const f = `${dir}/${d.name}`; writeFileSync(f, d.bytes); return f; });
  const dl = runHarnessJson<Parameters<typeof dlibOutcome>[0]>(['load-report', ...files], { timeoutMs: 600_000 }).map(dlibOutcome);
  const r = compareWithDlib(set, dl);
  console.log(`CAMP seed ${seed}: ${set.length}, dlib ${r.decodedByDlib}, ours ${r.decodedByUs}, identical ${r.identical}`);
  for (const d of r.differences.slice(0, 30)) console.log('DIFF', d);
  for (const d of r.warnings.slice(0, 30)) console.log('WARN', d);
}, 900_000);
