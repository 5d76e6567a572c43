/**
 * dlib's face recognition ResNet (`anet_type`), as a layer list.
 *
 * Mirrors the network type defined in dlib's `examples/dnn_face_recognition_ex.cpp` (and
 * `dnn_metric_learning_on_images_ex.cpp`), built from `dlib/dnn/core.h` (add_layer,
 * add_tag_layer, add_skip_layer, add_loss_layer) and the layers in `dlib/dnn/layers.h`,
 * `input.h` and `loss.h`:
 *
 *     residual<N>      = add_prev1<block<N,1,tag1<SUBNET>>>
 *     residual_down<N> = add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,2,tag1<SUBNET>>>>>>
 *     block<N,stride>  = affine<con<N,3,3,1,1,relu<affine<con<N,3,3,stride,stride,SUBNET>>>>>
 *     ares<N>          = relu<residual<N>>,  ares_down<N> = relu<residual_down<N>>
 *     alevel0 = ares_down<256>;  alevel1 = ares<256,ares<256,ares_down<256>>>;
 *     alevel2 = ares<128,ares<128,ares_down<128>>>;  alevel3 = ares<64> x3 over ares_down<64>;
 *     alevel4 = ares<32> x3
 *     anet_type = loss_metric<fc_no_bias<128,avg_pool_everything<alevel0<alevel1<alevel2<
 *                 alevel3<alevel4<max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,
 *                 input_rgb_image_sized<150>>>>>>>>>>>>>
 *
 * {@link buildAnetNet} produces the {@link DnnNet} dlib 19.24 serializes for such a network
 * after a forward pass and `net.clean()`, when it was made the way dlib's examples make it
 * (a bn_con training network assigned to anet_type, so every affine_ layer is in CONV mode:
 * one gamma and one beta per channel). The file does not record tag IDs or tag-vs-skip;
 * {@link anetTagRoles} supplies them for this network.
 */
import {
  layersInFileOrder, structureSignature,
  type DnnAddLayerState, type DnnLayerDetails, type DnnLayerNode, type DnnNet, type DnnNode,
} from './dnn.js';
import { makeTensor, type DlibAliasTensor, type DlibTensor } from './serialize.js';

/** The role of a `tag_or_skip` node in anet_type. */
export interface AnetTagRole {
  kind: 'tag' | 'skip';
  /** tag1/tag2 ID; for a skip, the ID of the tag it forwards. */
  id: number;
}

/** Spec item, top-down. */
type Item =
  | { t: 'loss' }
  | { t: 'fc'; n: number }
  | { t: 'avg_pool_everything' }
  | { t: 'avg_pool'; size: number; stride: number }
  | { t: 'max_pool'; size: number; stride: number }
  | { t: 'relu' }
  | { t: 'affine' }
  | { t: 'bn_con' }
  | { t: 'con'; n: number; size: number; stride: number }
  | { t: 'add_prev'; tag: number }
  | { t: 'tag'; id: number }
  | { t: 'skip'; id: number }
  | { t: 'input' };

/** The normalisation layer of the face ResNet: affine_ (anet_type, inference) or bn_con (net_type, training). */
export type FaceNetNorm = 'affine' | 'bn_con';

function anetItems(norm: FaceNetNorm = 'affine'): Item[] {
  const N: Item = { t: norm };
  const block = (n: number, stride: number, sub: Item[]): Item[] => [
    N, { t: 'con', n, size: 3, stride: 1 }, { t: 'relu' },
    N, { t: 'con', n, size: 3, stride }, ...sub,
  ];
  const ares = (n: number, sub: Item[]): Item[] =>
    [{ t: 'relu' }, { t: 'add_prev', tag: 1 }, ...block(n, 1, [{ t: 'tag', id: 1 }, ...sub])];
  const aresDown = (n: number, sub: Item[]): Item[] => [
    { t: 'relu' }, { t: 'add_prev', tag: 2 }, { t: 'avg_pool', size: 2, stride: 2 },
    { t: 'skip', id: 1 }, { t: 'tag', id: 2 }, ...block(n, 2, [{ t: 'tag', id: 1 }, ...sub]),
  ];
  const stem: Item[] = [
    { t: 'max_pool', size: 3, stride: 2 }, { t: 'relu' }, N,
    { t: 'con', n: 32, size: 7, stride: 2 }, { t: 'input' },
  ];
  const level4 = ares(32, ares(32, ares(32, stem)));
  const level3 = ares(64, ares(64, ares(64, aresDown(64, level4))));
  const level2 = ares(128, ares(128, aresDown(128, level3)));
  const level1 = ares(256, ares(256, aresDown(256, level2)));
  const level0 = aresDown(256, level1);
  return [{ t: 'loss' }, { t: 'fc', n: 128 }, { t: 'avg_pool_everything' }, ...level0];
}

