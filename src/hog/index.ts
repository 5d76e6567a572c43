/**
 * facemetric's HOG stage: dlib's fHOG features, image pyramids, the scan_fhog_pyramid scanner
 * and the face detector. Re-exports of the references, then of backends.ts, whose functions of
 * the same names (extractFhog, resizeBilinear, pyramidDown, pyramidUp, applyFiltersToFhog,
 * detectFromFhogPyramid) take a `backend` option and shadow the references' here.
 */
export * from './pyramid.js';
export * from './fhog.js';
export { buildFhogFilterbank, type FhogFilterbank } from './fhog-filterbank.js';
export { filterArea, filterImage, filterImageSeparable } from './spatial-filtering.js';
export * from './scan-fhog-pyramid.js';
export {
  applyFiltersToFhog,
  defaultHogBackend,
  detectFromFhogPyramid,
  extractFhog,
  levelScorer,
  pyramidDown,
  pyramidUp,
  resizeBilinear,
  wasmFhogAvailable,
  type DetectFromFhogOptions,
  type FhogBackendOptions,
  type ResizeOptions,
} from './backends.js';
export * from './detector.js';
