/**
 * Unit tests of the reference layers (src/dnn/layers.ts, gemm.ts) on small random tensors:
 * each against an independent plain formulation (direct convolution, hand-written windows),
 * with the dlib rules that bite spelled out — padding taps as zeros, pooling over the window
 * clipped to the image, add_prev's larger shape with zeros, float32 arithmetic order.
 */
import { describe, expect, it } from 'vitest';
import {
  addPrev, addPrevShape, affine, affineFc, avgPool, avgPoolEverything, conv, convDirect, convShape,
  defaultPadding, DLIB_RGB_MEANS, fc, fcNoBias, gemmReference, gemmReferenceRows4, im2col, inputRgbImageSized, maxPool,
  poolShape, relu, tensor, windowOutputSize,
  type Gemm, type Tensor, type Window2d,
} from '../../src/dnn/index.js';

/** A small deterministic generator (xorshift32) for float32 test data in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return Math.fround(s / 2 ** 31 - 1);
  };
}

function random(n: number, k: number, nr: number, nc: number, seed: number): Tensor {
  const r = rng(seed);
  const t = tensor(n, k, nr, nc);
  for (let i = 0; i < t.data.length; i++) t.data[i] = r();
  return t;
}

function randomArray(len: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: len }, () => r());
}

const at = (t: Tensor, n: number, k: number, r: number, c: number): number => t.data[((n * t.k + k) * t.nr + r) * t.nc + c];

/** Direct convolution in double precision, written independently of layers.ts. */
function convDouble(x: Tensor, f: Float32Array, b: Float32Array | undefined, nf: number, w: Window2d): Float64Array {
  const outR = Math.floor((x.nr + 2 * w.paddingY - w.nr) / w.strideY) + 1;
  const outC = Math.floor((x.nc + 2 * w.paddingX - w.nc) / w.strideX) + 1;
  const out = new Float64Array(x.n * nf * outR * outC);
  for (let n = 0; n < x.n; n++) for (let o = 0; o < nf; o++) for (let r = 0; r < outR; r++) for (let c = 0; c < outC; c++) {
    let s = b ? b[o] : 0;
    for (let k = 0; k < x.k; k++) for (let dy = 0; dy < w.nr; dy++) for (let dx = 0; dx < w.nc; dx++) {
      const y = r * w.strideY + dy - w.paddingY;
      const xx = c * w.strideX + dx - w.paddingX;
      if (y < 0 || y >= x.nr || xx < 0 || xx >= x.nc) continue;
      s += f[((o * x.k + k) * w.nr + dy) * w.nc + dx] * at(x, n, k, y, xx);
    }
    out[((n * nf + o) * outR + r) * outC + c] = s;
  }
  return out;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const win = (nr: number, nc: number, sy: number, sx: number, py: number, px: number): Window2d =>
  ({ nr, nc, strideY: sy, strideX: sx, paddingY: py, paddingX: px });

describe('gemmReference', () => {
  it('equals the textbook m, n, k loop with float32 accumulation, bit for bit', () => {
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [8, 1, 300], [1, 17, 64], [16, 9, 33]]) {
      const A = randomArray(M * K, 1 + M);
      const B = randomArray(K * N, 2 + N);
      const C = new Float32Array(M * N).fill(123); // overwritten, not accumulated into
      gemmReference(M, N, K, A, B, C);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = Math.fround(acc + Math.fround(A[m * K + k] * B[k * N + n]));
        expect(C[m * N + n]).toBe(acc);
      }
    }
  });

  it('rounds each product before adding it (no fused multiply-add)', () => {
    // (1+2^-12)^2 = 1 + 2^-11 + 2^-24: the 2^-24 survives only when the product is not rounded first.
    const a = Math.fround(1 + 2 ** -12);
    const C = new Float32Array(1);
    gemmReference(1, 1, 2, Float32Array.of(a, -1), Float32Array.of(a, Math.fround(1 + 2 ** -11)), C);
    expect(C[0]).toBe(Math.fround(Math.fround(a * a) - Math.fround(1 + 2 ** -11)));
    expect(C[0]).toBe(0);
  });

  it('gemmReferenceRows4 is bit-identical to it (M not a multiple of 4 included)', () => {
    for (const [M, N, K] of [[1, 3, 5], [4, 7, 9], [7, 5, 33], [32, 20, 147], [9, 1, 64]]) {
      const A = randomArray(M * K, 3 + K);
      const B = randomArray(K * N, 4 + M);
      const C1 = new Float32Array(M * N);
      const C4 = new Float32Array(M * N).fill(-7);
      gemmReference(M, N, K, A, B, C1);
      gemmReferenceRows4(M, N, K, A, B, C4);
      expect(Array.from(C4)).toEqual(Array.from(C1));
    }
  });

  it('rejects arrays that are too small', () => {
    expect(() => gemmReference(2, 2, 2, new Float32Array(3), new Float32Array(4), new Float32Array(4))).toThrow(RangeError);
  });
});

