/**
 * dlib's `scan_fhog_pyramid` (dlib/image_processing/scan_fhog_pyramid.h, dlib 19.24): the filter
 * bank built from a detector's weight vector, the fhog feature pyramid, the filters applied to
 * each level, and the windows scoring above a threshold mapped back to image rectangles.
 *
 * Numerics follow dlib exactly where it matters for bit-identical scores:
 *  - build_fhog_filterbank: each plane's filter is `height x width` of w (row-major), cast to
 *    float; its SVD (double) gives separable parts `u_j*sqrt(s_j)` / `v_j*sqrt(s_j)` (cast to
 *    float) for every singular value s_j >= max(1e-4, 0.001*max(s)), largest first;
 *  - apply_filters_to_fhog: the full 2-D filters when the separable parts outnumber
 *    `planes*min(rows, cols)/3`, else the separable ones; both in float, with dlib's SIMD
 *    accumulation order (blocks of 8 columns summed in 3 interleaved accumulators, then a scalar
 *    tail), emulated here with Math.fround after every operation (SSE without FMA, as Debian's
 *    x86-64 build has it);
 *  - detect_from_fhog_pyramid: windows with score >= thresh (float score compared as double),
 *    rect = rect_up(fhog_to_image(centered window)), sorted by score, highest first, with
 *    libstdc++'s std::sort (not stable), so that ties come out in dlib's order.
 *
 * The filtering has two backends (ScanBackend): the TypeScript functions here ('reference', the
 * oracle) and WebAssembly SIMD kernels ('wasm', assembly/scan.ts via src/wasm/scan.ts), which do
 * the same float operations in the same order, 4 output columns per f32x4 (no fused
 * multiply-add), so both give bit-identical scores.
 */

import type { ScanFhogPyramid } from '../dlib/object-detector.js';
import {
  centeredRect, fhogToImageRect, imageToFhogRect, PyramidDown, rectHeight, rectWidth, roundRect, type Rect,
} from '../geometry/index.js';
import { scanKernels, WasmLevelScorer } from '../wasm/scan.js';

/** One fhog image: `planes` (31 for dlib's fhog) of `rows x cols` floats, row-major. */
export interface FhogLevel {
  rows: number;
  cols: number;
  planes: Float32Array[];
}

/** dlib's inclusive rectangle (src/geometry/rectangle.ts), re-exported for the kernel glue. */
export type { Rect };

/** The processed filters of one weight vector (scan_fhog_pyramid::fhog_filterbank). */
export interface FhogFilterbank {
  /** Filter rows (fhog window height) and columns (width). */
  rows: number;
  cols: number;
  /** One float filter per plane, rows x cols, row-major. */
  filters: Float32Array[];
  /** Per plane, the separable parts in dlib's order: row filters (length cols) ... */
  rowFilters: Float32Array[][];
  /** ... and column filters (length rows). */
  colFilters: Float32Array[][];
  /** num_separable_filters(). */
  numSeparable: number;
  /** Which path apply_filters_to_fhog takes for this bank. */
  separable: boolean;
}

/** The scanner settings scan_fhog_pyramid uses (the detector file's scanner part). */
export type ScannerSettings = Pick<ScanFhogPyramid,
  'cellSize' | 'padding' | 'windowWidth' | 'windowHeight' | 'maxPyramidLevels' | 'minPyramidLayerWidth' | 'minPyramidLayerHeight'>;

// ---------------------------------------------------------------------------------------------
// SVD (double precision, one-sided Jacobi): A = U diag(s) V^T, singular values descending.

/**
 * Thin SVD of a row-major `m x n` matrix. Requires: m >= 1, n >= 1. Ensures: `s` has min(m,n)
 * values, descending; `u` is m x k and `v` is n x k (column j of each pairs with s[j]),
 * both row-major, k = min(m, n).
 */
