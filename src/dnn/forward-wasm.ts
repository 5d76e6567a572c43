/**
 * The forward pass of a planned dlib network (the face ResNet) entirely in WebAssembly memory:
 * weights copied in once, every activation in one arena laid out at creation, the layers run by
 * the kernels of assembly/conv.ts and the SIMD GEMM of assembly/gemm.ts. No allocation per call:
 * WebAssembly memory does not grow after {@link createWasmForward}.
 *
 * ## What runs
 *
 * The plan's steps (planNetwork's wiring, src/dnn/net.ts), with these fusions:
 * - a convolution and the chain of sole consumers above it — affine_ (CONV mode), then an
 *   add_prev_ whose other operand is already computed and no larger, then relu_ — run as im2col,
 *   one GEMM, and one epilogue pass over the product (bias, fround(gamma*x)+beta, residual add,
 *   relu, in dlib's order: conv_epilogue_f32);
 * - an add_prev_ whose sole consumer is a relu_ runs as one pass;
 * - tags and skips are aliases (no copy).
 * Every other step runs alone (affine_, relu_, pooling, fc_).
 *
 * ## Bits
 *
 * Each kernel does dlib's float32 operations in dlib's order, so the only difference from the
 * TypeScript reference (runNetwork in net.ts) is the GEMM: with `gemm: gemmWasm` of the same
 * flavour as the reference's hook, every layer here equals the reference's to the bit (tested).
 * The WebAssembly GEMM sums each element in ascending k whatever the shape (netlib's order), so
 * its plain SIMD build equals gemmReference (dlib's bits) too, and the batching below changes no
 * bit; the relaxed build may fuse multiply-adds.
 *
 * ## Batching
 *
 * Convolutions whose output has more than `splitPixels` pixels per channel (default 17*17 = 289:
 * the 72x72 and 35x35 stages of the face ResNet), and everything before them, run one image at a
 * time: their im2col matrices and products stay small (in cache), and their intermediate tensors
 * are sized for one image. The later stages run on the whole batch at once (one GEMM per
 * convolution with N = images x pixels), where batch-1 products would be too skinny for the GEMM,
 * in groups of images whose im2col matrix fits in `colsBytes` (2 MiB).
 *
 * ## Speed (bench/forward-wasm.ts; one core, process CPU time, Node 20, x64)
 *
 * ms per face: relaxed SIMD 15.2 at batch 1, 13.1 at batch 16 (41 GFLOP/s); plain SIMD 18.2 and
 * 16.1. Of the 13.1: GEMM 12.0, im2col 1.2, epilogues 0.26, pooling 0.23, the rest 0.3.
 *
 * ## Layout of this file
 *
 * The plan (ops, fusions, the per-image split, the arena layout) is plain TypeScript in
 * forward-wasm-layout.ts; here are the kernels' loading, one function per kind of op calling
 * its kernels ({@link runConv} and the others below), and the runner {@link createWasmForward}.
 */
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { loadKernels, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour, WasmKernels } from '../wasm/index.js';
import {
  groupCounter, layoutArena, perImageSplit, planOps, scratchFloats, sizeOf, type ConvOp, type Op,
} from './forward-wasm-layout.js';
import { GEMM_KERNELS, WasmGemm, type GemmExports } from './gemm-wasm.js';
import { everythingWindow } from './layers.js';
import { planShapes, type Dims, type NetPlan } from './net.js';
import { tensor, type Tensor } from './tensor.js';

/** The kernels of assembly/conv.ts. */
interface ConvExports {
  im2col_f32(dst: number, ldd: number, src: number, ch: number, h: number, w: number,
    kh: number, kw: number, sy: number, sx: number, py: number, px: number, oh: number, ow: number): void;
  conv_epilogue_f32(out: number, c: number, m: number, pix: number, n: number, ldc: number,
    bias: number, gamma: number, beta: number, res: number, flags: number): void;
  affine_conv_f32(out: number, x: number, n: number, k: number, pix: number, gamma: number, beta: number): void;
  affine_fc_f32(out: number, x: number, n: number, m: number, gamma: number, beta: number): void;
  relu_f32(out: number, x: number, len: number): void;
  add_bias_rows_f32(out: number, n: number, m: number, bias: number): void;
  add_prev_f32(out: number, on: number, ok: number, or: number, oc: number,
    a: number, an: number, ak: number, ar: number, ac: number,
    b: number, bn: number, bk: number, br: number, bc: number, relu: number): void;
  pool_f32(out: number, x: number, planes: number, h: number, w: number, kh: number, kw: number,
    sy: number, sx: number, py: number, px: number, oh: number, ow: number, isMax: number): void;
  input_rgb_f32(dst: number, src: number, npix: number, mr: number, mg: number, mb: number): void;
}

