// BLAS-style single-precision GEMM for the backward passes: C = alpha·op(A)·op(B) + beta·C,
// row-major, op(X) = X or Xᵀ, with leading dimensions: dlib's tt::gemm. The TypeScript reference
// is gemmBlasReference in src/dnn/gemm.ts (netlib sgemm's order); the wrapper is
// src/dnn/gemm-blas-wasm.ts.
//
// The face network's backward products (F filters, T = taps per filter, P = output pixels):
//   data gradient    dCols[T x P] = Wᵀ·G     transA: A = W stored F x T, B = G (F x P), K = F
//   filter gradient  dW[F x T]    = G·Colsᵀ  transB: A = G (F x P), B = Cols stored T x P, K = P
// and in dlib's own layout (src/dnn/conv-grad.ts, img2col's matrix P x T): the data gradient
// temp[P x T] = Gᵀ·W (transA, beta 0), the filter gradient dW += G·temp per sample (no
// transposition, beta 1: the sum continues across samples).
//
// Algorithm: the Goto / BLIS loops of assembly/gemm.ts (blocks NC x KC of op(B) packed into
// 16-column panels, MC x KC of op(A) into 2-row panels, the 2 x 16 micro-kernel kernel2x16, same
// block sizes), with packing routines for each storage order, so that the micro-kernel never sees
// the transposition:
// - op(A) = A (row-major M x K): rows copied pairwise interleaved, as gemm.ts's packA;
// - op(A) = Aᵀ (A stored K x M): each stored row k holds op(A)'s column k, so the pairs
//   (op(A)[i][k], op(A)[i+1][k]) a panel wants are adjacent floats: one 8-byte copy each, read
//   along stored rows (k outer);
// - op(B) = B (K x N): gemm.ts's packB;
// - op(B) = Bᵀ (B stored N x K): 4 stored rows x 4 k at a time, transposed in registers (four
//   loads, eight shuffles, four stores), read along stored rows.
// Two loop shapes, netlib sgemm's (src/dnn/gemm.ts gemmBlasReference), chosen by whether B is
// transposed:
// - B not transposed ("axpy" form): C = beta·C first (scaleC; none for beta = 1; for beta = 0 the
//   first K block starts its sums from +0 and C is never read: NaNs in C are ignored), then every
//   term (alpha·a)·b — alpha applied while op(A) is packed, one rounding, as netlib's
//   "TEMP = ALPHA*B(L,J)" — added into C in ascending k: the micro-kernel loads each C tile at the
//   start of a K block and stores it at the end, so the sums continue across the blocks. With
//   alpha = 1 and A not transposed the call goes to gemm_f32 itself (same order, its N < 32 path
//   included); Aᵀ·B with few columns (N <= 64) and alpha = 1 runs transposed with A read in place
//   (gemmTNSkinny below), same order.
// - B transposed ("dot" form): t = the sum from +0 of the products a·b (no alpha) in ascending k,
//   continued across the K blocks in a block buffer of sums (gemmDot below), then
//   C = alpha·t (beta = 0, C never read) or alpha·t + beta·C, each operation rounded.
//
// Summation order: therefore the reference's in every case. In the plain SIMD build (one multiply
// and one add per term, two roundings) every result is the reference's to the bit; the relaxed
// build's relaxed_madd may fuse them (one rounding), so results there differ from the reference in
// rounding only (the tests bound the difference).
//
// Memory: pointers are byte offsets into this module's memory. `scratch` holds
// gemm_blas_scratch_bytes() bytes and overlaps none of A, B, C; C overlaps neither A nor B. Only
// C[i][j] for i < M, j < N is written.

import { edgeTile, gemm_f32, KC, madd, MC, MR, NC, NR, packB, tile2x16, ZEROS } from './gemm';

