/**
 * dlib's initialisation of a fresh network: what each layer's `setup()` does on the network's
 * first forward pass (dlib/dnn/layers.h, dlib/dnn/utilities.h `randomize_parameters`).
 *
 * Layers are set up bottom-up, in the order the forward pass reaches them. Each con_ and fc_
 * makes its own generator, `dlib::rand rnd(std::rand())` (a dlib::rand seeded with the decimal
 * text of the next value of the C library's `rand()`), and fills its whole `params` tensor with
 * `(2*rnd.get_random_float() - 1) * sqrt(6.0/(num_inputs + num_outputs))` (Glorot & Bengio's
 * uniform initialisation; the product in double, stored as float), then sets its biases to 0.
 * bn_ starts with gamma 1, beta 0, running means 0 and running variances 1 (buildFaceNet's bn_con
 * layers already hold those values). affine_, relu_, pools and add_prev_ draw nothing.
 */
import { layersInFileOrder, type DnnNet } from '../dlib/index.js';
import type { DlibTensor } from '../dlib/serialize.js';
import { DlibRand } from '../rand/dlib-rand.js';

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number') throw new RangeError(`initialize: ${what} is missing`);
  return v;
};

/**
 * Fills every con_ and fc_ layer of `net` as dlib's setup() does, drawing one seed per layer from
 * `nextSeed` (glibc's `rand()` in dlib: see `GlibcRand`), bottom-up. The input size matters only
 * for an fc_ (its input count): `inputChannels` of the layer below are taken from the network's
 * tensors, which buildFaceNet sized already.
 *
 * @returns the seeds used, bottom-up (one per con_/fc_)
 */
export function initializeNet(net: DnnNet, nextSeed: () => number): number[] {
  const seeds: number[] = [];
  const f = Math.fround;
  for (const l of layersInFileOrder(net)) {
    const d = l.details;
    if (d.type !== 'con_' && d.type !== 'fc_') continue;
    const params = (d.fields.params as DlibTensor | undefined)?.data;
    if (params === undefined) throw new RangeError(`initialize: ${d.typeName} has no params`);
    let inputs: number;
    let outputs: number;
    let biasStart: number;
    if (d.type === 'con_') {
      const filters = d.fields.filters as { numSamples: number; k: number; nr: number; nc: number };
      inputs = filters.k * filters.nr * filters.nc;
      outputs = num(d.fields.numFilters, 'numFilters');
      biasStart = d.fields.useBias === false ? params.length : inputs * outputs;
    } else {
      inputs = num(d.fields.numInputs, 'numInputs');
      outputs = num(d.fields.numOutputs, 'numOutputs');
      biasStart = inputs * outputs;
    }
    const seed = nextSeed();
    seeds.push(seed);
    const rnd = new DlibRand(String(seed));
    const scale = Math.sqrt(6.0 / (inputs + outputs));
    for (let i = 0; i < params.length; i++) {
      // val = 2*get_random_float()-1 (float), then val *= sqrt(6.0/n) (a double product stored as float)
      const v = f(2 * rnd.getRandomFloat() - 1);
      params[i] = f(v * scale);
    }
    params.fill(0, biasStart);
  }
  return seeds;
}
