/**
 * An executable plan for a dlib dnn network parsed by `readDnnNet` (src/dlib/dnn.ts), and the
 * reference forward pass over it.
 *
 * ## From the layer list to a plan
 *
 * `DnnNet.nodes` is the network top-down, in dlib's `layer<i>(net)` order (node 0 is the loss
 * layer). dlib computes bottom-up: the input layer makes a tensor, and each node above takes
 * the output of the node just below it (its subnetwork), except:
 * - `add_tag_layer<ID>` passes its input through unchanged and marks it;
 * - `add_skip_layer<TAG>` outputs the output of the nearest tag with that ID below it
 *   (`layer<TAG>(subnet)`), discarding its own input;
 * - `add_prev_<TAG>` adds its input and the output of the nearest tag with that ID below it.
 *
 * The network file does not record tag IDs, nor whether a payload-free wrapper is a tag or a
 * skip (both serialize as `int 1`; see dnn.ts), nor which tag an add_prev_ refers to (every
 * add_prev_ serializes as "add_prev_"). No rule recovers them from the file in general, since
 * different C++ types serialize to the same bytes. So the wiring comes from the network's C++
 * type: {@link DnnWiring}. For dlib's face ResNet (anet_type), recognised by its structure,
 * it is {@link anetTagRoles}; each add_prev_ then uses the nearest tag below it (in anet_type
 * that is the right one: add_prev1 over a block over tag1, add_prev2 over avg_pool<skip1<tag2
 * ...>>), which is the default for add_prev_ whenever no explicit ID is given.
 *
 * ## The reference forward pass
 *
 * {@link runInArena} is the one TypeScript walk over a plan: each step by its layer function
 * (layers.ts: dlib's float32 operations in dlib's order), the tensors in an arena whose slots
 * {@link layoutPlan} assigns. {@link runNetwork} (one batch, an arena of its own),
 * {@link forward} (mini-batches through one arena) and the recognizer's 'reference' engine
 * (recognizer.ts: an arena kept across calls) all run through it. By default tensors whose
 * lifetimes do not overlap share a slot and relu_/affine_ run in place, as in dlib, which then
 * loses the outputs of the layers below them; with `keepOutputs` every node gets its own
 * tensor, so a test can compare any layer with dlib's `layer<i>(net).get_output()`.
 */
import {
  anetTagRoles, buildAnetNet, layerParams,
  type AnetTagRole, type DnnLayerDetails, type DnnNet, type DnnNode,
} from '../dlib/index.js';
import type { RgbImage } from '../image/pixels.js';
import { gemmReference, type Gemm } from './gemm.js';
import {
  addPrev, addPrevShape, affine, affineFc, avgPool, conv, convShape, everythingWindow, fc, fcShape,
  inputRgbImage, maxPool, poolShape, relu,
  type RgbMeans, type Window2d,
} from './layers.js';
import type { Shape, Tensor } from './tensor.js';

/** How the tags, skips and add_prev_ layers of a network connect (not stored in dlib files). */
export interface DnnWiring {
  /** Role and ID of every `tag_or_skip` node, keyed by its index in `DnnNet.nodes` (top-down). */
  tagRoles: ReadonlyMap<number, AnetTagRole>;
  /**
   * The tag ID each add_prev_ layer adds, keyed by node index. Missing entries: the nearest
   * tag below the layer, whatever its ID.
   */
  prevTags?: ReadonlyMap<number, number>;
  /** The ID of a tag directly over the input layer (a `tag` node), keyed by node index. */
  inputTagIds?: ReadonlyMap<number, number>;
}

/** One step of a plan, executed bottom-up. Inputs and output are node indices. */
export type PlanStep =
  | { op: 'input'; node: number; means: RgbMeans; size?: { nr: number; nc: number } }
  | { op: 'conv'; node: number; src: number; filters: Float32Array; biases?: Float32Array; numFilters: number; window: Window2d }
  | { op: 'affine'; node: number; src: number; gamma: Float32Array; beta: Float32Array; mode: 'conv' | 'fc' }
  /** bn_con: batch normalisation per channel; `layer` is the bn_ node's details (parameters, running statistics). */
  | { op: 'bn_con'; node: number; src: number; layer: DnnLayerDetails }
  | { op: 'identity'; node: number; src: number; what: string }
  | { op: 'relu'; node: number; src: number }
  | { op: 'max_pool' | 'avg_pool'; node: number; src: number; window: Window2d; everything: boolean }
  | { op: 'add_prev'; node: number; src: number; tagged: number }
  | { op: 'fc'; node: number; src: number; weights: Float32Array; biases?: Float32Array; numOutputs: number };

