/**
 * facemetric's pipeline: dlib's dnn_face_recognition_ex.cpp as a module — detect, 68
 * landmarks, aligned chips, descriptors (pipeline.ts), the default models (models.ts) and the
 * one-call library API describeFaces (describe-faces.ts). A plain list of re-exports.
 */
export * from './pipeline.js';
export * from './models.js';
export * from './describe-faces.js';
