/**
 * An approximate k-nearest-neighbour index over face descriptors, for galleries that outgrow the
 * exact scan (issue 15's search at scale): an inverted file (IVF), as in FAISS's IndexIVFFlat.
 *
 * - **Cells.** k-means (Lloyd's iterations on a sample of the rows: {@link trainCentroids}) cuts
 *   the descriptor space into `cells` regions, each with a centroid; every row belongs to the cell
 *   of its nearest centroid, and the rows are kept grouped by cell (a {@link RowStore} in cell
 *   order), so that a cell is one contiguous run of rows.
 * - **Search.** A query ranks the centroids and scans only the rows of the `probes` nearest cells,
 *   exactly (the same float64 distances as knnReference, ties by row). The answer is exact for the
 *   rows scanned; a true neighbour in a cell not probed is missed — how often is the recall,
 *   measured by `npm run bench search` (README). With `probes` >= `cells` it is the exact answer.
 * - **Growth.** Rows added later are assigned to the existing cells and laid out at the next
 *   search; when the index has grown so that {@link defaultCells} asks for twice the cells, the
 *   centroids are trained again.
 *
 * Numerics shared with the kernel (assembly/ivf.ts, glue in ivf-wasm.ts): a row's cell is the
 * centroid j minimising fl(cnorm_j - 2 dot) with dot summed in four f32 lanes (lane l over
 * dimensions l, l+4, ...; fl(fl(l0 + l2) + fl(l1 + l3))), ties to the lowest j; so the reference
 * and the kernel build the same cells and return the same rows. Everything is deterministic (the
 * sample and the seeding draw from dlib::rand with a fixed seed). No `node:` imports, no kernels:
 * the browser core uses this as it is.
 */
import { DlibRand } from '../rand/dlib-rand.js';
import { knnReferenceRanges, type NearestRow } from './knn.js';

const DIMS = 128;

/** dot(a[ai..], b[bi..]) over 128 floats in the kernel's order (see the module's header). */
export function laneDot(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const f = Math.fround;
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  for (let d = 0; d < DIMS; d += 4) {
    l0 = f(l0 + f(a[ai + d]! * b[bi + d]!));
    l1 = f(l1 + f(a[ai + d + 1]! * b[bi + d + 1]!));
    l2 = f(l2 + f(a[ai + d + 2]! * b[bi + d + 2]!));
    l3 = f(l3 + f(a[ai + d + 3]! * b[bi + d + 3]!));
  }
  return f(f(l0 + l2) + f(l1 + l3));
}

/** The squared norms (laneDot of each centroid with itself) the cell scores use. */
export function centroidNorms(cents: Float32Array, cells: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(cells);
  for (let j = 0; j < cells; j++) out[j] = laneDot(cents, j * DIMS, cents, j * DIMS);
  return out;
}

/**
 * `out[i]` = the cell of row i of `data` (n x 128; a live view, taken after any allocation
 * in the memory it views): the j < cells minimising
 * fl(cnorm[j] - 2 laneDot(row, centroid j)), ties to the lowest j. The reference of ivf_nearest.
 */
export function nearestCentroidsReference(data: Float32Array, n: number, cents: Float32Array, cells: number, cnorm: Float32Array, out: Int32Array): void {
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let at = 0;
    for (let j = 0; j < cells; j++) {
      const s = Math.fround(cnorm[j]! - 2 * laneDot(data, i * DIMS, cents, j * DIMS));
      if (s < best) {
        best = s;
        at = j;
      }
    }
    out[i] = at;
  }
}

/** How rows get their cells: {@link nearestCentroidsReference} or the kernel (ivf-wasm.ts). */
export type NearestCentroids = typeof nearestCentroidsReference;

/**
 * Where an index keeps its rows (128 floats each), in the order it chooses, searchable exactly
 * over runs of rows: a Float32Array ({@link FlatRowStore}) or WebAssembly memory (WasmFaceIndex).
 */