export function svd(a: Float64Array, m: number, n: number): { u: Float64Array; s: Float64Array; v: Float64Array; k: number } {
  if (m < n) {
    // SVD of the transpose, with u and v swapped.
    const t = new Float64Array(m * n);
    for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) t[c * m + r] = a[r * n + c];
    const r = svd(t, n, m);
    return { u: r.v, s: r.s, v: r.u, k: r.k };
  }
  // Column-major working copies: columns of U (m each) and V (n each).
  const U = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) U[c * m + r] = a[r * n + c];
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const eps = 2.220446049250313e-16;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const op = p * m;
        const oq = q * m;
        for (let i = 0; i < m; i++) {
          const x = U[op + i];
          const y = U[oq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = U[op + i];
          const y = U[oq + i];
          U[op + i] = c * x - s * y;
          U[oq + i] = s * x + c * y;
        }
        const vp = p * n;
        const vq = q * n;
        for (let i = 0; i < n; i++) {
          const x = V[vp + i];
          const y = V[vq + i];
          V[vp + i] = c * x - s * y;
          V[vq + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += U[j * m + i] * U[j * m + i];
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  order.forEach((j, k) => {
    s[k] = norms[j];
    const inv = norms[j] > 0 ? 1 / norms[j] : 0;
    for (let i = 0; i < m; i++) u[i * n + k] = U[j * m + i] * inv;
    for (let i = 0; i < n; i++) v[i * n + k] = V[j * n + i];
  });
  return { u, s, v, k: n };
}

// ---------------------------------------------------------------------------------------------
// The filter bank.

/**
 * scan_fhog_pyramid::build_fhog_filterbank. `weights` holds numPlanes filters of
 * `rows x cols` each (then, unused here, the threshold).
 * Requires: weights.length >= numPlanes*rows*cols, rows, cols >= 1.
 */
export function buildFhogFilterbank(weights: ArrayLike<number>, rows: number, cols: number, numPlanes = 31): FhogFilterbank {
  const size = rows * cols;
  if (weights.length < numPlanes * size) throw new RangeError(`weight vector of ${weights.length} values is too short for ${numPlanes} filters of ${rows}x${cols}`);
  const filters: Float32Array[] = [];
  const rowFilters: Float32Array[][] = [];
  const colFilters: Float32Array[][] = [];
  let numSeparable = 0;
  for (let p = 0; p < numPlanes; p++) {
    const f = new Float64Array(size);
    for (let i = 0; i < size; i++) f[i] = weights[p * size + i];
    filters.push(Float32Array.from(f));
    const { u, s, v, k } = svd(f, rows, cols);
    let maxS = 0;
    for (let j = 0; j < k; j++) maxS = Math.max(maxS, s[j]);
    const thresh = Math.max(1e-4, maxS * 0.001);
    const rf: Float32Array[] = [];
    const cf: Float32Array[] = [];
    for (let j = 0; j < k; j++) {
      // round_zeros(w, thresh): kept when w >= thresh (singular values are >= 0).
      if (!(s[j] >= thresh)) continue;
      const sq = Math.sqrt(s[j]);
      const col = new Float32Array(rows);
      for (let r = 0; r < rows; r++) col[r] = u[r * k + j] * sq;
      const row = new Float32Array(cols);
      for (let c = 0; c < cols; c++) row[c] = v[c * k + j] * sq;
      cf.push(col);
      rf.push(row);
    }
    rowFilters.push(rf);
    colFilters.push(cf);
    numSeparable += rf.length;
  }
  const separable = !(numSeparable > (numPlanes * Math.min(rows, cols)) / 3.0);
  return { rows, cols, filters, rowFilters, colFilters, numSeparable, separable };
}

// ---------------------------------------------------------------------------------------------
// Filtering, in float, in dlib's summation order.

const fr = Math.fround;

/** An empty rectangle, as dlib's rectangle(). */
const EMPTY: Rect = [0, 0, -1, -1];

/**
 * The area a float filter of `frows x fcols` leaves valid in a `rows x cols` image (dlib's
 * non_border rectangle); empty for an empty image.
 */
export function filterArea(rows: number, cols: number, frows: number, fcols: number): Rect {
  if (rows * cols === 0) return EMPTY;
  return [Math.trunc(fcols / 2), Math.trunc(frows / 2), cols - Math.trunc((fcols - 1) / 2) - 1, rows - Math.trunc((frows - 1) / 2) - 1];
}

/** End (exclusive) of the columns dlib filters with simd8f, starting at `first`, before `last`. */
function simdEnd(first: number, last: number): number {
  let c = first;
  while (c < last - 7) c += 8;
  return c;
}

/**
 * impl::float_spatially_filter_image: correlates `inp` (rows x cols) with `filt` (fr x fc) into
 * `out` (same size), writing (addTo false) or adding (addTo true) inside the returned area;
 * with addTo false the border outside it is zeroed.
 */
export function filterImage(inp: Float32Array, rows: number, cols: number, filt: Float32Array, frows: number, fcols: number, out: Float32Array, addTo: boolean): Rect {
  if (rows * cols === 0) return EMPTY;
  const firstRow = Math.trunc(frows / 2);
  const firstCol = Math.trunc(fcols / 2);
  const lastRow = rows - Math.trunc((frows - 1) / 2);
  const lastCol = cols - Math.trunc((fcols - 1) / 2);
  if (!addTo) out.fill(0);
  const cSimd = simdEnd(firstCol, lastCol);
  for (let r = firstRow; r < lastRow; r++) {
    const o = r * cols;
    for (let c = firstCol; c < lastCol; c++) {
      const base = (r - firstRow) * cols + (c - firstCol);
      let t: number;
      if (c < cSimd) {
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let m = 0; m < frows; m++) {
          const ib = base + m * cols;
          const fb = m * fcols;
          let n = 0;
          for (; n < fcols - 2; n += 3) {
            t1 = fr(t1 + fr(inp[ib + n] * filt[fb + n]));
            t2 = fr(t2 + fr(inp[ib + n + 1] * filt[fb + n + 1]));
            t3 = fr(t3 + fr(inp[ib + n + 2] * filt[fb + n + 2]));
          }
          for (; n < fcols; n++) t1 = fr(t1 + fr(inp[ib + n] * filt[fb + n]));
        }
        t = fr(t1 + fr(t2 + t3));
      } else {
        t = 0;
        for (let m = 0; m < frows; m++) {
          const ib = base + m * cols;
          const fb = m * fcols;
          for (let n = 0; n < fcols; n++) t = fr(t + fr(inp[ib + n] * filt[fb + n]));
        }
      }
      out[o + c] = addTo ? fr(t + out[o + c]) : t;
    }
  }
  return [firstCol, firstRow, lastCol - 1, lastRow - 1];
}

/**
 * One 1-D pass of float_spatially_filter_image_separable for output columns [c0, c1) of one
 * row: dst[d + c] = sum over taps n of src[s + c + n*stride] * f[n], in dlib's order: columns
 * before `cSimd` with the 3 interleaved SIMD accumulators (taps 0,3,6,.. / 1,4,7,.. /
 * 2,5,8,..; leftover taps into the first; then first + (second + third)), the rest with one.
 */
function pass1d(src: Float32Array, s: number, stride: number, f: Float32Array, dst: Float32Array, d: number, c0: number, cSimd: number, c1: number, mode: 0 | 1): void {
  const len = f.length;
  if (len === 10) {
    const f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8], f9 = f[9];
    const s1 = stride, s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride, s5 = 5 * stride, s6 = 6 * stride, s7 = 7 * stride, s8 = 8 * stride, s9 = 9 * stride;
    for (let c = c0; c < cSimd; c++) {
      const i = s + c;
      let t1 = fr(0 + fr(src[i] * f0));
      let t2 = fr(0 + fr(src[i + s1] * f1));
      let t3 = fr(0 + fr(src[i + s2] * f2));
      t1 = fr(t1 + fr(src[i + s3] * f3));
      t2 = fr(t2 + fr(src[i + s4] * f4));
      t3 = fr(t3 + fr(src[i + s5] * f5));
      t1 = fr(t1 + fr(src[i + s6] * f6));
      t2 = fr(t2 + fr(src[i + s7] * f7));
      t3 = fr(t3 + fr(src[i + s8] * f8));
      t1 = fr(t1 + fr(src[i + s9] * f9));
      const t = fr(t1 + fr(t2 + t3));
      dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
    }
    for (let c = cSimd; c < c1; c++) {
      const i = s + c;
      let t = fr(0 + fr(src[i] * f0));
      t = fr(t + fr(src[i + s1] * f1));
      t = fr(t + fr(src[i + s2] * f2));
      t = fr(t + fr(src[i + s3] * f3));
      t = fr(t + fr(src[i + s4] * f4));
      t = fr(t + fr(src[i + s5] * f5));
      t = fr(t + fr(src[i + s6] * f6));
      t = fr(t + fr(src[i + s7] * f7));
      t = fr(t + fr(src[i + s8] * f8));
      t = fr(t + fr(src[i + s9] * f9));
      dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
    }
    return;
  }
  for (let c = c0; c < c1; c++) {
    const i = s + c;
    let t: number;
    if (c < cSimd) {
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      let n = 0;
      for (; n < len - 2; n += 3) {
        t1 = fr(t1 + fr(src[i + n * stride] * f[n]));
        t2 = fr(t2 + fr(src[i + (n + 1) * stride] * f[n + 1]));
        t3 = fr(t3 + fr(src[i + (n + 2) * stride] * f[n + 2]));
      }
      for (; n < len; n++) t1 = fr(t1 + fr(src[i + n * stride] * f[n]));
      t = fr(t1 + fr(t2 + t3));
    } else {
      t = 0;
      for (let n = 0; n < len; n++) t = fr(t + fr(src[i + n * stride] * f[n]));
    }
    dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
  }
}