/** An executable network. */
export interface NetPlan {
  /** Steps from the input upwards. */
  steps: PlanStep[];
  /** Node count (the length of `DnnNet.nodes`); outputs are indexed like the nodes. */
  nodeCount: number;
  /** The node whose output is the network's output (node 1 under a loss layer, else node 0). */
  outputNode: number;
  /** Printable description of each node's operation, by node index (as in dlib's listing). */
  labels: string[];
}

export interface PlanOptions {
  /** Wiring for networks other than anet_type (required when the net has tag_or_skip nodes). */
  wiring?: DnnWiring;
}

export interface RunOptions {
  /** The GEMM for convolutions and fc_ layers (default: the reference, see gemm.ts). */
  gemm?: Gemm;
  /** Keep every node's output in the result (default false: only the top output; see LayoutOptions). */
  keepOutputs?: boolean;
}

export interface NetRun {
  /** The network's output: [chips, outputs, 1, 1] for the face ResNet. */
  output: Tensor;
  /** With keepOutputs, every node's output by node index (undefined for the loss node). */
  outputs?: (Tensor | undefined)[];
}

function planError(node: number, msg: string): never {
  throw new RangeError(`dnn plan: node ${node}: ${msg}`);
}

const num = (d: DnnLayerDetails, f: string): number => {
  const v = d.fields[f];
  if (typeof v !== 'number') throw new RangeError(`${d.typeName}: field ${f} is missing`);
  return v;
};

let anetNodes: DnnNode[] | undefined;

const HYPER_PARAMETERS = ['numFilters', 'nr', 'nc', 'strideY', 'strideX', 'paddingY', 'paddingX', 'numOutputs', 'mode'] as const;

/**
 * True when `net` has the layer structure of dlib's face ResNet (anet_type): the same nodes
 * with the same dlib layer classes and hyper-parameters. Unlike `anetStructureDifferences`
 * this ignores serialization versions (files written by older dlib versions use con_4,
 * affine_, fc_2, loss_metric_) and add_layer state (cached outputs of a net saved without
 * clean()), which do not change what the network computes.
 */
export function hasAnetStructure(net: DnnNet): boolean {
  return sameFaceNetLayers(net, false);
}

/**
 * True when `net` is the face ResNet with affine_ layers (anet_type) or with bn_con layers (the
 * training net_type of dnn_metric_learning_on_images_ex.cpp), with a sized or unsized RGB
 * input: the networks whose wiring is {@link anetTagRoles}'.
 */
export function hasFaceNetStructure(net: DnnNet): boolean {
  return sameFaceNetLayers(net, true);
}

function sameFaceNetLayers(net: DnnNet, trainingVariants: boolean): boolean {
  anetNodes ??= buildAnetNet().nodes;
  const want = anetNodes;
  const got = net.nodes;
  if (want.length !== got.length) return false;
  return want.every((w, i) => {
    const g = got[i];
    if (g.kind !== w.kind) return false;
    if (w.kind === 'loss' || g.kind === 'loss') return true;
    if ((w.kind === 'layer' || w.kind === 'input') && (g.kind === 'layer' || g.kind === 'input')) {
      if (trainingVariants && w.details.type === 'affine_' && g.details.type === 'bn_') return g.details.typeName === 'bn_con2';
      if (trainingVariants && w.kind === 'input' && g.details.type === 'input_rgb_image') return true;
      if (w.details.type !== g.details.type) return false;
      return HYPER_PARAMETERS.every((f) => w.details.fields[f] === undefined || g.details.fields[f] === w.details.fields[f]);
    }
    return true;
  });
}