/** Per-layer parameter counts and shapes of anet_type, in file order (input upwards). */
export interface AnetParamLayer {
  type: 'con_' | 'affine_' | 'fc_';
  /** Length of the layer's `params` tensor. */
  size: number;
  /** con_: [numFilters, inputChannels, kernel, kernel]; affine_: [channels]; fc_: [inputs, outputs]. */
  shape: number[];
}

const alias = (numSamples: number, k: number, nr: number, nc: number): DlibAliasTensor => ({ numSamples, k, nr, nc });
const empty = (): DlibTensor => makeTensor(0, 0, 0, 0);

/** Layers whose add_layer above them runs in place (they set get_output_and_gradient_input_disabled below). */
const INPLACE_TYPES = new Set(['relu_', 'affine_']);

/** What {@link buildFaceNet} builds. */
export interface FaceNetOptions {
  /**
   * 'affine' (default): anet_type, the inference network dlib releases. 'bn_con': the training
   * network of dlib's dnn_metric_learning_on_images_ex.cpp (net_type), each affine_ a bn_con in
   * the state bn_::setup leaves it: gamma 1, beta 0, running means 0, running variances 1, no
   * updates yet, window 100, eps 1e-4, no batch statistics.
   */
  norm?: FaceNetNorm;
  /**
   * 'sized' (default): input_rgb_image_sized<150>, as in the released model and
   * dnn_face_recognition_ex.cpp; 'any': input_rgb_image, as dnn_metric_learning_on_images_ex.cpp
   * declares both of its networks (it then takes images of any one size per mini-batch).
   */
  input?: 'sized' | 'any';
  /** Parameter tensors' contents in file order (see {@link anetParamLayers}); default zeros (bn: the setup values). */
  params?: readonly Float32Array[];
}

/**
 * Builds anet_type as dlib serializes it. `params`, if given, are the parameter tensors'
 * contents in file order (see {@link anetParamLayers}): con_ = filters [out][in][kh][kw] then
 * biases; affine_ = gamma then beta; fc_ = weights [inputs][outputs]. Without params the
 * tensors are zero-filled.
 */
export function buildAnetNet(params?: readonly Float32Array[]): DnnNet {
  return buildFaceNet(params === undefined ? {} : { params });
}

/**
 * Builds the face ResNet as dlib 19.24 serializes it, with affine_ (anet_type) or bn_con
 * (the training net_type) layers; see {@link FaceNetOptions}.
 */
