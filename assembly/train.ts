// Kernels of the training step's convolutions (src/dnn/conv-grad-wasm.ts drives them; the
// TypeScript references are in src/dnn/conv-grad.ts).
//
// dlib's filter gradient (tensor_conv::get_gradient_for_filters, dlib/cuda/cpu_dlib.cpp) multiplies
// the output gradient by one sample's img2col matrix in dlib's layout, one row per output pixel and
// one column per filter tap (img2colSample in conv-grad.ts), as sgemm with B not transposed, so that
// each product is added straight into the filter gradient (netlib's axpy form). im2col_f32
// (assembly/conv.ts) writes the transpose of that matrix (one row per tap) with contiguous copies;
// transpose_f32 turns it into dlib's layout. Both only move floats: the result is img2colSample's
// to the bit.
//
// Pointers are byte offsets into this module's memory; source and destination must not overlap.

// dst[j][i] = src[i][j] for i < rows, j < cols: src rows x cols at row stride lds floats, dst
// cols x rows at row stride ldd floats. 4 x 4 blocks through shuffles, then the edges one float
// at a time. Writes dst[j][i] for i < rows, j < cols only.
export function transpose_f32(dst: usize, ldd: i32, src: usize, lds: i32, rows: i32, cols: i32): void {
  const sb = <usize>lds << 2;
  const db = <usize>ldd << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const s0 = src + <usize>i * sb;
    const d0 = dst + (<usize>i << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const so = s0 + (<usize>j << 2);
      const r0 = v128.load(so);
      const r1 = v128.load(so + sb);
      const r2 = v128.load(so + 2 * sb);
      const r3 = v128.load(so + 3 * sb);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const dp = d0 + <usize>j * db;
      v128.store(dp, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(dp + db, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(dp + 2 * db, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(dp + 3 * db, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; j < cols; j++) {
      const so = s0 + (<usize>j << 2);
      const dp = d0 + <usize>j * db;
      store<f32>(dp, load<f32>(so));
      store<f32>(dp, load<f32>(so + sb), 4);
      store<f32>(dp, load<f32>(so + 2 * sb), 8);
      store<f32>(dp, load<f32>(so + 3 * sb), 12);
    }
  }
  for (; i < rows; i++) {
    const s0 = src + <usize>i * sb;
    const d0 = dst + (<usize>i << 2);
    for (let j = 0; j < cols; j++) store<f32>(d0 + <usize>j * db, load<f32>(s0 + (<usize>j << 2)));
  }
}

// ------------------------------------------------------------------------------------------
// Batch normalisation (bn_con) of a training step: the loops of batchNormalizeConv and
// bnConvBackward (src/dnn/bn.ts, dlib's tt::batch_normalize_conv and
// batch_normalize_conv_gradient in dlib/cuda/cpu_dlib.cpp).
//
// Order. A channel's sums run over the samples, then the pixels, one float add at a time; the
// channels are independent. So the sum kernels put 4 channels in the 4 lanes of a vector: 4
// pixels of each of 4 channel planes are loaded and transposed (one vector per pixel, one lane per
// channel), then added to the channels' running sums pixel by pixel, in the reference's order;
// channels past the last group of 4 run one at a time. The running sums live in memory between
// calls (in arrays of one float per channel), so a batch may come in chunks of samples. The
// element-wise passes run 4 pixels at a time. Every operation is one rounded f32 operation, as in
// bn.ts, and nothing is fused (plain f32x4 add and mul, in both builds).
//
// x, g, dx, out: n samples x k channels x pix pixels (NCHW). Per-channel arrays: k floats.

// The transpose of rows r0..r3 (4 pixels of 4 channels): column i = pixel i of the 4 channels.
// @ts-ignore: decorator
@inline function col0(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline function col1(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), 2, 3, 6, 7);
}
// @ts-ignore: decorator
@inline function col2(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), v128.shuffle<f32>(r2, r3, 2, 6, 3, 7), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline function col3(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), v128.shuffle<f32>(r2, r3, 2, 6, 3, 7), 2, 3, 6, 7);
}

