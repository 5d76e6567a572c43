/**
 * Tests of src/dlib/dnn.ts and anet.ts (dlib/dnn/core.h, layers.h, input.h, loss.h network files).
 * A face ResNet that live dlib writes: test/parity/serialization-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { olderFormatNets } from '../helpers/dlib-samples.js';
import {
  describeNode, layerParams, layersInFileOrder, readDnnNet, structureSignature, writeDnnNet,
  type DnnLayerNode, type DnnNet, type DnnNode,
} from '../../src/dlib/dnn.js';
import {
  anetParamLayers, anetStructureDifferences, anetTagRoles, buildAnetNet, parameterLayers,
} from '../../src/dlib/anet.js';
import { makeTensor, type DlibTensor } from '../../src/dlib/serialize.js';
import { dataPath, errorOf, findAscii, firstDifference, readBytes } from './fixtures.js';

function roundTrips(bytes: Uint8Array, file: string): DnnNet {
  const net = readDnnNet(bytes, file);
  expect(firstDifference(writeDnnNet(net), bytes)).toBe(-1);
  return net;
}

const typeNames = (nodes: readonly DnnNode[]): string[] => nodes.map((n) => (n.kind === 'layer' || n.kind === 'loss' || n.kind === 'input' ? n.details.typeName : n.kind));

/** The anet_type bytes with deterministic non-zero parameters. */
function anetBytes(): Uint8Array {
  const params = anetParamLayers().map((l, i) => Float32Array.from({ length: l.size }, (_, j) => Math.fround(Math.sin(i * 1000 + j) * 0.1)));
  return writeDnnNet(buildAnetNet(params));
}
const ANET = anetBytes();