// Packs rows [0, mc) x columns [0, kc) of op(A) = A (row stride lda floats), times alpha, into
// MR-row panels: panel p at dst + p*kc*MR floats, element (r, k) at k*MR + r; a missing second
// row (mc odd) is zeros.
function packAN(a: usize, lda: i32, mc: i32, kc: i32, alpha: f32, dst: usize): void {
  const rs = <usize>lda << 2;
  const z = f32x4.splat(0);
  const va = f32x4.splat(alpha);
  for (let i = 0; i < mc; i += MR) {
    const r0 = a + <usize>i * rs;
    const two = i + 1 < mc;
    const r1 = two ? r0 + rs : r0;
    let k = 0;
    // 4 columns of both rows -> r0k0 r1k0 r0k1 r1k1 | r0k2 r1k2 r0k3 r1k3
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>k << 2;
      const x = f32x4.mul(v128.load(r0 + o), va);
      const y = two ? f32x4.mul(v128.load(r1 + o), va) : z;
      v128.store(dst + (o << 1), v128.shuffle<f32>(x, y, 0, 4, 1, 5));
      v128.store(dst + (o << 1), v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
    }
    for (; k < kc; k++) {
      const o = <usize>k << 2;
      store<f32>(dst + (o << 1), alpha * load<f32>(r0 + o));
      store<f32>(dst + (o << 1), two ? alpha * load<f32>(r1 + o) : 0, 4);
    }
    dst += <usize>(kc * MR) << 2;
  }
}

// Packs rows [0, mc) x columns [0, kc) of op(A) = Aᵀ, A stored with row stride lda floats (so
// op(A)[i][k] is at a + (k*lda + i)*4), times alpha, into the MR-row panels of packAN. Reads A along
// its stored rows: for each k, rows i, i+1 of op(A) are two adjacent floats, 4 floats (two panels)
// per vector.
function packAT(a: usize, lda: i32, mc: i32, kc: i32, alpha: f32, dst: usize): void {
  const rs = <usize>lda << 2;
  const va = f32x4.splat(alpha);
  const panel = <usize>(kc * MR) << 2; // bytes per panel
  const m4 = mc & ~3;
  for (let k = 0; k < kc; k++) {
    const s = a + <usize>k * rs;
    let d = dst + (<usize>(k * MR) << 2);
    let i = 0;
    for (; i < m4; i += 4) {
      const v = f32x4.mul(v128.load(s + (<usize>i << 2)), va);
      v128.store64_lane(d, v, 0);
      v128.store64_lane(d + panel, v, 1);
      d += panel << 1;
    }
    for (; i < mc; i += MR) {
      store<f32>(d, alpha * load<f32>(s + (<usize>i << 2)));
      store<f32>(d, i + 1 < mc ? alpha * load<f32>(s + (<usize>(i + 1) << 2)) : 0, 4);
      d += panel;
    }
  }
}

// Packs rows [0, kc) x columns [0, nc) of op(B) = Bᵀ, B stored with row stride ldb floats (so
// op(B)[k][j] is at b + (j*ldb + k)*4), into NR-column panels: panel p at dst + p*kc*NR floats,
// element (k, q) at k*NR + q; columns past nc are zeros. Whole panels go 4 stored rows x 4 k at a
// time through a 4 x 4 transposition in registers; the k % 4 tail and a partial last panel go
// float by float.
function packBT(b: usize, ldb: i32, kc: i32, nc: i32, dst: usize): void {
  const rs = <usize>ldb << 2;
  const full = nc / NR * NR;
  const k4 = kc & ~3;
  const rowBytes = <usize>NR << 2; // one k of a panel
  for (let j = 0; j < full; j += NR) {
    const pd = dst + (<usize>(j * kc) << 2); // panel j / NR
    for (let q = 0; q < NR; q += 4) {
      const s0 = b + <usize>(j + q) * rs;
      const s1 = s0 + rs;
      const s2 = s1 + rs;
      const s3 = s2 + rs;
      let d = pd + (<usize>q << 2);
      for (let k = 0; k < k4; k += 4) {
        const o = <usize>k << 2;
        const r0 = v128.load(s0 + o); // op(B)[k..k+4)[q]
        const r1 = v128.load(s1 + o); // op(B)[k..k+4)[q+1]
        const r2 = v128.load(s2 + o);
        const r3 = v128.load(s3 + o);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5)); // k:   columns q..q+4
        v128.store(d + rowBytes, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7)); // k+1
        v128.store(d + 2 * rowBytes, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5)); // k+2
        v128.store(d + 3 * rowBytes, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7)); // k+3
        d += 4 * rowBytes;
      }
      for (let k = k4; k < kc; k++) {
        const o = <usize>k << 2;
        store<f32>(d, load<f32>(s0 + o));
        store<f32>(d, load<f32>(s1 + o), 4);
        store<f32>(d, load<f32>(s2 + o), 8);
        store<f32>(d, load<f32>(s3 + o), 12);
        d += rowBytes;
      }
    }
  }
  if (full < nc) {
    const pd = dst + (<usize>(full * kc) << 2);
    for (let q = 0; q < NR; q++) {
      const j = full + q;
      const s = b + <usize>j * rs;
      let d = pd + (<usize>q << 2);
      if (j < nc) {
        for (let k = 0; k < kc; k++) {
          store<f32>(d, load<f32>(s + (<usize>k << 2)));
          d += rowBytes;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f32>(d, 0);
          d += rowBytes;
        }
      }
    }
  }
}

