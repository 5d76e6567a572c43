/**
 * Single-precision GEMM in WebAssembly SIMD (assembly/gemm.ts): C = A·B or C += A·B, row-major,
 * for the face ResNet's convolutions (im2col + GEMM). Each C element is one sequential float32 sum
 * in ascending k, from +0 or from the old C: dlib's order (netlib sgemm: gemm.ts's gemmReference,
 * and gemmRef in gemm-ref.ts, the documented reference, for C += A·B). The plain SIMD build gives
 * exactly those bits; the relaxed build may fuse multiply-adds and agrees to rounding only.
 *
 * Two ways in:
 * - {@link gemmWasm}: plain Float32Arrays; copies A and B into a private kernel instance's memory,
 *   runs, and copies C back. Simple, and the copies cost O(MK + KN + MN) against O(MNK) work.
 * - {@link WasmGemm}: zero-copy, on byte offsets ("pointers") into a {@link WasmKernels} memory,
 *   for callers that keep their tensors there; leading dimensions allow sub-matrices.
 *
 * The flavour (plain SIMD or relaxed SIMD with fused multiply-add) is the instance's: by default
 * the best the engine runs (relaxed needs `node --experimental-wasm-relaxed-simd` on Node 20).
 */
import { kernelExports, KernelInstance, loadKernels, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour, WasmKernels } from '../wasm/index.js';
import { kernelsAndThreads, scratchPerThread, splitWork, type KernelThreads } from '../wasm/threads.js';
import type { Gemm } from './gemm.js';

export interface GemmExports {
  gemm_scratch_bytes(): number;
  gemm_f32(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, accumulate: boolean | number, scratch: number): void;
}

/** What the GEMM needs from the build. */
export const GEMM_KERNELS: KernelNeeds<GemmExports> = { what: 'the GEMM kernel', names: ['gemm_f32', 'gemm_scratch_bytes'] };

/** The GEMM exports of `k`; throws where the build predates them. */
export function gemmExports(k: WasmKernels): GemmExports {
  return kernelExports(k, GEMM_KERNELS);
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`gemm: ${name} = ${v} is not a non-negative 32-bit integer`);
}

/** Options of the pointer API. Leading dimensions are in floats (row strides). */
export interface GemmPtrOptions {
  /** C += A·B instead of C = A·B. */
  accumulate?: boolean;
  /** Row stride of A, >= K (default K). */
  lda?: number;
  /** Row stride of B, >= N (default N). */
  ldb?: number;
  /** Row stride of C, >= N (default N); C's gaps (columns N .. ldc) are never written. */
  ldc?: number;
}

/**
 * Products of at least this many multiply-adds (M·N·K) are cut between the threads of a
 * {@link KernelThreads} (below it, waking the workers costs more than it saves).
 */
export const GEMM_PARALLEL_MIN_PRODUCTS = 1 << 18;

/**
 * GEMM on matrices resident in one {@link WasmKernels} memory. The constructor allocates the
 * packing scratch (about 640 KiB, one per thread) with `kernels.alloc`, so create it after the
 * caller's last `reset` (a reset frees the scratch too: make a new WasmGemm then).
 *
 * Given {@link KernelThreads} (whose `kernels` it then runs on), a product of at least
 * {@link GEMM_PARALLEL_MIN_PRODUCTS} multiply-adds is cut into one part per thread: C's columns
 * in blocks of 16 (or its rows in blocks of 4 when M > N), a few parts per thread, each part a gemm_f32 call on the
 * sub-matrices. Each C element is still one thread's sequential sum in ascending k: the bits of
 * one thread.
 */
export class WasmGemm {
  readonly kernels: WasmKernels;
  private readonly ex: GemmExports;
  private readonly scratch: number[];
  private readonly threads: KernelThreads | undefined;

  constructor(kernels?: WasmKernels, threads?: KernelThreads) {
    ({ kernels: this.kernels, threads: this.threads } = kernelsAndThreads('WasmGemm', kernels, threads, () => loadKernels(GEMM_KERNELS).kernels));
    this.ex = gemmExports(this.kernels);
    this.scratch = scratchPerThread(this.kernels, this.threads, this.ex.gemm_scratch_bytes());
  }

  get flavour(): WasmFlavour {
    return this.kernels.flavour;
  }

