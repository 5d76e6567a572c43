/**
 * dlib's float spatial filtering as scan_fhog_pyramid uses it (dlib/image_transforms/
 * spatial_filtering.h, dlib 19.24): `impl::float_spatially_filter_image` (a full 2-D filter) and
 * `impl::float_spatially_filter_image_separable` (a row filter, then a column filter), in float,
 * in dlib's summation order: columns in blocks of 8 (simd8f) summed in 3 interleaved accumulators
 * (taps 0,3,6,.. / 1,4,7,.. / 2,5,8,..; leftover taps into the first; then first + (second +
 * third)), the last (< 8) columns with one scalar accumulator; Math.fround after every operation
 * (SSE without FMA, as Debian's x86-64 build has it). The WebAssembly twins (assembly/scan.ts,
 * glue in scan-wasm.ts) do the same float operations, 4 output columns per f32x4.
 */

import { emptyRect, type Rect } from '../geometry/index.js';

const fr = Math.fround;

/**
 * The area a float filter of `frows x fcols` leaves valid in a `rows x cols` image (dlib's
 * non_border rectangle); empty for an empty image.
 */
export function filterArea(rows: number, cols: number, frows: number, fcols: number): Rect {
  if (rows * cols === 0) return emptyRect();
  return [Math.trunc(fcols / 2), Math.trunc(frows / 2), cols - Math.trunc((fcols - 1) / 2) - 1, rows - Math.trunc((frows - 1) / 2) - 1];
}

/** End (exclusive) of the columns dlib filters with simd8f, starting at `first`, before `last`. */
function simdEnd(first: number, last: number): number {
  let c = first;
  while (c < last - 7) c += 8;
  return c;
}

/**
 * Where a frows x fcols filter fits inside a rows x cols image, dlib's `non_border` rectangle of
 * both filtering functions: rows [firstRow, lastRow), columns [firstCol, lastCol).
 */
function filteredArea(rows: number, cols: number, frows: number, fcols: number): { firstRow: number; firstCol: number; lastRow: number; lastCol: number } {
  return {
    firstRow: Math.trunc(frows / 2),
    firstCol: Math.trunc(fcols / 2),
    lastRow: rows - Math.trunc((frows - 1) / 2),
    lastCol: cols - Math.trunc((fcols - 1) / 2),
  };
}

/**
 * impl::float_spatially_filter_image: correlates `inp` (rows x cols) with `filt` (fr x fc) into
 * `out` (same size), writing (addTo false) or adding (addTo true) inside the returned area;
 * with addTo false the border outside it is zeroed.
 */
export function filterImage(inp: Float32Array, rows: number, cols: number, filt: Float32Array, frows: number, fcols: number, out: Float32Array, addTo: boolean): Rect {
  if (rows * cols === 0) return emptyRect();
  const { firstRow, firstCol, lastRow, lastCol } = filteredArea(rows, cols, frows, fcols);
  if (!addTo) out.fill(0);
  const cSimd = simdEnd(firstCol, lastCol);
  for (let r = firstRow; r < lastRow; r++) {
    const o = r * cols;
    for (let c = firstCol; c < lastCol; c++) {
      const base = (r - firstRow) * cols + (c - firstCol);
      let t: number;
      if (c < cSimd) {
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let m = 0; m < frows; m++) {
          const ib = base + m * cols;
          const fb = m * fcols;
          let n = 0;
          for (; n < fcols - 2; n += 3) {
            t1 = fr(t1 + fr(inp[ib + n] * filt[fb + n]));
            t2 = fr(t2 + fr(inp[ib + n + 1] * filt[fb + n + 1]));
            t3 = fr(t3 + fr(inp[ib + n + 2] * filt[fb + n + 2]));
          }
          for (; n < fcols; n++) t1 = fr(t1 + fr(inp[ib + n] * filt[fb + n]));
        }
        t = fr(t1 + fr(t2 + t3));
      } else {
        t = 0;
        for (let m = 0; m < frows; m++) {
          const ib = base + m * cols;
          const fb = m * fcols;
          for (let n = 0; n < fcols; n++) t = fr(t + fr(inp[ib + n] * filt[fb + n]));
        }
      }
      out[o + c] = addTo ? fr(t + out[o + c]) : t;
    }
  }
  return [firstCol, firstRow, lastCol - 1, lastRow - 1];
}