// C = beta·C over rows [0, M) x columns [0, N) (row stride ldc floats); beta = 0 writes zeros.
function scaleC(M: i32, N: i32, c: usize, ldc: i32, beta: f32): void {
  const rs = <usize>ldc << 2;
  const vb = f32x4.splat(beta);
  const z = f32x4.splat(0);
  const zero = beta == 0;
  for (let i = 0; i < M; i++) {
    const r = c + <usize>i * rs;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const o = r + (<usize>j << 2);
      v128.store(o, zero ? z : f32x4.mul(vb, v128.load(o)));
    }
    for (; j < N; j++) {
      const o = r + (<usize>j << 2);
      store<f32>(o, zero ? 0 : beta * load<f32>(o));
    }
  }
}

// The 2 x 16 micro-kernel of gemm.ts with the B operand read in place: the tile T[0..2)[0..16)
// (row stride 64 bytes at `tile`) becomes the tile at `src` (row stride lds: ZEROS and 0, or the
// tile itself) plus the terms pa[k][r] * pb[k][0..16) added in ascending k < kc, pa an MR-row panel (MR floats per k), pb 16 floats per k at a stride of `bs`
// bytes (a strip of a row-major matrix). Same order as kernel2x16.
function kernel2x16strided(kc: i32, pa: usize, pb: usize, bs: usize, src: usize, lds: usize, tile: usize): void {
  const s1 = src + lds;
  let c00 = v128.load(src);
  let c01 = v128.load(src, 16);
  let c02 = v128.load(src, 32);
  let c03 = v128.load(src, 48);
  let c10 = v128.load(s1);
  let c11 = v128.load(s1, 16);
  let c12 = v128.load(s1, 32);
  let c13 = v128.load(s1, 48);
  const end = pa + (<usize>(kc * MR) << 2);
  while (pa < end) {
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
    pb += bs;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c02, 32);
  v128.store(tile, c03, 48);
  v128.store(tile, c10, 64);
  v128.store(tile, c11, 80);
  v128.store(tile, c12, 96);
  v128.store(tile, c13, 112);
}

