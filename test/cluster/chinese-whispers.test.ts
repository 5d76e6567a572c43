import { describe, expect, it } from 'vitest';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { buildFaceEdges, chineseWhispers, dlibFloatDistance } from '../../src/cluster/index.js';
import { Lcg } from '../helpers/random.js';
import { ReplayRng } from '../helpers/replay-rng.js';

/** Picks the given nodes in turn: 64-bit numbers (0 << 32) | node. */
const picks = (...nodes: number[]): ReplayRng => new ReplayRng(nodes.flatMap((v) => [0, v]));

describe('chineseWhispers (dlib chinese_whispers)', () => {
  it('has no labels for no edges, as dlib; numNodes pads singletons', () => {
    expect(chineseWhispers([], { rng: picks() })).toEqual({ labels: [], numClusters: 0 });
    expect(chineseWhispers([], 3, { rng: picks() })).toEqual({ labels: [0, 1, 2], numClusters: 3 });
  });

  it('draws two 32-bit numbers per step, nodes * iterations steps', () => {
    const rng = new Lcg();
    let draws = 0;
    const counting = { getRandom32bitNumber: () => (draws++, rng.getRandom32bitNumber()) };
    chineseWhispers([[0, 1], [2, 3]], { rng: counting, iterations: 7 });
    expect(draws).toBe(2 * 4 * 7);
  });

  it('moves a node to its neighbours\' most common label; ties go to the smallest label', () => {
    // nodes 0..2, node 0 sees 1 and 2 (one each): label 1 wins the tie.
    expect(chineseWhispers([[0, 1], [0, 2]], { rng: picks(0, 0, 0), iterations: 1 }).labels).toEqual([0, 0, 1]);
    // a heavier edge to 2 wins.
    const w = [{ i: 0, j: 1, weight: 1 }, { i: 2, j: 0, weight: 2 }];
    expect(chineseWhispers(w, { rng: picks(0, 0, 0), iterations: 1 }).labels).toEqual([0, 1, 0]);
    // node 1 then takes node 0's label (its only neighbour).
    expect(chineseWhispers([[0, 1], [0, 2]], { rng: picks(0, 1, 2), iterations: 1 })).toEqual({ labels: [0, 0, 0], numClusters: 1 });
  });

  it('duplicate edges count twice; self-edges once', () => {
    // node 0: edges to 1 and, twice, to 2 => label 2.
    expect(chineseWhispers([[0, 1], [0, 2], [2, 0]], { rng: picks(0, 0, 0), iterations: 1 }).labels).toEqual([0, 1, 0]);
    // node 0: self-edge (its own label 0) and one edge to 1: tie, 0 < 1 keeps 0.
    expect(chineseWhispers([[0, 0], [0, 1]], { rng: picks(0, 0), iterations: 1 }).labels).toEqual([0, 1]);
  });

  it('takes the node as dlib\'s 64-bit number (first draw high) modulo the node count', () => {
    // 3 nodes, (1 << 32 | 0) % 3 = 1: node 1 moves to node 0's label.
    const rng = new ReplayRng([1, 0, 0, 0, 0, 0]);
    expect(chineseWhispers([[0, 1], [1, 2]], { rng, iterations: 1 }).labels).toEqual([0, 0, 1]);
    // large high halves: a path 0..5 and an isolated self-looped node 6 (picking it changes
    // nothing); the one test pick moves node e = (hi << 32 | lo) % 7 next to a neighbour.
    const cases: [number, number][] = [[0xffffffff, 0xfffffffe], [0x80000001, 12345], [0xdeadbeef, 0xcafebabe], [7, 3]];
    for (const [hi, lo] of cases) {
      const e = Number(((BigInt(hi) << 32n) | BigInt(lo)) % 7n);
      const path: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [6, 6]];
      const rest = Array.from({ length: 6 }, () => [0, 6]).flat();
      const r = chineseWhispers(path, { rng: new ReplayRng([hi, lo, ...rest]), iterations: 1 });
      if (e === 6) expect(r.numClusters).toBe(7);
      else {
        expect(r.numClusters).toBe(6);
        expect(r.labels[e]).toBe(r.labels[e === 0 ? 1 : e - 1]);
      }
    }
  });

  it('separates two cliques (with self-edges) and leaves isolated nodes alone', () => {
    const edges: [number, number][] = [];
    for (let i = 0; i < 10; i++) for (let j = i; j < 10; j++) if ((i < 5) === (j < 5)) edges.push([i, j]);
    edges.push([12, 12]);
    const r = chineseWhispers(edges, 14, { rng: new Lcg() });
    expect(r.labels.slice(0, 5).every((l) => l === r.labels[0])).toBe(true);
    expect(r.labels.slice(5, 10).every((l) => l === r.labels[5])).toBe(true);
    expect(r.labels[0]).toBe(0);
    expect(r.labels[5]).toBe(1);
    expect(r.labels.slice(10)).toEqual([2, 3, 4, 5]);
    expect(r.numClusters).toBe(6);
  });

  it('ordered edges are directed and must be sorted by (i, j)', () => {
    // 0 -> 1 only: node 1 has no outgoing edges and keeps its label.
    expect(chineseWhispers([[0, 1]], { rng: picks(1, 1, 0, 0), iterations: 2, ordered: true }).labels).toEqual([0, 0]);
    expect(chineseWhispers([[1, 0]], { rng: picks(0, 0, 0, 0), iterations: 2, ordered: true }).labels).toEqual([0, 1]);
    expect(() => chineseWhispers([[1, 0], [0, 1]], { rng: picks(), ordered: true })).toThrow(/sorted/);
  });

  it('validates its inputs', () => {
    expect(() => chineseWhispers([[0, -1]], { rng: picks() })).toThrow(/non-negative integer/);
    expect(() => chineseWhispers([[0, 1.5]], { rng: picks() })).toThrow(/non-negative integer/);
    expect(() => chineseWhispers([[0, 4]], 3, { rng: picks() })).toThrow(/numNodes/);
    expect(() => chineseWhispers([[0, 1]], { rng: {} as never })).toThrow(/rng/);
  });
});

