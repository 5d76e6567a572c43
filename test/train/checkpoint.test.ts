/**
 * The training checkpoint's bytes (src/train/checkpoint.ts): encodeCheckpoint / decodeCheckpoint
 * round-trip every field; a header that does not describe its data (not an object, a missing or
 * misplaced network or velocity, a velocity whose length is not whole floats, a negative step) is
 * one FacemetricError naming the file, never another exception (the fuzz target `checkpoint`
 * runs the same reader on mutated files).
 */
import { describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from '../../src/train/checkpoint.js';

const schedule = {
  learningRate: 0.1, minLearningRate: 1e-4, iterationsWithoutProgressThreshold: 300, learningRateShrinkFactor: 0.1, stepsWithoutProgress: 0,
  gradientCheckBudget: 0, previousLossValues: [0.5], schedule: [], schedulePos: 0, lossSum: 0.5, lossCount: 1, steps: 1,
};
const sample: TrainCheckpoint = {
  step: 7, net: Uint8Array.of(1, 2, 3), velocities: [Float32Array.of(0.5, -2), undefined, Float32Array.of(3)], schedule,
  settings: { batch: '2x2' }, rand: { mt: { x: [1, 2], i: 1 }, seed: 's', hasGaussian: false, nextGaussian: 0 }, before: { accuracy: 0.5 },
};

/** `sample`'s bytes with the JSON header replaced by `header`. */
function withHeader(header: unknown): Uint8Array {
  const b = encodeCheckpoint(sample);
  const n = new DataView(b.buffer).getUint32(8, true);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + b.length - 12 - n);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(b.subarray(12 + n), 12 + json.length);
  return out;
}

describe('training checkpoint bytes', () => {
  it('round-trips every field', () => {
    expect(decodeCheckpoint(encodeCheckpoint(sample), 'c.dat')).toEqual(sample);
  });

  it('refuses headers that do not describe the data, in one FacemetricError', () => {
    const good = JSON.parse(new TextDecoder().decode(encodeCheckpoint(sample).subarray(12, 12 + new DataView(encodeCheckpoint(sample).buffer).getUint32(8, true)))) as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [null, 'unreadable header'],
      [[1, 2], 'format undefined version undefined'],
      [{ ...good, step: -1 }, 'bad step count'],
      [{ ...good, settings: 3 }, 'missing schedule or settings'],
      [{ ...good, velocities: {} }, 'missing velocities'],
      [{ ...good, net: null }, 'bad network location'],
      [{ ...good, net: { offset: 0, length: 1e9 } }, 'truncated data'],
      [{ ...good, velocities: [{ offset: 0, length: 3 }] }, 'bad velocity 0 location'],
      [{ ...good, velocities: [{ offset: -4, length: 4 }] }, 'bad velocity 0 location'],
    ];
    for (const [header, why] of cases) {
      let caught: unknown;
      try {
        decodeCheckpoint(withHeader(header), 'c.dat');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(FacemetricError);
      expect((caught as Error).message).toBe(`c.dat: not a facemetric training checkpoint (${why})`);
    }
    expect(() => decodeCheckpoint(encodeCheckpoint(sample).subarray(0, 20), 'c.dat')).toThrow('c.dat: not a facemetric training checkpoint (truncated header)');
  });
});
