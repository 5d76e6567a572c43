/**
 * One training step of the face ResNet (dlib's bn_con training net, a fresh dlib initialisation),
 * facemetric against dlib in one run: images per second (the mini-batch's images / the median
 * step time) and peak memory, at 5 people x 5 images (dlib's example) and 35 x 15 (the released
 * model's mini-batch).
 *
 *   - facemetric: TrainingNet.computeParameterGradients + updateParameters (src/train/network.ts)
 *     with the WebAssembly kernels of trainingKernels('wasm') (the convolutions whole in wasm:
 *     WasmConvKernels; bn_con's loops with relu_ fused: WasmBnLoops; fc_'s GEMMs), plain SIMD
 *     (dlib's bits) on 1 and 2 threads (startTrainingThreads: each GEMM cut between them), the
 *     relaxed-SIMD build (fused multiply-adds, as Node 22+, Bun, Deno and browsers run it; here
 *     under node --experimental-wasm-relaxed-simd; not dlib's bits) on 1 and 2 threads, and at
 *     5x5 with the reference kernels (dlib's order).
 *     Each row runs in a child process of its own, so its peak RSS is its own.
 *   - dlib 19.24 (Debian) through the harness's `time-train` (compute_parameter_gradients +
 *     update_parameters with sgd): Debian's reference BLAS, and OpenBLAS (Debian's
 *     libopenblas0-pthread, unpacked by bench/openblas.ts) at 1 and 2 threads.
 *
 * Each row: one warm-up step, then the median of the timed steps (3 at 5x5, 1 at 35x15). The
 * chips are dlib's examples/johns (150x150), cycled to fill the mini-batch; labels: image i
 * belongs to person i / K. The reference rows at 35x15 (minutes per step) run only with
 * FACEMETRIC_BENCH_TRAIN_FULL=1.
 *
 * `npm run bench train` (or `npm run build:ts && node dist/bench/train.js`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exampleImagesDir } from '../src/models/index.js';
import { harnessBinary } from '../src/parity/harness.js';
import type { RgbImage } from '../src/image/pixels.js';
import { harnessBuilt } from './against-dlib.js';
import { ensureOpenBlas, openBlasEnv, referenceBlasEnv } from './openblas.js';
import { median } from './timing.js';

/** The johns chips (150x150 JPEGs), in a fixed order. */
function chipPaths(): string[] {
  const dir = join(exampleImagesDir(), 'johns');
  return readdirSync(dir).sort().flatMap((p) => readdirSync(join(dir, p)).sort().map((f) => join(dir, p, f)));
}

interface Row { who: string; people: number; perPerson: number; imagesPerSecond: number; msPerStep: number; peakRssMb: number; note?: string }

