// fHOG kernels (dlib's extract_fhog_features, see src/hog/fhog.ts for the algorithm and its
// TypeScript twins gradientImageRef / voteRef, which these kernels reproduce bit for bit).
//
// Memory: every pointer is a byte offset into this module's memory, allocated by the JS side.
// The image buffer must have 16 readable bytes past its end (the kernels load 16-byte vectors
// and use the first 12 of them).

// dlib's 9 orientation unit vectors (matrix<float,2,1>, as float32).
const DX0: f32 = 1.0, DX1: f32 = 0.9397, DX2: f32 = 0.766, DX3: f32 = 0.5, DX4: f32 = 0.1736;
const DX5: f32 = -0.1736, DX6: f32 = -0.5, DX7: f32 = -0.766, DX8: f32 = -0.9397;
const DY0: f32 = 0.0, DY1: f32 = 0.342, DY2: f32 = 0.6428, DY3: f32 = 0.866, DY4: f32 = 0.9848;
const DY5: f32 = 0.9848, DY6: f32 = 0.866, DY7: f32 = 0.6428, DY8: f32 = 0.342;

// @ts-ignore: decorator
@inline function dirX(o: i32): f32 {
  return o == 0 ? DX0 : o == 1 ? DX1 : o == 2 ? DX2 : o == 3 ? DX3 : o == 4 ? DX4 : o == 5 ? DX5 : o == 6 ? DX6 : o == 7 ? DX7 : DX8;
}
// @ts-ignore: decorator
@inline function dirY(o: i32): f32 {
  return o == 0 ? DY0 : o == 1 ? DY1 : o == 2 ? DY2 : o == 3 ? DY3 : o == 4 ? DY4 : o == 5 ? DY5 : o == 6 ? DY6 : o == 7 ? DY7 : DY8;
}

// Scalar pixel: gradient choice (SIMD or scalar tie rule), orientation, squared length.
// @ts-ignore: decorator
@inline function pixel(img: usize, width: i32, channels: i32, y: i32, x: i32, simdCol: bool, bins: usize, len2: usize): void {
  let gx: i32, gy: i32, len: i32;
  const stride = width * channels;
  const row = img + <usize>(y * stride);
  const up = row - <usize>stride;
  const down = row + <usize>stride;
  if (channels == 1) {
    gx = <i32>load<u8>(row + <usize>(x + 1)) - <i32>load<u8>(row + <usize>(x - 1));
    gy = <i32>load<u8>(down + <usize>x) - <i32>load<u8>(up + <usize>x);
    len = gx * gx + gy * gy;
  } else {
    const q = <usize>(x * 3);
    const rx = <i32>load<u8>(row + q + 3) - <i32>load<u8>(row + q - 3);
    const ry = <i32>load<u8>(down + q) - <i32>load<u8>(up + q);
    const gxg = <i32>load<u8>(row + q + 4) - <i32>load<u8>(row + q - 2);
    const gyg = <i32>load<u8>(down + q + 1) - <i32>load<u8>(up + q + 1);
    const bx = <i32>load<u8>(row + q + 5) - <i32>load<u8>(row + q - 1);
    const by = <i32>load<u8>(down + q + 2) - <i32>load<u8>(up + q + 2);
    const rl = rx * rx + ry * ry;
    const gl = gxg * gxg + gyg * gyg;
    const bl = bx * bx + by * by;
    if (simdCol) {
      if (rl > gl) { gx = rx; gy = ry; len = rl; } else { gx = gxg; gy = gyg; len = gl; }
      if (!(len > bl)) { gx = bx; gy = by; len = bl; }
    } else {
      gx = rx; gy = ry; len = rl;
      if (gl > len) { gx = gxg; gy = gyg; len = gl; }
      if (bl > len) { gx = bx; gy = by; len = bl; }
    }
  }
  const fx = <f32>gx;
  const fy = <f32>gy;
  let best: f32 = 0;
  let bo: i32 = 0;
  for (let o = 0; o < 9; o++) {
    const dot: f32 = fx * dirX(o) + fy * dirY(o);
    if (dot > best) {
      best = dot;
      bo = o;
    } else if (-dot > best) {
      best = -dot;
      bo = o + 9;
    }
  }
  const idx = <usize>(y * width + x);
  store<u8>(bins + idx, <u8>bo);
  store<f32>(len2 + (idx << 2), <f32>len);
}

