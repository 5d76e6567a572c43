/**
 * The HOG stage's backend dispatch: maps a backend name ('reference' | 'wasm', src/wasm/backend.ts)
 * to the implementation each reference takes as a parameter, and gives the public functions that
 * take a `backend` option. The references (fhog.ts, pyramid.ts, scan-fhog-pyramid.ts) import no
 * kernel glue; this file is the one place in hog/ that imports both sides:
 *
 *   fhog.ts extractFhog(img, opts, stages)      <- referenceStages | wasmStages (fhog-wasm.ts)
 *   pyramid.ts resizeBilinear(..., simdPart)    <- resizeSimdPartRef | resizeSimdPartWasm (pyramid-wasm.ts)
 *   scan-fhog-pyramid.ts detect...({scorer})    <- referenceScorer | WasmLevelScorer (scan-wasm.ts)
 *
 * The WebAssembly scorer falls back to the reference one where the pyramid does not fit in wasm
 * memory (WasmOutOfMemoryError): same scores, only slower. A new backend adds a case to each
 * `...For` function below.
 */
import type { Rect } from '../geometry/index.js';
import { parseBackend, type Backend } from '../wasm/backend.js';
import { WasmOutOfMemoryError } from '../wasm/index.js';
import type { FhogFilterbank } from './fhog-filterbank.js';
import { fhogInstance, wasmStages } from './fhog-wasm.js';
import * as fhog from './fhog.js';
import { resizeSimdPartWasm } from './pyramid-wasm.js';
import * as pyramid from './pyramid.js';
import * as scan from './scan-fhog-pyramid.js';
import { applyFiltersToFhogWasm, WasmLevelScorer, wasmScanAvailable } from './scan-wasm.js';

/** The fHOG stages of `backend`. Throws RangeError("unknown fhog backend ...") for another name. */
export function fhogStagesFor(backend: Backend): fhog.FhogStages {
  return parseBackend(backend, 'fhog') === 'wasm' ? wasmStages : fhog.referenceStages;
}

/** The resize's vectorised part for `backend`. Throws RangeError("unknown resize backend ...") for another name. */
export function resizeSimdPartFor(backend: Backend): pyramid.ResizeSimdPart {
  return parseBackend(backend, 'resize') === 'wasm' ? resizeSimdPartWasm : pyramid.resizeSimdPartRef;
}

/**
 * A scorer of `feats` for `backend`: the WebAssembly one copies the whole pyramid into wasm
 * memory once (make one per pyramid and share it between filter banks). Where the pyramid does
 * not fit in wasm memory (MAX_PYRAMID_BYTES, just under 2 GiB, or memory.grow refuses), the
 * 'wasm' backend falls back to the reference scorer: same scores, only slower.
 */
export function levelScorer(feats: readonly scan.FhogLevel[], backend: Backend = 'reference'): scan.LevelScorer {
  if (parseBackend(backend, 'scan') === 'reference') return scan.referenceScorer(feats);
  try {
    return new WasmLevelScorer(feats);
  } catch (e) {
    if (e instanceof WasmOutOfMemoryError) return scan.referenceScorer(feats);
    throw e;
  }
}

/** True when the WebAssembly fHOG kernels load here (checked once). */
export function wasmFhogAvailable(): boolean {
  return fhogInstance.available();
}

/** The HOG backend used when none is asked for: 'wasm' where the fHOG and scanner kernels load. */
export function defaultHogBackend(): Backend {
  return wasmFhogAvailable() && wasmScanAvailable() ? 'wasm' : 'reference';
}

// ---------------------------------------------------------------------------------------------
// The public functions with a `backend` option (the references' names; hog/index.ts exports these).

/** {@link fhog.FhogOptions} with the backend that computes the features. */
export interface FhogBackendOptions extends fhog.FhogOptions {
  /** 'reference' (TypeScript, default) or 'wasm' (WebAssembly SIMD kernels). Bit-identical results. */
  backend?: Backend;
}

/** fhog.ts's extractFhog with the stages of `opts.backend` ('reference' by default). */
export function extractFhog(img: pyramid.HogImage, opts: FhogBackendOptions = {}): fhog.FhogMap {
  return fhog.extractFhog(img, opts, fhogStagesFor(opts.backend ?? 'reference'));
}

/** Which implementation resizes (dlib's vectorised part; the few tail columns are always TypeScript). */
export interface ResizeOptions {
  backend?: Backend;
}

/** pyramid.ts's resizeBilinear with the vectorised part of `opts.backend` ('reference' by default). */
export function resizeBilinear<T extends pyramid.HogImage>(img: T, outWidth: number, outHeight: number, opts: ResizeOptions = {}): T {
  return pyramid.resizeBilinear(img, outWidth, outHeight, resizeSimdPartFor(opts.backend ?? 'reference'));
}

/** pyramid.ts's pyramidDown with the resize of `opts.backend` ('reference' by default). */
export function pyramidDown<T extends pyramid.HogImage>(img: T, n = 6, opts: ResizeOptions = {}): T {
  return pyramid.pyramidDown(img, n, resizeSimdPartFor(opts.backend ?? 'reference'));
}

/** pyramid.ts's pyramidUp with the resize of `opts.backend` ('reference' by default). */
export function pyramidUp<T extends pyramid.HogImage>(img: T, opts: ResizeOptions = {}): T {
  return pyramid.pyramidUp(img, resizeSimdPartFor(opts.backend ?? 'reference'));
}

/**
 * scan-fhog-pyramid.ts's applyFiltersToFhog by `backend`: 'wasm' copies the level into wasm
 * memory and the scores out (for many banks on one pyramid, use {@link levelScorer} instead),
 * falling back to the reference where the level does not fit.
 */
export function applyFiltersToFhog(fb: FhogFilterbank, level: scan.FhogLevel, backend: Backend = 'reference'): { scores: Float32Array; area: Rect } {
  if (parseBackend(backend, 'scan') === 'wasm') {
    try {
      return applyFiltersToFhogWasm(fb, level);
    } catch (e) {
      if (!(e instanceof WasmOutOfMemoryError)) throw e;
    }
  }
  return scan.applyFiltersToFhog(fb, level);
}

/** The options of scan-fhog-pyramid.ts's detectFromFhogPyramid, with a backend. */
export type DetectFromFhogOptions = Parameters<typeof scan.detectFromFhogPyramid>[3] & {
  /** Which implementation filters (default 'reference'); ignored when `scorer` is given. */
  backend?: Backend;
};

/** scan-fhog-pyramid.ts's detectFromFhogPyramid, filtering with `opts.scorer` or levelScorer(feats, opts.backend). */
export function detectFromFhogPyramid(feats: readonly scan.FhogLevel[], fb: FhogFilterbank, thresh: number,
  opts: DetectFromFhogOptions): scan.RawDetection[] {
  return scan.detectFromFhogPyramid(feats, fb, thresh, { ...opts, scorer: opts.scorer ?? levelScorer(feats, opts.backend) });
}
