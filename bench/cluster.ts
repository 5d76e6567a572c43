/**
 * Face-graph edges (dnn_face_recognition_ex.cpp's `length(d[i] - d[j]) < 0.6` over all pairs
 * i <= j) and Chinese Whispers on them, for 10k and 100k synthetic descriptors:
 *  - faceEdges (the blocked WebAssembly SIMD kernel) at 10k and 100k: median wall time, least
 *    CPU time, pairs/s, edges, pairs re-decided exactly;
 *  - the TypeScript reference (buildFaceEdges, dlib's float arithmetic per pair) at 10k, once;
 *  - dlib through the parity harness (`face-edges`) at 10k: wall time of the process minus that
 *    of a 1-descriptor run (start-up, and writing the edges' JSON is included), and the ratio;
 *  - chineseWhispers (100 iterations, dlib's default rand) on the edges in their compact form
 *    (`chineseWhispers(faceEdges(d, 0.6), n)`), at 10k also on the same edges as [i, j] arrays;
 *  - dlib's chinese_whispers through the parity harness (`chinese-whispers`, the edges written as
 *    an "i j" text file) at 10k: wall time of the process minus that of a 1-edge run (start-up,
 *    reading the edge file and printing the labels included), the ratio, and its labels checked
 *    identical to ours.
 *
 * The descriptors look like dlib's (measured on bald_guys.jpg: norms 1.39..1.50, a common mean of
 * norm about 1.36, about 0.043 per-dimension spread): a common mean, 1000 identity centres
 * (sd 0.047 per dimension, so different people are about 0.85 apart) and within-identity noise
 * (sd 0.025: the same person about 0.40 apart), so edges exist at 0.6 and most pairs are far.
 * `npm run bench cluster`; FACEMETRIC_BENCH_100K=0 skips the 100k rows (minutes on 2 cores).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFaceEdges, chineseWhispers, faceEdges, type ChineseWhispersResult, type FaceEdgeList, type PairEdge } from '../src/cluster/index.js';
import { harnessBinary, runHarness } from '../src/parity/harness.js';
import { relaxedSimdSupported } from '../src/wasm/index.js';
import { benchOutDir } from './against-dlib.js';
import { mulberry32 } from './random.js';
import { median, timeWallAndCpu } from './timing.js';

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** n x 128 descriptors spread like dlib's (see the module note), row-major. */
export function syntheticDescriptors(n: number, identities: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const mean = Array.from({ length: 128 }, () => gauss(r) * 0.12);
  const centres = Array.from({ length: identities }, () => mean.map((m) => m + gauss(r) * 0.047));
  const out = new Float32Array(n * 128);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * identities)];
    for (let k = 0; k < 128; k++) out[i * 128 + k] = c[k] + gauss(r) * 0.025;
  }
  return out;
}

/** The edges as [i, j] arrays (the array form of chineseWhispers' input). */
function toPairs(e: FaceEdgeList): PairEdge[] {
  const out = new Array<PairEdge>(e.count);
  for (let k = 0; k < e.count; k++) out[k] = [e.pairs[2 * k], e.pairs[2 * k + 1]];
  return out;
}

const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);