// Picks, per lane, a (first) or b: a where la > lb, or la == lb in lanes of `scalarLanes`.
// @ts-ignore: decorator
@inline function keepFirst(la: v128, lb: v128, scalarLanes: v128): v128 {
  return v128.or(i32x4.gt_s(la, lb), v128.and(i32x4.eq(la, lb), scalarLanes));
}

// Bytes c, c+3, c+6, c+9 of a vector widened into 4 i32 lanes (0x80 selects zero).
// @ts-ignore: decorator
@inline function chan(v: v128, c: i32): v128 {
  if (c == 0) return i8x16.swizzle(v, i8x16(0, -128, -128, -128, 3, -128, -128, -128, 6, -128, -128, -128, 9, -128, -128, -128));
  if (c == 1) return i8x16.swizzle(v, i8x16(1, -128, -128, -128, 4, -128, -128, -128, 7, -128, -128, -128, 10, -128, -128, -128));
  return i8x16.swizzle(v, i8x16(2, -128, -128, -128, 5, -128, -128, -128, 8, -128, -128, -128, 11, -128, -128, -128));
}

// 4 consecutive grey bytes widened to i32 lanes.
// @ts-ignore: decorator
@inline function grey4(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

// The per-pixel stage of fHOG for rows [1, yEnd) and columns [1, xEnd): orientation bin (u8)
// and squared gradient length (f32) at y*width + x. Columns below simdEnd use dlib's SIMD tie
// rule for RGB channels, the others its scalar rule. 4 pixels per step, scalar remainder.
export function fhog_gradient(img: usize, width: i32, channels: i32, yEnd: i32, xEnd: i32, simdEnd: i32,
  bins: usize, len2: usize): void {
  const stride = width * channels;
  const lane = i32x4(0, 1, 2, 3);
  const vSimdEnd = i32x4.splat(simdEnd);
  for (let y = 1; y < yEnd; y++) {
    const row = img + <usize>(y * stride);
    const up = row - <usize>stride;
    const down = row + <usize>stride;
    let x = 1;
    for (; x + 4 <= xEnd; x += 4) {
      let gx: v128, gy: v128, len: v128;
      if (channels == 1) {
        gx = i32x4.sub(grey4(row + <usize>(x + 1)), grey4(row + <usize>(x - 1)));
        gy = i32x4.sub(grey4(down + <usize>x), grey4(up + <usize>x));
        len = i32x4.add(i32x4.mul(gx, gx), i32x4.mul(gy, gy));
      } else {
        const q = <usize>(x * 3);
        const left = v128.load(row + q - 3);
        const right = v128.load(row + q + 3);
        const top = v128.load(up + q);
        const bot = v128.load(down + q);
        const rx = i32x4.sub(chan(right, 0), chan(left, 0));
        const ry = i32x4.sub(chan(bot, 0), chan(top, 0));
        const gxg = i32x4.sub(chan(right, 1), chan(left, 1));
        const gyg = i32x4.sub(chan(bot, 1), chan(top, 1));
        const bx = i32x4.sub(chan(right, 2), chan(left, 2));
        const by = i32x4.sub(chan(bot, 2), chan(top, 2));
        const rl = i32x4.add(i32x4.mul(rx, rx), i32x4.mul(ry, ry));
        const gl = i32x4.add(i32x4.mul(gxg, gxg), i32x4.mul(gyg, gyg));
        const bl = i32x4.add(i32x4.mul(bx, bx), i32x4.mul(by, by));
        // lanes at or past simdEnd follow dlib's scalar rule (keep the earlier channel on ties)
        const scalarLanes = v128.not(i32x4.lt_s(i32x4.add(i32x4.splat(x), lane), vSimdEnd));
        const m1 = keepFirst(rl, gl, scalarLanes);
        const tx = v128.bitselect(rx, gxg, m1);
        const ty = v128.bitselect(ry, gyg, m1);
        const tl = v128.bitselect(rl, gl, m1);
        const m2 = keepFirst(tl, bl, scalarLanes);
        gx = v128.bitselect(tx, bx, m2);
        gy = v128.bitselect(ty, by, m2);
        len = v128.bitselect(tl, bl, m2);
      }
      const fx = f32x4.convert_i32x4_s(gx);
      const fy = f32x4.convert_i32x4_s(gy);
      // dlib's orientation snap walks the sequence 0, d0, -d0, d1, -d1, ..., d8, -d8 (d = the
      // float32 dot products gx*dx[o] + gy*dy[o]) and keeps the FIRST strictly greatest entry.
      // "first strictly greatest" can be found by a tree of merges that prefer the earlier side
      // on ties, which shortens the dependency chain from 18 steps to 5. Each pair (d, -d) merges
      // to (|d|, d < 0 ? o + 9 : o).
      // The products need only 8 multiplies: dx[8-k] = -dx[k] and dy[8-k] = dy[k] for k = 1..4,
      // and float32 products are sign-symmetric, so d(8-k) = py(k) - px(k) exactly.
      const px1 = f32x4.mul(fx, f32x4.splat(<f32>0.9397));
      const px2 = f32x4.mul(fx, f32x4.splat(<f32>0.766));
      const px3 = f32x4.mul(fx, f32x4.splat(<f32>0.5));
      const px4 = f32x4.mul(fx, f32x4.splat(<f32>0.1736));
      const py1 = f32x4.mul(fy, f32x4.splat(<f32>0.342));
      const py2 = f32x4.mul(fy, f32x4.splat(<f32>0.6428));
      const py3 = f32x4.mul(fy, f32x4.splat(<f32>0.866));
      const py4 = f32x4.mul(fy, f32x4.splat(<f32>0.9848));
      const d0 = fx; // 1*gx + 0*gy
      const d1 = f32x4.add(px1, py1), d8 = f32x4.sub(py1, px1);
      const d2 = f32x4.add(px2, py2), d7 = f32x4.sub(py2, px2);
      const d3 = f32x4.add(px3, py3), d6 = f32x4.sub(py3, px3);
      const d4 = f32x4.add(px4, py4), d5 = f32x4.sub(py4, px4);
      const zero = f32x4.splat(0);
      const nine = i32x4.splat(9);
      const v0 = f32x4.abs(d0);
      const o0 = i32x4.add(i32x4.splat(0), v128.and(f32x4.lt(d0, zero), nine));
      const v1 = f32x4.abs(d1);
      const o1 = i32x4.add(i32x4.splat(1), v128.and(f32x4.lt(d1, zero), nine));
      const v2 = f32x4.abs(d2);
      const o2 = i32x4.add(i32x4.splat(2), v128.and(f32x4.lt(d2, zero), nine));
      const v3 = f32x4.abs(d3);
      const o3 = i32x4.add(i32x4.splat(3), v128.and(f32x4.lt(d3, zero), nine));
      const v4 = f32x4.abs(d4);
      const o4 = i32x4.add(i32x4.splat(4), v128.and(f32x4.lt(d4, zero), nine));
      const v5 = f32x4.abs(d5);
      const o5 = i32x4.add(i32x4.splat(5), v128.and(f32x4.lt(d5, zero), nine));
      const v6 = f32x4.abs(d6);
      const o6 = i32x4.add(i32x4.splat(6), v128.and(f32x4.lt(d6, zero), nine));
      const v7 = f32x4.abs(d7);
      const o7 = i32x4.add(i32x4.splat(7), v128.and(f32x4.lt(d7, zero), nine));
      const v8 = f32x4.abs(d8);
      const o8 = i32x4.add(i32x4.splat(8), v128.and(f32x4.lt(d8, zero), nine));
      // merge(a, b) = b > a ? b : a
      let c = f32x4.gt(v1, v0);
      const v01 = v128.bitselect(v1, v0, c); const o01 = v128.bitselect(o1, o0, c);
      c = f32x4.gt(v3, v2);
      const v23 = v128.bitselect(v3, v2, c); const o23 = v128.bitselect(o3, o2, c);
      c = f32x4.gt(v5, v4);
      const v45 = v128.bitselect(v5, v4, c); const o45 = v128.bitselect(o5, o4, c);
      c = f32x4.gt(v7, v6);
      const v67 = v128.bitselect(v7, v6, c); const o67 = v128.bitselect(o7, o6, c);
      c = f32x4.gt(v23, v01);
      const v03 = v128.bitselect(v23, v01, c); const o03 = v128.bitselect(o23, o01, c);
      c = f32x4.gt(v67, v45);
      const v47 = v128.bitselect(v67, v45, c); const o47 = v128.bitselect(o67, o45, c);
      c = f32x4.gt(v47, v03);
      const v07 = v128.bitselect(v47, v03, c); const o07 = v128.bitselect(o47, o03, c);
      c = f32x4.gt(v8, v07);
      const v08 = v128.bitselect(v8, v07, c); const o08 = v128.bitselect(o8, o07, c);
      // the sequence starts with (0, bin 0)
      const bo = v128.and(o08, f32x4.gt(v08, f32x4.splat(0)));
      const idx = <usize>(y * width + x);
      const b16 = i16x8.narrow_i32x4_u(bo, bo);
      const b8 = i8x16.narrow_i16x8_u(b16, b16);
      v128.store32_lane(bins + idx, b8, 0);
      v128.store(len2 + (idx << 2), f32x4.convert_i32x4_s(len));
    }
    for (; x < xEnd; x++) pixel(img, width, channels, y, x, x < simdEnd, bins, len2);
  }
}

// dlib's bilinear voting (TypeScript twin: voteRef in src/hog/fhog.ts): each pixel's magnitude
// sqrt(len2) into the 4 nearest cells' bin, rows [1, visibleNr), columns [1, visibleNc), in
// raster order. hist: rows of `hnc` cells of 18 f32. Columns below simdEnd compute the weights
// as dlib's SIMD code (float32, +0.5 offset, truncation), the rest as its scalar code (double
// intermediates, floor). Plain f32 arithmetic, so identical to the twin. scratch: 12*width bytes.
export function fhog_vote(bins: usize, len2: usize, width: i32, visibleNr: i32, visibleNc: i32, simdEnd: i32,
  cs: i32, hist: usize, hnc: i32, scratch: usize): void {
  const fcs = <f32>cs;
  const dcs = <f64>cs;
  const rowBytes = <usize>(hnc * 18) << 2;
  const xSimd = min(simdEnd, visibleNc);
  // Per column (the same for every row): the byte offset of the left cell, vx0 and vx1.
  // scratch: 12 bytes per column.
  const colOff = scratch;
  const colVx0 = scratch + (<usize>width << 2);
  const colVx1 = colVx0 + (<usize>width << 2);
  for (let x = 1; x < visibleNc; x++) {
    let cell: i32, vx0: f32, vx1: f32;
    if (x < xSimd) {
      const xp: f32 = (<f32>x + <f32>0.5) / fcs + <f32>0.5;
      cell = <i32>xp;
      vx0 = xp - <f32>cell;
      vx1 = <f32>1 - vx0;
    } else {
      const xp = <f32>((<f64>x + 0.5) / dcs - 0.5);
      const ixp = <i32>Mathf.floor(xp);
      cell = ixp + 1;
      vx0 = xp - <f32>ixp;
      vx1 = <f32>(1.0 - <f64>vx0);
    }
    const co = <usize>x << 2;
    store<i32>(colOff + co, cell * 72);
    store<f32>(colVx0 + co, vx0);
    store<f32>(colVx1 + co, vx1);
  }
  for (let y = 1; y < visibleNr; y++) {
    const yp = <f32>((<f64>y + 0.5) / dcs - 0.5);
    const iyp = <i32>Mathf.floor(yp);
    const vy0: f32 = yp - <f32>iyp;
    const vy1 = <f32>(1.0 - <f64>vy0);
    const row0 = hist + <usize>(iyp + 1) * rowBytes;
    const row1 = row0 + rowBytes;
    const base = <usize>(y * width);
    let x = 1;
    for (; x < xSimd; x++) {
      const co = <usize>x << 2;
      const c0 = <usize>load<i32>(colOff + co) + (<usize>load<u8>(bins + base + <usize>x) << 2);
      const c1 = c0 + 72;
      const v = Mathf.sqrt(load<f32>(len2 + ((base + <usize>x) << 2)));
      const wx1: f32 = load<f32>(colVx1 + co) * v;
      const wx0: f32 = load<f32>(colVx0 + co) * v;
      store<f32>(row0 + c0, load<f32>(row0 + c0) + vy1 * wx1);
      store<f32>(row1 + c0, load<f32>(row1 + c0) + vy0 * wx1);
      store<f32>(row0 + c1, load<f32>(row0 + c1) + vy1 * wx0);
      store<f32>(row1 + c1, load<f32>(row1 + c1) + vy0 * wx0);
    }
    for (; x < visibleNc; x++) {
      const co = <usize>x << 2;
      const c0 = <usize>load<i32>(colOff + co) + (<usize>load<u8>(bins + base + <usize>x) << 2);
      const c1 = c0 + 72;
      const v = Mathf.sqrt(load<f32>(len2 + ((base + <usize>x) << 2)));
      const vx0 = load<f32>(colVx0 + co);
      const vx1 = load<f32>(colVx1 + co);
      store<f32>(row0 + c0, load<f32>(row0 + c0) + (vy1 * vx1) * v);
      store<f32>(row1 + c0, load<f32>(row1 + c0) + (vy0 * vx1) * v);
      store<f32>(row0 + c1, load<f32>(row0 + c1) + (vy1 * vx0) * v);
      store<f32>(row1 + c1, load<f32>(row1 + c1) + (vy0 * vx0) * v);
    }
  }
}

// dlib's SSE2 sum(simd4f): (l0 + l2) + (l1 + l3).
// @ts-ignore: decorator
@inline function laneSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 2)) + (f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 3));
}

