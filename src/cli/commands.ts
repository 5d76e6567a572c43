/**
 * The `facemetric` commands as one table: each command's name, synopsis, options (declared
 * once: name, value name, default, description, parser), help paragraph and run function.
 * main.ts dispatches through it; the help text (`facemetric help`, `facemetric help COMMAND`)
 * and README.md's "Command line" block are generated from it (test/cli/commands.test.ts checks
 * the README against {@link synopsisLines}). The commands' own modules (detect.ts, cluster.ts,
 * compare.ts, src/models/cli.ts) are loaded only when their command runs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { MATCH_RULES } from '../gallery/gallery.js';
import { DNN_BACKENDS, type DnnBackend } from '../dnn/recognizer.js';
import { BACKENDS, type Backend } from '../wasm/backend.js';
import { choiceOption, commandHelp, numberOption, parseCommandArgs, synopsis, type CommandSpec, type OptionSpec, type OptionValues } from './options.js';

// Options several commands share.
const JSON_OUT: OptionSpec = { name: 'json', description: 'JSON output instead of text (the contract: facemetric help)' };
const UPSAMPLE: OptionSpec = {
  name: 'upsample', value: 'N', default: '0', parse: numberOption('upsample', 0, 8, true),
  description: "pyramid_up the image N times before detecting (finds faces smaller than 80x80; dlib's Python detector(img, N))",
};
const DETECT_THRESHOLD: OptionSpec = {
  name: 'threshold', value: 'T', default: '0', parse: numberOption('threshold', -100, 100, false),
  description: "the detector's adjust_threshold: lower finds more, less sure faces",
};
const DISTANCE_THRESHOLD: OptionSpec = {
  name: 'threshold', value: 'D', default: '0.6', parse: numberOption('threshold', 0, 10, false),
  description: "faces closer than D are the same person (dlib's face clustering example)",
};
const ANNOTATE: OptionSpec = {
  name: 'annotate', value: 'OUT',
  description: 'also write each image with its boxes (and landmark outlines) drawn: a .png file for one image, else a folder',
};
const THREADS: OptionSpec = { name: 'threads', value: 'N', default: 'the cores, at most 4', parse: numberOption('threads', 1, 64, true), description: 'worker threads reading photos and finding faces' };
const FORCE: OptionSpec = { name: 'force', description: 'replace existing output files' };
const BACKEND: OptionSpec = {
  name: 'backend', value: DNN_BACKENDS.join('|'), default: 'wasm where WebAssembly loads', parse: choiceOption('backend', DNN_BACKENDS),
  description: "the face ResNet's forward pass: WebAssembly SIMD kernels, dlib's operations in dlib's order, or the GPU (npm run build:cuda)",
};
const JITTER: OptionSpec = {
  name: 'jitter', value: 'N', default: '0', parse: numberOption('jitter', 0, 1000, true),
  description: "each descriptor the mean over N jittered copies of the chip (dlib's num_jitters; 0 and 1: none)",
};

type Detector = { upsample?: number; threshold?: number };
const detectorOptions = (o: OptionValues): Detector => ({ upsample: o.upsample as number | undefined, threshold: o.threshold as number | undefined });
const backendOf = (o: OptionValues): { backend?: DnnBackend } => (o.backend === undefined ? {} : { backend: o.backend as DnnBackend });

/** The one LABELLED_DIR of calibrate and clean, and their shared options (enroll.ts's LabelledDirOptions). */
function labelledDir(command: string, positionals: readonly string[], o: OptionValues): [string, { force: boolean; json: boolean; upsample: number; threads?: number; backend?: DnnBackend }] {
  if (positionals.length !== 1) throw new UsageError(`${command}: give one folder (a sub-folder of photos per person), got ${positionals.length}`);
  return [positionals[0]!, {
    force: o.force === true, json: o.json === true, upsample: o.upsample as number | undefined ?? 0,
    ...(o.threads !== undefined ? { threads: o.threads as number } : {}), ...backendOf(o),
  }];
}

