/**
 * facemetric: dlib's face recognition pipeline in TypeScript.
 *
 * The package entry: the public API, listed name by name and grouped by stage (image I/O, dlib's
 * model formats, geometry, the HOG face detector, 68-point landmarks and face chips, the ResNet
 * face descriptors, the pipeline composing them, dlib::rand and Chinese Whispers, the model
 * assets, the backends). Each stage keeps more in its own modules — the references' kernel
 * twins, the WebAssembly glue, byte readers, layout planners, sort ports — which tests and
 * porters import by path (e.g. `src/hog/fhog.ts`); they are not part of the package's API.
 *
 * test/api.test.ts pins this list against test/api-snapshot.json: a change here is a deliberate
 * API change (`FACEMETRIC_UPDATE_API=1 npx vitest run test/api.test.ts` rewrites the snapshot).
 */

// Errors: every error facemetric throws is a FacemetricError with a one-line message.
export {
  CudaError, CudaOutOfMemoryError, CudaUnavailableError, DlibFormatError, FacemetricError, ImageError, ModelAssetError, UsageError,
} from './errors.js';

// Geometry (dlib/geometry): points, rectangles, affine maps, and the pyramid and fHOG coordinate maps.
export type { Point } from './geometry/vector.js';
export {
  centeredRect, emptyRect, intersect, isEmptyRect, rectArea, rectFromCorners, rectHeight, rectUnion, rectWidth,
  roundRect, type Rect,
} from './geometry/rectangle.js';
export { applyAffine, findSimilarityTransform, type PointTransformAffine } from './geometry/point-transforms.js';
export { PyramidDown } from './geometry/pyramid-maps.js';
export { fhogToImage, fhogToImageRect, imageToFhog, imageToFhogRect, type FhogMapOptions } from './geometry/fhog-maps.js';

// Images (dlib/image_io.h, pixel.h, image_saver): decoding, reading, writing, pixel conversions, drawing.
export {
  applyOrientation, annotateFaces, channelsOf, decodeImage, DEFAULT_MAX_PIXELS, detectFormat, drawLine,
  drawRectangle, encodePng, faceShapeSegments, grayToRgb, readExifOrientation, readImage, readImageSync,
  rgbaToRgb, rgbToGray, writePng,
  type DecodeOptions, type EncodePngOptions, type FaceAnnotation, type GrayImage, type ImageFormat, type Rgb,
  type RgbaImage, type RgbImage, type WritePngOptions,
} from './image/index.js';

// dlib's binary formats (dlib/serialize.h): the primitives and the detector, shape predictor and dnn files.
export {
  DlibReader, DlibWriter,
  type DlibAliasTensor, type DlibMatrix, type DlibTensor, type FloatDetails, type FloatKind, type IntKind,
} from './dlib/serialize.js';
export {
  readFhogObjectDetector, readScanFhogPyramid, writeFhogObjectDetector, writeScanFhogPyramid,
  type FhogImage, type FhogObjectDetector, type FhogPlane, type ScanFhogPyramid,
} from './dlib/object-detector.js';
export { readShapePredictor, writeShapePredictor, type RegressionTree, type ShapePredictor } from './dlib/shape-predictor.js';
export {
  readDnnDetails, readDnnNet, writeDnnDetails, writeDnnNet,
  type DnnAddLayerState, type DnnFieldValue, type DnnInputNode, type DnnLayerDetails, type DnnLayerNode, type DnnLossNode,
  type DnnNet, type DnnNode, type DnnRepeatInputNode, type DnnRepeatNode, type DnnTagInputState, type DnnTagNode,
  type DnnTagOrSkipNode,
} from './dlib/dnn.js';
export type { DnnDetailsRole } from './dlib/dnn-layers.js';
export { buildFaceNet, type FaceNetNorm, type FaceNetOptions } from './dlib/anet.js';

