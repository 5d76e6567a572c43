/**
 * dlib's HOG face detector file: `object_detector<scan_fhog_pyramid<pyramid_down<6>>>`.
 *
 * Mirrors the serialize/deserialize pairs of `dlib/image_processing/object_detector.h`
 * (object_detector, versions 1 and 2), `dlib/image_processing/scan_fhog_pyramid.h`
 * (scan_fhog_pyramid version 1, default_fhog_feature_extractor, the fhog filter layout),
 * `dlib/image_processing/box_overlap_testing.h` (test_box_overlap) and
 * `dlib/array/array_kernel.h` / `dlib/array2d/array2d_kernel.h` (the scanner's `feats`).
 *
 * Layout (version 2, what dlib writes):
 *
 *     int version (2)
 *     scan_fhog_pyramid:
 *       int version (1)
 *       default_fhog_feature_extractor        (nothing)
 *       dlib::array<array<array2d<float>>> feats  (unsigned long max_size, size, items; empty
 *                                                 in saved detectors)
 *       int cell_size
 *       unsigned long padding, window_width, window_height, max_pyramid_levels,
 *                     min_pyramid_layer_width, min_pyramid_layer_height
 *       double nuclear_norm_regularization_strength
 *       long num_dimensions                   (fhog window width*height*31)
 *     test_box_overlap: double iou_thresh, double percent_covered_thresh
 *     unsigned long num_detectors
 *     num_detectors x matrix<double,0,1> w     (filters, then the threshold b = w[num_dims])
 *
 * Version 1 has one w and stores it before the box-overlap tester. The pyramid type
 * (pyramid_down<6> for the frontal face detector) is a template argument and is not in the
 * file. The processed filter bank (float filters and their separable SVD decomposition) is
 * rebuilt by dlib at load time and is not serialized either; {@link detectorFilters} gives
 * the filters as views into w.
 */
import { DlibReader, DlibWriter } from './serialize.js';

/** One array2d<float> plane of an fhog image. */
export interface FhogPlane {
  nr: number;
  nc: number;
  data: Float32Array;
}

/** dlib::array<array2d<float>> (one fhog image), with its max_size. */
export interface FhogImage {
  maxSize: number;
  planes: FhogPlane[];
}

/** scan_fhog_pyramid's serialized configuration. */
export interface ScanFhogPyramid {
  version: 1;
  /** The scanner's cached fhog pyramid (empty in files dlib saves for a detector). */
  feats: { maxSize: number; images: FhogImage[] };
  cellSize: number;
  padding: number;
  windowWidth: number;
  windowHeight: number;
  maxPyramidLevels: number;
  minPyramidLayerWidth: number;
  minPyramidLayerHeight: number;
  nuclearNormRegularizationStrength: number;
  /** get_num_dimensions(): fhog window width * height * 31 planes. */
  numDimensions: number;
}

/** An `object_detector<scan_fhog_pyramid<...>>` file. */
export interface FhogObjectDetector {
  /** object_detector serialization version (dlib writes 2; 1 is read and written back as is). */
  version: 1 | 2;
  scanner: ScanFhogPyramid;
  /** test_box_overlap: non-max suppression thresholds. */
  boxOverlap: { iouThresh: number; percentCoveredThresh: number };
  /** Each detector's weight vector w (matrix<double,0,1>): the filters, then the bias b. */
  weights: Float64Array[];
}

/** Number of fhog feature planes of default_fhog_feature_extractor. */
export const FHOG_NUM_PLANES = 31;

function readFhogImage(r: DlibReader, i: number): FhogImage {
  return r.within(`feats[${i}]`, () => {
    const maxSize = r.readULong('array max_size');
    const n = r.readCount('array size', 2);
    const planes: FhogPlane[] = [];
    for (let j = 0; j < n; j++) {
      const at = r.offset;
      const { nr, nc } = r.readMatrixHeader(`array2d<float> plane ${j}`);
      // Each serialized float takes at least 2 bytes (a mantissa byte and an exponent byte):
      // refuse a plane the rest of the file cannot hold before allocating it.
      if (nr * nc * 2 > r.remaining) r.fail(`array2d<float> plane ${j} that fits in the file`, `${nr}x${nc} (file ends at ${r.bytes.length})`, at);
      const data = new Float32Array(nr * nc);
      r.readFloatsInto(data, 0, nr * nc, `array2d<float> plane ${j} element`);
      planes.push({ nr, nc, data });
    }
    return { maxSize, planes };
  });
}

