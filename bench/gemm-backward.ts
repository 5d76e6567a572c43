/**
 * The backward passes' products at the face network's convolution shapes (batch 1, 150x150
 * chips; F filters, T = in channels x taps, P output pixels): the data gradient
 * dCols[T x P] = Wᵀ·G (gemm transA, K = F) and the filter gradient dW[F x T] = G·Colsᵀ
 * (gemm transB, K = P, beta 1: the sum over samples) — and the same two in dlib's own layout,
 * where img2col's matrix `temp` is P x T (cpu_dlib.cpp: `temp = trans(gi)*mat(filters)`, a
 * P x T product, and `filters_gradient += gi*temp`, no transposition) — for gemmBlasReference (netlib's order,
 * dlib's bits), the WebAssembly SIMD kernel through the zero-copy pointer API (WasmGemmBlas), and
 * the relaxed-SIMD build where the engine runs it (Node 20: `node --experimental-wasm-relaxed-simd
 * dist/bench/gemm-backward.js`); then col2img, a plain TypeScript loop in dlib's order against the
 * kernel (Mvalues/s: entries of the im2col matrix scattered per second).
 *
 * Figures: GFLOP/s from the median wall-clock time and from the least process CPU time (user +
 * system; read that one on a busy machine). Standalone: `npm run build:ts && node
 * dist/bench/gemm-backward.js`; or `npm run bench gemm-backward`.
 */
import { pathToFileURL } from 'node:url';
import { gemmBlasReference } from '../src/dnn/gemm.js';
import { WasmGemmBlas } from '../src/dnn/gemm-blas-wasm.js';
import type { Window2d } from '../src/dnn/layers.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../src/wasm/index.js';
import { timeWallAndCpu, type Timing } from './timing.js';

/** The face network's convolutions at batch 1: [F, T, P, convs of this shape]. */
const SHAPES: [number, number, number, number][] = [
  [32, 147, 72 * 72, 1], [32, 288, 35 * 35, 6], [64, 288, 17 * 17, 1], [64, 576, 17 * 17, 7],
  [128, 576, 8 * 8, 1], [128, 1152, 8 * 8, 5], [256, 1152, 4 * 4, 1], [256, 2304, 4 * 4, 5],
  [256, 2304, 2 * 2, 1],
];

function fill(v: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return v;
}

const time = (fn: () => void, budgetMs: number, minRuns = 3): Timing => timeWallAndCpu(fn, budgetMs, 2, minRuns, 500);
const gflops = (flop: number, ms: number): number => Number((flop / (ms * 1e6)).toFixed(1));

/** col2img in dlib's loop order (output pixel, then tap), one add per entry. */
function col2imgLoop(dx: Float32Array, dcols: Float32Array, ch: number, h: number, w: number, win: Window2d, oh: number, ow: number): void {
  const P = oh * ow;
  for (let r = 0; r < oh; r++) {
    for (let q = 0; q < ow; q++) {
      let t = 0;
      for (let c = 0; c < ch; c++) {
        for (let ky = 0; ky < win.nr; ky++) {
          const yy = r * win.strideY - win.paddingY + ky;
          for (let kx = 0; kx < win.nc; kx++, t++) {
            const xx = q * win.strideX - win.paddingX + kx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) dx[(c * h + yy) * w + xx] += dcols[t * P + r * ow + q];
          }
        }
      }
    }
  }
}

