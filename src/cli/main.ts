#!/usr/bin/env node
/**
 * The `facemetric` command. Subcommands follow the CLI contract in README.md:
 *
 *   facemetric detect|landmarks|describe IMAGE... [--json]  one JSON object per image, per line
 *   facemetric chips IMAGE... --out DIR                     aligned 150x150 face chips as PNGs
 *   facemetric cluster PATH... [--out DIR] [--json]          people in photos: report + clusters.json
 *   facemetric compare A B [--json]                          same person or not, and the distance
 *   facemetric models prepare|check                          model assets (models/)
 *
 * Errors print one line (`facemetric: <file>: <problem>`) and exit non-zero, without a stack trace.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacemetricError, UsageError } from '../errors.js';
import { parseArgs } from 'node:util';

const HELP = `facemetric: dlib's face recognition pipeline in TypeScript

Usage:
  facemetric detect IMAGE... [--upsample N] [--threshold T] [--annotate OUT] [--json]
  facemetric landmarks IMAGE... [--upsample N] [--threshold T] [--annotate OUT] [--json]
  facemetric chips IMAGE... --out DIR [--size 150] [--padding 0.25] [--upsample N]
                   [--threshold T] [--annotate OUT] [--force] [--json]
  facemetric describe IMAGE... [--upsample N] [--threshold T] [--backend reference|wasm] [--jitter N]
                      [--json]
  facemetric cluster PATH... [--threshold 0.6] [--jitter N] [--upsample N] [--out DIR] [--force]
                     [--backend reference|wasm] [--threads N] [--quiet] [--json]
  facemetric cluster --default   (npm start: dlib's bald_guys.jpg -> 4 people)
  facemetric compare A B [--threshold 0.6] [--jitter N] [--upsample N] [--backend reference|wasm] [--json]
  facemetric models prepare [--shape-predictor PATH] [--resnet PATH] [--check]
  facemetric help | --help
  facemetric version | --version

With --json, detect/landmarks/describe print one JSON object per image per line:
  {"image", "width", "height", "timings": {stage: ms},
   "faces": [{"rect": [left, top, right, bottom], "score", "filter", "landmarks", "descriptor"}]}
Rectangles use dlib's inclusive convention; faces come in the order dlib returns them.
detect: --threshold is dlib's adjust_threshold (default 0); --upsample N runs pyramid_up N
times first, as dlib's Python API. Images are decoded with EXIF orientation applied (dlib
ignores EXIF). A bad image is reported on stderr, the others go on, and the exit code is 1.
chips: dlib's get_face_chip_details(landmarks, size, padding) + extract_image_chip, written to
DIR/<image name>_face<k>.png (k: the face's index, from 0). --annotate OUT draws the boxes (and
landmark outlines) on the image: OUT is a .png file for one image, else a folder. Existing files
are never replaced unless --force is given.
describe: each face's 150x150 chip (padding 0.25) through dlib's face recognition ResNet gives a
128-D descriptor (two faces of one person: distance < 0.6). --backend wasm (the default where
WebAssembly loads) runs the network in WebAssembly SIMD kernels (within 1e-6 of dlib);
--backend reference in dlib's exact order (bit-identical to dlib on the reference BLAS, ~20x
slower). Text output shows the first four components and the norm; --json gives all 128.
--jitter N > 1: each descriptor is the mean over N randomly jittered copies of the chip (dlib's
num_jitters: crops, rotations, scales and mirrors from one dlib::rand; ~N times slower, slightly
more accurate); 0 and 1 mean no jitter.
cluster: the people in photos and folders (walked recursively), as dlib's face clustering
example finds them: faces closer than --threshold (default 0.6) are linked, then dlib's Chinese
Whispers. Writes into --out DIR (default: a fresh folder under the temp folder; a non-empty DIR
is refused unless --force) faces/face-NNNN.png, person-N.png (tiled chips), clusters.json and
index.html, and prints the report's path. Progress goes to stderr. --threads N: images are
read and their faces found by N worker threads (default: the cores, at most 4); same results.
A file that cannot be read, a non-image and a photo without faces are named on stderr and
skipped: the exit code is then 3.
compare: the distance between the largest face of A and of B, and whether they are the same
person (distance < --threshold, default 0.6). Exit codes: 0 done, 1 bad input (or, for cluster,
no report), 2 wrong arguments, 3 (cluster) report written but some inputs skipped.
`;

type OptionKind = 'flag' | 'string' | { min: number; max: number; integer: boolean };
const UPSAMPLE = { min: 0, max: 8, integer: true };
const JITTER = { min: 0, max: 1000, integer: true };
const THRESHOLD = { min: -100, max: 100, integer: false };
/** cluster's and compare's distance threshold (the detector's --threshold is THRESHOLD). */
const DISTANCE = { min: 0, max: 10, integer: false };
const STAGE_OPTIONS: Record<string, Record<string, OptionKind>> = {
  detect: { json: 'flag', upsample: UPSAMPLE, threshold: THRESHOLD, annotate: 'string', force: 'flag' },
  landmarks: { json: 'flag', upsample: UPSAMPLE, threshold: THRESHOLD, annotate: 'string', force: 'flag' },
  chips: {
    json: 'flag',
    upsample: UPSAMPLE,
    threshold: THRESHOLD,
    annotate: 'string',
    force: 'flag',
    out: 'string',
    size: { min: 1, max: 4096, integer: true },
    padding: { min: 0, max: 10, integer: false },
  },
  describe: { json: 'flag', upsample: UPSAMPLE, threshold: THRESHOLD, jitter: JITTER, backend: 'string' },
  cluster: {
    json: 'flag',
    default: 'flag',
    upsample: UPSAMPLE,
    jitter: JITTER,
    threshold: DISTANCE,
    out: 'string',
    force: 'flag',
    quiet: 'flag',
    backend: 'string',
    threads: { min: 1, max: 64, integer: true },
  },
  compare: { json: 'flag', upsample: UPSAMPLE, jitter: JITTER, threshold: DISTANCE, backend: 'string' },
};

