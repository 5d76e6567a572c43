/**
 * facemetric's landmark stage: dlib's shape_predictor (68-point face landmarks). A plain list of
 * re-exports.
 */
export * from './shape-predictor.js';
