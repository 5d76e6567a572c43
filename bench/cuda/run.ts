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
 *      weights.f32 in the output folder;
 *   5. op by op: every op's output on two chips on the GPU against the host build's (the same
 *      kernels on the CPU, build/cuda-host/, run in a child process: the shim holds one library
 *      per process), so that a wrong result names the op that first goes wrong.
 * `node dist/bench/cuda/run.js --dump-ops FILE CARRY_DIR` (the child): every op's output on chips
 * 0 and 1, one after another, into FILE.
 * Imports no npm package (the GPU host has dist/ and the carried files only).
 *
 * `node dist/bench/cuda/run.js CARRY_DIR OUT_DIR`; writes OUT_DIR/cuda.json. FMC_BENCH_BATCHES=1,16: only
 * those batch sizes; FMC_BENCH_SECONDS (default 2): time per batch size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaStatus } from '../../src/cuda/index.js';
import { readDnnNet } from '../../src/dlib/dnn.js';
import { createCudaForward, cudaProgram } from '../../src/dnn/forward-cuda.js';
import { planFlops, planNetwork } from '../../src/dnn/net.js';
import type { RgbImage } from '../../src/image/pixels.js';

const dumpTo = process.argv[2] === '--dump-ops' ? process.argv[3]! : undefined;
const [carry = 'build/cuda-carry', outDir = '.'] = process.argv.slice(dumpTo === undefined ? 2 : 4);
const meta = JSON.parse(readFileSync(join(carry, 'meta.json'), 'utf8')) as { count: number; rows: number; cols: number; outputs: number };
const u8 = new Uint8Array(readFileSync(join(carry, 'chips.u8')));
const refBytes = readFileSync(join(carry, 'ref.f32'));
const ref = new Float32Array(refBytes.buffer, refBytes.byteOffset, refBytes.byteLength / 4);
const chipBytes = meta.rows * meta.cols * 3;
const chips: RgbImage[] = Array.from({ length: meta.count }, (_, i) => ({ width: meta.cols, height: meta.rows, data: u8.subarray(i * chipBytes, (i + 1) * chipBytes) }));

const modelPath = join(carry, 'model.dat');
const plan = planNetwork(readDnnNet(new Uint8Array(readFileSync(modelPath)), modelPath));
const program = cudaProgram(plan);
const opCount = program.program[1]!;

/** Every op's output on chips 0 and 1, concatenated. */
function opOutputs(): Float32Array[] {
  const fw = createCudaForward(program, 2);
  const outs = Array.from({ length: opCount }, (_, op) => fw.opOutput(chips.slice(0, 2), op));
  fw.release();
  return outs;
}

if (dumpTo !== undefined) {
  const outs = opOutputs();
  const all = new Float32Array(outs.reduce((a, o) => a + o.length, 0));
  let at = 0;
  for (const o of outs) {
    all.set(o, at);
    at += o.length;
  }
  writeFileSync(dumpTo, all);
  process.exit(0);
}

const result: Record<string, unknown> = { node: process.version };
const status = cudaStatus();
if (!status.ok) {
  console.log(`CUDA is not available: ${status.message} (${status.reason})`);
  writeFileSync(join(outDir, 'cuda.json'), `${JSON.stringify({ ...result, unavailable: status }, null, 2)}\n`);
  process.exit(1);
}
console.log(`device: ${status.runtime.device} (${status.runtime.build} build, ${status.runtime.library})`);
result.device = status.runtime.device;

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

// ---- op by op against the host build (the same kernels on the CPU), where it is built
const hostLib = resolve('build', 'cuda-host', 'libfacemetric_cuda.so');
if (existsSync(hostLib)) {
  const gpu = opOutputs();
  const file = join(outDir, 'ops-host.f32');
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--dump-ops', file, carry], {
    env: { ...process.env, FACEMETRIC_CUDA_LIB: hostLib }, stdio: 'inherit',
  });
  if (child.status === 0) {
    const bytes = readFileSync(file);
    const host = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    let at = 0;
    const ops = gpu.map((g, op) => {
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < g.length; i++) {
        const d = Math.abs(g[i]! - host[at + i]!);
        diff = Number.isNaN(d) || d > diff ? (Number.isNaN(d) ? Infinity : d) : diff;
        scale = Math.max(scale, Math.abs(host[at + i]!));
      }
      at += g.length;
      const kind = ['input', 'conv', 'affine', 'relu', 'pool', 'add', 'fc'][program.program[8 + 24 * op]!];
      return { op, kind, maxDiff: diff, relative: scale === 0 ? diff : diff / scale };
    });
    const first = ops.find((o) => !(o.relative <= 1e-4));
    const worst = ops.reduce((a, b) => (b.relative > a.relative ? b : a));
    console.log(`op by op, GPU vs host build, 2 chips: worst op ${worst.op} (${worst.kind}) relative ${worst.relative.toExponential(2)}; ` +
      (first === undefined ? 'every op within 1e-4 relative' : `first op past 1e-4 relative: ${first.op} (${first.kind}, ${first.relative.toExponential(2)})`));
    result.opByOp = ops;
  } else {
    console.log('op by op: the host build did not run');
  }
} else {
  console.log(`op by op: skipped (${hostLib} not built: native/build.sh --host)`);
}
writeFileSync(join(outDir, 'cuda.json'), `${JSON.stringify(result, null, 2)}\n`);
process.exit(pass ? 0 : 1);