describe('conv (im2col + GEMM)', () => {
  const cases: Array<[string, [number, number, number, number], number, Window2d]> = [
    ['7x7 stride 2 pad 0 (the stem, small)', [2, 3, 19, 17], 4, win(7, 7, 2, 2, 0, 0)],
    ['3x3 stride 1 pad 1', [2, 4, 6, 5], 3, win(3, 3, 1, 1, 1, 1)],
    ['3x3 stride 2 pad 0 (down-sampling)', [3, 2, 8, 8], 5, win(3, 3, 2, 2, 0, 0)],
    ['3x3 stride 2 on 4x4 → 1x1', [2, 3, 4, 4], 2, win(3, 3, 2, 2, 0, 0)],
    ['non-square 2x3 window, strides 1/2, padding 1/2', [1, 2, 5, 7], 3, win(2, 3, 1, 2, 1, 2)],
    ['1x1', [2, 5, 3, 3], 4, win(1, 1, 1, 1, 0, 0)],
  ];
  for (const [name, [n, k, nr, nc], nf, w] of cases) {
    it(`${name}: bit-identical to the direct convolution, close to double precision`, () => {
      const x = random(n, k, nr, nc, 7 + k);
      const f = randomArray(nf * k * w.nr * w.nc, 11 + nf);
      const b = randomArray(nf, 13);
      const shape = convShape(x, nf, w);
      const y = tensor(...shape);
      conv(y, x, f, b, nf, w);
      const z = tensor(...shape);
      convDirect(z, x, f, b, nf, w);
      expect(Array.from(y.data)).toEqual(Array.from(z.data));
      expect(maxAbs(y.data, convDouble(x, f, b, nf, w))).toBeLessThan(1e-5);
      // Without biases.
      const u = tensor(...shape);
      conv(u, x, f, undefined, nf, w);
      expect(maxAbs(u.data, convDouble(x, f, undefined, nf, w))).toBeLessThan(1e-5);
    });
  }

  it('output size is 1 + (in + 2*pad - k) / stride; default padding is k/2 at stride 1, else 0', () => {
    expect(windowOutputSize(150, 7, 2, 0)).toBe(72);
    expect(windowOutputSize(72, 3, 2, 0)).toBe(35);
    expect(windowOutputSize(35, 3, 2, 0)).toBe(17);
    expect(windowOutputSize(17, 3, 2, 0)).toBe(8);
    expect(windowOutputSize(8, 3, 2, 0)).toBe(3);
    expect(windowOutputSize(4, 3, 2, 0)).toBe(1);
    expect(windowOutputSize(35, 3, 1, 1)).toBe(35);
    expect(defaultPadding(3, 1)).toBe(1);
    expect(defaultPadding(7, 2)).toBe(0);
    expect(defaultPadding(2, 2)).toBe(0);
    expect(() => windowOutputSize(2, 3, 1, 0)).toThrow(RangeError);
  });

  it('a sample\'s output does not depend on the batch around it', () => {
    const x = random(3, 3, 9, 9, 5);
    const w = win(3, 3, 2, 2, 0, 0);
    const f = randomArray(4 * 3 * 9, 6);
    const y = tensor(...convShape(x, 4, w));
    conv(y, x, f, undefined, 4, w);
    const x1 = tensor(1, 3, 9, 9, x.data.slice(3 * 81, 6 * 81));
    const y1 = tensor(...convShape(x1, 4, w));
    conv(y1, x1, f, undefined, 4, w);
    const per = y.data.length / 3;
    expect(Array.from(y1.data)).toEqual(Array.from(y.data.subarray(per, 2 * per)));
  });

  it('im2col puts padding taps as zeros, one row per tap (channel, y, x), one column per output pixel', () => {
    const x = tensor(1, 1, 2, 2, Float32Array.of(1, 2, 3, 4));
    const cols = new Float32Array(9 * 4);
    im2col(cols, x, win(3, 3, 1, 1, 1, 1));
    // Tap (0,0) (top-left) sees x only at output pixel (1,1): value 1.
    expect(Array.from(cols.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    // The centre tap sees each pixel itself.
    expect(Array.from(cols.subarray(4 * 4, 5 * 4))).toEqual([1, 2, 3, 4]);
  });

  it('takes a GEMM hook (row-major C = A·B, C overwritten)', () => {
    const calls: number[][] = [];
    const hook: Gemm = (M, N, K, A, B, C) => { calls.push([M, N, K]); gemmReference(M, N, K, A, B, C); };
    const x = random(2, 3, 6, 6, 9);
    const w = win(3, 3, 1, 1, 1, 1);
    const f = randomArray(5 * 27, 10);
    const y = tensor(...convShape(x, 5, w));
    conv(y, x, f, undefined, 5, w, hook);
    expect(calls).toEqual([[5, 2 * 36, 27]]);
  });

  it('rejects filters of the wrong size and padding not smaller than the window', () => {
    const x = random(1, 2, 5, 5, 1);
    const y = tensor(...convShape(x, 2, win(3, 3, 1, 1, 1, 1)));
    expect(() => conv(y, x, new Float32Array(5), undefined, 2, win(3, 3, 1, 1, 1, 1))).toThrow(/filters/);
    expect(() => conv(y, x, new Float32Array(36), undefined, 2, win(3, 3, 1, 1, 3, 1))).toThrow(/padding/);
  });
});

describe('pooling (dlib: the window clipped to the image)', () => {
  it('max_pool 3x3/2 without padding is the plain window max', () => {
    const x = random(2, 3, 9, 8, 3);
    const w = win(3, 3, 2, 2, 0, 0);
    const y = tensor(...poolShape(x, w));
    maxPool(y, x, w);
    expect(poolShape(x, w)).toEqual([2, 3, 4, 3]);
    for (let n = 0; n < 2; n++) for (let k = 0; k < 3; k++) for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) {
      let m = -Infinity;
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) m = Math.max(m, at(x, n, k, 2 * r + dy, 2 * c + dx));
      expect(at(y, n, k, r, c)).toBe(m);
    }
  });

  it('padded cells take no part: max over all-negative values stays negative, means divide by the cells inside', () => {
    const x = tensor(1, 1, 3, 3, Float32Array.of(-1, -2, -3, -4, -5, -6, -7, -8, -9));
    const w = win(3, 3, 1, 1, 1, 1);
    const mx = tensor(...poolShape(x, w));
    maxPool(mx, x, w);
    expect(Array.from(mx.data)).toEqual([-1, -1, -2, -1, -1, -2, -4, -4, -5]);
    const av = tensor(...poolShape(x, w));
    avgPool(av, x, w);
    const f = Math.fround;
    // corner: 4 cells; edge: 6; centre: 9 (float32 sums row by row, then a float32 division).
    expect(av.data[0]).toBe(f(f(f(f(-1 + -2) + -4) + -5) / 4));
    expect(av.data[1]).toBe(f(f(f(f(f(f(-1 + -2) + -3) + -4) + -5) + -6) / 6));
    expect(av.data[4]).toBe(-5);
  });

  it('avg_pool 2x2/2 on an odd size drops the last row and column (no padding)', () => {
    const x = random(1, 2, 5, 5, 4);
    const w = win(2, 2, 2, 2, 0, 0);
    expect(poolShape(x, w)).toEqual([1, 2, 2, 2]);
    const y = tensor(...poolShape(x, w));
    avgPool(y, x, w);
    const f = Math.fround;
    for (let k = 0; k < 2; k++) for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) {
      const s = f(f(f(at(x, 0, k, 2 * r, 2 * c) + at(x, 0, k, 2 * r, 2 * c + 1)) + at(x, 0, k, 2 * r + 1, 2 * c)) + at(x, 0, k, 2 * r + 1, 2 * c + 1));
      expect(at(y, 0, k, r, c)).toBe(f(s / 4));
    }
  });

  it('avg_pool_everything averages each whole plane', () => {
    const x = random(2, 3, 2, 2, 8);
    const y = tensor(2, 3, 1, 1);
    avgPoolEverything(y, x);
    const f = Math.fround;
    for (let i = 0; i < 6; i++) {
      const p = x.data.subarray(4 * i, 4 * i + 4);
      expect(y.data[i]).toBe(f(f(f(f(p[0] + p[1]) + p[2]) + p[3]) / 4));
    }
  });
});

