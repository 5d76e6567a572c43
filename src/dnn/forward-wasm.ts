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
 * flavour as the reference's hook, every layer here equals the reference's to the bit (tested),
 * as long as each convolution's GEMM has N >= 32 in both or N < 32 in both (the WebAssembly GEMM
 * sums a product's terms in the same order for any N >= 32; N < 32 takes its dot-product path).
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
 */
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { loadKernels, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour, WasmKernels } from '../wasm/index.js';
import { GEMM_KERNELS, WasmGemm, type GemmExports } from './gemm-wasm.js';
import { everythingWindow, type Window2d } from './layers.js';
import { planShapes, type Dims, type NetPlan, type PlanStep } from './net.js';
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

/** conv_epilogue_f32's flags (assembly/conv.ts). */
const EPI_BIAS = 1;
const EPI_AFFINE = 2;
const EPI_RESIDUAL = 4;
const EPI_RELU = 8;

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

/** One executable operation; `node` is the node whose output it writes. */
type Op =
  | { kind: 'input'; node: number; means: [number, number, number] }
  | {
    kind: 'conv'; node: number; src: number; a: number; bias: number; gamma: number; beta: number;
    res: number; flags: number; m: number; kdim: number; window: Window2d;
  }
  | { kind: 'affine'; node: number; src: number; gamma: number; beta: number; fc: boolean }
  | { kind: 'relu'; node: number; src: number }
  | { kind: 'pool'; node: number; src: number; window: Window2d; everything: boolean; max: boolean }
  | { kind: 'add'; node: number; a: number; b: number; relu: boolean }
  | { kind: 'fc'; node: number; src: number; w: number; bias: number; outputs: number };

const sizeOf = (d: Dims): number => d[0] * d[1] * d[2];
const asTensor = (d: Dims): Tensor => ({ n: 1, k: d[0], nr: d[1], nc: d[2], data: new Float32Array(0) });