describe('anet_type built in TypeScript', () => {
  it('has the face ResNet layer list (29 con, 29 affine, 128-D fc) and round-trips', () => {
    const net = roundTrips(ANET, 'anet.dat');
    expect(structureSignature(net)).toEqual(structureSignature(buildAnetNet()));
    expect(anetStructureDifferences(net)).toEqual([]);
    expect(net.nodes).toHaveLength(132);
    const names = typeNames(net.nodes);
    expect(names.slice(0, 10)).toEqual(['loss_metric_2', 'fc_3', 'avg_pool_2', 'relu_', 'add_prev_', 'avg_pool_2', 'tag_or_skip', 'tag_or_skip', 'affine_2', 'con_5']);
    expect(names.slice(-6)).toEqual(['tag_or_skip', 'max_pool_2', 'relu_', 'affine_2', 'con_5', 'input_rgb_image_sized']);
    const pl = anetParamLayers();
    expect(pl).toHaveLength(59);
    expect(pl.filter((l) => l.type === 'con_')).toHaveLength(29);
    expect(pl[0]).toEqual({ type: 'con_', size: 32 * 3 * 49 + 32, shape: [32, 3, 7, 7] });
    expect(pl[1]).toEqual({ type: 'affine_', size: 64, shape: [32] });
    expect(pl[58]).toEqual({ type: 'fc_', size: 256 * 128, shape: [256, 128] });
    expect(pl.reduce((a, l) => a + l.size, 0)).toBe(5_614_592) // = the element count of face-api's 117 tensors;
    // tag roles: residual blocks have tag1; downsampling blocks skip1 + tag2 + tag1
    const roles = [...anetTagRoles().values()];
    expect(roles.filter((r) => r.kind === 'skip')).toHaveLength(4);
    expect(roles.filter((r) => r.kind === 'tag' && r.id === 2)).toHaveLength(4);
    expect(roles.filter((r) => r.kind === 'tag' && r.id === 1)).toHaveLength(14); // 10 residual + 4 down blocks
    expect([...anetTagRoles().keys()].every((i) => net.nodes[i].kind === 'tag_or_skip')).toBe(true);
  });

  it('splits parameters like dlib aliases them', () => {
    const net = readDnnNet(ANET);
    const [con, affine] = parameterLayers(net);
    const p = layerParams(con.details);
    expect(p.filters).toHaveLength(32 * 3 * 7 * 7);
    expect(p.biases).toHaveLength(32);
    expect(p.shapes.filters).toEqual({ numSamples: 32, k: 3, nr: 7, nc: 7 });
    const params = con.details.fields.params as DlibTensor;
    expect(p.biases![0]).toBe(params.data[32 * 147]);
    const a = layerParams(affine.details);
    expect(a.gamma).toHaveLength(32);
    expect(a.beta![0]).toBe((affine.details.fields.params as DlibTensor).data[32]);
    const fc = layerParams(layersInFileOrder(net).at(-1)!.details);
    expect(fc.weights).toHaveLength(256 * 128);
    expect(fc.biases).toBeUndefined();
  });

  it('reports corrupted type strings, versions, truncation and trailing bytes', () => {
    const msg = (b: Uint8Array): string => errorOf(() => readDnnNet(b, 'net.dat')).message;
    const flip = (s: string, nth: number, k: number, to: number): Uint8Array => {
      const c = ANET.slice();
      c[findAscii(ANET, s, nth) + k] = to;
      return c;
    };
    const at = (s: string, nth = 0): number => findAscii(ANET, s, nth) - 2; // the string's length prefix
    expect(msg(flip('con_5', 0, 1, 0x78))).toBe(`net.dat: at byte ${at('con_5')}: expected layer type 'con_5' or 'con_4' or 'cont_2' or 'cont_1' or 'upsample_' or 'resize_to_' or … (39 known), found 'cxn_5' (in layer<130>)`);
    expect(msg(flip('con_5', 0, 4, 0x36))).toBe(`net.dat: at byte ${at('con_5')}: expected layer type 'con_5' or 'con_4', found 'con_6' (a version this reader does not know) (in layer<130>)`);
    expect(msg(flip('affine_2', 3, 0, 0x62))).toMatch(new RegExp(`^net\\.dat: at byte ${at('affine_2', 3)}: expected layer type .*, found 'bffine_2' \\(in layer<\\d+>\\)$`));
    expect(msg(flip('input_rgb_image_sized', 0, 0, 0x49))).toBe(`net.dat: at byte ${at('input_rgb_image_sized')}: expected input layer type 'input_rgb_image' or 'input_rgb_image_sized' or 'input_rgb_image_pair' or 'input<matrix>' or 'input<array<matrix>>' or 'input<array2d>' or … (9 known), found 'Input_rgb_image_sized' (in layer<130>)`);
    expect(msg(flip('loss_metric_2', 0, 12, 0x39))).toBe("net.dat: at byte 2: expected loss layer type 'loss_metric_2' or 'loss_metric_', found 'loss_metric_9' (a version this reader does not know)");
    expect(msg(flip('fc_3', 0, 3, 0x34))).toMatch(/expected layer type 'fc_3' or 'fc_2', found 'fc_4' \(a version this reader does not know\) \(in layer<1>\)$/);
    // wrapper versions: the loss layer's (byte 1), fc's add_layer (byte 29)
    const v = ANET.slice();
    v[1] = 7;
    expect(msg(v)).toBe('net.dat: at byte 0: expected add_loss_layer version 1, found 7 (in add_loss_layer)');
    const w = ANET.slice();
    const fcVersionAt = findAscii(ANET, 'loss_metric_2') + 13 + 12; // after the name and two 6-byte floats
    expect([w[fcVersionAt], w[fcVersionAt + 1]]).toEqual([1, 2]);
    w[fcVersionAt + 1] = 9;
    expect(msg(w)).toBe(`net.dat: at byte ${fcVersionAt}: expected layer wrapper version 1, 2 or 3 (add_tag_layer/add_skip_layer/repeat, add_layer, add_layer over input), found 9`);
    // a tensor version inside the bottom con_5
    const t = ANET.slice();
    const tensorAt = findAscii(ANET, 'con_5') + 5;
    expect([t[tensorAt], t[tensorAt + 1]]).toEqual([1, 2]);
    t[tensorAt + 1] = 3;
    expect(msg(t)).toBe(`net.dat: at byte ${tensorAt}: expected params tensor version 2, found 3 (in layer<130> > con_5)`);
    // truncation
    for (const cut of [0, 2, 9, 150, 300, 400, 20_000, ANET.length - 1]) {
      expect(msg(ANET.subarray(0, cut))).toMatch(new RegExp(`^net\\.dat: at byte \\d+: expected .*, found file ends at ${cut}`));
    }
    expect(msg(ANET.subarray(0, 1000))).toBe('net.dat: at byte 352: expected 4-byte float32 params tensor data (18944 bytes), found file ends at 1000 (in layer<130> > con_5)');
    // trailing garbage, compressed file
    const longer = new Uint8Array(ANET.length + 4);
    longer.set(ANET);
    expect(msg(longer)).toBe(`net.dat: at byte ${ANET.length}: expected end of the network file, found 4 more bytes (starting with 0x00)`);
    expect(msg(new TextEncoder().encode('BZh91AY&SY'))).toBe('net.dat: at byte 0: expected a dlib network file, found a bzip2 header (decompress the file first)');
  });

  it('rejects an unsupported loss layer payload clearly', () => {
    const net = buildAnetNet();
    (net.nodes[0] as { details: { typeName: string } }).details.typeName = 'loss_multiclass_log_';
    (net.nodes[0] as { details: { fields: object } }).details.fields = {};
    const bytes = writeDnnNet(net);
    expect(readDnnNet(bytes).nodes[0]).toMatchObject({ kind: 'loss', details: { type: 'loss_multiclass_log_' } });
    const c = new Uint8Array(bytes.length - 'loss_multiclass_log_'.length + 'loss_mmod_'.length);
    c.set([1, 1, 1, 10]);
    c.set(new TextEncoder().encode('loss_mmod_'), 4);
    c.set(bytes.subarray(4 + 20), 14);
    expect(errorOf(() => readDnnNet(c, 'mmod.dat')).message).toBe("mmod.dat: at byte 2: expected loss layer type this parser supports, found 'loss_mmod_' (its payload is not supported)");
  });
});

