/**
 * The typed-array chineseWhispers (counting sorts, compact input, no per-step allocation) against
 * a verbatim copy of the straightforward implementation it replaced (commit 264bac9, below as
 * `chineseWhispersReference`), on many random graphs: unweighted, dyadic and arbitrary double
 * weights (duplicates with different weights included), non-finite weights, ordered (directed),
 * sorted and unsorted input, self-edges, duplicates, isolated nodes and numNodes padding; and the
 * compact form `{ pairs: Uint32Array, count?, weights? }` (a FaceEdgeList) against the array form.
 * The reference's labels are dlib's (test/parity/chinese-whispers-parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { DlibRand } from '../../src/rand/dlib-rand.js';
import { Lcg, rng } from '../helpers/random.js';
import {
  buildFaceEdges,
  chineseWhispers,
  faceEdges,
  type ChineseWhispersOptions,
  type ChineseWhispersResult,
  type ChineseWhispersRng,
  type PairEdge,
  type WeightedEdge,
} from '../../src/cluster/index.js';

// ---------------------------------------------------------------------------------------------
// The implementation before the rewrite, verbatim but for the function's name.

function checkIndex(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new FacemetricError(`chineseWhispers: ${what} must be a non-negative integer, got ${v}`);
  return v;
}

/** Edge lists in dlib's ordered form: parallel arrays from, to, distance. */
interface OrderedEdges {
  from: number[];
  to: number[];
  dist: number[];
}

function readEdge(e: PairEdge | WeightedEdge, k: number): [number, number, number] {
  if (Array.isArray(e)) {
    const p = e as PairEdge;
    return [checkIndex(p[0], `edges[${k}][0]`), checkIndex(p[1], `edges[${k}][1]`), 1];
  }
  const w = e as WeightedEdge;
  const d = w.weight ?? 1;
  if (typeof d !== 'number') throw new FacemetricError(`chineseWhispers: edges[${k}].weight must be a number`);
  return [checkIndex(w.i, `edges[${k}].i`), checkIndex(w.j, `edges[${k}].j`), d];
}

/**
 * dlib's `sample_pair` construction, `convert_unordered_to_ordered` and the sort by
 * `order_by_index` (stable here; see the module note).
 */
function unorderedToOrdered(edges: readonly (PairEdge | WeightedEdge)[]): OrderedEdges {
  const a: number[] = [];
  const b: number[] = [];
  const d: number[] = [];
  for (let k = 0; k < edges.length; k++) {
    const [x, y, w] = readEdge(edges[k], k);
    const lo = x < y ? x : y;
    const hi = x < y ? y : x;
    a.push(lo, ...(lo !== hi ? [hi] : []));
    b.push(hi, ...(lo !== hi ? [lo] : []));
    d.push(w, ...(lo !== hi ? [w] : []));
  }
  const order = Array.from(a.keys());
  order.sort((p, q) => a[p] - a[q] || b[p] - b[q] || p - q);
  return { from: order.map((k) => a[k]), to: order.map((k) => b[k]), dist: order.map((k) => d[k]) };
}

function asOrdered(edges: readonly (PairEdge | WeightedEdge)[]): OrderedEdges {
  const out: OrderedEdges = { from: [], to: [], dist: [] };
  for (let k = 0; k < edges.length; k++) {
    const [x, y, w] = readEdge(edges[k], k);
    if (k > 0) {
      const px = out.from[k - 1];
      const py = out.to[k - 1];
      if (x < px || (x === px && y < py)) {
        throw new FacemetricError(`chineseWhispers: ordered edges must be sorted by (i, j) (dlib's is_ordered_by_index); edges[${k}] is out of order`);
      }
    }
    out.from.push(x);
    out.to.push(y);
    out.dist.push(w);
  }
  return out;
}

/** node mod n for dlib's 64-bit number (hi << 32 | lo), exactly. */
function mod64(hi: number, lo: number, n: number): number {
  if (n <= 0x4000000) return (((hi % n) * (0x100000000 % n)) + (lo % n)) % n;
  return Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(n));
}

