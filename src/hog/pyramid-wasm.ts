/**
 * The WebAssembly side of dlib's bilinear resize (assembly/fhog.ts's resize_simd_part), the
 * 'wasm' resize backend of pyramid.ts beside this file: dlib's vectorised part of
 * `resize_image` (columns [0, simdCols) of every row), bit-identical to resizeSimdPartRef
 * (tested in test/hog/pyramid-wasm.test.ts). The few tail columns are always the TypeScript
 * resizeTailRef. hog/backends.ts passes {@link resizeSimdPartWasm} to the pyramid functions for
 * backend 'wasm'. It shares the fHOG kernel instance (fhog-wasm.ts).
 */
import { fhogInstance, fhogKernels } from './fhog-wasm.js';
import type { ResizeGeometry } from './pyramid.js';

/**
 * resize_simd_part: dlib's vectorised part of the bilinear resize (columns [0, simdCols) of every
 * row) into `out`, whose other columns become 0. Same contract as resizeSimdPartRef
 * (pyramid.ts) on a zeroed `out`.
 */
export function resizeSimdPartWasm(src: Uint8Array, ch: 1 | 3, out: Uint8Array, g: ResizeGeometry): void {
  const k = fhogKernels();
  const ex = fhogInstance.exports;
  const n = g.iw * g.ih * ch;
  k.reset();
  const ps = k.alloc(n + 16);
  new Uint8Array(k.memory.buffer, ps, n).set(src.subarray(0, n));
  const pl = k.alloc(g.ow * 4);
  new Int32Array(k.memory.buffer, pl, g.ow).set(g.cols.left);
  const plr = k.putF32(g.cols.lr);
  const pilr = k.putF32(g.cols.ilr);
  const po = k.alloc(out.length);
  ex.resize_simd_part(ps, g.iw, g.ih, ch, po, g.ow, g.oh, g.yScale, g.cols.simdCols, pl, plr, pilr);
  out.set(new Uint8Array(k.memory.buffer, po, out.length));
  k.reset();
}
