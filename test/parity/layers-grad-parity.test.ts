/**
 * The backward passes of relu_, affine_ (CONV mode), add_prev_, max_pool_ and avg_pool_
 * (src/dnn/layers-grad.ts) against live dlib: the harness drives dlib's own layer objects
 * (relu_::backward_inplace and affine_::backward_inplace with the data gradient the same tensor as
 * the incoming gradient or a separate one; max_pool_/avg_pool_ forward and backward with a SUBNET
 * stub whose gradient starts at given values), and add_prev_::backward's two tt::add calls on
 * equal and mismatched shapes. Exact equality.
 */
import { expect, it } from 'vitest';
import { avgPool, maxPool, poolShape, type Window2d } from '../../src/dnn/layers.js';
import { addPrevBackward, affineBackward, avgPoolBackward, avgPoolEverythingBackward, maxPoolBackward, reluBackward } from '../../src/dnn/layers-grad.js';
import { tensor, type Shape } from '../../src/dnn/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { mismatches, readOut, runBackward, shapeArg, writeF32 } from './backward-io.js';
import { describeParity, scratchDir } from './helpers.js';

const size = (s: Shape): number => s[0] * s[1] * s[2] * s[3];
const shp = (s: Shape) => ({ n: s[0], k: s[1], nr: s[2], nc: s[3] });

/** Values on a coarse grid (many ties), about half negative. */
function quantized(n: number, seed: number): Float32Array {
  return randomF32(n, seed).map((v) => Math.round(v * 4) / 4);
}

