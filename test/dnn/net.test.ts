/**
 * Tests of src/dnn/net.ts: the plan built from a parsed network (bottom-up walk, tag/skip and
 * add_prev wiring), the forward pass over it, and the GEMM hook. anet_type is built with
 * deterministic parameters by buildAnetNet (src/dlib/anet.ts); a small hand-made network checks
 * the plan against the layer functions composed by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  anetParamLayers, buildAnetNet, makeTensor, readDnnNet, writeDnnNet,
  type DnnAddLayerState, type DnnLayerDetails, type DnnNet, type DnnNode,
} from '../../src/dlib/index.js';
import {
  addPrev, avgPoolEverything, conv, fcNoBias, forward, gemmReference, hasAnetStructure, inputRgbImageSized, layoutPlan, planNetwork,
  relu, resolveWiring, runNetwork, tensor,
  type Gemm, type Window2d,
} from '../../src/dnn/index.js';
import { randomChip } from '../helpers/random.js';


/** anet_type with small deterministic weights (gamma around 1 so activations stay in range). */
function anet(): DnnNet {
  const params = anetParamLayers().map((l, i) => Float32Array.from({ length: l.size }, (_, j) => {
    const v = Math.sin(i * 1000 + j * 0.7);
    if (l.type === 'affine_') return Math.fround(j < l.size / 2 ? 1 + 0.1 * v : 0.05 * v);
    if (l.type === 'con_') return Math.fround((v * 0.5) / Math.sqrt(l.shape[1] * l.shape[2] * l.shape[3]));
    return Math.fround(v * 0.05);
  }));
  // Through the file format, as users will load it.
  return readDnnNet(writeDnnNet(buildAnetNet(params)));
}

