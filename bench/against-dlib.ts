/**
 * What the benchmarks that time facemetric against dlib share: the check that the parity harness
 * (src/parity/, real dlib) is built, each bench's output folder beside the harness's, dlib's own
 * decoding of a JPEG (harness `decode` -> PNG, so both sides work on identical pixels), dlib's
 * example image bald_guys.jpg and a top-left crop of it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../src/image/index.js';
import { exampleImages } from '../src/models/index.js';
import { harnessBinary, harnessOutDir, runHarness } from '../src/parity/harness.js';

/**
 * Whether the harness is built. Ensures: when it is not, says so on stdout as
 * `<who>: the dlib parity harness is not built (npm run build:harness); <consequence>`.
 */
export function harnessBuilt(who: string, consequence = 'nothing to compare with'): boolean {
  if (existsSync(harnessBinary())) return true;
  console.log(`${who}: the dlib parity harness is not built (npm run build:harness); ${consequence}`);
  return false;
}

/** The bench's output folder, `<harness out>/bench-<name>`, created if missing. */
export function benchOutDir(name: string): string {
  const dir = join(harnessOutDir(), `bench-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Decodes `image` with dlib (harness `decode`) into the PNG `png`; returns `png`. */
export function decodeWithDlib(image: string, png: string): string {
  runHarness(['decode', image, png]);
  return png;
}

/** The path of dlib's example examples/faces/bald_guys.jpg (1986x1545, 24 faces). Throws when it is missing. */
export function baldGuysJpg(): string {
  const bald = exampleImages('faces').find((f) => f.endsWith('bald_guys.jpg'));
  if (bald === undefined) throw new Error('bald_guys.jpg is not among the example images (npm run models)');
  return bald;
}

/** The top-left `width` x `height` corner of `img`. Requires: width <= img.width, height <= img.height. */
export function cropRgb(img: RgbImage, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(img.data.subarray(y * img.width * 3, (y * img.width + width) * 3), y * width * 3);
  return { width, height, data };
}
