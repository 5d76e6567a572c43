/**
 * facemetric's HOG stage: dlib's fHOG features, image pyramids and (later) the scanning face
 * detector. A plain list of re-exports.
 */
export * from './pyramid.js';
export * from './fhog.js';
export * from './scan-fhog-pyramid.js';
export * from './detector.js';
