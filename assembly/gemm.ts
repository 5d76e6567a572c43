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
// (16 KiB) in L1. Products with N < 32 take a skinny path instead (gemmSkinny below).
//
// Summation order (both paths): every C[i][j] is ONE sequential float32 sum, from +0 (C = A·B) or
// from the old C[i][j] (C += A·B), of the products A[i][k]·B[k][j] in ascending k — the order of
// the netlib reference BLAS sgemm that dlib calls (src/dnn/gemm.ts gemmReference /
// gemmBlasReference, B not transposed). The K blocks do not start sums of their own: each 2 x 16
// tile is loaded from C into the accumulators at the start of every K block after the first (and
// of the first when accumulating) and stored back at its end, so the sum continues across blocks.
// In the plain SIMD build each step is one multiply and one add (two float32 roundings, the
// product rounded first), so the result is the reference's to the bit; in the relaxed build
// relaxed_madd may fuse them (one rounding; relaxed SIMD leaves it to the engine), so results
// there differ from the reference in rounding only (tests bound the difference).

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

// 64 zero bytes (never written): the starting values of a sum from +0, read with row stride 0.
export const ZEROS: usize = memory.data(64, 16);

// The 2 x 16 micro-kernel: the tile at `dst` (row stride ldd bytes) becomes the tile at `src` (row
// stride lds; ZEROS with lds = 0 for a sum from +0, or dst itself to continue a sum) plus the terms
// pa[k][r] * pb[k][0..16) added one at a time in ascending k < kc: pa an MR-row panel (k-major, MR
// floats per k), pb an NR-column panel (NR floats per k). The starting values are always loaded
// (from ZEROS or from C), so the kernel has no branch.
export function kernel2x16(kc: i32, pa: usize, pb: usize, src: usize, lds: usize, dst: usize, ldd: usize): void {
  const s1 = src + lds;
  let c00 = v128.load(src);
  let c01 = v128.load(src, 16);
  let c02 = v128.load(src, 32);
  let c03 = v128.load(src, 48);
  let c10 = v128.load(s1);
  let c11 = v128.load(s1, 16);
  let c12 = v128.load(s1, 32);
  let c13 = v128.load(s1, 48);
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
  const d1 = dst + ldd;
  v128.store(dst, c00);
  v128.store(dst, c01, 16);
  v128.store(dst, c02, 32);
  v128.store(dst, c03, 48);
  v128.store(d1, c10);
  v128.store(d1, c11, 16);
  v128.store(d1, c12, 32);
  v128.store(d1, c13, 48);
}

// The 2 x 16 tile of C at `c` (row stride ldc bytes): from +0 (add false) or continuing from C.
// @ts-ignore: decorator
@inline export function tile2x16(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  if (add) kernel2x16(kc, pa, pb, c, ldc, c, ldc);
  else kernel2x16(kc, pa, pb, ZEROS, 0, c, ldc);
}

