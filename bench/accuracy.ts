/**
 * Landmark accuracy on dlib's hand-labelled example datasets (examples/faces/
 * testing_with_face_landmarks.xml and training_with_face_landmarks.xml), measured as dlib's
 * examples/train_shape_predictor_ex.cpp does: test_shape_predictor's mean |predicted - truth| /
 * interocular distance, the 68-point predictor run on the XML's boxes, on greyscale pixels as in
 * the example. Three figures per dataset:
 *
 * - facemetric on dlib-decoded pixels (harness `decode` -> PNG, i.e. libjpeg);
 * - dlib itself, live (harness `landmark-accuracy`: load_image_dataset + test_shape_predictor);
 * - facemetric on its own decoding of the JPEGs (readImageSync: the port of libjpeg-turbo's
 *   decoder, dlib's pixels), with the number of faces whose integer landmarks differ from
 *   dlib's (0 expected; with the old jpeg-js decoding, `decodeJpeg(..., { decoder: 'jpeg-js' })`,
 *   the errors were 0.0157 and 0.0242).
 *
 * The XML's "truth" was produced by dlib's 68-point model (its comment says so), so the errors
 * are small by construction.
 */
import { basename, join } from 'node:path';
import type { Point } from '../src/geometry/index.js';
import { readImageSync, rgbToGray } from '../src/image/index.js';
import {
  datasetImagePath, datasetObjects, interocularDistances, loadImageDataset, meanNormalizedError,
} from '../src/landmarks/dataset.js';
import { loadShapePredictor } from '../src/landmarks/index.js';
import { assetPath, exampleImagesDir } from '../src/models/index.js';
import { runHarnessJson } from '../src/parity/harness.js';
import { benchOutDir, decodeWithDlib, harnessBuilt } from './against-dlib.js';

const DATASETS = ['testing_with_face_landmarks.xml', 'training_with_face_landmarks.xml'];

interface DlibAccuracy {
  images: { faces: { parts: Point[] }[] }[];
  faces: number;
  mean_error: number;
}

/** Prints the landmark accuracy table (facemetric on dlib's pixels, dlib live, facemetric on its own JPEG decoding). */
export async function accuracyReport(): Promise<void> {
  if (!harnessBuilt('accuracy')) return;
  const predictor = assetPath('shape_predictor_68_face_landmarks');
  const sp = loadShapePredictor(predictor);
  const dir = benchOutDir('accuracy');
  const rows = [];
  for (const name of DATASETS) {
    const xml = join(exampleImagesDir(), 'faces', name);
    const objects = datasetObjects(loadImageDataset(xml));
    const truth = objects.images.map((i) => i.faces);
    const scales = interocularDistances(truth);
    const [dlib] = runHarnessJson<DlibAccuracy>(['landmark-accuracy', xml, '--predictor', predictor, '--pixels', 'gray']);
    const onDlibPixels: Point[][][] = [];
    const onOwnDecoding: Point[][][] = [];
    let differing = 0;
    objects.images.forEach((img, i) => {
      const jpg = datasetImagePath(xml, img.file);
      const png = join(dir, `${basename(name, '.xml')}-${i}-${basename(img.file)}.png`);
      decodeWithDlib(jpg, png);
      const dlibGray = rgbToGray(readImageSync(png));
      const ownGray = rgbToGray(readImageSync(jpg));
      onDlibPixels.push(img.faces.map((f) => sp.predict(dlibGray, f.rect).points));
      onOwnDecoding.push(img.faces.map((f, j) => {
        const p = sp.predict(ownGray, f.rect).points;
        if (JSON.stringify(p) !== JSON.stringify(dlib.images[i].faces[j].parts)) differing++;
        return p;
      }));
    });
    const faces = truth.reduce((n, f) => n + f.length, 0);
    rows.push({
      dataset: name,
      faces: faces === dlib.faces ? faces : `${faces} (dlib ${dlib.faces})`,
      'facemetric (dlib-decoded)': meanNormalizedError(onDlibPixels, truth, scales),
      'dlib (live)': dlib.mean_error,
      'facemetric (own JPEG decoding)': meanNormalizedError(onOwnDecoding, truth, scales),
      'faces != dlib': differing,
    });
  }
  console.log('Landmark accuracy: mean |predicted - truth| / interocular distance (dlib test_shape_predictor), greyscale, on the XML boxes:');
  console.table(rows);
}
