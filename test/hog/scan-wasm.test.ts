/**
 * The scanner's WebAssembly filtering kernels (assembly/scan.ts) against their TypeScript twins
 * in src/hog/spatial-filtering.ts (filterImageSeparable, filterImage), bit for bit, on both
 * builds (SIMD and, where the engine runs it, relaxed SIMD), on random planes and filters of
 * awkward sizes (not multiples of 4 or 8, filters larger than the plane, 1-row and 1-column
 * planes, +-0 inputs), with sentinel guard zones around every buffer. Then the wasm level scorer
 * against applyFiltersToFhog (separable and full banks) and whole detections on both backends.
 * (Against dlib itself: test/parity/scan-parity.test.ts and detect-parity.test.ts run on both
 * backends.)
 */
import { describe, expect, it, vi } from 'vitest';
import { loadFrontalFaceDetector } from '../../src/hog/detector.js';
import {
  applyFiltersToFhog,
  buildFhogFilterbank,
  detectFromFhogPyramid,
  filterImage,
  filterImageSeparable,
  levelScorer,
  type FhogLevel,
} from '../../src/hog/index.js';
import { relaxedSimdSupported, WasmKernels, WasmOutOfMemoryError, type WasmFlavour } from '../../src/wasm/index.js';
import { releaseScanKernels, scanKernels, WasmLevelScorer, type ScanExports } from '../../src/hog/scan-wasm.js';
import { guardedF32, SENTINEL } from '../helpers/guarded.js';
import { rng } from '../helpers/random.js';

/** Random floats in [-1, 1), with some exact +0 and -0 (the 0 + -0 = +0 rule matters). */
function randomF32(n: number, seed: number, zeros = 0.1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = u < zeros / 2 ? 0 : u < zeros ? -0 : r() * 2 - 1;
  }
  return out;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];

// plane sizes (rows x cols) and filter sizes (column-filter taps x row-filter taps)
const planeSizes: [number, number][] = [[1, 1], [1, 13], [13, 1], [2, 9], [3, 5], [7, 9], [9, 7], [10, 10], [11, 17], [17, 11], [12, 33], [25, 19], [6, 40]];
const filterSizes: [number, number][] = [[1, 1], [1, 10], [10, 1], [2, 3], [3, 2], [5, 7], [10, 10], [11, 13], [40, 3], [4, 8], [9, 16]];

describe.each(flavours)('scanner kernels (%s build) against their TypeScript twins', (flavour) => {
  const k = WasmKernels.load(flavour);
  const ex = k.exports as unknown as ScanExports;
  const cases = planeSizes.flatMap(([rows, cols]) => [{ rows, cols }]);

  it.each(cases)('scan_separable on $rows x $cols planes, every filter size, write and add: identical to filterImageSeparable', ({ rows, cols }) => {
    let seed = rows * 1000 + cols;
    for (const [nCol, nRow] of filterSizes) {
      for (const addTo of [false, true]) {
        k.reset();
        const n = rows * cols;
        const inp = randomF32(n, ++seed);
        const rowF = randomF32(nRow, ++seed, 0.05);
        const colF = randomF32(nCol, ++seed, 0.05);
        const before = addTo ? randomF32(n, ++seed) : new Float32Array(new Uint32Array(n).fill(SENTINEL).buffer);
        const want = before.slice();
        const wantArea = filterImageSeparable(inp, rows, cols, rowF, colF, want, new Float32Array(n), addTo);
        const gi = guardedF32(k, inp);
        const gr = guardedF32(k, rowF);
        const gc = guardedF32(k, colF);
        const go = guardedF32(k, before);
        const gs = guardedF32(k, new Float32Array(n));
        ex.scan_separable(gi.ptr, rows, cols, gr.ptr, nRow, gc.ptr, nCol, go.ptr, gs.ptr, addTo);
        const where = `${rows}x${cols}, filter ${nCol}x${nRow}, addTo ${addTo}`;
        expect(bits(go.view()), where).toEqual(bits(want));
        expect(bits(gi.view()), where).toEqual(bits(inp));
        for (const g of [gi, gr, gc, go, gs]) g.check();
        // the valid area is what filterArea says (the wasm scorer reports that one)
        expect(wantArea).toEqual(n === 0 ? [0, 0, -1, -1] : [Math.trunc(nRow / 2), Math.trunc(nCol / 2), cols - Math.trunc((nRow - 1) / 2) - 1, rows - Math.trunc((nCol - 1) / 2) - 1]);
      }
    }
  });

  it.each(cases)('scan_full on $rows x $cols planes, every filter size, write and add: identical to filterImage', ({ rows, cols }) => {
    let seed = rows * 7000 + cols;
    for (const [fr, fc] of filterSizes) {
      for (const addTo of [false, true]) {
        k.reset();
        const n = rows * cols;
        const inp = randomF32(n, ++seed);
        const filt = randomF32(fr * fc, ++seed, 0.05);
        const before = addTo ? randomF32(n, ++seed) : new Float32Array(new Uint32Array(n).fill(SENTINEL).buffer);
        const want = before.slice();
        filterImage(inp, rows, cols, filt, fr, fc, want, addTo);
        const gi = guardedF32(k, inp);
        const gf = guardedF32(k, filt);
        const go = guardedF32(k, before);
        ex.scan_full(gi.ptr, rows, cols, gf.ptr, fr, fc, go.ptr, addTo);
        expect(bits(go.view()), `${rows}x${cols}, filter ${fr}x${fc}, addTo ${addTo}`).toEqual(bits(want));
        for (const g of [gi, gf, go]) g.check();
      }
    }
  });

  it('long rows (many SIMD blocks) and large magnitudes: identical', () => {
    k.reset();
    const rows = 23;
    const cols = 301;
    const r = rng(99);
    const inp = Float32Array.from({ length: rows * cols }, () => (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20));
    const rowF = randomF32(10, 5, 0);
    const colF = randomF32(10, 6, 0);
    const want = new Float32Array(rows * cols);
    filterImageSeparable(inp, rows, cols, rowF, colF, want, new Float32Array(rows * cols), false);
    const gi = guardedF32(k, inp);
    const gr = guardedF32(k, rowF);
    const gc = guardedF32(k, colF);
    const go = guardedF32(k, new Float32Array(rows * cols));
    const gs = guardedF32(k, new Float32Array(rows * cols));
    ex.scan_separable(gi.ptr, rows, cols, gr.ptr, 10, gc.ptr, 10, go.ptr, gs.ptr, false);
    expect(bits(go.view())).toEqual(bits(want));
    for (const g of [gi, gr, gc, go, gs]) g.check();
  });
});