/**
 * Chinese Whispers clustering, mirroring dlib's `chinese_whispers()` (19.24) bit for bit: the
 * `sample_pair` overloads (undirected edges) by default, the `ordered_sample_pair` overloads with
 * `ordered: true`.
 *
 * @param edges `[i, j]` pairs (weight 1) or `{ i, j, weight }` objects.
 * @param numNodes optional node count: dlib clusters nodes 0..max index; nodes from there up to
 *   numNodes - 1 (which have no edges) are appended as singleton clusters, numbered after dlib's.
 * @returns labels 0..numClusters-1, numbered in order of first appearance, as dlib's.
 */
export function chineseWhispersReference(
  edges: readonly (PairEdge | WeightedEdge)[],
  a?: number | ChineseWhispersOptions,
  b?: ChineseWhispersOptions,
): ChineseWhispersResult {
  const options: ChineseWhispersOptions = (typeof a === 'object' && a !== null ? a : b) ?? {};
  const numNodes = typeof a === 'number' ? a : undefined;
  if (options.rng !== undefined && typeof options.rng.getRandom32bitNumber !== 'function') {
    throw new FacemetricError('chineseWhispers: options.rng must have getRandom32bitNumber() (a DlibRand)');
  }
  const iterations = options.iterations ?? 100;
  checkIndex(iterations, 'iterations');
  if (numNodes !== undefined) checkIndex(numNodes, 'numNodes');
  const rng = options.rng ?? new DlibRand();

  const g = options.ordered ? asOrdered(edges) : unorderedToOrdered(edges);
  const m = g.from.length;

  // max_index_plus_one, then find_neighbor_ranges: node v's edges are [start[v], end[v]).
  let n = 0;
  for (let k = 0; k < m; k++) n = Math.max(n, g.from[k] + 1, g.to[k] + 1);
  if (numNodes !== undefined && numNodes < n) {
    throw new FacemetricError(`chineseWhispers: numNodes (${numNodes}) is less than the largest node index + 1 (${n})`);
  }
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let k = 0; k < m; k++) {
    const v = g.from[k];
    if (k === 0 || g.from[k - 1] !== v) start[v] = k;
    end[v] = k + 1;
  }

  const labels = new Array<number>(n);
  for (let v = 0; v < n; v++) labels[v] = v;

  // Scores per label (dlib: a std::map<unsigned long, double> per step; here a dense array and
  // the list of labels touched, visited in ascending order like the map).
  const score = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched: number[] = [];
  const steps = n * iterations;
  for (let step = 0; step < steps; step++) {
    const hi = rng.getRandom32bitNumber() >>> 0;
    const lo = rng.getRandom32bitNumber() >>> 0;
    const idx = mod64(hi, lo, n);

    touched.length = 0;
    for (let k = start[idx]; k < end[idx]; k++) {
      const l = labels[g.to[k]];
      if (!seen[l]) {
        seen[l] = 1;
        score[l] = 0;
        touched.push(l);
      }
      score[l] += g.dist[k];
    }
    if (touched.length > 1) touched.sort((p, q) => p - q);
    let best = -Infinity;
    let bestLabel = labels[idx];
    for (const l of touched) {
      if (score[l] > best) {
        best = score[l];
        bestLabel = l;
      }
      seen[l] = 0;
    }
    labels[idx] = bestLabel;
  }

  // Renumber in order of first appearance.
  const remap = new Map<number, number>();
  for (let v = 0; v < n; v++) {
    let r = remap.get(labels[v]);
    if (r === undefined) {
      r = remap.size;
      remap.set(labels[v], r);
    }
    labels[v] = r;
  }
  let numClusters = remap.size;
  for (let v = n; v < (numNodes ?? n); v++) labels.push(numClusters++);
  return { labels, numClusters };
}


// ---------------------------------------------------------------------------------------------

const prng = rng; // mulberry32 (test/helpers/random.ts): the graphs' generator

type Kind = 'unweighted' | 'ones' | 'dyadic' | 'weighted' | 'odd';

interface Graph {
  edges: WeightedEdge[];
  n: number;
}

/**
 * Random edges over n nodes: about density * n^2 / 2, self-edges, duplicates (for 'weighted' with
 * different weights), both orientations, isolated nodes (the top 10% mostly), sorted or not.
 */
