/** Real face chips for tests that do not want to load the 100 MB shape predictor. */
import { dirname, join } from 'node:path';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { datasetObjects, extractImageChip, getFaceChipDetails, loadImageDataset } from '../../src/landmarks/index.js';
import { exampleImagesDir } from '../../src/models/index.js';

/** 150x150 chips of the annotated faces of dlib's examples/faces/training_with_face_landmarks.xml (their 68 hand-checked parts). */
export function datasetChips(): RgbImage[] {
  const xml = join(exampleImagesDir(), 'faces', 'training_with_face_landmarks.xml');
  const objects = datasetObjects(loadImageDataset(xml));
  const chips: RgbImage[] = [];
  for (const img of objects.images) {
    const pixels = readImageSync(join(dirname(xml), img.file));
    for (const f of img.faces) chips.push(extractImageChip(pixels, getFaceChipDetails(f.parts, 150, 0.25)));
  }
  return chips;
}