// min(h, nn) * n on 4 lanes with _mm_min_ps semantics (h < nn ? h : nn).
// @ts-ignore: decorator
@inline function clampNorm(h: v128, nn: v128, n: v128): v128 {
  return f32x4.mul(v128.bitselect(h, nn, f32x4.lt(h, nn)), n);
}

// Block normalisation and feature assembly (TypeScript twin: featuresRef in src/hog/fhog.ts).
// hist: (cellsNr+2) rows of hnc cells of 18 f32; norm: cellsNr*cellsNc f32 scratch; out: 31
// planes of rows*cols f32 (zeroed here), features at (offR, offC). Lane k of the 4-lane
// normalisers is dlib's lane k (blocks below-right, above-right, below-left, above-left).
export function fhog_features(hist: usize, hnc: i32, cellsNr: i32, cellsNc: i32, norm: usize, out: usize,
  rows: i32, cols: i32, offR: i32, offC: i32): void {
  const planeBytes = <usize>(rows * cols) << 2;
  memory.fill(out, 0, planeBytes * 31);
  for (let r = 0; r < cellsNr; r++) {
    for (let c = 0; c < cellsNc; c++) {
      const h = hist + ((<usize>((r + 1) * hnc + c + 1) * 18) << 2);
      let acc: f32 = 0;
      for (let o = 0; o < 9; o++) {
        const s: f32 = load<f32>(h + (<usize>o << 2)) + load<f32>(h + (<usize>(o + 9) << 2));
        acc += s * s;
      }
      store<f32>(norm + (<usize>(r * cellsNc + c) << 2), acc);
    }
  }
  const eps: f32 = 0.0001;
  const v02 = f32x4.splat(<f32>0.2);
  const v01 = f32x4.splat(<f32>0.1);
  const tex = f32x4.splat(<f32>(2 * 0.2357));
  const hogNr = cellsNr - 2;
  const hogNc = cellsNc - 2;
  for (let y = 0; y < hogNr; y++) {
    const r0 = norm + (<usize>(y * cellsNc) << 2);
    const r1 = r0 + (<usize>cellsNc << 2);
    const r2 = r1 + (<usize>cellsNc << 2);
    for (let x = 0; x < hogNc; x++) {
      const xo = <usize>x << 2;
      const a0 = load<f32>(r0 + xo), a1 = load<f32>(r0 + xo, 4), a2 = load<f32>(r0 + xo, 8);
      const b0 = load<f32>(r1 + xo), b1 = load<f32>(r1 + xo, 4), b2 = load<f32>(r1 + xo, 8);
      const c0 = load<f32>(r2 + xo), c1 = load<f32>(r2 + xo, 4), c2 = load<f32>(r2 + xo, 8);
      let s = f32x4.splat((((b1 + b2) + c1) + c2) + eps);
      s = f32x4.replace_lane(s, 1, (((a1 + a2) + b1) + b2) + eps);
      s = f32x4.replace_lane(s, 2, (((b0 + b1) + c0) + c1) + eps);
      s = f32x4.replace_lane(s, 3, (((a0 + a1) + b0) + b1) + eps);
      const nn = f32x4.mul(v02, f32x4.sqrt(s));
      const n = f32x4.div(v01, nn);
      const h = hist + ((<usize>((y + 2) * hnc + x + 2) * 18) << 2);
      const o0 = out + (<usize>((y + offR) * cols + x + offC) << 2);
      let t = f32x4.splat(0);
      for (let o = 0; o < 18; o += 3) {
        const h0 = clampNorm(f32x4.splat(load<f32>(h + (<usize>o << 2))), nn, n);
        const h1 = clampNorm(f32x4.splat(load<f32>(h + (<usize>(o + 1) << 2))), nn, n);
        const h2 = clampNorm(f32x4.splat(load<f32>(h + (<usize>(o + 2) << 2))), nn, n);
        store<f32>(o0 + <usize>o * planeBytes, laneSum(h0));
        store<f32>(o0 + <usize>(o + 1) * planeBytes, laneSum(h1));
        store<f32>(o0 + <usize>(o + 2) * planeBytes, laneSum(h2));
        t = f32x4.add(t, f32x4.add(f32x4.add(h0, h1), h2));
      }
      for (let o = 0; o < 9; o++) {
        const sum: f32 = load<f32>(h + (<usize>o << 2)) + load<f32>(h + (<usize>(o + 9) << 2));
        store<f32>(o0 + <usize>(o + 18) * planeBytes, laneSum(clampNorm(f32x4.splat(sum), nn, n)));
      }
      t = f32x4.mul(t, tex);
      store<f32>(o0 + 27 * planeBytes, f32x4.extract_lane(t, 0));
      store<f32>(o0 + 28 * planeBytes, f32x4.extract_lane(t, 1));
      store<f32>(o0 + 29 * planeBytes, f32x4.extract_lane(t, 2));
      store<f32>(o0 + 30 * planeBytes, f32x4.extract_lane(t, 3));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dlib's bilinear resize_image (pyramid_down<N>, pyramid_up), its vectorised part: output
// columns [0, simdCols) of every row (TypeScript twin: resizeSimdPartRef in src/hog/pyramid.ts).
// left (i32), lr and ilr (f32): the per-column tables; y advances by yScale in double as in
// dlib. RGB: float32 sums truncated; grey: float32 sum, then (double)v + 0.5 truncated. The
// output is zeroed first (columns >= simdCols are the scalar tail, done by the caller). src must
// have 16 readable bytes past its end.

// 4 bytes at p as 4 f32 lanes.
// @ts-ignore: decorator
@inline function u8x4(p: usize): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p))));
}