/** What the forward pass needs from the build: the convolution kernels and the GEMM. */
export const CONV_KERNELS: KernelNeeds<ConvExports & GemmExports> = {
  what: 'the convolution kernels',
  names: ['im2col_f32', 'conv_epilogue_f32', 'affine_conv_f32', 'affine_fc_f32', 'relu_f32', 'add_bias_rows_f32', 'add_prev_f32',
    'pool_f32', 'input_rgb_f32', ...GEMM_KERNELS.names],
};

export interface WasmForwardOptions {
  /** Most images per call of `forward` (larger inputs run in chunks of this size). Default 16. */
  maxBatch?: number;
  /** The kernel build (default: the best the engine runs; 'relaxed' needs relaxed SIMD). */
  flavour?: WasmFlavour;
  /**
   * Steps up to the first convolution whose output plane has at most this many pixels run one
   * image at a time; the rest (and always fc_ layers) on the whole batch. Default 289 (17x17).
   * Infinity: all batched; 0: all per image (up to the first fc_).
   */
  splitPixels?: number;
  /**
   * Batched convolutions run on groups of images whose im2col matrix fits in this many bytes
   * (at least one image; at least 32 output pixels per GEMM where the batch has them). Default
   * 2 MiB (the matrices stay in cache between im2col and the GEMM's packing; measured 0.1-0.5
   * ms/face faster than whole-batch GEMMs at batch 16). Infinity: the whole batch in one GEMM.
   */
  colsBytes?: number;
  /** Fuse conv + affine + add_prev + relu chains (default true; false runs every step alone). */
  fuse?: boolean;
  /**
   * Keep every step's output in its own buffer (no buffer reuse), for {@link WasmForward.outputs}.
   * Default false.
   */
  keepOutputs?: boolean;
  /** Accumulate process CPU time per kernel kind in {@link WasmForward.profile}. Default false. */
  profile?: boolean;
}

/** CPU milliseconds per kernel kind, summed over calls since the last reset. */
export interface WasmForwardProfile {
  input: number;
  im2col: number;
  gemm: number;
  epilogue: number;
  pool: number;
  /** Stand-alone affine_, relu_, add_prev_, fc_ bias. */
  other: number;
  /** Images run. */
  images: number;
}

export interface WasmForward {
  /** The network's output for each chip (the 128-D descriptors of the face ResNet). */
  forward(chips: readonly RgbImage[]): Float32Array[];
  /**
   * Runs one batch (at most maxBatch chips) and returns the output of every node the pass
   * materialises, by node index (fused intermediates and the loss node undefined). Only
   * complete with `keepOutputs` (otherwise buffers are reused and earlier outputs overwritten).
   */
  outputs(chips: readonly RgbImage[]): (Tensor | undefined)[];
  /** Frees the kernel instance (its memory is garbage-collected); later calls throw. */
  release(): void;
  /** The kernels' flavour. */
  readonly flavour: WasmFlavour;
  /** Bytes of WebAssembly memory now (weights, arena, scratch; fixed at creation); 0 after release. */
  readonly memoryBytes: number;
  /** Nodes whose steps run one image at a time. */
  readonly perImageNodes: ReadonlySet<number>;
  /** Per-kind CPU times (with `profile`); `resetProfile` zeroes them. */
  readonly profile: WasmForwardProfile;
  resetProfile(): void;
}

const asTensor = (d: Dims): Tensor => ({ n: 1, k: d[0], nr: d[1], nc: d[2], data: new Float32Array(0) });