/** dlib's face-edges on `flat`: median wall time of `runs` processes minus a 1-descriptor run's. */
function dlibFaceEdgesMs(flat: Float32Array, runs: number): { ms: number; edges: number } | null {
  if (!existsSync(harnessBinary())) return null;
  const dir = benchOutDir('cluster');
  const file = join(dir, `d${flat.length / 128}.f32`);
  const one = join(dir, 'd1.f32');
  writeFileSync(file, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
  writeFileSync(one, Buffer.from(flat.buffer, flat.byteOffset, 512));
  const time = (f: string): { ms: number; out: string } => {
    const t0 = performance.now();
    const out = runHarness(['face-edges', f, '--threshold', '0.6']);
    return { ms: performance.now() - t0, out };
  };
  const trivial = median([0, 1, 2, 3, 4].map(() => time(one).ms));
  const full: number[] = [];
  let edges = 0;
  for (let k = 0; k < runs; k++) {
    const { ms, out } = time(file);
    full.push(ms);
    edges = (JSON.parse(out) as { edges: unknown[] }).edges.length;
  }
  return { ms: median(full) - trivial, edges };
}

/**
 * dlib's chinese_whispers (sample_pair edges, 100 iterations, a default dlib::rand) on `e`:
 * median wall time of `runs` processes minus a 1-edge run's, and its labels.
 */
function dlibChineseWhispersMs(e: FaceEdgeList, runs: number): { ms: number; labels: number[]; clusters: number } | null {
  if (!existsSync(harnessBinary())) return null;
  const dir = benchOutDir('cluster');
  const file = join(dir, `cw${e.faces}.txt`);
  const one = join(dir, 'cw1.txt');
  const lines = new Array<string>(e.count);
  for (let k = 0; k < e.count; k++) lines[k] = `${e.pairs[2 * k]} ${e.pairs[2 * k + 1]}`;
  writeFileSync(file, lines.join('\n') + '\n');
  writeFileSync(one, '0 0\n');
  const time = (f: string): { ms: number; out: string } => {
    const t0 = performance.now();
    const out = runHarness(['chinese-whispers', f]);
    return { ms: performance.now() - t0, out };
  };
  const trivial = median([0, 1, 2, 3, 4].map(() => time(one).ms));
  const full: number[] = [];
  let res = { clusters: 0, labels: [] as number[] };
  for (let k = 0; k < runs; k++) {
    const { ms, out } = time(file);
    full.push(ms);
    res = JSON.parse(out) as { clusters: number; labels: number[] };
  }
  return { ms: median(full) - trivial, labels: res.labels, clusters: res.clusters };
}

export async function clusterBench(): Promise<void> {
  const identities = 1000;
  const sizes = process.env.FACEMETRIC_BENCH_100K === '0' ? [10_000] : [10_000, 100_000];
  console.log(`cluster bench: face-graph edges at threshold 0.6 (all pairs i <= j) and chineseWhispers; ${identities} identities;`);
  console.log(`  WebAssembly build: ${relaxedSimdSupported() ? 'relaxed' : 'simd'}; wall = median, cpu = least process CPU time (2 shared cores: read medians)`);
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    const flat = syntheticDescriptors(n, identities, n);
    const pairs = (n * (n + 1)) / 2;
    let edges: FaceEdgeList | undefined;
    const runs = n <= 10_000 ? 5 : 3;
    const t = timeWallAndCpu(() => {
      edges = faceEdges(flat, 0.6);
    }, 0, n <= 10_000 ? 1 : 0, runs, runs);
    const e = edges!;
    rows.push({
      task: `faceEdges wasm, n=${n}`,
      runs,
      'wall (median)': fmt(t.wallMs),
      'cpu (least)': fmt(t.cpuMs),
      'Mpairs/s (wall)': Number((pairs / t.wallMs / 1e3).toFixed(1)),
      edges: e.count,
      'rechecked exactly': e.rechecked,
    });
    let dlib: { ms: number; edges: number } | null = null;
    if (n === 10_000) {
      // the TypeScript reference (dlib's float arithmetic per pair), once
      const d = Array.from({ length: n }, (_, i) => flat.subarray(i * 128, (i + 1) * 128));
      let refEdges = 0;
      const ref = timeWallAndCpu(() => {
        refEdges = buildFaceEdges(d, 0.6).length;
      }, 0, 0, 1, 1);
      rows.push({
        task: `buildFaceEdges (TS reference), n=${n}`,
        runs: 1,
        'wall (median)': fmt(ref.wallMs),
        'cpu (least)': fmt(ref.cpuMs),
        'Mpairs/s (wall)': Number((pairs / ref.wallMs / 1e3).toFixed(2)),
        edges: refEdges,
        'rechecked exactly': '',
      });
      if (refEdges !== e.count) throw new Error(`edge counts differ: reference ${refEdges}, wasm ${e.count}`);
      dlib = dlibFaceEdgesMs(flat, 3);
      if (dlib !== null) {
        rows.push({
          task: `dlib face-edges (harness, process minus a trivial run), n=${n}`,
          runs: 3,
          'wall (median)': fmt(dlib.ms),
          'cpu (least)': '',
          'Mpairs/s (wall)': Number((pairs / dlib.ms / 1e3).toFixed(1)),
          edges: dlib.edges,
          'rechecked exactly': '',
        });
        if (dlib.edges !== e.count) throw new Error(`edge counts differ: dlib ${dlib.edges}, wasm ${e.count}`);
      } else {
        console.log('  (dlib parity harness not built: run npm run build:harness to compare with dlib)');
      }
      rows.push({ task: `  ratios at n=${n}: reference / wasm ${(ref.wallMs / t.wallMs).toFixed(1)}x` +
        (dlib ? `, dlib / wasm ${(dlib.ms / t.wallMs).toFixed(2)}x` : '') });
    }
    const cwRuns = n <= 10_000 ? 5 : 3;
    let cwResult: ChineseWhispersResult | undefined;
    const cw = timeWallAndCpu(() => {
      cwResult = chineseWhispers(e, n);
    }, 0, 0, cwRuns, cwRuns);
    const clusters = cwResult!.numClusters;
    rows.push({
      task: `chineseWhispers (compact edges), n=${n}`,
      runs: cwRuns,
      'wall (median)': fmt(cw.wallMs),
      'cpu (least)': fmt(cw.cpuMs),
      'Mpairs/s (wall)': '',
      edges: e.count,
      'rechecked exactly': `${clusters} clusters`,
    });
    if (n === 10_000) {
      const graph = toPairs(e);
      let same = true;
      const cwArr = timeWallAndCpu(() => {
        const r = chineseWhispers(graph, n);
        same &&= r.numClusters === clusters && r.labels.every((l, v) => l === cwResult!.labels[v]);
      }, 0, 0, cwRuns, cwRuns);
      if (!same) throw new Error('chineseWhispers: the array form\'s labels differ from the compact form\'s');
      rows.push({
        task: `chineseWhispers ([i, j] arrays), n=${n}`,
        runs: cwRuns,
        'wall (median)': fmt(cwArr.wallMs),
        'cpu (least)': fmt(cwArr.cpuMs),
        'Mpairs/s (wall)': '',
        edges: e.count,
        'rechecked exactly': `${clusters} clusters`,
      });
      const dcw = dlibChineseWhispersMs(e, 3);
      if (dcw !== null) {
        if (dcw.clusters !== clusters || dcw.labels.length !== n || dcw.labels.some((l, v) => l !== cwResult!.labels[v])) {
          throw new Error(`chineseWhispers: labels differ from dlib's (dlib ${dcw.clusters} clusters, ours ${clusters})`);
        }
        rows.push({
          task: `dlib chinese_whispers (harness, process minus a 1-edge run), n=${n}`,
          runs: 3,
          'wall (median)': fmt(dcw.ms),
          'cpu (least)': '',
          'Mpairs/s (wall)': '',
          edges: e.count,
          'rechecked exactly': `${dcw.clusters} clusters (labels identical)`,
        });
        rows.push({ task: `  ratios at n=${n}: dlib chinese_whispers / chineseWhispers (compact) ${(dcw.ms / cw.wallMs).toFixed(2)}x` });
      }
    }
    console.table(rows.splice(0));
  }
}