export function buildFaceNet(opts: FaceNetOptions = {}): DnnNet {
  const params = opts.params;
  const items = anetItems(opts.norm ?? 'affine');
  // Input channels for each con, computed bottom-up.
  const channelsBelow = new Array<number>(items.length).fill(0);
  let ch = 3;
  for (let i = items.length - 1; i >= 0; i--) {
    channelsBelow[i] = ch;
    const it = items[i];
    if (it.t === 'con') ch = it.n;
  }
  const nodes: DnnNode[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const k = channelsBelow[i];
    const layer = (details: DnnLayerDetails): DnnLayerNode => {
      const below = items[i + 1];
      const above = nodes[nodes.length - 1];
      const disabled = above !== undefined && above.kind === 'layer' && INPLACE_TYPES.has(above.details.type);
      const onInput = below !== undefined && below.t === 'input';
      const state: DnnAddLayerState = {
        thisLayerSetupCalled: true,
        gradientInputIsStale: true,
        getOutputAndGradientInputDisabled: disabled,
        xGrad: empty(),
        cachedOutput: empty(),
      };
      if (onInput) { state.gradFinal = empty(); state.sampleExpansionFactor = 1; } else state.paramsGrad = empty();
      return { kind: 'layer', version: onInput ? 3 : 2, details, state };
    };
    switch (it.t) {
      case 'loss':
        nodes.push({ kind: 'loss', version: 1, details: { typeName: 'loss_metric_2', type: 'loss_metric_', fields: { margin: Math.fround(0.04), distThresh: Math.fround(0.6) } } });
        break;
      case 'fc':
        nodes.push(layer({
          typeName: 'fc_3', type: 'fc_', fields: {
            numOutputs: it.n, numInputs: k, params: makeTensor(k, it.n, 1, 1),
            weights: alias(k, it.n, 1, 1), biases: alias(0, 0, 0, 0), biasMode: 1,
            learningRateMultiplier: 1, weightDecayMultiplier: 1, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0,
            useBias: true,
          },
        }));
        break;
      case 'avg_pool_everything':
        nodes.push(layer({ typeName: 'avg_pool_2', type: 'avg_pool_', fields: { nr: 0, nc: 0, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 } }));
        break;
      case 'avg_pool':
      case 'max_pool': {
        const pad = it.stride !== 1 ? 0 : Math.trunc(it.size / 2);
        nodes.push(layer({
          typeName: it.t === 'avg_pool' ? 'avg_pool_2' : 'max_pool_2', type: it.t === 'avg_pool' ? 'avg_pool_' : 'max_pool_',
          fields: { nr: it.size, nc: it.size, strideY: it.stride, strideX: it.stride, paddingY: pad, paddingX: pad },
        }));
        break;
      }
      case 'relu':
        nodes.push(layer({ typeName: 'relu_', type: 'relu_', fields: {} }));
        break;
      case 'bn_con': {
        const below = items[i + 1];
        const n = below !== undefined && below.t === 'con' ? below.n : k;
        const p = makeTensor(2 * n, 1, 1, 1);
        p.data.fill(1, 0, n);
        const ones = makeTensor(1, n, 1, 1);
        ones.data.fill(1);
        nodes.push(layer({
          typeName: 'bn_con2', type: 'bn_', fields: {
            params: p, gamma: alias(1, n, 1, 1), beta: alias(1, n, 1, 1), means: empty(), invstds: empty(),
            runningMeans: makeTensor(1, n, 1, 1), runningVariances: ones, numUpdates: 0, runningStatsWindowSize: 100,
            learningRateMultiplier: 1, weightDecayMultiplier: 0, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 1,
            eps: 0.0001,
          },
        }));
        break;
      }
      case 'affine': {
        // The channel count is the con below's filter count.
        const below = items[i + 1];
        const n = below !== undefined && below.t === 'con' ? below.n : k;
        nodes.push(layer({
          typeName: 'affine_2', type: 'affine_', fields: {
            params: makeTensor(2 * n, 1, 1, 1), gamma: alias(1, n, 1, 1), beta: alias(1, n, 1, 1), mode: 0, disabled: false,
          },
        }));
        break;
      }
      case 'con': {
        const pad = it.stride !== 1 ? 0 : Math.trunc(it.size / 2);
        const size = it.n * k * it.size * it.size + it.n;
        nodes.push(layer({
          typeName: 'con_5', type: 'con_', fields: {
            params: makeTensor(size, 1, 1, 1), numFilters: it.n, nr: it.size, nc: it.size,
            strideY: it.stride, strideX: it.stride, paddingY: pad, paddingX: pad,
            filters: alias(it.n, k, it.size, it.size), biases: alias(1, it.n, 1, 1),
            learningRateMultiplier: 1, weightDecayMultiplier: 1, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0,
            useBias: true,
          },
        }));
        break;
      }
      case 'add_prev':
        nodes.push(layer({ typeName: 'add_prev_', type: 'add_prev_', fields: {} }));
        break;
      case 'tag':
      case 'skip':
        nodes.push({ kind: 'tag_or_skip', version: 1 });
        break;
      case 'input': {
        const avg = { avgRed: Math.fround(122.782), avgGreen: Math.fround(117.001), avgBlue: Math.fround(104.298) };
        nodes.push({
          kind: 'input', details: opts.input === 'any'
            ? { typeName: 'input_rgb_image', type: 'input_rgb_image', fields: avg }
            : { typeName: 'input_rgb_image_sized', type: 'input_rgb_image_sized', fields: { ...avg, nr: 150, nc: 150 } },
        });
        break;
      }
    }
  }
  const net: DnnNet = { nodes };
  if (params !== undefined) setAnetParams(net, params);
  return net;
}