/** Process CPU time per kernel kind into a {@link WasmForwardProfile} (a no-op when disabled). */
class KernelTimer {
  private c0 = { user: 0, system: 0 };
  constructor(readonly profile: WasmForwardProfile, private readonly enabled: boolean) {}
  tick(): void {
    if (this.enabled) this.c0 = process.cpuUsage();
  }
  tock(kind: Exclude<keyof WasmForwardProfile, 'images'>): void {
    if (!this.enabled) return;
    const c = process.cpuUsage(this.c0);
    this.profile[kind] += (c.user + c.system) / 1000;
  }
}

/** What the per-op functions need: the kernels, the shapes, where tensors and scratch live. */
interface OpContext {
  k: ConvExports;
  gemm: WasmGemm;
  dims: readonly (Dims | undefined)[];
  /** Byte offset of sample `s` of `node`'s tensor. */
  ptr(node: number, s: number): number;
  /** The kernels' memory now (views must be made after any growth). */
  heap(): ArrayBuffer;
  /** Byte offsets of the im2col buffer, the batched product and the chip bytes. */
  cols: number;
  prod: number;
  chipPtr: number;
  groupCount(o: ConvOp, n: number): number;
  timer: KernelTimer;
}

/** input_rgb_image(_sized): each chip's bytes copied in, then mean-subtracted floats (input_rgb_f32). */
function runInput(c: OpContext, op: Extract<Op, { kind: 'input' }>, out: number, s0: number, n: number, chips: readonly RgbImage[]): void {
  const d = c.dims[op.node]!;
  const npix = d[1] * d[2];
  for (let s = 0; s < n; s++) {
    const img = chips[s0 + s];
    if (img.width !== d[2] || img.height !== d[1]) {
      throw new RangeError(`inputRgbImageSized: the input layer takes ${d[2]}x${d[1]} images (width x height), got ${img.width}x${img.height}`);
    }
    if (img.data.length !== npix * 3) throw new RangeError(`inputRgbImage: image ${s0 + s} has ${img.data.length} bytes, expected ${npix * 3}`);
    c.timer.tick();
    new Uint8Array(c.heap(), c.chipPtr, npix * 3).set(img.data);
    c.k.input_rgb_f32(out + s * sizeOf(d) * 4, c.chipPtr, npix, op.means[0], op.means[1], op.means[2]);
    c.timer.tock('input');
  }
}

/**
 * con_ (and what it absorbed): per group of images, im2col (im2col_f32), one GEMM into the output
 * (one image) or the product buffer, then the epilogue (conv_epilogue_f32: bias, affine_,
 * residual, relu_; also the product's transpose into NCHW for groups of several images).
 */
function runConv(c: OpContext, op: ConvOp, out: number, s0: number, n: number): void {
  const { k, dims } = c;
  const d = dims[op.node]!;
  const xd = dims[op.src]!;
  const w = op.window;
  const pix = d[1] * d[2];
  const count = c.groupCount(op, n);
  const base = Math.floor(n / count);
  const extra = n - base * count; // the first `extra` groups take one more image
  for (let j = 0, g0 = 0; j < count; j++) {
    const g = base + (j < extra ? 1 : 0);
    const N = g * pix;
    const x = c.ptr(op.src, s0 + g0);
    const o = out + g0 * sizeOf(d) * 4;
    c.timer.tick();
    for (let s = 0; s < g; s++) {
      k.im2col_f32(c.cols + s * pix * 4, N, x + s * sizeOf(xd) * 4, xd[0], xd[1], xd[2],
        w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, d[1], d[2]);
    }
    c.timer.tock('im2col');
    c.timer.tick();
    const prod = g === 1 ? o : c.prod;
    c.gemm.gemm(op.m, N, op.kdim, op.a, c.cols, prod);
    c.timer.tock('gemm');
    c.timer.tick();
    if (op.flags !== 0 || prod !== o) {
      k.conv_epilogue_f32(o, prod, op.m, pix, g, N, op.bias, op.gamma, op.beta, op.res >= 0 ? c.ptr(op.res, s0 + g0) : 0, op.flags);
    }
    c.timer.tock('epilogue');
    g0 += g;
  }
}

/** affine_ on its own (affine_conv_f32 per channel, affine_fc_f32 per element). */
function runAffine(c: OpContext, op: Extract<Op, { kind: 'affine' }>, out: number, s0: number, n: number): void {
  const d = c.dims[op.node]!;
  const x = c.ptr(op.src, s0);
  c.timer.tick();
  if (op.fc) c.k.affine_fc_f32(out, x, n, sizeOf(d), op.gamma, op.beta);
  else c.k.affine_conv_f32(out, x, n, d[0], d[1] * d[2], op.gamma, op.beta);
  c.timer.tock('other');
}

