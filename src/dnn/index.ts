/**
 * The reference forward pass of dlib dnn networks (the face-recognition ResNet): NCHW float32
 * tensors, layer functions mirroring dlib's CPU code, and an executable plan built from a
 * network file parsed by `readDnnNet`; the WebAssembly forward pass; the public recognizer API.
 */
export * from './tensor.js';
export * from './gemm.js';
export * from './fc-grad.js';
export * from './layers.js';
export * from './net.js';
export * from './recognizer.js';
export { createWasmForward, type WasmForward, type WasmForwardOptions } from './forward-wasm.js';