/**
 * One 1-D pass of float_spatially_filter_image_separable for output columns [c0, c1) of one
 * row: dst[d + c] = sum over taps n of src[s + c + n*stride] * f[n], in dlib's order: columns
 * before `cSimd` with the 3 interleaved SIMD accumulators (taps 0,3,6,.. / 1,4,7,.. /
 * 2,5,8,..; leftover taps into the first; then first + (second + third)), the rest with one.
 */
function pass1d(src: Float32Array, s: number, stride: number, f: Float32Array, dst: Float32Array, d: number, c0: number, cSimd: number, c1: number, mode: 0 | 1): void {
  const len = f.length;
  if (len === 10) {
    const f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8], f9 = f[9];
    const s1 = stride, s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride, s5 = 5 * stride, s6 = 6 * stride, s7 = 7 * stride, s8 = 8 * stride, s9 = 9 * stride;
    for (let c = c0; c < cSimd; c++) {
      const i = s + c;
      let t1 = fr(0 + fr(src[i] * f0));
      let t2 = fr(0 + fr(src[i + s1] * f1));
      let t3 = fr(0 + fr(src[i + s2] * f2));
      t1 = fr(t1 + fr(src[i + s3] * f3));
      t2 = fr(t2 + fr(src[i + s4] * f4));
      t3 = fr(t3 + fr(src[i + s5] * f5));
      t1 = fr(t1 + fr(src[i + s6] * f6));
      t2 = fr(t2 + fr(src[i + s7] * f7));
      t3 = fr(t3 + fr(src[i + s8] * f8));
      t1 = fr(t1 + fr(src[i + s9] * f9));
      const t = fr(t1 + fr(t2 + t3));
      dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
    }
    for (let c = cSimd; c < c1; c++) {
      const i = s + c;
      let t = fr(0 + fr(src[i] * f0));
      t = fr(t + fr(src[i + s1] * f1));
      t = fr(t + fr(src[i + s2] * f2));
      t = fr(t + fr(src[i + s3] * f3));
      t = fr(t + fr(src[i + s4] * f4));
      t = fr(t + fr(src[i + s5] * f5));
      t = fr(t + fr(src[i + s6] * f6));
      t = fr(t + fr(src[i + s7] * f7));
      t = fr(t + fr(src[i + s8] * f8));
      t = fr(t + fr(src[i + s9] * f9));
      dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
    }
    return;
  }
  for (let c = c0; c < c1; c++) {
    const i = s + c;
    let t: number;
    if (c < cSimd) {
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      let n = 0;
      for (; n < len - 2; n += 3) {
        t1 = fr(t1 + fr(src[i + n * stride] * f[n]));
        t2 = fr(t2 + fr(src[i + (n + 1) * stride] * f[n + 1]));
        t3 = fr(t3 + fr(src[i + (n + 2) * stride] * f[n + 2]));
      }
      for (; n < len; n++) t1 = fr(t1 + fr(src[i + n * stride] * f[n]));
      t = fr(t1 + fr(t2 + t3));
    } else {
      t = 0;
      for (let n = 0; n < len; n++) t = fr(t + fr(src[i + n * stride] * f[n]));
    }
    dst[d + c] = mode === 0 ? t : fr(t + dst[d + c]);
  }
}

/**
 * float_spatially_filter_image_separable: row filter over every row into `scratch`, then the
 * column filter; written or added into `out` like {@link filterImage}.
 */
export function filterImageSeparable(inp: Float32Array, rows: number, cols: number, rowFilter: Float32Array, colFilter: Float32Array, out: Float32Array, scratch: Float32Array, addTo: boolean): Rect {
  if (rows * cols === 0) return emptyRect();
  // The filter is colFilter.length rows by rowFilter.length columns.
  const { firstRow, firstCol, lastRow, lastCol } = filteredArea(rows, cols, colFilter.length, rowFilter.length);
  if (!addTo) out.fill(0);
  const cSimd = simdEnd(firstCol, lastCol);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    pass1d(inp, o - firstCol, 1, rowFilter, scratch, o, firstCol, cSimd, lastCol, 0);
  }
  for (let r = firstRow; r < lastRow; r++) {
    pass1d(scratch, (r - firstRow) * cols, cols, colFilter, out, r * cols, firstCol, cSimd, lastCol, addTo ? 1 : 0);
  }
  return [firstCol, firstRow, lastCol - 1, lastRow - 1];
}

