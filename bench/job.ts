/**
 * The main job end to end: `facemetric cluster` on dlib's example photos (examples/faces/*.jpg
 * and the 55 photos of examples/johns: 67 files) against dlib doing the same work — the
 * harness's `cluster` (load_image, the HOG detector, the 68-point predictor, 150x150 chips, the
 * ResNet 16 chips at a time, edges at 0.6, chinese_whispers), as dlib's face-clustering example
 * does — each as a fresh process, so start-up and model loading count on both sides. facemetric
 * also writes its report (chips, tiles, clusters.json, index.html); dlib prints labels.
 *
 * dlib runs on Debian's reference BLAS (its default here) and on Debian's OpenBLAS (1 and 2
 * threads; see openblas.ts). The bench checks that every run finds the same faces with the same
 * labels, and prints median wall times of 3 runs and ratios. `npm run bench job`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetPath, exampleImages } from '../src/models/index.js';
import { harnessBinary } from '../src/parity/harness.js';
import { ensureOpenBlas, openBlasEnv, referenceBlasEnv } from './openblas.js';
import { median } from './timing.js';

interface Clusters { clusters: number; faces: { image: string; rect: number[]; label: number }[] }

/** Median wall time of `runs` runs of a process (`args(run)` gives its arguments), and its output
 * (exit 3 is facemetric cluster's "report written, some photos could not be read"). */
function timed(cmd: string, args: (run: number) => string[], env: NodeJS.ProcessEnv, runs: number): { ms: number; result: Clusters } {
  const times: number[] = [];
  let stdout = '';
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = spawnSync(cmd, args(r), { env, encoding: 'utf8', maxBuffer: 256 << 20 });
    times.push(performance.now() - t0);
    if (p.status !== 0 && p.status !== 3) throw new Error(`${cmd} failed (exit ${p.status}): ${p.stderr.split('\n')[0]}`);
    stdout = p.stdout;
  }
  return { ms: median(times), result: JSON.parse(stdout) as Clusters };
}

const key = (c: Clusters): string => JSON.stringify(c.faces.map((f) => [f.image, f.rect, f.label]));

export async function jobBench(): Promise<void> {
  const files = [...exampleImages('faces').filter((f) => f.endsWith('.jpg')), ...exampleImages('johns')];
  const runs = 3;
  const scratch = mkdtempSync(join(tmpdir(), 'facemetric-bench-job-'));
  const predictor = assetPath('shape_predictor_68_face_landmarks');
  const net = assetPath('dlib_face_recognition_resnet_model_v1');
  const bin = 'dist/src/cli/main.js';
  const rows: { run: string; ms: number; result: Clusters }[] = [];
  for (const threads of [1, 2]) {
    rows.push({
      run: `facemetric cluster, ${threads} thread${threads > 1 ? 's' : ''}`,
      ...timed(process.execPath, (r) => [bin, 'cluster', ...files, '--out', join(scratch, `t${threads}-${r}`), '--json', '--quiet', '--threads', String(threads)], process.env, runs),
    });
  }
  const harness = harnessBinary();
  const dlibArgs = (): string[] => ['cluster', '--predictor', predictor, '--net', net, '--threshold', '0.6', ...files];
  rows.push({ run: 'dlib 19.24, reference BLAS', ...timed(harness, dlibArgs, referenceBlasEnv(), runs) });
  const blas = ensureOpenBlas(harness);
  if (blas.ok) {
    for (const threads of [1, 2]) rows.push({ run: `dlib 19.24, OpenBLAS ${threads} thread${threads > 1 ? 's' : ''}`, ...timed(harness, dlibArgs, openBlasEnv(blas, threads), runs) });
  } else {
    console.log(`job: dlib on OpenBLAS skipped: ${blas.reason}`);
  }
  rmSync(scratch, { recursive: true, force: true });
  const want = key(rows.find((r) => r.run.startsWith('dlib'))!.result);
  const best = Math.min(...rows.filter((r) => r.run.includes('OpenBLAS')).map((r) => r.ms));
  const faces = rows[0]!.result.faces.length;
  console.log(`The main job on ${files.length} photos (examples/faces/*.jpg + examples/johns), ${faces} faces, ${rows[0]!.result.clusters} people; median of ${runs} runs, each a fresh process:`);
  console.table(rows.map((r) => ({
    run: r.run,
    'wall s': Number((r.ms / 1000).toFixed(2)),
    'ms / face': Number((r.ms / faces).toFixed(1)),
    'fastest dlib / this': Number.isFinite(best) ? `${(best / r.ms).toFixed(2)}x` : '',
    'same faces and labels as dlib': key(r.result) === want ? 'yes' : 'NO',
  })));
  if (rows.some((r) => key(r.result) !== want)) throw new Error('job: the runs disagree on faces or labels');
}
