// Single-precision GEMM, C = A·B or C += A·B, row-major, 128-bit WebAssembly SIMD.
//
// The convolutions of dlib's face ResNet run as im2col + GEMM: C[M x N] = A[M x K] · B[K x N]
// with M = output channels, K = in_channels * kh * kw, N = output pixels (times the batch).
// The TypeScript reference is gemmRef in src/dnn/gemm-ref.ts; the wrapper is src/dnn/gemm-wasm.ts.
//
// Algorithm (Goto / BLIS): the loops over N, K and M are blocked by NC, KC and MC; each KC x NC
// block of B is packed into NR-column panels and each MC x KC block of A into MR-row panels (both
// zero padded to whole panels), so that the micro-kernel reads both with unit stride. The
// micro-kernel keeps an MR x NR tile of C in registers (MR * NR/4 f32x4 accumulators) over the
// whole K block and adds it to (or stores it in) C once.
//
// Tiling, measured in Node 20 (V8 TurboFan, x64, Zen 4) over the face ResNet's shapes: 2 x 16
// (8 accumulators, 4 B vectors and one A splat live) was the fastest in both builds, ahead of
// 4x8, 5x8, 6x8, 8x8, 8x4, 1x32, 3x12, 3x16, 2x20 and 2x24; unrolling K by 2 made it much slower
// (2 x 16: 37 -> 26 GFLOP/s). Tiles needing more than about 12 live vectors make TurboFan spill
// (x64 has 16 xmm registers and V8 keeps one as scratch). Blocking sizes barely mattered (KC
// 128..384, MC 64..256, NC 256..2048 within the noise); KC = 256, MC = 128, NC = 512 keeps a
// packed A block (128 KiB) and a packed B block (512 KiB) in a 1 MiB L2, and one B micro-panel
// (16 KiB) in L1. Products with N < 32 take a dot-product path instead (gemmSkinny below).
//
// Summation order (N >= 32; gemmSkinny states its own): C[i][j] is the sum over K blocks (in order) of each block's partial sum, each
// partial sum accumulated over k in ascending order from +0 with one multiply and one add per
// step (the plain SIMD build) or one fused multiply-add per step where the relaxed build's
// relaxed_madd fuses (it may or may not: relaxed SIMD leaves it to the engine); the partial sums
// are added to C in order (C = p0, C += p1, ... or, when accumulating, C += p0, C += p1, ...).
// Results therefore differ from the reference in rounding only (tests bound the difference).
//
// Memory: pointers are byte offsets into this module's memory, allocated by the JavaScript side.
// `scratch` must hold gemm_scratch_bytes() bytes and overlap none of A, B, C; C must overlap
// neither A nor B (A and B are only read). Only C[i][j] for i < M, j < N is written (never the
// gaps of ldc > N).

// (exported for assembly/gemm-blas.ts, which reuses the micro-kernel and B packing; index.ts
// re-exports only gemm_f32 and gemm_scratch_bytes to JavaScript)
export const MR: i32 = 2;
export const NR: i32 = 16;
export const KC: i32 = 256;
export const MC: i32 = 128; // a multiple of MR
export const NC: i32 = 512; // a multiple of NR

// a·b + c: two roundings in the SIMD build, fused (one rounding) or not in the relaxed build.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// The 2 x 16 micro-kernel: the tile C[0..2)[0..16) at `c` (row stride ldc bytes) gets
// (add ? C + : ) sum over k < kc of pa[k][r] * pb[k][0..16), pa an MR-row panel (k-major, MR
// floats per k), pb an NR-column panel (NR floats per k).
export function kernel2x16(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c02 = z, c03 = z;
  let c10 = z, c11 = z, c12 = z, c13 = z;
  // the loop runs on the B pointer alone (one integer update fewer than a k counter: +8% in the
  // SIMD build)
  const end = pb + (<usize>(kc * NR) << 2);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    c02 = madd(a, b2, c02);
    c03 = madd(a, b3, c03);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    c12 = madd(a, b2, c12);
    c13 = madd(a, b3, c13);
    pa += MR << 2;
    pb += NR << 2;
  }
  const c1 = c + ldc;
  if (add) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c02 = f32x4.add(v128.load(c, 32), c02);
    c03 = f32x4.add(v128.load(c, 48), c03);
    c10 = f32x4.add(v128.load(c1), c10);
    c11 = f32x4.add(v128.load(c1, 16), c11);
    c12 = f32x4.add(v128.load(c1, 32), c12);
    c13 = f32x4.add(v128.load(c1, 48), c13);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c, c02, 32);
  v128.store(c, c03, 48);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c1, c12, 32);
  v128.store(c1, c13, 48);
}

