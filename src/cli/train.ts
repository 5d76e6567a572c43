/**
 * `facemetric train (DATA_DIR | --batches LIST) --out MODEL.dat`: dlib's metric learning of the
 * face ResNet (src/train/train.ts) from the command line, with the outputs a person needs:
 *
 *   MODEL.dat                 the trained network for inference (dlib's anet_type: bn_con layers
 *                             converted to affine_), loadable by dlib and by facemetric
 *   MODEL.training.dat        the training network (dlib's net_type with bn_con; --init it to
 *                             continue training); for a fine-tuned released model, the same as MODEL.dat
 *   MODEL.report.json         settings, steps, losses, the held-out evaluation before and after
 *   MODEL.histograms.png      same-person / different-person distance histograms, before and after
 *   MODEL.dat.checkpoint      while training (every 5 minutes) and after Ctrl-C; --resume continues it
 *
 * Nothing existing is replaced without --force; every file is written to a temporary name and
 * renamed into place.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { readDnnNet, writeDnnNet, type DnnNet } from '../dlib/index.js';
import { FacemetricError, UsageError } from '../errors.js';
import { removeStaleTemps, writeAtomicSync } from '../models/fsutil.js';
import type { RgbImage } from '../image/pixels.js';
import { assetPath } from '../models/index.js';
import { DlibRand } from '../rand/dlib-rand.js';
import { readCheckpoint, writeCheckpoint, type TrainCheckpoint } from '../train/checkpoint.js';
import { datasetLoader, datasetObjects, holdoutSplit, parseBatchList, scanDataDir, type DataDirScan } from '../train/dataset.js';
import { formatPairEvaluation, histogramPng, type PairEvaluation } from '../train/evaluate.js';
import { loadImageAsDlib } from '../train/sampler.js';
import {
  checkTrainable, EXAMPLE_TRAINING, evaluateNet, inferenceNetOf, trainMetricNet,
  type ListedData, type SampledData, type TrainMetricOptions, type TrainStep,
} from '../train/train.js';
import type { Backend } from '../wasm/backend.js';

export interface TrainCliOptions {
  dataDir?: string;
  batches?: string;
  out: string;
  init?: string;
  resume?: boolean;
  people?: number;
  perPerson?: number;
  learningRate?: number;
  minLearningRate?: number;
  stepsWithoutProgress?: number;
  weightDecay?: number;
  momentum?: number;
  seed?: number;
  steps?: number;
  holdout?: number;
  backend?: Backend;
  /** Threads (wasm only; default the cores, at most 8). */
  threads?: number;
  /** Seconds between checkpoints (default 300; 0: after every step). */
  checkpointEvery?: number;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** The files a run writes for `--out MODEL.dat`. */
export function trainOutputs(out: string): { model: string; training: string; report: string; histograms: string; checkpoint: string } {
  const dir = dirname(out);
  const stem = basename(out).replace(/\.dat$/i, '');
  return {
    model: out,
    training: join(dir, `${stem}.training.dat`),
    report: join(dir, `${stem}.report.json`),
    histograms: join(dir, `${stem}.histograms.png`),
    checkpoint: `${out}.checkpoint`,
  };
}

/** Writes an output through a temporary name (removeStaleTemps clears a killed run's) and a rename. */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  try {
    writeAtomicSync(path, bytes);
  } catch (e) {
    throw new FacemetricError(`cannot write it (${(e as Error).message})`, { file: path });
  }
}

const fmtDuration = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
};

function summaryOf(e: PairEvaluation | undefined): Record<string, number> | undefined {
  if (e === undefined) return undefined;
  return {
    pairs: e.same.length + e.different.length, samePairs: e.same.length, differentPairs: e.different.length,
    accuracy: e.accuracy, numRight: e.numRight, numWrong: e.numWrong,
    equalErrorRate: e.equalErrorRate, equalErrorThreshold: e.equalErrorThreshold,
    bestThreshold: e.bestThreshold, bestAccuracy: e.bestAccuracy,
  };
}


