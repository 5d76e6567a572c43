// col2img: the inverse of im2col (assembly/conv.ts), the last step of a convolution's data
// gradient. dlib's tensor_conv::get_gradient_for_data (dlib/cuda/cpu_dlib.cpp) forms, per sample,
// the gradient of the im2col matrix (one column per output pixel, one row per filter tap) and its
// col2img adds every entry back into the input pixel the tap read: for output pixel (r, q) and tap
// (c, ky, kx), dx[c][r*sy - py + ky][q*sx - px + kx] += dcols[(c*kh + ky)*kw + kx][r*ow + q], taps
// outside the image dropped.
//
// Order. dlib loops r, q, c, ky, kx and adds each entry into dx at once (one float add each). A
// given pixel (c, yy, xx) receives one term per (r, q) with r*sy + ky = yy + py and
// q*sx + kx = xx + px, in ascending (r, q) order, that is in descending (ky, kx) order. This kernel
// runs the taps of each channel in descending ky, then descending kx, and each tap over all its
// output pixels (rows r ascending, a vector of 4 adjacent q at a time where sx = 1): every pixel
// still gets its terms one float add at a time in dlib's order, so the result is dlib's to the bit
// (from the same starting dx), while the inner loop runs along contiguous rows.
//
// Memory: pointers are byte offsets into this module's memory; dx and dcols must not overlap.

// d[q] += s[q] for q < n.
// @ts-ignore: decorator
@inline function addRow(d: usize, s: usize, n: i32): void {
  let q = 0;
  for (; q + 4 <= n; q += 4) {
    const o = <usize>q << 2;
    v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
  }
  for (; q < n; q++) {
    const o = <usize>q << 2;
    store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
  }
}

// dx (one sample, ch x h x w, NCHW) += col2img(dcols). dcols: ch*kh*kw rows of oh*ow columns at
// row stride ldd floats (>= oh*ow: a batch's columns side by side), row (c*kh + ky)*kw + kx and
// column r*ow + q as written by im2col_f32. Strides sy, sx >= 1, paddings py, px >= 0. Adds into dx
// (never overwrites): clear it first for dlib's `data_gradient = 0` (add_to_output false).
export function col2img_f32(dx: usize, dcols: usize, ldd: i32, ch: i32, h: i32, w: i32,
  kh: i32, kw: i32, sy: i32, sx: i32, py: i32, px: i32, oh: i32, ow: i32): void {
  const lddb = <usize>ldd << 2;
  const rowb = <usize>w << 2;
  for (let c = 0; c < ch; c++) {
    const plane = dx + (<usize>(c * h * w) << 2);
    for (let ky = kh - 1; ky >= 0; ky--) {
      for (let kx = kw - 1; kx >= 0; kx--) {
        const src = dcols + <usize>((c * kh + ky) * kw + kx) * lddb;
        // output columns q with 0 <= q*sx - px + kx < w: [q0, q1)
        const lo = px - kx; // q*sx >= lo
        let q0 = lo <= 0 ? 0 : (lo + sx - 1) / sx;
        const hi = w - 1 + px - kx; // q*sx <= hi
        let q1 = hi < 0 ? 0 : hi / sx + 1;
        if (q1 > ow) q1 = ow;
        if (q0 >= q1) continue;
        const x0 = q0 * sx - px + kx; // the first pixel column this tap reaches
        for (let r = 0; r < oh; r++) {
          const yy = r * sy - py + ky;
          if (yy < 0 || yy >= h) continue;
          const d = plane + <usize>yy * rowb + (<usize>x0 << 2);
          const s = src + (<usize>(r * ow + q0) << 2);
          if (sx == 1) {
            addRow(d, s, q1 - q0);
          } else {
            const step = <usize>sx << 2;
            let dd = d;
            for (let q = 0; q < q1 - q0; q++) {
              store<f32>(dd, load<f32>(dd) + load<f32>(s + (<usize>q << 2)));
              dd += step;
            }
          }
        }
      }
    }
  }
}