function randomGraph(r: () => number, kind: Kind, ordered: boolean): Graph {
  const n = 1 + Math.floor(r() ** 2 * 300);
  const density = [0.005, 0.03, 0.2, 0.8][Math.floor(r() * 4)];
  const m = Math.max(r() < 0.03 ? 0 : 1, Math.round((density * n * (n + 1)) / 2));
  const span = n > 5 ? Math.ceil(n * 0.9) : n;
  const weight = (): number | undefined => {
    switch (kind) {
      case 'unweighted': return undefined;
      case 'ones': return r() < 0.5 ? 1 : undefined;
      case 'dyadic': return Math.floor(r() * 16 - 4) / 8;
      case 'weighted': return r() * 2 - 0.3;
      case 'odd': {
        const x = r();
        return x < 0.05 ? NaN : x < 0.1 ? Infinity : x < 0.15 ? -Infinity : x < 0.2 ? -0 : x < 0.25 ? 0 : r() * 3 - 1;
      }
    }
  };
  const edges: WeightedEdge[] = [];
  for (let k = 0; k < m; k++) {
    const i = Math.floor(r() * span);
    const j = r() < 0.05 ? i : Math.floor(r() * span);
    const w = weight();
    edges.push(w === undefined ? { i, j } : { i, j, weight: w });
    if (r() < 0.08) {
      // a duplicate, in either orientation, with its own weight
      const w2 = kind === 'weighted' || kind === 'odd' ? weight() : w;
      edges.push(w2 === undefined ? { i: j, j: i } : { i: j, j: i, weight: w2 });
    }
  }
  // ordered: sorted by (i, j) as dlib requires; unordered: half sorted by (min, max), half as drawn
  if (ordered) edges.sort((a, b) => a.i - b.i || a.j - b.j);
  else if (r() < 0.5) {
    const norm = edges.map((e) => ({ ...e, i: Math.min(e.i, e.j), j: Math.max(e.i, e.j) }));
    norm.sort((a, b) => a.i - b.i || a.j - b.j);
    edges.splice(0, edges.length, ...norm);
  }
  return { edges, n };
}

/** The same edges, unweighted ones as [i, j] arrays where possible (a mixed array). */
function mixed(edges: WeightedEdge[], r: () => number): (PairEdge | WeightedEdge)[] {
  return edges.map((e) => (e.weight === undefined && r() < 0.5 ? ([e.i, e.j] as PairEdge) : e));
}

function compact(edges: readonly WeightedEdge[], withWeights: boolean, pad = 0): { pairs: Uint32Array; count: number; weights?: Float64Array } {
  const pairs = new Uint32Array(2 * edges.length + 2 * pad).fill(7);
  edges.forEach((e, k) => {
    pairs[2 * k] = e.i;
    pairs[2 * k + 1] = e.j;
  });
  const out: { pairs: Uint32Array; count: number; weights?: Float64Array } = { pairs, count: edges.length };
  if (withWeights) out.weights = Float64Array.from(edges, (e) => e.weight ?? 1);
  return out;
}

function run(f: () => ChineseWhispersResult): ChineseWhispersResult | string {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof FacemetricError)) throw e;
    return `error: ${e.message}`;
  }
}