/** Reads the scan_fhog_pyramid part. */
export function readScanFhogPyramid(r: DlibReader): ScanFhogPyramid {
  return r.within('scan_fhog_pyramid', () => {
    r.readVersion([1], 'scan_fhog_pyramid');
    // default_fhog_feature_extractor serializes nothing.
    const featsMaxSize = r.readULong('feats max_size');
    const nFeats = r.readCount('feats size', 2);
    const images: FhogImage[] = [];
    for (let i = 0; i < nFeats; i++) images.push(readFhogImage(r, i));
    const cellSize = r.readI32('cell_size');
    const padding = r.readULong('padding');
    const windowWidth = r.readULong('window_width');
    const windowHeight = r.readULong('window_height');
    const maxPyramidLevels = r.readULong('max_pyramid_levels');
    const minPyramidLayerWidth = r.readULong('min_pyramid_layer_width');
    const minPyramidLayerHeight = r.readULong('min_pyramid_layer_height');
    const nuclearNormRegularizationStrength = r.readDouble('nuclear_norm_regularization_strength');
    const dimsAt = r.offset;
    const numDimensions = r.readLong('num_dimensions');
    const scanner: ScanFhogPyramid = {
      version: 1, feats: { maxSize: featsMaxSize, images }, cellSize, padding, windowWidth, windowHeight,
      maxPyramidLevels, minPyramidLayerWidth, minPyramidLayerHeight, nuclearNormRegularizationStrength, numDimensions,
    };
    if (cellSize <= 0) r.fail('cell_size > 0', `${cellSize}`, dimsAt);
    const { width, height } = fhogWindowSize(scanner);
    const expected = width * height * FHOG_NUM_PLANES;
    if (numDimensions !== expected) {
      r.fail(`num_dimensions ${expected} (${width}x${height} fhog window x ${FHOG_NUM_PLANES} planes)`, `${numDimensions}`, dimsAt);
    }
    return scanner;
  });
}

function readWeights(r: DlibReader, i: number, dims: number): Float64Array {
  const at = r.offset;
  const m = r.readDoubleMatrix(`weight vector w[${i}] (matrix<double,0,1>)`, 0, 1);
  if (m.data.length < dims + 1) {
    r.fail(`weight vector w[${i}] of at least ${dims + 1} values (filters + threshold)`, `${m.data.length}`, at);
  }
  return m.data;
}

/** Reads an `object_detector<scan_fhog_pyramid<...>>` file (e.g. frontal_face_detector.svm). */
export function readFhogObjectDetector(bytes: Uint8Array, file?: string): FhogObjectDetector {
  const r = new DlibReader(bytes, file);
  const det = r.within('object_detector', () => {
    const version = r.readVersion([1, 2], 'object_detector') as 1 | 2;
    const scanner = readScanFhogPyramid(r);
    const dims = scanner.numDimensions;
    let weights: Float64Array[];
    let boxOverlap: FhogObjectDetector['boxOverlap'];
    if (version === 1) {
      weights = [readWeights(r, 0, dims)];
      boxOverlap = readBoxOverlap(r);
    } else {
      boxOverlap = readBoxOverlap(r);
      const n = r.readCount('num_detectors', 4);
      weights = [];
      for (let i = 0; i < n; i++) weights.push(readWeights(r, i, dims));
    }
    return { version, scanner, boxOverlap, weights };
  });
  r.expectEnd('end of file after the object_detector');
  return det;
}

function readBoxOverlap(r: DlibReader): FhogObjectDetector['boxOverlap'] {
  const iouThresh = r.readDouble('test_box_overlap iou_thresh');
  const percentCoveredThresh = r.readDouble('test_box_overlap percent_covered_thresh');
  return { iouThresh, percentCoveredThresh };
}

