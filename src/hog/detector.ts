/**
 * dlib's HOG object detector, `object_detector<scan_fhog_pyramid<pyramid_down<6>>>`
 * (dlib/image_processing/object_detector.h, dlib 19.24), and its built-in frontal face
 * detector (5 weight vectors: front, left, right, front rotated left/right).
 *
 * `detect` does what object_detector::operator()(img, std::vector<rect_detection>&, adjust)
 * does, after the upsampling of dlib's Python API (`detector(img, upsample)`):
 *   1. `upsample` times pyramid_up (with pyramid_down<2>);
 *   2. one fhog feature pyramid shared by every weight vector (create_fhog_pyramid:
 *      pyramid_down<6> levels while the shrunk image rectangle is at least the minimum layer
 *      size, fhog with the filter size as padding);
 *   3. each weight vector i: windows with score >= b_i + adjustThreshold (b_i: the vector's last
 *      value), reported with detection_confidence = score - b_i and weight_index i;
 *   4. with more than one weight vector, all detections sorted by confidence, highest first
 *      (libstdc++ std::sort, so ties land where dlib puts them);
 *   5. non-max suppression: a detection is dropped when it overlaps an already kept one by
 *      test_box_overlap (IoU > iou_thresh or either box covered > percent_covered_thresh),
 *      whatever filter found it;
 *   6. boxes mapped back to the input image with pyramid_down<2>::rect_down(rect, upsample).
 *
 * Scores are bit-identical to dlib's given bit-identical pixels (see scan-fhog-pyramid.ts).
 * The stage's backend (`backend` option) is resolved by hog/backends.ts: the references
 * (fhog.ts, pyramid.ts, scan-fhog-pyramid.ts) get the fHOG stages, resize part and scorer of it.
 */
import { detectorFilters, readFhogObjectDetector, type FhogObjectDetector } from '../dlib/object-detector.js';
import { intersect, PyramidDown, rectArea, rectUnion, roundRect, type Rect } from '../geometry/index.js';
import { channelsOf } from '../image/pixels.js';
import { assetPath, readModelFile } from '../models/index.js';
import type { Backend } from '../wasm/backend.js';
import { defaultHogBackend, fhogStagesFor, levelScorer, resizeSimdPartFor } from './backends.js';
import { extractFhog } from './fhog.js';
import { buildFhogFilterbank, type FhogFilterbank } from './fhog-filterbank.js';
import { pyramidDown, pyramidUp, type HogImage } from './pyramid.js';
import { detectFromFhogPyramid, pyramidLevels, type FhogLevel } from './scan-fhog-pyramid.js';
import { stdSortReversed } from './std-sort.js';

/** One detection, as dlib's rect_detection: inclusive rect, detection_confidence, weight_index. */
export interface FaceDetection {
  rect: Rect;
  score: number;
  filter: number;
}

export interface DetectOptions {
  /** pyramid_up steps before detecting (dlib's Python `upsample_num_times`). Integer >= 0; default 0. */
  upsample?: number;
  /** object_detector's adjust_threshold: added to every filter's threshold. Default 0. */
  adjustThreshold?: number;
  /**
   * Which implementation builds the features, resizes the pyramid levels and filters the
   * features: 'wasm' (WebAssembly SIMD kernels) or 'reference' (TypeScript). Both are
   * bit-identical to dlib. Default: 'wasm' where the kernels load, else 'reference'.
   */
  backend?: Backend;
}

/** An HOG detector loaded from a dlib `object_detector<scan_fhog_pyramid<pyramid_down<6>>>` file. */
export class FhogDetector {
  readonly model: FhogObjectDetector;
  /** The processed filter bank of each weight vector (build_fhog_filterbank). */
  readonly banks: FhogFilterbank[];
  /** Each weight vector's threshold b. */
  readonly thresholds: number[];
  /** The fhog window (filter) size in cells. */
  readonly filterWidth: number;
  readonly filterHeight: number;

  constructor(model: FhogObjectDetector) {
    this.model = model;
    const f0 = detectorFilters(model, 0);
    this.filterWidth = f0.width;
    this.filterHeight = f0.height;
    this.banks = model.weights.map((w) => buildFhogFilterbank(w, f0.height, f0.width));
    this.thresholds = model.weights.map((_, i) => detectorFilters(model, i).threshold);
  }

