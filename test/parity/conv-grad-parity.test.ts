/**
 * The convolution's backward pass (src/dnn/conv-grad.ts) against live dlib: the harness's
 * `conv-backward` builds a real con_<F, R, R, S, S, P, P>, sets its parameters, runs forward and
 * backward with a SUBNET stub whose gradient starts at given values (con_ ADDS its data gradient),
 * and writes dlib's output, data gradient and params_grad (filters then biases). Shapes cover
 * the face ResNet's cases: the 7x7/2 first layer on a small image, 3x3/1 padded, 3x3/2 (the
 * down-sampling blocks' first conv), 32..64 channels, several samples, 1x1 outputs. Exact
 * equality, on both backends: the reference GEMMs and the WebAssembly kernels in the plain SIMD
 * build (every product through the kernel), which sum in dlib's order.
 */
import { expect, it } from 'vitest';
import { convBackwardBias, convBackwardData, convBackwardFilters } from '../../src/dnn/conv-grad.js';
import { gemmBlasReference, gemmReference, type Gemm, type GemmBlas } from '../../src/dnn/gemm.js';
import { makeGemmBlasWasm } from '../../src/dnn/gemm-blas-wasm.js';
import { makeGemmWasm } from '../../src/dnn/gemm-wasm.js';
import { conv, convShape, type Window2d } from '../../src/dnn/layers.js';
import { tensor } from '../../src/dnn/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { mismatches, readOut, runBackward, shapeArg, writeF32 } from './backward-io.js';
import { describeParity, scratchDir } from './helpers.js';

interface Case {
  name: string;
  kernel: string;
  shape: [number, number, number, number];
  filters: number;
}

const CASES: Case[] = [
  { name: '7x7/2 first layer, 3 samples of 3x23x21', kernel: '7s2p0', shape: [3, 3, 23, 21], filters: 32 },
  { name: '3x3/1 padded, 32 -> 32 channels, 2 samples of 9x9', kernel: '3s1p1', shape: [2, 32, 9, 9], filters: 32 },
  { name: '3x3/2 down-sampling, 32 -> 64 channels, 3 samples of 9x8', kernel: '3s2p0', shape: [3, 32, 9, 8], filters: 64 },
  { name: '3x3/1 padded, 64 -> 64 channels, 4 samples of 5x5', kernel: '3s1p1', shape: [4, 64, 5, 5], filters: 64 },
  { name: '3x3/2 with padding 1, 2 samples of 4x7x6', kernel: '3s2p1', shape: [2, 4, 7, 6], filters: 5 },
  { name: '3x3/1 on 1x1 inputs (1x1 output), 3 samples', kernel: '3s1p1', shape: [3, 16, 1, 1], filters: 8 },
  { name: '1x1/2, 2 samples', kernel: '1s2p0', shape: [2, 6, 5, 5], filters: 3 },
];

function windowOf(kernel: string): Window2d {
  const m = /^(\d+)s(\d+)p(\d+)$/.exec(kernel)!;
  const [r, s, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { nr: r, nc: r, strideY: s, strideX: s, paddingY: p, paddingX: p };
}

const BACKENDS: { name: string; gemm: Gemm; gemmBlas: GemmBlas }[] = [
  { name: 'reference', gemm: gemmReference, gemmBlas: gemmBlasReference },
  { name: 'wasm (simd)', gemm: makeGemmWasm({ flavour: 'simd' }), gemmBlas: makeGemmBlasWasm({ flavour: 'simd', minProducts: 0 }) },
];

describeParity('conv backward vs live dlib con_', () => {
  CASES.forEach((c, ci) => {
    it(c.name, () => {
      const dir = scratchDir('conv-grad');
      const w = windowOf(c.kernel);
      const [n, k, nr, nc] = c.shape;
      const x = tensor(n, k, nr, nc, randomF32(n * k * nr * nc, 100 + ci));
      const K = k * w.nr * w.nc;
      const params = randomF32(c.filters * K + c.filters, 200 + ci).map((v) => v * 0.2);
      const filters = params.subarray(0, c.filters * K);
      const biases = params.subarray(c.filters * K);
      const [, , outR, outC] = convShape(x, c.filters, w);
      const g = tensor(n, c.filters, outR, outC, randomF32(n * c.filters * outR * outC, 300 + ci));
      const dx0 = randomF32(x.data.length, 400 + ci).map((v) => v * 0.5);
      runBackward(['conv-backward', '--kernel', c.kernel, '--filters', `${c.filters}`, '--shape', shapeArg(x),
        '--x', writeF32(dir, 'x.f32', x.data), '--params', writeF32(dir, 'p.f32', params), '--g', writeF32(dir, 'g.f32', g.data),
        '--dx0', writeF32(dir, 'dx0.f32', dx0), '--out', dir]);

      for (const b of BACKENDS) {
        // forward (a check that the harness's layer is the one we think)
        const out = tensor(n, c.filters, outR, outC);
        conv(out, x, filters, biases, c.filters, w, b.gemm);
        expect(mismatches(out.data, readOut(dir, 'out.f32')), `${b.name}: forward`).toEqual([]);

        const dx = tensor(n, k, nr, nc, dx0.slice());
        convBackwardData(dx, g, filters, c.filters, w, b.gemmBlas);
        expect(mismatches(dx.data, readOut(dir, 'dx.f32')), `${b.name}: data gradient (added to the starting values)`).toEqual([]);

        const dparams = new Float32Array(params.length).fill(123);
        convBackwardFilters(dparams.subarray(0, c.filters * K), x, g, c.filters, w, b.gemmBlas);
        convBackwardBias(dparams.subarray(c.filters * K), g);
        expect(mismatches(dparams, readOut(dir, 'dparams.f32')), `${b.name}: filter and bias gradients`).toEqual([]);
      }
    });
  });
});
