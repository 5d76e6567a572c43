/**
 * The scanner's raw detections for one weight vector of a detector, as dlib's
 * scan_fhog_pyramid::detect returns them (before object_detector's non-max suppression): the
 * detection box is the filter less the scanner's padding, the threshold the weight vector's own
 * plus an adjustment (dlib/image_processing/scan_fhog_pyramid.h, object_detector.h).
 */
import { detectorFilters, type FhogObjectDetector } from '../../src/dlib/object-detector.js';
import { detectFromFhogPyramid, type FhogFilterbank, type FhogLevel, type RawDetection } from '../../src/hog/index.js';
import type { Backend } from '../../src/wasm/backend.js';

/**
 * Requires: `bank` is the filter bank of weight vector `index` of `det`, `feats` a feature pyramid
 * for `det`'s scanner.
 * Ensures: the windows scoring at least that weight vector's threshold + `adjust`, in dlib's order.
 */
export function rawDetections(
  det: FhogObjectDetector, index: number, bank: FhogFilterbank, feats: readonly FhogLevel[], adjust: number,
  backend: Backend,
): RawDetection[] {
  const f = detectorFilters(det, index);
  const s = det.scanner;
  return detectFromFhogPyramid(feats, bank, f.threshold + adjust, {
    detBoxHeight: f.height - 2 * s.padding, detBoxWidth: f.width - 2 * s.padding,
    cellSize: s.cellSize, filterRowsPadding: f.height, filterColsPadding: f.width, backend,
  });
}
