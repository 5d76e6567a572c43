/**
 * chineseWhispers against live dlib::chinese_whispers (the harness's `chinese-whispers` command):
 * random graphs of 1..500 nodes, sparse to dense, with self-edges, duplicate edges and isolated
 * nodes, unweighted (sample_pair), weighted (sample_pair with a distance) and directed
 * (ordered_sample_pair). dlib's random numbers are replayed from the harness's `draws`, so the
 * labels must be identical. Also buildFaceEdges against dlib's float lengths (`face-edges`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildFaceEdges, chineseWhispers, type WeightedEdge } from '../../src/cluster/index.js';
import { assetPath, exampleImages, exampleImagesDir } from '../../src/models/index.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { runHarnessJson, type HarnessClusters, type HarnessImage } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';
import { ReplayRng } from '../helpers/replay-rng.js';
import { rng } from '../helpers/random.js';

interface CwResult {
  clusters: number;
  nodes: number;
  labels: number[];
  draws: number[];
}


const prng = rng; // mulberry32 (test/helpers/random.ts): the graphs' generator

type Kind = 'unweighted' | 'dyadic' | 'weighted' | 'ordered';

/** Random edges over n nodes: about density * n^2 / 2 pairs, some self-edges and duplicates. */
function randomGraph(n: number, density: number, kind: Kind, seed: number): WeightedEdge[] {
  const r = prng(seed);
  const m = Math.max(1, Math.round((density * n * (n + 1)) / 2));
  const out: WeightedEdge[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < m; k++) {
    // nodes drawn from the lower 90% so that some, including the last ones, stay isolated
    const span = n > 5 ? Math.ceil(n * 0.9) : n;
    const i = Math.floor(r() * span);
    const j = r() < 0.05 ? i : Math.floor(r() * span);
    const key = `${Math.min(i, j)},${Math.max(i, j)}`;
    // 'weighted' keeps distinct pairs (any double weight); the others allow duplicates
    if (kind === 'weighted' && seen.has(key)) continue;
    seen.add(key);
    const weight = kind === 'unweighted' ? undefined : kind === 'dyadic' ? Math.floor(r() * 16 + 1) / 8 : r() * 2;
    out.push(weight === undefined ? { i, j } : { i, j, weight });
    if (kind !== 'weighted' && r() < 0.05) out.push({ ...out[out.length - 1] });
  }
  if (kind === 'ordered') out.sort((a, b) => a.i - b.i || a.j - b.j);
  return out;
}

function harnessRun(dir: string, name: string, edges: WeightedEdge[], kind: Kind, extra: string[]): CwResult {
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, edges.map((e) => (e.weight === undefined ? `${e.i} ${e.j}` : `${e.i} ${e.j} ${e.weight}`)).join('\n') + '\n');
  const args = ['chinese-whispers', file, '--draws', '1', ...extra];
  if (kind !== 'unweighted') args.push('--weighted', '1');
  if (kind === 'ordered') args.push('--ordered', '1');
  return runHarnessJson<CwResult>(args)[0];
}

