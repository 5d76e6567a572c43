/**
 * Training steps of the face ResNet against live dlib (harness `train-step`, `convert-net`:
 * dlib 19.24 on Debian's reference BLAS, one thread), on real 150x150 face chips (dlib's
 * examples/johns), small mini-batches so the TypeScript reference runs in seconds:
 *
 *  - A fresh bn_con network (facenet::train_net_type): dlib's initialisation
 *    (initializeNet with glibc's rand()) equals the parameters dlib's first forward pass sets
 *    up; then two steps (compute_parameter_gradients + update_parameters with sgd): the loss,
 *    every parameter gradient, every updated parameter and every running statistic identical;
 *    the saved training network byte-identical to dlib's (`net.clean()` then serialize); the
 *    bn_con -> affine_ conversion (toInferenceNet) byte-identical to dlib's
 *    `anet_type testing_net = net;`; dlib loads the training and inference networks facemetric
 *    writes (its conversion of ours gives our bytes) and its descriptors from our inference net
 *    equal facemetric's reference forward pass.
 *  - The same two steps with the WebAssembly kernels in the plain SIMD build (they sum in dlib's
 *    order): identical too; and with the WebAssembly training kernels (WasmConvKernels,
 *    WasmBnLoops: bn_con with relu_ fused).
 *  - Fine-tuning the released model (facenet::net_type: affine_ layers fixed; con_ and fc_
 *    learn) for three steps from `--batches` mini-batches: loss, gradients and parameters
 *    identical.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { buildFaceNet, readDnnNet, writeDnnNet, type DnnNet } from '../../src/dlib/index.js';
import type { RgbImage } from '../../src/image/index.js';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { forward } from '../../src/dnn/net.js';
import { WasmBnLoops } from '../../src/dnn/bn-wasm.js';
import { WasmConvKernels } from '../../src/dnn/conv-grad-wasm.js';
import { makeGemmBlasWasm } from '../../src/dnn/gemm-blas-wasm.js';
import { makeGemmWasm } from '../../src/dnn/gemm-wasm.js';
import { WasmMaxPool } from '../../src/dnn/pool-wasm.js';
import { GlibcRand } from '../../src/rand/glibc-rand.js';
import { toInferenceNet } from '../../src/train/convert.js';
import { initializeNet } from '../../src/train/init.js';
import { TrainingNet } from '../../src/train/network.js';
import { loadImageAsDlib } from '../../src/train/sampler.js';
import { Sgd, type SgdState } from '../../src/train/sgd.js';
import { trainMetricNet } from '../../src/train/train.js';
import { describeParity, diffReport, readF32File, scratchDir } from './helpers.js';

interface StepLine {
  step: number;
  loss: number;
  sizes: number[];
}

/** Mini-batches of `perPerson` chips of each of `people` (johns folders), as a --batches file. */
function writeBatches(dir: string, batches: { person: string; files: number[] }[][]): { list: string; chips: RgbImage[][]; labels: number[][] } {
  const johns = join(exampleImagesDir(), 'johns');
  const lines: string[] = [];
  const chips: RgbImage[][] = [];
  const labels: number[][] = [];
  const ids = new Map<string, number>();
  for (const batch of batches) {
    const c: RgbImage[] = [];
    const l: number[] = [];
    for (const { person, files } of batch) {
      const names = listJpegs(join(johns, person));
      for (const f of files) {
        const path = join(johns, person, names[f]);
        lines.push(`${path} ${person}`);
        c.push(loadImageAsDlib(path));
        if (!ids.has(person)) ids.set(person, ids.size);
        l.push(ids.get(person)!);
      }
    }
    lines.push('');
    chips.push(c);
    labels.push(l);
  }
  const list = join(dir, 'batches.txt');
  writeFileSync(list, lines.join('\n'));
  return { list, chips, labels };
}

function listJpegs(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
}

/** Concatenated parameters (or gradients) of the learnable layers, top-down: the harness's layout. */
function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function runningStats(net: DnnNet): Float32Array {
  const parts: Float32Array[] = [];
  for (const n of net.nodes) {
    if (n.kind !== 'layer' || n.details.type !== 'bn_') continue;
    parts.push((n.details.fields.runningMeans as { data: Float32Array }).data, (n.details.fields.runningVariances as { data: Float32Array }).data);
  }
  return concat(parts);
}

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  let bad = 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) bad++;
  expect(bad, `${what}: ${diffReport(got, want)}`).toBe(0);
}