/** The parameter-bearing layers (con_, affine_, bn_, fc_) of a net, in file order (input upwards). */
export function parameterLayers(net: DnnNet): DnnLayerNode[] {
  return layersInFileOrder(net).filter((l) => l.details.fields.params !== undefined && ['con_', 'affine_', 'bn_', 'fc_'].includes(l.details.type));
}

/** The sizes and shapes of anet_type's 59 parameter tensors (29 con_, 29 affine_, 1 fc_), in file order. */
export function anetParamLayers(): AnetParamLayer[] {
  return parameterLayers(buildAnetNet()).map((l) => {
    const f = l.details.fields;
    const size = (f.params as DlibTensor).data.length;
    if (l.details.type === 'con_') {
      const a = f.filters as DlibAliasTensor;
      return { type: 'con_', size, shape: [a.numSamples, a.k, a.nr, a.nc] };
    }
    if (l.details.type === 'affine_') return { type: 'affine_', size, shape: [(f.gamma as DlibAliasTensor).k] };
    return { type: 'fc_', size, shape: [f.numInputs as number, f.numOutputs as number] };
  });
}

/** Replaces the parameter tensors of a net with anet structure (file order, as anetParamLayers). */
export function setAnetParams(net: DnnNet, params: readonly Float32Array[]): void {
  const layers = parameterLayers(net);
  if (params.length !== layers.length) {
    throw new RangeError(`anet_type has ${layers.length} parameter tensors, got ${params.length}`);
  }
  layers.forEach((l, i) => {
    const t = l.details.fields.params as DlibTensor;
    if (params[i].length !== t.data.length) {
      throw new RangeError(`parameter tensor ${i} (${l.details.typeName}) needs ${t.data.length} values, got ${params[i].length}`);
    }
    l.details.fields.params = { ...t, data: params[i] };
  });
}

/**
 * The tag/skip identity of each `tag_or_skip` node of anet_type, keyed by node index
 * (top-down, as in DnnNet.nodes).
 */
export function anetTagRoles(): Map<number, AnetTagRole> {
  const roles = new Map<number, AnetTagRole>();
  anetItems().forEach((it, i) => {
    if (it.t === 'tag') roles.set(i, { kind: 'tag', id: it.id });
    else if (it.t === 'skip') roles.set(i, { kind: 'skip', id: it.id });
  });
  return roles;
}

/**
 * Compares a parsed network's structure with anet_type's (layer list, type names,
 * hyper-parameters, tensor shapes, wrapper versions and state flags; not parameter values).
 * Returns the differences, empty when the structure matches.
 */
export function anetStructureDifferences(net: DnnNet): string[] {
  const want = structureSignature(buildAnetNet());
  const got = structureSignature(net);
  const diffs: string[] = [];
  if (want.length !== got.length) diffs.push(`anet_type has ${want.length} nodes, this network ${got.length}`);
  for (let i = 0; i < Math.min(want.length, got.length); i++) {
    if (want[i] !== got[i]) diffs.push(`node ${i}: expected ${want[i]}, found ${got[i]}`);
  }
  return diffs;
}