  /**
   * C = A·B (or C += A·B) with A (M x K) at byte offset `a`, B (K x N) at `b`, C (M x N) at `c`,
   * all row-major float32 in the kernels' memory.
   * Requires: the three matrices inside memory, C overlapping neither A, B nor the scratch.
   * Ensures: C[i][j] for i < M, j < N written; nothing else in memory changes (but the scratch).
   */
  gemm(M: number, N: number, K: number, a: number, b: number, c: number, options: GemmPtrOptions = {}): void {
    const { accumulate = false, lda = K, ldb = N, ldc = N } = options;
    checkDim('M', M);
    checkDim('N', N);
    checkDim('K', K);
    if (lda < K || ldb < N || ldc < N || !Number.isInteger(lda) || !Number.isInteger(ldb) || !Number.isInteger(ldc)) {
      throw new RangeError(`gemm: leading dimensions lda ${lda} >= K ${K}, ldb ${ldb} >= N ${N}, ldc ${ldc} >= N ${N} required`);
    }
    const bytes = this.kernels.memory.buffer.byteLength;
    const inside = (p: number, rows: number, cols: number, ld: number): boolean =>
      rows === 0 || cols === 0 || (Number.isInteger(p) && p >= 0 && p % 4 === 0 && p + ((rows - 1) * ld + cols) * 4 <= bytes);
    if (!inside(a, M, K, lda) || !inside(b, K, N, ldb) || !inside(c, M, N, ldc)) {
      throw new RangeError('gemm: a matrix lies outside WebAssembly memory (or is not 4-byte aligned)');
    }
    const acc = accumulate ? 1 : 0;
    const th = this.threads;
    if (th === undefined || M * N * K < GEMM_PARALLEL_MIN_PRODUCTS) {
      this.ex.gemm_f32(M, N, K, a, lda, b, ldb, c, ldc, acc, this.scratch[0]!);
      return;
    }
    const parts = M > N
      ? splitWork(M, th.size, 4, 32).map(([i, m]) => [m, N, K, a + i * lda * 4, lda, b, ldb, c + i * ldc * 4, ldc, acc, 0])
      : splitWork(N, th.size, 16, 64).map(([j, n]) => [M, n, K, a, lda, b + j * 4, ldb, c + j * 4, ldc, acc, 0]);
    th.run('gemm_f32', parts, { scratch: { arg: parts[0]!.length - 1, perThread: this.scratch } });
  }
}

/** gemmWasm's private kernel instances, one per flavour asked for ('best': none forced). */
const privateInstances = {
  best: new KernelInstance(GEMM_KERNELS),
  simd: new KernelInstance(GEMM_KERNELS, 'simd'),
  relaxed: new KernelInstance(GEMM_KERNELS, 'relaxed'),
};

/**
 * Drops gemmWasm's private kernel instances, so that their memory (grown to the largest problem
 * so far; wasm memory never shrinks) can be garbage-collected.
 */
export function releaseGemmKernels(): void {
  for (const inst of Object.values(privateInstances)) inst.release();
}

export interface GemmOptions {
  /** C += A·B instead of C = A·B. */
  accumulate?: boolean;
  /** Force a build; default the best the engine runs. */
  flavour?: WasmFlavour;
}

/**
 * C = A·B (or C += A·B), row-major float32: A M x K, B K x N, C M x N; returns C.
 * Requires: A.length >= M*K, B.length >= K*N, C.length >= M*N, C sharing no memory with A or B.
 * Ensures: C[0 .. M*N) written, the rest of C untouched; A and B unchanged.
 */
export function gemmWasm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array,
  options: GemmOptions = {}): Float32Array {
  checkDim('M', M);
  checkDim('N', N);
  checkDim('K', K);
  if (A.length < M * K || B.length < K * N || C.length < M * N) {
    throw new RangeError(`gemm: arrays too short for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
  }
  if (M === 0 || N === 0) return C;
  const accumulate = options.accumulate ?? false;
  const k = privateInstances[options.flavour ?? 'best'].kernels;
  k.reset();
  const g = new WasmGemm(k);
  const pa = k.alloc(M * K * 4);
  const pb = k.alloc(K * N * 4);
  const pc = k.alloc(M * N * 4);
  // views made after the last alloc (alloc may grow memory and detach older views)
  k.f32(pa, M * K).set(A.subarray(0, M * K));
  k.f32(pb, K * N).set(B.subarray(0, K * N));
  if (accumulate) k.f32(pc, M * N).set(C.subarray(0, M * N));
  g.gemm(M, N, K, pa, pb, pc, { accumulate });
  C.set(k.f32(pc, M * N));
  return C;
}

/**
 * A {@link Gemm} (the forward passes' hook: C = A·B, C overwritten) running {@link gemmWasm} in a
 * forced build: `flavour: 'simd'` gives gemmReference's bits (dlib's), 'relaxed' agrees to
 * rounding; default the best the engine runs.
 */
export function makeGemmWasm(options: { flavour?: WasmFlavour } = {}): Gemm {
  const flavour = options.flavour;
  return (M, N, K, A, B, C) => {
    gemmWasm(M, N, K, A, B, C, { flavour });
  };
}