/** Reads of an op (node indices after alias resolution). */
function opInputs(op: Op): number[] {
  switch (op.kind) {
    case 'input': return [];
    case 'conv': return op.res >= 0 ? [op.src, op.res] : [op.src];
    case 'add': return [op.a, op.b];
    default: return [op.src];
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
  const { dims, root } = planShapes(plan);
  const canon = (node: number): number => root[node];
  const inputDims = dims[input.node]!;
  const outputNode = canon(plan.outputNode);

  // consumers of each (canonical) node, by step
  const consumers = new Map<number, PlanStep[]>();
  const addUse = (node: number, s: PlanStep): void => {
    const c = canon(node);
    const list = consumers.get(c) ?? [];
    list.push(s);
    consumers.set(c, list);
  };
  for (const s of steps) {
    if (s.op === 'input' || s.op === 'identity') continue;
    addUse(s.src, s);
    if (s.op === 'add_prev') addUse(s.tagged, s);
  }
  const soleConsumer = (node: number): PlanStep | undefined => {
    const list = consumers.get(node);
    return fuse && list !== undefined && list.length === 1 && node !== outputNode && !keep ? list[0] : undefined;
  };

  // ---- weights in, ops out
  const put = (a: Float32Array): number => kernels!.putF32(a);
  const ops: Op[] = [];
  const fused = new Set<number>(); // steps (by node) absorbed into an earlier op
  const producedAt = new Map<number, number>(); // node -> index of the op that writes it
  for (const s of steps) {
    if (s.op === 'identity' || fused.has(s.node)) continue;
    let op: Op;
    switch (s.op) {
      case 'input':
        op = { kind: 'input', node: s.node, means: [s.means.red, s.means.green, s.means.blue] };
        break;
      case 'conv': {
        const src = canon(s.src);
        const kdim = dims[src]![0] * s.window.nr * s.window.nc;
        const conv: Extract<Op, { kind: 'conv' }> = {
          kind: 'conv', node: s.node, src, a: put(s.filters), bias: 0, gamma: 0, beta: 0, res: -1, flags: 0,
          m: s.numFilters, kdim, window: s.window,
        };
        if (s.biases !== undefined) {
          conv.bias = put(s.biases);
          conv.flags |= EPI_BIAS;
        }
        const convDims = dims[s.node]!;
        let top = s.node;
        let next = soleConsumer(top);
        if (next?.op === 'affine' && next.mode === 'conv') {
          conv.gamma = put(next.gamma);
          conv.beta = put(next.beta);
          conv.flags |= EPI_AFFINE;
          fused.add(next.node);
          top = next.node;
          next = soleConsumer(top);
        }
        if (next?.op === 'add_prev') {
          const other = canon(next.src) === top ? canon(next.tagged) : canon(next.src);
          const od = dims[other]!;
          const outD = dims[next.node]!;
          const sameAsConv = outD[0] === convDims[0] && outD[1] === convDims[1] && outD[2] === convDims[2];
          const otherSame = od[0] === convDims[0] && od[1] === convDims[1] && od[2] === convDims[2];
          if (sameAsConv && otherSame && producedAt.has(other) && canon(next.src) !== canon(next.tagged)) {
            conv.res = other;
            conv.flags |= EPI_RESIDUAL;
            fused.add(next.node);
            top = next.node;
            next = soleConsumer(top);
          }
        }
        if (next?.op === 'relu') {
          conv.flags |= EPI_RELU;
          fused.add(next.node);
          top = next.node;
        }
        conv.node = top;
        op = conv;
        break;
      }
      case 'affine':
        op = { kind: 'affine', node: s.node, src: canon(s.src), gamma: put(s.gamma), beta: put(s.beta), fc: s.mode === 'fc' };
        break;
      case 'relu':
        op = { kind: 'relu', node: s.node, src: canon(s.src) };
        break;
      case 'max_pool':
      case 'avg_pool':
        op = { kind: 'pool', node: s.node, src: canon(s.src), window: s.window, everything: s.everything, max: s.op === 'max_pool' };
        break;
      case 'add_prev': {
        const add: Extract<Op, { kind: 'add' }> = { kind: 'add', node: s.node, a: canon(s.src), b: canon(s.tagged), relu: false };
        const next = soleConsumer(s.node);
        if (next?.op === 'relu') {
          add.relu = true;
          fused.add(next.node);
          add.node = next.node;
        }
        op = add;
        break;
      }
      case 'fc':
        op = { kind: 'fc', node: s.node, src: canon(s.src), w: put(s.weights), bias: s.biases === undefined ? 0 : put(s.biases), outputs: s.numOutputs };
        break;
    }
    producedAt.set(op.node, ops.length);
    ops.push(op);
  }
  // fused chains write the top node: the intermediate nodes alias it for outputs()
  const written = new Set(ops.map((o) => o.node));

  // ---- which ops run per image
  let split = ops.length;
  if (maxBatch > 1) {
    split = ops.findIndex((o) => o.kind === 'conv' && sizeOf([1, dims[o.node]![1], dims[o.node]![2]]) <= splitPixels);
    if (split < 0) split = ops.length;
    // an fc or anything reading more than one sample must be batched: only conv/pool/elementwise
    // ops precede the split in the face ResNet; keep the rule general by stopping at an fc.
    const fcAt = ops.findIndex((o) => o.kind === 'fc');
    if (fcAt >= 0 && fcAt < split) split = fcAt;
  }

  // ---- arena: a buffer per written node, reused once dead (linear scan, first fit)
  const lastUse = new Map<number, number>();
  ops.forEach((o, i) => { for (const n of opInputs(o)) lastUse.set(n, i); });
  const perImage = new Set<number>();
  for (const o of ops) {
    const i = producedAt.get(o.node)!;
    if (!keep && i < split && (lastUse.get(o.node) ?? i) < split && o.node !== outputNode) perImage.add(o.node);
  }
  const floats = new Map<number, number>(); // node -> buffer size in floats
  for (const o of ops) floats.set(o.node, sizeOf(dims[o.node]!) * (perImage.has(o.node) ? 1 : maxBatch));

  const offset = new Map<number, number>(); // node -> float offset in the arena
  let arenaFloats = 0;
  {
    const free: [start: number, size: number][] = [];
    const take = (size: number): number => {
      const size4 = Math.ceil(size / 4) * 4 + 4; // 16-byte aligned, one spare vector
      const at = free.findIndex(([, sz]) => sz >= size4);
      if (at >= 0) {
        const [start, sz] = free[at];
        if (sz === size4) free.splice(at, 1);
        else free[at] = [start + size4, sz - size4];
        return start;
      }
      const start = arenaFloats;
      arenaFloats += size4;
      return start;
    };
    const give = (node: number): void => {
      const size4 = Math.ceil(floats.get(node)! / 4) * 4 + 4;
      free.push([offset.get(node)!, size4]);
      free.sort((x, y) => x[0] - y[0]);
      // merge neighbours
      for (let j = free.length - 1; j > 0; j--) {
        if (free[j - 1][0] + free[j - 1][1] === free[j][0]) {
          free[j - 1][1] += free[j][1];
          free.splice(j, 1);
        }
      }
    };
    // Tensors written during the per-image phase and read after it hold every image's sample:
    // they live from the start (space a per-image buffer frees is rewritten for the next image).
    ops.forEach((o, i) => {
      if (i < split && !perImage.has(o.node)) offset.set(o.node, take(floats.get(o.node)!));
    });
    ops.forEach((o, i) => {
      if (!offset.has(o.node)) offset.set(o.node, take(floats.get(o.node)!));
      if (keep) return;
      for (const n of new Set(opInputs(o))) if (lastUse.get(n) === i && n !== outputNode) give(n);
    });
  }

  // ---- scratch: im2col, the batched product, the chip bytes
  // A batched convolution runs on groups of images whose im2col matrix fits in colsBytes (at
  // least one image), each group of at least ceil(32 / pixels) images (the whole batch if it has
  // fewer): the GEMM then takes its panel path (N >= 32) exactly when a whole-batch GEMM would,
  // and sums each element in the same order whatever N, so the grouping changes no bit.
  // n images go in groupCount(o, n) groups of balanced sizes (floor or ceil of n / count).
  const groupCount = (o: Extract<Op, { kind: 'conv' }>, n: number): number => {
    const d = dims[o.node]!;
    const pix = d[1] * d[2];
    const fit = Math.max(1, Math.floor(colsBytes / (4 * o.kdim * pix)));
    const least = Math.ceil(32 / pix); // images for N >= 32
    // at most n / least groups, so that every group has at least `least` images
    return Math.max(1, Math.min(Math.ceil(n / fit), Math.floor(n / least)));
  };
  let colsFloats = 0;
  let prodFloats = 0;
  ops.forEach((o, i) => {
    if (o.kind !== 'conv') return;
    const d = dims[o.node]!;
    let g = 1;
    if (i >= split) for (let n = 1; n <= maxBatch; n++) g = Math.max(g, Math.ceil(n / groupCount(o, n)));
    colsFloats = Math.max(colsFloats, o.kdim * d[1] * d[2] * g);
    if (g > 1) prodFloats = Math.max(prodFloats, o.m * d[1] * d[2] * g);
  });
  const chipBytes = inputDims[1] * inputDims[2] * 3;
  const arena = kernels.alloc(arenaFloats * 4);
  const cols = kernels.alloc(colsFloats * 4 + 64);
  const prod = kernels.alloc(prodFloats * 4 + 64);
  const chipPtr = kernels.alloc(chipBytes + 64);
  const heap = (): ArrayBuffer => kernels!.memory.buffer;

  const ptr = (node: number, s: number): number =>
    arena + 4 * (offset.get(node)! + (perImage.has(node) ? 0 : s * sizeOf(dims[node]!)));

  const profile: WasmForwardProfile = { input: 0, im2col: 0, gemm: 0, epilogue: 0, pool: 0, other: 0, images: 0 };
  let c0 = { user: 0, system: 0 };
  const tick = (): void => {
    if (profiling) c0 = process.cpuUsage();
  };
  const tock = (kind: Exclude<keyof WasmForwardProfile, 'images'>): void => {
    if (!profiling) return;
    const c = process.cpuUsage(c0);
    profile[kind] += (c.user + c.system) / 1000;
  };

  /** Runs op on samples [s0, s0 + n) of the batch. */
  function exec(op: Op, s0: number, n: number, chips: readonly RgbImage[]): void {
    const { k, gemm } = live();
    const d = dims[op.node]!;
    const out = ptr(op.node, s0);
    switch (op.kind) {
      case 'input': {
        const npix = d[1] * d[2];
        for (let s = 0; s < n; s++) {
          const img = chips[s0 + s];
          if (img.width !== d[2] || img.height !== d[1]) {
            throw new RangeError(`inputRgbImageSized: the input layer takes ${d[2]}x${d[1]} images (width x height), got ${img.width}x${img.height}`);
          }
          if (img.data.length !== npix * 3) throw new RangeError(`inputRgbImage: image ${s0 + s} has ${img.data.length} bytes, expected ${npix * 3}`);
          tick();
          new Uint8Array(heap(), chipPtr, npix * 3).set(img.data);
          k.input_rgb_f32(out + s * sizeOf(d) * 4, chipPtr, npix, op.means[0], op.means[1], op.means[2]);
          tock('input');
        }
        break;
      }
      case 'conv': {
        const xd = dims[op.src]!;
        const w = op.window;
        const pix = d[1] * d[2];
        const count = groupCount(op, n);
        const base = Math.floor(n / count);
        const extra = n - base * count; // the first `extra` groups take one more image
        for (let j = 0, g0 = 0; j < count; j++) {
          const g = base + (j < extra ? 1 : 0);
          const N = g * pix;
          const x = ptr(op.src, s0 + g0);
          const o = out + g0 * sizeOf(d) * 4;
          tick();
          for (let s = 0; s < g; s++) {
            k.im2col_f32(cols + s * pix * 4, N, x + s * sizeOf(xd) * 4, xd[0], xd[1], xd[2],
              w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, d[1], d[2]);
          }
          tock('im2col');
          tick();
          const c = g === 1 ? o : prod;
          gemm.gemm(op.m, N, op.kdim, op.a, cols, c);
          tock('gemm');
          tick();
          if (op.flags !== 0 || c !== o) {
            k.conv_epilogue_f32(o, c, op.m, pix, g, N, op.bias, op.gamma, op.beta, op.res >= 0 ? ptr(op.res, s0 + g0) : 0, op.flags);
          }
          tock('epilogue');
          g0 += g;
        }
        break;
      }
      case 'affine': {
        const x = ptr(op.src, s0);
        tick();
        if (op.fc) k.affine_fc_f32(out, x, n, sizeOf(d), op.gamma, op.beta);
        else k.affine_conv_f32(out, x, n, d[0], d[1] * d[2], op.gamma, op.beta);
        tock('other');
        break;
      }
      case 'relu':
        tick();
        k.relu_f32(out, ptr(op.src, s0), n * sizeOf(d));
        tock('other');
        break;
      case 'pool': {
        const xd = dims[op.src]!;
        const w = op.everything ? everythingWindow(asTensor(xd)) : op.window;
        tick();
        k.pool_f32(out, ptr(op.src, s0), n * xd[0], xd[1], xd[2], w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX,
          d[1], d[2], op.max ? 1 : 0);
        tock('pool');
        break;
      }
      case 'add': {
        const ad = dims[op.a]!;
        const bd = dims[op.b]!;
        tick();
        k.add_prev_f32(out, n, d[0], d[1], d[2], ptr(op.a, s0), n, ad[0], ad[1], ad[2], ptr(op.b, s0), n, bd[0], bd[1], bd[2], op.relu ? 1 : 0);
        tock('other');
        break;
      }
      case 'fc': {
        const xd = dims[op.src]!;
        tick();
        gemm.gemm(n, op.outputs, sizeOf(xd), ptr(op.src, s0), op.w, out);
        tock('gemm');
        if (op.bias !== 0) {
          tick();
          k.add_bias_rows_f32(out, n, op.outputs, op.bias);
          tock('other');
        }
        break;
      }
    }
  }

  function live(): { k: ConvExports; gemm: WasmGemm } {
    if (k === undefined || gemm === undefined) throw new FacemetricError('createWasmForward: used after release()');
    return { k, gemm };
  }

  function run(chips: readonly RgbImage[]): void {
    live();
    const n = chips.length;
    if (n === 0) return;
    if (n > maxBatch) throw new RangeError(`createWasmForward: ${n} chips in one batch, at most ${maxBatch}`);
    for (let s = 0; s < n; s++) for (let i = 0; i < split; i++) exec(ops[i], s, 1, chips);
    for (let i = split; i < ops.length; i++) exec(ops[i], 0, n, chips);
    profile.images += n;
  }

  const outDims = dims[outputNode]!;
  // nodes whose value is some written node's (fused intermediates are not readable)
  const readable = new Map<number, number>();
  for (const s of steps) {
    const c = canon(s.node);
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