// HOG detector (fhog.h, image_pyramid.h, scan_fhog_pyramid.h, object_detector.h), each op with its `backend` option.
export { FHOG_PLANES, type FhogMap, type FhogOptions } from './hog/fhog.js';
export { pyramidDownSize, type HogImage } from './hog/pyramid.js';
export { buildFhogFilterbank, type FhogFilterbank } from './hog/fhog-filterbank.js';
export { pyramidLevels, type FhogLevel, type RawDetection, type ScannerSettings } from './hog/scan-fhog-pyramid.js';
export {
  defaultHogBackend, detectFromFhogPyramid, extractFhog, pyramidDown, pyramidUp, resizeBilinear, wasmFhogAvailable,
  type DetectFromFhogOptions, type FhogBackendOptions, type ResizeOptions,
} from './hog/backends.js';
export { FhogDetector, loadFrontalFaceDetector, type DetectOptions, type FaceDetection } from './hog/detector.js';

// Landmarks (shape_predictor.h) and dlib's landmark dataset XML and test_shape_predictor measures.
export { loadShapePredictor, ShapePredictorModel, type Landmarks } from './landmarks/shape-predictor.js';
export {
  datasetImagePath, datasetObjects, interocularDistance, interocularDistances, loadImageDataset, meanNormalizedError,
  OBJECT_PART_NOT_PRESENT, parseImageDataset,
  type DatasetBox, type DatasetFace, type DatasetImage, type DatasetObjects, type ImageDataset,
} from './landmarks/dataset.js';

// Face chips and jitter (dlib/image_transforms: get_face_chip_details, extract_image_chip, jitter_image).
export { chipDetailsFromPoints, extractImageChip, getFaceChipDetails, type ChipDetails } from './image/chips.js';
export { jitterImage } from './image/jitter.js';

// Face descriptors (dlib/dnn): the face recognition ResNet behind a small API, on either backend.
export {
  createFaceRecognizer, defaultDnnBackend, DNN_BACKENDS, FACE_CHIP_SIZE, isDnnBackend, loadFaceRecognizer, wasmDnnUnavailable,
  type DescribeBatchOptions, type DnnBackend, type DnnEngine, type FaceRecognizer, type RecognizerMemory, type RecognizerOptions,
} from './dnn/recognizer.js';

// The pipeline (dnn_face_recognition_ex.cpp): detect, landmarks, chips, descriptors; describeFaces in one call.
export {
  FACE_BATCH_SIZE, FACE_CHIP, PIPELINE_STAGES, runPipeline,
  type FaceModels, type PipelineFace, type PipelineOptions, type PipelineResult, type PipelineStage, type PipelineTimings,
} from './pipeline/pipeline.js';
export { loadFaceModels, type LoadFaceModelsOptions } from './pipeline/models.js';
export { describeFaces, type DescribedFace, type DescribedFaces, type DescribeFacesOptions } from './pipeline/describe-faces.js';

// Clustering (chinese_whispers.h) and the face graph of dlib's face-clustering example.
export {
  buildFaceEdges, chineseWhispers, dlibFloatDistance,
  type ChineseWhispersEdges, type ChineseWhispersOptions, type ChineseWhispersResult, type ChineseWhispersRng,
  type CompactEdges, type PairEdge, type WeightedEdge,
} from './cluster/chinese-whispers.js';
export { buildFaceEdgesFast, faceEdges, type FaceEdgeList, type FaceEdgesOptions } from './cluster/edges.js';
export { wasmFaceEdgesAvailable } from './cluster/edges-wasm.js';
export type { FaceDescriptors, FaceEdgePairs } from './cluster/face-graph.js';

