/**
 * `facemetric compare A B`: are the faces in two photos the same person? (Options, defaults and
 * help: the command table, commands.ts.)
 *
 * Each photo's face (the largest by box area when there are several; stderr says so) goes
 * through the pipeline (src/pipeline/, `faces: 'largest'`: landmarks, 150x150 chip, ResNet; a
 * jitter N averages N jittered chips as dlib's Python API does). The answer is dlib's rule: the
 * same person when the Euclidean distance between the descriptors (computed in float as dlib's
 * `length(a - b)`) is below the threshold (default 0.6, the threshold of dlib's face clustering
 * example). Prints `distance 0.3712: same person (threshold 0.6)`; as JSON
 * `{"distance", "threshold", "samePerson", "a": {"image", "rect", "faces"}, "b": {...}}`.
 * Exit code 0 for either answer; 1 when a photo cannot be read or has no face; 2 for wrong
 * arguments.
 */
import { FacemetricError, UsageError } from '../errors.js';
import { dlibFloatDistance } from '../cluster/index.js';
import type { DnnBackend } from '../dnn/recognizer.js';
import type { Rect } from '../geometry/index.js';
import { readImage } from '../image/index.js';
import { loadFaceModels, runPipeline, type FaceModels } from '../pipeline/index.js';
import { decodeWarning } from './find-faces.js';

export interface CompareCliOptions {
  threshold?: number;
  jitter?: number;
  upsample?: number;
  json?: boolean;
  backend?: DnnBackend;
}

interface Side {
  image: string;
  rect: Rect;
  faces: number;
  descriptor: Float32Array;
}

async function describeLargest(file: string, models: FaceModels, upsample: number, jitter: number, err: (s: string) => void): Promise<Side> {
  const img = await readImage(file);
  if (img.warnings) err(decodeWarning(file, img.warnings));
  const { faces, detected } = runPipeline(img, models, { upsample, faces: 'largest', jitter });
  if (detected === 0) {
    throw new FacemetricError(`no faces found${upsample === 0 ? ' (small faces: try --upsample 1)' : ''}`, { file });
  }
  return { image: file, rect: faces[0]!.rect, faces: detected, descriptor: faces[0]!.descriptor! };
}

export async function runCompare(a: string, b: string, opts: CompareCliOptions, io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}): Promise<number> {
  const threshold = opts.threshold ?? 0.6;
  if (!(threshold > 0)) throw new UsageError(`compare: --threshold must be greater than 0, got ${threshold}`);
  const models = loadFaceModels('describe', opts.backend === undefined ? {} : { backend: opts.backend });
  if (models.recognizer!.note !== undefined) io.err(`facemetric: note: ${models.recognizer!.note}\n`);
  const sides: Side[] = [];
  for (const file of [a, b]) {
    const s = await describeLargest(file, models, opts.upsample ?? 0, opts.jitter ?? 0, io.err);
    if (s.faces > 1) io.err(`facemetric: ${file}: ${s.faces} faces; comparing the largest, [${s.rect.join(', ')}]\n`);
    sides.push(s);
  }
  const distance = dlibFloatDistance(sides[0]!.descriptor, sides[1]!.descriptor);
  const samePerson = distance < threshold;
  if (opts.json) {
    const side = (s: Side): object => ({ image: s.image, rect: s.rect, faces: s.faces });
    io.out(JSON.stringify({ distance, threshold, samePerson, a: side(sides[0]!), b: side(sides[1]!) }) + '\n');
  } else {
    io.out(`distance ${distance.toFixed(4)}: ${samePerson ? 'same person' : 'different people'} (threshold ${threshold})\n`);
  }
  return 0;
}
