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
 * - `PyramidDown(n)`: the coordinate maps (`point_down/point_up/rect_down/rect_up`, any number of
 *   levels) of `pyramid_down<N>` for every N, including the special formulas of N = 2 and 3.
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
 * Images are {width, height, data}: RGB interleaved (data.length = width*height*3) or grey
 * (data.length = width*height); the kind is decided by data.length.
 */
import type { GrayImage, RgbImage } from '../image/index.js';

/** A dlib image: RGB (3 bytes a pixel, interleaved) or grey (1 byte a pixel). */
export type HogImage = RgbImage | GrayImage;

/** dlib::dpoint (vector<double,2>). */
export interface DPoint {
  x: number;
  y: number;
}

/** dlib::drectangle: double coordinates, right/bottom inclusive. Also used for dlib::rectangle. */
export interface DRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Number of channels of `img`, decided by its data length: 3 for width*height*3 bytes, 1 for
 * width*height bytes. Throws a RangeError for anything else (or non-integer sizes).
 * With width*height = 0 both lengths are 0: such an image counts as grey.
 */
export function channelsOf(img: HogImage): 1 | 3 {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`image size must be non-negative integers, got ${width}x${height}`);
  }
  const n = width * height;
  if (img.data.length === n) return 1;
  if (img.data.length === n * 3) return 3;
  throw new RangeError(`image data has ${img.data.length} bytes; a ${width}x${height} image needs ${n} (grey) or ${n * 3} (RGB)`);
}

/** dlib's drectangle -> rectangle conversion: each coordinate to floor(v + 0.5). */
export function roundRect(r: DRect): DRect {
  return {
    left: Math.floor(r.left + 0.5),
    top: Math.floor(r.top + 0.5),
    right: Math.floor(r.right + 0.5),
    bottom: Math.floor(r.bottom + 0.5),
  };
}

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
  const result = { width: outWidth, height: outHeight, data: out } as T;
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
  const up = roundRect(new PyramidDown(2).rectUp({ left: 0, top: 0, right: img.width - 1, bottom: img.height - 1 }));
  if (up.top > up.bottom || up.left > up.right) return resizeBilinear(img, 0, 0);
  return resizeBilinear(img, up.right + 1, up.bottom + 1, simdPart);
}

/**
 * The coordinate maps of dlib's `pyramid_down<N>`: where a point or rectangle of one level lies
 * in the next smaller (`down`) or larger (`up`) level, after any number of levels. All in double
 * precision, as dlib's dpoint/drectangle versions (integer rectangles are converted to
 * drectangle first; convert results back with `roundRect`, as dlib's rectangle(drectangle) does).
 *
 * N = 1 (`pyramid_disable`): every level maps to (0, 0). N = 2 and N = 3 use dlib's dedicated
 * formulas; N >= 4 the general ones: down p -> (p - 0.3)*(N-1)/N, up p -> p*N/(N-1) + 0.3.
 */
export class PyramidDown {
  readonly n: number;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`pyramid_down<N> needs an integer N >= 1, got ${n}`);
    this.n = n;
  }

  /** dlib's pyramid_rate: (N-1)/N. */
  get rate(): number {
    return (this.n - 1) / this.n;
  }

  private down1(p: DPoint): DPoint {
    const n = this.n;
    if (n === 1) return { x: 0, y: 0 };
    if (n === 2) return { x: p.x / 2.0 - 1.25, y: p.y / 2.0 - 0.75 };
    if (n === 3) {
      const ratio = 2.0 / 3.0;
      return { x: p.x * ratio - 1, y: p.y * ratio - 1 };
    }
    const ratio = (n - 1.0) / n;
    return { x: (p.x - 0.3) * ratio, y: (p.y - 0.3) * ratio };
  }

  private up1(p: DPoint): DPoint {
    const n = this.n;
    if (n === 1) return { x: 0, y: 0 };
    if (n === 2) return { x: (p.x + 1.25) * 2, y: (p.y + 0.75) * 2 };
    if (n === 3) {
      const ratio = 3.0 / 2.0;
      return { x: p.x * ratio + ratio, y: p.y * ratio + ratio };
    }
    const ratio = n / (n - 1.0);
    return { x: p.x * ratio + 0.3, y: p.y * ratio + 0.3 };
  }

  /** `point_down(p, levels)`. */
  pointDown(p: DPoint, levels = 1): DPoint {
    if (this.n === 1) return levels === 0 ? { x: p.x, y: p.y } : { x: 0, y: 0 };
    let t = { x: p.x, y: p.y };
    for (let i = 0; i < levels; i++) t = this.down1(t);
    return t;
  }

  /** `point_up(p, levels)`. */
  pointUp(p: DPoint, levels = 1): DPoint {
    if (this.n === 1) return levels === 0 ? { x: p.x, y: p.y } : { x: 0, y: 0 };
    let t = { x: p.x, y: p.y };
    for (let i = 0; i < levels; i++) t = this.up1(t);
    return t;
  }

  /** `rect_down(rect, levels)`: both corners mapped with pointDown. */
  rectDown(r: DRect, levels = 1): DRect {
    return cornersRect(this.pointDown({ x: r.left, y: r.top }, levels), this.pointDown({ x: r.right, y: r.bottom }, levels));
  }

  /** `rect_up(rect, levels)`: both corners mapped with pointUp. */
  rectUp(r: DRect, levels = 1): DRect {
    return cornersRect(this.pointUp({ x: r.left, y: r.top }, levels), this.pointUp({ x: r.right, y: r.bottom }, levels));
  }
}

/** drectangle(p1, p2) as dlib builds it from two corners (the bounding box of both points). */
function cornersRect(a: DPoint, b: DPoint): DRect {
  return { left: Math.min(a.x, b.x), top: Math.min(a.y, b.y), right: Math.max(a.x, b.x), bottom: Math.max(a.y, b.y) };
}
