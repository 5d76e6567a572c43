/**
 * @vladmandic/face-api's face recognition weights (TensorFlow.js manifest and binary), which
 * facemetric converts into dlib's face ResNet file (src/models/convert-faceapi.ts). face-api is a
 * dependency, so the files are always there after `npm ci`: a test that needs them fails,
 * saying what is missing, rather than skipping.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const modelDir = path.join(root, 'node_modules', '@vladmandic', 'face-api', 'model');

/** Where face-api's weights are; whether they exist is checked by `requireFaceApiWeights`. */
export const faceApiWeights = {
  manifestPath: path.join(modelDir, 'face_recognition_model-weights_manifest.json'),
  binPath: path.join(modelDir, 'face_recognition_model.bin'),
} as const;

/**
 * Ensures: face-api's manifest and weights exist; otherwise throws an Error naming the missing
 * file and the fix.
 */
export function requireFaceApiWeights(): typeof faceApiWeights {
  for (const file of [faceApiWeights.manifestPath, faceApiWeights.binPath]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: @vladmandic/face-api is a dependency of facemetric (run npm ci)`);
  }
  return faceApiWeights;
}