export interface RowStore {
  /** Rows held. */
  readonly size: number;
  /** Appends rows; returns the position of the first. */
  add(rows: Float32Array): number;
  /** The rows, as a view (valid until the next add or permute). */
  descriptors(): Float32Array;
  /** Reorders the rows: row i becomes the old row `order[i]` (a permutation of 0..size-1). */
  permute(order: Int32Array): void;
  /**
   * The `k` rows nearest to `query` among those in `ranges` (pairs: first row, rows), each
   * reported as `ids[row]`, nearest first, ties by that id: knnReferenceRanges's answer.
   */
  searchRanges(query: ArrayLike<number>, k: number, ranges: Int32Array, ids: Int32Array): NearestRow[];
}

/** A {@link RowStore} in a Float32Array, searched by knnReferenceRanges (the reference). */
export class FlatRowStore implements RowStore {
  private flat: Float32Array = new Float32Array(64 * DIMS);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(rows: Float32Array): number {
    if (rows.length % DIMS !== 0) throw new RangeError(`FlatRowStore.add: ${rows.length} values are not rows of ${DIMS}`);
    const first = this.count;
    const need = (first + rows.length / DIMS) * DIMS;
    if (need > this.flat.length) {
      const grown = new Float32Array(Math.max(need, 2 * this.flat.length));
      grown.set(this.flat.subarray(0, first * DIMS));
      this.flat = grown;
    }
    this.flat.set(rows, first * DIMS);
    this.count += rows.length / DIMS;
    return first;
  }

  descriptors(): Float32Array {
    return this.flat.subarray(0, this.count * DIMS);
  }

  permute(order: Int32Array): void {
    permuteRowsInPlace(this.descriptors(), order);
  }

  searchRanges(query: ArrayLike<number>, k: number, ranges: Int32Array, ids: Int32Array): NearestRow[] {
    return knnReferenceRanges(query, this.flat, DIMS, k, ranges, ids);
  }
}

/**
 * Reorders the rows of `rows` (128 floats each) in place: row i becomes the old row `order[i]`
 * (`order` a permutation of 0..rows-1), one cycle of the permutation at a time (a row's worth of
 * extra memory, each row moved once).
 */
export function permuteRowsInPlace(rows: Float32Array, order: Int32Array): void {
  const done = new Uint8Array(order.length);
  const held = new Float32Array(DIMS);
  for (let i = 0; i < order.length; i++) {
    if (done[i] !== 0) continue;
    if (order[i] === i) {
      done[i] = 1;
      continue;
    }
    held.set(rows.subarray(i * DIMS, (i + 1) * DIMS));
    for (let j = i; ;) {
      done[j] = 1;
      const from = order[j]!;
      if (from === i) {
        rows.set(held, j * DIMS);
        break;
      }
      rows.copyWithin(j * DIMS, from * DIMS, (from + 1) * DIMS);
      j = from;
    }
  }
}

/** The index's choices; every one has a default. */
export interface ApproximateIndexOptions {
  /** Cells (k-means centroids); default {@link defaultCells} of the rows at training. */
  cells?: number;
  /** Cells a search scans; default {@link defaultProbes} of the cells. */
  probes?: number;
  /** Lloyd iterations at most (default 10; fewer when no row changes cell). */
  iterations?: number;
  /** Rows of the training sample per cell (default 64; all rows when fewer). */
  samplePerCell?: number;
  /** dlib::rand seed of the sample and of re-seeded empty cells (default 'facemetric-ivf'). */
  seed?: string;
}

/**
 * The cells for `n` rows: sqrt(n) / 4, at least 1 and at most 4096 (1,000,000 rows: 250 cells
 * of ~4,000). Fewer, larger cells than FAISS's usual sqrt(n)..16 sqrt(n): building costs
 * n x cells dot products, and the measured recall (bench search) is what decides.
 */
