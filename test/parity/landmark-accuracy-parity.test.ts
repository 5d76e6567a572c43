/**
 * Landmark accuracy on dlib's hand-labelled example datasets (examples/faces/
 * testing_with_face_landmarks.xml and training_with_face_landmarks.xml), measured as dlib's
 * examples/train_shape_predictor_ex.cpp measures it: test_shape_predictor with each face's
 * interocular distance as its scale, the predictor run on the XML's boxes. Ours against live
 * dlib (harness `landmark-accuracy`, test/parity/accuracy.cpp):
 *
 * - our XML reader and load_image_dataset arrangement (src/landmarks/dataset.ts) give dlib's
 *   image list, part names, rects, truth parts, ignored boxes and interocular distances;
 * - on dlib-decoded pixels (harness `decode` -> PNG; greyscale as in dlib's example, and RGB),
 *   our shape predictor gives dlib's integer landmarks on every box;
 * - our meanNormalizedError gives dlib's test_shape_predictor figure, with and without the
 *   interocular scales (TOLERANCES.landmarkMeanError);
 * - facemetric's own decoding of the JPEGs (readImageSync, the libjpeg-turbo port) gives dlib's
 *   pixels (TOLERANCES.jpegDecodeExact), so the landmarks and figures on its own pixels are
 *   dlib's too (with jpeg-js, mean errors were 0.0157 and 0.0242 against dlib's 0.0022 and 0.0075).
 *
 * The XML's "truth" was itself produced by dlib's 68-point model (its comment says so), so the
 * figures are small; they are reported, not asserted.
 */
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readImageSync, rgbToGray, type GrayImage, type RgbImage } from '../../src/image/index.js';
import {
  datasetImagePath, datasetObjects, interocularDistances, loadImageDataset, meanNormalizedError, type DatasetObjects,
} from '../../src/landmarks/dataset.js';
import type { Point } from '../../src/geometry/index.js';
import { loadShapePredictor, type ShapePredictorModel } from '../../src/landmarks/index.js';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

const DATASETS = ['testing_with_face_landmarks.xml', 'training_with_face_landmarks.xml'] as const;
const MODES = ['gray', 'rgb'] as const;

interface AccuracyFace {
  rect: [number, number, number, number];
  truth: Point[];
  parts: Point[];
  interocular: number;
}
interface AccuracyReport {
  dataset: string;
  pixels: string;
  parts_list: string[];
  images: { file: string; width: number; height: number; faces: AccuracyFace[]; ignored: [number, number, number, number][] }[];
  faces: number;
  mean_error: number;
  mean_error_pixels: number;
}

/** |ours - dlib| within TOLERANCES.landmarkMeanError, relative to dlib's value. */
function expectClose(ours: number, dlib: number, what: string): number {
  const rel = dlib === 0 ? Math.abs(ours) : Math.abs(ours - dlib) / Math.abs(dlib);
  expect(rel, `${what}: ours ${ours}, dlib ${dlib}`).toBeLessThanOrEqual(TOLERANCES.landmarkMeanError.abs);
  return rel;
}