// One pixel of 4 planes pb bytes apart, at byte offset o: lane j = plane j.
// @ts-ignore: decorator
@inline function lanes(p: usize, pb: usize): v128 {
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + pb));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * pb));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * pb));
}

// sums[c] += x, sqsums[c] += x*x over samples then pixels (batchNormalizeConv's first loop; the
// caller zeroes the sums before the first chunk).
export function bn_sums_f32(x: usize, n: i32, k: i32, pix: i32, sums: usize, sqsums: usize): void {
  const pb = <usize>pix << 2;
  const k4 = k & ~3;
  for (let s = 0; s < n; s++) {
    const xs = x + <usize>(s * k) * pb;
    for (let c = 0; c < k4; c += 4) {
      const co = <usize>c << 2;
      let m = v128.load(sums + co);
      let q = v128.load(sqsums + co);
      const p0 = xs + <usize>c * pb;
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const a = p0 + (<usize>p << 2);
        const r0 = v128.load(a);
        const r1 = v128.load(a + pb);
        const r2 = v128.load(a + 2 * pb);
        const r3 = v128.load(a + 3 * pb);
        let v = col0(r0, r1, r2, r3);
        m = f32x4.add(m, v);
        q = f32x4.add(q, f32x4.mul(v, v));
        v = col1(r0, r1, r2, r3);
        m = f32x4.add(m, v);
        q = f32x4.add(q, f32x4.mul(v, v));
        v = col2(r0, r1, r2, r3);
        m = f32x4.add(m, v);
        q = f32x4.add(q, f32x4.mul(v, v));
        v = col3(r0, r1, r2, r3);
        m = f32x4.add(m, v);
        q = f32x4.add(q, f32x4.mul(v, v));
      }
      for (; p < pix; p++) {
        const v = lanes(p0 + (<usize>p << 2), pb);
        m = f32x4.add(m, v);
        q = f32x4.add(q, f32x4.mul(v, v));
      }
      v128.store(sums + co, m);
      v128.store(sqsums + co, q);
    }
    for (let c = k4; c < k; c++) {
      const co = <usize>c << 2;
      let m = load<f32>(sums + co);
      let q = load<f32>(sqsums + co);
      const p0 = xs + <usize>c * pb;
      for (let p = 0; p < pix; p++) {
        const v = load<f32>(p0 + (<usize>p << 2));
        m += v;
        q += v * v;
      }
      store<f32>(sums + co, m);
      store<f32>(sqsums + co, q);
    }
  }
}

// out = ((x - mean)*invstd)*gamma + beta per channel (batchNormalizeConv's output), then, when
// relu != 0, dlib's relu (v < 0 ? 0 : v: keeps -0 and NaN). out may be x.
export function bn_normalize_f32(out: usize, x: usize, n: i32, k: i32, pix: i32, means: usize, invstds: usize,
  gamma: usize, beta: usize, relu: i32): void {
  const zero = f32x4.splat(0);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      const co = <usize>c << 2;
      const m = load<f32>(means + co);
      const is = load<f32>(invstds + co);
      const g = load<f32>(gamma + co);
      const b = load<f32>(beta + co);
      const vm = f32x4.splat(m);
      const vi = f32x4.splat(is);
      const vg = f32x4.splat(g);
      const vb = f32x4.splat(b);
      const base = <usize>(s * k + c) * (<usize>pix << 2);
      const xp = x + base;
      const op = out + base;
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const o = <usize>p << 2;
        let v = f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(xp + o), vm), vi), vg), vb);
        if (relu) v = v128.andnot(v, f32x4.lt(v, zero));
        v128.store(op + o, v);
      }
      for (; p < pix; p++) {
        const o = <usize>p << 2;
        let v = ((load<f32>(xp + o) - m) * is) * g + b;
        if (relu && v < 0) v = 0;
        store<f32>(op + o, v);
      }
    }
  }
}

