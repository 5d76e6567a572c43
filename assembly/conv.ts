// The non-GEMM layers of dlib's face ResNet (src/dnn/layers.ts is the TypeScript reference; the
// forward pass that drives these kernels is src/dnn/forward-wasm.ts): im2col, the fused
// convolution epilogue, max / average pooling with dlib's clipped windows, the residual add with
// dlib's size-mismatch rule, the input normalisation, stand-alone affine / relu, fc biases.
//
// Every kernel performs dlib's float32 operations in dlib's order (one rounding per operation:
// WebAssembly f32 and f32x4 arithmetic rounds each operation, and nothing here is fused), so with
// the same GEMM the results are the reference's to the bit.
//
// Tensors are NCHW float32 (element (s, c, y, x) at ((s*k + c)*nr + y)*nc + x); pointers are byte
// offsets into this module's memory, allocated by the JavaScript side.

// ------------------------------------------------------------------------------------------
// im2col

// Copies `n` floats from `s` to `d` (n >= 0), vector by vector, then the tail.
// @ts-ignore: decorator
@inline function copyRow(d: usize, s: usize, n: i32): void {
  let q = 0;
  for (; q + 4 <= n; q += 4) {
    const o = <usize>q << 2;
    v128.store(d + o, v128.load(s + o));
  }
  for (; q < n; q++) {
    const o = <usize>q << 2;
    store<f32>(d + o, load<f32>(s + o));
  }
}

// d[q] = s[2q] for q < n: even lanes of two vectors at a time. Reads s[0 .. 2n-1) only: the
// vector loop runs while q + 4 < n, so its last read, s[2q + 7], is below s[2(q + 4)] < s[2n - 1].
// @ts-ignore: decorator
@inline function copyRowStride2(d: usize, s: usize, n: i32): void {
  let q = 0;
  for (; q + 4 < n; q += 4) {
    const o = <usize>q << 3;
    v128.store(d + (<usize>q << 2), v128.shuffle<f32>(v128.load(s + o), v128.load(s + o, 16), 0, 2, 4, 6));
  }
  for (; q < n; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 3)));
}

// Zeros n floats at d (stores: memory.fill is a runtime call in V8, slow for the one or two
// padding floats of most rows).
// @ts-ignore: decorator
@inline function zeroRow(d: usize, n: i32): void {
  let q = 0;
  if (n >= 4) {
    const z = f32x4.splat(0);
    for (; q + 4 <= n; q += 4) v128.store(d + (<usize>q << 2), z);
  }
  for (; q < n; q++) store<f32>(d + (<usize>q << 2), 0);
}

// im2col of one sample for C = W·B: row (c*kh + ky)*kw + kx of B (at dst + row*ldd floats) holds,
// for every output pixel (r, q) at column r*ow + q, input (c, r*sy - py + ky, q*sx - px + kx), or 0
// outside the image: dlib's img2col tap order (channel, y, x), as im2col in layers.ts.
// src: one sample, ch x h x w. ldd: row stride of B in floats (>= oh*ow; the batch's N).
export function im2col_f32(dst: usize, ldd: i32, src: usize, ch: i32, h: i32, w: i32,
  kh: i32, kw: i32, sy: i32, sx: i32, py: i32, px: i32, oh: i32, ow: i32): void {
  const lddb = <usize>ldd << 2;
  if (sx == 1 && sy == 1 && oh == h && ow == w) {
    im2colSame(dst, lddb, src, ch, h, w, kh, kw, py, px);
    return;
  }
  let row: usize = dst;
  for (let c = 0; c < ch; c++) {
    const plane = src + (<usize>(c * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        // output columns q with 0 <= q*sx - px + kx < w: [q0, q1)
        const lo = px - kx; // q*sx >= lo
        let q0 = lo <= 0 ? 0 : (lo + sx - 1) / sx;
        const hi = w - 1 + px - kx; // q*sx <= hi
        let q1 = hi < 0 ? 0 : hi / sx + 1;
        if (q1 > ow) q1 = ow;
        if (q0 > q1) q0 = q1;
        let d = row;
        for (let r = 0; r < oh; r++) {
          const yy = r * sy - py + ky;
          if (yy < 0 || yy >= h) {
            zeroRow(d, ow);
          } else {
            zeroRow(d, q0);
            const s = plane + (<usize>(yy * w + q0 * sx - px + kx) << 2);
            const dd = d + (<usize>q0 << 2);
            const n = q1 - q0;
            if (sx == 1) copyRow(dd, s, n);
            else if (sx == 2) copyRowStride2(dd, s, n);
            else for (let q = 0; q < n; q++) store<f32>(dd + (<usize>q << 2), load<f32>(s + (<usize>(q * sx) << 2)));
            zeroRow(d + (<usize>q1 << 2), ow - q1);
          }
          d += <usize>ow << 2;
        }
        row += lddb;
      }
    }
  }
}