describe('add_prev (dlib: larger size, missing elements count as 0)', () => {
  it('adds element-wise when the shapes agree', () => {
    const a = random(2, 3, 2, 2, 1);
    const b = random(2, 3, 2, 2, 2);
    const y = tensor(...addPrevShape(a, b));
    addPrev(y, a, b);
    for (let i = 0; i < y.data.length; i++) expect(y.data[i]).toBe(Math.fround(a.data[i] + b.data[i]));
  });

  it('3x3 conv path (256 ch) + 4x4 pooled shortcut (128 ch) → 4x4 with 256 ch', () => {
    const a = random(2, 256, 3, 3, 3);
    const b = random(2, 128, 4, 4, 4);
    expect(addPrevShape(a, b)).toEqual([2, 256, 4, 4]);
    const y = tensor(...addPrevShape(a, b));
    addPrev(y, a, b);
    for (let n = 0; n < 2; n++) for (let k = 0; k < 256; k++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      const va = r < 3 && c < 3 ? at(a, n, k, r, c) : 0;
      const vb = k < 128 ? at(b, n, k, r, c) : 0;
      expect(at(y, n, k, r, c)).toBe(Math.fround(va + vb));
    }
  });

  it('1x1 + 2x2 → 2x2, the 1x1 value only in the top-left cell', () => {
    const a = tensor(1, 1, 1, 1, Float32Array.of(10));
    const b = tensor(1, 1, 2, 2, Float32Array.of(1, 2, 3, 4));
    const y = tensor(...addPrevShape(a, b));
    addPrev(y, a, b);
    expect(Array.from(y.data)).toEqual([11, 2, 3, 4]);
  });
});

