// Face-graph edges (dlib's examples/dnn_face_recognition_ex.cpp): for every pair i <= j, the
// edge (i, j) when length(d[i] - d[j]) < threshold, on 128-D float descriptors, decided exactly
// as dlib decides it. The TypeScript side is src/cluster/edges-wasm.ts and src/cluster/edges.ts; the
// reference is buildFaceEdges / dlibFloatDistance (src/cluster/chinese-whispers.ts).
//
// dlib's length, for matrix<float,0,1>: t_k = fl(fl(a_k - b_k)^2) for k = 0..127, summed in float
// in index order, then a float sqrt, compared (as a double) with the double threshold.
//
// Kernel: descriptors are a row-major n x 128 float matrix. A block of R rows i0..i0+R-1 (R a
// multiple of 4; rows past n are padding and never emitted) is compared with every column j >= i0:
// the block's rows stay in L1 (R = 16: 8 KiB) while the columns stream through once per block.
// Tiles are 4 rows x 1 column: the column's f32x4 vector is loaded once and subtracted from the 4
// rows' vectors; each pair has its own f32x4 accumulator of squares (4 independent add chains;
// the 8 steps of a 32-dimension chunk are unrolled). Measured on a busy 2-core machine, 10k
// descriptors spread like dlib's (about 80 Mpairs/s of CPU time): 4-row blocks were 20% slower
// than 16-64-row ones; two accumulators per pair, checks every 16 dimensions and relaxed_madd
// were not faster.
// Every 32 dimensions the 4 partial sums are reduced (a 4x4 transpose-and-add) and compared with
// `hi`: when all four already exceed it, the tile stops early (most pairs in a face set are far
// apart, so most tiles stop after 32 or 64 of the 128 dimensions).
//
// The margin. The SIMD differences and squares are the same float operations as dlib's
// (element-wise sub and mul), so the terms t_k >= 0 are bit-identical; only the order of the
// 127 additions differs. For ANY order (any binary tree of additions) of n non-negative terms,
// |fl(sum) - T| <= gamma_{n-1} T with T the exact sum and gamma_m = m u / (1 - m u), u = 2^-24
// (Higham, Accuracy and Stability of Numerical Algorithms, 4.2; additions of floats have
// relative error <= u even in the subnormal range, and products are shared, so underflow does
// not matter). With g = gamma_127 < 7.6e-6, dlib's sum S and the kernel's S' both lie in
// [T(1-g), T(1+g)]; a partial sum over the first m dimensions likewise is <= T_m (1+g) <= T (1+g).
// With the threshold t and thr2 = t^2 (a real number), the kernel uses, rounded outwards to float,
//   lo = thr2 (1 - m),  hi = thr2 (1 + m),  m = 1e-4:
//  - S' < lo  => S <= S' (1+g)/(1-g) < thr2 (1-m)(1+2.1g), and dlib's float sqrt is at most
//               sqrt(S)(1+u) < t sqrt((1-m)(1+2.1g)) (1+u) < t: an edge, as in dlib.
//  - S' > hi  => S >= S' (1-g)/(1+g) > thr2 (1+m)(1-2.1g), so fl(sqrt S) >= sqrt(S)(1-u) > t:
//               no edge, as in dlib (the early exit uses partial sums: T >= T_m >= S'_m/(1+g)).
//  - otherwise (including NaN and infinities) the pair is re-decided by `exact_length`, dlib's
//    arithmetic itself (f32 sub, mul, add in index order, f32 sqrt; WebAssembly never fuses or
//    reorders float operations). m = 1e-4 is 6x what the argument needs (2g + 2u ~ 1.53e-5; with
//    relaxed_madd fusing d*d + acc in the relaxed build the kernel's sum is within gamma_128 of the
//    exact sum of d_k^2, which is within u of T, so the total stays under 2.3e-5); pairs within
//    1e-4 of the threshold (relative, squared) are rare, and the exact path costs one scalar pass.
// The kernel therefore emits exactly dlib's edges, in dlib's order within each row (j ascending).

const DIM: i32 = 128;
const ROW_BYTES: usize = 512;

// Number of pairs of the last call that fell between lo and hi and were re-decided exactly.
let rechecked: i32 = 0;

export function face_edges_rechecked(): i32 {
  return rechecked;
}

// dlib's float length of a - b (128 floats each): index order, no reassociation.
export function exact_length(a: usize, b: usize): f32 {
  let s: f32 = 0;
  for (let k = 0; k < DIM; k++) {
    const off = <usize>k << 2;
    const d: f32 = load<f32>(a + off) - load<f32>(b + off);
    s += d * d;
  }
  return Mathf.sqrt(s);
}