/** relu_ on its own (relu_f32). */
function runRelu(c: OpContext, op: Extract<Op, { kind: 'relu' }>, out: number, s0: number, n: number): void {
  c.timer.tick();
  c.k.relu_f32(out, c.ptr(op.src, s0), n * sizeOf(c.dims[op.node]!));
  c.timer.tock('other');
}

/** max_pool_ / avg_pool_ (pool_f32), the whole plane for avg_pool_everything. */
function runPool(c: OpContext, op: Extract<Op, { kind: 'pool' }>, out: number, s0: number, n: number): void {
  const d = c.dims[op.node]!;
  const xd = c.dims[op.src]!;
  const w = op.everything ? everythingWindow(asTensor(xd)) : op.window;
  c.timer.tick();
  c.k.pool_f32(out, c.ptr(op.src, s0), n * xd[0], xd[1], xd[2], w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX,
    d[1], d[2], op.max ? 1 : 0);
  c.timer.tock('pool');
}

/** add_prev_ (and a relu_ it absorbed): add_prev_f32, dlib's zero-padded sum of two shapes. */
function runAdd(c: OpContext, op: Extract<Op, { kind: 'add' }>, out: number, s0: number, n: number): void {
  const d = c.dims[op.node]!;
  const ad = c.dims[op.a]!;
  const bd = c.dims[op.b]!;
  c.timer.tick();
  c.k.add_prev_f32(out, n, d[0], d[1], d[2], c.ptr(op.a, s0), n, ad[0], ad[1], ad[2], c.ptr(op.b, s0), n, bd[0], bd[1], bd[2], op.relu ? 1 : 0);
  c.timer.tock('other');
}

/** fc_: one GEMM over the batch, then the bias per row (add_bias_rows_f32). */
function runFc(c: OpContext, op: Extract<Op, { kind: 'fc' }>, out: number, s0: number, n: number): void {
  const xd = c.dims[op.src]!;
  c.timer.tick();
  c.gemm.gemm(n, op.outputs, sizeOf(xd), c.ptr(op.src, s0), op.w, out);
  c.timer.tock('gemm');
  if (op.bias !== 0) {
    c.timer.tick();
    c.k.add_bias_rows_f32(out, n, op.outputs, op.bias);
    c.timer.tock('other');
  }
}

/** Runs `op` on samples [s0, s0 + n) of the batch. */
function runOp(c: OpContext, op: Op, s0: number, n: number, chips: readonly RgbImage[]): void {
  const out = c.ptr(op.node, s0);
  switch (op.kind) {
    case 'input': return runInput(c, op, out, s0, n, chips);
    case 'conv': return runConv(c, op, out, s0, n);
    case 'affine': return runAffine(c, op, out, s0, n);
    case 'relu': return runRelu(c, op, out, s0, n);
    case 'pool': return runPool(c, op, out, s0, n);
    case 'add': return runAdd(c, op, out, s0, n);
    case 'fc': return runFc(c, op, out, s0, n);
  }
}

/**
 * Plans the WebAssembly forward pass of `plan` (weights copied into a private kernel instance's
 * memory, the arena and scratch laid out for `maxBatch` images) and returns its runner.
 * Requires: a plan with a sized input layer (input_rgb_image_sized), e.g. the face ResNet's.
 */