describe('element-wise layers, input and fc', () => {
  it('affine (CONV mode) is fround(gamma[k]*x) + beta[k], in place or not', () => {
    const x = random(2, 3, 2, 3, 5);
    const g = randomArray(3, 6);
    const b = randomArray(3, 7);
    const y = tensor(2, 3, 2, 3);
    affine(y, x, g, b);
    for (let i = 0; i < x.data.length; i++) {
      const k = Math.floor(i / 6) % 3;
      expect(y.data[i]).toBe(Math.fround(Math.fround(g[k] * x.data[i]) + b[k]));
    }
    affine(x, x, g, b);
    expect(Array.from(x.data)).toEqual(Array.from(y.data));
  });

  it('affine (FC mode) uses one gamma and beta per element of a sample', () => {
    const x = random(2, 2, 1, 2, 5);
    const g = randomArray(4, 6);
    const b = randomArray(4, 7);
    const y = tensor(2, 2, 1, 2);
    affineFc(y, x, g, b);
    for (let i = 0; i < 8; i++) expect(y.data[i]).toBe(Math.fround(Math.fround(g[i % 4] * x.data[i]) + b[i % 4]));
  });

  it('relu clamps negatives to 0', () => {
    const x = tensor(1, 1, 1, 4, Float32Array.of(-2, 0, 3, -0.5));
    relu(x, x);
    expect(Array.from(x.data)).toEqual([0, 0, 3, 0]);
  });

  it('input_rgb_image_sized: planes R, G, B of float32 (pixel - mean) / 256', () => {
    const w = 3;
    const h = 2;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
    data.set([0, 128, 255], 0);
    const y = tensor(1, 3, h, w);
    inputRgbImageSized(y, [{ width: w, height: h, data }], h, w);
    const f = Math.fround;
    expect(y.data[0]).toBe(f(0 - DLIB_RGB_MEANS.red) / 256);
    expect(y.data[6]).toBe(f(128 - DLIB_RGB_MEANS.green) / 256);
    expect(y.data[12]).toBe(f(255 - DLIB_RGB_MEANS.blue) / 256);
    expect(DLIB_RGB_MEANS.red).toBe(f(122.782));
    for (let p = 0; p < w * h; p++) {
      expect(y.data[p]).toBe(f(f(data[3 * p] - f(122.782)) / 256));
      expect(y.data[6 + p]).toBe(f(f(data[3 * p + 1] - f(117.001)) / 256));
      expect(y.data[12 + p]).toBe(f(f(data[3 * p + 2] - f(104.298)) / 256));
    }
    expect(() => inputRgbImageSized(tensor(1, 3, 150, 150), [{ width: w, height: h, data }])).toThrow(/150x150/);
  });

  it('fc_no_bias is x · W with W [inputs][outputs]; fc adds biases', () => {
    const x = random(3, 2, 2, 2, 1);
    const W = randomArray(8 * 5, 2);
    const b = randomArray(5, 3);
    const y = tensor(3, 5, 1, 1);
    fcNoBias(y, x, W, 5);
    const yb = tensor(3, 5, 1, 1);
    fc(yb, x, W, b, 5);
    for (let n = 0; n < 3; n++) for (let j = 0; j < 5; j++) {
      let acc = 0;
      for (let i = 0; i < 8; i++) acc = Math.fround(acc + Math.fround(x.data[n * 8 + i] * W[i * 5 + j]));
      expect(y.data[n * 5 + j]).toBe(acc);
      expect(yb.data[n * 5 + j]).toBe(Math.fround(acc + b[j]));
    }
  });
});
