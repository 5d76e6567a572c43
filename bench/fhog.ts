/**
 * fHOG and pyramid timings, facemetric (TypeScript reference and WebAssembly backends) vs dlib
 * in the same run: dlib's bald_guys.jpg (1986x1545) and a 640x480 crop of it (top-left corner),
 * RGB, dlib's default options (cell 8, padding 1). Both sides use identical pixels (JPEG
 * decoded by dlib, harness `decode` -> PNG). dlib's times are the harness's medians over repeated
 * extract_fhog_features, pyramid_down<6> and pyramid_up calls (`fhog --repeat`, `time-pyramid`;
 * the harness is built -O2 for the SSE2 baseline).
 *
 * Standalone: `npm run build:ts && node dist/bench/fhog.js`; or call fhogBench() from run.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { extractFhog, pyramidDown, pyramidUp } from '../src/hog/index.js';
import type { Backend } from '../src/wasm/backend.js';
import { encodePng, readImageSync, type RgbImage } from '../src/image/index.js';
import { runHarnessJson } from '../src/parity/harness.js';
import { baldGuysJpg, benchOutDir, cropRgb, decodeWithDlib, harnessBuilt } from './against-dlib.js';

export async function fhogBench(): Promise<void> {
  if (!harnessBuilt('fhog bench')) return;
  const dir = benchOutDir('fhog');
  const bigPng = decodeWithDlib(baldGuysJpg(), join(dir, 'bald_guys.png'));
  const big = readImageSync(bigPng);
  const small = cropRgb(big, 640, 480);
  const smallPng = join(dir, 'bald_guys_640x480.png');
  writeFileSync(smallPng, encodePng(small));

  const images: [string, RgbImage, string][] = [['bald_guys 1986x1545', big, bigPng], ['crop 640x480', small, smallPng]];
  const bench = new Bench({ time: 1500, warmupTime: 300, iterations: 5 });
  for (const [name, img] of images) {
    for (const backend of ['reference', 'wasm'] as Backend[]) bench.add(`fhog ${name} ${backend}`, () => { extractFhog(img, { backend }); });
    for (const backend of ['reference', 'wasm'] as const) bench.add(`pyramid_down<6> ${name} ${backend}`, () => { pyramidDown(img, 6, { backend }); });
    for (const backend of ['reference', 'wasm'] as const) bench.add(`pyramid_up ${name} ${backend}`, () => { pyramidUp(img, { backend }); });
  }
  await bench.run();
  const dlibMs = new Map<string, number>();
  for (const [name, , png] of images) {
    const [r] = runHarnessJson<{ ms: number }>(['fhog', png, dir, '--repeat', '21']);
    dlibMs.set(`fhog ${name}`, r.ms);
    const [p] = runHarnessJson<{ downMs: number; upMs: number }>(['time-pyramid', png, '--repeat', '11']);
    dlibMs.set(`pyramid_down<6> ${name}`, p.downMs);
    dlibMs.set(`pyramid_up ${name}`, p.upMs);
  }
  console.table(bench.tasks.map((t) => {
    const ms = t.result && 'latency' in t.result ? t.result.latency.p50 ?? NaN : NaN;
    const dlib = dlibMs.get(t.name.replace(/ (reference|wasm)$/, ''));
    return {
      task: t.name,
      'median ms': Number(ms.toFixed(2)),
      'dlib ms': dlib === undefined ? '' : Number(dlib.toFixed(2)),
      'dlib / facemetric': dlib === undefined ? '' : `${(dlib / ms).toFixed(2)}x`,
    };
  }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`facemetric fhog bench: node ${process.version}, ${process.platform}/${process.arch}`);
  await fhogBench();
}