// bnConvBackward's first pass: dbeta += g; dgamma += g*((x - mean)*invstd);
// dvar += ((g*gamma)*(x - mean))*pw, pw = -0.5*invstd^3 per channel (the caller zeroes the three
// arrays before the first chunk).
export function bn_backward_sums_f32(g: usize, x: usize, n: i32, k: i32, pix: i32, means: usize, invstds: usize,
  gamma: usize, pw: usize, dbeta: usize, dgamma: usize, dvar: usize): void {
  const pb = <usize>pix << 2;
  const k4 = k & ~3;
  for (let s = 0; s < n; s++) {
    const off = <usize>(s * k) * pb;
    for (let c = 0; c < k4; c += 4) {
      const co = <usize>c << 2;
      const m = v128.load(means + co);
      const is = v128.load(invstds + co);
      const ga = v128.load(gamma + co);
      const pwv = v128.load(pw + co);
      let bg = v128.load(dbeta + co);
      let gg = v128.load(dgamma + co);
      let dv = v128.load(dvar + co);
      const x0 = x + off + <usize>c * pb;
      const g0 = g + off + <usize>c * pb;
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const o = <usize>p << 2;
        const a0 = v128.load(x0 + o);
        const a1 = v128.load(x0 + o + pb);
        const a2 = v128.load(x0 + o + 2 * pb);
        const a3 = v128.load(x0 + o + 3 * pb);
        const b0 = v128.load(g0 + o);
        const b1 = v128.load(g0 + o + pb);
        const b2 = v128.load(g0 + o + 2 * pb);
        const b3 = v128.load(g0 + o + 3 * pb);
        for (let i = 0; i < 4; i++) {
          const xv = i == 0 ? col0(a0, a1, a2, a3) : i == 1 ? col1(a0, a1, a2, a3) : i == 2 ? col2(a0, a1, a2, a3) : col3(a0, a1, a2, a3);
          const gv = i == 0 ? col0(b0, b1, b2, b3) : i == 1 ? col1(b0, b1, b2, b3) : i == 2 ? col2(b0, b1, b2, b3) : col3(b0, b1, b2, b3);
          const xm = f32x4.sub(xv, m);
          bg = f32x4.add(bg, gv);
          gg = f32x4.add(gg, f32x4.mul(gv, f32x4.mul(xm, is)));
          dv = f32x4.add(dv, f32x4.mul(f32x4.mul(f32x4.mul(gv, ga), xm), pwv));
        }
      }
      for (; p < pix; p++) {
        const o = <usize>p << 2;
        const xv = lanes(x0 + o, pb);
        const gv = lanes(g0 + o, pb);
        const xm = f32x4.sub(xv, m);
        bg = f32x4.add(bg, gv);
        gg = f32x4.add(gg, f32x4.mul(gv, f32x4.mul(xm, is)));
        dv = f32x4.add(dv, f32x4.mul(f32x4.mul(f32x4.mul(gv, ga), xm), pwv));
      }
      v128.store(dbeta + co, bg);
      v128.store(dgamma + co, gg);
      v128.store(dvar + co, dv);
    }
    for (let c = k4; c < k; c++) {
      const co = <usize>c << 2;
      const m = load<f32>(means + co);
      const is = load<f32>(invstds + co);
      const ga = load<f32>(gamma + co);
      const pwc = load<f32>(pw + co);
      let bg = load<f32>(dbeta + co);
      let gg = load<f32>(dgamma + co);
      let dv = load<f32>(dvar + co);
      const x0 = x + off + <usize>c * pb;
      const g0 = g + off + <usize>c * pb;
      for (let p = 0; p < pix; p++) {
        const o = <usize>p << 2;
        const gv = load<f32>(g0 + o);
        const xm = load<f32>(x0 + o) - m;
        bg += gv;
        gg += gv * (xm * is);
        dv += ((gv * ga) * xm) * pwc;
      }
      store<f32>(dbeta + co, bg);
      store<f32>(dgamma + co, gg);
      store<f32>(dvar + co, dv);
    }
  }
}