// An edge tile (mr <= MR rows, nr <= NR columns of C at `c`, row stride ldc bytes) through the
// MR x NR tile buffer `tile`: its valid part copied in (add), kernel2x16 on the whole padded tile,
// the valid part copied back. The padding lanes compute whatever the padding of the panels gives
// and are never stored.
export function edgeTile(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, mr: i32, nr: i32, add: bool, tile: usize): void {
  if (add) {
    for (let r = 0; r < mr; r++) {
      const s = c + <usize>r * ldc;
      const d = tile + (<usize>(r * NR) << 2);
      for (let q = 0; q < nr; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
    }
  }
  tile2x16(kc, pa, pb, tile, NR << 2, add);
  for (let r = 0; r < mr; r++) {
    const d = c + <usize>r * ldc;
    const s = tile + (<usize>(r * NR) << 2);
    for (let q = 0; q < nr; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
  }
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
// tile's lanes (N < 16) or repack all of A for one or two B panels. They run without packing A:
// B's rows are copied to rows of NS floats (N rounded up to 4, zero padded; KD rows of K at a
// time), and C is computed in groups of columns, 16 (2 rows of A at a time), 8 (4 rows) or 4 (8
// rows): 8 accumulators of 4 columns each, the A values splat-loaded from A's rows in place, one
// B vector per 4 columns per k. Same order as the panel path: each C element one sequential sum
// over ascending k, continued across KD chunks through C. Against the former dot-product path
// (4 lanes over k, then the lanes summed: not dlib's order), measured interleaved in one process
// on a loaded 2-core machine (plain SIMD, K = 2304, M = 256): N = 16 on par or up to 1.2x faster,
// N = 8 and 24 on par, N = 12 0.8x, N = 4 (the 2x2-pixel conv at batch 1, about 1% of a forward
// pass's flops) 0.6x: its 8 x 4 tile needs one A broadcast per multiply-add.
const KD: i32 = 4096; // KD * 32 floats (N < 32 rounded up to 4) fill the B block of the scratch (KC * NC)

// Copies rows [0, kc) x columns [0, n) of B (row stride ldb floats) to rows of ns floats (ns >= n,
// a multiple of 4) at dst, columns n .. ns zeros.
function packBRows(b: usize, ldb: i32, kc: i32, n: i32, ns: i32, dst: usize): void {
  const rs = <usize>ldb << 2;
  const ds = <usize>ns << 2;
  const n4 = n & ~3;
  for (let k = 0; k < kc; k++) {
    const s = b + <usize>k * rs;
    const d = dst + <usize>k * ds;
    let j = 0;
    for (; j < n4; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
    for (; j < n; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
    for (; j < ns; j++) store<f32>(d + (<usize>j << 2), 0);
  }
}

// The skinny kernels: the tile C[0..R)[0..W) at `c` (row stride ldc bytes), R x W = 2 x 16, 4 x 8
// or 8 x 4, becomes the tile at `src` (row stride lds: ZEROS and 0, or C itself) plus the terms
// a[r][k] * b[k][0..W) added in ascending k < kc, b[k] at pb + k*bs bytes; a[r] is row r of A read
// in place (2 x 16, 4 x 8: a0, a1, ...; a missing row repeats the last one and is not stored: see
// skinnyGroup) or, for 8 x 4, 8 floats per k packed by packA8.

function skinny2x16(kc: i32, a0: usize, a1: usize, pb: usize, bs: usize, src: usize, lds: usize, c: usize, ldc: usize): void {
  const s1 = src + lds;
  let c00 = v128.load(src);
  let c01 = v128.load(src, 16);
  let c02 = v128.load(src, 32);
  let c03 = v128.load(src, 48);
  let c10 = v128.load(s1);
  let c11 = v128.load(s1, 16);
  let c12 = v128.load(s1, 32);
  let c13 = v128.load(s1, 48);
  const end = a0 + (<usize>kc << 2);
  const d1 = a1 - a0;
  while (a0 < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    let a = v128.load32_splat(a0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    c02 = madd(a, b2, c02);
    c03 = madd(a, b3, c03);
    a = v128.load32_splat(a0 + d1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    c12 = madd(a, b2, c12);
    c13 = madd(a, b3, c13);
    a0 += 4;
    pb += bs;
  }
  const c1 = c + ldc;
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c, c02, 32);
  v128.store(c, c03, 48);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c1, c12, 32);
  v128.store(c1, c13, 48);
}

function skinny4x8(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, pb: usize, bs: usize, src: usize, lds: usize,
  c: usize, ldc: usize): void {
  let c00 = v128.load(src);
  let c01 = v128.load(src, 16);
  let c10 = v128.load(src + lds);
  let c11 = v128.load(src + lds, 16);
  let c20 = v128.load(src + 2 * lds);
  let c21 = v128.load(src + 2 * lds, 16);
  let c30 = v128.load(src + 3 * lds);
  let c31 = v128.load(src + 3 * lds, 16);
  const end = a0 + (<usize>kc << 2);
  const d1 = a1 - a0;
  const d2 = a2 - a0;
  const d3 = a3 - a0;
  while (a0 < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(a0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(a0 + d1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(a0 + d2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(a0 + d3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a0 += 4;
    pb += bs;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

// Packs rows [0, rows) (rows <= 8; a missing row repeats the last) x columns [0, kc) of A (row
// stride lda bytes) k-major, 8 floats per k: dst[k*8 + r] = A[r][k]; 4 x 4 blocks transposed in
// registers.
function packA8(a: usize, lda: usize, rows: i32, kc: i32, dst: usize): void {
  const last = <usize>(rows - 1);
  const r0 = a;
  const r1 = a + min<usize>(1, last) * lda;
  const r2 = a + min<usize>(2, last) * lda;
  const r3 = a + min<usize>(3, last) * lda;
  const r4 = a + min<usize>(4, last) * lda;
  const r5 = a + min<usize>(5, last) * lda;
  const r6 = a + min<usize>(6, last) * lda;
  const r7 = a + min<usize>(7, last) * lda;
  const k4 = kc & ~3;
  let k = 0;
  for (; k < k4; k += 4) {
    const o = <usize>k << 2;
    const d = dst + (o << 3);
    let x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
    let t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
    let t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
    let t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
    let t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
    v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
    v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
    v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
    v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
    x0 = v128.load(r4 + o); x1 = v128.load(r5 + o); x2 = v128.load(r6 + o); x3 = v128.load(r7 + o);
    t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
    t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
    t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
    t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
    v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), 16);
    v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 48);
    v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 80);
    v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 112);
  }
  for (; k < kc; k++) {
    const o = <usize>k << 2;
    const d = dst + (o << 3);
    store<f32>(d, load<f32>(r0 + o));
    store<f32>(d, load<f32>(r1 + o), 4);
    store<f32>(d, load<f32>(r2 + o), 8);
    store<f32>(d, load<f32>(r3 + o), 12);
    store<f32>(d, load<f32>(r4 + o), 16);
    store<f32>(d, load<f32>(r5 + o), 20);
    store<f32>(d, load<f32>(r6 + o), 24);
    store<f32>(d, load<f32>(r7 + o), 28);
  }
}

// 8 rows x 4 columns from A packed by packA8 (pa: 8 floats per k).
function skinny8x4(kc: i32, pa: usize, pb: usize, bs: usize, src: usize, lds: usize, c: usize, ldc: usize): void {
  let c0 = v128.load(src);
  let c1 = v128.load(src + lds);
  let c2 = v128.load(src + 2 * lds);
  let c3 = v128.load(src + 3 * lds);
  let c4 = v128.load(src + 4 * lds);
  let c5 = v128.load(src + 5 * lds);
  let c6 = v128.load(src + 6 * lds);
  let c7 = v128.load(src + 7 * lds);
  const end = pa + (<usize>kc << 5);
  while (pa < end) {
    const b = v128.load(pb);
    c0 = madd(v128.load32_splat(pa), b, c0);
    c1 = madd(v128.load32_splat(pa, 4), b, c1);
    c2 = madd(v128.load32_splat(pa, 8), b, c2);
    c3 = madd(v128.load32_splat(pa, 12), b, c3);
    c4 = madd(v128.load32_splat(pa, 16), b, c4);
    c5 = madd(v128.load32_splat(pa, 20), b, c5);
    c6 = madd(v128.load32_splat(pa, 24), b, c6);
    c7 = madd(v128.load32_splat(pa, 28), b, c7);
    pa += 32;
    pb += bs;
  }
  v128.store(c, c0);
  v128.store(c + ldc, c1);
  v128.store(c + 2 * ldc, c2);
  v128.store(c + 3 * ldc, c3);
  v128.store(c + 4 * ldc, c4);
  v128.store(c + 5 * ldc, c5);
  v128.store(c + 6 * ldc, c6);
  v128.store(c + 7 * ldc, c7);
}

// One column group of the skinny path: columns [j, j + w) (w = 16, 8 or 4, of which the first
// `cols` exist in C) of every row of C, R = 32 / w rows at a time. Whole R x w tiles run on C in
// place; a tile with missing rows or columns runs on the R x w tile buffer (its valid part copied
// in and back; a missing row of A repeats the last one). For w = 4 the R = 8 rows of A are packed
// first (packA8): eight row pointers in the loop were slower.
function skinnyGroup(M: i32, kc: i32, a: usize, lda: usize, pb: usize, bs: usize, w: i32, cols: i32,
  c: usize, ldc: usize, add: bool, tile: usize, apack: usize): void {
  const R = 32 / w;
  const ts = <usize>w << 2;
  for (let i = 0; i < M; i += R) {
    const rows = min(R, M - i);
    const ai = a + <usize>i * lda;
    const ci = c + <usize>i * ldc;
    const last = <usize>(rows - 1) * lda;
    const a1 = ai + min<usize>(lda, last);
    const a2 = ai + min<usize>(2 * lda, last);
    const a3 = ai + min<usize>(3 * lda, last);
    if (w == 4) packA8(ai, lda, rows, kc, apack);
    if (rows == R && cols == w) {
      const src = add ? ci : ZEROS;
      const lds = add ? ldc : 0;
      if (w == 16) skinny2x16(kc, ai, a1, pb, bs, src, lds, ci, ldc);
      else if (w == 8) skinny4x8(kc, ai, a1, a2, a3, pb, bs, src, lds, ci, ldc);
      else skinny8x4(kc, apack, pb, bs, src, lds, ci, ldc);
      continue;
    }
    if (add) {
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) store<f32>(tile + <usize>r * ts + (<usize>q << 2), load<f32>(ci + <usize>r * ldc + (<usize>q << 2)));
      }
    }
    const src = add ? tile : ZEROS;
    const lds = add ? ts : 0;
    if (w == 16) skinny2x16(kc, ai, a1, pb, bs, src, lds, tile, ts);
    else if (w == 8) skinny4x8(kc, ai, a1, a2, a3, pb, bs, src, lds, tile, ts);
    else skinny8x4(kc, apack, pb, bs, src, lds, tile, ts);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) store<f32>(ci + <usize>r * ldc + (<usize>q << 2), load<f32>(tile + <usize>r * ts + (<usize>q << 2)));
    }
  }
}

function gemmSkinny(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: bool, apack: usize, bp: usize, tile: usize): void {
  const ldab = <usize>lda << 2;
  const ldcb = <usize>ldc << 2;
  const ns = (N + 3) & ~3;
  const bs = <usize>ns << 2;
  for (let pc = 0; pc < K; pc += KD) {
    const kc = min(KD, K - pc);
    packBRows(b + <usize>pc * (<usize>ldb << 2), ldb, kc, N, ns, bp);
    const add = accumulate || pc > 0;
    const ap = a + (<usize>pc << 2);
    // column groups of 16, then 8, then 4, within the padded width ns
    for (let j = 0; j < ns;) {
      const left = ns - j;
      const w = left >= 16 ? 16 : left >= 8 ? 8 : 4;
      skinnyGroup(M, kc, ap, ldab, bp + (<usize>j << 2), bs, w, min(w, N - j), c + (<usize>j << 2), ldcb, add, tile, apack);
      j += w;
    }
  }
}

// Bytes of packing scratch gemm_f32 needs: packed A block, packed B block, one edge tile (MR x NR
// = 32 floats, also the skinny path's R x w tiles).
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
  const tile = bpack + (<usize>(KC * NC) << 2);
  if (N < 2 * NR) {
    gemmSkinny(M, N, K, a, lda, b, ldb, c, ldc, accumulate, apack, bpack, tile);
    return;
  }
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
              tile2x16(kc, ap, bp, cp, ldcb, add);
            } else {
              edgeTile(kc, ap, bp, cp, ldcb, mr, nr, add, tile);
            }
          }
        }
      }
    }
  }
}