export function defaultCells(n: number): number {
  return Math.max(1, Math.min(4096, Math.round(Math.sqrt(n) / 4)));
}

/**
 * The cells a search probes by default: 1/8 of them, at least 8 (all when fewer). Measured
 * (bench search, 1,000,000 rows, 250 cells, 32 probes: an eighth of the rows scanned): recall@10
 * 1.0 where people have many faces, ~0.9 where the gallery is 100,000 people of 10 faces.
 */
export function defaultProbes(cells: number): number {
  return Math.min(cells, Math.max(8, Math.ceil(cells / 8)));
}

/**
 * k-means centroids (cells x 128, row-major) of the n rows of `data`: a random sample of the rows
 * (`rowOf[i]`: where the row of id i lies in `data`, default i, so that the sample does not depend
 * on the order rows are kept in), k-means++ seeding on the sample (each next centroid a sample row
 * drawn with probability proportional to its squared distance to the nearest centroid so far),
 * then Lloyd's iterations over the sample (assignment by `nearest`, means in float64 rounded to
 * float) until no sample row changes cell or `iterations` ran. A cell left empty restarts at a
 * random row of the largest cell.
 */
export function trainCentroids(data: Float32Array, n: number, cells: number, opts: ApproximateIndexOptions = {}, nearest: NearestCentroids = nearestCentroidsReference, rowOf?: Int32Array): Float32Array {
  if (!(Number.isInteger(cells) && cells >= 1 && cells <= n)) throw new RangeError(`trainCentroids: ${cells} cells for ${n} rows`);
  const rnd = new DlibRand(opts.seed ?? 'facemetric-ivf');
  const m = Math.min(n, cells * (opts.samplePerCell ?? 64));
  // A sample of m distinct rows: the first m of a partial Fisher-Yates shuffle of 0..n-1.
  const pick = new Int32Array(n);
  for (let i = 0; i < n; i++) pick[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rnd.getRandomDouble() * (n - i));
    [pick[i], pick[j]] = [pick[j]!, pick[i]!];
  }
  const sample = new Float32Array(m * DIMS);
  for (let i = 0; i < m; i++) {
    const r = rowOf === undefined ? pick[i]! : rowOf[pick[i]!]!;
    sample.set(data.subarray(r * DIMS, (r + 1) * DIMS), i * DIMS);
  }
  const cents = seedCentroids(sample, m, cells, rnd);
  const cellOf = new Int32Array(m).fill(-1);
  const next = new Int32Array(m);
  const sums = new Float64Array(cells * DIMS);
  const counts = new Int32Array(cells);
  for (let it = 0; it < (opts.iterations ?? 10); it++) {
    nearest(sample, m, cents, cells, centroidNorms(cents, cells), next);
    let moved = 0;
    for (let i = 0; i < m; i++) if (next[i] !== cellOf[i]) moved++;
    if (moved === 0) break;
    cellOf.set(next);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < m; i++) {
      const c = cellOf[i]!;
      counts[c]!++;
      for (let d = 0; d < DIMS; d++) sums[c * DIMS + d]! += sample[i * DIMS + d]!;
    }
    for (let c = 0; c < cells; c++) {
      if (counts[c]! > 0) {
        for (let d = 0; d < DIMS; d++) cents[c * DIMS + d] = sums[c * DIMS + d]! / counts[c]!;
        continue;
      }
      // Empty: restart at a random row of the largest cell (it then splits that cell).
      let largest = 0;
      for (let j = 1; j < cells; j++) if (counts[j]! > counts[largest]!) largest = j;
      let r = Math.floor(rnd.getRandomDouble() * counts[largest]!);
      for (let i = 0; i < m; i++) {
        if (cellOf[i] !== largest || r-- > 0) continue;
        cents.set(sample.subarray(i * DIMS, (i + 1) * DIMS), c * DIMS);
        cellOf[i] = c;
        counts[largest]!--;
        counts[c] = 1;
        break;
      }
    }
  }
  return cents;
}

