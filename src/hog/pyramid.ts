/**
 * dlib's image pyramids as its HOG detector uses them (dlib/image_transforms/image_pyramid.h and
 * interpolation.h, dlib 19.24), ported so that output pixels are IDENTICAL to dlib's:
 *
 * - `pyramidDown(img, n)`: one level of `pyramid_down<N>` for N >= 4 (the detector uses N = 6).
 *   dlib's general `pyramid_down<N>` sizes the output `floor((N-1)*size/N)` and fills it with
 *   `resize_image(in, out)`, i.e. bilinear interpolation (`resizeBilinear` here).
 * - `pyramidUp(img)`: `pyramid_up(img, out, pyramid_down<2>())`, as dlib's Python API upsamples
 *   before detecting: output size from `pyramid_down<2>::rect_up` of the image rectangle, i.e.
 *   (2*height+1) x (2*width+2), filled by the same bilinear resize.
 * The coordinate maps of `pyramid_down<N>` (`point_down/point_up/rect_down/rect_up`) are
 * src/geometry/pyramid-maps.ts's `PyramidDown`.
 *
 * Exactness: dlib's bilinear resize for rgb->rgb and grey->grey images is a hand-vectorised
 * (SSE2, `simd4f`) loop in float32 with a scalar tail in double, and the two round differently:
 * the vectorised part truncates RGB values and rounds grey values (+0.5), the scalar tail
 * truncates both. `resizeBilinear` mirrors both parts operation by operation (Math.fround on
 * every float32 step, the same lane layout, the same loop exit), so it agrees bit for bit with
 * dlib compiled for x86-64's SSE2 baseline (how the parity harness builds it). This file is the
 * reference and imports no kernel glue: the vectorised part is a parameter ({@link ResizeSimdPart},
 * resizeSimdPartRef by default); the 'wasm' backend's is a WebAssembly kernel (pyramid-wasm.ts),
 * chosen by name in hog/backends.ts.
 *
 * Images are {width, height, data, channels}: RGB interleaved (data.length = width*height*3) or
 * grey (data.length = width*height); the kind is src/image/pixels.ts's channelsOf, and outputs
 * keep it (an empty output of an RGB image is an empty RGB image).
 */
import { isEmptyRect, PyramidDown, roundRect } from '../geometry/index.js';
import { channelsOf, type GrayImage, type RgbImage } from '../image/pixels.js';

/** A dlib image: RGB (3 bytes a pixel, interleaved) or grey (1 byte a pixel). */
export type HogImage = RgbImage | GrayImage;

const f32 = Math.fround;

/**
 * dlib's `resize_image(in, out)` (bilinear) for rgb->rgb or grey->grey images, output `outWidth`
 * x `outHeight`, same kind as the input. Bit-identical to dlib (see the module comment).
 *
 * `simdPart` computes dlib's vectorised columns (the reference's by default; a backend's gives the
 * same bytes); the tail columns are always resizeTailRef.
 *
 * Requires: non-negative integer output size. Ensures: a new image; an empty input or output
 * gives an all-zero image of the requested size (dlib leaves it untouched).
 */
export function resizeBilinear<T extends HogImage>(img: T, outWidth: number, outHeight: number, simdPart: ResizeSimdPart = resizeSimdPartRef): T {
  const ch = channelsOf(img);
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth < 0 || outHeight < 0) {
    throw new RangeError(`output size must be non-negative integers, got ${outWidth}x${outHeight}`);
  }
  const out = new Uint8Array(outWidth * outHeight * ch);
  const result = { width: outWidth, height: outHeight, data: out, channels: ch } as T;
  if (outWidth * outHeight === 0 || img.width * img.height === 0) return result;
  const g = resizeGeometry(img.width, img.height, outWidth, outHeight);
  simdPart(img.data, ch, out, g);
  resizeTailRef(img.data, ch, out, g);
  return result;
}

/**
 * dlib's vectorised part of the resize: columns [0, g.cols.simdCols) of every row of `out`
 * written from `src`, the other columns left as they are (the contract of resizeSimdPartRef).
 */
export type ResizeSimdPart = (src: Uint8Array, ch: 1 | 3, out: Uint8Array, g: ResizeGeometry) => void;

/** Everything dlib's bilinear resize derives from the sizes alone. */
export interface ResizeGeometry {
  iw: number;
  ih: number;
  ow: number;
  oh: number;
  /** (ih-1)/max(oh-1,1), accumulated row by row in double as dlib does. */
  yScale: number;
  /** The per-column tables (resizeColumns). */
  cols: ResizeColumns;
}