// bnConvBackward's second pass: dmean += (-(g*gamma))*invstd + ((dv2*(x - mean))*invnum), dv2 =
// dvar*-2 per channel (given: the caller computes it), dmean zeroed by the caller before the first chunk.
export function bn_backward_dmean_f32(g: usize, x: usize, n: i32, k: i32, pix: i32, means: usize, invstds: usize,
  gamma: usize, dv2: usize, invnum: f32, dmean: usize): void {
  const pb = <usize>pix << 2;
  const k4 = k & ~3;
  const vn = f32x4.splat(invnum);
  for (let s = 0; s < n; s++) {
    const off = <usize>(s * k) * pb;
    for (let c = 0; c < k4; c += 4) {
      const co = <usize>c << 2;
      const m = v128.load(means + co);
      const is = v128.load(invstds + co);
      const ga = v128.load(gamma + co);
      const d2 = v128.load(dv2 + co);
      let dm = v128.load(dmean + co);
      const x0 = x + off + <usize>c * pb;
      const g0 = g + off + <usize>c * pb;
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const o = <usize>p << 2;
        const a0 = v128.load(x0 + o);
        const a1 = v128.load(x0 + o + pb);
        const a2 = v128.load(x0 + o + 2 * pb);
        const a3 = v128.load(x0 + o + 3 * pb);
        const b0 = v128.load(g0 + o);
        const b1 = v128.load(g0 + o + pb);
        const b2 = v128.load(g0 + o + 2 * pb);
        const b3 = v128.load(g0 + o + 3 * pb);
        for (let i = 0; i < 4; i++) {
          const xv = i == 0 ? col0(a0, a1, a2, a3) : i == 1 ? col1(a0, a1, a2, a3) : i == 2 ? col2(a0, a1, a2, a3) : col3(a0, a1, a2, a3);
          const gv = i == 0 ? col0(b0, b1, b2, b3) : i == 1 ? col1(b0, b1, b2, b3) : i == 2 ? col2(b0, b1, b2, b3) : col3(b0, b1, b2, b3);
          const a = f32x4.mul(f32x4.neg(f32x4.mul(gv, ga)), is);
          const b = f32x4.mul(f32x4.mul(d2, f32x4.sub(xv, m)), vn);
          dm = f32x4.add(dm, f32x4.add(a, b));
        }
      }
      for (; p < pix; p++) {
        const o = <usize>p << 2;
        const xv = lanes(x0 + o, pb);
        const gv = lanes(g0 + o, pb);
        const a = f32x4.mul(f32x4.neg(f32x4.mul(gv, ga)), is);
        const b = f32x4.mul(f32x4.mul(d2, f32x4.sub(xv, m)), vn);
        dm = f32x4.add(dm, f32x4.add(a, b));
      }
      v128.store(dmean + co, dm);
    }
    for (let c = k4; c < k; c++) {
      const co = <usize>c << 2;
      const m = load<f32>(means + co);
      const is = load<f32>(invstds + co);
      const ga = load<f32>(gamma + co);
      const d2 = load<f32>(dv2 + co);
      let dm = load<f32>(dmean + co);
      const x0 = x + off + <usize>c * pb;
      const g0 = g + off + <usize>c * pb;
      for (let p = 0; p < pix; p++) {
        const o = <usize>p << 2;
        const a = -(load<f32>(g0 + o) * ga) * is;
        const b = (d2 * (load<f32>(x0 + o) - m)) * invnum;
        dm += a + b;
      }
      store<f32>(dmean + co, dm);
    }
  }
}