describeParity('relu_, affine_, add_prev_ and pooling backward vs live dlib', () => {
  for (const same of [true, false]) {
    it(`relu_ backward, data gradient ${same ? 'is the incoming gradient (overwrite)' : 'separate (add)'}`, () => {
      const dir = scratchDir('relu-grad');
      const s: Shape = [3, 5, 4, 6];
      const y = quantized(size(s), 1).map((v) => Math.max(0, v)); // relu outputs: >= 0, many zeros
      const g = randomF32(size(s), 2);
      const dx0 = randomF32(size(s), 3);
      runBackward(['relu-backward', '--shape', shapeArg(shp(s)), '--y', writeF32(dir, 'y.f32', y), '--g', writeF32(dir, 'g.f32', g),
        '--dx0', writeF32(dir, 'dx0.f32', dx0), '--same', same ? '1' : '0', '--out', dir]);
      const gt = tensor(...s, g.slice());
      const dx = same ? gt : tensor(...s, dx0.slice());
      reluBackward(dx, tensor(...s, y), gt);
      expect(mismatches(dx.data, readOut(dir, 'dx.f32'))).toEqual([]);
    });

    it(`affine_ (CONV mode) backward, data gradient ${same ? 'is the incoming gradient (overwrite)' : 'separate (add)'}`, () => {
      const dir = scratchDir('affine-grad');
      const s: Shape = [2, 7, 3, 5];
      const gamma = randomF32(7, 4).map((v) => v * 3);
      const g = randomF32(size(s), 5);
      const dx0 = randomF32(size(s), 6);
      runBackward(['affine-backward', '--shape', shapeArg(shp(s)), '--gamma', writeF32(dir, 'gamma.f32', gamma), '--g', writeF32(dir, 'g.f32', g),
        '--dx0', writeF32(dir, 'dx0.f32', dx0), '--same', same ? '1' : '0', '--out', dir]);
      const gt = tensor(...s, g.slice());
      const dx = same ? gt : tensor(...s, dx0.slice());
      affineBackward(dx, gt, gamma);
      expect(mismatches(dx.data, readOut(dir, 'dx.f32'))).toEqual([]);
    });
  }

  const ADD_CASES: [string, Shape, Shape][] = [
    ['equal shapes (identity shortcut)', [2, 8, 5, 5], [2, 8, 5, 5]],
    ['down-sampling: pooled shortcut with half the channels', [3, 4, 3, 3], [3, 8, 3, 3]],
    ['down-sampling: pooled shortcut 4x4 with half the channels, conv path 3x3', [2, 4, 4, 4], [2, 8, 3, 3]],
    ['down-sampling: 2x2 shortcut, 1x1 conv path', [2, 3, 2, 2], [2, 6, 1, 1]],
  ];
  for (const [name, sa, sb] of ADD_CASES) {
    it(`add_prev_ backward: ${name}`, () => {
      const dir = scratchDir('add-prev-grad');
      const so: Shape = [Math.max(sa[0], sb[0]), Math.max(sa[1], sb[1]), Math.max(sa[2], sb[2]), Math.max(sa[3], sb[3])];
      const g = randomF32(size(so), 7);
      const da0 = randomF32(size(sa), 8);
      const db0 = randomF32(size(sb), 9);
      da0[0] = -0; // dlib's dest + 0 where the gradient does not reach turns -0 into +0
      db0[db0.length - 1] = -0;
      runBackward(['add-prev-backward', '--shape-a', shapeArg(shp(sa)), '--shape-b', shapeArg(shp(sb)), '--g', writeF32(dir, 'g.f32', g),
        '--da0', writeF32(dir, 'da0.f32', da0), '--db0', writeF32(dir, 'db0.f32', db0), '--out', dir]);
      const da = tensor(...sa, da0.slice());
      const db = tensor(...sb, db0.slice());
      addPrevBackward(da, db, tensor(...so, g));
      expect(mismatches(da.data, readOut(dir, 'da.f32')), 'layer below').toEqual([]);
      expect(mismatches(db.data, readOut(dir, 'db.f32')), 'tagged layer').toEqual([]);
    });
  }

  const POOL_CASES: [string, Shape, Window2d | 'all', 'max' | 'avg'][] = [
    ['max3s2p0', [2, 3, 9, 11], { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 }, 'max'],
    ['max3s1p1', [2, 3, 6, 5], { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }, 'max'],
    ['max3s2p1', [2, 2, 7, 8], { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1 }, 'max'],
    ['avg2s2p0', [3, 4, 9, 8], { nr: 2, nc: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 }, 'avg'],
    ['avg3s1p1', [2, 3, 5, 6], { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }, 'avg'],
    ['avg3s2p1', [2, 3, 7, 6], { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1 }, 'avg'],
    ['avgall', [3, 16, 5, 3], 'all', 'avg'],
  ];
  for (const [pool, s, win, kind] of POOL_CASES) {
    it(`${kind === 'max' ? 'max_pool_' : 'avg_pool_'} backward: ${pool} on ${s.join('x')}`, () => {
      const dir = scratchDir('pool-grad');
      const x = tensor(...s, quantized(size(s), 10));
      const w: Window2d = win === 'all' ? { nr: s[2], nc: s[3], strideY: 1, strideX: 1, paddingY: 0, paddingX: 0 } : win;
      const os = poolShape(x, w);
      const g = randomF32(size(os), 11).map((v) => v * 3);
      const dx0 = randomF32(size(s), 12);
      runBackward(['pool-backward', '--pool', pool, '--shape', shapeArg(x), '--x', writeF32(dir, 'x.f32', x.data),
        '--g', writeF32(dir, 'g.f32', g), '--dx0', writeF32(dir, 'dx0.f32', dx0), '--out', dir]);
      const out = tensor(...os);
      (kind === 'max' ? maxPool : avgPool)(out, x, w);
      expect(mismatches(out.data, readOut(dir, 'out.f32')), 'forward').toEqual([]);
      const dx = tensor(...s, dx0.slice());
      const gt = tensor(...os, g);
      if (kind === 'max') maxPoolBackward(dx, x, gt, w);
      else if (win === 'all') avgPoolEverythingBackward(dx, x, gt);
      else avgPoolBackward(dx, x, gt, w);
      expect(mismatches(dx.data, readOut(dir, 'dx.f32')), 'data gradient').toEqual([]);
    });
  }
});
