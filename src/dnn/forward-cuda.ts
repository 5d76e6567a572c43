/**
 * The face ResNet on the CUDA backend (src/cuda/, native/cuda/): a planned network turned into
 * the library's program — the WebAssembly pass's fused ops (forward-wasm-layout.ts planOps: conv
 * + affine_ + add_prev_ + relu_ chains as one convolution with an epilogue) and its arena layout
 * (layoutArena, every tensor sized for one chip: the library scales each offset by the batch
 * capacity) — plus one float32 blob of the weights; then batches of chips through it.
 *
 * The program format is native/cuda/facemetric_cuda.h's: a header of 8 ints, then 24 ints per
 * op. Weight offsets are float offsets in the blob (-1 where absent), tensor offsets per-chip
 * float offsets in the arena.
 *
 * Numerics: every op as layers.ts does it, except the convolutions' summation order (tiles of 16
 * taps on the GPU, with fused multiply-adds) and the fc_ layer's: descriptors differ from the
 * WebAssembly path's in the last bits (measured: test/dnn/forward-cuda.test.ts, README).
 */
import { FacemetricError } from '../errors.js';
import type { RgbImage } from '../image/pixels.js';
import { loadCuda, type CudaNetHandle, type CudaRuntime } from '../cuda/index.js';
import { layoutArena, planOps, type Op } from './forward-wasm-layout.js';
import { planShapes, type Dims, type NetPlan } from './net.js';

/** native/cuda/facemetric_cuda.h's constants. */
const MAGIC = 0x31434d46;
const HEADER_INTS = 8;
const OP_INTS = 24;
const KIND = { input: 0, conv: 1, affine: 2, relu: 3, pool: 4, add: 5, fc: 6 } as const;
const F_FC = 16;
const F_MAX = 32;
const F_RELU = 8;

/** A network as the CUDA library runs it. */
export interface CudaProgram {
  program: Int32Array;
  weights: Float32Array;
  /** Chip rows and columns. */
  rows: number;
  cols: number;
  /** Floats of the output per chip (128). */
  outputs: number;
}

/**
 * The program of a plan whose input layer has a fixed size (input_rgb_image_sized).
 * Requires: the plan runs without bn_con steps (an inference network).
 */
export function cudaProgram(plan: NetPlan): CudaProgram {
  const input = plan.steps.find((s) => s.op === 'input');
  if (input === undefined || input.op !== 'input' || input.size === undefined) {
    throw new RangeError('cudaProgram: the input layer must have a fixed size (input_rgb_image_sized)');
  }
  const shapes = planShapes(plan);
  const { dims, root } = shapes;
  const outputNode = root[plan.outputNode]!;

  // The weights: one blob; planOps wants byte offsets with 0 for "absent", so the blob starts
  // with 4 unused floats and offsets are converted back to floats below.
  const chunks: Float32Array[] = [new Float32Array(4)];
  let floats = 4;
  const put = (a: Float32Array): number => {
    chunks.push(a);
    floats += a.length;
    return 4 * (floats - a.length);
  };
  const { ops } = planOps(plan, shapes, put, true);
  const meansAt = ops.map((o) => (o.kind === 'input' ? put(Float32Array.from(o.means)) : 0));
  const layout = layoutArena(ops, 0, dims, 1, false, outputNode);
  const weights = new Float32Array(floats);
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }

  const program = new Int32Array(HEADER_INTS + OP_INTS * ops.length);
  const outDims = dims[outputNode]!;
  program.set([MAGIC, ops.length, layout.arenaFloats, layout.offset.get(outputNode)!, outDims[0] * outDims[1] * outDims[2],
    input.size.nr, input.size.nc, 0]);
  const w = (byteOffset: number): number => (byteOffset === 0 ? -1 : byteOffset / 4);
  const tensorAt = (node: number): number => {
    const o = layout.offset.get(node);
    if (o === undefined) throw new RangeError(`cudaProgram: node ${node} has no place in the arena`);
    return o;
  };
  ops.forEach((op, i) => {
    const r = program.subarray(HEADER_INTS + OP_INTS * i, HEADER_INTS + OP_INTS * (i + 1));
    r.fill(-1);
    r[1] = tensorAt(op.node);
    const out: Dims = dims[op.node]!;
    r.set(out, 5);
    const src = srcOf(op);
    const inD: Dims = src === undefined ? [0, 0, 0] : dims[src]!;
    if (src !== undefined) r[2] = tensorAt(src);
    r.set(inD, 8);
    r.set([0, 0, 1, 1, 0, 0], 11);
    r[4] = 0;
    switch (op.kind) {
      case 'input':
        r[0] = KIND.input;
        r[17] = w(meansAt[i]!);
        break;
      case 'conv':
        r[0] = KIND.conv;
        r[4] = op.flags;
        if (op.res >= 0) r[3] = tensorAt(op.res);
        r.set([op.window.nr, op.window.nc, op.window.strideY, op.window.strideX, op.window.paddingY, op.window.paddingX], 11);
        r.set([w(op.a), w(op.bias), w(op.gamma), w(op.beta)], 17);
        break;
      case 'affine':
        r[0] = KIND.affine;
        r[4] = op.fc ? F_FC : 0;
        r[19] = w(op.gamma);
        r[20] = w(op.beta);
        break;
      case 'relu':
        r[0] = KIND.relu;
        break;
      case 'pool': {
        r[0] = KIND.pool;
        r[4] = op.max ? F_MAX : 0;
        const win = op.everything ? { nr: inD[1], nc: inD[2], strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 } : op.window;
        r.set([win.nr, win.nc, win.strideY, win.strideX, win.paddingY, win.paddingX], 11);
        break;
      }
      case 'add':
        r[0] = KIND.add;
        r[4] = op.relu ? F_RELU : 0;
        r[3] = tensorAt(op.b);
        r.set(dims[op.b]!, 21);
        break;
      case 'fc':
        r[0] = KIND.fc;
        r[17] = w(op.w);
        r[18] = w(op.bias);
        break;
    }
  });
  return { program, weights, rows: input.size.nr, cols: input.size.nc, outputs: outDims[0] * outDims[1] * outDims[2] };
}

