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
 * Then the approximate index (src/gallery/ivf.ts, wasmApproximateFaceIndex) on the same rows and
 * on a harder set (as many rows, 100 times the identities: 10 faces each at 1,000,000): building
 * it (k-means cells, laying the rows out), and per probe count the median time of a k = 10 query
 * and its recall@10 and recall@1 against the exact search (the share of the exact answer's rows
 * it returns), and Gallery.search({ approximate }) against the exact Gallery.search.
 * `npm run bench search`; FACEMETRIC_BENCH_SEARCH_N sets the number of descriptors.
 */
import { Gallery } from '../src/gallery/gallery.js';
import { knnReference, type NearestRow } from '../src/gallery/knn.js';
import { WasmFaceIndex, wasmApproximateFaceIndex } from '../src/gallery/knn-wasm.js';
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

  const exactMs = median(rows.filter((r) => r.what === 'WasmFaceIndex.search, k = 10').map((r) => r['median ms'] as number));
  approximateBench(`${n.toLocaleString('en')} descriptors, 1,000 identities`, data, queries, index, exactMs);
  const gAll = g.search(queries[0]!, { k: 1, upTo: 0.6, approximate: true }); // builds the gallery's approximate index
  const gaWall: number[] = [];
  let gaSame = 0;
  queries.forEach((q, i) => {
    const s = performance.now();
    const got = g.search(q, { k: 1, upTo: 0.6, approximate: true });
    gaWall.push(performance.now() - s);
    if (got[0]?.name === gAnswers[i]![0]?.name) gaSame++;
  });
  void gAll;
  console.log(`search: Gallery.search({ approximate: true }) median ${median(gaWall).toFixed(2)} ms against ${median(gWall).toFixed(2)} ms exact; the same nearest person for ${gaSame} of ${queries.length} queries`);

  t0 = performance.now();
  const hardFlat = syntheticDescriptors(n + 40, Math.max(1000, Math.round(n / 10)), 11);
  const hard = hardFlat.subarray(0, n * 128);
  const hardQueries = Array.from({ length: 40 }, (_, i) => hardFlat.subarray((n + i) * 128, (n + i + 1) * 128));
  console.log(`search: the harder set, ${Math.max(1000, Math.round(n / 10)).toLocaleString('en')} identities, made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hardExact = new WasmFaceIndex(n);
  hardExact.add(hard);
  approximateBench(`${n.toLocaleString('en')} descriptors, ${Math.max(1000, Math.round(n / 10)).toLocaleString('en')} identities`, hard, hardQueries, hardExact, exactMs);
}

/**
 * The approximate index on `data`: build time, then per probe count the median time of a k = 10
 * query and its recall@10 / recall@1 against `exact`'s answers (`exactMs`: the exact query's time).
 */
function approximateBench(label: string, data: Float32Array, queries: Float32Array[], exact: WasmFaceIndex, exactMs: number): void {
  const truth = queries.map((q) => exact.search(q, 10));
  let t0 = performance.now();
  const ix = wasmApproximateFaceIndex({}, data.length / 128);
  ix.add(data);
  const addMs = performance.now() - t0;
  t0 = performance.now();
  const stats = ix.stats(); // trains the cells, lays the rows out
  const buildMs = performance.now() - t0;
  console.log(`search: approximate index on ${label}: rows copied in ${(addMs / 1000).toFixed(1)} s, ${stats.cells} cells trained and rows laid out in ${(buildMs / 1000).toFixed(1)} s (largest cell ${stats.largestCell.toLocaleString('en')} rows)`);
  const rows: Record<string, string | number>[] = [];
  for (const probes of [4, 8, 16, stats.probes, 2 * stats.probes].filter((p, i, a) => a.indexOf(p) === i && p <= stats.cells).sort((a, b) => a - b)) {
    const wall: number[] = [];
    let hit10 = 0, hit1 = 0;
    ix.search(queries[0]!, 10, probes); // warm-up
    queries.forEach((q, i) => {
      const s = performance.now();
      const got = ix.search(q, 10, probes);
      wall.push(performance.now() - s);
      const want = new Set(truth[i]!.map((r) => r.index));
      hit10 += got.filter((r) => want.has(r.index)).length;
      if (got[0]?.index === truth[i]![0]?.index) hit1++;
    });
    const ms = median(wall);
    rows.push({
      probes: probes === stats.probes ? `${probes} (default)` : probes, 'rows scanned': `${((100 * probes) / stats.cells).toFixed(1)}%`,
      'median ms (k = 10)': Number(ms.toFixed(2)), 'x exact': Number((exactMs / ms).toFixed(1)),
      'recall@10': Number((hit10 / (10 * queries.length)).toFixed(4)), 'recall@1': Number((hit1 / queries.length).toFixed(3)),
    });
  }
  console.table(rows);
}