// bnConvBackward's third pass: dx += ((g*gamma)*invstd + (dv2*(x - mean))*invnum) + dmi, with
// dv2 = dvar*2 and dmi = dmean*invnum per channel (given).
export function bn_backward_dx_f32(dx: usize, g: usize, x: usize, n: i32, k: i32, pix: i32, means: usize, invstds: usize,
  gamma: usize, dv2: usize, dmi: usize, invnum: f32): void {
  const vn = f32x4.splat(invnum);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      const co = <usize>c << 2;
      const m = load<f32>(means + co);
      const is = load<f32>(invstds + co);
      const ga = load<f32>(gamma + co);
      const d2 = load<f32>(dv2 + co);
      const di = load<f32>(dmi + co);
      const vm = f32x4.splat(m);
      const vi = f32x4.splat(is);
      const vg = f32x4.splat(ga);
      const v2 = f32x4.splat(d2);
      const vd = f32x4.splat(di);
      const base = <usize>(s * k + c) * (<usize>pix << 2);
      const xp = x + base;
      const gp = g + base;
      const dp = dx + base;
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const o = <usize>p << 2;
        const a = f32x4.mul(f32x4.mul(v128.load(gp + o), vg), vi);
        const b = f32x4.mul(f32x4.mul(v2, f32x4.sub(v128.load(xp + o), vm)), vn);
        v128.store(dp + o, f32x4.add(v128.load(dp + o), f32x4.add(f32x4.add(a, b), vd)));
      }
      for (; p < pix; p++) {
        const o = <usize>p << 2;
        const a = (load<f32>(gp + o) * ga) * is;
        const b = (d2 * (load<f32>(xp + o) - m)) * invnum;
        store<f32>(dp + o, load<f32>(dp + o) + ((a + b) + di));
      }
    }
  }
}