/** The wiring of `net`: the given one, anet_type's, or none needed. */
export function resolveWiring(net: DnnNet, given?: DnnWiring): DnnWiring {
  if (given !== undefined) return given;
  const needs = net.nodes.some((n) => n.kind === 'tag_or_skip' || n.kind === 'tag');
  if (!needs) return { tagRoles: new Map() };
  if (hasFaceNetStructure(net)) return { tagRoles: anetTagRoles() };
  throw new RangeError(
    'dnn plan: this network has tag/skip layers, whose IDs and kinds dlib does not store in the file, and it is not ' +
    "dlib's face ResNet (anet_type); pass the wiring (PlanOptions.wiring) from the network's C++ type");
}

/**
 * Builds the executable plan of a parsed network: walks `net.nodes` bottom-up, resolving the
 * subnetwork of each node and the targets of skips and add_prev_ layers.
 *
 * Supported: input_rgb_image_sized / input_rgb_image, con_, affine_ (CONV and FC mode, or
 * disabled), relu_, max_pool_, avg_pool_ (incl. avg_pool_everything), add_prev_, fc_ (with or
 * without bias), tags, skips, and a loss layer on top (ignored: the output is its input).
 * Networks with repeat layers are not supported yet.
 */
export function planNetwork(net: DnnNet, opts: PlanOptions = {}): NetPlan {
  const nodes = net.nodes;
  if (nodes.some((n) => n.kind === 'repeat')) throw new RangeError('dnn plan: repeat layers are not supported yet');
  const wiring = resolveWiring(net, opts.wiring);
  const last = nodes.length - 1;
  if (last < 0 || nodes[last].kind !== 'input') throw new RangeError('dnn plan: the network does not end with an input layer');
  const top = nodes[0].kind === 'loss' ? 1 : 0;
  if (top > last - 1) throw new RangeError('dnn plan: the network has no layers');

  // The ID of each tag node (tag_or_skip with role 'tag', or a tag over the input).
  const tagId = new Map<number, number>();
  nodes.forEach((n, i) => {
    if (n.kind === 'tag_or_skip') {
      const role = wiring.tagRoles.get(i);
      if (role === undefined) planError(i, 'the wiring does not say whether this is a tag or a skip');
      if (role.kind === 'tag') tagId.set(i, role.id);
    } else if (n.kind === 'tag') {
      // Without an ID from the wiring, only the nearest-tag rule (add_prev_ without an ID) finds it.
      tagId.set(i, wiring.inputTagIds?.get(i) ?? -1);
    }
  });
  /** dlib's layer<TAG>(layer<i+1>(net)): the nearest tag below node i with that ID (any ID if undefined). */
  const findTag = (i: number, id: number | undefined): number => {
    for (let j = i + 1; j <= last; j++) {
      const t = tagId.get(j);
      if (t !== undefined && (id === undefined || t === id)) return j;
    }
    return planError(i, id === undefined ? 'no tag below this layer' : `no tag${id} below this layer`);
  };

  const steps: PlanStep[] = [];
  const labels = new Array<string>(nodes.length).fill('');
  for (let i = last; i >= top; i--) {
    const n: DnnNode = nodes[i];
    const src = i + 1;
    switch (n.kind) {
      case 'input': {
        const d = n.details;
        if (d.type !== 'input_rgb_image_sized' && d.type !== 'input_rgb_image') planError(i, `input layer ${d.typeName} is not supported`);
        const means = { red: num(d, 'avgRed'), green: num(d, 'avgGreen'), blue: num(d, 'avgBlue') };
        const size = d.type === 'input_rgb_image_sized' ? { nr: num(d, 'nr'), nc: num(d, 'nc') } : undefined;
        steps.push(size === undefined ? { op: 'input', node: i, means } : { op: 'input', node: i, means, size });
        labels[i] = d.typeName;
        break;
      }
      case 'tag':
      case 'tag_or_skip': {
        const role = n.kind === 'tag' ? { kind: 'tag' as const, id: tagId.get(i)! } : wiring.tagRoles.get(i)!;
        const label = `${role.kind}${role.id < 0 ? '?' : role.id}`;
        steps.push({ op: 'identity', node: i, src: role.kind === 'tag' ? src : findTag(i, role.id), what: label });
        labels[i] = label;
        break;
      }
      case 'layer': {
        const d = n.details;
        const f = d.fields;
        labels[i] = d.typeName;
        switch (d.type) {
          case 'con_': {
            const p = layerParams(d);
            if (p.filters === undefined) planError(i, `${d.typeName} has no filters`);
            const useBias = f.useBias === undefined ? true : f.useBias === true;
            const window: Window2d = {
              nr: num(d, 'nr'), nc: num(d, 'nc'), strideY: num(d, 'strideY'), strideX: num(d, 'strideX'),
              paddingY: num(d, 'paddingY'), paddingX: num(d, 'paddingX'),
            };
            const biases = useBias ? p.biases : undefined;
            if (useBias && biases === undefined) planError(i, `${d.typeName} uses biases but has none`);
            steps.push(biases === undefined
              ? { op: 'conv', node: i, src, filters: p.filters, numFilters: num(d, 'numFilters'), window }
              : { op: 'conv', node: i, src, filters: p.filters, biases, numFilters: num(d, 'numFilters'), window });
            break;
          }
          case 'affine_': {
            if (f.disabled === true) {
              steps.push({ op: 'identity', node: i, src, what: 'affine (disabled)' });
              break;
            }
            const p = layerParams(d);
            if (p.gamma === undefined || p.beta === undefined) planError(i, `${d.typeName} has no gamma/beta`);
            const mode = num(d, 'mode') === 0 ? 'conv' : 'fc';
            steps.push({ op: 'affine', node: i, src, gamma: p.gamma, beta: p.beta, mode });
            break;
          }
          case 'bn_':
            if (d.typeName !== 'bn_con2') planError(i, `${d.typeName} (batch normalisation per element, FC mode) is not supported`);
            steps.push({ op: 'bn_con', node: i, src, layer: d });
            break;
          case 'relu_':
            steps.push({ op: 'relu', node: i, src });
            break;
          case 'max_pool_':
          case 'avg_pool_': {
            const nr = num(d, 'nr');
            const nc = num(d, 'nc');
            const window: Window2d = {
              nr, nc, strideY: num(d, 'strideY'), strideX: num(d, 'strideX'),
              paddingY: num(d, 'paddingY'), paddingX: num(d, 'paddingX'),
            };
            // nr = nc = 0: the window is the whole input (avg_pool_everything / max_pool_everything).
            const everything = nr === 0 || nc === 0;
            if (everything && (nr !== 0 || nc !== 0)) planError(i, `${d.typeName} with a window of ${nr}x${nc} is not supported`);
            steps.push({ op: d.type === 'max_pool_' ? 'max_pool' : 'avg_pool', node: i, src, window, everything });
            break;
          }
          case 'add_prev_':
            steps.push({ op: 'add_prev', node: i, src, tagged: findTag(i, wiring.prevTags?.get(i)) });
            break;
          case 'fc_': {
            const p = layerParams(d);
            if (p.weights === undefined) planError(i, `${d.typeName} has no weights`);
            const hasBias = num(d, 'biasMode') === 0 && f.useBias !== false;
            if (hasBias && p.biases === undefined) planError(i, `${d.typeName} uses biases but has none`);
            const numOutputs = num(d, 'numOutputs');
            steps.push(hasBias
              ? { op: 'fc', node: i, src, weights: p.weights, biases: p.biases!, numOutputs }
              : { op: 'fc', node: i, src, weights: p.weights, numOutputs });
            break;
          }
          default:
            planError(i, `layer type ${d.typeName} is not supported by the reference forward pass`);
        }
        break;
      }
      case 'loss':
        planError(i, 'a loss layer below the top');
        break;
      case 'repeat':
      case 'repeat_input':
        planError(i, 'repeat layers are not supported yet');
    }
  }
  if (top === 1) labels[0] = (nodes[0] as { details: DnnLayerDetails }).details.typeName;
  return { steps, nodeCount: nodes.length, outputNode: top, labels };
}

