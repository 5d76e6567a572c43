/**
 * Chinese Whispers graph clustering, as dlib 19.24 computes it (dlib/clustering/chinese_whispers.h),
 * and the face graph that dlib's examples/dnn_face_recognition_ex.cpp builds for it.
 *
 * Exactness notes (what makes the labels identical to dlib's for the same random numbers):
 *  - Unordered edges (dlib's `sample_pair`) are normalised to index1 <= index2, expanded to both
 *    directions (`convert_unordered_to_ordered`: a self-edge once, any other edge twice) and sorted
 *    by (index1, index2) (`order_by_index`); ordered edges (`ordered_sample_pair`) are used as given
 *    and must already be sorted that way (dlib's `is_ordered_by_index` requirement).
 *  - The node count is `max_index_plus_one(edges)`; each node's edges form one contiguous range
 *    (`find_neighbor_ranges`), so nodes without edges below the largest index simply keep a label.
 *  - Each of `nodes * iterations` steps picks node `get_random_64bit_number() % nodes`, where
 *    dlib's 64-bit number is two 32-bit draws, the first in the high half. The node's edges add
 *    their distance (weight; 1 for unweighted edges) to their far end's label in edge order; the
 *    label with the largest sum wins, ties going to the smallest label (a std::map's first
 *    maximum); a node with no edges (or only NaN sums) keeps its label.
 *  - Labels are renumbered 0..k-1 in order of first appearance over the nodes.
 *
 * One unavoidable difference: std::sort is not stable, so for unordered input with duplicate
 * edges carrying different weights, dlib sums those duplicates in an order the standard leaves
 * unspecified, whereas here they keep input order. Sums are the same unless their rounding
 * differs (never for unit or dyadic weights).
 */
import { FacemetricError } from '../errors.js';
import { DlibRand } from '../rand/dlib-rand.js';

/** The part of dlib::rand that chinese_whispers uses (implemented by `DlibRand`). */
export interface ChineseWhispersRng {
  /** dlib::rand::get_random_32bit_number(): an integer in [0, 2^32). */
  getRandom32bitNumber(): number;
}

/** An unweighted edge [i, j] (dlib's `sample_pair(i, j)`, distance 1). */
export type PairEdge = readonly [number, number];
/** A weighted edge (dlib's `sample_pair(i, j, weight)` or `ordered_sample_pair(i, j, weight)`). */
export interface WeightedEdge {
  readonly i: number;
  readonly j: number;
  /** dlib's `distance()`: what the edge adds to its far end's label score (default 1). */
  readonly weight?: number;
}

export interface ChineseWhispersOptions {
  /** dlib's `num_iterations` (default 100): the algorithm makes `nodes * iterations` steps. */
  iterations?: number;
  /** The random source (dlib's `dlib::rand& rnd`); default: a fresh `new DlibRand()`, as dlib's overloads without one. */
  rng?: ChineseWhispersRng;
  /**
   * false (default): edges are undirected, as dlib's `sample_pair` overload takes them.
   * true: edges are directed, as dlib's `ordered_sample_pair` overload takes them, and must be
   * sorted by (i, j); a node only sees its outgoing edges.
   */
  ordered?: boolean;
}

export interface ChineseWhispersResult {
  /** labels[node] in 0..numClusters-1. */
  labels: number[];
  numClusters: number;
}

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
export function chineseWhispers(edges: readonly (PairEdge | WeightedEdge)[], options?: ChineseWhispersOptions): ChineseWhispersResult;
export function chineseWhispers(edges: readonly (PairEdge | WeightedEdge)[], numNodes: number | undefined, options?: ChineseWhispersOptions): ChineseWhispersResult;
export function chineseWhispers(
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

/**
 * dlib's `length(a - b)` for two `matrix<float,0,1>`: float differences, squared and summed in
 * float in index order (dlib's `sum(squared(m))`), then a float square root.
 */
export function dlibFloatDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new FacemetricError(`dlibFloatDistance: lengths differ (${a.length} vs ${b.length})`);
  const f = Math.fround;
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = f(f(a[k]) - f(b[k]));
    s = f(s + f(d * d));
  }
  return f(Math.sqrt(s));
}

/**
 * The face graph of dlib's examples/dnn_face_recognition_ex.cpp: for every pair i <= j (self-pairs
 * included), the edge [i, j] when `length(descriptors[i] - descriptors[j]) < threshold`, computed
 * in float as dlib computes it for `matrix<float,0,1>` (see {@link dlibFloatDistance}), in the
 * example's loop order.
 */
export function buildFaceEdges(descriptors: readonly ArrayLike<number>[], threshold = 0.6): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < descriptors.length; i++) {
    for (let j = i; j < descriptors.length; j++) {
      if (dlibFloatDistance(descriptors[i], descriptors[j]) < threshold) out.push([i, j]);
    }
  }
  return out;
}