// C = Aᵀ·B + beta·C (after scaleC; alpha = 1) for few columns N (< TN_SKINNY_N), A stored K x M,
// B stored K x N: the data gradient of the face network's late convolutions (N = 4, 16, 64 pixels),
// where gemm_blas_f32's loops would pack all of A for a few B panels (or pad 4 columns to 16).
// Measured (simd build, CPU-time GFLOP/s, M = 2304 or 1152, K = 256 or 128): N = 4: 1.7 -> 37,
// N = 16: 11 -> 38..50, N = 32: 20 -> 45..50, N = 64: 38 -> 43..46; N = 128 and up the packed
// loops win (N = 289: 51 vs 33, N = 5184: 40 vs 19): the strips of A read in place are re-read
// once per column pair, from L2 once they outgrow L1.
// Instead the problem is computed transposed, Cᵀ[N x M] = Bᵀ·A, with the roles of the
// micro-kernel swapped: B (small) is packed into 2-row panels of Bᵀ, and A is read in place, 16
// adjacent columns of each stored row; full 16-column strips only (the last partial strip is
// copied, zero padded, into the scratch). Each 2 x 16 tile of Cᵀ is loaded (transposed) from C
// into the tile buffer — except in the first K block with beta = 0 — continued by the kernel and
// stored back transposed: the axpy order, each C element one sequential sum in ascending k. The
// terms are b·a, the same product as the reference's a·b: alpha = 1 only (with alpha != 1 the
// reference rounds alpha·a first; those products take the packed loops).
const TN_SKINNY_N: i32 = 65;

function gemmTNSkinny(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  accumulate: bool, c: usize, ldc: i32, scratch: usize): void {
  const ldcb = <usize>ldc << 2;
  const ldab = <usize>lda << 2;
  const strip = scratch; // KC x 16 copy of a partial A strip
  const tile = strip + (<usize>(KC * NR) << 2);
  const bpanels = scratch + (<usize>(MC * KC) << 2); // N (<= NC) columns x KC of Bᵀ in 2-row panels
  const fullM = M / NR * NR;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const add = accumulate || pc > 0;
    // rows of Bᵀ = columns of the stored B: packAT reads B's stored rows k
    packAT(b + (<usize>pc * ldb << 2), ldb, N, kc, 1, bpanels);
    const arow = a + (<usize>pc * ldab);
    for (let i = 0; i < M; i += NR) {
      const cols = min(NR, M - i);
      let pb = arow + (<usize>i << 2);
      let bs = ldab;
      if (i >= fullM) {
        packB(pb, lda, kc, cols, strip);
        pb = strip;
        bs = <usize>NR << 2;
      }
      for (let j = 0; j < N; j += MR) {
        // tile row r (row j + r of Cᵀ) holds C[i + q][j + r] in lane q
        const rows = min(MR, N - j);
        if (add) {
          for (let q = 0; q < cols; q++) {
            const s = c + <usize>(i + q) * ldcb + (<usize>j << 2);
            for (let r = 0; r < rows; r++) store<f32>(tile + (<usize>(r * NR + q) << 2), load<f32>(s + (<usize>r << 2)));
          }
        }
        kernel2x16strided(kc, bpanels + (<usize>(j * kc) << 2), pb, bs, add ? tile : ZEROS, add ? <usize>(NR << 2) : <usize>0, tile);
        for (let q = 0; q < cols; q++) {
          const d = c + <usize>(i + q) * ldcb + (<usize>j << 2);
          for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(tile + (<usize>(r * NR + q) << 2)));
        }
      }
    }
  }
}

