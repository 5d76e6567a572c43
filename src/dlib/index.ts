/**
 * dlib's binary model formats in TypeScript: the portable serialization primitives
 * (`dlib/serialize.h`, `dlib/float_details.h`, ...), the HOG face detector
 * (`dlib/image_processing/object_detector.h`, `scan_fhog_pyramid.h`), the shape predictor
 * (`dlib/image_processing/shape_predictor.h`) and dnn network files (`dlib/dnn/core.h`,
 * `layers.h`, `input.h`, `loss.h`), each readable and writable byte-identically.
 */
export * from './serialize.js';
export * from './object-detector.js';
export * from './shape-predictor.js';
export * from './dnn.js';
export * from './dnn-layers.js';
export * from './anet.js';