/** A random fhog-like level (31 planes). */
function level(rows: number, cols: number, seed: number): FhogLevel {
  const all = randomF32(31 * rows * cols, seed, 0.2).map(Math.abs);
  const n = rows * cols;
  return { rows, cols, planes: Array.from({ length: 31 }, (_, p) => all.subarray(p * n, (p + 1) * n)) };
}

describe('the WebAssembly level scorer against applyFiltersToFhog', () => {
  const det = loadFrontalFaceDetector();
  const r = rng(3);
  const fullBank = buildFhogFilterbank(Array.from({ length: 31 * 5 * 6 }, () => r() * 2 - 1), 5, 6);
  // low rank per plane (an outer product): the separable path on a small, odd filter
  const sepWeights: number[] = [];
  for (let p = 0; p < 31; p++) {
    const u = Array.from({ length: 7 }, () => r() - 0.5);
    const v = Array.from({ length: 3 }, () => r() - 0.5);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 3; j++) sepWeights.push(u[i] * v[j]);
  }
  const sepBank = buildFhogFilterbank(sepWeights, 7, 3);
  const zeroBank = buildFhogFilterbank(new Array<number>(31 * 4 * 4).fill(0), 4, 4);

  it('the test banks take the paths they are meant to', () => {
    expect(fullBank.separable).toBe(false);
    expect(sepBank.separable).toBe(true);
    expect(det.banks.every((b) => b.separable)).toBe(true);
    expect(zeroBank.numSeparable).toBe(0);
  });

  const levels = [level(0, 0, 1), level(1, 1, 2), level(1, 37, 3), level(37, 1, 4), level(9, 9, 5), level(10, 10, 6), level(13, 22, 7), level(30, 41, 8)];

  it('every bank on every level: bit-identical scores, same area', () => {
    const scorer = levelScorer(levels, 'wasm');
    for (const fb of [...det.banks, fullBank, sepBank, zeroBank]) {
      for (let l = 0; l < levels.length; l++) {
        const want = applyFiltersToFhog(fb, levels[l]);
        const got = scorer.score(fb, l);
        const where = `bank ${fb.rows}x${fb.cols} (${fb.separable ? 'separable' : 'full'}), level ${levels[l].rows}x${levels[l].cols}`;
        expect(got.area, where).toEqual(want.area);
        expect(bits(got.scores), where).toEqual(bits(want.scores));
        // and the one-level convenience form
        expect(bits(applyFiltersToFhog(fb, levels[l], 'wasm').scores), where).toEqual(bits(want.scores));
      }
    }
  });

  it('a pyramid too large for wasm memory falls back to the reference scorer (same scores)', () => {
    // 198 GB, and 5.4 GB (past 4 GiB: a 32-bit size would wrap to a small one)
    for (const side of [40_000, 6_600]) {
      const huge: FhogLevel = { rows: side, cols: side, planes: levels[4].planes };
      expect(levelScorer([levels[4], huge], 'wasm')).not.toBeInstanceOf(WasmLevelScorer);
    }
    const huge: FhogLevel = { rows: 40_000, cols: 40_000, planes: levels[4].planes };
    const scorer = levelScorer([levels[4], huge], 'wasm');
    expect(bits(scorer.score(sepBank, 0).scores)).toEqual(bits(applyFiltersToFhog(sepBank, levels[4]).scores));
    // and the kernels still work afterwards
    expect(bits(levelScorer([levels[4]], 'wasm').score(sepBank, 0).scores)).toEqual(bits(applyFiltersToFhog(sepBank, levels[4]).scores));
  });

  it('a memory.grow the engine refuses throws WasmOutOfMemoryError, and both scan paths fall back to the reference', () => {
    releaseScanKernels(); // fresh instances: their memory must grow for this level (20 MB)
    const big = level(400, 400, 21);
    const want = applyFiltersToFhog(sepBank, big);
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    });
    try {
      expect(() => new WasmLevelScorer([big])).toThrow(WasmOutOfMemoryError);
      expect(() => new WasmLevelScorer([big])).toThrow(/out of WebAssembly memory: cannot grow to \d+ bytes \(WebAssembly.Memory.grow\(\): Maximum/);
      const scorer = levelScorer([big], 'wasm');
      expect(scorer).not.toBeInstanceOf(WasmLevelScorer);
      expect(bits(scorer.score(sepBank, 0).scores)).toEqual(bits(want.scores));
      expect(bits(applyFiltersToFhog(sepBank, big, 'wasm').scores)).toEqual(bits(want.scores));
      expect(grow).toHaveBeenCalled();
    } finally {
      grow.mockRestore();
      releaseScanKernels();
    }
    // with memory growing again, the WebAssembly scorer is back
    expect(levelScorer([big], 'wasm')).toBeInstanceOf(WasmLevelScorer);
  });

  it('a superseded scorer refuses to score', () => {
    const a = new WasmLevelScorer(levels);
    a.score(sepBank, 3);
    levelScorer(levels, 'wasm');
    expect(() => a.score(sepBank, 3)).toThrow(/superseded/);
  });

  it('releaseScanKernels: old scorers stop, new ones work on a fresh instance', () => {
    const a = levelScorer(levels, 'wasm');
    const before = scanKernels();
    releaseScanKernels();
    expect(() => a.score(sepBank, 6)).toThrow(/superseded/);
    const b = levelScorer(levels, 'wasm');
    expect(scanKernels()).not.toBe(before);
    expect(bits(b.score(sepBank, 6).scores)).toEqual(bits(applyFiltersToFhog(sepBank, levels[6]).scores));
  });

  it('detectFromFhogPyramid: the same raw detections on both backends', () => {
    const feats = [level(40, 52, 11), level(33, 43, 12), level(27, 35, 13)];
    const geometry = { detBoxHeight: 8, detBoxWidth: 8, cellSize: 8, filterRowsPadding: 10, filterColsPadding: 10 };
    for (const fb of det.banks) {
      const want = detectFromFhogPyramid(feats, fb, -1, { ...geometry, backend: 'reference' });
      const got = detectFromFhogPyramid(feats, fb, -1, { ...geometry, backend: 'wasm' });
      expect(want.length).toBeGreaterThan(0);
      expect(got).toEqual(want);
    }
  });
});