// acc + d*d: two roundings in the plain SIMD build; in the relaxed build relaxed_madd may fuse
// them (one rounding), which the margin argument covers too (see above).
// @ts-ignore: decorator
@inline
function sqacc(acc: v128, d: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(d, d, acc);
  return f32x4.add(acc, f32x4.mul(d, d));
}

// @ts-ignore: decorator
@inline
function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  // [a0.0+a0.2+a0.1+a0.3, a1..., a2..., a3...] (order irrelevant: see the margin argument)
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

// Edges of rows i0 .. i0+rows-1 (rows a multiple of 4; the matrix `desc` must hold at least
// i0 + rows rows, padding included) against columns j in [i0, n). Row r's columns j (>= i0 + r,
// ascending) are written as u32 to out + 4 * (r * n + count), and count to counts[r] (u32).
// Loop order: column j outside, the block's 4-row tiles inside, so that each column is read from
// memory once per block and the block's rows stay in L1.
// Returns the number of pairs decided exactly (also face_edges_rechecked()).
export function face_edges_block(desc: usize, n: i32, i0: i32, rows: i32, lo: f32, hi: f32, thr: f64, out: usize, counts: usize): i32 {
  rechecked = 0;
  for (let r = 0; r < rows; r++) store<u32>(counts + (<usize>r << 2), 0);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  for (let j = i0; j < n; j++) {
    const cb = desc + <usize>j * ROW_BYTES;
    for (let t = 0; t < rows; t += 4) {
      const i = i0 + t;
      if (i > j || i >= n) break;
      const ra = desc + <usize>i * ROW_BYTES;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let far = false;
      for (let k: usize = 0; k < ROW_BYTES; k += 128) {
        {
          const b = v128.load(cb + k, 0);
          const d0 = f32x4.sub(v128.load(ra + k, 0), b);
          const d1 = f32x4.sub(v128.load(ra + k, 0 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 0 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 0 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 16);
          const d0 = f32x4.sub(v128.load(ra + k, 16), b);
          const d1 = f32x4.sub(v128.load(ra + k, 16 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 16 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 16 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 32);
          const d0 = f32x4.sub(v128.load(ra + k, 32), b);
          const d1 = f32x4.sub(v128.load(ra + k, 32 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 32 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 32 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 48);
          const d0 = f32x4.sub(v128.load(ra + k, 48), b);
          const d1 = f32x4.sub(v128.load(ra + k, 48 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 48 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 48 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 64);
          const d0 = f32x4.sub(v128.load(ra + k, 64), b);
          const d1 = f32x4.sub(v128.load(ra + k, 64 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 64 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 64 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 80);
          const d0 = f32x4.sub(v128.load(ra + k, 80), b);
          const d1 = f32x4.sub(v128.load(ra + k, 80 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 80 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 80 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 96);
          const d0 = f32x4.sub(v128.load(ra + k, 96), b);
          const d1 = f32x4.sub(v128.load(ra + k, 96 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 96 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 96 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        {
          const b = v128.load(cb + k, 112);
          const d0 = f32x4.sub(v128.load(ra + k, 112), b);
          const d1 = f32x4.sub(v128.load(ra + k, 112 + ROW_BYTES), b);
          const d2 = f32x4.sub(v128.load(ra + k, 112 + 2 * ROW_BYTES), b);
          const d3 = f32x4.sub(v128.load(ra + k, 112 + 3 * ROW_BYTES), b);
          a0 = sqacc(a0, d0);
          a1 = sqacc(a1, d1);
          a2 = sqacc(a2, d2);
          a3 = sqacc(a3, d3);
        }
        if (k + 128 < ROW_BYTES) {
          if (i32x4.all_true(f32x4.gt(hsum4(a0, a1, a2, a3), vhi))) {
            far = true;
            break;
          }
        }
      }
      if (far) continue;
      const s = hsum4(a0, a1, a2, a3);
      const near = i32x4.bitmask(f32x4.lt(s, vlo));
      const away = i32x4.bitmask(f32x4.gt(s, vhi));
      if (away == 15) continue;
      for (let l = 0; l < 4; l++) {
        const ii = i + l;
        if (ii > j || ii >= n) continue;
        let edge = false;
        if ((near >> l) & 1) edge = true;
        else if (!((away >> l) & 1)) {
          rechecked++;
          edge = <f64>exact_length(ra + <usize>l * ROW_BYTES, cb) < thr;
        }
        if (edge) {
          const rr = t + l;
          const cp = counts + (<usize>rr << 2);
          const c = load<u32>(cp);
          store<u32>(out + ((<usize>rr * <usize>n + <usize>c) << 2), <u32>j);
          store<u32>(cp, c + 1);
        }
      }
    }
  }
  return rechecked;
}