function backendOption(command: string, options: Record<string, unknown>): { backend?: 'reference' | 'wasm' } {
  const backend = options.backend as string | undefined;
  if (backend === undefined) return {};
  if (backend !== 'reference' && backend !== 'wasm') {
    throw new UsageError(`${command}: --backend must be 'reference' or 'wasm', got '${backend}'`);
  }
  return { backend };
}

/** Parses a stage's arguments strictly: unknown options and bad numbers are usage errors. */
function parseStageArgs(command: string, argv: string[]): { options: Record<string, unknown>; positionals: string[] } {
  const spec = STAGE_OPTIONS[command];
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(spec).map(([name, kind]) => [name, { type: kind === 'flag' ? 'boolean' : 'string' } as const]),
      ),
    });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\s*\n\s*/g, " ")} (see facemetric help)`);
  }
  const options: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(parsed.values)) {
    const kind = spec[name];
    if (typeof kind === 'object') {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || v < kind.min || v > kind.max || (kind.integer && !Number.isInteger(v))) {
        throw new UsageError(`${command}: --${name} must be ${kind.integer ? 'an integer' : 'a number'} from ${kind.min} to ${kind.max}, got '${String(raw)}'`);
      }
      options[name] = v;
    } else {
      options[name] = raw;
    }
  }
  return { options, positionals: parsed.positionals };
}

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'facemetric') return pkg.version ?? 'unknown';
    } catch {
      // keep looking upwards
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === 'version' || command === '--version') {
    process.stdout.write(`facemetric ${packageVersion()}\n`);
    return 0;
  }
  if (command === 'models') {
    const { runCli } = await import('../models/cli.js');
    return runCli(rest);
  }
  if (!(command in STAGE_OPTIONS)) throw new UsageError(`unknown command '${command}' (try: facemetric help)`);
  const { options, positionals } = parseStageArgs(command, rest);
  if (positionals.length === 0 && !(command === 'cluster' && options.default)) {
    throw new UsageError(`${command}: give at least one ${command === 'cluster' ? 'image or folder' : 'image'}`);
  }
  if (command === 'cluster') {
    if (options.default && positionals.length > 0) throw new UsageError('cluster: --default clusters the example photo; give either --default or paths, not both');
    const { exampleImagesDir } = await import('../models/index.js');
    const paths = options.default ? [join(exampleImagesDir(), 'faces', 'bald_guys.jpg')] : positionals;
    const { runCluster } = await import('./cluster.js');
    return runCluster(paths, {
      threshold: options.threshold as number | undefined,
      jitter: options.jitter as number | undefined,
      upsample: options.upsample as number | undefined,
      out: options.out as string | undefined,
      json: options.json === true,
      force: options.force === true,
      quiet: options.quiet === true,
      threads: options.threads as number | undefined,
      version: packageVersion(),
      ...backendOption(command, options),
    });
  }
  if (command === 'compare') {
    if (positionals.length !== 2) throw new UsageError(`compare: give two images (A B), got ${positionals.length}`);
    const { runCompare } = await import('./compare.js');
    return runCompare(positionals[0]!, positionals[1]!, {
      threshold: options.threshold as number | undefined,
      jitter: options.jitter as number | undefined,
      upsample: options.upsample as number | undefined,
      json: options.json === true,
      ...backendOption(command, options),
    });
  }
  if (command === 'detect' || command === 'landmarks' || command === 'chips') {
    if (command === 'chips' && options.out === undefined) throw new UsageError('chips: give the output folder with --out DIR');
    const { runDetect } = await import('./detect.js');
    return runDetect(positionals, {
      json: options.json === true,
      upsample: options.upsample as number | undefined,
      threshold: options.threshold as number | undefined,
      landmarks: command === 'landmarks' || command === 'chips',
      chipsDir: command === 'chips' ? (options.out as string) : undefined,
      size: options.size as number | undefined,
      padding: options.padding as number | undefined,
      annotate: options.annotate as string | undefined,
      force: options.force === true,
    });
  }
  if (command === 'describe') {
    const { runDetect } = await import('./detect.js');
    return runDetect(positionals, {
      json: options.json === true,
      upsample: options.upsample as number | undefined,
      threshold: options.threshold as number | undefined,
      describe: true,
      jitter: options.jitter as number | undefined,
      ...backendOption(command, options),
    });
  }
  throw new UsageError(`unknown command '${command}' (try: facemetric help)`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof FacemetricError) {
      process.stderr.write(`facemetric: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`facemetric: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.FACEMETRIC_DEBUG) console.error(e);
      process.exitCode = 70;
    }
  },
);