// Known people (issue 15): the gallery (its .fmg file, face-api's LabeledFaceDescriptors JSON), search, identification.
export {
  DESCRIPTOR_DIMS, Gallery, INDEX_MIN_FACES, MATCH_RULES,
  type GalleryFace, type GalleryOptions, type LabeledFaceDescriptorsJson, type MatchRule, type NewGalleryFace, type PersonMatch, type RowIndex, type SearchOptions,
} from './gallery/gallery.js';
export { cleanFaces, type CleanFace, type CleanPair, type CleanPerson, type CleanResult, type LabelledDescriptor } from './gallery/clean.js';
export { decodeGallery, encodeGallery, GALLERY_SIGNATURE, GALLERY_VERSION, GalleryError, type GalleryData, type GalleryFaceMeta } from './gallery/format.js';
export { faceDistance } from './gallery/distance.js';
export { knnReference, type NearestRow } from './gallery/knn.js';
export { WasmFaceIndex, wasmApproximateFaceIndex } from './gallery/knn-wasm.js';
export {
  ApproximateFaceIndex, defaultCells, defaultProbes, FlatRowStore,
  type ApproximateIndexOptions, type ApproximateIndexStats, type NearestCentroids, type RowStore,
} from './gallery/ivf.js';
export {
  DEFAULT_TOLERANCE, identifyDescriptor, identifyFaces, toleranceOf, UNKNOWN_PERSON,
  type Identification, type IdentifiedFace, type IdentifyOptions,
} from './gallery/identify.js';
export { identify } from './gallery/identify-image.js';
export { faceModelSha256, openGallery, readGalleryJson, saveGallery, writeGalleryJson, type OpenGalleryOptions } from './gallery/file.js';

// Metric learning (dlib/dnn/loss.h, solvers.h, trainer.h; dnn_metric_learning_on_images_ex.cpp):
// the training loop, its pieces and the evaluation of a trained network.
export {
  EXAMPLE_TRAINING, evaluateNet, freshFaceNet, inferenceNetOf, trainMetricNet,
  type ListedData, type SampledData, type StopReason, type TrainMetricOptions, type TrainMetricResult, type TrainStep,
} from './train/train.js';
export { metricLoss, METRIC_LOSS_DISTANCE_THRESHOLD, METRIC_LOSS_MARGIN, type MetricLossOptions, type MetricLossResult } from './train/loss-metric.js';
export type { GemmBlas } from './dnn/gemm.js';
export { Sgd, type SgdLoops, type SgdRange, type SgdRule, type SgdState } from './train/sgd.js';
export { LearningRateSchedule, type LearningRateScheduleOptions, type LearningRateScheduleState, type RecordResult } from './train/trainer.js';
export { initializeNet } from './train/init.js';
export { toInferenceNet } from './train/convert.js';
export { calibrationPng, evaluatePairs, formatPairEvaluation, histogramPng, rocCurve, type PairEvaluation, type RocPoint } from './train/evaluate.js';
export { loadImageAsDlib, loadMiniBatch, loadObjectsList, type LoadImage, type MiniBatch, type ObjectsList } from './train/sampler.js';
export {
  holdoutSplit, parseBatchList, scanDataDir,
  type BatchList, type DataDirScan, type DataDirImage, type DatasetPerson, type DatasetProblem, type ListedMiniBatch,
  type ParseBatchListOptions, type ScanDataDirOptions, type ScanProgress,
} from './train/dataset.js';
export { readCheckpoint, writeCheckpoint, type TrainCheckpoint } from './train/checkpoint.js';
export { disturbColors } from './image/disturb-colors.js';

// dlib::rand (rand_kernel_1.h), the random numbers jitter and Chinese Whispers draw; glibc's rand()
// (dlib seeds each new layer's generator with it).
export { DlibRand, type DlibRandState } from './rand/dlib-rand.js';
export { GlibcRand } from './rand/glibc-rand.js';

// Model assets: where they are, and the step that makes and verifies them.
export {
  assetPath, ensureAssets, exampleImages, exampleImagesDir, ModelAssetsError, modelsDir, verifyAssets,
  type Asset, type AssetPathOptions, type AssetReport, type AssetStatus, type CommittedSource, type Converter,
  type CopyDirSource, type CopySource, type DirectoryAsset, type FaceApiConvertSource, type FileAsset, type FileRecord,
  type KnownAssetName, type Manifest, type PrepareOptions,
} from './models/index.js';

// Backends: the names a `backend` option takes, the engine's relaxed-SIMD probe, the kernels' out-of-memory error.
export { BACKENDS, type Backend } from './wasm/backend.js';
export { relaxedSimdSupported, WasmOutOfMemoryError } from './wasm/index.js';
// The optional CUDA backend (npm run build:cuda): whether it runs here, or why not.
export {
  CUDA_ABI_VERSION, cudaStatus, cudaUnavailable, type CudaNetHandle, type CudaRuntime, type CudaStatus, type CudaUnavailableReason,
} from './cuda/index.js';
