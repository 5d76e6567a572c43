/**
 * The fHOG WebAssembly kernels (assembly/fhog.ts) against their TypeScript twins in
 * src/hog/fhog.ts, bit for bit, on both builds (SIMD and, where the engine runs it, relaxed
 * SIMD), with sentinel guard zones around every output (no write outside, no write to entries
 * the contract leaves untouched). Then the whole 'wasm' backend against the reference one.
 * (Against dlib itself: test/parity/fhog-parity.test.ts runs on both backends.)
 */
import { describe, expect, it } from 'vitest';
import {
  extractFhog, featuresRef, gradientImageRef, simdColumnsEnd, voteRef, type HogImage,
} from '../../src/hog/index.js';
import { imageBytes } from '../../src/hog/fhog-wasm.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../../src/wasm/index.js';
import { guarded, SENTINEL } from '../helpers/guarded.js';
import { rng } from '../helpers/random.js';

interface FhogExports {
  fhog_gradient(img: number, width: number, channels: number, yEnd: number, xEnd: number, simdEnd: number, bins: number, len2: number): void;
  fhog_vote(bins: number, len2: number, width: number, visibleNr: number, visibleNc: number, simdEnd: number, cs: number, hist: number, hnc: number, scratch: number): void;
  fhog_features(hist: number, hnc: number, cellsNr: number, cellsNc: number, norm: number, out: number, rows: number, cols: number, offR: number, offC: number): void;
}

const SENTINEL_BYTE = 0xa5; // > 17, not an orientation bin

/** Random image; `ties` draws from few values so equal channel gradients are frequent. */
function image(width: number, height: number, ch: 1 | 3, seed: number, ties = false): HogImage {
  const r = rng(seed);
  const data = new Uint8Array(width * height * ch);
  for (let i = 0; i < data.length; i++) data[i] = ties ? [0, 3, 4, 5, 8, 255][Math.floor(r() * 6)] : Math.floor(r() * 256);
  return { width, height, data };
}

const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];

