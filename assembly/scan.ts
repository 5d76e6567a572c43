// scan_fhog_pyramid filtering kernels (dlib's float_spatially_filter_image_separable and
// float_spatially_filter_image, see src/hog/spatial-filtering.ts for the algorithm and the
// TypeScript twins filterImageSeparable / filterImage, which these kernels reproduce bit for bit).
//
// dlib filters output columns [first_col, c_simd) in blocks of 8 (simd8f = two SSE vectors),
// each output the float sum over the taps in 3 interleaved accumulators (taps 0,3,6,.. /
// 1,4,7,.. / 2,5,8,..; leftover taps into the first), finished as first + (second + third);
// the remaining columns [c_simd, last_col) with one accumulator, taps in order. Every output
// column is computed independently, so 4 adjacent columns in one f32x4 give exactly dlib's
// per-column operation sequence. Multiplies and adds stay separate (no fused multiply-add),
// and every accumulator starts at +0 and is added to (0 + -0 = +0, as in dlib).
//
// Memory: every pointer is a byte offset into this module's memory, allocated by the JS side;
// images are row-major f32, `rows x cols`. The kernels read only inside the input image and
// write only the entries the TypeScript twins write.

// One output row of a 1-D pass: dst[c] (=, or += when `add`) sum over taps n of
// src[c + n*tapStride] * f[n], for columns c in [c0, c1); [c0, cSimd) in dlib's SIMD order
// (cSimd - c0 a multiple of 8), the rest sequentially. `src` points at the input of column 0
// (it may lie before the row when the filter is centred: only src + c0*4 onwards is read).
// @ts-ignore: decorator
@inline function passRow(src: usize, tapStride: usize, f: usize, len: i32, dst: usize, c0: i32, cSimd: i32, c1: i32, add: bool): void {
  const zero = f32x4.splat(0);
  let c = c0;
  for (; c < cSimd; c += 8) {
    const off = <usize>c << 2;
    let p = src + off;
    let a1 = zero, a2 = zero, a3 = zero, b1 = zero, b2 = zero, b3 = zero;
    let n = 0;
    let fp = f;
    for (; n < len - 2; n += 3) {
      const w1 = v128.load32_splat(fp);
      const w2 = v128.load32_splat(fp + 4);
      const w3 = v128.load32_splat(fp + 8);
      const p2 = p + tapStride;
      const p3 = p2 + tapStride;
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p), w1));
      b1 = f32x4.add(b1, f32x4.mul(v128.load(p, 16), w1));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(p2), w2));
      b2 = f32x4.add(b2, f32x4.mul(v128.load(p2, 16), w2));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(p3), w3));
      b3 = f32x4.add(b3, f32x4.mul(v128.load(p3, 16), w3));
      p = p3 + tapStride;
      fp += 12;
    }
    for (; n < len; n++) {
      const w = v128.load32_splat(fp);
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p), w));
      b1 = f32x4.add(b1, f32x4.mul(v128.load(p, 16), w));
      p += tapStride;
      fp += 4;
    }
    let ta = f32x4.add(a1, f32x4.add(a2, a3));
    let tb = f32x4.add(b1, f32x4.add(b2, b3));
    const d = dst + off;
    if (add) {
      ta = f32x4.add(ta, v128.load(d));
      tb = f32x4.add(tb, v128.load(d, 16));
    }
    v128.store(d, ta);
    v128.store(d, tb, 16);
  }
  // Sequential columns, 4 at a time while 4 remain (each lane is one column's sequential sum).
  for (; c + 4 <= c1; c += 4) {
    const off = <usize>c << 2;
    let p = src + off;
    let t = zero;
    for (let n = 0; n < len; n++) {
      t = f32x4.add(t, f32x4.mul(v128.load(p), v128.load32_splat(f + (<usize>n << 2))));
      p += tapStride;
    }
    const d = dst + off;
    if (add) t = f32x4.add(t, v128.load(d));
    v128.store(d, t);
  }
  for (; c < c1; c++) {
    const off = <usize>c << 2;
    let p = src + off;
    let t: f32 = 0;
    for (let n = 0; n < len; n++) {
      t += load<f32>(p) * load<f32>(f + (<usize>n << 2));
      p += tapStride;
    }
    const d = dst + off;
    if (add) t += load<f32>(d);
    store<f32>(d, t);
  }
}

// End (exclusive) of the columns dlib filters with simd8f, starting at `first`, before `last`.
// @ts-ignore: decorator
@inline function simdEnd(first: i32, last: i32): i32 {
  return last - 7 > first ? first + (((last - 7 - first + 7) >> 3) << 3) : first;
}