export function createWasmForward(plan: NetPlan, options: WasmForwardOptions = {}): WasmForward {
  const maxBatch = Math.max(1, Math.trunc(options.maxBatch ?? 16));
  const splitPixels = options.splitPixels ?? 17 * 17;
  const fuse = options.fuse ?? true;
  const keep = options.keepOutputs ?? false;
  const profiling = options.profile ?? false;
  const colsBytes = options.colsBytes ?? 2 << 20;

  const loaded = loadKernels(CONV_KERNELS, options.flavour);
  let kernels: WasmKernels | undefined = loaded.kernels;
  let k: ConvExports | undefined = loaded.exports;
  let gemm: WasmGemm | undefined = new WasmGemm(kernels);

  // ---- aliases (tags, skips, disabled affine layers) and per-sample shapes
  const steps = plan.steps;
  const input = steps.find((s) => s.op === 'input');
  if (input === undefined) throw new RangeError('createWasmForward: the plan has no input step');
  if (input.size === undefined) throw new RangeError('createWasmForward: the input layer must have a fixed size (input_rgb_image_sized)');
  const shapes = planShapes(plan);
  const { dims, root } = shapes;
  const inputDims = dims[input.node]!;
  const outputNode = root[plan.outputNode];

  // ---- weights in, ops out; which run per image; the arena and scratch
  const { ops, written } = planOps(plan, shapes, (a) => kernels!.putF32(a), fuse && !keep);
  const split = perImageSplit(ops, dims, maxBatch, splitPixels);
  const { offset, perImage, arenaFloats } = layoutArena(ops, split, dims, maxBatch, keep, outputNode);
  const groupCount = groupCounter(dims, colsBytes);
  const { colsFloats, prodFloats } = scratchFloats(ops, split, dims, maxBatch, groupCount);
  const chipBytes = inputDims[1] * inputDims[2] * 3;
  const arena = kernels.alloc(arenaFloats * 4);
  const cols = kernels.alloc(colsFloats * 4 + 64);
  const prod = kernels.alloc(prodFloats * 4 + 64);
  const chipPtr = kernels.alloc(chipBytes + 64);
  const heap = (): ArrayBuffer => kernels!.memory.buffer;

  const ptr = (node: number, s: number): number =>
    arena + 4 * (offset.get(node)! + (perImage.has(node) ? 0 : s * sizeOf(dims[node]!)));

  const profile: WasmForwardProfile = { input: 0, im2col: 0, gemm: 0, epilogue: 0, pool: 0, other: 0, images: 0 };
  const timer = new KernelTimer(profile, profiling);

  function live(): OpContext {
    if (k === undefined || gemm === undefined) throw new FacemetricError('createWasmForward: used after release()');
    return { k, gemm, dims, ptr, heap, cols, prod, chipPtr, groupCount, timer };
  }

  function run(chips: readonly RgbImage[]): void {
    const c = live();
    const n = chips.length;
    if (n === 0) return;
    if (n > maxBatch) throw new RangeError(`createWasmForward: ${n} chips in one batch, at most ${maxBatch}`);
    for (let s = 0; s < n; s++) for (let i = 0; i < split; i++) runOp(c, ops[i], s, 1, chips);
    for (let i = split; i < ops.length; i++) runOp(c, ops[i], 0, n, chips);
    profile.images += n;
  }

  const outDims = dims[outputNode]!;
  // nodes whose value is some written node's (fused intermediates are not readable)
  const readable = new Map<number, number>();
  for (const s of steps) {
    const c = root[s.node];
    if (written.has(c)) readable.set(s.node, c);
  }

  return {
    forward(chips) {
      const result: Float32Array[] = [];
      const m = sizeOf(outDims);
      for (let i = 0; i < chips.length; i += maxBatch) {
        const batch = chips.slice(i, i + maxBatch);
        run(batch);
        const view = new Float32Array(heap(), ptr(outputNode, 0), batch.length * m);
        for (let s = 0; s < batch.length; s++) result.push(view.slice(s * m, (s + 1) * m));
      }
      return result;
    },
    outputs(chips) {
      run(chips);
      const n = chips.length;
      const result: (Tensor | undefined)[] = new Array(plan.nodeCount).fill(undefined);
      for (const [node, c] of readable) {
        const d = dims[c]!;
        if (perImage.has(c) && n > 1) continue; // holds only the last image
        result[node] = tensor(n, d[0], d[1], d[2], new Float32Array(heap(), ptr(c, 0), n * sizeOf(d)).slice());
      }
      return result;
    },
    release() {
      kernels = undefined;
      k = undefined;
      gemm = undefined;
    },
    flavour: gemm.flavour,
    get memoryBytes() {
      return kernels?.memory.buffer.byteLength ?? 0;
    },
    perImageNodes: perImage,
    profile,
    resetProfile() {
      profile.input = profile.im2col = profile.gemm = profile.epilogue = profile.pool = profile.other = 0;
      profile.images = 0;
    },
  };
}