  /**
   * The fhog pyramid scan_fhog_pyramid::load builds for `img` (no upsampling), its levels
   * resized and their features computed by `backend`.
   * Ensures: at least one level; a level of an image too small for fhog has 0 x 0 planes.
   */
  featurePyramid(img: HogImage, backend: Backend = defaultHogBackend()): FhogLevel[] {
    const s = this.model.scanner;
    const levels = pyramidLevels(img.width, img.height, s);
    const opts = { cellSize: s.cellSize, filterRowsPadding: this.filterHeight, filterColsPadding: this.filterWidth };
    const stages = fhogStagesFor(backend);
    const resize = resizeSimdPartFor(backend);
    const feats: FhogLevel[] = [extractFhog(img, opts, stages)];
    let cur = img;
    for (let l = 1; l < levels; l++) {
      cur = pyramidDown(cur, 6, resize);
      feats.push(extractFhog(cur, opts, stages));
    }
    return feats;
  }

  /**
   * Detects objects in an RGB or grey image, as dlib does (see the module comment).
   * Requires: img.data holds width*height*3 (RGB) or width*height (grey) bytes; upsample an
   * integer in [0, 8]; adjustThreshold finite.
   * Ensures: detections in dlib's order (confidence descending after suppression), rects in
   * `img`'s coordinates (they may extend past its edges, as dlib's do).
   */
  detect(img: HogImage, opts: DetectOptions = {}): FaceDetection[] {
    const upsample = opts.upsample ?? 0;
    const adjust = opts.adjustThreshold ?? 0;
    if (!Number.isInteger(upsample) || upsample < 0 || upsample > 8) throw new RangeError(`upsample must be an integer from 0 to 8, got ${upsample}`);
    if (!Number.isFinite(adjust)) throw new RangeError(`adjustThreshold must be a finite number, got ${adjust}`);
    channelsOf(img);
    const backend = opts.backend ?? defaultHogBackend();
    let big = img;
    const resize = resizeSimdPartFor(backend);
    for (let i = 0; i < upsample; i++) big = pyramidUp(big, resize);
    const dets = this.detectPrepared(this.featurePyramid(big, backend), adjust, backend);
    // pyramid_down<2>::rect_down of each box, back to the caller's image
    if (upsample > 0) for (const d of dets) d.rect = roundRect(UPSAMPLE_MAP.rectDown(d.rect, upsample));
    return dets;
  }

  /**
   * object_detector::operator() on an already built feature pyramid (steps 3-5), its filtering
   * done by `backend` (the 'wasm' one copies the pyramid into wasm memory once for all banks).
   */
  detectPrepared(feats: readonly FhogLevel[], adjustThreshold = 0, backend: Backend = defaultHogBackend()): FaceDetection[] {
    const s = this.model.scanner;
    const geometry = {
      detBoxHeight: this.filterHeight - 2 * s.padding,
      detBoxWidth: this.filterWidth - 2 * s.padding,
      cellSize: s.cellSize,
      filterRowsPadding: this.filterHeight,
      filterColsPadding: this.filterWidth,
    };
    const accum: FaceDetection[] = [];
    const scorer = levelScorer(feats, backend);
    for (let i = 0; i < this.banks.length; i++) {
      const thresh = this.thresholds[i];
      for (const d of detectFromFhogPyramid(feats, this.banks[i], thresh + adjustThreshold, { ...geometry, scorer })) {
        accum.push({ rect: d.rect, score: d.score - thresh, filter: i });
      }
    }
    if (this.banks.length > 1) stdSortReversed(accum, (a, b) => a.score < b.score);
    const out: FaceDetection[] = [];
    const { iouThresh, percentCoveredThresh } = this.model.boxOverlap;
    for (const d of accum) {
      if (out.some((k) => boxesOverlap(k.rect, d.rect, iouThresh, percentCoveredThresh))) continue;
      out.push(d);
    }
    return out;
  }
}

/** The maps of pyramid_down<2>, the pyramid dlib upsamples with. */
const UPSAMPLE_MAP = new PyramidDown(2);

/** dlib's test_box_overlap(iou, percent_covered)(a, b). */
export function boxesOverlap(a: Rect, b: Rect, iouThresh: number, percentCoveredThresh: number): boolean {
  const inner = rectArea(intersect(a, b));
  if (inner === 0) return false;
  const outer = rectArea(rectUnion(a, b));
  return inner / outer > iouThresh || inner / rectArea(a) > percentCoveredThresh || inner / rectArea(b) > percentCoveredThresh;
}

/**
 * Loads dlib's frontal face detector (default: facemetric's committed
 * models/frontal_face_detector.svm, exported from dlib's get_frontal_face_detector()) or any
 * `object_detector<scan_fhog_pyramid<pyramid_down<6>>>` file.
 */
export function loadFrontalFaceDetector(path?: string): FhogDetector {
  const file = path ?? assetPath('frontal_face_detector');
  const bytes = readModelFile(file, 'the detector');
  return new FhogDetector(readFhogObjectDetector(bytes, file));
}
