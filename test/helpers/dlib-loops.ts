/** Plain loops in dlib's order, for tests of kernels that must give their bits. */
import type { Window2d } from '../../src/dnn/layers.js';

/**
 * dlib's col2img (dlib/cuda/cpu_dlib.cpp) as plain loops in its order: output rows r, columns q,
 * then taps (c, ky, kx), each entry added into dx at once. dcols row (c*kh + ky)*kw + kx,
 * column r*ow + q, row stride ldd.
 */
export function col2imgDlib(dx: Float32Array, dcols: Float32Array, ldd: number, ch: number, h: number, w: number, win: Window2d): void {
  const oh = 1 + Math.trunc((h + 2 * win.paddingY - win.nr) / win.strideY);
  const ow = 1 + Math.trunc((w + 2 * win.paddingX - win.nc) / win.strideX);
  for (let r = 0; r < oh; r++) {
    for (let q = 0; q < ow; q++) {
      for (let c = 0; c < ch; c++) {
        for (let ky = 0; ky < win.nr; ky++) {
          for (let kx = 0; kx < win.nc; kx++) {
            const yy = r * win.strideY - win.paddingY + ky;
            const xx = q * win.strideX - win.paddingX + kx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) dx[(c * h + yy) * w + xx] += dcols[((c * win.nr + ky) * win.nc + kx) * ldd + r * ow + q];
          }
        }
      }
    }
  }
}