describe.each(flavours)('fHOG kernels (%s build) against their TypeScript twins', (flavour) => {
  const k = WasmKernels.load(flavour);
  const ex = k.exports as unknown as FhogExports;

  const sizes: [number, number][] = [[3, 3], [4, 5], [5, 4], [9, 7], [10, 10], [11, 6], [12, 13], [17, 9], [33, 21], [64, 40], [131, 17]];
  const cases = sizes.flatMap(([w, h]) => ([1, 3] as const).flatMap((ch) => [false, true].map((ties) => ({ w, h, ch, ties }))));

  it.each(cases)('fhog_gradient $w x $h, $ch channel(s), ties $ties: identical to gradientImageRef', ({ w, h, ch, ties }) => {
    const img = image(w, h, ch, w * 1000 + h * 10 + ch, ties);
    // several extents: full, and cut short like fhog's "visible" area; several SIMD seams
    for (const [yEnd, xEnd] of [[h - 1, w - 1], [Math.max(1, h - 2), Math.max(1, w - 3)]]) {
      for (const simdEnd of [simdColumnsEnd(xEnd), 1, xEnd, 6]) {
        k.reset();
        const n = w * h;
        const src = guarded(k, imageBytes(w, h, ch), (v) => { v.fill(0); v.set(img.data); });
        const bins = guarded(k, n, (v) => v.fill(SENTINEL_BYTE));
        const len2 = guarded(k, n * 4, (v) => new Uint32Array(v.buffer, v.byteOffset, n).fill(SENTINEL));
        ex.fhog_gradient(src.ptr, w, ch, yEnd, xEnd, simdEnd, bins.ptr, len2.ptr);
        const wantBins = new Uint8Array(n).fill(SENTINEL_BYTE);
        const wantLen = new Float32Array(new Uint32Array(n).fill(SENTINEL).buffer);
        gradientImageRef(img.data, w, ch, yEnd, xEnd, simdEnd, wantBins, wantLen);
        const what = `yEnd ${yEnd} xEnd ${xEnd} simdEnd ${simdEnd}`;
        expect(Array.from(new Uint8Array(k.memory.buffer, bins.ptr, n)), what).toEqual(Array.from(wantBins));
        expect(Array.from(new Uint32Array(k.memory.buffer, len2.ptr, n)), what).toEqual(Array.from(new Uint32Array(wantLen.buffer)));
        bins.check();
        len2.check();
      }
    }
  });

  it.each([[8, 64, 48], [8, 61, 45], [4, 33, 21], [3, 130, 9], [5, 40, 41], [2, 9, 9]])('fhog_vote cell %i on %ix%i: identical to voteRef', (cs, w, h) => {
    const img = image(w, h, 3, cs * 7 + w + h, false);
    const cellsNr = Math.trunc(Math.fround(h / cs) + 0.5);
    const cellsNc = Math.trunc(Math.fround(w / cs) + 0.5);
    const hnc = cellsNc + 2;
    const visibleNr = Math.min(cellsNr * cs, h) - 1;
    const visibleNc = Math.min(cellsNc * cs, w) - 1;
    const simdEnd = simdColumnsEnd(visibleNc);
    const bins = new Uint8Array(w * h);
    const len2 = new Float32Array(w * h);
    gradientImageRef(img.data, w, 3, visibleNr, visibleNc, simdEnd, bins, len2);
    const histLen = (cellsNr + 2) * hnc * 18;
    // start from non-zero histograms, to check accumulation (not assignment) as well
    const start = Float32Array.from({ length: histLen }, (_, i) => (i % 7) * 0.125);
    const want = start.slice();
    voteRef(bins, len2, w, visibleNr, visibleNc, simdEnd, cs, want, hnc);
    k.reset();
    const pb = guarded(k, bins.length, (v) => v.set(bins));
    const pl = guarded(k, len2.length * 4, (v) => v.set(new Uint8Array(len2.buffer)));
    const ph = guarded(k, histLen * 4, (v) => v.set(new Uint8Array(start.buffer)));
    const scratch = guarded(k, 12 * w, () => undefined);
    ex.fhog_vote(pb.ptr, pl.ptr, w, visibleNr, visibleNc, simdEnd, cs, ph.ptr, hnc, scratch.ptr);
    scratch.check();
    expect(Array.from(new Uint32Array(k.memory.buffer, ph.ptr, histLen))).toEqual(Array.from(new Uint32Array(want.buffer)));
    ph.check();
  });

  it.each([[3, 3, 1, 1], [5, 4, 1, 1], [12, 9, 6, 5], [25, 31, 2, 9], [7, 40, 3, 1]])('fhog_features %ix%i cells, padding %i x %i: identical to featuresRef', (cellsNr, cellsNc, pr, pc) => {
    const r = rng(cellsNr * 100 + cellsNc);
    const hnc = cellsNc + 2;
    // histograms with zeros, ties and values around the 0.2 clamp
    const hist = Float32Array.from({ length: (cellsNr + 2) * hnc * 18 }, () => (r() < 0.2 ? 0 : r() < 0.1 ? 1 : r() * 40));
    const want = featuresRef(hist, hnc, cellsNr, cellsNc, pr, pc);
    k.reset();
    const ph = k.putF32(hist);
    const pn = k.alloc(cellsNr * cellsNc * 4);
    const n = 31 * want.rows * want.cols;
    const out = guarded(k, n * 4, (v) => new Uint32Array(v.buffer, v.byteOffset, n).fill(SENTINEL));
    ex.fhog_features(ph, hnc, cellsNr, cellsNc, pn, out.ptr, want.rows, want.cols, Math.trunc((pr - 1) / 2), Math.trunc((pc - 1) / 2));
    const got = new Uint32Array(k.memory.buffer, out.ptr, n);
    const wantBits = new Uint32Array(want.planes[0].buffer, want.planes[0].byteOffset, n);
    expect(Array.from(got)).toEqual(Array.from(wantBits));
    out.check();
  });
});

describe("extractFhog backend 'wasm' against 'reference'", () => {
  const sizes: [number, number][] = [[1, 1], [3, 3], [24, 24], [61, 45], [203, 37], [9, 300], [640, 480]];
  it.each(sizes)('%ix%i, RGB and grey, cell sizes 1..8 and paddings: bit-identical', (w, h) => {
    for (const ch of [1, 3] as const) {
      const img = image(w, h, ch, w + h + ch, w % 2 === 1);
      for (const [cellSize, pr, pc] of [[8, 1, 1], [8, 6, 5], [1, 1, 1], [3, 2, 4], [5, 1, 2]]) {
        const opts = { cellSize, filterRowsPadding: pr, filterColsPadding: pc };
        const a = extractFhog(img, opts);
        const b = extractFhog(img, { ...opts, backend: 'wasm' });
        expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
        for (let p = 0; p < 31; p++) {
          const x = Buffer.from(a.planes[p].buffer, a.planes[p].byteOffset, a.planes[p].byteLength);
          const y = Buffer.from(b.planes[p].buffer, b.planes[p].byteOffset, b.planes[p].byteLength);
          expect(x.equals(y), `plane ${p} ${JSON.stringify(opts)}`).toBe(true);
        }
      }
    }
  });

  it('repeated calls reuse the kernel memory without leaking state', () => {
    const img = image(120, 80, 3, 99);
    const first = extractFhog(img, { backend: 'wasm' });
    extractFhog(image(300, 200, 1, 5), { backend: 'wasm' });
    const again = extractFhog(img, { backend: 'wasm' });
    expect(again.planes).toEqual(first.planes);
  });
});
