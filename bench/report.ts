/**
 * `npm run bench report` (issue 18): how fast a browser opens the cluster report of a photo
 * library of 100,000 faces. The report's pages are made by cluster's own renderer (renderReport,
 * written by writeReportPages) for a synthetic library (reportLibrary: ~30,000 people, a few with
 * thousands of faces, most seen once or twice), with real 150x150 chips (examples/johns' face
 * chips as PNG, hard-linked 100,000 times). Debian's Chromium (headless, driven by
 * playwright-core) opens each kind of page five times in a fresh context (no cache); printed are
 * the medians of the navigation's DOMContentLoaded, first contentful paint, load event, and the
 * moment every thumbnail in view is loaded and decoded, and what the page holds.
 * Chromium: /usr/bin/chromium (apt-get install chromium), or FACEMETRIC_CHROMIUM=PATH.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReportPages } from '../src/cli/cluster.js';
import { renderReport, type ReportPerson } from '../src/cli/report.js';
import { encodePng, readImageSync } from '../src/image/index.js';
import { exampleImages } from '../src/models/index.js';
import { benchOutDir } from './against-dlib.js';

/**
 * A library's people for the report (deterministic): people of 5,000, 2,000, 1,000, 1,000, 501,
 * 500 and 499 faces, then people of 40 up to 60,000 faces, then singletons and pairs up to
 * `faces` faces in `people` people; faces/face-NNNNNN.png in order, three faces a photo.
 */
export function reportLibrary(faces = 100_000, people = 20_000): { people: ReportPerson[]; faces: number; photos: number } {
  const sizes = [5000, 2000, 1000, 1000, 501, 500, 499];
  let total = sizes.reduce((a, b) => a + b, 0);
  while (total + 40 <= 0.6 * faces) sizes.push(40), total += 40;
  while (sizes.length < people - 2) sizes.push(1), total++;
  while (total < faces) {
    const add = Math.min(faces - total, 2);
    sizes.push(add);
    total += add;
  }
  let face = 0;
  const list = sizes.map((n, i): ReportPerson => ({
    person: i + 1,
    label: i,
    tile: `person-${i + 1}.png`,
    representative: n > 3 ? 2 : 0,
    faces: Array.from({ length: n }, () => {
      face++;
      const photo = `/lib/photo-${Math.floor(face / 3)}.jpg`;
      return { image: photo.slice(1), imageAbs: photo, rect: [10, 20, 110, 120] as const, chip: `faces/face-${String(face).padStart(6, '0')}.png` };
    }),
  }));
  return { people: list, faces: face, photos: Math.floor(face / 3) + 1 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function reportBench(): Promise<void> {
  const chromiumPath = process.env.FACEMETRIC_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.error(`bench report: no Chromium at ${chromiumPath} (apt-get install chromium, or FACEMETRIC_CHROMIUM=PATH)`);
    process.exitCode = 1;
    return;
  }
  const dir = join(benchOutDir('report'), 'report');
  const lib = reportLibrary();
  const t0 = performance.now();
  // The chips: examples/johns' 150x150 face chips as PNG, hard-linked round the faces.
  const faces = join(dir, 'faces');
  mkdirSync(faces, { recursive: true });
  const sources = exampleImages('johns').map((f, k) => {
    const png = join(dir, `source-${k}.png`);
    if (!existsSync(png)) writeFileSync(png, encodePng(readImageSync(f), { filterType: 4 }));
    return png;
  });
  const have = new Set(readdirSync(faces));
  let face = 0;
  for (const p of lib.people) {
    for (const f of p.faces) {
      const name = f.chip.slice('faces/'.length);
      if (!have.has(name)) linkSync(sources[face % sources.length]!, join(faces, name));
      face++;
    }
  }
  const pages = renderReport({
    outDir: dir,
    people: lib.people,
    numFaces: lib.faces,
    numImages: lib.photos,
    skipped: Array.from({ length: 20 }, (_, k) => ({ file: `/lib/bad-${k}.jpg`, problem: 'corrupt JPEG data (premature end of data segment)' })),
    withoutFaces: Array.from({ length: 20_000 }, (_, k) => `/lib/empty-${k}.jpg`),
    otherFiles: Array.from({ length: 300 }, (_, k) => ({ file: `/lib/photo-${k}.jpg.xmp`, type: 'text file' })),
    settings: 'threshold 0.6, jitter 0, upsample 0',
    version: 'bench',
  });
  writeReportPages(dir, pages);
  const chipBytes = statSync(sources[0]!).size;
  console.log(`report: ${lib.faces.toLocaleString('en')} faces of ${lib.people.length.toLocaleString('en')} people in ${pages.length.toLocaleString('en')} pages (made in ${((performance.now() - t0) / 1000).toFixed(1)} s; chips ~${Math.round(chipBytes / 1024)} KB each) at ${dir}`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath });
  const version = browser.version();
  const rows: Record<string, string | number>[] = [];
  try {
    const largestIndex = pages.filter((p) => p.path.startsWith('index')).length;
    for (const [what, path] of [
      ['index, page 1 (200 people)', 'index.html'],
      [`index, last page`, largestIndex === 1 ? 'index.html' : `index-${largestIndex}.html`],
      ['person of 5,000 faces, page 1 (500 faces)', 'person/1.html'],
      ['person of 5,000 faces, page 10', 'person/1-10.html'],
      ['files.html (20,320 files, text)', 'files.html'],
    ] as const) {
      const html = pages.find((p) => p.path === path)!.html;
      const dcl: number[] = [], fcp: number[] = [], load: number[] = [], screen: number[] = [];
      let inView = 0;
      for (let run = 0; run < 5; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto(pathToFileURL(join(dir, path)).href, { waitUntil: 'load' });
        // (A string: this file is compiled without the DOM's types.) Waits for the first
        // contentful paint's entry and for every thumbnail in view to be loaded and decoded.
        const m = await page.evaluate(`(async () => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = await new Promise((done) => {
            new PerformanceObserver((l) => { const e = l.getEntries().find((x) => x.name === 'first-contentful-paint'); if (e) done(e.startTime); }).observe({ type: 'paint', buffered: true });
            setTimeout(() => done(NaN), 5000);
          });
          const inView = [...document.images].filter((i) => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; });
          await Promise.all(inView.map((i) => i.decode().catch(() => {})));
          return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp, screen: performance.now(), inView: inView.length };
        })()`) as { dcl: number; load: number; fcp: number; screen: number; inView: number };
        dcl.push(m.dcl);
        fcp.push(m.fcp);
        load.push(m.load);
        screen.push(m.screen);
        inView = m.inView;
        await context.close();
      }
      rows.push({
        page: what,
        'KB': Math.round(html.length / 1024),
        thumbnails: (html.match(/<img /g) ?? []).length,
        'in view': inView,
        'DOMContentLoaded ms': Math.round(median(dcl)),
        'first paint ms': Math.round(median(fcp)),
        'load ms': Math.round(median(load)),
        'screen complete ms': Math.round(median(screen)),
      });
    }
  } finally {
    await browser.close();
  }
  console.table(rows);
  console.log(`report: Chromium ${version}, headless, 1280x900; medians of 5 loads each in a fresh context; times from the navigation's start; thumbnails load lazily: 'screen complete' is when every thumbnail in view ('in view') is loaded and decoded`);
  if (process.env.FACEMETRIC_BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
}