/**
 * float_spatially_filter_image_separable: row filter over every row into `scratch`, then the
 * column filter; written or added into `out` like {@link filterImage}.
 */
export function filterImageSeparable(inp: Float32Array, rows: number, cols: number, rowFilter: Float32Array, colFilter: Float32Array, out: Float32Array, scratch: Float32Array, addTo: boolean): Rect {
  if (rows * cols === 0) return EMPTY;
  const nRow = rowFilter.length;
  const nCol = colFilter.length;
  const firstRow = Math.trunc(nCol / 2);
  const firstCol = Math.trunc(nRow / 2);
  const lastRow = rows - Math.trunc((nCol - 1) / 2);
  const lastCol = cols - Math.trunc((nRow - 1) / 2);
  if (!addTo) out.fill(0);
  const cSimd = simdEnd(firstCol, lastCol);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    pass1d(inp, o - firstCol, 1, rowFilter, scratch, o, firstCol, cSimd, lastCol, 0);
  }
  for (let r = firstRow; r < lastRow; r++) {
    pass1d(scratch, (r - firstRow) * cols, cols, colFilter, out, r * cols, firstCol, cSimd, lastCol, addTo ? 1 : 0);
  }
  return [firstCol, firstRow, lastCol - 1, lastRow - 1];
}

