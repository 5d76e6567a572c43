/**
 * dlib's examples/dnn_face_recognition_ex.cpp as one function: every face of an image found by
 * the HOG frontal face detector, its 68 landmarks by the shape predictor, its aligned chip by
 * `extract_image_chip(img, get_face_chip_details(shape, 150, 0.25))`, and the chips through the
 * face recognition ResNet as `net(face_chips, 16)` — the same steps (and the same chip geometry)
 * as the `face_recognition_model_v1` of dlib's Python API, whose
 * `compute_face_descriptor(img, shape, num_jitters)` jitters as src/dnn/recognizer.ts describes.
 *
 * Every user of the pipeline goes through {@link runPipeline}: `describeFaces` (the library
 * API), and the commands `detect`, `landmarks`, `chips`, `describe`, `cluster` and `compare`.
 * It takes a decoded image and loaded models, and imports nothing from `node:`, so that a
 * browser page can run it as well; loading the default models is models.ts's job.
 *
 * What it computes is chosen by `until` (boxes only, + landmarks, + chips, + descriptors) and
 * `faces` ('all', or the 'largest' box only: dlib's detector order among equal areas, the first
 * kept). Numerics are those of each stage; nothing is added here. The stages are timed as the
 * CLI prints them (milliseconds, `performance.now()`), one entry per stage that ran.
 */
import { FACE_CHIP_PADDING, FACE_CHIP_SIZE } from '../dnn/face-chip.js';
import type { DescribeBatchOptions, FaceRecognizer } from '../dnn/recognizer.js';
import { rectArea, type Point } from '../geometry/index.js';
import type { FaceDetection, FhogDetector } from '../hog/detector.js';
import type { RgbImage } from '../image/pixels.js';
import { extractImageChip, getFaceChipDetails } from '../image/chips.js';
import type { ShapePredictorModel } from '../landmarks/shape-predictor.js';
import type { DlibRand } from '../rand/dlib-rand.js';

/**
 * The chip the face ResNet takes, as dlib's examples and Python API cut it:
 * `get_face_chip_details(shape, 150, 0.25)` — 150x150 pixels (the network's input_rgb_image_sized<150>)
 * with 25% padding around the face's landmarks.
 */
export const FACE_CHIP = { size: FACE_CHIP_SIZE, padding: FACE_CHIP_PADDING } as const;

/** Chips per forward pass: dlib's `net(face_chips, 16)` (and the Python API's batch size). */
export const FACE_BATCH_SIZE = 16;

