/**
 * The pipeline's models from the default assets (models/, see src/models/): dlib's
 * `get_frontal_face_detector()`, `shape_predictor_68_face_landmarks.dat` and
 * `dlib_face_recognition_resnet_model_v1.dat`, as dnn_face_recognition_ex.cpp deserializes
 * them — only those the stages asked for, in that order (so a missing model is reported by the
 * first stage that needs it). The loaders read files; a browser page builds its FaceModels
 * from bytes instead (readFhogObjectDetector, readShapePredictor, createFaceRecognizer).
 */
import { loadFaceRecognizer, type DnnBackend, type FaceRecognizer } from '../dnn/recognizer.js';
import { loadFrontalFaceDetector, type FhogDetector } from '../hog/detector.js';
import { loadShapePredictor, type ShapePredictorModel } from '../landmarks/shape-predictor.js';
import { PIPELINE_STAGES, type FaceModels, type PipelineStage } from './pipeline.js';

export interface LoadFaceModelsOptions {
  /** The recognizer's backend (default: 'wasm' where the kernels load, else 'reference'). */
  backend?: DnnBackend;
}

/**
 * Loads the default models the stages up to `until` need (default: all three).
 * Requires: the assets in place (`npm run models`).
 * Ensures: the detector; the predictor from 'landmarks' on; the recognizer (with `opts.backend`,
 *   its `note` saying why it fell back, if it did) for 'describe'. Model file problems are
 *   FacemetricErrors naming the file.
 */
export function loadFaceModels(until: PipelineStage = 'describe', opts: LoadFaceModelsOptions = {}): FaceModels {
  const stage = PIPELINE_STAGES.indexOf(until);
  const models: FaceModels = { detector: loadFrontalFaceDetector() };
  if (stage >= 1) models.predictor = loadShapePredictor();
  if (stage >= 3) models.recognizer = loadFaceRecognizer(undefined, opts.backend === undefined ? {} : { backend: opts.backend });
  return models;
}

const defaults: { detector?: FhogDetector; predictor?: ShapePredictorModel; recognizers: Partial<Record<DnnBackend | 'default', FaceRecognizer>> } = {
  recognizers: {},
};

/** The default models, loaded on first use and kept for the process (one recognizer per backend asked for). */
export function defaultFaceModels(backend?: DnnBackend): { detector: FhogDetector; predictor: ShapePredictorModel; recognizer: FaceRecognizer } {
  defaults.detector ??= loadFrontalFaceDetector();
  defaults.predictor ??= loadShapePredictor();
  const key = backend ?? 'default';
  const recognizer = defaults.recognizers[key] ?? loadFaceRecognizer(undefined, backend === undefined ? {} : { backend });
  defaults.recognizers[key] = recognizer;
  return { detector: defaults.detector, predictor: defaults.predictor, recognizer };
}
