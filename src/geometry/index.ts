/**
 * facemetric's geometry, as dlib/geometry (plus the pyramid and fHOG coordinate maps that dlib
 * keeps beside the images they map): one point type, one rectangle type, one affine map type and
 * the functions on them. Imports nothing but src/linalg. A plain list of re-exports.
 */
export * from './vector.js';
export * from './rectangle.js';
export * from './point-transforms.js';
export * from './pyramid-maps.js';
export * from './fhog-maps.js';
