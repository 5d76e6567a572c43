/**
 * facemetric's landmark stage: dlib's shape_predictor (68-point face landmarks) and aligned face
 * chips (get_face_chip_details, extract_image_chip) and their jittered copies (jitter_image). A
 * plain list of re-exports.
 */
export * from './shape-predictor.js';
export * from './chips.js';
export * from './jitter.js';
export * from './dataset.js';