describe('chineseWhispers with dlib::rand', () => {
  it('defaults to a fresh DlibRand, as dlib\'s overloads without a rand', () => {
    const edges: [number, number][] = [[0, 1], [1, 2], [3, 4], [4, 4], [2, 0]];
    expect(chineseWhispers(edges)).toEqual(chineseWhispers(edges, { rng: new DlibRand() }));
    expect(chineseWhispers(edges, 7)).toEqual({ labels: [0, 0, 0, 1, 1, 2, 3], numClusters: 4 });
  });
});

describe('buildFaceEdges (dnn_face_recognition_ex.cpp)', () => {
  it('computes dlib\'s float length(a - b)', () => {
    const a = Float32Array.from({ length: 128 }, (_, k) => Math.sin(k) * 0.1);
    const b = Float32Array.from({ length: 128 }, (_, k) => Math.cos(k) * 0.1);
    const d = dlibFloatDistance(a, b);
    expect(Math.fround(d)).toBe(d);
    expect(Math.abs(d - Math.hypot(...Array.from(a, (v, k) => v - b[k])))).toBeLessThan(1e-6);
    expect(dlibFloatDistance(a, a)).toBe(0);
  });

  it('keeps pairs i <= j (self-pairs included) closer than the threshold, strictly', () => {
    const d = [Float32Array.of(0, 0), Float32Array.of(0.5, 0), Float32Array.of(0.5, 0.6), Float32Array.of(3, 0)];
    // |d1 - d2| is float(0.6) = 0.6000000238... > 0.6: no edge, as in dlib.
    expect(buildFaceEdges(d)).toEqual([[0, 0], [0, 1], [1, 1], [2, 2], [3, 3]]);
    expect(buildFaceEdges(d, 0.61)).toEqual([[0, 0], [0, 1], [1, 1], [1, 2], [2, 2], [3, 3]]);
    expect(buildFaceEdges(d, 0.5)).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
    expect(buildFaceEdges([])).toEqual([]);
  });
});
