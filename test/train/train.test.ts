/**
 * trainMetricNet: a run is reproducible (same seed, data and options: the same network), a run
 * stopped and resumed from its checkpoint ends exactly where an uninterrupted run ends, a
 * diverging run stops with a clear message and keeps the last good state, and bad settings are
 * one-line errors. Sampled data: real chips (dlib's examples/johns), 2 people x 2 images a step,
 * the WebAssembly kernels (deterministic too).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDnnNet } from '../../src/dlib/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import type { TrainCheckpoint } from '../../src/train/checkpoint.js';
import { loadImageAsDlib, loadObjectsList } from '../../src/train/sampler.js';
import { freshFaceNet, trainMetricNet, type SampledData } from '../../src/train/train.js';

const johns = (): SampledData => ({ kind: 'sampled', objects: loadObjectsList(join(exampleImagesDir(), 'johns')), loadImage: loadImageAsDlib });
const small = { people: 2, perPerson: 2, seed: 7, learningRate: 0.01 };

describe('trainMetricNet', () => {
  it('the same seed, data and options give the same network; a run resumed from its checkpoint ends where an uninterrupted one does', async () => {
    const a = await trainMetricNet({ data: johns(), ...small, steps: 3 });
    const b = await trainMetricNet({ data: johns(), ...small, steps: 3 });
    expect(a.steps).toBe(3);
    expect(a.stoppedBy).toBe('steps');
    expect(Buffer.compare(Buffer.from(writeDnnNet(a.net)), Buffer.from(writeDnnNet(b.net)))).toBe(0);

    const first = await trainMetricNet({ data: johns(), ...small, steps: 1 });
    const resumed = await trainMetricNet({ data: johns(), ...small, steps: 3, resume: first.checkpoint });
    expect(resumed.steps).toBe(3);
    expect(resumed.lastLoss).toBe(a.lastLoss);
    expect(Buffer.compare(Buffer.from(writeDnnNet(resumed.net)), Buffer.from(writeDnnNet(a.net)))).toBe(0);
  }, 120_000);

  it('stops when asked, handing over a checkpoint', async () => {
    const saved: TrainCheckpoint[] = [];
    const r = await trainMetricNet({ data: johns(), ...small, steps: 10, shouldStop: () => true, checkpoint: (c) => saved.push(c) });
    expect(r.stoppedBy).toBe('interrupted');
    expect(r.steps).toBe(1);
    expect(saved.map((c) => c.step)).toEqual([1]);
  }, 60_000);

  it('a loss that is not finite stops the run with one line, handing over the last good state', async () => {
    const saved: TrainCheckpoint[] = [];
    await expect(trainMetricNet({ data: johns(), ...small, learningRate: 1e30, steps: 20, checkpoint: (c) => saved.push(c) }))
      .rejects.toThrow(/^the loss is (NaN|Infinity|-Infinity) at step \d+ \(learning rate 1e\+30\): training stopped; the last good state \(step 0\) is kept in the checkpoint$/);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.step).toBe(0);
  }, 120_000);

  it('refuses more people per mini-batch than the data has, and a resume with other settings', async () => {
    await expect(trainMetricNet({ data: johns(), people: 6, perPerson: 2 })).rejects.toThrow('--people 6 asks for more people than the data has (5)');
    const first = await trainMetricNet({ data: johns(), ...small, steps: 1 });
    await expect(trainMetricNet({ data: johns(), ...small, perPerson: 3, resume: first.checkpoint }))
      .rejects.toThrow('the checkpoint was made with perPerson 2, this run asks for 3');
  }, 60_000);

  it('a fresh network is dlib\'s initialisation, the same every time', () => {
    expect(Buffer.compare(Buffer.from(writeDnnNet(freshFaceNet())), Buffer.from(writeDnnNet(freshFaceNet())))).toBe(0);
  });
});
