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
// (from the same starting dx), while the inner loop runs along contiguous rows. Windows 3 wide at
// column stride 1 (the residual blocks' 3x3 convolutions) add a row of taps' three terms to each
// pixel in one pass (col2imgRows3 below): measured 15-35% faster on the face net's planes.
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
  if (sx == 1 && kw == 3) {
    col2imgRows3(dx, dcols, lddb, ch, h, w, kh, sy, py, px, oh, ow);
    return;
  }
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

// One pixel's terms from the three taps kx = 2, 1, 0 of one row of taps (in that order), s0 the
// tap kx = 0's entries of the output row: the tap kx reads entry q = xx + px - kx, dropped outside
// [0, ow).
// @ts-ignore: decorator
@inline function pixel3(d: usize, s0: usize, lddb: usize, xx: i32, px: i32, ow: i32): void {
  let acc = load<f32>(d);
  for (let kx = 2; kx >= 0; kx--) {
    const q = xx + px - kx;
    if (q >= 0 && q < ow) acc += load<f32>(s0 + <usize>kx * lddb + (<usize>q << 2));
  }
  store<f32>(d, acc);
}

// col2img_f32 for windows 3 wide at column stride 1 (the residual blocks' 3x3 convolutions): the
// three taps kx = 2, 1, 0 of a row of taps (c, ky) added in one pass over each dx row, each pixel
// getting its three terms in that order. A pixel's terms still come in descending (ky, kx) order
// (rows of taps in descending ky, as col2img_f32), one float add each: the same bits, with a third
// of the passes over dx. Columns whose three taps all land inside the output row run 4 pixels at a
// time; the others one at a time, with the bounds checked.
function col2imgRows3(dx: usize, dcols: usize, lddb: usize, ch: i32, h: i32, w: i32, kh: i32, sy: i32, py: i32, px: i32,
  oh: i32, ow: i32): void {
  const rowb = <usize>w << 2;
  // columns xx with 0 <= xx + px - kx < ow for kx = 0, 1, 2: [xa, xb)
  const xa = min(w, max(0, 2 - px));
  const xb = max(xa, min(w, ow - px));
  for (let c = 0; c < ch; c++) {
    const plane = dx + (<usize>(c * h * w) << 2);
    for (let ky = kh - 1; ky >= 0; ky--) {
      const taps = dcols + <usize>((c * kh + ky) * 3) * lddb;
      for (let r = 0; r < oh; r++) {
        const yy = r * sy - py + ky;
        if (yy < 0 || yy >= h) continue;
        const d = plane + <usize>yy * rowb;
        const s0 = taps + (<usize>(r * ow) << 2);
        for (let xx = 0; xx < xa; xx++) pixel3(d + (<usize>xx << 2), s0, lddb, xx, px, ow);
        let xx = xa;
        // tap kx's entry for pixel xx: s0 + kx*lddb + (xx + px - kx)*4
        const t2 = s0 + 2 * lddb + (<usize>(px - 2) << 2);
        const t1 = s0 + lddb + (<usize>(px - 1) << 2);
        const t0 = s0 + (<usize>px << 2);
        for (; xx + 4 <= xb; xx += 4) {
          const o = <usize>xx << 2;
          let acc = v128.load(d + o);
          acc = f32x4.add(acc, v128.load(t2 + o));
          acc = f32x4.add(acc, v128.load(t1 + o));
          acc = f32x4.add(acc, v128.load(t0 + o));
          v128.store(d + o, acc);
        }
        for (; xx < xb; xx++) {
          const o = <usize>xx << 2;
          store<f32>(d + o, ((load<f32>(d + o) + load<f32>(t2 + o)) + load<f32>(t1 + o)) + load<f32>(t0 + o));
        }
        for (; xx < w; xx++) pixel3(d + (<usize>xx << 2), s0, lddb, xx, px, ow);
      }
    }
  }
}
