/**
 * The WebAssembly side of scan_fhog_pyramid's filtering (assembly/scan.ts), the 'wasm' scan
 * backend: dlib's separable and full float filtering, 4 output columns per f32x4 in dlib's exact
 * float order. The TypeScript twins are filterImageSeparable / filterImage in
 * spatial-filtering.ts; the two are bit-identical (test/hog/scan-wasm.test.ts), so the 'wasm'
 * scan backend gives dlib's exact scores too.
 *
 * The scanner has its own kernel instances (own linear memory, separate from the fHOG one, which
 * resets its memory on every call). A {@link WasmLevelScorer} copies a whole feature pyramid into
 * that memory once, then scores any number of filter banks against its levels without copies:
 * the returned score maps are views of wasm memory. A pyramid the memory cannot hold throws
 * WasmOutOfMemoryError (hog/backends.ts then falls back to the reference scorer).
 */
import { FacemetricError } from '../errors.js';
import { emptyRect, type Rect } from '../geometry/index.js';
import { KernelInstance } from '../wasm/exports.js';
import { WasmOutOfMemoryError, type WasmKernels } from '../wasm/index.js';
import type { FhogFilterbank } from './fhog-filterbank.js';
import type { FhogLevel, LevelScorer } from './scan-fhog-pyramid.js';
import { filterArea } from './spatial-filtering.js';

export interface ScanExports {
  scan_separable(inp: number, rows: number, cols: number, rowF: number, nRow: number, colF: number, nCol: number,
    out: number, scratch: number, addTo: boolean | number): void;
  scan_full(inp: number, rows: number, cols: number, filt: number, frows: number, fcols: number, out: number,
    addTo: boolean | number): void;
}

const SCAN_KERNELS = { what: 'the scanner kernels', names: ['scan_separable', 'scan_full'] } as const;

/**
 * The scanner's kernel instances: 'shared' for pyramid scorers, 'oneShot' for single-level
 * filtering (so that it never supersedes a pyramid scorer).
 */
const instances = {
  shared: new KernelInstance<ScanExports>(SCAN_KERNELS),
  oneShot: new KernelInstance<ScanExports>(SCAN_KERNELS),
};

/** The scorer that owns each kernel instance's memory (the most recently created on it). */
const owners = new WeakMap<WasmKernels, WasmLevelScorer>();

/** The scanner's kernel instance `which` (loaded on first use). */
export function scanKernels(which: 'shared' | 'oneShot' = 'shared'): WasmKernels {
  return instances[which].kernels;
}

/**
 * Drops the scanner's kernel instances, so that their memory (grown to the largest pyramid
 * scored so far; wasm memory never shrinks) can be garbage-collected. Existing scorers stop
 * working; the next one loads a fresh instance.
 */
export function releaseScanKernels(): void {
  for (const inst of Object.values(instances)) {
    if (inst.isLoaded) owners.delete(inst.kernels);
    inst.release();
  }
}

/** True when the WebAssembly scanner kernels load here (checked once). */
export function wasmScanAvailable(): boolean {
  return instances.shared.available();
}

/** Where one bank's filters live in wasm memory (byte offsets). */
interface BankPlacement {
  /** Separable path: per plane, per component, [row filter, column filter]. */
  parts: [number, number][][];
  /** Full path: per plane, the rows x cols filter. */
  full: number[];
}

/** The most pyramid bytes a scorer puts in wasm memory (2 GiB less 64 MiB for filters). */
export const MAX_PYRAMID_BYTES = 2 ** 31 - 2 ** 26;


/**
 * A feature pyramid resident in the scanner's wasm memory, scored by filter banks with the
 * WebAssembly kernels (same results as the reference applyFiltersToFhog, bit for bit).
 * Only the most recently created scorer on a kernel instance is usable (it owns that memory);
 * `score` on an older one throws.
 */
export class WasmLevelScorer implements LevelScorer {
  private readonly k: WasmKernels;
  private readonly ex: ScanExports;
  private readonly levels: { rows: number; cols: number; planes: number[] }[];
  private readonly scores: number;
  private readonly scratch: number;
  private readonly banks = new Map<FhogFilterbank, BankPlacement>();

