/** Tests of src/models/convert-faceapi.ts: face-api weights -> dlib anet_type network file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anetParamLayers, anetStructureDifferences, parameterLayers } from '../../src/dlib/anet.js';
import { layersInFileOrder, readDnnNet } from '../../src/dlib/dnn.js';
import type { DlibTensor } from '../../src/dlib/serialize.js';
import { ModelAssetError } from '../../src/errors.js';
import { convertFaceApiToDlib, decodeFaceApiWeights } from '../../src/models/convert-faceapi.js';
import { faceApiWeights, requireFaceApiWeights } from '../helpers/faceapi.js';

const { manifestPath, binPath } = faceApiWeights;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'facemetric-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Spec { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; scale: number; min: number } }

/** An independent dequantization: tfjs computes q * scale + min in doubles, stored to float32. */
function expectedTensors(): Array<{ name: string; shape: number[]; values: Float32Array }> {
  const groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as Array<{ weights: Spec[] }>;
  const bin = readFileSync(binPath);
  const out: Array<{ name: string; shape: number[]; values: Float32Array }> = [];
  let off = 0;
  for (const w of groups.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    if (w.quantization) {
      for (let i = 0; i < n; i++) values[i] = Math.fround(bin[off + i] * w.quantization.scale + w.quantization.min);
      off += n;
    } else {
      for (let i = 0; i < n; i++) values[i] = bin.readFloatLE(off + 4 * i);
      off += 4 * n;
    }
    out.push({ name: w.name, shape: w.shape, values });
  }
  expect(off).toBe(bin.length);
  return out;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('convertFaceApiToDlib', () => {
  let bytes: Uint8Array;
  beforeAll(() => {
    requireFaceApiWeights();
    bytes = convertFaceApiToDlib(manifestPath, binPath);
  });

  it('writes an anet_type network file holding face-api\'s weights', () => {
    const net = readDnnNet(bytes, 'converted.dat');
    expect(anetStructureDifferences(net)).toEqual([]);
    const layers = layersInFileOrder(net);
    expect(layers.filter((l) => l.details.type === 'con_')).toHaveLength(29);
    const fc = layers[layers.length - 1];
    expect(fc.details.fields).toMatchObject({ numOutputs: 128, numInputs: 256 });
    expect(net.nodes[0].kind === 'loss' && net.nodes[0].details.typeName).toBe('loss_metric_2');
    expect(bytes.length).toBe(22_466_154);
    expect(Buffer.from(convertFaceApiToDlib(manifestPath, binPath)).equals(Buffer.from(bytes))).toBe(true); // deterministic
  });

  it('stores exactly the dequantized manifest values, in dlib layouts', () => {
    const net = readDnnNet(bytes, 'converted.dat');
    const layers = parameterLayers(net);
    const t = expectedTensors();
    expect(t).toHaveLength(117);
    let k = 0;
    for (const l of layers) {
      const params = (l.details.fields.params as DlibTensor).data;
      if (l.details.type === 'con_') {
        const f = t[k++];
        const b = t[k++];
        const [kh, kw, cin, cout] = f.shape;
        expect(f.name).toMatch(/\/conv\/filters$/);
        // HWIO source index -> dlib [out][in][kh][kw]
        const want = new Float32Array(params.length);
        let src = 0;
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
          want[o * cin * kh * kw + i * kh * kw + y * kw + x] = f.values[src++];
        }
        want.set(b.values, cout * cin * kh * kw);
        expect(sameBits(params, want)).toBe(true);
      } else if (l.details.type === 'affine_') {
        const g = t[k++];
        const b = t[k++];
        expect([g.name.endsWith('/scale/weights'), b.name.endsWith('/scale/biases')]).toEqual([true, true]);
        expect(l.details.fields).toMatchObject({ mode: 0, gamma: { numSamples: 1, k: g.values.length, nr: 1, nc: 1 } });
        const want = new Float32Array(2 * g.values.length);
        want.set(g.values, 0);
        want.set(b.values, g.values.length);
        expect(sameBits(params, want)).toBe(true);
      } else {
        const f = t[k++];
        expect(f.name).toBe('fc');
        expect(sameBits(params, f.values)).toBe(true);
      }
    }
    expect(k).toBe(117);
  });
  // Its structure against a face ResNet written by dlib: test/parity/serialization-parity.test.ts.
});