// im2col_f32 for stride 1 and "same" padding (output planes the size of the input planes): for
// each tap, the valid output rows [r0, r1) read input rows r - py + ky at columns q - px + kx,
// i.e. one contiguous run of the input shifted by (ky - py) rows and (kx - px) columns, copied in
// one pass; the columns the shift brings in from the neighbouring rows (q < px - kx or
// q >= w + px - kx) are then set to 0, and rows outside [r0, r1) are 0. The run may start or end
// up to px floats outside the plane (those values are overwritten by the zeros): the caller's
// tensors have neighbours or spare floats there, inside memory.
function im2colSame(dst: usize, lddb: usize, src: usize, ch: i32, h: i32, w: i32, kh: i32, kw: i32, py: i32, px: i32): void {
  const rowBytes = <usize>w << 2;
  let row: usize = dst;
  for (let c = 0; c < ch; c++) {
    const plane = src + (<usize>(c * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const dy = ky - py;
      const r0 = max(0, -dy);
      const r1 = min(h, h - dy);
      for (let kx = 0; kx < kw; kx++) {
        const dx = kx - px;
        zeroRow(row, r0 * w);
        if (r1 > r0) {
          const d0 = row + <usize>r0 * rowBytes;
          // input (r0 + dy, dx) .. : may begin before the plane when dx < 0
          copyRow(d0, plane + <usize>((r0 + dy) * w) * 4 + <usize>(<isize>dx << 2), (r1 - r0) * w);
          if (dx < 0) {
            for (let r = r0; r < r1; r++) zeroRow(row + <usize>r * rowBytes, -dx);
          } else if (dx > 0) {
            for (let r = r0; r < r1; r++) zeroRow(row + <usize>r * rowBytes + (<usize>(w - dx) << 2), dx);
          }
        }
        zeroRow(row + <usize>r1 * rowBytes, (h - r1) * w);
        row += lddb;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Convolution epilogue

// flags of conv_epilogue_f32 (src/dnn/forward-wasm.ts has the same values)
const EPI_BIAS: i32 = 1;
const EPI_AFFINE: i32 = 2;
const EPI_RESIDUAL: i32 = 4;
const EPI_RELU: i32 = 8;

// max(x, 0) as dlib's relu (`x < 0 ? 0 : x`): keeps -0 and NaN, unlike f32x4.max.
// @ts-ignore: decorator
@inline function reluv(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(v, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function relus(v: f32): f32 {
  return v < 0 ? 0 : v;
}

// One pass over the GEMM product C of a convolution: for sample s < n, channel f < m, pixel
// p < pix, out[(s*m + f)*pix + p] = relu?( (fround(gamma[f] * (C[f][s*pix + p] + bias[f])) + beta[f])
// + res[(s*m + f)*pix + p] ), each part present when its flag is set (EPI_*): con_'s bias add
// (tt::add), affine_'s fround(gamma*x) + beta, add_prev_'s sum (same shapes), relu_. C's row
// stride is ldc floats. `out` may be `c` when n == 1 and ldc == pix (the pass is element-wise).
export function conv_epilogue_f32(out: usize, c: usize, m: i32, pix: i32, n: i32, ldc: i32,
  bias: usize, gamma: usize, beta: usize, res: usize, flags: i32): void {
  const hasBias = (flags & EPI_BIAS) != 0;
  const hasAffine = (flags & EPI_AFFINE) != 0;
  const hasRes = (flags & EPI_RESIDUAL) != 0;
  const hasRelu = (flags & EPI_RELU) != 0;
  const rowBytes = <usize>pix << 2;
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < m; f++) {
      const cp = c + (<usize>(f * ldc + s * pix) << 2);
      const o = <usize>(s * m + f) * rowBytes;
      const op = out + o;
      const rp = res + o;
      const fo = <usize>f << 2;
      const b: f32 = hasBias ? load<f32>(bias + fo) : 0;
      const g: f32 = hasAffine ? load<f32>(gamma + fo) : 1;
      const be: f32 = hasAffine ? load<f32>(beta + fo) : 0;
      const vb = f32x4.splat(b);
      const vg = f32x4.splat(g);
      const vbe = f32x4.splat(be);
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const po = <usize>p << 2;
        let v = v128.load(cp + po);
        if (hasBias) v = f32x4.add(v, vb);
        if (hasAffine) v = f32x4.add(f32x4.mul(vg, v), vbe);
        if (hasRes) v = f32x4.add(v, v128.load(rp + po));
        if (hasRelu) v = reluv(v);
        v128.store(op + po, v);
      }
      for (; p < pix; p++) {
        const po = <usize>p << 2;
        let v = load<f32>(cp + po);
        if (hasBias) v = v + b;
        if (hasAffine) v = g * v + be;
        if (hasRes) v = v + load<f32>(rp + po);
        if (hasRelu) v = relus(v);
        store<f32>(op + po, v);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Element-wise layers

// affine_ in CONV mode: out = fround(gamma[c]*x) + beta[c] over n samples of k channels of pix
// pixels. out may be x.
export function affine_conv_f32(out: usize, x: usize, n: i32, k: i32, pix: i32, gamma: usize, beta: usize): void {
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      const o = <usize>((s * k + c) * pix) << 2;
      const g = load<f32>(gamma + (<usize>c << 2));
      const b = load<f32>(beta + (<usize>c << 2));
      const vg = f32x4.splat(g);
      const vb = f32x4.splat(b);
      let p = 0;
      for (; p + 4 <= pix; p += 4) {
        const po = o + (<usize>p << 2);
        v128.store(out + po, f32x4.add(f32x4.mul(vg, v128.load(x + po)), vb));
      }
      for (; p < pix; p++) {
        const po = o + (<usize>p << 2);
        store<f32>(out + po, g * load<f32>(x + po) + b);
      }
    }
  }
}

// affine_ in FC mode: out[s][i] = fround(gamma[i]*x[s][i]) + beta[i], samples of m values.
export function affine_fc_f32(out: usize, x: usize, n: i32, m: i32, gamma: usize, beta: usize): void {
  for (let s = 0; s < n; s++) {
    const o = <usize>(s * m) << 2;
    for (let i = 0; i < m; i++) {
      const io = <usize>i << 2;
      store<f32>(out + o + io, load<f32>(gamma + io) * load<f32>(x + o + io) + load<f32>(beta + io));
    }
  }
}

// relu_ over len floats (x < 0 ? 0 : x). out may be x.
export function relu_f32(out: usize, x: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, reluv(v128.load(x + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, relus(load<f32>(x + o)));
  }
}

// out[s][j] += bias[j]: fc_'s tt::add(1, output, 1, biases), rows of m values.
export function add_bias_rows_f32(out: usize, n: i32, m: i32, bias: usize): void {
  for (let s = 0; s < n; s++) {
    const o = out + (<usize>(s * m) << 2);
    for (let j = 0; j < m; j++) {
      const jo = <usize>j << 2;
      store<f32>(o + jo, load<f32>(o + jo) + load<f32>(bias + jo));
    }
  }
}

// out[i] = a[i] + b[i], relu'd when relu, for i < len.
// @ts-ignore: decorator
@inline function addRun(out: usize, a: usize, b: usize, len: i32, relu: bool): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const v = f32x4.add(v128.load(a + o), v128.load(b + o));
    v128.store(out + o, relu ? reluv(v) : v);
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o) + load<f32>(b + o);
    store<f32>(out + o, relu ? relus(v) : v);
  }
}

// out[i] = a[i] + 0, relu'd when relu, for i < len: an element only one input has (the other's
// missing element counts as +0, so a -0 becomes +0).
// @ts-ignore: decorator
@inline function addZeroRun(out: usize, a: usize, len: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const v = f32x4.add(v128.load(a + o), zero);
    v128.store(out + o, relu ? reluv(v) : v);
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o) + <f32>0;
    store<f32>(out + o, relu ? relus(v) : v);
  }
}

// add_prev_ (tt::add(dest, src1, src2)): out (on x ok x or x oc) = a + b, a missing element (an
// index past an input's size in any dimension) counting as 0, as dlib's size-mismatch rule; then
// relu when doRelu. out must overlap neither input unless all three shapes are equal. Each output
// row runs as up to three vector runs: columns both inputs have (a + b), those one has (x + 0),
// those neither has (0 + 0 = +0).
export function add_prev_f32(out: usize, on: i32, ok: i32, or: i32, oc: i32,
  a: usize, an: i32, ak: i32, ar: i32, ac: i32,
  b: usize, bn: i32, bk: i32, br: i32, bc: i32, doRelu: i32): void {
  const relu = doRelu != 0;
  const same = an == on && ak == ok && ar == or && ac == oc && bn == on && bk == ok && br == or && bc == oc;
  if (same) {
    addRun(out, a, b, on * ok * or * oc, relu);
    return;
  }
  let d = out;
  for (let s = 0; s < on; s++) {
    for (let k = 0; k < ok; k++) {
      for (let r = 0; r < or; r++) {
        const la = s < an && k < ak && r < ar ? min(ac, oc) : 0;
        const lb = s < bn && k < bk && r < br ? min(bc, oc) : 0;
        const ap = a + (<usize>(((s * ak + k) * ar + r) * ac) << 2);
        const bp = b + (<usize>(((s * bk + k) * br + r) * bc) << 2);
        const both = min(la, lb);
        addRun(d, ap, bp, both, relu);
        const lo = <usize>both << 2;
        if (la > both) addZeroRun(d + lo, ap + lo, la - both, relu);
        else if (lb > both) addZeroRun(d + lo, bp + lo, lb - both, relu);
        const l = max(la, lb);
        zeroRow(d + (<usize>l << 2), oc - l);
        d += <usize>oc << 2;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Pooling

// One output of a pooling window clipped to the plane: rows [y0, y1), columns [x0, x1).
// Max: dlib's max(): the first element, then every larger one, row by row. Mean: a float32 sum,
// row by row, divided by the cell count.
// @ts-ignore: decorator
@inline function poolOne(p: usize, w: i32, y0: i32, y1: i32, x0: i32, x1: i32, isMax: bool): f32 {
  if (isMax) {
    let m = load<f32>(p + (<usize>(y0 * w + x0) << 2));
    for (let yy = y0; yy < y1; yy++) {
      const rp = p + (<usize>(yy * w) << 2);
      for (let xx = x0; xx < x1; xx++) {
        const v = load<f32>(rp + (<usize>xx << 2));
        if (v > m) m = v;
      }
    }
    return m;
  }
  let acc: f32 = 0;
  for (let yy = y0; yy < y1; yy++) {
    const rp = p + (<usize>(yy * w) << 2);
    for (let xx = x0; xx < x1; xx++) acc += load<f32>(rp + (<usize>xx << 2));
  }
  return acc / <f32>((y1 - y0) * (x1 - x0));
}

// 4 max-pool outputs of a 3-wide, stride-2 window from row pointer rp at column x0 (columns
// x0 .. x0 + 8): the maxima of columns (x0 + 2i, x0 + 2i + 1, x0 + 2i + 2), i = 0..3, folded into m
// in that order (v > m keeps the earlier one on ties, as poolOne).
// @ts-ignore: decorator
@inline function max3s2(m: v128, rp: usize, first: bool): v128 {
  const v0 = v128.load(rp);
  const v1 = v128.load(rp, 16);
  const v2 = v128.load32_splat(rp + 32);
  const e = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
  const o = v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
  const e2 = v128.shuffle<f32>(e, v2, 1, 2, 3, 4);
  let r = first ? e : v128.bitselect(e, m, f32x4.gt(e, m));
  r = v128.bitselect(o, r, f32x4.gt(o, r));
  r = v128.bitselect(e2, r, f32x4.gt(e2, r));
  return r;
}

// Max or average pooling (isMax) of `planes` planes of h x w into oh x ow: window kh x kw,
// strides sy, sx, padding py, px; each window clipped to the plane (padding cells take no part,
// neither in the max nor in the count), as pool() in layers.ts. kh = h, kw = w and no padding:
// avg_pool_everything.
export function pool_f32(out: usize, x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sy: i32, sx: i32, py: i32, px: i32, oh: i32, ow: i32, isMax: i32): void {
  const planeBytes = <usize>(h * w) << 2;
  // 3x3 stride 2 max pooling: the columns whose window lies inside the plane four at a time
  // (reads columns up to 2q - px + 8, so the block needs 2(q+3) - px + 2 < w plus one more).
  const fast = isMax != 0 && kw == 3 && sx == 2;
  let d = out;
  for (let pl = 0; pl < planes; pl++) {
    const p = x + <usize>pl * planeBytes;
    for (let r = 0; r < oh; r++) {
      const top = r * sy - py;
      const y0 = max(0, top);
      const y1 = min(h, top + kh);
      let q = 0;
      if (fast && y1 > y0) {
        // q with left = 2q - px >= 0 start; the block q..q+3 reads columns left .. left + 8 < w
        while (q < ow && q * 2 - px < 0) {
          const left = q * 2 - px;
          store<f32>(d + (<usize>q << 2), poolOne(p, w, y0, y1, max(0, left), min(w, left + 3), true));
          q++;
        }
        for (; q + 4 <= ow && (q + 3) * 2 - px + 3 < w; q += 4) {
          const col = <usize>(q * 2 - px) << 2;
          let m = max3s2(f32x4.splat(0), p + (<usize>(y0 * w) << 2) + col, true);
          for (let yy = y0 + 1; yy < y1; yy++) m = max3s2(m, p + (<usize>(yy * w) << 2) + col, false);
          v128.store(d + (<usize>q << 2), m);
        }
      }
      for (; q < ow; q++) {
        const left = q * sx - px;
        store<f32>(d + (<usize>q << 2), poolOne(p, w, y0, y1, max(0, left), min(w, left + kw), isMax != 0));
      }
      d += <usize>ow << 2;
    }
  }
}

// ------------------------------------------------------------------------------------------
// Input

// input_rgb_image(_sized)::to_tensor for one image: npix interleaved RGB bytes at src to three
// planes at dst (red, green, blue), each value (pixel - mean) / 256 with the subtraction in
// float32 (the division by 256 is exact).
export function input_rgb_f32(dst: usize, src: usize, npix: i32, mr: f32, mg: f32, mb: f32): void {
  const g = dst + (<usize>npix << 2);
  const b = g + (<usize>npix << 2);
  for (let i = 0; i < npix; i++) {
    const s = src + <usize>(i * 3);
    const o = <usize>i << 2;
    store<f32>(dst + o, (<f32>load<u8>(s) - mr) / 256);
    store<f32>(g + o, (<f32>load<u8>(s, 1) - mg) / 256);
    store<f32>(b + o, (<f32>load<u8>(s, 2) - mb) / 256);
  }
}