export function resizeGeometry(iw: number, ih: number, ow: number, oh: number): ResizeGeometry {
  const xScale = (iw - 1) / Math.max(ow - 1, 1);
  const yScale = (ih - 1) / Math.max(oh - 1, 1);
  return { iw, ih, ow, oh, yScale, cols: resizeColumns(iw, ow, xScale) };
}

/**
 * Row r's source rows and vertical weights: dlib's y (accumulated in double), top = floor(y),
 * bottom = min(top+1, ih-1), tb_frac = y - top. Calls `row(r, top, bottom, tbFrac)` for each.
 */
function forEachRow(g: ResizeGeometry, row: (r: number, top: number, bottom: number, tbFrac: number) => void): void {
  let y = -g.yScale;
  for (let r = 0; r < g.oh; r++) {
    y += g.yScale;
    const top = Math.floor(y);
    row(r, top, Math.min(top + 1, g.ih - 1), y - top);
  }
}

/**
 * dlib's vectorised part of the bilinear resize: output columns [0, simdCols) of every row, in
 * float32 (RGB truncated, grey rounded with +0.5). The TypeScript twin of resize_simd_part.
 */
export function resizeSimdPartRef(src: Uint8Array, ch: 1 | 3, out: Uint8Array, g: ResizeGeometry): void {
  const { simdCols, left, lr, ilr } = g.cols;
  const rowStride = g.iw * ch;
  forEachRow(g, (r, top, bottom, tbFrac) => {
    const tb = f32(tbFrac);
    const itb = f32(1 - tbFrac);
    const topRow = top * rowStride;
    const botRow = bottom * rowStride;
    let o = r * g.ow * ch;
    if (ch === 3) {
      for (let c = 0; c < simdCols; c++, o += 3) {
        const lrc = lr[c];
        const ilrc = ilr[c];
        const tlf = f32(itb * ilrc);
        const trf = f32(itb * lrc);
        const blf = f32(tb * ilrc);
        const brf = f32(tb * lrc);
        const t0 = topRow + left[c] * 3;
        const b0 = botRow + left[c] * 3;
        out[o] = f32(f32(f32(f32(tlf * src[t0]) + f32(trf * src[t0 + 3])) + f32(blf * src[b0])) + f32(brf * src[b0 + 3]));
        out[o + 1] = f32(f32(f32(f32(tlf * src[t0 + 1]) + f32(trf * src[t0 + 4])) + f32(blf * src[b0 + 1])) + f32(brf * src[b0 + 4]));
        out[o + 2] = f32(f32(f32(f32(tlf * src[t0 + 2]) + f32(trf * src[t0 + 5])) + f32(blf * src[b0 + 2])) + f32(brf * src[b0 + 5]));
      }
    } else {
      for (let c = 0; c < simdCols; c++, o++) {
        const lrc = lr[c];
        const ilrc = ilr[c];
        const t0 = topRow + left[c];
        const b0 = botRow + left[c];
        const v = f32(f32(f32(f32(f32(itb * ilrc) * src[t0]) + f32(f32(itb * lrc) * src[t0 + 1])) +
          f32(f32(tb * ilrc) * src[b0])) + f32(f32(tb * lrc) * src[b0 + 1]));
        out[o] = v + 0.5; // static_cast<unsigned char>((double)v + 0.5)
      }
    }
  });
}

/** dlib's scalar tail of the bilinear resize: output columns [simdCols, ow) of every row. */
export function resizeTailRef(src: Uint8Array, ch: 1 | 3, out: Uint8Array, g: ResizeGeometry): void {
  const { simdCols, left, right, lr, ilr, lrD } = g.cols;
  if (simdCols >= g.ow) return;
  const rowStride = g.iw * ch;
  forEachRow(g, (r, top, bottom, tbFrac) => {
    const itbD = 1 - tbFrac;
    const topRow = top * rowStride;
    const botRow = bottom * rowStride;
    let o = (r * g.ow + simdCols) * ch;
    if (ch === 3) {
      // double arithmetic, truncated
      for (let c = simdCols; c < g.ow; c++, o += 3) {
        const l = lrD[c];
        const il = 1 - l;
        const t0 = topRow + left[c] * 3;
        const t1 = topRow + right[c] * 3;
        const b0 = botRow + left[c] * 3;
        const b1 = botRow + right[c] * 3;
        for (let j = 0; j < 3; j++) {
          out[o + j] = itbD * (il * src[t0 + j] + l * src[t1 + j]) + tbFrac * (il * src[b0 + j] + l * src[b1 + j]);
        }
      }
    } else {
      // float lr_frac and sums, double row weights, float result, truncated (assign_pixel)
      for (let c = simdCols; c < g.ow; c++, o++) {
        const lrc = lr[c];
        const ilrc = ilr[c];
        const temp = f32(itbD * f32(f32(ilrc * src[topRow + left[c]]) + f32(lrc * src[topRow + right[c]])) +
          tbFrac * f32(f32(ilrc * src[botRow + left[c]]) + f32(lrc * src[botRow + right[c]])));
        out[o] = temp <= 0 ? 0 : temp >= 255 ? 255 : temp;
      }
    }
  });
}