/** k-means++ seeding: `cells` rows of `sample` (see trainCentroids), as a new array. */
function seedCentroids(sample: Float32Array, m: number, cells: number, rnd: DlibRand): Float32Array {
  const cents = new Float32Array(cells * DIMS);
  const d2 = new Float64Array(m).fill(Infinity);
  let next = Math.floor(rnd.getRandomDouble() * m);
  for (let c = 0; c < cells; c++) {
    cents.set(sample.subarray(next * DIMS, (next + 1) * DIMS), c * DIMS);
    let total = 0;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let d = 0; d < DIMS; d++) {
        const t = sample[i * DIMS + d]! - cents[c * DIMS + d]!;
        s += t * t;
      }
      if (s < d2[i]!) d2[i] = s;
      total += d2[i]!;
    }
    // The next: row i with probability d2[i] / total (a uniform row when every row is a centroid).
    let u = rnd.getRandomDouble() * total;
    next = total > 0 ? -1 : Math.floor(rnd.getRandomDouble() * m);
    for (let i = 0; i < m && next < 0; i++) {
      u -= d2[i]!;
      if (u < 0 && d2[i]! > 0) next = i;
    }
    if (next < 0) for (let i = m - 1; i >= 0 && next < 0; i--) if (d2[i]! > 0) next = i;
  }
  return cents;
}

/** What an index holds (for messages and benches). */
export interface ApproximateIndexStats {
  rows: number;
  cells: number;
  probes: number;
  /** Rows of the largest cell. */
  largestCell: number;
  /** Rows the centroids were trained on (0: not trained yet). */
  trainedOn: number;
}

/** The approximate index: see the module's header. */
export class ApproximateFaceIndex {
  private readonly store: RowStore;
  private readonly nearest: NearestCentroids;
  private readonly opts: ApproximateIndexOptions;
  /** Store row -> the row's id (its position in the order of `add`). */
  private ids = new Int32Array(0);
  /** Store row -> its cell, for the rows laid out. */
  private cellOf = new Int32Array(0);
  /** Cell c holds store rows start[c] .. start[c + 1] - 1. */
  private start = new Int32Array(1);
  private cents: Float32Array<ArrayBufferLike> | undefined;
  private cnorm: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private cells = 0;
  private trainedOn = 0;
  /** Store rows in cell order (the rest were added since and await their cells). */
  private laidOut = 0;

