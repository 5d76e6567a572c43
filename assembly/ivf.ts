// The coarse quantiser of the approximate face index (issue 15's search beyond the exact scan):
// each row of a row-major n x 128 float matrix gets the centroid that minimises
//   score_j = cnorm_j - 2 dot(row, centroid_j)        (= |row - centroid_j|^2 - |row|^2),
// ties to the lowest j. The TypeScript side is src/gallery/ivf-wasm.ts; the reference is
// src/gallery/ivf.ts (nearestCentroidsReference), which does the same float operations:
//   dot: four f32 lanes, lane l summing fl(row_d * centroid_d) for d = l, l + 4, ..., 124 in
//        order (a separate multiply and add: no fused multiply-add, even in the relaxed build),
//        then fl(fl(lane0 + lane2) + fl(lane1 + lane3));
//   score: fl(cnorm_j - 2 dot) (2 dot is exact).
// So both give the same centroid for every row, bit for bit.
//
// Blocking: two rows against four centroids at a time (eight f32x4 accumulators and six loaded
// vectors: fits the 16 vector registers of x64 without spills); an odd last row runs alone.
// `cents` holds c4 rows (c4 a multiple of 4); the padding rows have cnorm = +inf.

const DIM: i32 = 128;

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline
function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// out[i] = the centroid nearest to row i (see above), for n rows of `data`.
export function ivf_nearest(data: usize, n: i32, cents: usize, c4: i32, cnorm: usize, out: usize): void {
  let i: i32 = 0;
  for (; i + 1 < n; i += 2) {
    const x0 = data + (<usize>i << 9);
    const x1 = x0 + 512;
    let b0: f32 = Infinity, b1: f32 = Infinity;
    let j0: i32 = 0, j1: i32 = 0;
    for (let j: i32 = 0; j < c4; j += 4) {
      const c0 = cents + (<usize>j << 9);
      const c1 = c0 + 512, c2 = c0 + 1024, c3 = c0 + 1536;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
      let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
      for (let d: i32 = 0; d < DIM; d += 4) {
        const o = <usize>d << 2;
        const r0 = v128.load(x0 + o), r1 = v128.load(x1 + o);
        const v0 = v128.load(c0 + o), v1 = v128.load(c1 + o), v2 = v128.load(c2 + o), v3 = v128.load(c3 + o);
        a00 = madd(a00, r0, v0); a01 = madd(a01, r0, v1); a02 = madd(a02, r0, v2); a03 = madd(a03, r0, v3);
        a10 = madd(a10, r1, v0); a11 = madd(a11, r1, v1); a12 = madd(a12, r1, v2); a13 = madd(a13, r1, v3);
      }
      const n0 = load<f32>(cnorm + (<usize>j << 2)), n1 = load<f32>(cnorm + (<usize>j << 2) + 4);
      const n2 = load<f32>(cnorm + (<usize>j << 2) + 8), n3 = load<f32>(cnorm + (<usize>j << 2) + 12);
      let s: f32;
      s = n0 - 2 * hsum(a00); if (s < b0) { b0 = s; j0 = j; }
      s = n1 - 2 * hsum(a01); if (s < b0) { b0 = s; j0 = j + 1; }
      s = n2 - 2 * hsum(a02); if (s < b0) { b0 = s; j0 = j + 2; }
      s = n3 - 2 * hsum(a03); if (s < b0) { b0 = s; j0 = j + 3; }
      s = n0 - 2 * hsum(a10); if (s < b1) { b1 = s; j1 = j; }
      s = n1 - 2 * hsum(a11); if (s < b1) { b1 = s; j1 = j + 1; }
      s = n2 - 2 * hsum(a12); if (s < b1) { b1 = s; j1 = j + 2; }
      s = n3 - 2 * hsum(a13); if (s < b1) { b1 = s; j1 = j + 3; }
    }
    store<i32>(out + (<usize>i << 2), j0);
    store<i32>(out + (<usize>i << 2) + 4, j1);
  }
  if (i < n) {
    const x0 = data + (<usize>i << 9);
    let b0: f32 = Infinity;
    let j0: i32 = 0;
    for (let j: i32 = 0; j < c4; j += 4) {
      const c0 = cents + (<usize>j << 9);
      const c1 = c0 + 512, c2 = c0 + 1024, c3 = c0 + 1536;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
      for (let d: i32 = 0; d < DIM; d += 4) {
        const o = <usize>d << 2;
        const r0 = v128.load(x0 + o);
        a00 = madd(a00, r0, v128.load(c0 + o)); a01 = madd(a01, r0, v128.load(c1 + o));
        a02 = madd(a02, r0, v128.load(c2 + o)); a03 = madd(a03, r0, v128.load(c3 + o));
      }
      let s: f32;
      s = load<f32>(cnorm + (<usize>j << 2)) - 2 * hsum(a00); if (s < b0) { b0 = s; j0 = j; }
      s = load<f32>(cnorm + (<usize>j << 2) + 4) - 2 * hsum(a01); if (s < b0) { b0 = s; j0 = j + 1; }
      s = load<f32>(cnorm + (<usize>j << 2) + 8) - 2 * hsum(a02); if (s < b0) { b0 = s; j0 = j + 2; }
      s = load<f32>(cnorm + (<usize>j << 2) + 12) - 2 * hsum(a03); if (s < b0) { b0 = s; j0 = j + 3; }
    }
    store<i32>(out + (<usize>i << 2), j0);
  }
}
