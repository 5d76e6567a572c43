/**
 * The plan of the WebAssembly forward pass (forward-wasm.ts), in plain TypeScript: the plan's
 * steps turned into the operations the kernels run (with conv + affine_ + add_prev_ + relu_
 * chains fused into one op), which of them run one image at a time, and where every tensor lives
 * in the one arena of WebAssembly memory (a float offset per written node, buffers reused once
 * dead: first fit over a free list, neighbours merged), and the im2col / product scratch sizes.
 *
 * net.ts lays out the reference pass's arena differently (slots per node, relu_ / affine_ /
 * add_prev_ run in place, every tensor sized for the whole batch); this layout has no in-place
 * steps (fused ops write their top node), per-image tensors sized for one image, and tensors
 * living across the per-image / batched boundary, so the two share planShapes and the Dims
 * type, not the allocator.
 */
import type { Window2d } from './layers.js';
import type { Dims, NetPlan, PlanShapes, PlanStep } from './net.js';

/** conv_epilogue_f32's flags (assembly/conv.ts). */
export const EPI_BIAS = 1;
export const EPI_AFFINE = 2;
export const EPI_RESIDUAL = 4;
export const EPI_RELU = 8;

/**
 * One executable operation; `node` is the node whose output it writes. Weights (a, bias, gamma,
 * beta, w) are byte offsets in the kernels' memory, 0 where absent; `res` a node, -1 if none.
 */
export type Op =
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

export type ConvOp = Extract<Op, { kind: 'conv' }>;

export const sizeOf = (d: Dims): number => d[0] * d[1] * d[2];

/** Reads of an op (node indices after alias resolution). */
export function opInputs(op: Op): number[] {
  switch (op.kind) {
    case 'input': return [];
    case 'conv': return op.res >= 0 ? [op.src, op.res] : [op.src];
    case 'add': return [op.a, op.b];
    default: return [op.src];
  }
}

/**
 * The ops of `plan` in step order, each step's weights copied in with `put` (returns their byte
 * offset). With `fuse`, a convolution absorbs the chain of sole consumers above it — affine_
 * (CONV mode), then an add_prev_ whose other operand is already computed and of the same shape,
 * then relu_ — and an add_prev_ its sole relu_ consumer; the op then writes the chain's top node.
 * Tags and skips are aliases (no op). Ensures: `written` holds every node an op writes.
 */
export function planOps(plan: NetPlan, shapes: PlanShapes, put: (a: Float32Array) => number, fuse: boolean): { ops: Op[]; written: Set<number> } {
  const { dims, root } = shapes;
  const steps = plan.steps;
  const canon = (node: number): number => root[node];
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
    return fuse && list !== undefined && list.length === 1 && node !== outputNode ? list[0] : undefined;
  };

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
        const conv: ConvOp = {
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
      case 'bn_con':
        throw new RangeError(`dnn: node ${s.node} is bn_con (a training network): the WebAssembly forward pass runs inference networks; convert it to affine_ layers first`);
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
  return { ops, written: new Set(ops.map((o) => o.node)) };
}

/**
 * The index of the first op that runs on the whole batch (the ones before it run one image at a
 * time): the first convolution whose output plane has at most `splitPixels` pixels, or an
 * earlier fc_; every op when maxBatch is 1.
 */
export function perImageSplit(ops: readonly Op[], dims: readonly (Dims | undefined)[], maxBatch: number, splitPixels: number): number {
  let split = ops.length;
  if (maxBatch > 1) {
    split = ops.findIndex((o) => o.kind === 'conv' && sizeOf([1, dims[o.node]![1], dims[o.node]![2]]) <= splitPixels);
    if (split < 0) split = ops.length;
    // an fc or anything reading more than one sample must be batched: only conv/pool/elementwise
    // ops precede the split in the face ResNet; keep the rule general by stopping at an fc.
    const fcAt = ops.findIndex((o) => o.kind === 'fc');
    if (fcAt >= 0 && fcAt < split) split = fcAt;
  }
  return split;
}

/** Where the ops' outputs live in the arena. */
export interface ArenaLayout {
  /** Node -> float offset in the arena. */
  offset: Map<number, number>;
  /** Nodes sized for one image (written and read only before the split). */
  perImage: Set<number>;
  /** Floats of the whole arena. */
  arenaFloats: number;
}

/**
 * The arena: a buffer per written node (one image's worth for per-image nodes, else maxBatch
 * images'), reused once dead (first fit, 16-byte aligned with one spare vector); with `keep`,
 * never reused. Tensors written during the per-image phase and read after it hold every image's
 * sample: they live from the start (space a per-image buffer frees is rewritten for the next
 * image).
 */
export function layoutArena(ops: readonly Op[], split: number, dims: readonly (Dims | undefined)[], maxBatch: number, keep: boolean,
  outputNode: number): ArenaLayout {
  const producedAt = new Map<number, number>();
  ops.forEach((o, i) => producedAt.set(o.node, i));
  const lastUse = new Map<number, number>();
  ops.forEach((o, i) => { for (const n of opInputs(o)) lastUse.set(n, i); });
  const perImage = new Set<number>();
  for (const o of ops) {
    const i = producedAt.get(o.node)!;
    if (!keep && i < split && (lastUse.get(o.node) ?? i) < split && o.node !== outputNode) perImage.add(o.node);
  }
  const floats = new Map<number, number>(); // node -> buffer size in floats
  for (const o of ops) floats.set(o.node, sizeOf(dims[o.node]!) * (perImage.has(o.node) ? 1 : maxBatch));

  const offset = new Map<number, number>();
  let arenaFloats = 0;
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
  ops.forEach((o, i) => {
    if (i < split && !perImage.has(o.node)) offset.set(o.node, take(floats.get(o.node)!));
  });
  ops.forEach((o, i) => {
    if (!offset.has(o.node)) offset.set(o.node, take(floats.get(o.node)!));
    if (keep) return;
    for (const n of new Set(opInputs(o))) if (lastUse.get(n) === i && n !== outputNode) give(n);
  });
  return { offset, perImage, arenaFloats };
}

/**
 * How many groups a batched convolution splits n images into: groups whose im2col matrix fits
 * in `colsBytes` (at least one image), each of at least ceil(32 / pixels) images (the whole
 * batch if it has fewer): the GEMM then takes its panel path (N >= 32) exactly when a
 * whole-batch GEMM would, and sums each element in the same order whatever N, so the grouping
 * changes no bit. n images go in groupCount(o, n) groups of balanced sizes (floor or ceil of
 * n / count).
 */
export function groupCounter(dims: readonly (Dims | undefined)[], colsBytes: number): (o: ConvOp, n: number) => number {
  return (o, n) => {
    const d = dims[o.node]!;
    const pix = d[1] * d[2];
    const fit = Math.max(1, Math.floor(colsBytes / (4 * o.kdim * pix)));
    const least = Math.ceil(32 / pix); // images for N >= 32
    // at most n / least groups, so that every group has at least `least` images
    return Math.max(1, Math.min(Math.ceil(n / fit), Math.floor(n / least)));
  };
}

/** Floats of the im2col buffer and of the batched product the ops need (largest group of any conv). */
export function scratchFloats(ops: readonly Op[], split: number, dims: readonly (Dims | undefined)[], maxBatch: number,
  groupCount: (o: ConvOp, n: number) => number): { colsFloats: number; prodFloats: number } {
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
  return { colsFloats, prodFloats };
}