  /**
   * Copies every level's planes into wasm memory (once).
   * Throws WasmOutOfMemoryError where they do not fit (more than MAX_PYRAMID_BYTES, or
   * memory.grow fails).
   */
  constructor(feats: readonly FhogLevel[], k: WasmKernels = scanKernels()) {
    this.k = k;
    this.ex = k.exports as unknown as ScanExports; // checked when the instance was loaded
    // Everything must fit in 32-bit wasm memory (checked here in doubles: the allocator's
    // 32-bit rounding would wrap on sizes past 2 GiB).
    let total = 0;
    let largest = 0;
    for (const { rows, cols, planes } of feats) {
      total += planes.length * rows * cols * 4 + 16;
      largest = Math.max(largest, rows * cols * 4 + 16);
    }
    if (total + 2 * largest > MAX_PYRAMID_BYTES) throw new WasmOutOfMemoryError(`a feature pyramid of ${total} bytes does not fit in wasm memory`);
    owners.set(k, this);
    k.reset();
    let maxN = 0;
    this.levels = feats.map(({ rows, cols, planes }) => {
      const n = rows * cols;
      maxN = Math.max(maxN, n);
      const base = k.alloc(planes.length * n * 4);
      return { rows, cols, planes: planes.map((_, p) => base + p * n * 4) };
    });
    this.scores = k.alloc(maxN * 4);
    this.scratch = k.alloc(maxN * 4);
    // memory has grown to its final size for the levels: copy them in
    const heap = new Float32Array(k.memory.buffer);
    feats.forEach((level, l) => {
      const n = level.rows * level.cols;
      level.planes.forEach((plane, p) => heap.set(plane.subarray(0, n), this.levels[l].planes[p] >>> 2));
    });
  }

  private place(fb: FhogFilterbank): BankPlacement {
    let pl = this.banks.get(fb);
    if (pl === undefined) {
      const k = this.k;
      const put = (f: Float32Array): number => k.putF32(f);
      pl = fb.separable
        ? { parts: fb.rowFilters.map((rfs, i) => rfs.map((rf, j): [number, number] => [put(rf), put(fb.colFilters[i][j])])), full: [] }
        : { parts: [], full: fb.filters.map(put) };
      this.banks.set(fb, pl);
    }
    return pl;
  }

  /**
   * applyFiltersToFhog(fb, feats[level]) in WebAssembly. The returned `scores` is a view of
   * wasm memory, valid until the next `score` call or the next scorer.
   */
  score(fb: FhogFilterbank, level: number): { scores: Float32Array; area: Rect } {
    if (owners.get(this.k) !== this) throw new FacemetricError('this WasmLevelScorer was superseded by a newer one (the scanner memory holds another pyramid)');
    const pl = this.place(fb);
    const { rows, cols, planes } = this.levels[level];
    const ex = this.ex;
    let area: Rect = emptyRect();
    if (!fb.separable) {
      ex.scan_full(planes[0], rows, cols, pl.full[0], fb.rows, fb.cols, this.scores, 0);
      area = filterArea(rows, cols, fb.rows, fb.cols);
      for (let i = 1; i < pl.full.length; i++) ex.scan_full(planes[i], rows, cols, pl.full[i], fb.rows, fb.cols, this.scores, 1);
    } else {
      let first = true;
      for (let i = 0; i < pl.parts.length; i++) {
        for (let j = 0; j < pl.parts[i].length; j++) {
          const [rf, cf] = pl.parts[i][j];
          ex.scan_separable(planes[i], rows, cols, rf, fb.rowFilters[i][j].length, cf, fb.colFilters[i][j].length, this.scores, this.scratch, first ? 0 : 1);
          area = filterArea(rows, cols, fb.colFilters[i][j].length, fb.rowFilters[i][j].length);
          first = false;
        }
      }
      // no separable part at all: the reference's scores stay zero
      if (first) this.k.f32(this.scores, rows * cols).fill(0);
    }
    // a fresh view: the bank placement above may have grown the memory
    return { scores: this.k.f32(this.scores, rows * cols), area };
  }
}

/**
 * applyFiltersToFhog(fb, level) in WebAssembly: copies the level into the scanner's one-shot
 * kernel instance (so that a pyramid scorer in use stays valid) and the scores out.
 * Throws WasmOutOfMemoryError where the level does not fit in wasm memory.
 */
export function applyFiltersToFhogWasm(fb: FhogFilterbank, level: FhogLevel): { scores: Float32Array; area: Rect } {
  const { scores, area } = new WasmLevelScorer([level], scanKernels('oneShot')).score(fb, 0);
  return { scores: scores.slice(), area };
}