  /**
   * An empty index keeping its rows in `store` (default: a Float32Array), assigning cells with
   * `nearest` (default: the reference).
   */
  constructor(opts: ApproximateIndexOptions = {}, store: RowStore = new FlatRowStore(), nearest: NearestCentroids = nearestCentroidsReference) {
    for (const key of ['cells', 'probes', 'iterations', 'samplePerCell'] as const) {
      const v = opts[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new RangeError(`ApproximateFaceIndex: ${key} must be a positive integer, got ${v}`);
    }
    if (store.size !== 0) throw new RangeError('ApproximateFaceIndex: the store must start empty');
    this.opts = opts;
    this.store = store;
    this.nearest = nearest;
  }

  /** Rows held. */
  get size(): number {
    return this.store.size;
  }

  /** Appends rows of 128 floats; returns the id of the first (ids count from 0 in add order). */
  add(rows: Float32Array): number {
    for (let i = 0; i < rows.length; i++) if (!Number.isFinite(rows[i]!)) throw new RangeError(`ApproximateFaceIndex.add: value ${i} is not finite`);
    const first = this.store.add(rows);
    const ids = new Int32Array(this.store.size);
    ids.set(this.ids);
    for (let i = first; i < ids.length; i++) ids[i] = i;
    this.ids = ids;
    return first;
  }

  /**
   * The `k` rows nearest to `query` among the rows of the `probes` cells whose centroids are
   * nearest to it, nearest first, ties by id ({@link NearestRow}: index = id).
   */
  search(query: ArrayLike<number>, k: number, probes?: number): NearestRow[] {
    if (query.length !== DIMS) throw new RangeError(`ApproximateFaceIndex.search: a query of ${query.length} values, expected ${DIMS}`);
    if (probes !== undefined && !(Number.isInteger(probes) && probes >= 1)) throw new RangeError(`ApproximateFaceIndex.search: probes must be a positive integer, got ${probes}`);
    if (!(k >= 1) || this.size === 0) return [];
    this.layOut();
    const p = Math.min(this.cells, probes ?? this.opts.probes ?? defaultProbes(this.cells));
    const scores = new Float64Array(this.cells);
    for (let c = 0; c < this.cells; c++) scores[c] = Math.fround(this.cnorm[c]! - 2 * laneDot(query, 0, this.cents!, c * DIMS));
    const order = Array.from({ length: this.cells }, (_, c) => c).sort((a, b) => scores[a]! - scores[b]! || a - b);
    const ranges: number[] = [];
    for (const c of order.slice(0, p)) {
      if (this.start[c + 1]! > this.start[c]!) ranges.push(this.start[c]!, this.start[c + 1]! - this.start[c]!);
    }
    return this.store.searchRanges(query, k, Int32Array.from(ranges), this.ids);
  }

  /** Cells, probes, the largest cell and the training size (after laying out the rows). */
  stats(): ApproximateIndexStats {
    if (this.size > 0) this.layOut();
    let largest = 0;
    for (let c = 0; c < this.cells; c++) largest = Math.max(largest, this.start[c + 1]! - this.start[c]!);
    return { rows: this.size, cells: this.cells, probes: Math.min(this.cells, this.opts.probes ?? defaultProbes(this.cells)), largestCell: largest, trainedOn: this.trainedOn };
  }

  /** Trains the centroids when there are none or too few, gives new rows their cells, groups by cell. */
  private layOut(): void {
    const n = this.store.size;
    const wanted = this.opts.cells ?? defaultCells(n);
    const retrain = this.cents === undefined || (this.opts.cells === undefined && wanted >= 2 * this.cells);
    if (!retrain && this.laidOut === n) return;
    // (The store's view is taken again after each kernel call: a store in WebAssembly memory
    // may have grown its memory, which detaches earlier views.)
    let cellOf: Int32Array;
    if (retrain) {
      this.cells = Math.min(wanted, n);
      // The sample is drawn by id, wherever the rows lie in the store.
      const rowOf = new Int32Array(n);
      for (let r = 0; r < n; r++) rowOf[this.ids[r]!] = r;
      this.cents = trainCentroids(this.store.descriptors(), n, this.cells, this.opts, this.nearest, rowOf);
      this.cnorm = centroidNorms(this.cents, this.cells);
      this.trainedOn = n;
      cellOf = new Int32Array(n);
      this.nearest(this.store.descriptors(), n, this.cents, this.cells, this.cnorm, cellOf);
    } else {
      cellOf = new Int32Array(n);
      cellOf.set(this.cellOf);
      this.nearest(this.store.descriptors().subarray(this.laidOut * DIMS), n - this.laidOut, this.cents!, this.cells, this.cnorm, cellOf.subarray(this.laidOut));
    }
    // Group by cell, keeping the store's order within a cell (a counting sort).
    const start = new Int32Array(this.cells + 1);
    for (let i = 0; i < n; i++) start[cellOf[i]! + 1]!++;
    for (let c = 0; c < this.cells; c++) start[c + 1]! += start[c]!;
    const at = start.slice(0, this.cells);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[at[cellOf[i]!]!++] = i;
    this.store.permute(order);
    const ids = new Int32Array(n);
    const cells = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = this.ids[order[i]!]!;
      cells[i] = cellOf[order[i]!]!;
    }
    this.ids = ids;
    this.cellOf = cells;
    this.start = start;
    this.laidOut = n;
  }
}