/** `<command>: give at least one <what>` when there are no inputs. */
function needInputs(command: string, positionals: readonly string[], what = 'image'): void {
  if (positionals.length === 0) throw new UsageError(`${command}: give at least one ${what}`);
}

/** The version in the package.json above this file. */
export function packageVersion(): string {
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

const DETECT_HELP = `detect: dlib's HOG frontal face detector on each image, in the order given. Images are decoded
with EXIF orientation applied (dlib ignores EXIF). A bad image is reported on stderr, the others
go on, and the exit code is 1. Nothing is overwritten unless --force is given.`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'detect',
    summary: 'Face boxes: dlib\'s HOG frontal face detector.',
    usage: 'IMAGE...',
    options: [UPSAMPLE, DETECT_THRESHOLD, ANNOTATE, FORCE, JSON_OUT],
    help: DETECT_HELP,
    async run(positionals, o) {
      needInputs('detect', positionals);
      const { runDetect } = await import('./detect.js');
      return runDetect(positionals, { json: o.json === true, ...detectorOptions(o), annotate: o.annotate as string | undefined, force: o.force === true });
    },
  },
  {
    name: 'landmarks',
    summary: "Face boxes and dlib's 68 landmarks per face.",
    usage: 'IMAGE...',
    options: [UPSAMPLE, DETECT_THRESHOLD, ANNOTATE, FORCE, JSON_OUT],
    help: `landmarks: detect, then dlib's 68-point shape predictor on each face (integer points; text
output adds one line of landmarks per face).`,
    async run(positionals, o) {
      needInputs('landmarks', positionals);
      const { runDetect } = await import('./detect.js');
      return runDetect(positionals, { json: o.json === true, ...detectorOptions(o), landmarks: true, annotate: o.annotate as string | undefined, force: o.force === true });
    },
  },
  {
    name: 'chips',
    summary: 'Aligned face chips, written as PNG files.',
    usage: 'IMAGE...',
    options: [
      { name: 'out', value: 'DIR', required: true, description: 'the folder the chips are written to (created if missing)' },
      { name: 'size', value: 'N', default: '150', parse: numberOption('size', 1, 4096, true), description: 'chip side in pixels' },
      { name: 'padding', value: 'P', default: '0.25', parse: numberOption('padding', 0, 10, false), description: 'padding around the landmarks, a fraction of the face' },
      UPSAMPLE, DETECT_THRESHOLD, ANNOTATE, FORCE, JSON_OUT,
    ],
    help: `chips: dlib's get_face_chip_details(landmarks, size, padding) + extract_image_chip, written to
DIR/<image name>_face<k>.png (k: the face's index, from 0; -2, -3 appended when two inputs share
a name). --annotate OUT draws the boxes and landmark outlines on the image: OUT is a .png file
for one image, else a folder. Existing files are never replaced unless --force is given.`,
    async run(positionals, o) {
      needInputs('chips', positionals);
      if (o.out === undefined) throw new UsageError('chips: give the output folder with --out DIR');
      const { runDetect } = await import('./detect.js');
      return runDetect(positionals, {
        json: o.json === true, ...detectorOptions(o), landmarks: true, chipsDir: o.out as string,
        size: o.size as number | undefined, padding: o.padding as number | undefined,
        annotate: o.annotate as string | undefined, force: o.force === true,
      });
    },
  },
  {
    name: 'describe',
    summary: "128-D face descriptors: dlib's face recognition ResNet on each face's chip.",
    usage: 'IMAGE...',
    options: [UPSAMPLE, DETECT_THRESHOLD, BACKEND, JITTER, JSON_OUT],
    help: `describe: each face's 150x150 chip (padding 0.25) through dlib's face recognition ResNet gives a
128-D descriptor (two faces of one person: distance < 0.6). --backend wasm (the default where
WebAssembly loads) runs the network in WebAssembly SIMD kernels summing in dlib's order (identical
to dlib in the plain SIMD build; within 3e-7 with relaxed SIMD's fused multiply-adds);
--backend reference in dlib's exact order (bit-identical to dlib on the reference BLAS, ~20x
slower); --backend cuda on an NVIDIA GPU (built by npm run build:cuda; where it cannot run, a note
says why and wasm runs instead). Text output shows the first four components and the norm; --json gives all 128.
--jitter N > 1: each descriptor is the mean over N randomly jittered copies of the chip (dlib's
num_jitters: crops, rotations, scales and mirrors from one dlib::rand; ~N times slower, slightly
more accurate); 0 and 1 mean no jitter.`,
    async run(positionals, o) {
      needInputs('describe', positionals);
      const { runDetect } = await import('./detect.js');
      return runDetect(positionals, { json: o.json === true, ...detectorOptions(o), describe: true, jitter: o.jitter as number | undefined, ...backendOf(o) });
    },
  },
  {
    name: 'cluster',
    summary: 'The people in photos and folders: a report, clusters.json and index.html.',
    usage: 'PATH...',
    options: [
      DISTANCE_THRESHOLD, JITTER, UPSAMPLE,
      { name: 'out', value: 'DIR', default: 'a fresh folder under the temp folder', description: 'the report folder (one holding a previous run is updated; another non-empty one is refused unless --force)' },
      { name: 'force', description: "write into a non-empty --out DIR (replacing facemetric's own files only)" },
      { name: 'cache', value: 'DIR', default: 'DIR/cache with --out DIR, else none', description: "the descriptor cache: each photo's faces by the sha256 of its bytes, so a re-run finds the faces of new or changed photos only" },
      { name: 'no-cache', description: 'no descriptor cache (every photo read again, nothing stored)' },
      BACKEND,
      { name: 'threads', value: 'N', default: 'the cores, at most 4', parse: numberOption('threads', 1, 64, true), description: 'worker threads reading images and finding faces' },
      { name: 'quiet', description: 'no progress bar' },
      { name: 'verbose', description: 'also name each photo without faces and each other file (not a photo) on stderr' },
      { name: 'default', description: "cluster dlib's example photo bald_guys.jpg (npm start: 4 people)" },
      { name: 'descriptors', description: "each face's 128-number descriptor in clusters.json (and --json), as \"descriptor\"" },
      JSON_OUT,
    ],
    help: `cluster: the people in photos and folders (walked recursively), as dlib's face clustering
example finds them: faces closer than --threshold are linked, then dlib's Chinese Whispers.
Writes into --out DIR faces/face-NNNN.png, person-N.png (tiled chips), clusters.json and
index.html, and prints the report's path. Progress goes to stderr. Images are read and their
faces found by --threads worker threads; same results. Photos without faces and other files
(sidecars, videos, formats facemetric does not read) are counted on the summary line and listed
in the report (on stderr too with --verbose). A photo that cannot be read is named on stderr and
skipped: the exit code is then 3. Each photo's faces are kept in a cache (--out DIR/cache, or
--cache DIR) by the sha256 of its bytes, with the models' sha256 and the options: a re-run with
the same --out finds the faces of new or changed photos only, with the same results.`,
    async run(positionals, o) {
      if (!o.default) needInputs('cluster', positionals, 'image or folder');
      if (o.default && positionals.length > 0) throw new UsageError('cluster: --default clusters the example photo; give either --default or paths, not both');
      const { exampleImagesDir } = await import('../models/index.js');
      const paths = o.default ? [join(exampleImagesDir(), 'faces', 'bald_guys.jpg')] : positionals;
      const { runCluster } = await import('./cluster.js');
      return runCluster(paths, {
        threshold: o.threshold as number | undefined,
        jitter: o.jitter as number | undefined,
        upsample: o.upsample as number | undefined,
        out: o.out as string | undefined,
        json: o.json === true,
        force: o.force === true,
        quiet: o.quiet === true,
        verbose: o.verbose === true,
        descriptors: o.descriptors === true,
        ...(o.cache !== undefined ? { cache: o.cache as string } : {}),
        noCache: o['no-cache'] === true,
        threads: o.threads as number | undefined,
        version: packageVersion(),
        ...backendOf(o),
      });
    },
  },
  {
    name: 'compare',
    summary: 'Same person or not: the distance between the largest faces of two photos.',
    usage: 'A B',
    options: [DISTANCE_THRESHOLD, JITTER, UPSAMPLE, BACKEND, JSON_OUT],
    help: `compare: the distance between the largest face of A and of B, and whether they are the same
person (distance < --threshold). A photo without a face is an error (exit 1).`,
    async run(positionals, o) {
      needInputs('compare', positionals);
      if (positionals.length !== 2) throw new UsageError(`compare: give two images (A B), got ${positionals.length}`);
      const { runCompare } = await import('./compare.js');
      return runCompare(positionals[0]!, positionals[1]!, {
        threshold: o.threshold as number | undefined,
        jitter: o.jitter as number | undefined,
        upsample: o.upsample as number | undefined,
        json: o.json === true,
        ...backendOf(o),
      });
    },
  },
  {
    name: 'enroll',
    summary: 'Add known people\'s faces to a gallery file (created when missing).',
    usage: 'GALLERY PATH...',
    options: [
      { name: 'name', value: 'NAME', description: 'every photo is this person (default: the sub-folder name, known/<name>/*.jpg, else the file name, known/<name>.jpg)' },
      { name: 'largest', description: 'take the largest face of a photo with several (default: skip such photos)' },
      UPSAMPLE,
      { name: 'import', value: 'JSON', description: "also add the people of a face-api LabeledFaceDescriptors JSON file ([{label, descriptors}])" },
      { name: 'export', value: 'JSON', description: 'also write the gallery as face-api LabeledFaceDescriptors JSON (refuses to overwrite unless --force)' },
      { name: 'force', description: 'replace an existing --export file' },
      BACKEND,
      THREADS,
      JSON_OUT,
    ],
    help: `enroll: the faces of known people's photos (folders walked recursively) into GALLERY (.fmg:
the descriptors, each photo's path, content hash, box and landmarks, the face model's sha256).
A photo must show one face (--largest: the largest of several); others are named on stderr and
skipped (exit code 3). A photo enrolled before (same path and content) is not added again. The
gallery is written atomically; one made with another face model is refused.`,
    async run(positionals, o) {
      if (positionals.length === 0) throw new UsageError('enroll: give the gallery file and the photos (enroll GALLERY PATH...)');
      const [gallery, ...paths] = positionals;
      if (paths.length === 0 && o.import === undefined && o.export === undefined) throw new UsageError('enroll: give at least one photo or folder after the gallery');
      const { runEnroll } = await import('./enroll.js');
      return runEnroll(gallery!, paths, {
        ...(o.name !== undefined ? { name: o.name as string } : {}), largest: o.largest === true,
        upsample: o.upsample as number | undefined ?? 0, json: o.json === true, force: o.force === true,
        ...(o.import !== undefined ? { importJson: o.import as string } : {}), ...(o.export !== undefined ? { exportJson: o.export as string } : {}),
        ...(o.threads !== undefined ? { threads: o.threads as number } : {}), ...backendOf(o),
      });
    },
  },
  {
    name: 'identify',
    summary: 'Who is in each photo: every face against known people (a gallery or a folder).',
    usage: 'UNKNOWN...',
    options: [
      { name: 'gallery', value: 'FILE', description: 'the known people: a gallery written by facemetric enroll' },
      { name: 'known', value: 'DIR', description: "the known people: a folder of their photos (known/<name>/*.jpg or known/<name>.jpg), enrolled in memory" },
      { name: 'tolerance', value: 'T', default: "the gallery's calibrated tolerance, else 0.6", parse: numberOption('tolerance', 0, 10, false), description: 'a person matches at distance <= T (face_recognition\'s rule)' },
      { name: 'top', value: 'K', default: '1', parse: numberOption('top', 1, 1000000, true), description: 'list the K nearest people per face' },
      { name: 'match', value: 'nearest|mean', default: 'nearest', parse: choiceOption('match', MATCH_RULES), description: "a person's distance: to their nearest face, or the mean over their faces (face-api's FaceMatcher)" },
      { name: 'approximate', description: 'search large galleries through the approximate index (k-means cells; faster, may miss a match: see the README)' },
      { name: 'probes', value: 'N', default: 'cells / 8, at least 8', parse: numberOption('probes', 1, 1000000, true), description: 'with --approximate: the cells each search scans (more: slower, fewer misses)' },
      UPSAMPLE, BACKEND,
      THREADS,
      { name: 'json', description: 'one JSON object per photo: {"image", "faces": [{"rect", "name", "distance", "matches": [{"name", "distance"}]}]}' },
      { name: 'csv', description: "face_recognition's output, byte for byte: file,name lines (unknown_person, no_persons_found)" },
      { name: 'show-distance', description: 'with --csv: a third field, the distance (None when unknown)' },
      { name: 'annotate', value: 'DIR', description: "also write each photo with its faces' boxes and names drawn, as DIR/<photo name>.png" },
      FORCE,
    ],
    help: `identify: every face of every photo (folders walked recursively) gets the nearest known person
within --tolerance, with the distance, or unknown_person; a photo without faces: no persons found.
--csv prints face_recognition's lines exactly (one per known person within the tolerance), so
its users can switch. A photo that cannot be read is named on stderr and skipped (exit code 1).`,
    async run(positionals, o) {
      needInputs('identify', positionals, 'photo or folder');
      if ((o.approximate === true || o.probes !== undefined) && o.match === 'mean') throw new UsageError('identify: --approximate searches the nearest face only; it does not go with --match mean');
      const { runIdentify } = await import('./identify.js');
      return runIdentify(positionals, {
        ...(o.gallery !== undefined ? { gallery: o.gallery as string } : {}), ...(o.known !== undefined ? { known: o.known as string } : {}),
        ...(o.tolerance !== undefined ? { tolerance: o.tolerance as number } : {}), ...(o.top !== undefined ? { top: o.top as number } : {}),
        ...(o.match !== undefined ? { match: o.match as 'nearest' | 'mean' } : {}),
        ...(o.approximate === true || o.probes !== undefined ? { approximate: o.probes !== undefined ? { probes: o.probes as number } : true } : {}),
        upsample: o.upsample as number | undefined ?? 0, json: o.json === true, csv: o.csv === true, showDistance: o['show-distance'] === true,
        ...(o.annotate !== undefined ? { annotate: o.annotate as string } : {}), force: o.force === true,
        ...(o.threads !== undefined ? { threads: o.threads as number } : {}), ...backendOf(o),
      });
    },
  },
  {
    name: 'calibrate',
    summary: 'The tolerance for these people: accuracy, equal error rate, best threshold, histograms.',
    usage: 'LABELLED_DIR',
    options: [
      { name: 'plot', value: 'PNG', default: 'calibration.png', description: 'the same-person and different-person distance histograms and the ROC curve' },
      { name: 'gallery', value: 'FILE', description: 'store the suggested tolerance in this gallery (identify\'s default then)' },
      { name: 'force', description: 'replace an existing --plot file' },
      UPSAMPLE, BACKEND, THREADS, JSON_OUT,
    ],
    help: `calibrate: LABELLED_DIR has a folder of photos per person (one face each). Every pair of faces,
same person or not: the verification accuracy at 0.6, the equal error rate, the threshold with the
best accuracy (suggested as identify's --tolerance), and a PNG of the two distance histograms
and the ROC curve.`,
    async run(positionals, o) {
      const [dir, shared] = labelledDir('calibrate', positionals, o);
      const { runCalibrate } = await import('./calibrate.js');
      return runCalibrate(dir, {
        ...(o.plot !== undefined ? { plot: o.plot as string } : {}), ...(o.gallery !== undefined ? { gallery: o.gallery as string } : {}), ...shared,
      });
    },
  },
  {
    name: 'clean',
    summary: 'Labelling errors: each person\'s faces by distance to their centroid, outliers, people likely the same.',
    usage: 'LABELLED_DIR',
    options: [
      { name: 'threshold', value: 'D', default: '0.6', parse: numberOption('threshold', 0, 10, false), description: "a face is an outlier beyond D from the mean of its person's other faces; two people closer than D on average are likely one" },
      { name: 'out', value: 'DIR', description: "write an HTML report with the faces' chips there (refuses a non-empty folder unless --force)" },
      { name: 'force', description: "replace a previous report's files in --out" },
      UPSAMPLE, BACKEND, THREADS, JSON_OUT,
    ],
    help: `clean: LABELLED_DIR has a folder of photos per person (one face each; others named on stderr and
skipped, exit code 3). Per person, the faces sorted by distance to the person's centroid (the mean
descriptor), an outlier flagged when its distance to the mean of the person's other faces (n/(n-1)
times the centroid distance) exceeds --threshold; then the pairs of people whose faces are on
average closer than --threshold (likely one person under two names), nearest first.`,
    async run(positionals, o) {
      const [dir, shared] = labelledDir('clean', positionals, o);
      const { runClean } = await import('./clean.js');
      return runClean(dir, {
        ...(o.threshold !== undefined ? { threshold: o.threshold as number } : {}), ...(o.out !== undefined ? { out: o.out as string } : {}), ...shared,
      });
    },
  },
  {
    name: 'train',
    summary: "Train (or fine-tune) the face ResNet with dlib's metric loss.",
    usage: '[DATA_DIR]',
    options: [
      { name: 'out', value: 'MODEL.dat', required: true, description: 'the trained network for inference; MODEL.training.dat, MODEL.report.json and MODEL.histograms.png beside it' },
      { name: 'batches', value: 'LIST', description: 'replay fixed mini-batches instead of sampling DATA_DIR: one "path label" per line, an empty line between mini-batches, one step each' },
      { name: 'init', value: 'MODEL.dat|default', default: "a fresh network, initialised as dlib does", description: "start from a dlib face network file, or 'default': the released model (its affine_ layers stay fixed)" },
      { name: 'people', value: 'P', default: '5', parse: numberOption('people', 2, 10000, true), description: 'people per mini-batch' },
      { name: 'per-person', value: 'K', default: '5', parse: numberOption('per-person', 1, 10000, true), description: 'images per person in a mini-batch (drawn with replacement)' },
      { name: 'learning-rate', value: 'R', default: '0.1', parse: numberOption('learning-rate', Number.MIN_VALUE, Number.MAX_VALUE, false), description: 'the starting learning rate' },
      { name: 'min-learning-rate', value: 'R', default: '0.0001', parse: numberOption('min-learning-rate', 1e-15, 100, false), description: 'stop once the learning rate falls below R' },
      { name: 'steps-without-progress', value: 'N', default: '300', parse: numberOption('steps-without-progress', 1, 1e9, true), description: 'shrink the learning rate 10x after N steps without progress (dlib\'s running-gradient test)' },
      { name: 'weight-decay', value: 'W', default: '0.0001', parse: numberOption('weight-decay', 0, 1, false), description: "sgd's weight decay" },
      { name: 'momentum', value: 'M', default: '0.9', parse: numberOption('momentum', 0, 1, false), description: "sgd's momentum" },
      { name: 'seed', value: 'S', default: '0', parse: numberOption('seed', -1e15, 1e15, true), description: "the sampler's dlib::rand seed (the same seed, data and options: the same run)" },
      { name: 'steps', value: 'N', parse: numberOption('steps', 1, 1e12, true), description: 'stop after N steps' },
      { name: 'holdout', value: 'F', default: '0', parse: numberOption('holdout', 0, 0.99, false), description: 'hold out this fraction of the people; their pairs are evaluated before and after' },
      { name: 'resume', description: 'continue the run whose checkpoint is MODEL.dat.checkpoint (written every --checkpoint-every seconds and on Ctrl-C)' },
      { name: 'checkpoint-every', value: 'S', default: '300', parse: numberOption('checkpoint-every', 0, 1e9, false), description: 'write the checkpoint every S seconds (0: after every step)' },
      { name: 'backend', value: BACKENDS.join('|'), default: 'wasm', parse: choiceOption('backend', BACKENDS), description: "the products: WebAssembly SIMD kernels, or plain TypeScript (~20x slower); both sum in dlib's order" },
      { name: 'threads', value: 'N', default: 'the cores, at most 8 (wasm); 1 (reference)', parse: numberOption('threads', 1, 64, true), description: "threads for the wasm backend: each convolution's GEMMs cut between them (the same results)" },
      FORCE,
      { name: 'quiet', description: 'no progress lines' },
      { name: 'json', description: 'one JSON object per step on stdout ({"step", "loss", "learningRate", ...}), then {"summary": ...}' },
    ],
    help: `train: dlib's metric learning (dnn_metric_learning_on_images_ex.cpp): each step a mini-batch of
--people x --per-person images drawn by one seeded dlib::rand (colour disturbance and jitter as
dlib's example), loss_metric_ (pairs within 0.6 of each other for one person, beyond for
others), back-propagation and sgd; the learning rate shrinks 10x when the loss stops falling and
training stops below --min-learning-rate (or after --steps). DATA_DIR has one folder per person
with 150x150 chips or photos (each aligned by the pipeline; photos without exactly one face are
named and skipped); or --batches LIST instead of DATA_DIR. Progress goes to stderr; Ctrl-C
writes a checkpoint for --resume. With
--holdout, the held-out people's pairs are evaluated before and after training (accuracy at 0.6,
equal error rate, best threshold) and drawn as histograms. --json prints one object per step.`,
    async run(positionals, o) {
      if (positionals.length > 1) throw new UsageError(`train: give one data folder, got ${positionals.length}`);
      const { runTrain } = await import('./train.js');
      const num = (k: string): number | undefined => o[k] as number | undefined;
      const opt = <T>(k: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [k]: v });
      return runTrain({
        out: o.out as string,
        ...opt('dataDir', positionals[0]), ...opt('batches', o.batches as string | undefined), ...opt('init', o.init as string | undefined),
        ...opt('people', num('people')), ...opt('perPerson', num('per-person')), ...opt('learningRate', num('learning-rate')),
        ...opt('minLearningRate', num('min-learning-rate')), ...opt('stepsWithoutProgress', num('steps-without-progress')),
        ...opt('weightDecay', num('weight-decay')), ...opt('momentum', num('momentum')), ...opt('seed', num('seed')),
        ...opt('steps', num('steps')), ...opt('holdout', num('holdout')), ...opt('threads', num('threads')),
        ...opt('checkpointEvery', num('checkpoint-every')),
        resume: o.resume === true, force: o.force === true, json: o.json === true, quiet: o.quiet === true,
        ...(o.backend === undefined ? {} : { backend: o.backend as Backend }),
      });
    },
  },
  {
    name: 'models',
    summary: 'Make (or --check) the model assets in models/.',
    usage: 'prepare',
    raw: true,
    options: [
      { name: 'models-dir', value: 'DIR', default: "$FACEMETRIC_MODELS, else the package's models/", description: 'the models folder' },
      { name: 'shape-predictor', value: 'PATH', default: '/usr/share/dlib/', description: 'take shape_predictor_68_face_landmarks.dat (.dat or .dat.bz2) from PATH' },
      { name: 'resnet', value: 'PATH', default: "converted from @vladmandic/face-api's weights", description: 'install an upstream dlib_face_recognition_resnet_model_v1.dat (.dat or .dat.bz2)' },
      { name: 'examples', value: 'DIR', description: 'copy the example images from DIR (holding faces/, johns/, video_frames/)' },
      { name: 'check', description: 'verify only (sha256 of every file), write nothing; exit 1 if anything is missing or corrupt' },
      { name: 'no-cache', description: 're-hash every file even when the stamp says it is unchanged' },
      { name: 'quiet', description: 'print errors only' },
    ],
    help: `models prepare: makes and verifies the model assets of models/manifest.json (--check: verifies
only); src/models/cli.ts parses its options (facemetric models --help).`,
    async run(_positionals, _o, argv) {
      const { runCli } = await import('../models/cli.js');
      return runCli(argv);
    },
  },
  {
    name: 'doctor',
    summary: 'What runs here: the WebAssembly kernels, the CUDA backend (or why not), the models.',
    usage: '',
    options: [JSON_OUT],
    help: `doctor: one line each for Node, the WebAssembly kernels (relaxed or plain SIMD), the optional
CUDA backend (the GPU, or why it cannot run: not built (npm run build:cuda), the library or the
N-API shim does not load, a library of another ABI version, no NVIDIA driver, no device) and the
model assets; --json: one object {"node", "wasm", "cuda", "models"}, each {"ok", "detail"}. Exit
code 0 when the models are present (CUDA is optional), else 1.`,
    async run(positionals, o) {
      if (positionals.length > 0) throw new UsageError(`doctor: takes no arguments, got ${positionals.length}`);
      const { runDoctor } = await import('./doctor.js');
      return runDoctor({ json: o.json === true });
    },
  },
  {
    name: 'help',
    aliases: ['--help', '-h'],
    summary: 'This text, or one command\'s options.',
    usage: '[COMMAND]',
    raw: true,
    options: [],
    help: '',
    async run(_positionals, _o, argv) {
      const name = argv[0];
      if (name === undefined || name.startsWith('-')) {
        process.stdout.write(helpText());
        return 0;
      }
      process.stdout.write(commandHelp(findCommand(name)));
      return 0;
    },
  },
  {
    name: 'version',
    aliases: ['--version'],
    summary: 'The package version.',
    usage: '',
    raw: true,
    options: [],
    help: '',
    async run() {
      process.stdout.write(`facemetric ${packageVersion()}\n`);
      return 0;
    },
  },
];