/**
 * One training step of `tn` (compute_parameter_gradients, then sgd at learning rate 0.01), each
 * result compared with what the harness wrote for that step into `dir`.
 */
function stepLikeDlib(tn: TrainingNet, sgd: Sgd, states: SgdState[], chips: RgbImage[], labels: number[], dir: string, step: number, loss: number): void {
  const r = tn.computeParameterGradients(chips, labels);
  expect(r.loss, `loss of step ${step}`).toBe(loss);
  expectSame(concat(tn.paramLayers.map((p) => p.grad)), readF32File(join(dir, `grads-${step}.f32`)), `gradients of step ${step}`);
  tn.updateParameters(sgd, states, 0.01);
  expectSame(concat(tn.paramLayers.map((p) => p.params)), readF32File(join(dir, `params-${step}.f32`)), `parameters after step ${step}`);
}

describeParity('training the face ResNet against live dlib (reference BLAS)', () => {
  let dir: string;
  let lines: StepLine[];
  let batches: ReturnType<typeof writeBatches>;

  beforeAll(() => {
    dir = scratchDir('train-bn');
    batches = writeBatches(dir, [
      [{ person: 'John_Salley', files: [0, 1] }, { person: 'John_Savage', files: [0, 1] }, { person: 'John_Schneider', files: [0, 1] }],
      [{ person: 'John_Shimkus', files: [0, 1] }, { person: 'John_Simm', files: [0, 1] }, { person: 'John_Salley', files: [2, 3] }],
    ]);
    lines = runHarnessJson<StepLine>(['train-step', '--net', 'bn', '--batches', batches.list, '--out', dir, '--save', join(dir, 'net.dat')]);
    runHarnessJson(['convert-net', '--in', join(dir, 'net.dat'), '--out', join(dir, 'anet.dat')]);
  }, 600_000);

  it('a fresh bn_con net, two sgd steps: initial parameters, loss, gradients, parameters and running statistics identical; the saved net and its affine_ conversion byte-identical', () => {
    const net = buildFaceNet({ norm: 'bn_con' });
    const glibc = new GlibcRand();
    initializeNet(net, () => glibc.rand());
    const tn = new TrainingNet(net);
    expect(tn.paramLayers.map((p) => p.params.length)).toEqual(lines[0].sizes);
    expectSame(concat(tn.paramLayers.map((p) => p.params)), readF32File(join(dir, 'params-0.f32')), 'initial parameters');

    const sgd = new Sgd();
    const states = tn.newSolverStates(sgd);
    for (let s = 0; s < 2; s++) {
      stepLikeDlib(tn, sgd, states, batches.chips[s]!, batches.labels[s]!, dir, s + 1, lines[s]!.loss);
      expectSame(runningStats(net), readF32File(join(dir, `running-${s + 1}.f32`)), `running statistics after step ${s + 1}`);
    }
    const saved = readFileSync(join(dir, 'net.dat'));
    expect(Buffer.compare(Buffer.from(writeDnnNet(net)), saved), 'the saved training network').toBe(0);
    const converted = writeDnnNet(toInferenceNet(readDnnNet(saved)));
    expect(Buffer.compare(Buffer.from(converted), readFileSync(join(dir, 'anet.dat'))), 'the affine_ conversion').toBe(0);

    // dlib loads the networks facemetric writes: the training net (converting it gives our
    // inference net's bytes), and the inference net, whose descriptors dlib computes equal to
    // facemetric's reference forward pass (dlib's layer<1>, the fc, over the batch's chips).
    const oursTraining = join(dir, 'ours.training.dat');
    const oursInference = join(dir, 'ours.dat');
    writeFileSync(oursTraining, writeDnnNet(net));
    writeFileSync(oursInference, writeDnnNet(toInferenceNet(net)));
    runHarnessJson(['convert-net', '--in', oursTraining, '--out', join(dir, 'ours-by-dlib.dat')]);
    expect(Buffer.compare(readFileSync(join(dir, 'ours-by-dlib.dat')), readFileSync(oursInference)), 'dlib converting our training net').toBe(0);
    const layersDir = join(dir, 'layers');
    mkdirSync(layersDir);
    const chipPaths = readFileSync(batches.list, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, 6).map((l) => l.split(' ')[0]!);
    runHarness(['layers', '--net', oursInference, '--out', layersDir, ...chipPaths]);
    const dlibDescriptors = readF32File(join(layersDir, 'layer001.f32'));
    const ours = forward(readDnnNet(readFileSync(oursInference)), chipPaths.map((p) => loadImageAsDlib(p)));
    expectSame(concat(ours), dlibDescriptors, "dlib's descriptors from our inference net");
  }, 600_000);

  it('the WebAssembly kernels (plain SIMD build) give the same two steps: loss, gradients, parameters identical to dlib', () => {
    const net = buildFaceNet({ norm: 'bn_con' });
    const glibc = new GlibcRand();
    initializeNet(net, () => glibc.rand());
    const tn = new TrainingNet(net, { kernels: { gemm: makeGemmWasm({ flavour: 'simd' }), gemmBlas: makeGemmBlasWasm({ flavour: 'simd' }) } });
    const sgd = new Sgd();
    const states = tn.newSolverStates(sgd);
    for (let s = 0; s < 2; s++) stepLikeDlib(tn, sgd, states, batches.chips[s]!, batches.labels[s]!, dir, s + 1, lines[s]!.loss);
  }, 600_000);

  it('the WebAssembly training kernels (plain SIMD: WasmConvKernels, the convolutions whole in wasm; WasmBnLoops, bn_con with relu_ fused; WasmMaxPool) give the same two steps: identical to dlib', () => {
    const net = buildFaceNet({ norm: 'bn_con' });
    const glibc = new GlibcRand();
    initializeNet(net, () => glibc.rand());
    const tn = new TrainingNet(net, { kernels: { gemm: makeGemmWasm({ flavour: 'simd' }), gemmBlas: makeGemmBlasWasm({ flavour: 'simd' }), conv: new WasmConvKernels({ flavour: 'simd' }), bn: new WasmBnLoops({ flavour: 'simd' }), maxPool: new WasmMaxPool({ flavour: 'simd' }) } });
    const sgd = new Sgd();
    const states = tn.newSolverStates(sgd);
    for (let s = 0; s < 2; s++) stepLikeDlib(tn, sgd, states, batches.chips[s]!, batches.labels[s]!, dir, s + 1, lines[s]!.loss);
  }, 600_000);

  it('fine-tuning the released model (affine_ fixed) for three steps: loss, gradients and parameters identical, and the model trainMetricNet writes', async () => {
    const fdir = scratchDir('train-affine');
    const fb = writeBatches(fdir, [
      [{ person: 'John_Salley', files: [0, 1] }, { person: 'John_Savage', files: [0, 1] }],
      [{ person: 'John_Schneider', files: [0, 1] }, { person: 'John_Shimkus', files: [0, 1] }],
      [{ person: 'John_Simm', files: [0, 1] }, { person: 'John_Salley', files: [2, 3] }],
    ]);
    const model = assetPath('dlib_face_recognition_resnet_model_v1');
    const want = runHarnessJson<StepLine>(['train-step', '--net', 'affine', '--init', model, '--batches', fb.list, '--out', fdir]);
    const tn = new TrainingNet(readDnnNet(readFileSync(model)));
    expect(tn.paramLayers.map((p) => p.params.length)).toEqual(want[0].sizes);
    const sgd = new Sgd();
    const states = tn.newSolverStates(sgd);
    for (let s = 0; s < 3; s++) stepLikeDlib(tn, sgd, states, fb.chips[s]!, fb.labels[s]!, fdir, s + 1, want[s]!.loss);

    // The same three steps through the training loop (trainMetricNet with the listed
    // mini-batches, dlib's sgd settings), written to a file and read back: dlib's parameters.
    const run = await trainMetricNet({
      data: { kind: 'listed', batches: fb.chips.map((chips, i) => ({ load: () => chips, labels: fb.labels[i]! })) },
      init: readDnnNet(readFileSync(model)), learningRate: 0.01, weightDecay: 0.0005, momentum: 0.9, backend: 'reference',
    });
    expect(run.steps).toBe(3);
    const written = new TrainingNet(readDnnNet(writeDnnNet(run.net)));
    expectSame(concat(written.paramLayers.map((p) => p.params)), readF32File(join(fdir, 'params-3.f32')), 'the written model after three steps');
  }, 600_000);
});