export function resize_simd_part(src: usize, iw: i32, ih: i32, ch: i32, out: usize, ow: i32, oh: i32, yScale: f64,
  simdCols: i32, left: usize, lr: usize, ilr: usize): void {
  memory.fill(out, 0, <usize>(ow * oh * ch));
  const rowStride = iw * ch;
  let y = -yScale;
  for (let r = 0; r < oh; r++) {
    y += yScale;
    const top = <i32>Math.floor(y);
    const bottom = min(top + 1, ih - 1);
    const tbFrac = y - <f64>top;
    const tb = <f32>tbFrac;
    const itb = <f32>(1 - tbFrac);
    const topRow = src + <usize>(top * rowStride);
    const botRow = src + <usize>(bottom * rowStride);
    let o = out + <usize>(r * ow * ch);
    if (ch == 3) {
      for (let c = 0; c < simdCols; c++, o += 3) {
        const co = <usize>c << 2;
        const l = <usize>(load<i32>(left + co) * 3);
        const lrc = load<f32>(lr + co);
        const ilrc = load<f32>(ilr + co);
        const tlf: f32 = itb * ilrc;
        const trf: f32 = itb * lrc;
        const blf: f32 = tb * ilrc;
        const brf: f32 = tb * lrc;
        const v = f32x4.add(f32x4.add(f32x4.add(
          f32x4.mul(f32x4.splat(tlf), u8x4(topRow + l)), f32x4.mul(f32x4.splat(trf), u8x4(topRow + l + 3))),
          f32x4.mul(f32x4.splat(blf), u8x4(botRow + l))), f32x4.mul(f32x4.splat(brf), u8x4(botRow + l + 3)));
        const iv = i32x4.trunc_sat_f32x4_s(v);
        store<u8>(o, <u8>i32x4.extract_lane(iv, 0));
        store<u8>(o, <u8>i32x4.extract_lane(iv, 1), 1);
        store<u8>(o, <u8>i32x4.extract_lane(iv, 2), 2);
      }
    } else {
      const vtb = f32x4.splat(tb);
      const vitb = f32x4.splat(itb);
      let c = 0;
      for (; c + 4 <= simdCols; c += 4, o += 4) {
        const co = <usize>c << 2;
        const vlr = v128.load(lr + co);
        const vilr = v128.load(ilr + co);
        const l0 = <usize>load<i32>(left + co);
        const l1 = <usize>load<i32>(left + co, 4);
        const l2 = <usize>load<i32>(left + co, 8);
        const l3 = <usize>load<i32>(left + co, 12);
        let tl = f32x4.splat(<f32>load<u8>(topRow + l0));
        tl = f32x4.replace_lane(tl, 1, <f32>load<u8>(topRow + l1));
        tl = f32x4.replace_lane(tl, 2, <f32>load<u8>(topRow + l2));
        tl = f32x4.replace_lane(tl, 3, <f32>load<u8>(topRow + l3));
        let tr = f32x4.splat(<f32>load<u8>(topRow + l0 + 1));
        tr = f32x4.replace_lane(tr, 1, <f32>load<u8>(topRow + l1 + 1));
        tr = f32x4.replace_lane(tr, 2, <f32>load<u8>(topRow + l2 + 1));
        tr = f32x4.replace_lane(tr, 3, <f32>load<u8>(topRow + l3 + 1));
        let bl = f32x4.splat(<f32>load<u8>(botRow + l0));
        bl = f32x4.replace_lane(bl, 1, <f32>load<u8>(botRow + l1));
        bl = f32x4.replace_lane(bl, 2, <f32>load<u8>(botRow + l2));
        bl = f32x4.replace_lane(bl, 3, <f32>load<u8>(botRow + l3));
        let br = f32x4.splat(<f32>load<u8>(botRow + l0 + 1));
        br = f32x4.replace_lane(br, 1, <f32>load<u8>(botRow + l1 + 1));
        br = f32x4.replace_lane(br, 2, <f32>load<u8>(botRow + l2 + 1));
        br = f32x4.replace_lane(br, 3, <f32>load<u8>(botRow + l3 + 1));
        const v = f32x4.add(f32x4.add(f32x4.add(
          f32x4.mul(f32x4.mul(vitb, vilr), tl), f32x4.mul(f32x4.mul(vitb, vlr), tr)),
          f32x4.mul(f32x4.mul(vtb, vilr), bl)), f32x4.mul(f32x4.mul(vtb, vlr), br));
        store<u8>(o, <u8><i32>(<f64>f32x4.extract_lane(v, 0) + 0.5));
        store<u8>(o, <u8><i32>(<f64>f32x4.extract_lane(v, 1) + 0.5), 1);
        store<u8>(o, <u8><i32>(<f64>f32x4.extract_lane(v, 2) + 0.5), 2);
        store<u8>(o, <u8><i32>(<f64>f32x4.extract_lane(v, 3) + 0.5), 3);
      }
      for (; c < simdCols; c++, o++) {
        const co = <usize>c << 2;
        const l = <usize>load<i32>(left + co);
        const lrc = load<f32>(lr + co);
        const ilrc = load<f32>(ilr + co);
        const v: f32 = (((itb * ilrc) * <f32>load<u8>(topRow + l) + (itb * lrc) * <f32>load<u8>(topRow + l + 1)) +
          (tb * ilrc) * <f32>load<u8>(botRow + l)) + (tb * lrc) * <f32>load<u8>(botRow + l + 1);
        store<u8>(o, <u8><i32>(<f64>v + 0.5));
      }
    }
  }
}
