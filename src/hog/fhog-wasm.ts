/**
 * The WebAssembly side of fHOG (assembly/fhog.ts), the stages of the 'wasm' fhog backend: the
 * per-pixel gradient stage (gradient with dlib's RGB channel choice, orientation bin, squared
 * length), 4 pixels per SIMD step, the voting into cell histograms, and the block normalisation.
 * Their TypeScript twins are gradientImageRef, voteRef and featuresRef in fhog.ts beside this
 * file; each pair is bit-identical (tested in test/hog/fhog-wasm.test.ts), so the 'wasm' fhog
 * backend gives dlib's exact features too. hog/backends.ts passes {@link wasmStages} to
 * extractFhog for backend 'wasm'.
 *
 * One kernel instance (own linear memory) is loaded lazily and reused, shared with the resize
 * kernel (pyramid-wasm.ts); each call copies the image in and the results out.
 */
import { KernelInstance } from '../wasm/exports.js';
import type { WasmKernels } from '../wasm/index.js';
import { allocPlanes, type FhogMap, type FhogStages, type GradientStage } from './fhog.js';

interface FhogExports {
  fhog_gradient(img: number, width: number, channels: number, yEnd: number, xEnd: number, simdEnd: number,
    bins: number, len2: number): void;
  fhog_vote(bins: number, len2: number, width: number, visibleNr: number, visibleNc: number, simdEnd: number,
    cs: number, hist: number, hnc: number, scratch: number): void;
  fhog_features(hist: number, hnc: number, cellsNr: number, cellsNc: number, norm: number, out: number,
    rows: number, cols: number, offR: number, offC: number): void;
  resize_simd_part(src: number, iw: number, ih: number, ch: number, out: number, ow: number, oh: number, yScale: number,
    simdCols: number, left: number, lr: number, ilr: number): void;
}

/** The fHOG and resize kernel instance (loaded on first use). */
export const fhogInstance = new KernelInstance<FhogExports>({
  what: 'the fHOG kernels',
  names: ['fhog_gradient', 'fhog_vote', 'fhog_features', 'resize_simd_part'],
});

/** The shared kernel instance for fHOG and the resize (loaded on first use). */
export function fhogKernels(): WasmKernels {
  return fhogInstance.kernels;
}

/** Bytes the image copy needs: the image plus 16 readable bytes (the kernel's vector loads). */
export const imageBytes = (width: number, height: number, channels: number): number => width * height * channels + 16;

/**
 * fhog_gradient on a whole image: same contract as gradientImageRef (rows [1, yEnd), columns
 * [1, xEnd) of `bins` / `len2` written, other entries untouched).
 */
export const gradientImageWasm: GradientStage = (data, width, channels, yEnd, xEnd, simdEnd, bins, len2) => {
  if (yEnd <= 1 || xEnd <= 1) return;
  const k = fhogKernels();
  const ex = fhogInstance.exports;
  const n = width * (yEnd + 1);
  k.reset();
  const img = k.alloc(imageBytes(width, yEnd + 1, channels));
  const pb = k.alloc(n);
  const pl = k.alloc(n * 4);
  new Uint8Array(k.memory.buffer, img, width * (yEnd + 1) * channels).set(data.subarray(0, width * (yEnd + 1) * channels));
  ex.fhog_gradient(img, width, channels, yEnd, xEnd, simdEnd, pb, pl);
  // copy back rows 1..yEnd-1, columns 1..xEnd-1 only (the contract leaves the rest untouched)
  const b = new Uint8Array(k.memory.buffer, pb, n);
  const l = new Float32Array(k.memory.buffer, pl, n);
  for (let y = 1; y < yEnd; y++) {
    bins.set(b.subarray(y * width + 1, y * width + xEnd), y * width + 1);
    len2.set(l.subarray(y * width + 1, y * width + xEnd), y * width + 1);
  }
  k.reset();
};

/**
 * Gradient stage and voting (fhog_gradient, fhog_vote) both in WebAssembly memory; only the
 * image goes in and the histogram comes out. Same contract as referenceStages.histogram.
 */
export function histogramWasm(data: Uint8Array, width: number, channels: 1 | 3, visibleNr: number, visibleNc: number,
  simdEnd: number, cs: number, hist: Float32Array, hnc: number): void {
  if (visibleNr <= 1 || visibleNc <= 1) return;
  const k = fhogKernels();
  const ex = fhogInstance.exports;
  const rows = visibleNr + 1;
  k.reset();
  const img = k.alloc(imageBytes(width, rows, channels));
  const pb = k.alloc(width * rows);
  const pl = k.alloc(width * rows * 4);
  const ph = k.alloc(hist.length * 4);
  const scratch = k.alloc(12 * width);
  new Uint8Array(k.memory.buffer, img, width * rows * channels).set(data.subarray(0, width * rows * channels));
  const h = new Float32Array(k.memory.buffer, ph, hist.length);
  h.set(hist);
  ex.fhog_gradient(img, width, channels, visibleNr, visibleNc, simdEnd, pb, pl);
  ex.fhog_vote(pb, pl, width, visibleNr, visibleNc, simdEnd, cs, ph, hnc, scratch);
  hist.set(new Float32Array(k.memory.buffer, ph, hist.length));
  k.reset();
}

/** fhog_features: same contract as featuresRef (src/hog/fhog.ts). */
export function featuresWasm(hist: Float32Array, hnc: number, cellsNr: number, cellsNc: number, pr: number, pc: number): FhogMap {
  const k = fhogKernels();
  const ex = fhogInstance.exports;
  const rows = cellsNr - 2 + pr - 1;
  const cols = cellsNc - 2 + pc - 1;
  const n = 31 * rows * cols;
  k.reset();
  const ph = k.putF32(hist);
  const pn = k.alloc(cellsNr * cellsNc * 4);
  const po = k.alloc(n * 4);
  ex.fhog_features(ph, hnc, cellsNr, cellsNc, pn, po, rows, cols, Math.trunc((pr - 1) / 2), Math.trunc((pc - 1) / 2));
  const buffer = new Float32Array(n);
  buffer.set(k.f32(po, n));
  k.reset();
  return { rows, cols, planes: allocPlanes(rows, cols, buffer) };
}

/** The WebAssembly stages of the 'wasm' fhog backend. */
export const wasmStages: FhogStages = { gradient: gradientImageWasm, histogram: histogramWasm, features: featuresWasm };
