/**
 * Every tolerance facemetric's tests allow against real dlib, in one place, each with its reason.
 * "Exact" entries are listed too, so that a reader sees where we claim bit-identity.
 */
export interface Tolerance {
  /** Largest allowed absolute difference (0 = identical). */
  readonly abs: number;
  /** Why this much and no less. */
  readonly reason: string;
}

export const TOLERANCES = {
  pngDecode: {
    abs: 0,
    reason: 'PNG is lossless and the 16-bit, palette, alpha and grey rules are ported from dlib\'s png_loader, so pixels must be identical to dlib\'s load_image.',
  },
  jpegDecodeMean: {
    abs: 1.0,
    reason: 'jpeg-js is not libjpeg-turbo: its IDCT and chroma upsampling differ from libjpeg\'s ISLOW IDCT with "fancy" (triangular) upsampling, so single pixels can differ by up to ~32 grey levels at colour edges of 4:2:0 images; the mean absolute difference over an image stays below 1. Parity suites therefore feed both sides dlib-decoded pixels (harness `decode` → PNG).',
  },
  modelBytes: {
    abs: 0,
    reason: 'Model files are read and written back byte-identically, and a network file we convert is re-serialized by dlib into the same bytes.',
  },
  detectorScore: {
    abs: 1e-4,
    reason: 'HOG detection scores are float sums of filter responses; dlib accumulates in an order (and with SIMD) that a port cannot always follow to the last bit. Boxes and filter indices must be identical.',
  },
  fhogFeature: {
    abs: 1e-4,
    reason: 'fHOG features go through sqrt/atan-free float arithmetic in dlib\'s order but with float rounding that may differ in the last bits between SIMD widths.',
  },
  fhogFeatureExact: {
    abs: 0,
    reason: 'src/hog/fhog.ts mirrors extract_fhog_features operation by operation in float32, including the split between dlib\'s SIMD columns and its scalar tail columns (they break RGB channel ties and compute the bilinear vote weights differently) and SSE2\'s lane order in the block normalisation and horizontal sums; the harness compiles dlib for the x86-64 SSE2 baseline (no -march), so features are bit-identical. A dlib built with SSE4.1/AVX (e.g. -march=native) sums lanes with dpps and would differ in the last bits (fhogFeature covers that).',
  },
  pyramidPixels: {
    abs: 0,
    reason: 'pyramid_down<6> and pyramid_up are dlib\'s bilinear resize_image, ported with its float32 SIMD part (truncating RGB, rounding grey) and double scalar tail; output pixels are integers and must be identical.',
  },
  descriptor: {
    abs: 1e-4,
    reason: 'Descriptors come out of 29 convolutions computed by GEMM; the summation order of dlib\'s BLAS (Debian\'s reference BLAS or OpenBLAS) differs from ours, so float32 results differ in the last bits, growing through the layers to about 1e-5 on components of magnitude ~0.1.',
  },
} as const satisfies Record<string, Tolerance>;