/**
 * Which implementation filters the feature planes: TypeScript ('reference', the oracle) or the
 * WebAssembly SIMD kernels ('wasm', assembly/scan.ts). Bit-identical results.
 */
export type ScanBackend = 'reference' | 'wasm';

/** Scores the levels of one feature pyramid under filter banks (apply_filters_to_fhog). */
export interface LevelScorer {
  /**
   * applyFiltersToFhog(fb, feats[level]). The scores may be a view that the next call
   * overwrites: read them before scoring again.
   */
  score(fb: FhogFilterbank, level: number): { scores: Float32Array; area: Rect };
}

/** The TypeScript scorer of `feats`. */
export function referenceScorer(feats: readonly FhogLevel[]): LevelScorer {
  return { score: (fb, level) => applyFiltersToFhog(fb, feats[level]) };
}

/**
 * A scorer of `feats` for `backend`: the WebAssembly one copies the whole pyramid into wasm
 * memory once (make one per pyramid and share it between filter banks). Where the pyramid does
 * not fit in wasm memory (MAX_PYRAMID_BYTES, just under 2 GiB, or memory.grow refuses), the
 * 'wasm' backend falls back to the reference scorer: same scores, only slower.
 */
export function levelScorer(feats: readonly FhogLevel[], backend: ScanBackend = 'reference'): LevelScorer {
  if (backend === 'reference') return referenceScorer(feats);
  if (backend === 'wasm') {
    try {
      return new WasmLevelScorer(feats, scanKernels());
    } catch (e) {
      if (e instanceof RangeError) return referenceScorer(feats); // memory.grow refused
      throw e;
    }
  }
  throw new RangeError(`unknown scan backend '${String(backend)}'`);
}

/**
 * impl::apply_filters_to_fhog: the score ("saliency") image of one fhog level under a filter
 * bank, and the area where it is valid. Ensures: scores has level.rows*level.cols values, zero
 * outside `area`; `area` is empty (right < left) when the level is smaller than the filter.
 * `backend` 'wasm' copies the level into wasm memory and the scores out (for many banks on one
 * pyramid, use {@link levelScorer} instead).
 */