// Packs rows [0, mc) x columns [0, kc) of A (row stride lda floats) into MR-row panels, panel p
// at dst + p*kc*MR floats, element (r, k) at k*MR + r; rows past mc are zeros.
function packA(a: usize, lda: i32, mc: i32, kc: i32, dst: usize): void {
  const rs = <usize>lda << 2;
  const z = f32x4.splat(0);
  for (let i = 0; i < mc; i += MR) {
    const r0 = a + <usize>i * rs;
    const two = i + 1 < mc;
    const r1 = two ? r0 + rs : r0;
    let k = 0;
    // 4 columns of both rows -> interleaved r0k0 r1k0 r0k1 r1k1 | r0k2 r1k2 r0k3 r1k3
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>k << 2;
      const x = v128.load(r0 + o);
      const y = two ? v128.load(r1 + o) : z;
      v128.store(dst + (o << 1), v128.shuffle<f32>(x, y, 0, 4, 1, 5));
      v128.store(dst + (o << 1), v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
    }
    for (; k < kc; k++) {
      const o = <usize>k << 2;
      store<f32>(dst + (o << 1), load<f32>(r0 + o));
      store<f32>(dst + (o << 1), two ? load<f32>(r1 + o) : 0, 4);
    }
    dst += <usize>(kc * MR) << 2;
  }
}

// Packs rows [0, kc) x columns [0, nc) of B (row stride ldb floats) into NR-column panels, panel
// p at dst + p*kc*NR floats, element (k, q) at k*NR + q; columns past nc are zeros. Reads B row
// by row (contiguous: large N strides would otherwise miss the TLB on every row).
export function packB(b: usize, ldb: i32, kc: i32, nc: i32, dst: usize): void {
  const rs = <usize>ldb << 2;
  const full = nc / NR * NR;
  const panel = <usize>(kc * NR) << 2;
  for (let k = 0; k < kc; k++) {
    const s = b + <usize>k * rs;
    let d = dst + (<usize>(k * NR) << 2);
    let j = 0;
    for (; j < full; j += NR) {
      const o = s + (<usize>j << 2);
      v128.store(d, v128.load(o));
      v128.store(d, v128.load(o, 16), 16);
      v128.store(d, v128.load(o, 32), 32);
      v128.store(d, v128.load(o, 48), 48);
      d += panel;
    }
    if (j < nc) {
      for (let q = 0; q < NR; q++) store<f32>(d + (<usize>q << 2), j + q < nc ? load<f32>(s + (<usize>(j + q) << 2)) : 0);
    }
  }
}

// Skinny products (N < 32: the 4x4- and 2x2-pixel convolutions at batch 1) would waste the 2 x 16
// tile's lanes (N < 16) or repack all of A for one or two B panels; measured with K = 2304 they
// run faster as dot products (N = 16: 40 vs 34 GFLOP/s plain SIMD, 50 vs 45 relaxed; N = 4: 39 vs
// 8; N >= 48 the panel kernel wins). B's columns are packed as rows of
// B^T (N rounded up to 4 rows, zero padded; KD columns of K at a time), and each 2 x 4 block of
// C is eight f32x4 dot products over k, reading A's rows in place (no packing of A).
// Order: each dot product sums k = 4t + l in lane l (t ascending), then the lanes are summed
// (0+1)+(2+3), then the k % 4 tail in order; successive KD chunks are added to C in order.
const KD: i32 = 4096; // KD * 32 floats (N < 32 rounded up to 4) fill the B block of the scratch (KC * NC)

// Packs columns [0, n) x rows [0, kc) of B (row stride ldb) as rows of B^T (row stride kc4, a
// multiple of 4, zero padded in k), rows n .. np (np = n rounded up to 4) zeros.
function packBt(b: usize, ldb: i32, kc: i32, kc4: i32, n: i32, np: i32, dst: usize): void {
  const rs = <usize>ldb << 2;
  memory.fill(dst, 0, <usize>(np * kc4) << 2);
  for (let k = 0; k < kc; k++) {
    const s = b + <usize>k * rs;
    for (let j = 0; j < n; j++) store<f32>(dst + (<usize>(j * kc4 + k) << 2), load<f32>(s + (<usize>j << 2)));
  }
}

// [sum(v0), sum(v1), sum(v2), sum(v3)], each lane sum as (0+1)+(2+3).
// @ts-ignore: decorator
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const p = f32x4.add(v128.shuffle<f32>(v0, v1, 0, 4, 2, 6), v128.shuffle<f32>(v0, v1, 1, 5, 3, 7));
  const q = f32x4.add(v128.shuffle<f32>(v2, v3, 0, 4, 2, 6), v128.shuffle<f32>(v2, v3, 1, 5, 3, 7));
  return f32x4.add(v128.shuffle<f32>(p, q, 0, 1, 4, 5), v128.shuffle<f32>(p, q, 2, 3, 6, 7));
}

