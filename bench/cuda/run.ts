/**
 * The CUDA backend on the GPU host (run by bench/cuda/run.sh, after the library is built there):
 *   1. the device probe (src/cuda/: shim, library, ABI check);
 *   2. parity: the 91 example faces' chips (build/cuda-carry/chips.u8, bench/cuda/prepare.ts)
 *      through the GPU, as one batch and one chip at a time, against the WebAssembly path's
 *      descriptors (ref.f32): max |difference|, target 1e-4;
 *   3. throughput at batches of 1, 16, 256 and 1024 (the 91 chips repeated): chips in host memory
 *      to descriptors in host memory, as describeBatch does; median of timed runs after warm-up,
 *      ms per batch, descriptors/s, GFLOP/s (planFlops);
 *   4. the program and weights for the PyTorch peer (bench/cuda/torch_peer.py): program.i32,
 *      weights.f32 in the output folder.
 * Imports no npm package (the GPU host has dist/ and the carried files only).
 *
 * `node dist/bench/cuda/run.js CARRY_DIR OUT_DIR`; writes OUT_DIR/cuda.json. FMC_BENCH_BATCHES=1,16: only
 * those batch sizes; FMC_BENCH_SECONDS (default 2): time per batch size.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cudaStatus } from '../../src/cuda/index.js';
import { readDnnNet } from '../../src/dlib/dnn.js';
import { createCudaForward, cudaProgram } from '../../src/dnn/forward-cuda.js';
import { planFlops, planNetwork } from '../../src/dnn/net.js';
import type { RgbImage } from '../../src/image/pixels.js';

const [carry = 'build/cuda-carry', outDir = '.'] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(carry, 'meta.json'), 'utf8')) as { count: number; rows: number; cols: number; outputs: number };
const u8 = new Uint8Array(readFileSync(join(carry, 'chips.u8')));
const refBytes = readFileSync(join(carry, 'ref.f32'));
const ref = new Float32Array(refBytes.buffer, refBytes.byteOffset, refBytes.byteLength / 4);
const chipBytes = meta.rows * meta.cols * 3;
const chips: RgbImage[] = Array.from({ length: meta.count }, (_, i) => ({ width: meta.cols, height: meta.rows, data: u8.subarray(i * chipBytes, (i + 1) * chipBytes) }));

const result: Record<string, unknown> = { node: process.version };
const status = cudaStatus();
if (!status.ok) {
  console.log(`CUDA is not available: ${status.message} (${status.reason})`);
  writeFileSync(join(outDir, 'cuda.json'), `${JSON.stringify({ ...result, unavailable: status }, null, 2)}\n`);
  process.exit(1);
}
console.log(`device: ${status.runtime.device} (${status.runtime.build} build, ${status.runtime.library})`);
result.device = status.runtime.device;

const modelPath = join(carry, 'model.dat');
const plan = planNetwork(readDnnNet(new Uint8Array(readFileSync(modelPath)), modelPath));
const program = cudaProgram(plan);
writeFileSync(join(outDir, 'program.i32'), program.program);
writeFileSync(join(outDir, 'weights.f32'), program.weights);
const flop = planFlops(plan);

// ---- parity
const maxDiff = (got: readonly Float32Array[], from = 0): { max: number; at: number } => {
  let max = 0;
  let at = -1;
  got.forEach((d, i) => d.forEach((v, k) => {
    const e = Math.abs(v - ref[(from + i) * meta.outputs + k]!);
    if (e > max || Number.isNaN(e)) { max = e; at = from + i; }
  }));
  return { max, at };
};
const all = createCudaForward(program, meta.count);
const batched = maxDiff(all.forward(chips));
const single = createCudaForward(program, 1);
let one = { max: 0, at: -1 };
chips.forEach((c, i) => {
  const d = maxDiff(single.forward([c]), i);
  if (d.max > one.max || Number.isNaN(d.max)) one = d;
});
all.release();
single.release();
const pass = batched.max <= 1e-4 && one.max <= 1e-4;
console.log(`parity vs wasm, ${meta.count} faces: max |difference| ${batched.max.toExponential(3)} as one batch, ${one.max.toExponential(3)} one at a time: ${pass ? 'PASS' : 'FAIL'} (target 1e-4)`);
result.parity = { faces: meta.count, batchedMaxDiff: batched.max, singleMaxDiff: one.max, worstFace: Math.max(batched.at, one.at), target: 1e-4, pass };

// ---- throughput
const timings: Record<string, unknown>[] = [];
// FMC_BENCH_BATCHES=1,16 limits the sizes (a trial of this script on the host build, ~0.1 s a chip)
const batches = (process.env.FMC_BENCH_BATCHES ?? '1,16,256,1024').split(',').map(Number);
for (const batch of batches) {
  const fw = createCudaForward(program, batch);
  const input = Array.from({ length: batch }, (_, i) => chips[i % chips.length]!);
  for (let i = 0; i < 3; i++) fw.forward(input);
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (performance.now() - start < 1000 * Number(process.env.FMC_BENCH_SECONDS ?? 2) && times.length < 200)) {
    const t0 = performance.now();
    fw.forward(input);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1]!;
  const row = { batch, msPerBatch: ms, descriptorsPerSecond: (batch * 1000) / ms, gflops: (flop * batch) / (ms * 1e6), runs: times.length, deviceMiB: fw.deviceBytes / 1048576 };
  console.log(`batch ${String(batch).padStart(4)}: ${ms.toFixed(3)} ms, ${row.descriptorsPerSecond.toFixed(0)} descriptors/s, ${row.gflops.toFixed(0)} GFLOP/s (${times.length} runs, ${row.deviceMiB.toFixed(0)} MiB on the device)`);
  timings.push(row);
  fw.release();
}
result.timings = timings;
result.gflopPerFace = flop / 1e9;
writeFileSync(join(outDir, 'cuda.json'), `${JSON.stringify(result, null, 2)}\n`);
process.exit(pass ? 0 : 1);
