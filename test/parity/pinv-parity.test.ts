/**
 * The pseudo-inverse tables against live dlib. dlib's find_affine_transform computes Q*pinv(P)
 * with an SVD; its last-bit errors decide roundings (landmarks at exact .5 ties) and truncations
 * (chip pixels on exact rows), so facemetric carries dlib's own pinv(P) for the P it meets:
 * PINV_P (the shape predictor's unit square) and PINV_CHIP (common chip sizes). Here each entry
 * is recomputed by the linked dlib (harness `pinv-affine`, test/parity/geometry.cpp) and must be
 * identical; chips of sizes outside the table are compared with dlib's (within one grey level).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { extractImageChip, PINV_CHIP, PINV_P, type ChipDetails } from '../../src/landmarks/index.js';
import { exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

interface DlibPinv { rows: number; cols: number; pinv: number[] }

const dlibPinv = (points: [number, number][]): DlibPinv =>
  runHarnessJson<DlibPinv>(['pinv-affine', ...points.flat().map(String)])[0]!;

describeParity('pinv tables vs dlib', () => {
  it('PINV_P is dlib\'s pinv for the unit square (0,0), (1,0), (1,1)', () => {
    const d = dlibPinv([[0, 0], [1, 0], [1, 1]]);
    expect([d.rows, d.cols]).toEqual([3, 3]);
    expect([...PINV_P]).toEqual(d.pinv);
  });

  it('every PINV_CHIP entry is dlib\'s pinv for the chip corners tl, tr, bl', () => {
    expect(PINV_CHIP.size).toBeGreaterThan(0);
    for (const [key, table] of PINV_CHIP) {
      const [rows, cols] = key.split('x').map(Number) as [number, number];
      const d = dlibPinv([[0, 0], [cols - 1, 0], [0, rows - 1]]);
      expect([...table], key).toEqual(d.pinv);
    }
  });

  it('chips of sizes outside the table: dlib\'s pixels within chipPixelsUnlistedSize', () => {
    const dir = scratchDir('pinv-unlisted');
    const bald = exampleImages('faces').find((f) => f.endsWith('bald_guys.jpg'))!;
    const png = join(dir, 'bald_guys.png');
    runHarness(['decode', bald, png]);
    const img = readImageSync(png);
    let n = 0;
    let identical = 0;
    for (const [rows, cols] of [[64, 64], [100, 100], [112, 96], [224, 224], [50, 70]] as const) {
      expect(PINV_CHIP.has(`${rows}x${cols}`)).toBe(false);
      for (const [left, top, angle] of [[60, 80, 0], [1070.5, 1300.25, 0.12], [330, 240, -0.4]] as const) {
        const d: ChipDetails = { rect: [left, top, left + 179, top + 179], angle, rows, cols };
        const file = join(dir, `${n++}.png`);
        runHarness(['chip-extract', png, file, '--details', `${left} ${top} ${left + 179} ${top + 179} ${angle} ${rows} ${cols}`]);
        const want = readImageSync(file) as RgbImage;
        const got = extractImageChip(img, d);
        let max = 0;
        for (let i = 0; i < got.data.length; i++) max = Math.max(max, Math.abs(got.data[i]! - want.data[i]!));
        if (max === 0) identical++;
        expect(max, `${rows}x${cols} at ${left},${top} angle ${angle}: ${diffReport(got.data, want.data)}`).toBeLessThanOrEqual(TOLERANCES.chipPixelsUnlistedSize.abs);
      }
    }
    process.stdout.write(`pinv parity: ${n} chips of unlisted sizes, ${identical} identical to dlib's\n`);
  });
});