// One row pair (or a single row) of C against the packed B^T, columns [0, n).
function skinnyRows(a: usize, lda: usize, two: bool, kc: i32, kc4: i32, bt: usize, n: i32, np: i32,
  c: usize, ldc: usize, add: bool): void {
  const z = f32x4.splat(0);
  const a1 = two ? a + lda : a;
  const k4 = kc & ~3;
  const bstride = <usize>kc4 << 2;
  for (let j = 0; j < np; j += 4) {
    const b0 = bt + <usize>j * bstride;
    const b1 = b0 + bstride;
    const b2 = b1 + bstride;
    const b3 = b2 + bstride;
    let s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k << 2;
      const x0 = v128.load(a + o);
      const x1 = v128.load(a1 + o);
      const y0 = v128.load(b0 + o);
      const y1 = v128.load(b1 + o);
      const y2 = v128.load(b2 + o);
      const y3 = v128.load(b3 + o);
      s00 = madd(x0, y0, s00);
      s01 = madd(x0, y1, s01);
      s02 = madd(x0, y2, s02);
      s03 = madd(x0, y3, s03);
      s10 = madd(x1, y0, s10);
      s11 = madd(x1, y1, s11);
      s12 = madd(x1, y2, s12);
      s13 = madd(x1, y3, s13);
    }
    let r0 = hsum4(s00, s01, s02, s03);
    let r1 = hsum4(s10, s11, s12, s13);
    for (let k = k4; k < kc; k++) {
      const o = <usize>k << 2;
      const y = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(b0 + o)),
        1, load<f32>(b1 + o)), 2, load<f32>(b2 + o)), 3, load<f32>(b3 + o));
      r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(a + o), y));
      r1 = f32x4.add(r1, f32x4.mul(v128.load32_splat(a1 + o), y));
    }
    const cj = c + (<usize>j << 2);
    const cols = min(4, n - j);
    if (cols == 4) {
      v128.store(cj, add ? f32x4.add(v128.load(cj), r0) : r0);
      if (two) v128.store(cj + ldc, add ? f32x4.add(v128.load(cj + ldc), r1) : r1);
    } else {
      // at most 3 columns left: spill both rows aside and write the valid ones
      for (let q = 0; q < cols; q++) {
        const t0 = q == 0 ? f32x4.extract_lane(r0, 0) : q == 1 ? f32x4.extract_lane(r0, 1) : f32x4.extract_lane(r0, 2);
        const d0 = cj + (<usize>q << 2);
        store<f32>(d0, add ? load<f32>(d0) + t0 : t0);
        if (two) {
          const t1 = q == 0 ? f32x4.extract_lane(r1, 0) : q == 1 ? f32x4.extract_lane(r1, 1) : f32x4.extract_lane(r1, 2);
          store<f32>(d0 + ldc, add ? load<f32>(d0 + ldc) + t1 : t1);
        }
      }
    }
  }
}

function gemmSkinny(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: bool, bt: usize): void {
  const ldab = <usize>lda << 2;
  const ldcb = <usize>ldc << 2;
  const np = (N + 3) & ~3;
  for (let pc = 0; pc < K; pc += KD) {
    const kc = min(KD, K - pc);
    const kc4 = (kc + 3) & ~3;
    packBt(b + <usize>pc * (<usize>ldb << 2), ldb, kc, kc4, N, np, bt);
    const add = accumulate || pc > 0;
    const ap = a + (<usize>pc << 2);
    for (let i = 0; i < M; i += 2) {
      skinnyRows(ap + <usize>i * ldab, ldab, i + 1 < M, kc, kc4, bt, N, np, c + <usize>i * ldcb, ldcb, add);
    }
  }
}

// Bytes of packing scratch gemm_f32 needs: packed A block, packed B block, one edge tile.
export function gemm_scratch_bytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) << 2;
}

// C = A·B (accumulate false) or C += A·B (accumulate true), A M x K (row stride lda floats),
// B K x N (row stride ldb), C M x N (row stride ldc). Requires M, N, K >= 0, lda >= K, ldb >= N,
// ldc >= N, scratch of gemm_scratch_bytes() bytes, no overlaps. K = 0 gives C = 0 (or leaves C).
export function gemm_f32(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: bool, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  const ldcb = <usize>ldc << 2;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldcb, 0, <usize>N << 2);
    return;
  }
  const apack = scratch;
  const bpack = apack + (<usize>(MC * KC) << 2);
  if (N < 2 * NR) {
    gemmSkinny(M, N, K, a, lda, b, ldb, c, ldc, accumulate, bpack);
    return;
  }
  const tile = bpack + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB(b + ((<usize>pc * ldb + jc) << 2), ldb, kc, nc, bpack);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(a + ((<usize>ic * lda + pc) << 2), lda, mc, kc, apack);
        // one B micro-panel (L1) against every A micro-panel of the block (L2)
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bpack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = apack + (<usize>(ir * kc) << 2);
            const cp = c + <usize>(ic + ir) * ldcb + (<usize>(jc + jr) << 2);
            if (mr == MR && nr == NR) {
              kernel2x16(kc, ap, bp, cp, ldcb, add);
            } else {
              // edge tile: compute the whole padded tile aside, then write its valid part
              kernel2x16(kc, ap, bp, tile, NR << 2, false);
              for (let r = 0; r < mr; r++) {
                const d = cp + <usize>r * ldcb;
                const s = tile + (<usize>(r * NR) << 2);
                for (let q = 0; q < nr; q++) {
                  const o = <usize>q << 2;
                  const t = load<f32>(s + o);
                  store<f32>(d + o, add ? load<f32>(d + o) + t : t);
                }
              }
            }
          }
        }
      }
    }
  }
}
