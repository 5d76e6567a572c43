/**
 * `describeFaces`: the library's one-call face recognition, dlib's
 * dnn_face_recognition_ex.cpp on one image (detector, 68 landmarks, 150x150 chips with padding
 * 0.25, ResNet descriptors; runPipeline in pipeline.ts), with the default models loaded once per
 * backend and kept (models.ts) unless the caller passes its own.
 */
import type { DnnBackend, FaceRecognizer, RecognizerOptions } from '../dnn/recognizer.js';
import type { Point } from '../geometry/index.js';
import type { FaceDetection, FhogDetector } from '../hog/detector.js';
import type { RgbImage } from '../image/pixels.js';
import type { ShapePredictorModel } from '../landmarks/shape-predictor.js';
import type { DlibRand } from '../rand/dlib-rand.js';
import { defaultFaceModels } from './models.js';
import { runPipeline, type PipelineOptions } from './pipeline.js';

/** A face as `describeFaces` returns it (the CLI contract's face, descriptor included). */
export interface DescribedFace extends FaceDetection {
  /** dlib's 68 landmarks, integer pixel coordinates. */
  landmarks: Point[];
  /** The 128-D descriptor of the face's 150x150 chip (get_face_chip_details(landmarks, 150, 0.25)). */
  descriptor: Float32Array;
}

export interface DescribeFacesOptions extends RecognizerOptions {
  /** pyramid_up steps before detecting (default 0). */
  upsample?: number;
  /** The detector's adjust_threshold (default 0). */
  adjustThreshold?: number;
  /** Chips per forward pass (default 16). */
  batchSize?: number;
  /**
   * dlib's `num_jitters` (default 0): N > 1 averages each face's descriptor over N jittered
   * copies of its chip, drawn from `rng` (default: the recognizer's own generator, which
   * persists across calls as dlib's Python model object's does); see DescribeBatchOptions.
   */
  jitter?: number;
  /** The generator for jitter (default: the recognizer's {@link FaceRecognizer.rng}). */
  rng?: DlibRand;
  /** Models to use instead of the default ones (loaded once per process and kept). */
  detector?: FhogDetector;
  predictor?: ShapePredictorModel;
  recognizer?: FaceRecognizer;
}

export interface DescribedFaces {
  faces: DescribedFace[];
  /** Milliseconds per stage. */
  timings: { detect: number; landmarks: number; chips: number; describe: number };
  /** The recognizer's backend (after any fallback) and its note, if any. */
  backend: DnnBackend;
  note?: string;
}

/**
 * Every face of `img` with its descriptor: dlib's HOG detector, the 68-point shape predictor,
 * get_face_chip_details(landmarks, 150, 0.25) + extract_image_chip, and the ResNet — what
 * dlib's dnn_face_recognition_ex.cpp does, faces in the detector's order. With `jitter` N > 1,
 * each descriptor is the mean over N jittered copies of the face's chip, faces in order, as
 * dlib's Python `compute_face_descriptors(img, shapes, num_jitters)`.
 * Requires: an RGB image; the default models in place unless all three are given.
 * Ensures: `faces[i]` is the detector's i-th face with its landmarks and descriptor.
 */
export function describeFaces(img: RgbImage, opts: DescribeFacesOptions = {}): DescribedFaces {
  const need = opts.detector === undefined || opts.predictor === undefined || opts.recognizer === undefined;
  const d = need ? defaultFaceModels(opts.backend) : undefined;
  const recognizer = opts.recognizer ?? d!.recognizer;
  const run: PipelineOptions = { upsample: opts.upsample ?? 0, adjustThreshold: opts.adjustThreshold ?? 0 };
  if (opts.batchSize !== undefined) run.batchSize = opts.batchSize;
  if (opts.jitter !== undefined) run.jitter = opts.jitter;
  if (opts.rng !== undefined) run.rng = opts.rng;
  const { faces, timings } = runPipeline(img, { detector: opts.detector ?? d!.detector, predictor: opts.predictor ?? d!.predictor, recognizer }, run);
  const r: DescribedFaces = {
    faces: faces.map((f): DescribedFace => ({ rect: f.rect, score: f.score, filter: f.filter, landmarks: f.landmarks!, descriptor: f.descriptor! })),
    timings: { detect: timings.detect, landmarks: timings.landmarks!, chips: timings.chips!, describe: timings.describe! },
    backend: recognizer.backend,
  };
  if (recognizer.note !== undefined) r.note = recognizer.note;
  return r;
}
