/**
 * Converts @vladmandic/face-api's `face_recognition_model` (TensorFlow.js weights) into a dlib
 * network file of `anet_type`, the face ResNet of dlib's `examples/dnn_face_recognition_ex.cpp`.
 *
 * The output mirrors what dlib 19.24 writes with `serialize("net.dat") << net` for that network
 * (see `src/dlib/anet.ts` for the structure, `src/dlib/dnn.ts` for `dlib/dnn/core.h`'s
 * layout); only the parameter values come from face-api.
 *
 * face-api's manifest lists 117 tensors in the order of dlib's parameter-bearing layers from
 * the input upwards: for each of the 29 convolutions `.../conv/filters` (HWIO: [kh, kw, in,
 * out]) and `.../conv/bias`, then its affine layer's `.../scale/weights` (gamma) and
 * `.../scale/biases` (beta); last `fc` ([256, 128], inputs x outputs — dlib's fc_no_bias
 * layout). dlib's con_ parameters are [out][in][kh][kw] followed by the out biases; affine_
 * (CONV mode) is gamma then beta, one per channel.
 *
 * Values are dequantized exactly as TensorFlow.js's `decodeWeights` does: for uint8/uint16
 * quantization, `q * scale + min` computed in double precision and stored to a Float32Array
 * (one rounding to float32); float32 tensors are taken as is.
 */
import { readFileSync } from 'node:fs';
import { anetParamLayers, buildAnetNet } from '../dlib/anet.js';
import { writeDnnNet } from '../dlib/dnn.js';
import { ModelAssetError } from '../errors.js';

/** One decoded face-api tensor. */
export interface FaceApiTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Parses and checks a tfjs weights manifest: a list of groups, each with weights specs. */
function manifestWeights(manifest: unknown, file: string | undefined): ManifestWeight[] {
  if (!Array.isArray(manifest)) throw new ModelAssetError('not a TensorFlow.js weights manifest (expected a JSON array of weight groups)', { file });
  const out: ManifestWeight[] = [];
  manifest.forEach((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.weights)) throw new ModelAssetError(`weight group ${gi} has no "weights" list`, { file });
    for (const w of g.weights as unknown[]) {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string'
        || !(w.shape as unknown[]).every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new ModelAssetError(`weight ${out.length} of group ${gi} is not a {name, shape, dtype} spec`, { file });
      }
      if (w.quantization !== undefined && !isObject(w.quantization)) {
        throw new ModelAssetError(`weight '${w.name}' has a malformed quantization entry`, { file });
      }
      out.push(w as unknown as ManifestWeight);
    }
  });
  return out;
}

/**
 * Decodes every tensor of a tfjs weights manifest from the concatenated weight bytes, as
 * TensorFlow.js does (see the file comment for the dequantization rule).
 */
export function decodeFaceApiWeights(manifest: unknown, bin: Uint8Array, files: { manifest?: string; bin?: string } = {}): FaceApiTensor[] {
  const specs = manifestWeights(manifest, files.manifest);
  const dv = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const out: FaceApiTensor[] = [];
  let off = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype !== 'float32') {
      throw new ModelAssetError(`weight '${w.name}' has dtype ${w.dtype}; only float32 weights are expected here`, { file: files.manifest });
    }
    const data = new Float32Array(n);
    const q = w.quantization;
    let bytes: number;
    if (q === undefined) {
      bytes = 4 * n;
      if (off + bytes > bin.length) throw truncated(w.name, off, bytes, bin.length, files.bin);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(off + 4 * i, true);
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
        throw new ModelAssetError(`weight '${w.name}' is ${q.dtype}-quantized but has no numeric scale and min`, { file: files.manifest });
      }
      const { scale, min } = q;
      const size = q.dtype === 'uint8' ? 1 : 2;
      bytes = size * n;
      if (off + bytes > bin.length) throw truncated(w.name, off, bytes, bin.length, files.bin);
      for (let i = 0; i < n; i++) {
        const v = size === 1 ? bin[off + i] : dv.getUint16(off + 2 * i, true);
        data[i] = v * scale + min; // double arithmetic, one rounding to float32 on store (as tfjs)
      }
    } else {
      throw new ModelAssetError(`weight '${w.name}' uses ${q.dtype} quantization, which this converter does not support`, { file: files.manifest });
    }
    out.push({ name: w.name, shape: [...w.shape], data });
    off += bytes;
  }
  if (off !== bin.length) {
    throw new ModelAssetError(`the manifest's weights take ${off} bytes but the file has ${bin.length}`, { file: files.bin });
  }
  return out;
}