function loadInit(spec: string): DnnNet {
  const file = spec === 'default' ? assetPath('dlib_face_recognition_resnet_model_v1') : spec;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FacemetricError(`cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  let net: DnnNet;
  try {
    net = readDnnNet(bytes, file);
  } catch (e) {
    const msg = (e as Error).message;
    throw new FacemetricError(msg.startsWith(file) ? `${msg} (not a dlib network file)` : `${file}: ${msg} (not a dlib network file)`);
  }
  checkTrainable(net, file);
  return net;
}

/** Runs `facemetric train`; returns the exit code. */
export async function runTrain(o: TrainCliOptions): Promise<number> {
  if ((o.dataDir === undefined) === (o.batches === undefined)) {
    throw new UsageError('train: give a data folder (one sub-folder per person) or --batches LIST, not both');
  }
  if (o.threads !== undefined && o.threads > 1 && (o.backend ?? 'wasm') !== 'wasm') throw new UsageError(`train: --threads ${o.threads} needs --backend wasm (the reference runs on one thread)`);
  const threads = o.threads ?? ((o.backend ?? 'wasm') === 'wasm' ? Math.max(1, Math.min(8, availableParallelism())) : 1);
  const files = trainOutputs(o.out);
  if (!o.force && !o.resume) {
    for (const f of [files.model, files.training, files.report, files.histograms]) {
      if (existsSync(f)) throw new FacemetricError('exists; use --force to replace it (or another --out)', { file: f, exitCode: 2 });
    }
  }
  if (!existsSync(dirname(files.model))) throw new FacemetricError('the output folder does not exist', { file: dirname(files.model) });
  // A killed run's half-written checkpoint or outputs (temporary names) go first.
  await removeStaleTemps(dirname(files.model));
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(line + '\n');
  };

  // The network and where it starts.
  let resume: TrainCheckpoint | undefined;
  let init: DnnNet | undefined;
  if (o.resume) {
    resume = readCheckpoint(files.checkpoint);
    const kind = o.dataDir !== undefined ? 'sampled' : 'listed';
    if (resume.settings.data !== kind) throw new FacemetricError(`the checkpoint is of a ${String(resume.settings.data)} run, this run is ${kind}`, { file: files.checkpoint });
    log(`resuming at step ${resume.step} from ${files.checkpoint}`);
  } else if (o.init !== undefined) {
    init = loadInit(o.init);
  }
  // The data.
  let data: SampledData | ListedData;
  let heldOut: { chips: RgbImage[]; labels: string[] } | undefined;
  let dataSummary: Record<string, unknown>;
  const seed = o.seed ?? 0;
  if (o.dataDir !== undefined) {
    // photos are aligned as they are read: a progress line on a terminal when it takes a while
    const started = Date.now();
    let lastShown = 0;
    const scan = scanDataDir(o.dataDir, {
      onProgress: (p) => {
        if (o.quiet || process.stderr.isTTY !== true || Date.now() - started < 1000 || Date.now() - lastShown < 250) return;
        lastShown = Date.now();
        process.stderr.write(`\rreading ${p.done}/${p.total} images`);
      },
    });
    if (lastShown > 0) process.stderr.write('\n');
    for (const s of scan.skipped) process.stderr.write(`facemetric: ${s.file}: ${s.problem} (skipped)\n`);
    for (const w of scan.warnings) process.stderr.write(`facemetric: warning: ${w}\n`);
    let trainScan: DataDirScan = scan;
    if (o.holdout !== undefined && o.holdout > 0) {
      const split = holdoutSplit(scan.people, o.holdout, DlibRand.fromTime(seed));
      trainScan = { ...scan, people: split.train };
      const load = datasetLoader(scan);
      heldOut = { chips: [], labels: [] };
      for (const p of split.heldOut) {
        for (const i of p.images) {
          heldOut.chips.push(i.chip ?? load(i.file));
          heldOut.labels.push(p.name);
        }
      }
    }
    const people = o.people ?? EXAMPLE_TRAINING.people;
    if (people > trainScan.people.length) {
      throw new FacemetricError(`--people ${people} asks for more people than the data folder has for training (${trainScan.people.length}${heldOut === undefined ? '' : ` after holding out ${scan.people.length - trainScan.people.length}`})`, { file: o.dataDir });
    }
    data = { kind: 'sampled', objects: datasetObjects(trainScan), loadImage: datasetLoader(trainScan) };
    dataSummary = {
      dataDir: o.dataDir, people: scan.people.length, trainingPeople: trainScan.people.length,
      images: scan.people.reduce((a, p) => a + p.images.length, 0), skipped: scan.skipped.length,
      heldOutPeople: heldOut === undefined ? 0 : scan.people.length - trainScan.people.length,
    };
    log(`training on ${trainScan.people.length} people (${(dataSummary.images as number)} images; ${scan.skipped.length} skipped)` +
      (heldOut === undefined ? '' : `, ${dataSummary.heldOutPeople as number} held out (${heldOut.chips.length} images)`) +
      `; ${o.backend === 'reference' ? 'TypeScript reference' : 'WebAssembly'}, ${threads} thread${threads === 1 ? '' : 's'}`);
  } else {
    const list = parseBatchList(o.batches!, { readImage: loadImageAsDlib });
    data = {
      kind: 'listed',
      batches: list.batches.map((b) => ({ load: () => b.paths.map((p) => loadImageAsDlib(p)), labels: b.labels })),
    };
    dataSummary = { batches: o.batches, miniBatches: list.batches.length, labels: list.labelNames.length };
    if (o.holdout !== undefined && o.holdout > 0) throw new UsageError('train: --holdout needs a data folder (--batches lists fixed mini-batches)');
  }

  const backend: Backend = o.backend ?? 'wasm';

  // The held-out people before training.
  let before: PairEvaluation | undefined;
  const startNet = init ?? (resume === undefined ? undefined : readDnnNet(resume.net, files.checkpoint));
  if (heldOut !== undefined) {
    if (resume?.before !== undefined) {
      const b = resume.before as PairEvaluation & { same: number[]; different: number[] };
      before = { ...b, same: Float64Array.from(b.same), different: Float64Array.from(b.different) };
    } else {
      const { freshFaceNet } = await import('../train/train.js');
      before = evaluateNet(startNet ?? freshFaceNet(), heldOut.chips, heldOut.labels, { backend });
    }
  }

  // Train.
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nfacemetric: stopping after this step (Ctrl-C again to quit without a checkpoint)\n');
  };
  process.on('SIGINT', onSigint);
  const losses: number[] = [];
  const t0 = performance.now();
  let lastLine = -Infinity; // the first step always gets its line
  const showStep = (s: TrainStep): void => {
    losses.push(s.loss);
    if (o.json) process.stdout.write(JSON.stringify({ step: s.step, loss: s.loss, learningRate: s.learningRate, stepsWithoutProgress: s.stepsWithoutProgress, shrunk: s.shrunk, images: s.images, seconds: s.seconds }) + '\n');
    if (o.quiet) return;
    const now = performance.now();
    if (now - lastLine < 1000 && !s.shrunk && s.step !== o.steps) return;
    lastLine = now;
    const done = s.step - (resume?.step ?? 0);
    const perStep = (now - t0) / 1000 / Math.max(1, done);
    const left = o.steps === undefined ? '' : `, ${fmtDuration(perStep * (o.steps - s.step))} left`;
    process.stderr.write(`step ${s.step}: loss ${s.loss.toFixed(5)}, learning rate ${s.learningRate.toPrecision(3)}, ${s.stepsWithoutProgress} steps without progress, ${s.imagesPerSecond.toFixed(1)} images/s${left}${s.shrunk ? ' (learning rate shrinks)' : ''}\n`);
  };
  const opts: TrainMetricOptions = {
    data, backend, threads, seed, onStep: showStep,
    shouldStop: () => interrupted,
    checkpoint: (c) => writeCheckpoint(files.checkpoint, c),
    checkpointEverySeconds: o.checkpointEvery ?? 300,
    ...(init === undefined ? {} : { init }),
    ...(resume === undefined ? {} : { resume }),
    ...(o.people === undefined ? {} : { people: o.people }),
    ...(o.perPerson === undefined ? {} : { perPerson: o.perPerson }),
    ...(o.learningRate === undefined ? {} : { learningRate: o.learningRate }),
    ...(o.minLearningRate === undefined ? {} : { minLearningRate: o.minLearningRate }),
    ...(o.stepsWithoutProgress === undefined ? {} : { stepsWithoutProgress: o.stepsWithoutProgress }),
    ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }),
    ...(o.momentum === undefined ? {} : { momentum: o.momentum }),
    ...(o.steps === undefined ? {} : { steps: o.steps }),
    ...(before === undefined ? {} : { before: { ...before, same: Array.from(before.same), different: Array.from(before.different) } }),
  };
  let result;
  try {
    result = await trainMetricNet(opts);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.stoppedBy === 'interrupted') {
    process.stderr.write(`facemetric: interrupted at step ${result.steps}; the checkpoint is ${files.checkpoint}: run the same command with --resume to continue\n`);
    return 130;
  }

  // The outputs.
  const inference = inferenceNetOf(result.net);
  writeAtomic(files.model, writeDnnNet(inference));
  writeAtomic(files.training, writeDnnNet(result.net));
  const after = heldOut === undefined ? undefined : evaluateNet(result.net, heldOut.chips, heldOut.labels, { backend });
  if (before !== undefined && after !== undefined) writeAtomic(files.histograms, histogramPng([before, after]));
  const report = {
    model: files.model, trainingNet: files.training, ...dataSummary,
    steps: result.steps, stoppedBy: result.stoppedBy, lastLoss: result.lastLoss, learningRate: result.learningRate,
    settings: result.checkpoint.settings, backend, threads,
    seconds: (performance.now() - t0) / 1000,
    heldOut: heldOut === undefined ? undefined : { before: summaryOf(before), after: summaryOf(after), histograms: files.histograms },
  };
  writeAtomic(files.report, JSON.stringify(report, null, 2) + '\n');
  rmSync(files.checkpoint, { force: true });
  if (o.json) {
    process.stdout.write(JSON.stringify({ summary: report }) + '\n');
  } else {
    process.stdout.write(`trained ${result.steps} steps (${result.stoppedBy}), last loss ${result.lastLoss.toFixed(5)}; wrote ${files.model} and ${files.training}\n`);
    if (before !== undefined && after !== undefined) {
      const line = (name: string, e: PairEvaluation): string => `${name}: ${formatPairEvaluation(e)}`;
      process.stdout.write(`held-out people, ${line('before', before)}\n`);
      process.stdout.write(`held-out people, ${line('after', after)}\n`);
      process.stdout.write(`histograms: ${files.histograms}; report: ${files.report}\n`);
    } else {
      process.stdout.write(`report: ${files.report}\n`);
    }
  }
  return 0;
}