// -------------------------------------------------------------------------------------------
// The reference forward pass: the TypeScript layers of layers.ts, one step after another, on
// an arena (runNetwork, forward, and the recognizer's 'reference' engine all run through
// runInArena).

/** Per-sample shape of a tensor: [k, nr, nc]. */
export type Dims = [k: number, nr: number, nc: number];

/** The per-sample shapes of a plan's tensors. */
export interface PlanShapes {
  /** Each node's output shape per sample, by node index (undefined for the loss node). */
  dims: (Dims | undefined)[];
  /** The node holding each node's output: itself, or for tags and skips the node they forward. */
  root: number[];
  /** The input's image size. */
  chipRows: number;
  chipCols: number;
}

const prod3 = (d: Dims): number => d[0] * d[1] * d[2];
const shapeOnly = (d: Dims): Tensor => ({ n: 1, k: d[0], nr: d[1], nc: d[2], data: new Float32Array(0) });
const poolWindow = (step: { window: Window2d; everything: boolean }, x: Tensor): Window2d =>
  step.everything ? everythingWindow(x) : step.window;

/**
 * Every node's output shape for one image of `chip`'s size (default 150x150; the input layer's
 * own size where it has one: input_rgb_image_sized).
 */
export function planShapes(plan: NetPlan, chip: { nr: number; nc: number } = { nr: 150, nc: 150 }): PlanShapes {
  const dims: (Dims | undefined)[] = new Array(plan.nodeCount).fill(undefined);
  const root: number[] = Array.from({ length: plan.nodeCount }, (_, i) => i);
  let chipRows = chip.nr;
  let chipCols = chip.nc;
  for (const step of plan.steps) {
    if (step.op === 'input') {
      if (step.size !== undefined) {
        chipRows = step.size.nr;
        chipCols = step.size.nc;
      }
      dims[step.node] = [3, chipRows, chipCols];
      continue;
    }
    const x = shapeOnly(dims[step.src]!);
    let s: Shape;
    switch (step.op) {
      case 'identity':
        root[step.node] = root[step.src];
        s = [1, x.k, x.nr, x.nc];
        break;
      case 'conv': s = convShape(x, step.numFilters, step.window); break;
      case 'max_pool':
      case 'avg_pool': s = poolShape(x, poolWindow(step, x)); break;
      case 'add_prev': s = addPrevShape(x, shapeOnly(dims[step.tagged]!)); break;
      case 'fc': s = fcShape(x, step.numOutputs); break;
      default: s = [1, x.k, x.nr, x.nc];
    }
    dims[step.node] = [s[1], s[2], s[3]];
  }
  return { dims, root, chipRows, chipCols };
}

