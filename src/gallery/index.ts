/**
 * Known people: the gallery (its file format, face-api JSON), identification against it, and
 * the gallery files on disk. gallery.ts, format.ts, distance.ts, identify.ts and clean.ts import no
 * `node:` module (the browser core); file.ts and identify-image.ts are the Node side.
 */
export { Gallery, DESCRIPTOR_DIMS, INDEX_MIN_FACES, MATCH_RULES, type GalleryFace, type GalleryOptions, type LabeledFaceDescriptorsJson, type MatchRule, type NewGalleryFace, type PersonMatch, type RowIndex, type SearchOptions } from './gallery.js';
export { cleanFaces, rankByCentroid, type CleanFace, type CleanPair, type CleanPerson, type CleanResult, type LabelledDescriptor } from './clean.js';
export { decodeGallery, encodeGallery, GalleryError, GALLERY_SIGNATURE, GALLERY_VERSION, type GalleryData, type GalleryFaceMeta } from './format.js';
export { faceDistance } from './distance.js';
export { knnReference, type NearestRow } from './knn.js';
export { WasmFaceIndex, wasmApproximateFaceIndex } from './knn-wasm.js';
export {
  ApproximateFaceIndex, defaultCells, defaultProbes, FlatRowStore,
  type ApproximateIndexOptions, type ApproximateIndexStats, type NearestCentroids, type RowStore,
} from './ivf.js';
export { DEFAULT_TOLERANCE, identifyDescriptor, identifyFaces, toleranceOf, UNKNOWN_PERSON, type Identification, type IdentifiedFace, type IdentifyOptions } from './identify.js';
export { identify } from './identify-image.js';
export { faceModelSha256, openGallery, readGalleryJson, saveGallery, writeGalleryJson, type OpenGalleryOptions } from './file.js';
