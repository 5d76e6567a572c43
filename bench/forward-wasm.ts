/**
 * The face ResNet's forward pass in WebAssembly (src/dnn/forward-wasm.ts): ms per face and
 * GFLOP/s at batch 1 and 16, for the plain SIMD build and the relaxed-SIMD build (Node 20:
 * `node --experimental-wasm-relaxed-simd dist/bench/forward-wasm.js`), with two figures each:
 * the least process CPU time over the runs (user + system: read this one on a shared machine)
 * and the median wall-clock time. Then the split between per-image and batched stages
 * (splitPixels), and a breakdown of CPU time by kernel kind (GEMM, im2col, epilogue, pooling,
 * input, other) from a profiled run (its per-call timer adds a little).
 *
 * Inputs: 16 chips of random pixels (the work does not depend on the pixels).
 * Standalone: `npm run build:ts && node dist/bench/forward-wasm.js`; or call forwardWasmBench().
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { readDnnNet } from '../src/dlib/index.js';
import { createWasmForward, type WasmForwardOptions } from '../src/dnn/forward-wasm.js';
import { planFlops, planNetwork, type NetPlan } from '../src/dnn/net.js';
import type { RgbImage } from '../src/image/pixels.js';
import { assetPath } from '../src/models/index.js';
import { relaxedSimdSupported, type WasmFlavour } from '../src/wasm/index.js';
import { randomChip, timeWallAndCpu, type Timing } from './timing.js';



const round = (v: number, d = 2): number => Number(v.toFixed(d));

function measure(plan: NetPlan, chips: RgbImage[], opts: WasmForwardOptions, budgetMs: number): Timing {
  const f = createWasmForward(plan, { ...opts, maxBatch: chips.length });
  const t = timeWallAndCpu(() => { f.forward(chips); }, budgetMs, 2);
  f.release();
  return t;
}

export async function forwardWasmBench(budgetMs = 3000): Promise<void> {
  const plan = planNetwork(readDnnNet(readFileSync(assetPath('dlib_face_recognition_resnet_model_v1'))));
  const flop = planFlops(plan);
  const chips = Array.from({ length: 16 }, (_, i) => randomChip(i + 1));
  const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  if (flavours.length === 1) {
    console.log('forward-wasm bench: relaxed SIMD not available here (Node 20: node --experimental-wasm-relaxed-simd dist/bench/forward-wasm.js)');
  }
  console.log(`face ResNet: ${round(flop / 1e9, 3)} GFLOP per face (convolutions and fc)`);

  const rows: Record<string, string | number>[] = [];
  for (const flavour of flavours) {
    for (const batch of [1, 16]) {
      const t = measure(plan, chips.slice(0, batch), { flavour }, budgetMs);
      rows.push({
        flavour, batch,
        'ms/face (CPU)': round(t.cpuMs / batch), 'GFLOP/s (CPU)': round((flop * batch) / (t.cpuMs * 1e6), 1),
        'ms/face (wall)': round(t.wallMs / batch), 'GFLOP/s (wall)': round((flop * batch) / (t.wallMs * 1e6), 1),
      });
    }
  }
  console.table(rows);

  // per-image early stages vs batched: splitPixels (per channel plane) at batch 16
  const splits: [string, number][] = [
    ['all per image (0)', 0], ['72x72 per image (5184)', 5184], ['<= 35x35 per image (1225)', 1225],
    ['default, <= 17x17 batched (289)', 289], ['<= 8x8 batched (64)', 64], ['all batched (Infinity)', Infinity],
  ];
  const best = flavours[flavours.length - 1];
  const splitRows = splits.map(([label, splitPixels]) => {
    const t = measure(plan, chips, { flavour: best, splitPixels }, budgetMs / 2);
    return { flavour: best, batch: 16, split: label, 'ms/face (CPU)': round(t.cpuMs / 16), 'ms/face (wall)': round(t.wallMs / 16) };
  });
  console.table(splitRows);

  // CPU time by kernel kind
  const breakdown: Record<string, string | number>[] = [];
  for (const flavour of flavours) {
    for (const batch of [1, 16]) {
      const f = createWasmForward(plan, { flavour, maxBatch: batch, profile: true });
      const input = chips.slice(0, batch);
      for (let i = 0; i < 2; i++) f.forward(input);
      f.resetProfile();
      const c0 = process.cpuUsage();
      const runs = Math.max(2, Math.round(32 / batch));
      for (let i = 0; i < runs; i++) f.forward(input);
      const c = process.cpuUsage(c0);
      const p = f.profile;
      const per = (v: number): number => round(v / p.images, 3);
      const total = (c.user + c.system) / 1000 / p.images;
      breakdown.push({
        flavour, batch, 'total ms/face': round(total, 3), gemm: per(p.gemm), im2col: per(p.im2col), epilogue: per(p.epilogue),
        pool: per(p.pool), input: per(p.input), other: per(p.other),
        'untimed (JS, timers)': round(total - (p.gemm + p.im2col + p.epilogue + p.pool + p.input + p.other) / p.images, 3),
      });
      f.release();
    }
  }
  console.log('CPU ms per face by kernel kind (profiled run):');
  console.table(breakdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await forwardWasmBench();
}
