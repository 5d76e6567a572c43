/** Real face chips for tests that do not want to load the 100 MB shape predictor. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { datasetObjects, extractImageChip, getFaceChipDetails, loadImageDataset } from '../../src/landmarks/index.js';
import { exampleImagesDir } from '../../src/models/index.js';
import { loadImageAsDlib } from '../../src/train/sampler.js';

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

/**
 * The first `perPerson` chips (sorted by name) of each of `people` in dlib's examples/johns
 * (150x150 JPEGs, decoded as dlib's load_image does), labelled 0, 1, ... by person.
 */
export function johnsChips(people: readonly string[], perPerson = 2): { chips: RgbImage[]; labels: number[] } {
  const johns = join(exampleImagesDir(), 'johns');
  const chips: RgbImage[] = [];
  const labels: number[] = [];
  people.forEach((person, label) => {
    const names = readdirSync(join(johns, person)).filter((f) => f.endsWith('.jpg')).sort();
    for (const name of names.slice(0, perPerson)) {
      chips.push(loadImageAsDlib(join(johns, person, name)));
      labels.push(label);
    }
  });
  return { chips, labels };
}