export function applyFiltersToFhog(fb: FhogFilterbank, level: FhogLevel, backend: ScanBackend = 'reference'): { scores: Float32Array; area: Rect } {
  if (backend !== 'reference') {
    if (backend !== 'wasm') throw new RangeError(`unknown scan backend '${String(backend)}'`);
    let scorer: WasmLevelScorer | undefined;
    try {
      // its own kernel instance: a pyramid scorer in use stays valid
      scorer = new WasmLevelScorer([level], scanKernels('oneShot'));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // too large for wasm memory: the reference below
    }
    if (scorer !== undefined) {
      const { scores, area } = scorer.score(fb, 0);
      return { scores: scores.slice(), area };
    }
  }
  const { rows, cols, planes } = level;
  const scores = new Float32Array(rows * cols);
  let area: Rect = EMPTY;
  if (!fb.separable) {
    area = filterImage(planes[0], rows, cols, fb.filters[0], fb.rows, fb.cols, scores, false);
    for (let i = 1; i < fb.filters.length; i++) filterImage(planes[i], rows, cols, fb.filters[i], fb.rows, fb.cols, scores, true);
  } else {
    const scratch = new Float32Array(rows * cols);
    let first = true;
    for (let i = 0; i < fb.rowFilters.length; i++) {
      for (let j = 0; j < fb.rowFilters[i].length; j++) {
        area = filterImageSeparable(planes[i], rows, cols, fb.rowFilters[i][j], fb.colFilters[i][j], scores, scratch, !first);
        first = false;
      }
    }
  }
  return { scores, area };
}

// ---------------------------------------------------------------------------------------------
// Window size and pyramid depth (the coordinate maps themselves are in src/geometry/).

/** The fhog window (filter) size in cells: compute_fhog_window_size. */
export function fhogWindowCells(s: Pick<ScannerSettings, 'windowWidth' | 'windowHeight' | 'cellSize' | 'padding'>): { width: number; height: number } {
  // image_to_fhog(rect, cell_size, 1, 1) of the window centred on (0, 0), grown by the padding.
  const [l, t, r, b] = imageToFhogRect(centeredRect(0, 0, s.windowWidth, s.windowHeight), { cellSize: s.cellSize });
  return { width: r + s.padding - (l - s.padding) + 1, height: b + s.padding - (t - s.padding) + 1 };
}

/**
 * The number of levels create_fhog_pyramid uses for an image of `width x height`: shrink the
 * image rectangle with pyramid_down<N>::rect_down while it stays at least the minimum layer
 * size, at most maxPyramidLevels (always at least 1).
 */
export function pyramidLevels(width: number, height: number, s: Pick<ScannerSettings, 'maxPyramidLevels' | 'minPyramidLayerWidth' | 'minPyramidLayerHeight'>, n = 6): number {
  const pyr = new PyramidDown(n);
  let rect: Rect = [0, 0, width - 1, height - 1];
  let levels = 0;
  for (;;) {
    rect = roundRect(pyr.rectDown(rect, 1));
    levels++;
    if (!(rectWidth(rect) >= s.minPyramidLayerWidth && rectHeight(rect) >= s.minPyramidLayerHeight && levels < s.maxPyramidLevels)) break;
  }
  return levels;
}

// ---------------------------------------------------------------------------------------------
// Detection.

/** One window above threshold: its (float) score as a double and its image rectangle. */
export interface RawDetection {
  score: number;
  rect: Rect;
}

/**
 * impl::detect_from_fhog_pyramid: every window of every level whose score >= thresh, highest
 * score first (libstdc++ std::sort order for ties).
 */
export function detectFromFhogPyramid(
  feats: readonly FhogLevel[],
  fb: FhogFilterbank,
  thresh: number,
  opts: {
    detBoxHeight: number; detBoxWidth: number; cellSize: number; filterRowsPadding: number; filterColsPadding: number; pyramidN?: number;
    /** Which implementation filters (default 'reference'); ignored when `scorer` is given. */
    backend?: ScanBackend;
    /** A scorer of `feats` to use (levelScorer(feats, backend)), shared between banks. */
    scorer?: LevelScorer;
  },
): RawDetection[] {
  const dets: RawDetection[] = [];
  const pyr = new PyramidDown(opts.pyramidN ?? 6);
  const scorer = opts.scorer ?? levelScorer(feats, opts.backend);
  for (let l = 0; l < feats.length; l++) {
    const { scores, area } = scorer.score(fb, l);
    const cols = feats[l].cols;
    for (let r = area[1]; r <= area[3]; r++) {
      for (let c = area[0]; c <= area[2]; c++) {
        const s = scores[r * cols + c];
        if (s >= thresh) {
          const win = centeredRect(c, r, opts.detBoxWidth, opts.detBoxHeight);
          const rect = roundRect(pyr.rectUp(fhogToImageRect(win, opts), l));
          dets.push({ score: s, rect });
        }
      }
    }
  }
  // std::sort(dets.rbegin(), dets.rend(), compare by score): ascending on the reversed view.
  stdSortReversed(dets, (a, b) => a.score < b.score);
  return dets;
}

