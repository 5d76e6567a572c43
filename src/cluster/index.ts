/** Clustering: dlib's Chinese Whispers and the face graph of dlib's face-clustering example. */
export {
  chineseWhispers,
  buildFaceEdges,
  dlibFloatDistance,
  type ChineseWhispersRng,
  type ChineseWhispersOptions,
  type ChineseWhispersResult,
  type ChineseWhispersEdges,
  type CompactEdges,
  type PairEdge,
  type WeightedEdge,
} from './chinese-whispers.js';
export { faceEdges, buildFaceEdgesFast, type FaceEdgeList, type FaceEdgesOptions } from './edges.js';
export { wasmFaceEdgesAvailable, releaseFaceEdgeKernels } from './edges-wasm.js';
export type { FaceDescriptors } from './face-graph.js';