describe('planNetwork on anet_type', () => {
  const net = anet();
  const plan = planNetwork(net);

  it('has one step per node below the loss, 29 convolutions, 29 affine layers, one fc', () => {
    expect(plan.nodeCount).toBe(net.nodes.length);
    expect(plan.steps).toHaveLength(net.nodes.length - 1);
    expect(plan.steps.filter((s) => s.op === 'conv')).toHaveLength(29);
    expect(plan.steps.filter((s) => s.op === 'affine')).toHaveLength(29);
    expect(plan.steps.filter((s) => s.op === 'fc')).toHaveLength(1);
    expect(plan.outputNode).toBe(1);
    expect(plan.steps[0].op).toBe('input');
    // Bottom-up: every step reads only nodes already computed (higher indices).
    for (const s of plan.steps) {
      if (s.op === 'input') continue;
      expect(s.src).toBeGreaterThan(s.node);
      if (s.op === 'add_prev') expect(s.tagged).toBeGreaterThan(s.node);
    }
  });

  it('wires skips and add_prev as anet_type does', () => {
    const skips = plan.steps.filter((s) => s.op === 'identity' && s.what.startsWith('skip'));
    expect(skips).toHaveLength(4);
    for (const s of skips) {
      if (s.op !== 'identity') continue;
      // skip1 under avg_pool, over tag2 over the block: it forwards the tag1 below the block.
      expect(plan.labels[s.src]).toBe('tag1');
      expect(plan.labels[s.node + 1]).toBe('tag2');
      expect(s.src - s.node).toBe(7);
    }
    const adds = plan.steps.filter((s) => s.op === 'add_prev');
    expect(adds).toHaveLength(14); // 10 identity blocks and 4 down-sampling blocks
    for (const s of adds) {
      if (s.op !== 'add_prev') continue;
      const below = plan.labels[s.src];
      // add_prev2 sits on avg_pool and adds tag2; add_prev1 sits on an affine and adds tag1.
      expect(plan.labels[s.tagged]).toBe(below === 'avg_pool_2' ? 'tag2' : 'tag1');
    }
  });

  it('runs chips to 128-D outputs; every node kept on request; batching does not change results', () => {
    const chips = [randomChip(1), randomChip(2)];
    const run = runNetwork(plan, chips, { keepOutputs: true });
    expect([run.output.n, run.output.k, run.output.nr, run.output.nc]).toEqual([2, 128, 1, 1]);
    const shapeAt = (i: number): number[] => { const t = run.outputs![i]!; return [t.n, t.k, t.nr, t.nc]; };
    expect(shapeAt(net.nodes.length - 1)).toEqual([2, 3, 150, 150]);
    expect(run.outputs![0]).toBeUndefined();
    for (let i = 1; i < net.nodes.length; i++) expect(run.outputs![i], `node ${i}`).toBeDefined();
    expect(run.output.data.every(Number.isFinite)).toBe(true);
    const one = forward(plan, chips, { batchSize: 1 });
    expect(one).toHaveLength(2);
    expect(Array.from(one[1])).toEqual(Array.from(run.output.data.subarray(128)));
    // Without keepOutputs only the output survives; shared slots and in-place layers give the same bits.
    expect(runNetwork(plan, [randomChip(3)]).outputs).toBeUndefined();
    expect(Array.from(runNetwork(plan, chips).output.data)).toEqual(Array.from(run.output.data));
    const shared = layoutPlan(plan);
    expect(shared.slotSizes.length).toBeLessThan(layoutPlan(plan, { keepOutputs: true }).slotSizes.length);
    expect(shared.slotOf.filter((s, i) => plan.steps.some((t) => t.op === 'relu' && t.node === i && s === shared.slotOf[t.src])).length).toBeGreaterThan(0);
  });

  it('recognises anet_type written by older dlib versions (con_4, affine_, fc_2, loss_metric_) or saved without clean()', () => {
    const old = anet();
    for (const n of old.nodes) {
      if (n.kind === 'loss') n.details = { typeName: 'loss_metric_', type: 'loss_metric_', fields: {} };
      if (n.kind !== 'layer') continue;
      const d = n.details;
      if (d.type === 'con_') { d.typeName = 'con_4'; delete d.fields.useBias; }
      if (d.type === 'affine_') { d.typeName = 'affine_'; delete d.fields.disabled; }
      if (d.type === 'fc_') { d.typeName = 'fc_2'; delete d.fields.useBias; }
      n.state.cachedOutput = makeTensor(1, 2, 3, 4);
    }
    expect(hasAnetStructure(old)).toBe(true);
    expect(Array.from(forward(old, [randomChip(7)])[0])).toEqual(Array.from(forward(plan, [randomChip(7)])[0]));
    // A different hyper-parameter is not anet_type.
    const other = anet();
    const con = other.nodes.find((n) => n.kind === 'layer' && n.details.type === 'con_');
    if (con?.kind === 'layer') con.details.fields.strideY = 2;
    expect(hasAnetStructure(other)).toBe(false);
  });

  it('calls the GEMM hook once per convolution and once for the fc layer; a double-precision GEMM stays close', () => {
    let calls = 0;
    const counting: Gemm = (M, N, K, A, B, C) => { calls++; gemmReference(M, N, K, A, B, C); };
    const ref = forward(plan, [randomChip(4)]);
    const viaHook = forward(plan, [randomChip(4)], { gemm: counting });
    expect(calls).toBe(30);
    expect(Array.from(viaHook[0])).toEqual(Array.from(ref[0]));
    const double: Gemm = (M, N, K, A, B, C) => {
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[m * K + k] * B[k * N + n];
        C[m * N + n] = s;
      }
    };
    const d = forward(plan, [randomChip(4)], { gemm: double })[0];
    let max = 0;
    let norm = 0;
    for (let i = 0; i < 128; i++) { max = Math.max(max, Math.abs(d[i] - ref[0][i])); norm = Math.max(norm, Math.abs(ref[0][i])); }
    expect(max).toBeLessThan(1e-4 * Math.max(1, norm));
  });
});