/** The pipeline's stages, in order; each needs the ones before it. */
export const PIPELINE_STAGES = ['detect', 'landmarks', 'chips', 'describe'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** The models the stages run; the predictor from 'landmarks' on, the recognizer for 'describe'. */
export interface FaceModels {
  detector: FhogDetector;
  predictor?: ShapePredictorModel;
  recognizer?: FaceRecognizer;
}

export interface PipelineOptions {
  /** The last stage to run (default 'describe'). */
  until?: PipelineStage;
  /** pyramid_up steps before detecting (dlib's Python `upsample_num_times`; default 0). */
  upsample?: number;
  /** The detector's adjust_threshold (default 0). */
  adjustThreshold?: number;
  /** Every detection in dlib's order (default), or only the largest box. */
  faces?: 'all' | 'largest';
  /**
   * Chip side and padding for get_face_chip_details (default {@link FACE_CHIP}). Only for
   * `until: 'chips'`: the ResNet takes FACE_CHIP's chips, so 'describe' refuses another.
   */
  chip?: { size?: number; padding?: number };
  /** Chips per forward pass (default {@link FACE_BATCH_SIZE}). */
  batchSize?: number;
  /** dlib's num_jitters (default 0: none); see DescribeBatchOptions. */
  jitter?: number;
  /** The generator for jitter (default: the recognizer's own). */
  rng?: DlibRand;
}

/** A face as the pipeline leaves it: the detection, then what each later stage added. */
export interface PipelineFace extends FaceDetection {
  /** dlib's 68 landmarks, integer pixel coordinates (from 'landmarks' on). */
  landmarks?: Point[];
  /** The aligned chip (from 'chips' on). */
  chip?: RgbImage;
  /** The 128-D descriptor of the chip ('describe'). */
  descriptor?: Float32Array;
}

/** Milliseconds per stage that ran, in the stages' order. */
export interface PipelineTimings {
  detect: number;
  landmarks?: number;
  chips?: number;
  describe?: number;
}

export interface PipelineResult {
  /** The faces kept (all, or the largest), in the detector's order. */
  faces: PipelineFace[];
  /** How many faces the detector found (before `faces: 'largest'` kept one). */
  detected: number;
  timings: PipelineTimings;
}

/** The largest box; the first in dlib's order among equals. */
function largest(dets: readonly FaceDetection[]): FaceDetection[] {
  return dets.length === 0 ? [] : [dets.reduce((best, d) => (rectArea(d.rect) > rectArea(best.rect) ? d : best))];
}

/**
 * Runs the pipeline on `img` up to `opts.until`.
 * Requires: `models.predictor` from 'landmarks' on and `models.recognizer` for 'describe'; chip
 *   options other than {@link FACE_CHIP} only with `until: 'chips'` (else a RangeError).
 * Ensures: the faces in the detector's order (or the largest only), each with the fields of the
 *   stages that ran; the descriptors are `recognizer.describeBatch(chips, {batchSize, jitter, rng})`
 *   on the chips of this image, in face order (jitter draws advance the generator face after face).
 */
export function runPipeline(img: RgbImage, models: FaceModels, opts: PipelineOptions = {}): PipelineResult {
  const until = PIPELINE_STAGES.indexOf(opts.until ?? 'describe');
  if (until < 0) throw new RangeError(`until must be one of ${PIPELINE_STAGES.join(', ')}, got '${String(opts.until)}'`);
  const size = opts.chip?.size ?? FACE_CHIP.size;
  const padding = opts.chip?.padding ?? FACE_CHIP.padding;
  if (until >= 3 && (size !== FACE_CHIP.size || padding !== FACE_CHIP.padding)) {
    throw new RangeError(`descriptors need the face ResNet's chips (${FACE_CHIP.size} pixels, padding ${FACE_CHIP.padding}), got ${size} and ${padding}`);
  }
  const predictor = until >= 1 ? required(models.predictor, 'a shape predictor') : undefined;
  const recognizer = until >= 3 ? required(models.recognizer, 'a face recognizer') : undefined;

  let t0 = performance.now();
  const dets = models.detector.detect(img, { upsample: opts.upsample ?? 0, adjustThreshold: opts.adjustThreshold ?? 0 });
  const timings: PipelineTimings = { detect: performance.now() - t0 };
  const faces: PipelineFace[] = (opts.faces === 'largest' ? largest(dets) : dets).map((d) => ({ ...d }));
  const result: PipelineResult = { faces, detected: dets.length, timings };
  if (predictor === undefined) return result;

  t0 = performance.now();
  for (const f of faces) f.landmarks = predictor.predict(img, f.rect).points;
  timings.landmarks = performance.now() - t0;
  if (until < 2) return result;

  t0 = performance.now();
  for (const f of faces) f.chip = extractImageChip(img, getFaceChipDetails(f.landmarks!, size, padding));
  timings.chips = performance.now() - t0;
  if (recognizer === undefined) return result;

  t0 = performance.now();
  const batch: DescribeBatchOptions = { batchSize: opts.batchSize ?? FACE_BATCH_SIZE, jitter: opts.jitter ?? 0 };
  if (opts.rng !== undefined) batch.rng = opts.rng;
  const descriptors = recognizer.describeBatch(faces.map((f) => f.chip!), batch);
  timings.describe = performance.now() - t0;
  faces.forEach((f, k) => {
    f.descriptor = descriptors[k]!;
  });
  return result;
}

function required<T>(model: T | undefined, what: string): T {
  if (model === undefined) throw new TypeError(`runPipeline: this stage needs ${what} in models`);
  return model;
}