// relu_'s backward in place (tt::relu_gradient with the gradient its own output): g = y > 0 ? g : 0
// over len floats (a NaN y gives 0, as the reference).
export function relu_grad_f32(g: usize, y: usize, len: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(g + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(g + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
  }
}

// dst[j][s][q] = src[s][j][q] for s < n, j < m, q < pix: a batch's NCHW gradient [n][m][pix] as the
// m x (n*pix) matrix the batched GEMMs of the convolution gradients take (one row per filter, the
// samples' pixels side by side). Only moves floats.
export function regroup_f32(dst: usize, src: usize, n: i32, m: i32, pix: i32): void {
  const pb = <usize>pix << 2;
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < m; j++) {
      const d = dst + (<usize>j * <usize>n + <usize>s) * pb;
      const sp = src + (<usize>s * <usize>m + <usize>j) * pb;
      let q = 0;
      for (; q + 4 <= pix; q += 4) {
        const o = <usize>q << 2;
        v128.store(d + o, v128.load(sp + o));
      }
      for (; q < pix; q++) {
        const o = <usize>q << 2;
        store<f32>(d + o, load<f32>(sp + o));
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// max_pool_'s backward (maxPoolBackward in src/dnn/layers-grad.ts: dlib's pooling::get_gradient
// with max pooling): for each output (plane, r, q) in order, its gradient is added to the input
// element that was the window's max: the window clipped to the plane, scanned row by row, the
// first element greater than every earlier one (the same comparisons as the reference). dx, x:
// planes x h x w; g: planes x oh x ow. dx is added into. Windows 3 wide at column stride 2 with
// no column padding (the face net's 3x3 stride-2 pool) run 4 adjacent outputs at a time: their
// windows' elements compared in the same order, one lane per output (the values and their
// indices kept side by side), then the 4 gradients added in output order, one at a time (two
// adjacent windows may share their max).
export function max_pool_grad_f32(dx: usize, x: usize, g: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sy: i32, sx: i32, py: i32, px: i32, oh: i32, ow: i32): void {
  let o: usize = g;
  // outputs q with q + 4 <= qv run 4 at a time: windows [2q, 2q + 3) inside the row
  const qv = kw == 3 && sx == 2 && px == 0 ? ow : 0;
  const lanes2 = i32x4(0, 2, 4, 6);
  for (let pl = 0; pl < planes; pl++) {
    const base = <usize>pl * <usize>(h * w);
    for (let r = 0; r < oh; r++) {
      const top = r * sy - py;
      const y0 = max(0, top);
      const y1 = min(h, top + kh);
      let q = 0;
      if (y1 > y0) {
        for (; q + 4 <= qv; q += 4) {
          const col = 2 * q;
          let m = f32x4.splat(0);
          let best = i32x4.splat(0);
          for (let yy = y0; yy < y1; yy++) {
            const i0 = <i32>base + yy * w + col;
            const rp = x + (<usize>i0 << 2);
            const v0 = v128.load(rp);
            const v1 = v128.load(rp, 16);
            const v2 = v128.load32_splat(rp + 32);
            const e = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
            const od = v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
            const e2 = v128.shuffle<f32>(e, v2, 1, 2, 3, 4);
            const ie = i32x4.add(i32x4.splat(i0), lanes2);
            if (yy == y0) {
              m = e;
              best = ie;
            } else {
              const k0 = f32x4.gt(e, m);
              m = v128.bitselect(e, m, k0);
              best = v128.bitselect(ie, best, k0);
            }
            const k1 = f32x4.gt(od, m);
            m = v128.bitselect(od, m, k1);
            best = v128.bitselect(i32x4.add(ie, i32x4.splat(1)), best, k1);
            const k2 = f32x4.gt(e2, m);
            m = v128.bitselect(e2, m, k2);
            best = v128.bitselect(i32x4.add(ie, i32x4.splat(2)), best, k2);
          }
          let d = dx + (<usize>i32x4.extract_lane(best, 0) << 2);
          store<f32>(d, load<f32>(d) + load<f32>(o));
          d = dx + (<usize>i32x4.extract_lane(best, 1) << 2);
          store<f32>(d, load<f32>(d) + load<f32>(o, 4));
          d = dx + (<usize>i32x4.extract_lane(best, 2) << 2);
          store<f32>(d, load<f32>(d) + load<f32>(o, 8));
          d = dx + (<usize>i32x4.extract_lane(best, 3) << 2);
          store<f32>(d, load<f32>(d) + load<f32>(o, 12));
          o += 16;
        }
      }
      for (; q < ow; q++) {
        const left = q * sx - px;
        const x0 = max(0, left);
        const x1 = min(w, left + kw);
        let best = base + <usize>(y0 * w + x0);
        let m = load<f32>(x + (best << 2));
        for (let yy = y0; yy < y1; yy++) {
          const row = base + <usize>(yy * w);
          for (let xx = x0; xx < x1; xx++) {
            const i = row + <usize>xx;
            const v = load<f32>(x + (i << 2));
            if (v > m) {
              m = v;
              best = i;
            }
          }
        }
        const d = dx + (best << 2);
        store<f32>(d, load<f32>(d) + load<f32>(o));
        o += 4;
      }
    }
  }
}

// avg_pool_'s backward (avgPoolBackward in src/dnn/layers-grad.ts: dlib's pooling::get_gradient
// with average pooling): for each output (plane, r, q) in order, delta = g / (the cell count of
// its window clipped to the plane), one f32 division, added to every cell of that window row by
// row. dx: planes x h x w; g: planes x oh x ow. dx is added into.
export function avg_pool_grad_f32(dx: usize, g: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sy: i32, sx: i32, py: i32, px: i32, oh: i32, ow: i32): void {
  let o: usize = g;
  for (let pl = 0; pl < planes; pl++) {
    const plane = dx + (<usize>pl * <usize>(h * w) << 2);
    for (let r = 0; r < oh; r++) {
      const top = r * sy - py;
      const y0 = max(0, top);
      const y1 = min(h, top + kh);
      for (let q = 0; q < ow; q++) {
        const left = q * sx - px;
        const x0 = max(0, left);
        const x1 = min(w, left + kw);
        const delta = load<f32>(o) / <f32>((y1 - y0) * (x1 - x0));
        for (let yy = y0; yy < y1; yy++) {
          const row = plane + (<usize>(yy * w) << 2);
          for (let xx = x0; xx < x1; xx++) {
            const d = row + (<usize>xx << 2);
            store<f32>(d, load<f32>(d) + delta);
          }
        }
        o += 4;
      }
    }
  }
}