// A small network made by hand: loss_metric<fc_no_bias<4, avg_pool_everything<relu<add_prev1<
// con<2,3,3,1,1, tag1<con<2,3,3,2,2, input_rgb_image_sized<9>>>>>>>>>
function smallNet(): { net: DnnNet; c1: Float32Array; c2: Float32Array; w: Float32Array } {
  const empty = () => makeTensor(0, 0, 0, 0);
  const state = (onInput: boolean): DnnAddLayerState => onInput
    ? { thisLayerSetupCalled: true, gradientInputIsStale: true, getOutputAndGradientInputDisabled: false, xGrad: empty(), cachedOutput: empty(), gradFinal: empty(), sampleExpansionFactor: 1 }
    : { thisLayerSetupCalled: true, gradientInputIsStale: true, getOutputAndGradientInputDisabled: false, xGrad: empty(), cachedOutput: empty(), paramsGrad: empty() };
  const arr = (n: number, seed: number) => Float32Array.from({ length: n }, (_, j) => Math.fround(Math.sin(seed + j) * 0.3));
  const con = (params: Float32Array, n: number, k: number, stride: number, pad: number): DnnLayerDetails => ({
    typeName: 'con_5', type: 'con_', fields: {
      params: { ...makeTensor(params.length, 1, 1, 1), data: params }, numFilters: n, nr: 3, nc: 3, strideY: stride, strideX: stride,
      paddingY: pad, paddingX: pad, filters: { numSamples: n, k, nr: 3, nc: 3 }, biases: { numSamples: 1, k: n, nr: 1, nc: 1 },
      learningRateMultiplier: 1, weightDecayMultiplier: 1, biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0, useBias: true,
    },
  });
  const c1 = arr(2 * 3 * 9 + 2, 1);
  const c2 = arr(2 * 2 * 9 + 2, 2);
  const w = arr(2 * 4, 3);
  const nodes: DnnNode[] = [
    { kind: 'loss', version: 1, details: { typeName: 'loss_metric_2', type: 'loss_metric_', fields: { margin: Math.fround(0.04), distThresh: Math.fround(0.6) } } },
    { kind: 'layer', version: 2, state: state(false), details: {
      typeName: 'fc_3', type: 'fc_', fields: {
        numOutputs: 4, numInputs: 2, params: { ...makeTensor(2, 4, 1, 1), data: w }, weights: { numSamples: 2, k: 4, nr: 1, nc: 1 },
        biases: { numSamples: 0, k: 0, nr: 0, nc: 0 }, biasMode: 1, learningRateMultiplier: 1, weightDecayMultiplier: 1,
        biasLearningRateMultiplier: 1, biasWeightDecayMultiplier: 0, useBias: true,
      },
    } },
    { kind: 'layer', version: 2, state: state(false), details: { typeName: 'avg_pool_2', type: 'avg_pool_', fields: { nr: 0, nc: 0, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 } } },
    { kind: 'layer', version: 2, state: state(false), details: { typeName: 'relu_', type: 'relu_', fields: {} } },
    { kind: 'layer', version: 2, state: state(false), details: { typeName: 'add_prev_', type: 'add_prev_', fields: {} } },
    { kind: 'layer', version: 2, state: state(false), details: con(c2, 2, 2, 1, 1) },
    { kind: 'tag_or_skip', version: 1 },
    { kind: 'layer', version: 3, state: state(true), details: con(c1, 2, 3, 2, 0) },
    { kind: 'input', details: { typeName: 'input_rgb_image_sized', type: 'input_rgb_image_sized', fields: { avgRed: Math.fround(122.782), avgGreen: Math.fround(117.001), avgBlue: Math.fround(104.298), nr: 9, nc: 9 } } },
  ];
  return { net: readDnnNet(writeDnnNet({ nodes })), c1, c2, w };
}

describe('planNetwork on a hand-made network', () => {
  const { net, c1, c2, w } = smallNet();
  const wiring = { tagRoles: new Map([[6, { kind: 'tag' as const, id: 1 }]]) };

  it('needs the wiring: the file does not say what a tag_or_skip node is', () => {
    expect(() => resolveWiring(net)).toThrow(/wiring/);
    expect(() => planNetwork(net)).toThrow(/wiring/);
  });

  it('equals the layer functions composed by hand', () => {
    const plan = planNetwork(net, { wiring });
    const chips = [randomChip(5, 9), randomChip(6, 9)];
    const got = forward(plan, chips);

    const x = tensor(2, 3, 9, 9);
    inputRgbImageSized(x, chips, 9);
    const w1: Window2d = { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 };
    const a = tensor(2, 2, 4, 4);
    conv(a, x, c1.subarray(0, 54), c1.subarray(54), 2, w1);
    const w2: Window2d = { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 };
    const b = tensor(2, 2, 4, 4);
    conv(b, a, c2.subarray(0, 36), c2.subarray(36), 2, w2);
    const s = tensor(2, 2, 4, 4);
    addPrev(s, b, a);
    relu(s, s);
    const p = tensor(2, 2, 1, 1);
    avgPoolEverything(p, s);
    const y = tensor(2, 4, 1, 1);
    fcNoBias(y, p, w, 4);
    expect(got.map((v) => Array.from(v))).toEqual([Array.from(y.data.subarray(0, 4)), Array.from(y.data.subarray(4))]);
  });

  it('a skip instead of the tag has nothing to forward: a clear error', () => {
    expect(() => planNetwork(net, { wiring: { tagRoles: new Map([[6, { kind: 'skip' as const, id: 1 }]]) } })).toThrow(/no tag/);
  });
});