/** Floating-point operations of one image through the plan's convolutions and fc layers (2 per multiply-add). */
export function planFlops(plan: NetPlan): number {
  const { dims } = planShapes(plan);
  let flop = 0;
  for (const s of plan.steps) {
    if (s.op === 'conv') flop += 2 * prod3(dims[s.node]!) * dims[s.src]![0] * s.window.nr * s.window.nc;
    if (s.op === 'fc') flop += 2 * prod3(dims[s.src]!) * s.numOutputs;
  }
  return flop;
}

/** Where the tensors of a plan live, per sample (every size scales with the number of chips). */
export interface PlanLayout {
  /** Per-sample shape of each node's output (undefined for the loss node). */
  dims: (Dims | undefined)[];
  /** The slot holding each node's output (identity nodes share their source's slot). */
  slotOf: number[];
  /** Floats per sample of each slot. */
  slotSizes: number[];
  /** Floats per sample of the im2col buffer and of the GEMM product (largest conv). */
  colsPerSample: number;
  prodPerSample: number;
  /** The input's image size. */
  chipRows: number;
  chipCols: number;
}

export interface LayoutOptions {
  /** The images' size where the input layer does not fix it (input_rgb_image); default 150x150. */
  chip?: { nr: number; nc: number };
  /**
   * Every node's output in a slot of its own (runNetwork's keepOutputs). Default false: slots
   * are shared by tensors whose lifetimes do not overlap, and relu_, affine_ and same-shape
   * add_prev_ run in place where their input dies, as dlib runs relu_ and affine_.
   */
  keepOutputs?: boolean;
}

