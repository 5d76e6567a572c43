/**
 * The resize kernel (resize_simd_part in assembly/fhog.ts) against its TypeScript twin
 * resizeSimdPartRef (src/hog/pyramid.ts), bit for bit, with sentinel guards around the output;
 * and pyramidDown / pyramidUp / resizeBilinear with backend 'wasm' against 'reference'.
 * (Against dlib: test/parity/fhog-parity.test.ts runs both backends.)
 */
import { describe, expect, it } from 'vitest';
import {
  pyramidDown, pyramidUp, resizeBilinear, resizeGeometry, resizeSimdPartRef, type HogImage,
} from '../../src/hog/index.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../../src/wasm/index.js';

interface ResizeExports {
  resize_simd_part(src: number, iw: number, ih: number, ch: number, out: number, ow: number, oh: number, yScale: number,
    simdCols: number, left: number, lr: number, ilr: number): void;
}

function image(width: number, height: number, ch: 1 | 3, seed: number): HogImage {
  let s = seed >>> 0;
  const data = new Uint8Array(width * height * ch);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

const SENTINEL = 0xa5;

/** Index of the first differing byte, or -1 (fast on large arrays, unlike toEqual). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return -1;
  let i = 0;
  while (a[i] === b[i]) i++;
  return i;
}
const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
// [in width, in height, out width, out height]: pyramid_down<6> and pyramid_up shapes, odd sizes
const shapes: [number, number, number, number][] = [
  [6, 6, 5, 5], [12, 7, 10, 5], [97, 61, 80, 50], [33, 5, 27, 4], [2, 2, 1, 1], [1, 1, 4, 3], [5, 3, 12, 7], [40, 31, 82, 63], [7, 300, 5, 250],
];

describe.each(flavours)('resize_simd_part (%s build) against resizeSimdPartRef', (flavour) => {
  const k = WasmKernels.load(flavour);
  const ex = k.exports as unknown as ResizeExports;
  it.each(shapes.flatMap((s) => ([1, 3] as const).map((ch) => [...s, ch] as const)))('%ix%i -> %ix%i, %i channel(s): identical, no write outside', (iw, ih, ow, oh, ch) => {
    const img = image(iw, ih, ch, iw * 31 + ih + ch);
    const g = resizeGeometry(iw, ih, ow, oh);
    const want = new Uint8Array(ow * oh * ch);
    resizeSimdPartRef(img.data, ch, want, g);
    k.reset();
    const ps = k.alloc(img.data.length + 16);
    new Uint8Array(k.memory.buffer, ps, img.data.length).set(img.data);
    const pl = k.alloc(ow * 4);
    new Int32Array(k.memory.buffer, pl, ow).set(g.cols.left);
    const plr = k.putF32(g.cols.lr);
    const pilr = k.putF32(g.cols.ilr);
    const n = want.length;
    const base = k.alloc(n + 32);
    new Uint8Array(k.memory.buffer, base, n + 32).fill(SENTINEL);
    ex.resize_simd_part(ps, iw, ih, ch, base + 16, ow, oh, g.yScale, g.cols.simdCols, pl, plr, pilr);
    const all = new Uint8Array(k.memory.buffer, base, n + 32);
    expect(Array.from(all.subarray(16, 16 + n))).toEqual(Array.from(want));
    expect(Array.from(all.subarray(0, 16))).toEqual(new Array(16).fill(SENTINEL));
    expect(Array.from(all.subarray(16 + n))).toEqual(new Array(16).fill(SENTINEL));
  });
});

describe("resize backend 'wasm' against 'reference'", () => {
  it.each(shapes)('resizeBilinear %ix%i -> %ix%i: identical (RGB and grey)', (iw, ih, ow, oh) => {
    for (const ch of [1, 3] as const) {
      const img = image(iw, ih, ch, iw + ih * 7);
      expect(firstDiff(resizeBilinear(img, ow, oh, { backend: 'wasm' }).data, resizeBilinear(img, ow, oh).data)).toBe(-1);
    }
  });
  it('pyramidDown over 10 levels and pyramidUp of a 640x480 image: identical', () => {
    for (const ch of [1, 3] as const) {
      let a = image(640, 480, ch, 5);
      let b = a;
      expect(firstDiff(pyramidUp(a, { backend: 'wasm' }).data, pyramidUp(a).data)).toBe(-1);
      for (let l = 0; l < 10; l++) {
        a = pyramidDown(a);
        b = pyramidDown(b, 6, { backend: 'wasm' });
        expect(firstDiff(b.data, a.data), `level ${l + 1}`).toBe(-1);
      }
    }
  });
  it('rejects an unknown backend', () => {
    expect(() => resizeBilinear(image(4, 4, 1, 1), 3, 3, { backend: 'gpu' as 'wasm' })).toThrow(/unknown resize backend/);
  });
});
