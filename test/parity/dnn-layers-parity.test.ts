/**
 * The reference forward pass (src/dnn/) against live dlib, layer by layer.
 *
 * dlib's harness (`chips`) detects the faces of bald_guys.jpg and cuts their 150x150 chips;
 * `layers` runs a few of them as one batch through real dlib (Debian's 19.24 on the reference BLAS/LAPACK the harness is pinned to)
 * and writes every layer's output (layer<i>(net).get_output(), i as in DnnNet.nodes) and the
 * descriptors. We read the same chip PNGs and the same network file, run planNetwork +
 * runNetwork keeping every node's output, and compare: every layer dlib can show (those under
 * an in-place relu_/affine_ were overwritten in dlib and are listed as "inplace"), its shape,
 * the tag/skip wiring (dlib prints tagN/skipN), and the final descriptors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readDnnNet } from '../../src/dlib/index.js';
import { forward, gemmReference, gemmReferenceRows4, planNetwork, runNetwork, type NetPlan, type NetRun } from '../../src/dnn/index.js';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { maxAbsDiff } from '../helpers/float.js';
import { describeParity, diffReport, harnessBlas, readF32File, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

interface LayerEntry {
  index: number;
  inplace?: boolean;
  file?: string;
  shape?: [number, number, number, number];
  details?: string;
}

const CHIPS = 3;

describeParity('reference ResNet forward pass vs dlib, layer by layer', () => {
  let dir = '';
  let chips: RgbImage[] = [];
  let layers: LayerEntry[] = [];
  let plan: NetPlan;
  let run: NetRun;
  let dlibDescriptors: Float32Array;
  let ms = 0;

  beforeAll(() => {
    dir = scratchDir('dnn-layers');
    const net = assetPath('dlib_face_recognition_resnet_model_v1');
    const faces = runHarnessJson<{ chip: string }>([
      'chips', join(exampleImagesDir(), 'faces', 'bald_guys.jpg'), '--out', dir,
      '--predictor', assetPath('shape_predictor_68_face_landmarks'),
    ]);
    expect(faces.length).toBeGreaterThanOrEqual(CHIPS);
    const paths = faces.slice(0, CHIPS).map((f) => f.chip);
    runHarness(['layers', '--net', net, '--out', dir, ...paths]);
    const index = JSON.parse(readFileSync(join(dir, 'layers.json'), 'utf8')) as { batch: number; layers: LayerEntry[] };
    expect(index.batch).toBe(CHIPS);
    layers = index.layers;
    dlibDescriptors = readF32File(join(dir, 'descriptors.f32'));
    chips = paths.map((p) => readImageSync(p));
    plan = planNetwork(readDnnNet(new Uint8Array(readFileSync(net)), net));
    const t0 = performance.now();
    run = runNetwork(plan, chips, { keepOutputs: true });
    ms = performance.now() - t0;
  });

  it('has dlib\'s layer list: same node count, tags and skips where dlib prints them', () => {
    // dlib counts the input layer with the add_layer over it, so it has one layer fewer than
    // DnnNet.nodes (which lists the input node separately); layer<0> (the loss) is not listed.
    expect(Math.max(...layers.map((l) => l.index))).toBe(plan.nodeCount - 2);
    expect(layers.length).toBe(plan.nodeCount - 2);
    for (const l of layers) {
      if (l.details !== undefined && /^(tag|skip)\d+$/.test(l.details)) expect(plan.labels[l.index], `node ${l.index}`).toBe(l.details);
    }
  });

  it('every layer dlib shows has dlib\'s shape and values', () => {
    const rows: string[] = [];
    const failures: string[] = [];
    const tol = TOLERANCES.dnnLayer;
    for (const l of layers) {
      if (l.inplace === true) continue;
      const got = run.outputs![l.index];
      expect(got, `node ${l.index} (${l.details})`).toBeDefined();
      expect([got!.n, got!.k, got!.nr, got!.nc], `node ${l.index} (${l.details}) shape`).toEqual(l.shape);
      const want = readF32File(join(dir, l.file!));
      const d = maxAbsDiff(got!.data, want);
      rows.push(`${String(l.index).padStart(3)} ${l.details!.split(' ')[0]!.padEnd(12)} ${l.shape!.join('x').padEnd(12)} max|diff| ${d}`);
      if (!(d <= tol.abs)) failures.push(`node ${l.index} (${l.details}): ${diffReport(got!.data, want)}`);
    }
    console.log(`reference forward pass: ${(ms / CHIPS).toFixed(0)} ms/face (batch of ${CHIPS}); dlib's BLAS: ${harnessBlas().blas}, tolerance ${tol.abs}\n${rows.join('\n')}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('descriptors match dlib\'s (one batch, and forward() in batches of 1 and 2, the latter with gemmReferenceRows4)', () => {
    const top = run.output;
    expect([top.n, top.k, top.nr, top.nc]).toEqual([CHIPS, 128, 1, 1]);
    expect(maxAbsDiff(top.data, dlibDescriptors), diffReport(top.data, dlibDescriptors)).toBeLessThanOrEqual(TOLERANCES.descriptorReference.abs);
    for (const [batchSize, gemm] of [[1, gemmReference], [2, gemmReferenceRows4]] as const) {
      const desc = forward(plan, chips, { batchSize, gemm });
      expect(desc).toHaveLength(CHIPS);
      desc.forEach((v, i) => {
        const want = dlibDescriptors.subarray(i * 128, (i + 1) * 128);
        expect(maxAbsDiff(v, want), diffReport(v, want)).toBeLessThanOrEqual(TOLERANCES.descriptorReference.abs);
        // A sample's result does not depend on the batch it is in (each output is its own dot products).
        expect(Array.from(v)).toEqual(Array.from(top.data.subarray(i * 128, (i + 1) * 128)));
      });
    }
  });
});