/** The per-sample shapes of a plan's tensors and their assignment to arena slots. */
export function layoutPlan(plan: NetPlan, opts: LayoutOptions = {}): PlanLayout {
  const { dims, root, chipRows, chipCols } = planShapes(plan, opts.chip);
  let colsPerSample = 0;
  let prodPerSample = 0;
  for (const s of plan.steps) {
    if (s.op !== 'conv') continue;
    const [m, nr, nc] = dims[s.node]!;
    colsPerSample = Math.max(colsPerSample, dims[s.src]![0] * s.window.nr * s.window.nc * nr * nc);
    prodPerSample = Math.max(prodPerSample, m * nr * nc);
  }

  // Last step reading each stored value (values are the outputs of non-identity steps).
  const lastUse = new Map<number, number>();
  plan.steps.forEach((s, at) => {
    if (s.op !== 'input') lastUse.set(root[s.src], at);
    if (s.op === 'add_prev') lastUse.set(root[s.tagged], at);
  });
  lastUse.set(root[plan.outputNode], Infinity);

  // Greedy slot assignment in step order: a step takes its input's slot when it can run in
  // place and the input dies here, else a free slot (the smallest that fits, else the largest,
  // grown); with keepOutputs, always a new slot.
  const keep = opts.keepOutputs === true;
  const slotOf: number[] = new Array(plan.nodeCount).fill(-1);
  const slotSizes: number[] = [];
  const free: number[] = [];
  plan.steps.forEach((step, at) => {
    if (step.op === 'identity') {
      slotOf[step.node] = slotOf[step.src];
      return;
    }
    const size = prod3(dims[step.node]!);
    const srcRoot = step.op === 'input' ? -1 : root[step.src];
    const sameShapeAsSrc = step.op !== 'input' && dims[step.src]!.every((v, i) => v === dims[step.node]![i]);
    const inPlace = !keep && (step.op === 'relu' || step.op === 'affine' || (step.op === 'add_prev' && sameShapeAsSrc)) &&
      lastUse.get(srcRoot) === at && (step.op !== 'add_prev' || root[step.tagged] !== srcRoot);
    let slot: number;
    if (inPlace) {
      slot = slotOf[srcRoot];
    } else if (free.length > 0) {
      free.sort((a, b) => slotSizes[a] - slotSizes[b]);
      const fit = free.findIndex((s) => slotSizes[s] >= size);
      slot = free.splice(fit >= 0 ? fit : free.length - 1, 1)[0];
      slotSizes[slot] = Math.max(slotSizes[slot], size);
    } else {
      slot = slotSizes.length;
      slotSizes.push(size);
    }
    slotOf[step.node] = slot;
    if (keep) return;
    // Values whose last reader is this step free their slot (unless this step took it over).
    for (const [v, until] of lastUse) {
      if (until === at && slotOf[v] !== slot && !free.includes(slotOf[v])) free.push(slotOf[v]);
    }
  });
  return { dims, slotOf, slotSizes, colsPerSample, prodPerSample, chipRows, chipCols };
}

/** The buffers of a layout for up to `capacity` chips. */
export interface NetArena {
  readonly layout: PlanLayout;
  readonly capacity: number;
  readonly slots: Float32Array[];
  readonly cols: Float32Array;
  readonly product: Float32Array;
  /** Bytes of all buffers. */
  readonly bytes: number;
  /** Node tensors per batch size n (index n): views of the first n samples of each slot, made on first use. */
  readonly views: ((Tensor | undefined)[] | undefined)[];
}

export function createArena(layout: PlanLayout, capacity: number): NetArena {
  const floats = layout.slotSizes.reduce((a, b) => a + b, 0) + layout.colsPerSample + layout.prodPerSample;
  return {
    layout,
    capacity,
    slots: layout.slotSizes.map((s) => new Float32Array(s * capacity)),
    cols: new Float32Array(layout.colsPerSample * capacity),
    product: new Float32Array(layout.prodPerSample * capacity),
    bytes: 4 * capacity * floats,
    views: [],
  };
}

function viewsFor(arena: NetArena, n: number): (Tensor | undefined)[] {
  let v = arena.views[n];
  if (v === undefined) {
    const { dims, slotOf } = arena.layout;
    v = dims.map((d, node) => d === undefined
      ? undefined
      : { n, k: d[0], nr: d[1], nc: d[2], data: arena.slots[slotOf[node]].subarray(0, n * prod3(d)) });
    arena.views[n] = v;
  }
  return v;
}