// ---------------------------------------------------------------------------------------------
// libstdc++'s std::sort (introsort: median-of-3 quicksort down to 16-element runs, heapsort when
// too deep, final insertion sort), so that equal keys end up where dlib puts them.

/** Sorts `a` the way std::sort(a.rbegin(), a.rend(), less) does (ascending on the reversed view). */
export function stdSortReversed<T>(a: T[], less: (x: T, y: T) => boolean): void {
  a.reverse();
  stdSort(a, less);
  a.reverse();
}

/** std::sort(a.begin(), a.end(), less) as libstdc++ implements it. */
export function stdSort<T>(a: T[], less: (x: T, y: T) => boolean): void {
  const n = a.length;
  if (n < 2) return;
  introsortLoop(a, 0, n, 2 * Math.floor(Math.log2(n)), less);
  finalInsertionSort(a, 0, n, less);
}

const THRESHOLD = 16;

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, less: (x: T, y: T) => boolean): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSortAll(a, first, last, less);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, less: (p: T, q: T) => boolean): void {
  if (less(a[x], a[y])) {
    if (less(a[y], a[z])) swap(a, result, y);
    else if (less(a[x], a[z])) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x], a[z])) swap(a, result, x);
  else if (less(a[y], a[z])) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition<T>(a: T[], first: number, last: number, pivot: number, less: (x: T, y: T) => boolean): number {
  for (;;) {
    while (less(a[first], a[pivot])) first++;
    last--;
    while (less(a[pivot], a[last])) last--;
    if (!(first < last)) return first;
    swap(a, first, last);
    first++;
  }
}

function unguardedPartitionPivot<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

// std::__partial_sort(first, last, last): make_heap + sort_heap.
function partialSortAll<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  const len = last - first;
  if (len >= 2) {
    for (let parent = (len - 2) >> 1; ; parent--) {
      adjustHeap(a, first, parent, len, a[first + parent], less);
      if (parent === 0) break;
    }
  }
  while (last - first > 1) {
    last--;
    const value = a[last];
    a[last] = a[first];
    adjustHeap(a, first, 0, last - first, value, less);
  }
}

function adjustHeap<T>(a: T[], first: number, holeIndex: number, len: number, value: T, less: (x: T, y: T) => boolean): void {
  const topIndex = holeIndex;
  let second = holeIndex;
  while (second < (len - 1) >> 1) {
    second = 2 * (second + 1);
    if (less(a[first + second], a[first + second - 1])) second--;
    a[first + holeIndex] = a[first + second];
    holeIndex = second;
  }
  if ((len & 1) === 0 && second === (len - 2) >> 1) {
    second = 2 * (second + 1);
    a[first + holeIndex] = a[first + second - 1];
    holeIndex = second - 1;
  }
  // push_heap
  let parent = (holeIndex - 1) >> 1;
  while (holeIndex > topIndex && less(a[first + parent], value)) {
    a[first + holeIndex] = a[first + parent];
    holeIndex = parent;
    parent = (holeIndex - 1) >> 1;
  }
  a[first + holeIndex] = value;
}

function insertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    const val = a[i];
    if (less(val, a[first])) {
      for (let k = i; k > first; k--) a[k] = a[k - 1];
      a[first] = val;
    } else {
      let k = i;
      while (less(val, a[k - 1])) {
        a[k] = a[k - 1];
        k--;
      }
      a[k] = val;
    }
  }
}

function unguardedInsertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  for (let i = first; i < last; i++) {
    const val = a[i];
    let k = i;
    while (less(val, a[k - 1])) {
      a[k] = a[k - 1];
      k--;
    }
    a[k] = val;
  }
}

function finalInsertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    unguardedInsertionSort(a, first + THRESHOLD, last, less);
  } else {
    insertionSort(a, first, last, less);
  }
}
