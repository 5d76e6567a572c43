/**
 * dlib's `scan_fhog_pyramid` (dlib/image_processing/scan_fhog_pyramid.h, dlib 19.24): the fhog
 * feature pyramid's filtering by a filter bank and the windows scoring above a threshold mapped
 * back to image rectangles. The filter bank itself (build_fhog_filterbank, with its SVD) is in
 * fhog-filterbank.ts, the float filtering (dlib/image_transforms/spatial_filtering.h) in
 * spatial-filtering.ts, libstdc++'s std::sort in std-sort.ts.
 *
 * Numerics follow dlib exactly where it matters for bit-identical scores:
 *  - apply_filters_to_fhog: the full 2-D filters when the bank's separable parts outnumber
 *    `planes*min(rows, cols)/3`, else the separable ones; both in float, in dlib's SIMD
 *    accumulation order (see spatial-filtering.ts);
 *  - detect_from_fhog_pyramid: windows with score >= thresh (float score compared as double),
 *    rect = rect_up(fhog_to_image(centered window)), sorted by score, highest first, with
 *    libstdc++'s std::sort (not stable), so that ties come out in dlib's order.
 *
 * This file is the reference and imports no kernel glue: the scanner takes a {@link LevelScorer}
 * (the TypeScript {@link referenceScorer} by default). The 'wasm' backend's scorer (scan-wasm.ts,
 * assembly/scan.ts) does the same float operations in the same order, 4 output columns per
 * f32x4 (no fused multiply-add), so both give bit-identical scores; hog/backends.ts picks one by
 * backend name.
 */

import type { ScanFhogPyramid } from '../dlib/object-detector.js';
import {
  centeredRect, emptyRect, fhogToImageRect, imageToFhogRect, PyramidDown, rectHeight, rectWidth, roundRect, type Rect,
} from '../geometry/index.js';
import type { FhogFilterbank } from './fhog-filterbank.js';
import { filterImage, filterImageSeparable } from './spatial-filtering.js';
import { stdSortReversed } from './std-sort.js';

/** One fhog image: `planes` (31 for dlib's fhog) of `rows x cols` floats, row-major. */
export interface FhogLevel {
  rows: number;
  cols: number;
  planes: Float32Array[];
}

/** The scanner settings scan_fhog_pyramid uses (the detector file's scanner part). */
export type ScannerSettings = Pick<ScanFhogPyramid,
  'cellSize' | 'padding' | 'windowWidth' | 'windowHeight' | 'maxPyramidLevels' | 'minPyramidLayerWidth' | 'minPyramidLayerHeight'>;

// ---------------------------------------------------------------------------------------------
// Filtering a pyramid level.

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
 * impl::apply_filters_to_fhog: the score ("saliency") image of one fhog level under a filter
 * bank, and the area where it is valid. Ensures: scores has level.rows*level.cols values, zero
 * outside `area`; `area` is empty (right < left) when the level is smaller than the filter.
 */
export function applyFiltersToFhog(fb: FhogFilterbank, level: FhogLevel): { scores: Float32Array; area: Rect } {
  const { rows, cols, planes } = level;
  const scores = new Float32Array(rows * cols);
  let area = emptyRect();
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
    /** The scorer of `feats` (default referenceScorer(feats)); share one between banks. */
    scorer?: LevelScorer;
  },
): RawDetection[] {
  const dets: RawDetection[] = [];
  const pyr = new PyramidDown(opts.pyramidN ?? 6);
  const scorer = opts.scorer ?? referenceScorer(feats);
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