// float_spatially_filter_image_separable: same contract as filterImageSeparable (TypeScript):
// `out` zeroed first unless addTo; row filter (nRow taps) over every row into `scratch`
// (columns [first_col, last_col) written), then the column filter (nCol taps) written or added
// into `out` over rows [first_row, last_row), columns [first_col, last_col).
export function scan_separable(inp: usize, rows: i32, cols: i32, rowF: usize, nRow: i32, colF: usize, nCol: i32,
  out: usize, scratch: usize, addTo: bool): void {
  if (rows * cols == 0) return;
  const firstRow = nCol / 2;
  const firstCol = nRow / 2;
  const lastRow = rows - (nCol - 1) / 2;
  const lastCol = cols - (nRow - 1) / 2;
  if (!addTo) memory.fill(out, 0, <usize>(rows * cols) << 2);
  const cSimd = simdEnd(firstCol, lastCol);
  const stride = <usize>cols << 2;
  if (lastCol > firstCol) {
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * stride;
      passRow(inp + o - (<usize>firstCol << 2), 4, rowF, nRow, scratch + o, firstCol, cSimd, lastCol, false);
    }
  }
  for (let r = firstRow; r < lastRow; r++) {
    const src = scratch + <usize>(r - firstRow) * stride;
    if (addTo) passRow(src, stride, colF, nCol, out + <usize>r * stride, firstCol, cSimd, lastCol, true);
    else passRow(src, stride, colF, nCol, out + <usize>r * stride, firstCol, cSimd, lastCol, false);
  }
}

// float_spatially_filter_image: same contract as filterImage (TypeScript): the full frows x fcols
// filter; `out` zeroed first unless addTo. dlib's SIMD columns keep their 3 accumulators across
// all filter rows; the other columns sum every tap in order.
export function scan_full(inp: usize, rows: i32, cols: i32, filt: usize, frows: i32, fcols: i32, out: usize, addTo: bool): void {
  if (rows * cols == 0) return;
  const firstRow = frows / 2;
  const firstCol = fcols / 2;
  const lastRow = rows - (frows - 1) / 2;
  const lastCol = cols - (fcols - 1) / 2;
  if (!addTo) memory.fill(out, 0, <usize>(rows * cols) << 2);
  const cSimd = simdEnd(firstCol, lastCol);
  const stride = <usize>cols << 2;
  const zero = f32x4.splat(0);
  for (let r = firstRow; r < lastRow; r++) {
    const src0 = inp + <usize>(r - firstRow) * stride - (<usize>firstCol << 2);
    const dst = out + <usize>r * stride;
    let c = firstCol;
    for (; c < cSimd; c += 4) {
      const off = <usize>c << 2;
      let a1 = zero, a2 = zero, a3 = zero;
      for (let m = 0; m < frows; m++) {
        const p = src0 + off + <usize>m * stride;
        const fp = filt + (<usize>(m * fcols) << 2);
        let n = 0;
        for (; n < fcols - 2; n += 3) {
          const q = p + (<usize>n << 2);
          const g = fp + (<usize>n << 2);
          a1 = f32x4.add(a1, f32x4.mul(v128.load(q), v128.load32_splat(g)));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(q, 4), v128.load32_splat(g, 4)));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(q, 8), v128.load32_splat(g, 8)));
        }
        for (; n < fcols; n++) {
          a1 = f32x4.add(a1, f32x4.mul(v128.load(p + (<usize>n << 2)), v128.load32_splat(fp + (<usize>n << 2))));
        }
      }
      let t = f32x4.add(a1, f32x4.add(a2, a3));
      const d = dst + off;
      if (addTo) t = f32x4.add(t, v128.load(d));
      v128.store(d, t);
    }
    for (; c + 4 <= lastCol; c += 4) {
      const off = <usize>c << 2;
      let t = zero;
      for (let m = 0; m < frows; m++) {
        const p = src0 + off + <usize>m * stride;
        const fp = filt + (<usize>(m * fcols) << 2);
        for (let n = 0; n < fcols; n++) {
          t = f32x4.add(t, f32x4.mul(v128.load(p + (<usize>n << 2)), v128.load32_splat(fp + (<usize>n << 2))));
        }
      }
      const d = dst + off;
      if (addTo) t = f32x4.add(t, v128.load(d));
      v128.store(d, t);
    }
    for (; c < lastCol; c++) {
      const off = <usize>c << 2;
      let t: f32 = 0;
      for (let m = 0; m < frows; m++) {
        const p = src0 + off + <usize>m * stride;
        const fp = filt + (<usize>(m * fcols) << 2);
        for (let n = 0; n < fcols; n++) t += load<f32>(p + (<usize>n << 2)) * load<f32>(fp + (<usize>n << 2));
      }
      const d = dst + off;
      if (addTo) t += load<f32>(d);
      store<f32>(d, t);
    }
  }
}