/** The per-column tables of resizeColumns. */
export interface ResizeColumns {
  simdCols: number;
  left: Int32Array;
  right: Int32Array;
  lr: Float32Array;
  ilr: Float32Array;
  lrD: Float64Array;
}

/**
 * Per output column of dlib's bilinear resize (the same for every row): how many leading
 * columns its vectorised loop produces (`simdCols`), and for each column the left/right source
 * columns and the horizontal fractions: float32 `lr`/`ilr` (vectorised part: from the float32
 * lane positions; scalar tail: lr_frac as float, used by the grey tail) and the double `lrD`
 * (scalar tail, RGB).
 *
 * Stores into a Uint8Array truncate toward zero and wrap modulo 256: for values in [0, 256)
 * that is dlib's float -> int -> unsigned char conversion, which the callers rely on.
 */
export function resizeColumns(iw: number, ow: number, xScale: number): ResizeColumns {
  const left = new Int32Array(ow);
  const right = new Int32Array(ow);
  const lr = new Float32Array(ow);
  const ilr = new Float32Array(ow);
  const lrD = new Float64Array(ow);
  const xScale4 = f32(4 * xScale);
  const x0 = -4 * xScale;
  const X = [f32(x0), f32(x0 + xScale), f32(x0 + 2 * xScale), f32(x0 + 3 * xScale)];
  let c = 0;
  for (;; c += 4) {
    for (let k = 0; k < 4; k++) X[k] = f32(X[k] + xScale4);
    if (Math.trunc(X[3]) + 1 >= iw) break;
    for (let k = 0; k < 4; k++) {
      if (c + k >= ow) continue; // dlib would write past the row here (never happens for pyramids)
      const l = Math.trunc(X[k]);
      left[c + k] = l;
      right[c + k] = l + 1;
      lr[c + k] = f32(X[k] - l);
      ilr[c + k] = f32(1 - lr[c + k]);
    }
  }
  const simdCols = Math.min(c, ow);
  let x = -xScale + c * xScale;
  for (; c < ow; c++) {
    x += xScale;
    const l = Math.floor(x);
    left[c] = l;
    right[c] = Math.min(l + 1, iw - 1);
    lrD[c] = x - l;
    lr[c] = f32(x - l);
    ilr[c] = f32(1 - lr[c]);
  }
  return { simdCols, left, right, lr, ilr, lrD };
}

/** Output size of one `pyramid_down<N>` level (N >= 4): floor((N-1)*size/N) each way. */
export function pyramidDownSize(width: number, height: number, n = 6): { width: number; height: number } {
  return { width: Math.floor(((n - 1) * width) / n), height: Math.floor(((n - 1) * height) / n) };
}

/**
 * One level of dlib's `pyramid_down<N>` (N >= 4; the HOG detector uses 6): the image shrunk to
 * floor((N-1)/N) of its size with dlib's bilinear resize. Pixels identical to dlib's.
 * An image with a side below N/(N-1) pixels gives an empty (0-sized) image, as in dlib.
 * N = 2 and 3 use other (filtering) algorithms in dlib and are not implemented (RangeError).
 */
export function pyramidDown<T extends HogImage>(img: T, n = 6, simdPart: ResizeSimdPart = resizeSimdPartRef): T {
  if (!Number.isInteger(n) || n < 4) {
    throw new RangeError(`pyramidDown supports dlib's general pyramid_down<N> for N >= 4, got ${n}`);
  }
  channelsOf(img);
  const s = pyramidDownSize(img.width, img.height, n);
  return resizeBilinear(img, s.width, s.height, simdPart);
}

/**
 * dlib's `pyramid_up(img, out, pyramid_down<2>())` (what dlib's Python API does for each
 * "upsample"): output (2*height+1) x (2*width+2) from `pyramid_down<2>::rect_up` of the image
 * rectangle, filled with dlib's bilinear resize. Pixels identical to dlib's. An empty input gives
 * an empty output.
 */
export function pyramidUp<T extends HogImage>(img: T, simdPart: ResizeSimdPart = resizeSimdPartRef): T {
  channelsOf(img);
  if (img.width * img.height === 0) return resizeBilinear(img, 0, 0);
  const up = roundRect(new PyramidDown(2).rectUp([0, 0, img.width - 1, img.height - 1]));
  if (isEmptyRect(up)) return resizeBilinear(img, 0, 0);
  return resizeBilinear(img, up[2] + 1, up[3] + 1, simdPart);
}