describeParity('landmark accuracy on dlib\'s example datasets vs dlib (test_shape_predictor)', () => {
  let sp: ShapePredictorModel;
  let predictor: string;
  const xmlPath = (name: string): string => join(exampleImagesDir(), 'faces', name);
  /** dlib-decoded pixels of each image of each dataset, as RGB. */
  const pixels = new Map<string, RgbImage[]>();
  const summary: string[] = [];

  beforeAll(() => {
    predictor = assetPath('shape_predictor_68_face_landmarks');
    sp = loadShapePredictor(predictor);
    const dir = scratchDir('landmark-accuracy');
    for (const name of DATASETS) {
      const xml = xmlPath(name);
      const ds = loadImageDataset(xml);
      pixels.set(
        name,
        ds.images.map((img, i) => {
          const png = join(dir, `${basename(name, '.xml')}-${i}-${basename(img.file)}.png`);
          runHarness(['decode', datasetImagePath(xml, img.file), png]);
          return readImageSync(png);
        }),
      );
    }
  }, 600_000);

  it.each(DATASETS)('%s: facemetric\'s own JPEG decoding gives dlib\'s pixels, hence dlib\'s landmarks', (name) => {
    const xml = xmlPath(name);
    const ds = loadImageDataset(xml);
    const dlibPixels = pixels.get(name)!;
    const truth = datasetObjects(ds).images.map((i) => i.faces);
    const [want] = runHarnessJson<AccuracyReport>(['landmark-accuracy', xml, '--predictor', predictor, '--pixels', 'rgb']);
    const predicted = ds.images.map((img, i) => {
      const own = readImageSync(datasetImagePath(xml, img.file), { applyExifOrientation: false });
      let max = 0;
      for (let k = 0; k < own.data.length; k++) max = Math.max(max, Math.abs(own.data[k] - dlibPixels[i].data[k]));
      expect([img.file, own.width, own.height, max]).toEqual([img.file, dlibPixels[i].width, dlibPixels[i].height, 0]);
      expect(max).toBeLessThanOrEqual(TOLERANCES.jpegDecodeExact.abs);
      return truth[i].map((f, j) => {
        const got = sp.predict(own, f.rect).points;
        expect(got, `${img.file} face ${j}`).toEqual(want.images[i].faces[j].parts);
        return got;
      });
    });
    const ours = meanNormalizedError(predicted, truth, interocularDistances(truth));
    expectClose(ours, want.mean_error, 'mean error / interocular on facemetric-decoded pixels');
    summary.push(`${name}: facemetric's own JPEG decoding identical to dlib's on ${ds.images.length} images; mean error ${ours} (dlib ${want.mean_error})`);
  }, 600_000);

  afterAll(() => {
    if (summary.length) process.stdout.write(`landmark accuracy (mean error / interocular distance):\n  ${summary.join('\n  ')}\n`);
  });

  const cases = DATASETS.flatMap((d) => MODES.map((m) => [d, m] as const));
  it.each(cases)('%s, %s pixels: dlib\'s faces, landmarks and test_shape_predictor figure', (name, mode) => {
    const xml = xmlPath(name);
    const [want] = runHarnessJson<AccuracyReport>(['landmark-accuracy', xml, '--predictor', predictor, '--pixels', mode]);
    const objects: DatasetObjects = datasetObjects(loadImageDataset(xml));

    // The dataset as dlib's load_image_dataset made it.
    expect(objects.partsList).toEqual(want.parts_list);
    expect(objects.images.map((i) => i.file)).toEqual(want.images.map((i) => i.file));
    objects.images.forEach((img, i) => {
      expect(img.ignored, img.file).toEqual(want.images[i].ignored);
      expect(img.faces.map((f) => f.rect), img.file).toEqual(want.images[i].faces.map((f) => f.rect));
      expect(img.faces.map((f) => f.parts), img.file).toEqual(want.images[i].faces.map((f) => f.truth));
    });
    const truth = objects.images.map((i) => i.faces);
    const scales = interocularDistances(truth);
    expect(scales).toEqual(want.images.map((i) => i.faces.map((f) => f.interocular)));

    // Our landmarks on dlib's pixels, on the XML's boxes.
    const imgs = pixels.get(name)!;
    const predicted = truth.map((faces, i) => {
      const rgb = imgs[i];
      expect([rgb.width, rgb.height], objects.images[i].file).toEqual([want.images[i].width, want.images[i].height]);
      const input: RgbImage | GrayImage = mode === 'gray' ? rgbToGray(rgb) : rgb;
      return faces.map((f, j) => {
        const got = sp.predict(input, f.rect).points;
        expect(got, `${objects.images[i].file} face ${j}`).toEqual(want.images[i].faces[j].parts);
        return got;
      });
    });

    const ours = meanNormalizedError(predicted, truth, scales);
    const oursPixels = meanNormalizedError(predicted, truth);
    const rel = Math.max(
      expectClose(ours, want.mean_error, 'mean error / interocular'),
      expectClose(oursPixels, want.mean_error_pixels, 'mean error in pixels'),
    );
    const faces = truth.reduce((n, f) => n + f.length, 0);
    expect(faces).toBe(want.faces);
    summary.push(
      `${name} (${mode}): ${objects.images.length} images, ${faces} faces, integer landmarks identical; ` +
        `facemetric ${ours}, dlib ${want.mean_error} (${oursPixels} / ${want.mean_error_pixels} px); ` +
        `max relative difference ${rel}`,
    );
  }, 600_000);
});