describe('face detection on both scan backends', () => {
  const det = loadFrontalFaceDetector();
  /** A smooth random RGB image (blobs), so that some windows score high. */
  function blobs(width: number, height: number, seed: number): { width: number; height: number; data: Uint8Array } {
    const r = rng(seed);
    const data = new Uint8Array(width * height * 3);
    const cx = Array.from({ length: 6 }, () => [r() * width, r() * height, 10 + r() * 60, r() * 255]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = 128;
        for (const [bx, by, rad, c] of cx) if ((x - bx) ** 2 + (y - by) ** 2 < rad * rad) v = c;
        for (let ch = 0; ch < 3; ch++) data[(y * width + x) * 3 + ch] = Math.max(0, Math.min(255, v + (r() * 20 - 10)));
      }
    }
    return { width, height, data };
  }

  it.each([[200, 150, 0], [123, 97, 1], [321, 240, 0]])('%ix%i, upsample %i, adjust -2: identical detections', (w, h, upsample) => {
    const img = blobs(w, h, w + h);
    const want = det.detect(img, { upsample, adjustThreshold: -2, backend: 'reference' });
    const got = det.detect(img, { upsample, adjustThreshold: -2, backend: 'wasm' });
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
    // the pyramid's feature planes fed to both scorers directly: same detections at a threshold
    // that passes most windows (long, tie-prone lists)
    const feats = det.featurePyramid(img, 'wasm');
    expect(det.detectPrepared(feats, -4, 'wasm')).toEqual(det.detectPrepared(feats, -4, 'reference'));
  });
});
