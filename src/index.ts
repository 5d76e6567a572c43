/**
 * facemetric: dlib's face recognition pipeline in TypeScript.
 *
 * This entry point re-exports the public API of each stage that is built so far: image I/O,
 * dlib's model formats, the HOG face detector (fHOG, pyramids, scanner), 68-point landmarks and
 * aligned face chips, the ResNet face descriptors, the pipeline composing them (describeFaces),
 * dlib::rand and Chinese Whispers, the model assets, and the WebAssembly kernels.
 */
export * from './errors.js';
export * from './geometry/index.js';
export * from './image/index.js';
export * from './dlib/index.js';
export * from './hog/index.js';
export * from './landmarks/index.js';
export * from './dnn/index.js';
export * from './pipeline/index.js';
export * from './cluster/index.js';
export { DlibRand } from './rand/dlib-rand.js';
export {
  assetPath, ensureAssets, exampleImages, exampleImagesDir, modelsDir, verifyAssets,
  type AssetReport, type Manifest, type PrepareOptions,
} from './models/index.js';
export { WasmKernels, WasmOutOfMemoryError, relaxedSimdSupported, type WasmFlavour } from './wasm/index.js';
export { BACKENDS, type Backend } from './wasm/backend.js';