/** The child: times `steps` training steps after one warm-up and prints one JSON line. */
async function child(backend: 'wasm' | 'reference', people: number, perPerson: number, steps: number, threads: number, flavour: 'simd' | 'relaxed'): Promise<void> {
  const { TrainingNet } = await import('../src/train/network.js');
  const { freshFaceNet, startTrainingThreads, trainingKernels } = await import('../src/train/train.js');
  const { Sgd } = await import('../src/train/sgd.js');
  const { loadImageAsDlib } = await import('../src/train/sampler.js');
  const paths = chipPaths();
  const chips: RgbImage[] = [];
  const labels: number[] = [];
  for (let i = 0; i < people * perPerson; i++) {
    chips.push(loadImageAsDlib(paths[i % paths.length]!));
    labels.push(Math.floor(i / perPerson));
  }
  const pool = threads > 1 ? await startTrainingThreads(threads, flavour) : undefined;
  const net = new TrainingNet(freshFaceNet(), { kernels: backend === 'reference' ? trainingKernels(backend) : trainingKernels(backend, pool, flavour) });
  const sgd = new Sgd({ weightDecay: 0.0001, momentum: 0.9 });
  const states = net.newSolverStates(sgd);
  const ms: number[] = [];
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now();
    net.computeParameterGradients(chips, labels);
    net.updateParameters(sgd, states, 0.0001);
    if (s > 0) ms.push(performance.now() - t0);
  }
  await pool?.close();
  const step = median(ms);
  console.log(JSON.stringify({ msPerStep: step, imagesPerSecond: (1000 * chips.length) / step, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function facemetricRow(backend: 'wasm' | 'reference', people: number, perPerson: number, steps: number, threads = 1, flavour: 'simd' | 'relaxed' = 'simd'): Row {
  const node = flavour === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
  const r = spawnSync(process.execPath, [...node, fileURLToPath(import.meta.url), '--child', backend, String(people), String(perPerson), String(steps), String(threads), flavour],
    { encoding: 'utf8', timeout: 3_600_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`facemetric ${backend} ${people}x${perPerson} failed: ${r.stderr.trim().split('\n').pop()}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { msPerStep: number; imagesPerSecond: number; peakRssMb: number };
  const what = backend === 'reference' ? 'reference (dlib\'s order)'
    : `WebAssembly${flavour === 'relaxed' ? ' relaxed SIMD (fused; not dlib\'s bits)' : ''}, ${threads} thread${threads === 1 ? '' : 's'}`;
  return { who: `facemetric ${what}`, people, perPerson, ...j };
}

function dlibRow(label: string, env: NodeJS.ProcessEnv, people: number, perPerson: number, repeat: number): Row {
  const r = spawnSync(harnessBinary(), ['time-train', '--people', String(people), '--per-person', String(perPerson), '--repeat', String(repeat), ...chipPaths()],
    { encoding: 'utf8', env, timeout: 7_200_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`harness time-train failed (exit ${r.status}): ${r.stderr.trim()}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { median_ms_per_step: number; images_per_second: number; peak_rss_mb: number; blas: string; threads?: number };
  return { who: label, people, perPerson, msPerStep: j.median_ms_per_step, imagesPerSecond: j.images_per_second, peakRssMb: j.peak_rss_mb, note: `${j.blas}${j.threads === undefined ? '' : ` ${j.threads} threads`}` };
}

export async function trainBench(): Promise<void> {
  if (!harnessBuilt('train bench', 'it times dlib')) return;
  const blas = ensureOpenBlas(harnessBinary());
  const full = process.env.FACEMETRIC_BENCH_TRAIN_FULL === '1';
  console.log(`training step of the face ResNet (fresh bn_con net, sgd), johns chips; ${full ? '' : 'reference rows at 35x15 skipped (FACEMETRIC_BENCH_TRAIN_FULL=1 runs them)'}`);
  for (const [people, perPerson, repeat] of [[5, 5, 3], [35, 15, 1]] as const) {
    const rows: Row[] = [];
    const add = (f: () => Row): void => {
      try {
        const row = f();
        rows.push(row);
        console.log(`  ${people}x${perPerson} ${row.who}: ${row.imagesPerSecond.toFixed(2)} images/s (${(row.msPerStep / 1000).toFixed(2)} s/step), peak RSS ${row.peakRssMb.toFixed(0)} MB${row.note ? ` [${row.note}]` : ''}`);
      } catch (e) {
        console.log(`  ${people}x${perPerson}: ${(e as Error).message}`);
      }
    };
    add(() => facemetricRow('wasm', people, perPerson, repeat));
    add(() => facemetricRow('wasm', people, perPerson, repeat, 2));
    add(() => facemetricRow('wasm', people, perPerson, repeat, 1, 'relaxed'));
    add(() => facemetricRow('wasm', people, perPerson, repeat, 2, 'relaxed'));
    if (people * perPerson <= 25 || full) add(() => facemetricRow('reference', people, perPerson, 1));
    if (blas.ok) {
      add(() => dlibRow('dlib + OpenBLAS, 1 thread', openBlasEnv(blas, 1), people, perPerson, repeat));
      add(() => dlibRow('dlib + OpenBLAS, 2 threads', openBlasEnv(blas, 2), people, perPerson, repeat));
    } else {
      console.log(`  OpenBLAS skipped: ${blas.reason}`);
    }
    if (people * perPerson <= 25 || full) add(() => dlibRow('dlib + reference BLAS', referenceBlasEnv(), people, perPerson, 1));
    const ours = rows.find((r) => r.who.startsWith('facemetric WebAssembly, 1'));
    if (ours !== undefined) {
      console.table(rows.map((r) => ({
        row: r.who, 'images/s': Number(r.imagesPerSecond.toFixed(2)), 's/step': Number((r.msPerStep / 1000).toFixed(2)),
        'peak RSS MB': Math.round(r.peakRssMb), 'facemetric wasm 1 thread vs this': `${(ours.imagesPerSecond / r.imagesPerSecond).toFixed(2)}x`,
      })));
    }
  }
}

if (process.argv[2] === '--child') {
  const [, , , backend, people, perPerson, steps, threads, flavour] = process.argv;
  await child(backend as 'wasm' | 'reference', Number(people), Number(perPerson), Number(steps), Number(threads ?? 1), flavour === 'relaxed' ? 'relaxed' : 'simd');
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await trainBench();
}