// The "dot" form (B transposed), netlib's order: t = the float sum from +0 of the products
// a[i][k]·b[k][j] (no alpha) in ascending k, then C = alpha·t (beta = 0) or alpha·t + beta·C, each
// operation rounded. The sums t of an MC x NC block of C run in the t buffer (row stride NC floats;
// whole 2 x 16 tiles, so no edge tiles) and continue across its K blocks (loop order jc, ic, pc: a
// B block is packed again for every MC rows when K > KC), then the block's epilogue writes C.
function gemmDot(transA: bool, M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, scratch: usize): void {
  const ldcb = <usize>ldc << 2;
  const apack = scratch;
  const bpack = apack + (<usize>(MC * KC) << 2);
  const tbuf = bpack + (<usize>(KC * NC) << 2) + (<usize>(MR * NR) << 2);
  const tld = <usize>NC << 2;
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = min(MC, M - ic);
      if (K <= 0) for (let i = 0; i < mc; i++) memory.fill(tbuf + <usize>i * tld, 0, <usize>nc << 2);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = min(KC, K - pc);
        if (ic == 0 || K > KC) packBT(b + ((<usize>jc * ldb + pc) << 2), ldb, kc, nc, bpack);
        if (transA) packAT(a + ((<usize>pc * lda + ic) << 2), lda, mc, kc, 1, apack);
        else packAN(a + ((<usize>ic * lda + pc) << 2), lda, mc, kc, 1, apack);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = bpack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            tile2x16(kc, apack + (<usize>(ir * kc) << 2), bp, tbuf + <usize>ir * tld + (<usize>jr << 2), tld, pc > 0);
          }
        }
      }
      // C = alpha·t (+ beta·C)
      const n4 = nc & ~3;
      for (let i = 0; i < mc; i++) {
        const t = tbuf + <usize>i * tld;
        const d = c + <usize>(ic + i) * ldcb + (<usize>jc << 2);
        let j = 0;
        for (; j < n4; j += 4) {
          const o = <usize>j << 2;
          const r = f32x4.mul(va, v128.load(t + o));
          v128.store(d + o, beta == 0 ? r : f32x4.add(r, f32x4.mul(vb, v128.load(d + o))));
        }
        for (; j < nc; j++) {
          const o = <usize>j << 2;
          const r = alpha * load<f32>(t + o);
          store<f32>(d + o, beta == 0 ? r : r + beta * load<f32>(d + o));
        }
      }
    }
  }
}

// Bytes of scratch gemm_blas_f32 needs: packed A block, packed B block, one edge tile (gemm_f32's,
// which it calls), then the dot form's MC x NC block of sums.
export function gemm_blas_scratch_bytes(): i32 {
  return (MC * KC + KC * NC + MR * NR + MC * NC) << 2;
}

// C = alpha·op(A)·op(B) + beta·C. op(A) is M x K: A stored M x K (transA false) or K x M (true),
// row stride lda floats (>= K, or >= M when transposed); op(B) is K x N: B stored K x N or N x K,
// row stride ldb (>= N, or >= K); C M x N, row stride ldc >= N. Requires M, N, K >= 0, scratch of
// gemm_blas_scratch_bytes() bytes, no overlaps. beta = 0 never reads C. K = 0 gives C = beta·C.
export function gemm_blas_f32(transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (transB) {
    gemmDot(transA, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
    return;
  }
  // the "axpy" form: C = beta·C first (beta = 0 with K > 0: the first K block starts from 0
  // instead), then every term added into C in ascending k
  if (beta != 1 && (beta != 0 || K <= 0)) scaleC(M, N, c, ldc, beta);
  if (K <= 0) return;
  const accumulate = beta != 0;
  if (!transA && alpha == 1) {
    gemm_f32(M, N, K, a, lda, b, ldb, c, ldc, accumulate, scratch);
    return;
  }
  if (transA && N < TN_SKINNY_N && alpha == 1) {
    gemmTNSkinny(M, N, K, a, lda, b, ldb, accumulate, c, ldc, scratch);
    return;
  }
  const ldcb = <usize>ldc << 2;
  const apack = scratch;
  const bpack = apack + (<usize>(MC * KC) << 2);
  const tile = bpack + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      // the KC x NC block of op(B) = B at (pc, jc)
      packB(b + ((<usize>pc * ldb + jc) << 2), ldb, kc, nc, bpack);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        // the MC x KC block of op(A) at (ic, pc), times alpha (op(A)[i][k] of a transposed A is
        // at (k*lda + i)*4)
        if (transA) packAT(a + ((<usize>pc * lda + ic) << 2), lda, mc, kc, alpha, apack);
        else packAN(a + ((<usize>ic * lda + pc) << 2), lda, mc, kc, alpha, apack);
        // one B micro-panel (L1) against every A micro-panel of the block (L2)
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bpack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = apack + (<usize>(ir * kc) << 2);
            const cp = c + <usize>(ic + ir) * ldcb + (<usize>(jc + jr) << 2);
            if (mr == MR && nr == NR) tile2x16(kc, ap, bp, cp, ldcb, add);
            else edgeTile(kc, ap, bp, cp, ldcb, mr, nr, add, tile);
          }
        }
      }
    }
  }
}