describe('face-api weight decoding', () => {
  it('dequantizes like TensorFlow.js (double arithmetic, one rounding to float32)', () => {
    const manifest = [{
      paths: ['x.bin'],
      weights: [
        { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -0.3 } },
        { name: 'f32', shape: [2], dtype: 'float32' },
        { name: 'q16', shape: [1], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1e-5, min: 1 } },
      ],
    }];
    const bin = new Uint8Array(3 + 8 + 2);
    bin.set([0, 3, 255], 0);
    new DataView(bin.buffer).setFloat32(3, 1.25, true);
    new DataView(bin.buffer).setFloat32(7, -2.5e-8, true);
    new DataView(bin.buffer).setUint16(11, 65535, true);
    const [q8, f32, q16] = decodeFaceApiWeights(manifest, bin);
    expect(Array.from(q8.data)).toEqual([Math.fround(-0.3), Math.fround(3 * 0.1 - 0.3), Math.fround(255 * 0.1 - 0.3)]);
    expect(q8.data[1]).not.toBe(0); // 3*0.1 - 0.3 is 5.55e-17 in doubles, not 0
    expect(Array.from(f32.data)).toEqual([1.25, Math.fround(-2.5e-8)]);
    expect(q16.data[0]).toBe(Math.fround(65535 * 1e-5 + 1));
  });

  it('reports size mismatches, unknown quantization and wrong tensors as ModelAssetError', () => {
    const w = (q?: object) => [{ paths: ['x.bin'], weights: [{ name: 'a', shape: [4], dtype: 'float32', ...(q ? { quantization: q } : {}) }] }];
    expect(() => decodeFaceApiWeights(w(), new Uint8Array(15), { bin: 'x.bin' })).toThrow(ModelAssetError);
    expect(() => decodeFaceApiWeights(w(), new Uint8Array(15), { bin: 'x.bin' })).toThrow("x.bin: weight 'a' needs bytes 0..16 but the file has 15");
    expect(() => decodeFaceApiWeights(w(), new Uint8Array(17), { bin: 'x.bin' })).toThrow("x.bin: the manifest's weights take 16 bytes but the file has 17");
    expect(() => decodeFaceApiWeights(w({ dtype: 'float16' }), new Uint8Array(8), { manifest: 'm.json' })).toThrow(/m\.json: weight 'a' uses float16 quantization/);
    expect(() => decodeFaceApiWeights({ nope: 1 }, new Uint8Array(0), { manifest: 'm.json' })).toThrow(/m\.json: not a TensorFlow\.js weights manifest/);
  });

  it('names the tensor that does not fit anet_type', () => {
    requireFaceApiWeights();
    const groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as Array<{ weights: Spec[] }>;
    // swap the 7x7 conv's bias and its scale weights (same size, wrong order)
    const ws = groups[0].weights;
    [ws[1], ws[2]] = [ws[2], ws[1]];
    const bad = path.join(tmp, 'swapped.json');
    writeFileSync(bad, JSON.stringify(groups));
    expect(() => convertFaceApiToDlib(bad, binPath)).toThrow(`${bad}: tensor 1: expected '…/bias' of shape [32], found 'conv32_down/scale/weights' of shape [32]`);
    expect(() => convertFaceApiToDlib(path.join(tmp, 'missing.json'), binPath)).toThrow(ModelAssetError);
    const short = path.join(tmp, 'short.bin');
    writeFileSync(short, readFileSync(binPath).subarray(0, 1000));
    expect(() => convertFaceApiToDlib(manifestPath, short)).toThrow(/short\.bin: weight 'conv32_down\/conv\/filters' needs bytes 0\.\.4704 but the file has 1000/);
    expect(anetParamLayers()).toHaveLength(59);
  });
});
