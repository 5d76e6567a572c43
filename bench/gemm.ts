/**
 * GEMM timings for the face ResNet's convolutions (im2col + GEMM, C[M x N] = A[M x K] · B[K x N],
 * M = out channels, K = in channels * kh * kw, N = out pixels * faces), at batch 1 and 16, for
 * the TypeScript reference (gemmRef, batch 1 only: it runs at about 1 GFLOP/s), the WebAssembly
 * SIMD build, and the relaxed-SIMD build where the engine runs it (Node 20:
 * `node --experimental-wasm-relaxed-simd dist/bench/gemm.js`). The WebAssembly rows use the
 * zero-copy pointer API (operands resident in wasm memory, as a network would keep them).
 *
 * Two figures per row: GFLOP/s from the median wall-clock time, and from the least process CPU
 * time over the runs (user + system, which on a shared machine leaves out the time other
 * processes held the core; read that one when the machine is busy). The first runs are warm-up
 * (V8 compiles wasm with Liftoff first and tiers up to TurboFan in the background).
 *
 * Standalone: `npm run build:ts && node dist/bench/gemm.js`; or call gemmBench() from run.ts.
 */
import { pathToFileURL } from 'node:url';
import { gemmRef } from '../src/dnn/gemm-ref.js';
import { WasmGemm } from '../src/dnn/gemm-wasm.js';
import { relaxedSimdSupported, WasmKernels, type WasmFlavour } from '../src/wasm/index.js';
import { timeWallAndCpu, type Timing } from './timing.js';

/** The face ResNet's convolutions as GEMMs at batch 1: [M, K, N pixels, convs of this shape]. */
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

/** {@link timeWallAndCpu} with fewer warm-up runs for the biggest products. */
const time = (fn: () => void, flop: number, budgetMs: number, minRuns = 3): Timing =>
  timeWallAndCpu(fn, budgetMs, flop > 2e9 ? 1 : 3, minRuns, 500);

const gflops = (flop: number, ms: number): number => Number((flop / (ms * 1e6)).toFixed(1));

export async function gemmBench(): Promise<void> {
  const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  if (flavours.length === 1) console.log('gemm bench: relaxed SIMD not available here (Node 20: node --experimental-wasm-relaxed-simd dist/bench/gemm.js)');
  // per instance: the scratch, then room for the largest A, B and C, reused by every shape
  const most = (f: (m: number, k: number, n: number) => number): number => Math.max(...SHAPES.map(([m, k, n]) => f(m, k, n * 16)));
  const gemms = flavours.map((f) => {
    const g = new WasmGemm(WasmKernels.load(f));
    const k = g.kernels;
    return { g, pa: k.alloc(most((m, kk) => m * kk) * 4), pb: k.alloc(most((_, kk, n) => kk * n) * 4), pc: k.alloc(most((m, _, n) => m * n) * 4) };
  });
  const rows: Record<string, string | number>[] = [];
  const totals = new Map<string, { flop: number; ms: number }>();
  const addTotal = (key: string, flop: number, ms: number): void => {
    const t = totals.get(key) ?? { flop: 0, ms: 0 };
    totals.set(key, { flop: t.flop + flop, ms: t.ms + ms });
  };
  for (const batch of [1, 16]) {
    for (const [M, K, pixels, count] of SHAPES) {
      const N = pixels * batch;
      const flop = 2 * M * N * K;
      const A = fill(new Float32Array(M * K), M + K);
      const B = fill(new Float32Array(K * N), K + N);
      const row: Record<string, string | number> = { batch, 'M x K x N': `${M} x ${K} x ${N}`, convs: count };
      if (batch === 1) {
        const C = new Float32Array(M * N);
        const t = time(() => gemmRef(M, N, K, A, B, C), flop, 300, 2);
        row['reference GFLOP/s (cpu)'] = gflops(flop, t.cpuMs);
        addTotal(`reference b${batch}`, flop * count, t.cpuMs * count);
      } else {
        row['reference GFLOP/s (cpu)'] = '-';
      }
      for (const { g, pa, pb, pc } of gemms) {
        const k = g.kernels;
        k.f32(pa, M * K).set(A);
        k.f32(pb, K * N).set(B);
        const t = time(() => g.gemm(M, N, K, pa, pb, pc), flop, 400);
        row[`${g.flavour} GFLOP/s (wall)`] = gflops(flop, t.wallMs);
        row[`${g.flavour} GFLOP/s (cpu)`] = gflops(flop, t.cpuMs);
        addTotal(`${g.flavour} b${batch}`, flop * count, t.cpuMs * count);
      }
      rows.push(row);
    }
  }
  console.table(rows);
  console.log('the 28 convolutions of one forward pass (shapes x convs; CPU-time figures):');
  for (const [key, t] of totals) {
    const [what, b] = key.split(' ');
    const faces = Number(b.slice(1));
    console.log(`  ${what.padEnd(9)} batch ${String(faces).padStart(2)}: ${gflops(t.flop, t.ms)} GFLOP/s, ${(t.ms / faces).toFixed(2)} ms/face in GEMMs`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`facemetric gemm bench: node ${process.version}, ${process.platform}/${process.arch}`);
  await gemmBench();
}