/** Writes the scan_fhog_pyramid part. */
export function writeScanFhogPyramid(w: DlibWriter, s: ScanFhogPyramid): void {
  w.writeI32(1);
  w.writeULong(s.feats.maxSize);
  w.writeULong(s.feats.images.length);
  for (const img of s.feats.images) {
    w.writeULong(img.maxSize);
    w.writeULong(img.planes.length);
    for (const p of img.planes) {
      w.writeMatrixHeader(p.nr, p.nc);
      w.writeFloats(p.data, 0, p.nr * p.nc);
    }
  }
  w.writeI32(s.cellSize);
  w.writeULong(s.padding);
  w.writeULong(s.windowWidth);
  w.writeULong(s.windowHeight);
  w.writeULong(s.maxPyramidLevels);
  w.writeULong(s.minPyramidLayerWidth);
  w.writeULong(s.minPyramidLayerHeight);
  w.writeDouble(s.nuclearNormRegularizationStrength);
  w.writeLong(s.numDimensions);
}

/** Serializes a detector exactly as dlib does (byte-identical for files dlib wrote). */
export function writeFhogObjectDetector(det: FhogObjectDetector): Uint8Array {
  const w = new DlibWriter(64 * 1024 + det.weights.reduce((a, x) => a + x.length * 12, 0));
  w.writeI32(det.version);
  writeScanFhogPyramid(w, det.scanner);
  const writeW = (v: Float64Array): void => {
    w.writeMatrixHeader(v.length, 1);
    w.writeDoubles(v);
  };
  if (det.version === 1) {
    if (det.weights.length !== 1) throw new RangeError('an object_detector version 1 file holds exactly one weight vector');
    writeW(det.weights[0]);
    w.writeDouble(det.boxOverlap.iouThresh);
    w.writeDouble(det.boxOverlap.percentCoveredThresh);
  } else {
    w.writeDouble(det.boxOverlap.iouThresh);
    w.writeDouble(det.boxOverlap.percentCoveredThresh);
    w.writeULong(det.weights.length);
    for (const v of det.weights) writeW(v);
  }
  return w.toBytes();
}

/**
 * The fhog filter size in cells, as scan_fhog_pyramid::compute_fhog_window_size: the window
 * centred on (0,0) mapped to fhog coordinates (image_to_fhog with filter padding 1), grown
 * by `padding` cells on each side.
 */
export function fhogWindowSize(s: Pick<ScanFhogPyramid, 'windowWidth' | 'windowHeight' | 'cellSize' | 'padding'>): { width: number; height: number } {
  // centered_rect(point(0,0), w, h)
  const left = -Math.trunc(s.windowWidth / 2);
  const top = -Math.trunc(s.windowHeight / 2);
  const right = left + s.windowWidth - 1;
  const bottom = top + s.windowHeight - 1;
  // image_to_fhog(point p, cell_size, 1, 1) = (p - (1,1)) / cell_size - (1,1)   (C++ truncating division)
  const toFhog = (v: number): number => Math.trunc((v - 1) / s.cellSize) - 1;
  const l = toFhog(left) - s.padding;
  const t = toFhog(top) - s.padding;
  const rr = toFhog(right) + s.padding;
  const b = toFhog(bottom) + s.padding;
  return { width: rr - l + 1, height: b - t + 1 };
}

/**
 * Detector `index`'s filters, as scan_fhog_pyramid::build_fhog_filterbank lays them out:
 * 31 planes, each `height x width` row-major (views into w, as double), plus the detection
 * threshold b = w[num_dimensions] (a window is a detection when its score exceeds b).
 */
export function detectorFilters(det: FhogObjectDetector, index = 0): { width: number; height: number; planes: Float64Array[]; threshold: number } {
  const w = det.weights[index];
  const { width, height } = fhogWindowSize(det.scanner);
  const size = width * height;
  const planes: Float64Array[] = [];
  for (let i = 0; i < FHOG_NUM_PLANES; i++) planes.push(w.subarray(i * size, (i + 1) * size));
  return { width, height, planes, threshold: w[det.scanner.numDimensions] };
}