describeParity('chineseWhispers vs dlib::chinese_whispers', () => {
  const sizes = [1, 2, 3, 7, 20, 60, 150, 500];
  const densities = [0.02, 0.2, 0.7];
  const kinds: Kind[] = ['unweighted', 'dyadic', 'weighted', 'ordered'];

  for (const kind of kinds) {
    it(`${kind}: labels identical to dlib's on random graphs of 1..500 nodes`, () => {
      const dir = scratchDir(`cw-${kind}`);
      let cases = 0;
      let seed = 1;
      for (const n of sizes) {
        for (const density of densities) {
          if (n === 500 && density > 0.2) continue;
          seed++;
          const edges = randomGraph(n, density, kind, seed * 7919 + kinds.indexOf(kind));
          // dlib's default rand for one density, seeded rands and other iteration counts otherwise
          const extra = density === 0.02 ? [] : ['--seed', `s${seed}`, '--iterations', String(density === 0.2 ? 100 : 17)];
          const iterations = density === 0.7 ? 17 : 100;
          const want = harnessRun(dir, `g${n}-${density}`, edges, kind, extra);
          const rng = new ReplayRng(want.draws);
          const got = chineseWhispers(edges, { rng, iterations, ordered: kind === 'ordered' });
          expect(rng.used, `n=${n} density=${density}`).toBe(want.draws.length);
          expect(got.labels, `n=${n} density=${density}`).toEqual(want.labels);
          expect(got.numClusters).toBe(want.clusters);
          // and with facemetric's own dlib::rand port, seeded as the harness seeded dlib's
          const own = chineseWhispers(edges, { rng: density === 0.02 ? new DlibRand() : new DlibRand(`s${seed}`), iterations, ordered: kind === 'ordered' });
          expect(own.labels, `DlibRand n=${n} density=${density}`).toEqual(want.labels);
          cases++;
        }
      }
      expect(cases).toBe(sizes.length * densities.length - 1);
    });
  }

  it('an empty graph gives no labels, as dlib', () => {
    const want = harnessRun(scratchDir('cw-empty'), 'empty', [], 'unweighted', []);
    expect(want.labels).toEqual([]);
    expect(chineseWhispers([], { rng: new ReplayRng([]) })).toEqual({ labels: [], numClusters: 0 });
  });

  it('buildFaceEdges matches dlib\'s length(a - b) < threshold on float descriptors', () => {
    const r = prng(99);
    // 80 random 128-D unit-ish vectors in 8 tight groups, so that many lengths fall near the thresholds (0.23..0.58)
    const centres = Array.from({ length: 8 }, () => Float32Array.from({ length: 128 }, () => (r() - 0.5) * 0.09));
    const d = Array.from({ length: 80 }, (_, k) => Float32Array.from(centres[k % 8], (v) => v + (r() - 0.5) * 0.06));
    const dir = scratchDir('face-edges');
    const file = join(dir, 'd.f32');
    const flat = new Float32Array(80 * 128);
    d.forEach((v, k) => flat.set(v, k * 128));
    writeFileSync(file, Buffer.from(flat.buffer));
    for (const threshold of [0.3, 0.45, 0.5, 0.55, 0.6]) {
      const [want] = runHarnessJson<{ faces: number; edges: [number, number][]; lengths: number[] }>(
        ['face-edges', file, '--threshold', String(threshold)]);
      expect(want.faces).toBe(80);
      expect(buildFaceEdges(d, threshold)).toEqual(want.edges);
    }
  });
});

describeParity('face clustering as dnn_face_recognition_ex.cpp, with chineseWhispers', () => {
  const net = (): string => assetPath('dlib_face_recognition_resnet_model_v1');
  const predictor = (): string => assetPath('shape_predictor_68_face_landmarks');
  const sets: [string, () => string[], number, number][] = [
    ['bald_guys.jpg', () => [join(exampleImagesDir(), 'faces', 'bald_guys.jpg')], 24, 4],
    ['examples/johns', () => exampleImages('johns'), 55, 5],
  ];
  for (const [name, images, numFaces, people] of sets) {
    it(`${name}: dlib's descriptors give dlib's edges and the harness cluster command's labels (${numFaces} faces, ${people} people)`, () => {
      const files = images();
      const described = runHarnessJson<HarnessImage>(['describe', '--predictor', predictor(), '--net', net(), ...files]);
      const descriptors = described.flatMap((im) => im.faces.map((f) => Float32Array.from(f.descriptor!)));
      expect(descriptors).toHaveLength(numFaces);
      const edges = buildFaceEdges(descriptors);

      // dlib's edges for the same descriptors
      const dir = scratchDir('cw-faces');
      const flat = new Float32Array(descriptors.length * 128);
      descriptors.forEach((v, k) => flat.set(v, k * 128));
      writeFileSync(join(dir, 'd.f32'), Buffer.from(flat.buffer));
      const [dlibEdges] = runHarnessJson<{ edges: [number, number][] }>(['face-edges', join(dir, 'd.f32'), '--threshold', '0.6']);
      expect(edges).toEqual(dlibEdges.edges);

      // the random numbers dlib's default rand gives chinese_whispers on this graph
      const want = harnessRun(dir, 'faces', edges.map(([i, j]) => ({ i, j })), 'unweighted', []);
      const got = chineseWhispers(edges, { rng: new ReplayRng(want.draws) });
      const [clustered] = runHarnessJson<HarnessClusters>(['cluster', '--predictor', predictor(), '--net', net(), '--threshold', '0.6', ...files]);
      expect(got.labels).toEqual(clustered.faces.map((f) => f.label));
      expect(got.numClusters).toBe(clustered.clusters);
      expect(got.numClusters).toBe(people);
      // chineseWhispers' defaults (100 iterations, a fresh DlibRand) are dlib's
      expect(chineseWhispers(edges)).toEqual(got);
    });
  }
});