describe('chineseWhispers: the typed-array implementation against the one it replaced', () => {
  const kinds: Kind[] = ['unweighted', 'ones', 'dyadic', 'weighted', 'odd'];
  for (const kind of kinds) {
    for (const ordered of [false, true]) {
      it(`${kind}${ordered ? ', ordered' : ''}: identical labels on 150 random graphs`, () => {
        const r = prng(kinds.indexOf(kind) * 1000 + (ordered ? 500 : 0) + 1);
        for (let c = 0; c < 150; c++) {
          const { edges, n } = randomGraph(r, kind, ordered);
          const seed = Math.floor(r() * 2 ** 32);
          const iterations = [0, 1, 3, 20, 100][Math.floor(r() * 5)];
          const numNodes = r() < 0.3 ? n + Math.floor(r() * 5) : undefined;
          const opts = (): ChineseWhispersOptions => ({ rng: new Lcg(seed), iterations, ordered });
          const input = mixed(edges, r);
          const want = run(() => chineseWhispersReference(input, numNodes, opts()));
          expect(run(() => chineseWhispers(input, numNodes, opts())), `case ${c}`).toEqual(want);
          // the compact form: weights given, or left out when every edge weighs 1
          const unit = edges.every((e) => e.weight === undefined || e.weight === 1);
          const withWeights = !unit || r() < 0.5;
          const pad = r() < 0.3 ? 3 : 0;
          expect(run(() => chineseWhispers(compact(edges, withWeights, pad), numNodes, opts())), `case ${c} (compact)`).toEqual(want);
        }
      });
    }
  }

  it('identical labels with dlib\'s default rand on larger graphs (2000 nodes, clustered)', () => {
    const r = prng(77);
    for (const [n, groups] of [[2000, 40], [1500, 300]] as const) {
      const group = Array.from({ length: n }, () => Math.floor(r() * groups));
      const edges: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          if (group[i] === group[j] ? r() < 0.6 || i === j : r() < 0.0008) edges.push(r() < 0.5 ? [i, j] : [j, i]);
        }
      }
      // sorted (one counting pass) and shuffled (two)
      const shuffled = edges.slice();
      for (let k = shuffled.length - 1; k > 0; k--) {
        const q = Math.floor(r() * (k + 1));
        [shuffled[k], shuffled[q]] = [shuffled[q], shuffled[k]];
      }
      for (const e of [edges, shuffled]) {
        const want = chineseWhispersReference(e, { iterations: 30 });
        expect(chineseWhispers(e, { iterations: 30 })).toEqual(want);
        const weighted = e.map(([i, j]) => ({ i, j, weight: 0.5 + ((i * 7 + j * 13) % 10) / 7 }));
        expect(chineseWhispers(weighted, { rng: new DlibRand('w'), iterations: 10 })).toEqual(
          chineseWhispersReference(weighted, { rng: new DlibRand('w'), iterations: 10 }),
        );
      }
    }
  });

  it('sums a node\'s edges in (index1, index2) order whatever the input order (rounding decides here)', () => {
    // node 5 sees label 0 (node 0, weight 0.6) and, once nodes 2 and 3 have taken node 1's label,
    // label 1 through nodes 1, 2, 3 (0.1, 0.2, 0.3): in dlib's sorted order 0.1 + 0.2 + 0.3 =
    // 0.6000000000000001 beats 0.6, whereas 0.3 + 0.2 + 0.1 = 0.6 would tie and give label 0.
    const edges: WeightedEdge[] = [
      { i: 5, j: 3, weight: 0.3 }, { i: 2, j: 5, weight: 0.2 }, { i: 1, j: 5, weight: 0.1 }, { i: 0, j: 5, weight: 0.6 },
      { i: 3, j: 1, weight: 5 }, { i: 2, j: 1, weight: 5 },
    ];
    const picks = (): ChineseWhispersRng => {
      const v = [2, 3, 5, 5, 5, 5].flatMap((x) => [0, x]);
      let k = 0;
      return { getRandom32bitNumber: () => v[k++] };
    };
    const r = prng(9);
    for (let c = 0; c < 20; c++) {
      const e = edges.slice();
      for (let k = e.length - 1; k > 0; k--) {
        const q = Math.floor(r() * (k + 1));
        [e[k], e[q]] = [e[q], e[k]];
      }
      const want = chineseWhispersReference(e, { rng: picks(), iterations: 1 });
      expect(want.labels[5]).toBe(want.labels[1]);
      expect(chineseWhispers(e, { rng: picks(), iterations: 1 })).toEqual(want);
      expect(chineseWhispers(compact(e, true), { rng: picks(), iterations: 1 })).toEqual(want);
    }
  });

  it('throws the same errors as before, first error first', () => {
    const bad: [(PairEdge | WeightedEdge)[], number | undefined, ChineseWhispersOptions][] = [
      [[[0, -1]], undefined, {}],
      [[[0, 1.5]], undefined, {}],
      [[[0, 1], { i: 2, j: NaN }], undefined, {}],
      [[{ i: 0, j: 1, weight: '2' as unknown as number }], undefined, {}],
      [[[0, 4]], 3, {}],
      [[[0, 1]], -1, {}],
      [[[0, 1]], undefined, { iterations: 1.5 }],
      [[[1, 0], [0, 1]], undefined, { ordered: true }],
      [[[1, 0], [0, 1], [0, -1]], undefined, { ordered: true }],
      [[[1, 0], [0, -1], [0, 1]], undefined, { ordered: true }],
      [[[0, 1], [0, 1], [0, 0]], undefined, { ordered: true }],
      [[[0, 1]], undefined, { rng: {} as never }],
    ];
    for (const [edges, numNodes, o] of bad) {
      const opts = { rng: new Lcg(1), ...o };
      const want = run(() => chineseWhispersReference(edges, numNodes, opts));
      expect(want).toMatch(/^error: /);
      expect(run(() => chineseWhispers(edges, numNodes, { ...opts, rng: o.rng ?? new Lcg(1) }))).toBe(want);
    }
  });
});