function truncated(name: string, off: number, bytes: number, len: number, file: string | undefined): ModelAssetError {
  return new ModelAssetError(`weight '${name}' needs bytes ${off}..${off + bytes} but the file has ${len}`, { file });
}

/** HWIO [kh][kw][in][out] → dlib's [out][in][kh][kw]. */
export function hwioToOihw(src: Float32Array, kh: number, kw: number, cin: number, cout: number, dst: Float32Array, dstOffset = 0): void {
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          dst[dstOffset + ((o * cin + i) * kh + y) * kw + x] = src[((y * kw + x) * cin + i) * cout + o];
        }
      }
    }
  }
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Maps face-api's decoded tensors onto anet_type's parameter tensors (file order, as
 * `anetParamLayers()`), checking names and shapes.
 */
export function faceApiToAnetParams(tensors: readonly FaceApiTensor[], file?: string): Float32Array[] {
  const layers = anetParamLayers();
  const expectedCount = layers.reduce((a, l) => a + (l.type === 'fc_' ? 1 : 2), 0);
  if (tensors.length !== expectedCount) {
    throw new ModelAssetError(`expected ${expectedCount} tensors (29 conv filters+bias, 29 scale weights+biases, fc), found ${tensors.length}`, { file });
  }
  const params: Float32Array[] = [];
  let t = 0;
  const take = (suffix: string, shape: number[]): FaceApiTensor => {
    const x = tensors[t];
    const nameOk = suffix === 'fc' ? x.name === 'fc' || x.name.endsWith('/fc') : x.name.endsWith(suffix);
    if (!nameOk || !sameShape(x.shape, shape)) {
      throw new ModelAssetError(`tensor ${t}: expected '…${suffix}' of shape [${shape.join(',')}], found '${x.name}' of shape [${x.shape.join(',')}]`, { file });
    }
    t++;
    return x;
  };
  for (const l of layers) {
    const p = new Float32Array(l.size);
    if (l.type === 'con_') {
      const [out, cin, kh, kw] = l.shape;
      const f = take('/filters', [kh, kw, cin, out]);
      const b = take('/bias', [out]);
      hwioToOihw(f.data, kh, kw, cin, out, p, 0);
      p.set(b.data, out * cin * kh * kw);
    } else if (l.type === 'affine_') {
      const [n] = l.shape;
      p.set(take('/weights', [n]).data, 0);
      p.set(take('/biases', [n]).data, n);
    } else {
      p.set(take('fc', l.shape).data, 0);
    }
    params.push(p);
  }
  return params;
}

/**
 * Reads face-api's `face_recognition_model-weights_manifest.json` and `face_recognition_model.bin`
 * and returns the bytes of a dlib network file of anet_type holding those weights (loadable by
 * dlib's `deserialize(file) >> net` for anet_type, and by `readDnnNet`).
 */
export function convertFaceApiToDlib(manifestJsonPath: string, binPath: string): Uint8Array {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestJsonPath, 'utf8'));
  } catch (e) {
    throw new ModelAssetError(`cannot read the weights manifest (${(e as Error).message})`, { file: manifestJsonPath, cause: e });
  }
  let bin: Uint8Array;
  try {
    bin = new Uint8Array(readFileSync(binPath));
  } catch (e) {
    throw new ModelAssetError(`cannot read the weights (${(e as Error).message})`, { file: binPath, cause: e });
  }
  const tensors = decodeFaceApiWeights(manifest, bin, { manifest: manifestJsonPath, bin: binPath });
  const params = faceApiToAnetParams(tensors, manifestJsonPath);
  return writeDnnNet(buildAnetNet(params));
}
