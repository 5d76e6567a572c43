/**
 * facemetric benchmarks (tinybench). `npm run bench` after `npm ci`.
 *
 * For now: the first WebAssembly SIMD kernel against its TypeScript reference, in GFLOP/s.
 * Later stages add their own suites here, each timing dlib (through the parity harness) in the
 * same run and printing ratios. Timings are noisy on shared machines: read medians and ratios.
 */
import { Bench } from 'tinybench';
import { WasmKernels } from '../src/wasm/index.js';
import { dotRef } from '../src/wasm/kernels.js';

async function kernels(): Promise<void> {
  const k = WasmKernels.load();
  const n = 1 << 16;
  const a = new Float32Array(n).map((_, i) => Math.sin(i));
  const b = new Float32Array(n).map((_, i) => Math.cos(i));
  const pa = k.putF32(a);
  const pb = k.putF32(b);
  let sink = 0;
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench
    .add(`dot n=${n} TypeScript reference`, () => {
      sink += dotRef(a, b, n);
    })
    .add(`dot n=${n} WebAssembly ${k.flavour}`, () => {
      sink += k.exports.dot_f32(pa, pb, n);
    });
  await bench.run();
  const rows = bench.tasks.map((t) => {
    const median = t.result && 'latency' in t.result ? t.result.latency.p50 ?? NaN : NaN;
    return { task: t.name, 'median ms': Number(median.toFixed(4)), 'GFLOP/s': Number(((2 * n) / (median * 1e6)).toFixed(2)) };
  });
  console.table(rows);
  const [ref, wasm] = rows;
  console.log(`WebAssembly / reference speed-up: ${(ref['median ms'] / wasm['median ms']).toFixed(1)}x (sink ${sink > 0 ? '+' : '-'})`);
}

console.log(`facemetric bench: node ${process.version}, ${process.platform}/${process.arch}`);
await kernels();
