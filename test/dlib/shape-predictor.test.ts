/** Tests of src/dlib/shape-predictor.ts (dlib/image_processing/shape_predictor.h serialization). */
import { describe, expect, it } from 'vitest';
import { numParts, readShapePredictor, writeShapePredictor, type ShapePredictor } from '../../src/dlib/shape-predictor.js';
import { tinyShapePredictor } from '../helpers/dlib-samples.js';
import { firstDifference, readBytes, shapePredictorPath, errorOf } from './fixtures.js';

const tiny = tinyShapePredictor;

describe('68-point shape predictor (dlib-written)', () => {
  it('reads it and round-trips byte-identically', () => {
    const spPath = shapePredictorPath();
    const bytes = readBytes(spPath);
    const sp = readShapePredictor(bytes, spPath);
    expect(numParts(sp)).toBe(68);
    expect(sp.forests).toHaveLength(15);
    // Check every tree with plain loops (one expect per property, not per tree).
    let shapes = 0;
    let badIdx = 0;
    let badType = 0;
    for (const f of sp.forests) {
      expect(f).toHaveLength(500);
      for (const t of f) {
        if (t.splitThresh.length === 15 && t.numLeaves === 16 && t.leafSize === 136 && t.leafValues.length === 16 * 136) shapes++;
        if (!(t.leafValues instanceof Float32Array && t.splitThresh instanceof Float32Array)) badType++;
        for (let i = 0; i < 15; i++) if (t.splitIdx1[i] >= 500 || t.splitIdx2[i] >= 500) badIdx++;
      }
    }
    expect([shapes, badIdx, badType]).toEqual([7500, 0, 0]);
    expect(sp.anchorIdx).toHaveLength(15);
    expect(sp.deltas).toHaveLength(15);
    for (let c = 0; c < 15; c++) {
      expect(sp.anchorIdx[c]).toHaveLength(500);
      expect(sp.deltas[c]).toHaveLength(1000);
      expect(Math.max(...sp.anchorIdx[c])).toBeLessThan(68);
    }
    const out = writeShapePredictor(sp);
    expect(out.length).toBe(bytes.length);
    expect(firstDifference(out, bytes)).toBe(-1);
  });

  it('reports truncation at several offsets', () => {
    const bytes = readBytes(shapePredictorPath());
    for (const cut of [0, 3, 1000, 5_000_000, bytes.length - 2]) {
      const e = errorOf(() => readShapePredictor(bytes.subarray(0, cut), 'cut.dat'));
      expect(e.message).toMatch(new RegExp(`^cut\\.dat: at byte \\d+: expected .*file ends at ${cut}`));
    }
  });
});

describe('68-point shape predictor, corrupted', () => {
  it('names the byte of a corrupted header and a wrong version', () => {
    const bytes = readBytes(shapePredictorPath()).subarray(0, 2000);
    const c = bytes.slice();
    expect(Array.from(c.subarray(0, 6))).toEqual([0x01, 0x01, 0x81, 0x88, 0x81, 0x01]); // version 1, -136, -1
    c[5] = 0x02; // initial_shape claims 2 columns
    expect(errorOf(() => readShapePredictor(c, 'sp.dat')).message).toBe('sp.dat: at byte 2: expected initial_shape (matrix<float,0,1>) with 1 columns, found 2 (in shape_predictor)');
    const v = bytes.slice();
    v[1] = 0x00;
    expect(errorOf(() => readShapePredictor(v, 'sp.dat')).message).toBe('sp.dat: at byte 0: expected shape_predictor version 1, found 0 (in shape_predictor)');
  });
});

describe('synthetic shape predictors', () => {
  it('round-trips', () => {
    const sp = tiny();
    const bytes = writeShapePredictor(sp);
    const back = readShapePredictor(bytes, 'tiny.dat');
    expect(back).toEqual(sp);
    expect(firstDifference(writeShapePredictor(back), bytes)).toBe(-1);
  });

  it('rejects a wrong version and trailing bytes', () => {
    const bytes = writeShapePredictor(tiny());
    const v2 = bytes.slice();
    v2[1] = 2;
    expect(errorOf(() => readShapePredictor(v2, 'sp.dat')).message).toBe('sp.dat: at byte 0: expected shape_predictor version 1, found 2 (in shape_predictor)');
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(errorOf(() => readShapePredictor(longer, 'sp.dat')).message).toMatch(/expected end of file after the shape_predictor, found 1 more bytes/);
  });

  it('names the tree and leaf of a corrupted leaf header', () => {
    const sp = tiny();
    const bytes = writeShapePredictor(sp);
    // The first leaf matrix header of forests[0][0] is "-6, -1" = 0x81 0x06 0x81 0x01; make it -5 rows.
    let at = -1;
    for (let i = 0; i + 3 < bytes.length; i++) {
      if (bytes[i] === 0x81 && bytes[i + 1] === 0x06 && bytes[i + 2] === 0x81 && bytes[i + 3] === 0x01 && i > 30) { at = i; break; }
    }
    expect(at).toBeGreaterThan(0);
    // second leaf's header: skip the first leaf (header + 6 floats)
    const r = bytes.slice();
    let second = -1;
    for (let i = at + 4; i + 3 < r.length; i++) {
      if (r[i] === 0x81 && r[i + 1] === 0x06 && r[i + 2] === 0x81 && r[i + 3] === 0x01) { second = i; break; }
    }
    r[second + 1] = 0x05;
    const e = errorOf(() => readShapePredictor(r, 'sp.dat'));
    expect(e.offset).toBe(second);
    expect(e.message).toBe(`sp.dat: at byte ${second}: expected forests[0][0] leaf 1 with 6 values like leaf 0, found 5 (in shape_predictor)`);
  });
});
