/**
 * A trained network made ready for inference: dlib's bn_con → affine_ conversion, what
 * `anet_type testing_net = net;` does in dnn_metric_learning_on_images_ex.cpp (each add_layer
 * of the affine network copy-constructed from the bn_ one: dlib/dnn/core.h, layers.h
 * `affine_(const bn_<mode>&)`).
 */
import type { DnnLayerDetails, DnnLayerNode, DnnNet, DnnNode } from '../dlib/index.js';
import { makeTensor, type DlibAliasTensor, type DlibTensor } from '../dlib/serialize.js';
import { bnToAffine as bnToAffineParams } from '../dnn/bn.js';
import { bnStateOf } from './network.js';

/** Layers that run in place (their add_layer disables the getters of the layer below). */
const IN_PLACE = new Set(['relu_', 'affine_']);

function bnToAffine(d: DnnLayerDetails): DnnLayerDetails {
  if (d.typeName !== 'bn_con2') throw new RangeError(`toInferenceNet: ${d.typeName} is not a bn_con layer`);
  const gammaShape = d.fields.gamma as DlibAliasTensor;
  const state = bnStateOf(d);
  const k = state.gamma.length;
  // g = gamma / sqrt(running variance + eps), b = beta - g*running mean (dnn/bn.ts)
  const affine = new Float32Array(2 * k);
  bnToAffineParams(affine.subarray(0, k), affine.subarray(k), state);
  return {
    typeName: 'affine_2', type: 'affine_', fields: {
      params: makeTensor(2 * k, 1, 1, 1, affine), gamma: { ...gammaShape }, beta: { ...(d.fields.beta as DlibAliasTensor) },
      mode: 0, disabled: false,
    },
  };
}

const copyTensor = (t: DlibTensor): DlibTensor => makeTensor(t.numSamples, t.k, t.nr, t.nc, t.data.slice());

/**
 * The inference network of a training network: every bn_con becomes an affine_ in CONV mode
 * ({@link bnToAffineParams}); everything else is copied, including each add_layer's state
 * (dlib's copy constructors copy it), except the flag that an in-place layer sets on the layer
 * below it, which is recomputed for the new network (an affine_ runs in place, so the con_
 * under it has its getters disabled, as dlib's constructor does).
 */
export function toInferenceNet(train: DnnNet): DnnNet {
  const nodes: DnnNode[] = train.nodes.map((n) => {
    if (n.kind !== 'layer') return structuredClone(n);
    const details = n.details.type === 'bn_' ? bnToAffine(n.details) : structuredClone(n.details);
    const s = n.state;
    const state = {
      ...s,
      xGrad: copyTensor(s.xGrad),
      cachedOutput: copyTensor(s.cachedOutput),
      ...(s.paramsGrad === undefined ? {} : { paramsGrad: copyTensor(s.paramsGrad) }),
      ...(s.gradFinal === undefined ? {} : { gradFinal: copyTensor(s.gradFinal) }),
    };
    return { kind: 'layer', version: n.version, details, state } satisfies DnnLayerNode;
  });
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i];
    const above = nodes[i - 1];
    if (n.kind !== 'layer') continue;
    const inPlaceAbove = above.kind === 'layer' && IN_PLACE.has(above.details.type);
    if (inPlaceAbove) n.state.getOutputAndGradientInputDisabled = true;
  }
  return { nodes };
}