/** The command called `name` (or one of its aliases), else the usage error for an unknown command. */
export function findCommand(name: string): CommandSpec {
  const cmd = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (cmd === undefined) throw new UsageError(`unknown command '${name}' (try: facemetric help)`);
  return cmd;
}

/** Every command's synopsis, in the table's order: README.md's "Command line" block. */
export function synopsisLines(): string[] {
  return COMMANDS.flatMap(synopsis);
}

/** `facemetric help`: the synopsis of every command, the output contract, each command's paragraph. */
export function helpText(): string {
  return `facemetric: dlib's face recognition pipeline in TypeScript

Usage:
${synopsisLines().map((l) => `  ${l}`).join('\n')}

With --json, detect/landmarks/describe print one JSON object per image per line:
  {"image", "width", "height", "timings": {stage: ms},
   "faces": [{"rect": [left, top, right, bottom], "score", "filter", "landmarks", "descriptor"}]}
Rectangles use dlib's inclusive convention; faces come in the order dlib returns them.
${COMMANDS.filter((c) => c.help !== '').map((c) => c.help).join('\n')}
Exit codes: 0 done, 1 bad input (or, for cluster, no report), 2 wrong arguments, 3 (cluster,
enroll) report or gallery written but some inputs skipped (cluster: photos that could not be read). Each command's options and defaults: facemetric help COMMAND.
`;
}

/**
 * Runs `argv` (without node and the script): the command's arguments parsed against its options
 * (unless it parses them itself), then its run function; resolves with the exit code.
 * No command at all prints the help text and exits 2.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stdout.write(helpText());
    return 2;
  }
  const cmd = findCommand(name);
  if (cmd.raw) return cmd.run([], {}, rest);
  const { options, positionals } = parseCommandArgs(cmd, rest);
  return cmd.run(positionals, options, rest);
}
