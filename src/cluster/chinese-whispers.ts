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
 *
 * At scale (the face graph of 100k faces has about 5M edges, 10M directed): the edges live in
 * typed arrays, the sort by (index1, index2) is a stable two-pass counting sort (by index2, then
 * by index1; one pass when the normalised input is already sorted, as {@link faceEdges}' is),
 * unit weights need no weight array (and are counted in integers, a run of neighbours with one
 * label at a time), the node is drawn without a double `%`, and the steps allocate nothing. Large graphs can be given in
 * the compact form {@link CompactEdges} (a `FaceEdgeList` is one): no per-edge JavaScript arrays.
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

/**
 * Edges in compact form, for large graphs: edge k joins `pairs[2k]` and `pairs[2k + 1]` (in that
 * order for `ordered: true`), with distance `weights[k]` (default 1). A `FaceEdgeList` from
 * `faceEdges()` is one, so the face graph clusters as `chineseWhispers(faceEdges(d, 0.6), n)`
 * with the same labels as its `[i, j]` array form.
 */
export interface CompactEdges {
  /** Node indices, two per edge. */
  readonly pairs: Uint32Array;
  /** Number of edges (default `pairs.length / 2`, which must then be even). */
  readonly count?: number;
  /** Optional per-edge distances (at least `count` of them); absent: every edge weighs 1. */
  readonly weights?: ArrayLike<number>;
}

/** What chineseWhispers takes: `[i, j]` pairs and/or `{ i, j, weight }` objects, or {@link CompactEdges}. */
export type ChineseWhispersEdges = readonly (PairEdge | WeightedEdge)[] | CompactEdges;

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

/** Node indices are held in Int32Arrays: the largest index is 2^31 - 2 (2^31 - 1 nodes). */
const MAX_INDEX = 0x7ffffffe;

function checkIndex(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new FacemetricError(`chineseWhispers: ${what} must be a non-negative integer, got ${v}`);
  return v;
}

function outOfOrder(k: number): never {
  throw new FacemetricError(`chineseWhispers: ordered edges must be sorted by (i, j) (dlib's is_ordered_by_index); edges[${k}] is out of order`);
}

function tooLarge(v: number): never {
  throw new FacemetricError(`chineseWhispers: node indices must be at most ${MAX_INDEX}, got ${v}`);
}

/** Edges as read: m edges a[k] -> b[k] (dlib's index1, index2 as given), distances or null for all 1. */
interface EdgeInput {
  m: number;
  a: Int32Array | Uint32Array;
  b: Int32Array | Uint32Array;
  w: Float64Array | null;
  /** max index + 1 */
  n: number;
}

/** Reads and validates the array form (errors as each edge is reached, in order). */
function readArray(edges: readonly (PairEdge | WeightedEdge)[], ordered: boolean): EdgeInput {
  const m = edges.length;
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  let w: Float64Array | null = null;
  let n = 0;
  for (let k = 0; k < m; k++) {
    const e = edges[k];
    let x: number;
    let y: number;
    let d = 1;
    if (Array.isArray(e)) {
      const p = e as PairEdge;
      x = checkIndex(p[0], `edges[${k}][0]`);
      y = checkIndex(p[1], `edges[${k}][1]`);
    } else {
      const o = e as WeightedEdge;
      const dw = o.weight ?? 1;
      if (typeof dw !== 'number') throw new FacemetricError(`chineseWhispers: edges[${k}].weight must be a number`);
      x = checkIndex(o.i, `edges[${k}].i`);
      y = checkIndex(o.j, `edges[${k}].j`);
      d = dw;
    }
    if (ordered && k > 0 && (x < a[k - 1] || (x === a[k - 1] && y < b[k - 1]))) outOfOrder(k);
    const hi = x > y ? x : y;
    if (hi > MAX_INDEX) tooLarge(hi);
    if (hi >= n) n = hi + 1;
    a[k] = x;
    b[k] = y;
    if (d !== 1 && w === null) w = new Float64Array(m).fill(1);
    if (w !== null) w[k] = d;
  }
  return { m, a, b, w, n };
}

/** Reads and validates the compact form (the pairs are used in place, not copied). */
function readCompact(edges: CompactEdges): EdgeInput {
  const { pairs } = edges;
  if (edges.count === undefined && pairs.length % 2 !== 0) {
    throw new FacemetricError(`chineseWhispers: pairs must hold two indices per edge (length ${pairs.length} is odd)`);
  }
  const m = edges.count === undefined ? pairs.length / 2 : checkIndex(edges.count, 'count');
  if (2 * m > pairs.length) throw new FacemetricError(`chineseWhispers: count (${m}) needs ${2 * m} indices, pairs has ${pairs.length}`);
  let w: Float64Array | null = null;
  if (edges.weights !== undefined && edges.weights !== null) {
    const ws = edges.weights;
    if (typeof ws.length !== 'number' || ws.length < m) throw new FacemetricError(`chineseWhispers: weights must hold at least count (${m}) numbers`);
    let unit = true;
    for (let k = 0; k < m; k++) {
      const d = ws[k];
      if (typeof d !== 'number') throw new FacemetricError(`chineseWhispers: weights[${k}] must be a number`);
      if (d !== 1) unit = false;
    }
    if (!unit) {
      w = new Float64Array(m);
      for (let k = 0; k < m; k++) w[k] = ws[k];
    }
  }
  let max = -1;
  for (let k = 0; k < 2 * m; k++) if (pairs[k] > max) max = pairs[k];
  if (max > MAX_INDEX) tooLarge(max);
  // views of the first m edges: a = pairs[0, 2, ...], b = pairs[1, 3, ...] (read through stride 2)
  return { m, a: pairs, b: pairs, w, n: max + 1 };
}

/** A graph in dlib's ordered form, grouped by node: node v's edges are [start[v], start[v + 1]). */
interface Graph {
  n: number;
  start: Int32Array;
  to: Int32Array;
  dist: Float64Array | null;
}

/** Index helpers: the array form keeps a and b separately (stride 1), the compact form interleaved. */
function strided(e: EdgeInput): { a: Int32Array | Uint32Array; b: Int32Array | Uint32Array; sa: number; oa: number; ob: number } {
  return e.a === e.b ? { a: e.a, b: e.b, sa: 2, oa: 0, ob: 1 } : { a: e.a, b: e.b, sa: 1, oa: 0, ob: 0 };
}

/**
 * dlib's `sample_pair` construction, `convert_unordered_to_ordered` and the sort by
 * `order_by_index` (stable here; see the module note): a counting sort by index2 and then by
 * index1, or only the latter when the normalised edges are already sorted.
 */
function unorderedToOrdered(e: EdgeInput): Graph {
  const { m, n, w } = e;
  const { a, b, sa, oa, ob } = strided(e);
  // degree of every node = its edges in both buckets (by index1 and by index2: the expansion is symmetric)
  const start = new Int32Array(n + 1);
  let sorted = true;
  let plo = 0;
  let phi = 0;
  for (let k = 0; k < m; k++) {
    const x = a[sa * k + oa];
    const y = b[sa * k + ob];
    const lo = x < y ? x : y;
    const hi = x < y ? y : x;
    start[lo + 1]++;
    if (lo !== hi) start[hi + 1]++;
    if (lo < plo || (lo === plo && hi < phi)) sorted = false;
    plo = lo;
    phi = hi;
  }
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const total = start[n];
  const to = new Int32Array(total);
  const dist = w === null ? null : new Float64Array(total);
  const pos = start.slice(0, n);
  if (sorted) {
    // Sorted by (lo, hi): bucket f gets (f, x < f) in ascending x, then (f, f), then (f, y > f)
    // in ascending y, duplicates in input order; that is the stable sort by (index1, index2).
    for (let k = 0; k < m; k++) {
      const x = a[sa * k + oa];
      const y = b[sa * k + ob];
      const lo = x < y ? x : y;
      const hi = x < y ? y : x;
      let q = pos[lo]++;
      to[q] = hi;
      if (dist !== null) dist[q] = w![k];
      if (lo !== hi) {
        q = pos[hi]++;
        to[q] = lo;
        if (dist !== null) dist[q] = w![k];
      }
    }
    return { n, start, to, dist };
  }
  // Pass 1: the expanded edges (lo -> hi, then hi -> lo) bucketed by index2, in expansion order.
  const from1 = new Int32Array(total);
  const w1 = w === null ? null : new Float64Array(total);
  for (let k = 0; k < m; k++) {
    const x = a[sa * k + oa];
    const y = b[sa * k + ob];
    const lo = x < y ? x : y;
    const hi = x < y ? y : x;
    let p = pos[hi]++;
    from1[p] = lo;
    if (w1 !== null) w1[p] = w![k];
    if (lo !== hi) {
      p = pos[lo]++;
      from1[p] = hi;
      if (w1 !== null) w1[p] = w![k];
    }
  }
  // Pass 2: bucketed by index1, visiting index2 in ascending order: stable by (index1, index2).
  pos.set(start.subarray(0, n));
  for (let t = 0; t < n; t++) {
    const end = start[t + 1];
    for (let p = start[t]; p < end; p++) {
      const q = pos[from1[p]]++;
      to[q] = t;
      if (dist !== null) dist[q] = w1![p];
    }
  }
  return { n, start, to, dist };
}

/** The `ordered_sample_pair` form: checked sorted by (i, j) and grouped as given. */
function asOrdered(e: EdgeInput): Graph {
  const { m, n, w } = e;
  const { a, b, sa, oa, ob } = strided(e);
  const start = new Int32Array(n + 1);
  const to = new Int32Array(m);
  let px = 0;
  let py = 0;
  for (let k = 0; k < m; k++) {
    const x = a[sa * k + oa];
    const y = b[sa * k + ob];
    if (k > 0 && (x < px || (x === px && y < py))) outOfOrder(k);
    px = x;
    py = y;
    start[x + 1]++;
    to[k] = y;
  }
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  return { n, start, to, dist: w };
}

/**
 * Chinese Whispers clustering, mirroring dlib's `chinese_whispers()` (19.24) bit for bit: the
 * `sample_pair` overloads (undirected edges) by default, the `ordered_sample_pair` overloads with
 * `ordered: true`.
 *
 * @param edges `[i, j]` pairs (weight 1) or `{ i, j, weight }` objects, or the compact form
 *   {@link CompactEdges} (`{ pairs: Uint32Array, count?, weights? }`, e.g. a `FaceEdgeList`):
 *   the same edges give the same labels in either form.
 * @param numNodes optional node count: dlib clusters nodes 0..max index; nodes from there up to
 *   numNodes - 1 (which have no edges) are appended as singleton clusters, numbered after dlib's.
 * @returns labels 0..numClusters-1, numbered in order of first appearance, as dlib's.
 */
export function chineseWhispers(edges: ChineseWhispersEdges, options?: ChineseWhispersOptions): ChineseWhispersResult;
export function chineseWhispers(edges: ChineseWhispersEdges, numNodes: number | undefined, options?: ChineseWhispersOptions): ChineseWhispersResult;
export function chineseWhispers(
  edges: ChineseWhispersEdges,
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

  let input: EdgeInput;
  if (Array.isArray(edges)) input = readArray(edges, Boolean(options.ordered));
  else if (edges !== null && typeof edges === 'object' && (edges as CompactEdges).pairs instanceof Uint32Array) input = readCompact(edges as CompactEdges);
  else throw new FacemetricError('chineseWhispers: edges must be an array of edges or { pairs: Uint32Array }');

  // max_index_plus_one, then find_neighbor_ranges: node v's edges are [start[v], start[v + 1]).
  const g = options.ordered ? asOrdered(input) : unorderedToOrdered(input);
  const n = g.n;
  if (numNodes !== undefined && numNodes < n) {
    throw new FacemetricError(`chineseWhispers: numNodes (${numNodes}) is less than the largest node index + 1 (${n})`);
  }
  const { start, to, dist } = g;

  const labels = new Int32Array(n);
  for (let v = 0; v < n; v++) labels[v] = v;

  // Scores per label (dlib: a std::map<unsigned long, double> per step; here a dense array and
  // the labels touched). The map's first maximum in ascending label order is the largest score
  // with the smallest label, found here without sorting; -Infinity and NaN sums never win.
  let maxDeg = 0;
  for (let v = 0; v < n; v++) maxDeg = Math.max(maxDeg, start[v + 1] - start[v]);
  const touched = new Int32Array(maxDeg);
  const unit = dist === null;
  // unit weights: integer counts (exact: a double sum of ones); weighted: double sums
  const counts = new Int32Array(unit ? n : 0);
  const score = new Float64Array(unit ? 0 : n);
  const seen = new Uint8Array(unit ? 0 : n);
  const small = n <= 0x4000000;
  const twoTo32ModN = n > 0 ? 0x100000000 % n : 0;
  const bigN = BigInt(n);
  const steps = n * iterations;
  for (let step = 0; step < steps; step++) {
    const hi = rng.getRandom32bitNumber() >>> 0;
    const lo = rng.getRandom32bitNumber() >>> 0;
    // node = (hi << 32 | lo) mod n, exactly: x = (hi mod n) * (2^32 mod n) + lo < 2^53 for
    // n <= 2^26, and for an integer x < 2^53 the rounded x / n is within x * 2^-53 / n < 1 / n of
    // the exact quotient, never across an integer, so x - floor(x / n) * n is x mod n (and a
    // floored division is much cheaper than a double %).
    let idx: number;
    if (small) {
      const h = hi - Math.floor(hi / n) * n;
      const x = h * twoTo32ModN + lo;
      idx = x - Math.floor(x / n) * n;
    } else {
      idx = Number(((BigInt(hi) << 32n) | BigInt(lo)) % bigN);
    }

    const s = start[idx];
    const e = start[idx + 1];
    if (s === e) continue;
    let cnt = 0;
    let bestLabel = labels[idx];
    if (unit) {
      // Counts of runs of equal labels (neighbours of one cluster mostly share one) are added at
      // once. Counts only grow, so the label that first reaches the final maximum, or reaches
      // it later with a smaller number, is the map's first maximum.
      let best = 0;
      let runL = labels[to[s]];
      let runC = 1;
      for (let k = s + 1; k <= e; k++) {
        const l = k < e ? labels[to[k]] : -1;
        if (l === runL) {
          runC++;
          continue;
        }
        const old = counts[runL];
        const v = old + runC;
        counts[runL] = v;
        if (old === 0) touched[cnt++] = runL;
        if (v > best || (v === best && runL < bestLabel)) {
          best = v;
          bestLabel = runL;
        }
        runL = l;
        runC = 1;
      }
      for (let t = 0; t < cnt; t++) counts[touched[t]] = 0;
    } else {
      const d = dist;
      for (let k = s; k < e; k++) {
        const l = labels[to[k]];
        if (seen[l] === 0) {
          seen[l] = 1;
          score[l] = 0;
          touched[cnt++] = l;
        }
        score[l] += d[k];
      }
      let best = -Infinity;
      let found = false;
      for (let t = 0; t < cnt; t++) {
        const l = touched[t];
        const v = score[l];
        if (v > best || (found && v === best && l < bestLabel)) {
          best = v;
          bestLabel = l;
          found = true;
        }
        seen[l] = 0;
      }
    }
    labels[idx] = bestLabel;
  }

  // Renumber in order of first appearance.
  const remap = new Int32Array(n).fill(-1);
  let numClusters = 0;
  const out = new Array<number>(numNodes ?? n);
  for (let v = 0; v < n; v++) {
    let r = remap[labels[v]];
    if (r < 0) {
      r = numClusters++;
      remap[labels[v]] = r;
    }
    out[v] = r;
  }
  for (let v = n; v < (numNodes ?? n); v++) out[v] = numClusters++;
  return { labels: out, numClusters };
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
