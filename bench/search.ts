/**
 * Search at scale (issue 15): one query against 1,000,000 face descriptors spread like dlib's
 * (bench/cluster.ts's syntheticDescriptors: 1000 identities), exact k-nearest-neighbour search:
 *  - adding the 1,000,000 descriptors to a WasmFaceIndex (copied into WebAssembly memory), once;
 *  - WasmFaceIndex.search (assembly/knn.ts, one thread), k = 1 and k = 10: median and least CPU
 *    time per query over queries drawn like the data (a known identity's new photo);
 *  - knnReference (TypeScript, float64 per row), k = 10, a few queries;
 *  - Gallery.search as identify calls it (the nearest person, and every person within 0.6),
 *    through the index (the gallery's rows are the same descriptors, 1000 people), against the
 *    TypeScript scan (Gallery.scan) on a few queries, answers compared;
 * and checks every timed query's answer against the reference (the same rows and distances).
 * `npm run bench search`; FACEMETRIC_BENCH_SEARCH_N sets the number of descriptors.
 */
import { Gallery } from '../src/gallery/gallery.js';
import { knnReference, type NearestRow } from '../src/gallery/knn.js';
import { WasmFaceIndex } from '../src/gallery/knn-wasm.js';
import { syntheticDescriptors } from './cluster.js';
import { median } from './timing.js';

export async function searchBench(): Promise<void> {
  const n = Number(process.env.FACEMETRIC_BENCH_SEARCH_N ?? 1_000_000);
  let t0 = performance.now();
  const flat = syntheticDescriptors(n + 40, 1000, 7);
  const data = flat.subarray(0, n * 128);
  const queries = Array.from({ length: 40 }, (_, i) => flat.subarray((n + i) * 128, (n + i + 1) * 128));
  console.log(`search: ${n.toLocaleString('en')} descriptors made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const index = new WasmFaceIndex(n);
  index.add(data);
  const addMs = performance.now() - t0;
  if (index.note !== undefined) console.log(`search: ${index.note}`);
  const rows: Record<string, string | number>[] = [{ what: `add ${n.toLocaleString('en')} descriptors`, 'median ms': Number(addMs.toFixed(0)), 'least CPU ms': '-', queries: 1 }];
  const answers = new Map<string, NearestRow[]>();
  for (const k of [1, 10]) {
    const wall: number[] = [];
    let cpu = Infinity;
    index.search(queries[0]!, k); // warm-up
    queries.forEach((q, i) => {
      const c0 = process.cpuUsage();
      const s = performance.now();
      const got = index.search(q, k);
      wall.push(performance.now() - s);
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / 1000);
      if (i < 5) answers.set(`${k}/${i}`, got);
    });
    rows.push({ what: `WasmFaceIndex.search, k = ${k}`, 'median ms': Number(median(wall).toFixed(2)), 'least CPU ms': Number(cpu.toFixed(2)), queries: wall.length });
  }
  const ref: number[] = [];
  let same = 0;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    const want = knnReference(queries[i]!, data, n, 128, 10);
    ref.push(performance.now() - s);
    if (JSON.stringify(want) === JSON.stringify(answers.get(`10/${i}`))) same++;
    if (JSON.stringify(want.slice(0, 1)) === JSON.stringify(answers.get(`1/${i}`))) same++;
  }
  const g = new Gallery({ modelSha256: '0'.repeat(64) });
  t0 = performance.now();
  for (let i = 0; i < n; i++) g.add(`p${i % 1000}`, { descriptor: data.subarray(i * 128, (i + 1) * 128) });
  const gWall: number[] = [];
  g.search(queries[0]!, { k: 1, upTo: 0.6 }); // builds the index
  const gAdd = performance.now() - t0;
  const gAnswers = queries.map((q) => {
    const s = performance.now();
    const got = g.search(q, { k: 1, upTo: 0.6 });
    gWall.push(performance.now() - s);
    return got;
  });
  rows.push({ what: `Gallery: add ${n.toLocaleString('en')} faces, first search`, 'median ms': Number(gAdd.toFixed(0)), 'least CPU ms': '-', queries: 1 });
  rows.push({ what: 'Gallery.search (nearest person, all within 0.6)', 'median ms': Number(median(gWall).toFixed(2)), 'least CPU ms': '-', queries: gWall.length });
  const scanWall: number[] = [];
  let sameG = 0;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    const all = g.scan(queries[i]!);
    scanWall.push(performance.now() - s);
    const want = all.filter((m, j) => j === 0 || m.distance <= 0.6);
    if (JSON.stringify(want) === JSON.stringify(gAnswers[i])) sameG++;
  }
  rows.push({ what: 'Gallery.scan (TypeScript)', 'median ms': Number(median(scanWall).toFixed(0)), 'least CPU ms': '-', queries: scanWall.length });
  if (sameG !== 3) {
    console.log(`search: Gallery.search and Gallery.scan differ on ${3 - sameG} of 3 queries — MISMATCH`);
    process.exitCode = 1;
  }
  rows.push({ what: 'knnReference (TypeScript), k = 10', 'median ms': Number(median(ref).toFixed(0)), 'least CPU ms': '-', queries: ref.length });
  console.table(rows);
  console.log(`search: ${same} of 6 answers checked identical to the reference (rows and distances)${same === 6 ? '' : ' — MISMATCH'}`);
  if (same !== 6) process.exitCode = 1;
}