describe('chineseWhispers: the compact form { pairs: Uint32Array }', () => {
  it('gives the array form\'s labels for a FaceEdgeList (faceEdges), with numNodes', () => {
    const r = prng(5);
    const n = 300;
    const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: 128 }, () => (r() - 0.5) * 0.3));
    const d = Array.from({ length: n }, () => {
      const c = centres[Math.floor(r() * centres.length)];
      return Float32Array.from(c, (v) => v + (r() - 0.5) * 0.06);
    });
    const list = faceEdges(d, 0.6);
    const pairs = buildFaceEdges(d, 0.6);
    expect(list.count).toBe(pairs.length);
    const want = chineseWhispers(pairs, n);
    expect(want.numClusters).toBeGreaterThan(1);
    expect(chineseWhispers(list, n)).toEqual(want);
    expect(chineseWhispers(list, n)).toEqual(chineseWhispersReference(pairs, n));
    expect(chineseWhispers(list, n + 2, { iterations: 5 })).toEqual(chineseWhispersReference(pairs, n + 2, { iterations: 5 }));
  });

  it('reads count edges (default pairs.length / 2) and optional weights', () => {
    const pairs = Uint32Array.of(0, 1, 1, 2, 3, 3, 2, 0, 9, 9);
    const arr: PairEdge[] = [[0, 1], [1, 2], [3, 3], [2, 0], [9, 9]];
    expect(chineseWhispers({ pairs }, { rng: new Lcg(3) })).toEqual(chineseWhispers(arr, { rng: new Lcg(3) }));
    expect(chineseWhispers({ pairs, count: 4 }, { rng: new Lcg(3) })).toEqual(chineseWhispers(arr.slice(0, 4), { rng: new Lcg(3) }));
    expect(chineseWhispers({ pairs, count: 0 }, 2)).toEqual({ labels: [0, 1], numClusters: 2 });
    const weights = [1, 3, 1, 0.5, 2];
    expect(chineseWhispers({ pairs, weights }, { rng: new Lcg(4) })).toEqual(
      chineseWhispers(arr.map(([i, j], k) => ({ i, j, weight: weights[k] })), { rng: new Lcg(4) }),
    );
    // ordered: the pairs in order, as ordered_sample_pair(pairs[2k], pairs[2k + 1])
    const sorted = Uint32Array.of(0, 1, 1, 0, 1, 2, 2, 2);
    expect(chineseWhispers({ pairs: sorted }, { rng: new Lcg(5), ordered: true })).toEqual(
      chineseWhispers([[0, 1], [1, 0], [1, 2], [2, 2]], { rng: new Lcg(5), ordered: true }),
    );
  });

  it('validates the compact form', () => {
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 1, 2) })).toThrow(/odd/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 1), count: 2 })).toThrow(/count/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 1), count: -1 })).toThrow(/non-negative integer/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 1, 1, 2), weights: [1] })).toThrow(/weights/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 0x80000000) })).toThrow(/at most/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(1, 0, 0, 1) }, { ordered: true })).toThrow(/sorted/);
    expect(() => chineseWhispers({ pairs: [0, 1] } as never)).toThrow(/Uint32Array/);
    expect(() => chineseWhispers({ pairs: Uint32Array.of(0, 2) }, 2)).toThrow(/numNodes/);
  });
});
