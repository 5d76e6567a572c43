/**
 * The face ResNet's WebAssembly forward pass on a worker_threads pool (src/dnn/parallel.ts):
 * ms per face (wall clock) for threads 1 (in process) and 2, maxBatch 16, 48 chips per call
 * (2 threads: two chunks of 24, each run as batches of 16 + 8), for the plain SIMD build and,
 * where the engine runs it, the relaxed-SIMD build (Node 20:
 * `node --experimental-wasm-relaxed-simd dist/bench/parallel.js`).
 *
 * The wall-clock figure is the one that shows the gain from a second core, and it means
 * something only on an otherwise idle machine with at least 2 free cores; the CPU ms per face
 * (each thread's own CPU time in forward passes, Linux /proc/thread-self/schedstat, summed over
 * threads) is robust to load and shows the cost of the parallel version per face; the time each
 * thread waited for a CPU (runnable, not running) shows how busy the machine was.
 * Also: pool startup (wall, and each thread's CPU for parsing, planning and kernel setup).
 *
 * Inputs: random-pixel chips (the work does not depend on the pixels).
 * Standalone: `npm run build:ts && node dist/bench/parallel.js`; or call parallelBench().
 */
import { loadavg, availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createParallelForward } from '../src/dnn/parallel.js';
import { relaxedSimdSupported, type WasmFlavour } from '../src/wasm/index.js';
import { randomChip } from './timing.js';


const round = (v: number, d = 2): number => Number(v.toFixed(d));
const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);

export async function parallelBench(budgetMs = 4000, chipCount = 48): Promise<void> {
  const chips = Array.from({ length: chipCount }, (_, i) => randomChip(i + 1));
  const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
  if (flavours.length === 1) {
    console.log('parallel bench: relaxed SIMD not available here (Node 20: node --experimental-wasm-relaxed-simd dist/bench/parallel.js)');
  }
  console.log(`parallel forward bench: ${chipCount} chips per call, maxBatch 16; ${availableParallelism()} CPUs, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log('NOTE: the wall-clock ms/face and the speed-up need an otherwise idle machine (2 free cores); on a loaded machine read the CPU ms/face.');

  const rows: Record<string, string | number>[] = [];
  for (const flavour of flavours) {
    let oneThreadWall = NaN;
    for (const threads of [1, 2]) {
      const pool = await createParallelForward({ threads, maxBatch: 16, flavour });
      try {
        const st = pool.stats();
        await pool.forward(chips); // warm-up
        const s0 = pool.stats();
        const walls: number[] = [];
        const start = performance.now();
        while (walls.length < 3 || (performance.now() - start < budgetMs && walls.length < 50)) {
          const t0 = performance.now();
          await pool.forward(chips);
          walls.push(performance.now() - t0);
        }
        const s1 = pool.stats();
        const cpu = s1.cpuMs.map((c, i) => c - s0.cpuMs[i]);
        const wait = s1.waitMs.map((c, i) => c - s0.waitMs[i]);
        walls.sort((a, b) => a - b);
        const wall = walls[walls.length >> 1] / chipCount;
        if (threads === 1) oneThreadWall = wall;
        const faces = walls.length * chipCount;
        rows.push({
          flavour, threads,
          'startup ms (wall)': round(st.startupMs, 0),
          'setup CPU ms/thread': st.setupCpuMs.map((v) => round(v, 0)).join(' '),
          runs: walls.length,
          'ms/face (wall, median)': round(wall),
          'faces/s (wall)': round(1000 / wall, 1),
          'speed-up (wall)': round(oneThreadWall / wall),
          'CPU ms/face (sum of threads)': round(sum(cpu) / faces),
          'CPU ms/face per thread': cpu.map((c) => round((c * threads) / faces)).join(' '),
          'waited for a CPU, ms/face per thread': wait.map((c) => round((c * threads) / faces)).join(' '),
        });
      } finally {
        await pool.close();
      }
    }
  }
  console.table(rows);
  console.log('dlib + OpenBLAS on the same chips: npm run bench resnet (the issue quotes ~8.5 ms/face with 2 threads).');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await parallelBench();
}