export async function gemmBackwardBench(): Promise<void> {
  const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  if (flavours.length === 1) console.log('gemm-backward bench: relaxed SIMD not available here (Node 20: node --experimental-wasm-relaxed-simd dist/bench/gemm-backward.js)');
  const most = (g: (F: number, T: number, P: number) => number): number => Math.max(...SHAPES.map(([F, T, P]) => g(F, T, P)));
  const gemms = flavours.map((fl) => {
    const g = new WasmGemmBlas(WasmKernels.load(fl));
    const k = g.kernels;
    // W (F x T), G (F x P), Cols / dCols (T x P), dW (F x T)
    return { g, pw: k.alloc(most((F, T) => F * T) * 4), pg: k.alloc(most((F, _, P) => F * P) * 4),
      pcols: k.alloc(most((_, T, P) => T * P) * 4), pdw: k.alloc(most((F, T) => F * T) * 4) };
  });
  const rows: Record<string, string | number>[] = [];
  const totals = new Map<string, { flop: number; ms: number }>();
  const addTotal = (key: string, flop: number, ms: number): void => {
    const t = totals.get(key) ?? { flop: 0, ms: 0 };
    totals.set(key, { flop: t.flop + flop, ms: t.ms + ms });
  };
  for (const [F, T, P, count] of SHAPES) {
    const flop = 2 * F * T * P;
    const W = fill(new Float32Array(F * T), F + T);
    const G = fill(new Float32Array(F * P), F + P);
    const cols = fill(new Float32Array(T * P), T + P);
    const dCols = new Float32Array(T * P);
    const dW = new Float32Array(F * T);
    for (const [what, ref] of [
      ['data Wᵀ·G', () => gemmBlasReference(true, false, T, P, F, 1, W, G, 0, dCols)],
      ['filter G·Colsᵀ', () => gemmBlasReference(false, true, F, T, P, 1, G, cols, 1, dW)],
      ['data Gᵀ·W (P x T)', () => gemmBlasReference(true, false, P, T, F, 1, G, W, 0, dCols)],
      ['filter G·temp', () => gemmBlasReference(false, false, F, T, P, 1, G, cols, 1, dW)],
    ] as const) {
      const row: Record<string, string | number> = { product: what, 'F x T x P': `${F} x ${T} x ${P}`, convs: count };
      const t = time(ref, 300, 2);
      row['reference GFLOP/s (wall)'] = gflops(flop, t.wallMs);
      row['reference GFLOP/s (cpu)'] = gflops(flop, t.cpuMs);
      addTotal(`${what}|reference`, flop * count, t.cpuMs * count);
      for (const { g, pw, pg, pcols, pdw } of gemms) {
        const k = g.kernels;
        k.f32(pw, F * T).set(W);
        k.f32(pg, F * P).set(G);
        k.f32(pcols, T * P).set(cols);
        const run = what === 'data Wᵀ·G' ? () => g.gemm(true, false, T, P, F, 1, pw, pg, 0, pcols)
          : what === 'filter G·Colsᵀ' ? () => g.gemm(false, true, F, T, P, 1, pg, pcols, 1, pdw)
            : what === 'data Gᵀ·W (P x T)' ? () => g.gemm(true, false, P, T, F, 1, pg, pw, 0, pcols)
              : () => g.gemm(false, false, F, T, P, 1, pg, pcols, 1, pdw);
        const tw = time(run, 300);
        row[`${g.flavour} GFLOP/s (wall)`] = gflops(flop, tw.wallMs);
        row[`${g.flavour} GFLOP/s (cpu)`] = gflops(flop, tw.cpuMs);
        addTotal(`${what}|${g.flavour}`, flop * count, tw.cpuMs * count);
        // the data gradients overwrote Cols: restore it for the next rows
        k.f32(pcols, T * P).set(cols);
      }
      rows.push(row);
    }
  }
  console.table(rows);
  console.log('the 28 convolutions of one backward pass, batch 1 (shapes x convs; CPU-time figures; each gradient in one of its two layouts):');
  for (const [key, t] of totals) {
    const [what, impl] = key.split('|');
    console.log(`  ${what.padEnd(18)} ${impl.padEnd(9)}: ${gflops(t.flop, t.ms)} GFLOP/s, ${t.ms.toFixed(2)} ms per face`);
  }

  // col2img at the residual blocks' and the down-sampling convs' shapes
  const c2i: [string, number, number, Window2d][] = [
    ['3x3/1 pad 1, 32 ch 35x35', 32, 35, { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }],
    ['3x3/1 pad 1, 64 ch 17x17', 64, 17, { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }],
    ['3x3/2 pad 0, 32 ch 35x35', 32, 35, { nr: 3, nc: 3, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0 }],
    ['3x3/1 pad 1, 256 ch 4x4', 256, 4, { nr: 3, nc: 3, strideY: 1, strideX: 1, paddingY: 1, paddingX: 1 }],
  ];
  const crow: Record<string, string | number>[] = [];
  for (const [name, ch, hw, win] of c2i) {
    const oh = 1 + Math.trunc((hw + 2 * win.paddingY - win.nr) / win.strideY);
    const entries = ch * win.nr * win.nc * oh * oh;
    const dcols = fill(new Float32Array(entries), ch + hw);
    const dx = new Float32Array(ch * hw * hw);
    const t = time(() => col2imgLoop(dx, dcols, ch, hw, hw, win, oh, oh), 300);
    const row: Record<string, string | number> = { col2img: name, 'TS loop Mvalues/s (cpu)': Number((entries / (t.cpuMs * 1e3)).toFixed(0)) };
    for (const { g } of gemms) {
      const k = g.kernels;
      const pd = k.alloc(entries * 4);
      const px = k.alloc(dx.length * 4);
      k.f32(pd, entries).set(dcols);
      const tw = time(() => g.col2img(px, pd, { k: ch, nr: hw, nc: hw }, win), 300);
      row[`${g.flavour} Mvalues/s (cpu)`] = Number((entries / (tw.cpuMs * 1e3)).toFixed(0));
    }
    crow.push(row);
  }
  console.table(crow);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`facemetric gemm-backward bench: node ${process.version}, ${process.platform}/${process.arch}`);
  await gemmBackwardBench();
}