function srcOf(op: Op): number | undefined {
  switch (op.kind) {
    case 'input': return undefined;
    case 'add': return op.a;
    default: return op.src;
  }
}

/** The network on the device for batches of up to `capacity` chips. */
export interface CudaForward {
  readonly capacity: number;
  /** The runtime's build ('cuda' or 'host') and device. */
  readonly build: string;
  readonly device: string;
  /** Device memory held (weights, activations, chips), in bytes. */
  readonly deviceBytes: number;
  /** Descriptors of chips.length <= capacity chips of the program's size. */
  forward(chips: readonly RgbImage[]): Float32Array[];
  /** For debugging: op `op`'s output on the chips (ops 0..op run), chip after chip. */
  opOutput(chips: readonly RgbImage[], op: number): Float32Array;
  /** Frees the device memory now (else when garbage collected). */
  release(): void;
}

/**
 * Uploads `program` for batches of up to `capacity` chips.
 * Throws CudaUnavailableError (no backend), CudaOutOfMemoryError, or CudaError.
 */
export function createCudaForward(program: CudaProgram, capacity: number, runtime: CudaRuntime = loadCuda()): CudaForward {
  let net: CudaNetHandle | undefined = runtime.createNet(program.program, program.weights, capacity);
  const bytes = runtime.deviceBytes(net);
  const chipBytes = program.rows * program.cols * 3;
  const live = (): CudaNetHandle => {
    if (net === undefined) throw new FacemetricError('the CUDA engine was released');
    return net;
  };
  const pack = (chips: readonly RgbImage[]): Uint8Array => {
    const packed = new Uint8Array(chips.length * chipBytes);
    chips.forEach((c, i) => {
      if (c.width !== program.cols || c.height !== program.rows || c.data.length !== chipBytes) {
        throw new RangeError(`CUDA backend: chip ${i} is ${c.width}x${c.height} with ${c.data.length} bytes; the network takes ${program.cols}x${program.rows} RGB chips`);
      }
      packed.set(c.data, i * chipBytes);
    });
    return packed;
  };
  return {
    capacity, build: runtime.build, device: runtime.device, deviceBytes: bytes,
    forward(chips) {
      const n = chips.length;
      if (n === 0) return [];
      const out = new Float32Array(n * program.outputs);
      runtime.forward(live(), pack(chips), n, out);
      return Array.from({ length: n }, (_, i) => out.slice(i * program.outputs, (i + 1) * program.outputs));
    },
    opOutput(chips, op) {
      const r = HEADER_INTS + OP_INTS * op;
      const size = op >= 0 && op < program.program[1]! ? program.program[r + 5]! * program.program[r + 6]! * program.program[r + 7]! : 0;
      const out = new Float32Array(chips.length * size);
      runtime.opOutput(live(), pack(chips), chips.length, op, out);
      return out;
    },
    release() {
      if (net !== undefined) runtime.destroy(net);
      net = undefined;
    },
  };
}