describe('small networks written by dlib', () => {
  it('zoo_repeat.dat: repeat<2, relu<fc<6>>> over a tag on the input', () => {
    const net = roundTrips(readBytes(dataPath('zoo_repeat.dat')), 'zoo_repeat.dat');
    expect(typeNames(net.nodes)).toEqual(['loss_multiclass_log_', 'fc_3', 'repeat', 'tag', 'input<matrix>']);
    const rep = net.nodes[2];
    expect(rep.kind).toBe('repeat');
    if (rep.kind !== 'repeat') return;
    expect(rep.blocks).toHaveLength(2);
    for (const b of rep.blocks) {
      expect(typeNames(b)).toEqual(['relu_', 'fc_3', 'repeat_input']);
      expect((b[1] as DnnLayerNode).version).toBe(3);
      expect((b[1] as DnnLayerNode).details.fields).toMatchObject({ numOutputs: 6 });
    }
    expect(net.nodes[3]).toMatchObject({ kind: 'tag', version: 2, state: { sampleExpansionFactor: 1 } });
    // file order: the repeated blocks' layers come before the layers below the repeat
    expect(layersInFileOrder(net).map((l) => l.details.typeName)).toEqual(['fc_3', 'relu_', 'fc_3', 'relu_', 'fc_3']);
  });

  it('zoo_layers.dat: every layer type of the list, with skips and tags', () => {
    const net = roundTrips(readBytes(dataPath('zoo_layers.dat')), 'zoo_layers.dat');
    expect(typeNames(net.nodes)).toEqual([
      'loss_binary_log_', 'fc_3', 'l2normalize_', 'dropout_', 'prelu_', 'bn_fc2', 'fc_3', 'multiply_', 'leaky_relu_', 'sig_', 'htan_',
      'elu_', 'gelu_', 'mish_', 'silu_', 'clipped_relu_', 'smelu_', 'layer_norm_', 'avg_pool_2', 'max_pool_2', 'bn_con2', 'cont_2',
      'add_prev_', 'mult_prev_', 'tag_or_skip', 'tag_or_skip', 'con_5', 'tag_or_skip', 'con_5', 'upsample_', 'input<matrix>',
    ]);
    expect(net.nodes.map(describeNode).join('\n')).toContain('max_pool_2 nr=2 nc=2 strideY=1 strideX=1 paddingY=1 paddingX=1');
    const bn = net.nodes[20] as DnnLayerNode;
    expect(bn.details.fields).toMatchObject({ numUpdates: 1, runningStatsWindowSize: 100 });
    expect(layerParams(bn.details).gamma).toHaveLength(3);
  });

  it('zoo_concat_noclean.dat: concat, extract, FC-mode affine and cached outputs', () => {
    const net = roundTrips(readBytes(dataPath('zoo_concat_noclean.dat')), 'zoo_concat_noclean.dat');
    expect(typeNames(net.nodes)).toEqual([
      'loss_mean_squared_multioutput_', 'fc_3', 'softmax_', 'affine_2', 'extract_', 'concat_', 'tag_or_skip', 'con_5', 'tag_or_skip', 'con_5', 'input_rgb_image',
    ]);
    const concat = net.nodes[5] as DnnLayerNode;
    expect(concat.details.fields).toEqual({ tagCount: 2 });
    expect(concat.state.cachedOutput.data.length).toBeGreaterThan(0);
    expect((net.nodes[3] as DnnLayerNode).details.fields).toMatchObject({ mode: 1 });
  });
});

describe('older formats dlib still reads', () => {
  it('round-trips con_4, fc_2, affine_, loss_metric_, add_layer v2 over input, tag v1 over input, no loss layer', () => {
    const { withLoss, noLoss } = olderFormatNets();
    for (const net of [withLoss, noLoss]) {
      const bytes = writeDnnNet(net);
      const back = readDnnNet(bytes, 'old.dat');
      expect(structureSignature(back)).toEqual(structureSignature(net));
      expect(back).toEqual(net);
      expect(firstDifference(writeDnnNet(back), bytes)).toBe(-1);
    }
  });

  it('refuses to write inconsistent layer lists', () => {
    expect(() => writeDnnNet({ nodes: [{ kind: 'tag_or_skip', version: 1 }] })).toThrow(/without an input layer/);
    expect(() => writeDnnNet({ nodes: [{ kind: 'layer', version: 3, details: { typeName: 'relu_', type: 'relu_', fields: {} }, state: { thisLayerSetupCalled: false, gradientInputIsStale: false, getOutputAndGradientInputDisabled: false, xGrad: makeTensor(0, 0, 0, 0), cachedOutput: makeTensor(0, 0, 0, 0) } }] })).toThrow(/nothing below it/);
  });
});
