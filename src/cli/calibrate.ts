/**
 * `facemetric calibrate LABELLED_DIR`: how well the face model separates these people, and the
 * tolerance to identify them with. LABELLED_DIR holds a folder per person (enroll.ts's naming
 * rules; one face per photo, others named on stderr and skipped). Every pair of faces, same
 * person or not, is evaluated by train/evaluate.ts's `evaluatePairs` (dlib's float distance):
 * verification accuracy at 0.6 (same person below it), the equal error rate and its threshold,
 * the threshold that maximises accuracy — suggested as `--tolerance` — and the ROC curve (true
 * and false accept rates every 0.05; JSON). Writes the two
 * distance histograms (same person green, different red, 0.6 blue, the best threshold grey) and
 * the ROC curve beside them (`calibrationPng`) to `--plot` (default calibration.png; an existing file only with --force);
 * `--gallery FILE` stores the suggested tolerance in a gallery, where identify takes it as its
 * default. Options and help: the command table (commands.ts).
 */
import { FacemetricError } from '../errors.js';
import { faceModelSha256, openGallery, saveGallery } from '../gallery/index.js';
import { statOrUndefined, writeAtomic } from '../models/fsutil.js';
import { calibrationPng, evaluatePairs, formatPairEvaluation, percent, rocCurve } from '../train/evaluate.js';
import { enrollLabelled, stdio, type Io, type LabelledDirOptions } from './enroll.js';
import { peopleCount, plural } from './report.js';
import { EXIT_INPUTS_SKIPPED } from './cluster.js';

export interface CalibrateCliOptions extends LabelledDirOptions {
  plot?: string;
  gallery?: string;
}

/** The suggested tolerance: the best threshold, rounded to 3 decimals. */
const suggest = (t: number): number => Math.round(t * 1000) / 1000;

/** `facemetric calibrate` (see the module's header). */
export async function runCalibrate(dir: string, opts: CalibrateCliOptions, io: Io = stdio): Promise<number> {
  const plot = opts.plot ?? 'calibration.png';
  if (!opts.force && (await statOrUndefined(plot)) !== undefined) {
    throw new FacemetricError('already exists (refusing to overwrite it; use --force to replace it, or --plot another file)', { file: plot });
  }
  const target = opts.gallery !== undefined ? await openGallery(opts.gallery, { modelSha256: await faceModelSha256() }) : undefined;
  const { faces, skipped } = await enrollLabelled(dir, opts, io);
  const all = Array.from({ length: faces.size }, (_, i) => faces.face(i));
  const e = evaluatePairs(all.map((f) => f.descriptor), all.map((f) => f.name), 0.6);
  if (e.same.length === 0 || e.different.length === 0) {
    throw new FacemetricError(`need at least two people and a person with two photos (found ${peopleCount(faces.people.length)}, ${plural(faces.size, 'face')})`, { file: dir });
  }
  await writeAtomic(plot, calibrationPng(e));
  const tolerance = suggest(e.bestThreshold);
  // The ROC curve every 0.05 from 0.05 to 1.5 (JSON), a few points of it in the text.
  const roc = rocCurve(e, Array.from({ length: 30 }, (_, i) => Math.round((i + 1) * 5) / 100));
  if (target !== undefined) {
    target.tolerance = tolerance;
    await saveGallery(target, opts.gallery!);
  }
  if (opts.json) {
    io.out(JSON.stringify({
      people: faces.people.length, faces: faces.size, skipped: skipped,
      pairs: { same: e.same.length, different: e.different.length },
      threshold: e.threshold, accuracy: e.accuracy, numRight: e.numRight, numWrong: e.numWrong,
      equalErrorRate: e.equalErrorRate, equalErrorThreshold: e.equalErrorThreshold,
      bestThreshold: e.bestThreshold, bestAccuracy: e.bestAccuracy, tolerance, roc, plot, ...(opts.gallery !== undefined ? { gallery: opts.gallery } : {}),
    }) + '\n');
  } else {
    io.out([
      `${plural(faces.size, 'face')} of ${peopleCount(faces.people.length)} (${skipped.length} skipped): ${e.same.length} same-person and ${e.different.length} different-person pairs`,
      formatPairEvaluation(e),
      `equal error rate at ${e.equalErrorThreshold.toFixed(3)}; same-person distances ${e.same[0]!.toFixed(3)}..${e.same.at(-1)!.toFixed(3)}, different-person ${e.different[0]!.toFixed(3)}..${e.different.at(-1)!.toFixed(3)}`,
      `true / false accepts: ${roc.filter((p) => [0.4, 0.5, 0.6, 0.7].includes(p.threshold)).map((p) => `${p.threshold}: ${percent(p.trueAcceptRate)} / ${percent(p.falseAcceptRate)}`).join(', ')}`,
      `suggested: --tolerance ${tolerance}${target !== undefined ? ` (stored in ${opts.gallery})` : ''}`,
      `histograms and ROC curve: ${plot}`,
    ].join('\n') + '\n');
  }
  return skipped.length > 0 ? EXIT_INPUTS_SKIPPED : 0;
}
