/**
 * facemetric's landmark stage: dlib's shape_predictor (68-point face landmarks), and the aligned
 * face chips cut from its landmarks (get_face_chip_details, extract_image_chip) and their
 * jittered copies (jitter_image). The chips and jitter are dlib/image_transforms code and live in
 * src/image/ (so the recognizer can jitter chips without depending on this stage); they are
 * re-exported here, where a porter of the landmark stage looks for them. A plain list of
 * re-exports.
 */
export * from './shape-predictor.js';
export * from '../image/chips.js';
export * from '../image/jitter.js';
export * from './dataset.js';