/**
 * Runs the plan on a batch of at most `arena.capacity` images (one tensor through every layer,
 * as dlib's `net(chips, batch_size)` does for one mini-batch), each step by the layer function
 * of layers.ts. Returns every node's tensor by node index, as views into the arena (undefined
 * for the loss node): the output node's is the network's output; the others hold their node's
 * output only where the layout keeps outputs (else the slot may have been reused since). The
 * next run overwrites them.
 */
export function runInArena(plan: NetPlan, arena: NetArena, chips: readonly RgbImage[], gemm: Gemm = gemmReference): (Tensor | undefined)[] {
  if (chips.length > arena.capacity) throw new RangeError(`dnn: ${chips.length} images, the arena holds ${arena.capacity}`);
  const t = viewsFor(arena, chips.length);
  const scratch = { cols: arena.cols, product: arena.product };
  for (const step of plan.steps) {
    const y = t[step.node]!;
    if (step.op === 'input') {
      inputRgbImage(y, chips, step.means, step.size);
      continue;
    }
    const x = t[step.src]!;
    switch (step.op) {
      case 'identity': break;
      case 'conv': conv(y, x, step.filters, step.biases, step.numFilters, step.window, gemm, scratch); break;
      case 'affine':
        if (step.mode === 'conv') affine(y, x, step.gamma, step.beta);
        else affineFc(y, x, step.gamma, step.beta);
        break;
      case 'relu': relu(y, x); break;
      case 'bn_con': throw new RangeError(`dnn: node ${step.node} is bn_con: run a training network with train/ (its forward pass updates the running statistics), or convert it to affine_ layers`);
      case 'max_pool': maxPool(y, x, poolWindow(step, x)); break;
      case 'avg_pool': avgPool(y, x, poolWindow(step, x)); break;
      case 'add_prev': addPrev(y, x, t[step.tagged]!); break;
      case 'fc': fc(y, x, step.weights, step.biases, step.numOutputs, gemm); break;
    }
  }
  return t;
}

const chipSize = (chips: readonly RgbImage[]): { nr: number; nc: number } | undefined =>
  chips.length === 0 ? undefined : { nr: chips[0].height, nc: chips[0].width };

/**
 * Runs the plan on a batch of images in an arena of its own: {@link runInArena}. The output
 * (and with keepOutputs every node's output) is a view of that arena.
 */
export function runNetwork(plan: NetPlan, chips: readonly RgbImage[], opts: RunOptions = {}): NetRun {
  const keepOutputs = opts.keepOutputs === true;
  const arena = createArena(layoutPlan(plan, { chip: chipSize(chips), keepOutputs }), chips.length);
  const t = runInArena(plan, arena, chips, opts.gemm);
  const output = t[plan.outputNode]!;
  return keepOutputs ? { output, outputs: t } : { output };
}

/** Each sample of `t` as a flat array (a copy). */
export function sampleRows(t: Tensor): Float32Array[] {
  const m = t.k * t.nr * t.nc;
  return Array.from({ length: t.n }, (_, s) => t.data.slice(s * m, (s + 1) * m));
}

export interface ForwardOptions extends RunOptions, PlanOptions {
  /** Images per mini-batch (default 16; dlib's `net(chips)` default is 128). */
  batchSize?: number;
}

/**
 * The network's output for each image: for the face ResNet, 128-D descriptors of 150x150
 * chips, as dlib's `net(chips)` (loss_metric_'s to_label copies each sample's output row).
 * One arena serves every mini-batch.
 */
export function forward(net: DnnNet | NetPlan, chips: readonly RgbImage[], opts: ForwardOptions = {}): Float32Array[] {
  const plan = 'steps' in net ? net : planNetwork(net, opts);
  const batch = Math.max(1, Math.trunc(opts.batchSize ?? 16));
  if (chips.length === 0) return [];
  const arena = createArena(layoutPlan(plan, { chip: chipSize(chips) }), Math.min(batch, chips.length));
  const result: Float32Array[] = [];
  for (let i = 0; i < chips.length; i += batch) {
    result.push(...sampleRows(runInArena(plan, arena, chips.slice(i, i + batch), opts.gemm)[plan.outputNode]!));
  }
  return result;
}
