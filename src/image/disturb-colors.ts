/**
 * dlib 19.24's `random_color_transform` and `disturb_colors(img, rnd, gamma_magnitude = 0.5,
 * color_magnitude = 0.2)` (dlib/image_transforms/random_color_transform.h): a random gamma
 * correction and colour balance, the colour augmentation of dlib's metric-learning example
 * (examples/dnn_metric_learning_on_images_ex.cpp, `load_mini_batch`).
 *
 * The draws, in dlib's order, all from one {@link DlibRand} and all doubles (4 doubles, 8 32-bit
 * numbers per call):
 *  1. `gamma = max(0.0, 1 + gamma_magnitude*(get_random_double() - 0.5))`;
 *  2. `red_scale`, then `green_scale`, then `blue_scale`, each `1 - get_random_double()*color_magnitude`
 *     (three statements, so the order is fixed);
 *  3. `m = 255*max(max(red_scale, green_scale), blue_scale)`; each scale `/= m`.
 * Then three 256-entry lookup tables (red, green, blue), entry k = `(unsigned char)(v + 0.5)` with
 * `v = 255*pow(k*scale, gamma)`: every operation a double one, the product `k*scale` with k
 * converted to double, and the cast a truncation (v + 0.5 lies in [0, 256): the largest scale is
 * 1/255, so k*scale <= 1 up to rounding). `pow` is V8's Math.pow where dlib calls glibc's; the two
 * may differ in the last bit, which changes a table entry only if 255*pow + 0.5 sits within an
 * ulp of an integer: measured identical for every table of test/parity/disturb-colors-parity.test.ts
 * (thousands of generator states).
 *
 * Each pixel then goes through the tables: an RGB pixel channel by channel; a grey pixel (dlib's
 * `assign_pixel` both ways) as r = g = b = grey, mapped, and back to grey as
 * `floor((r' + g' + b') / 3)` (src/image/pixels.ts rgbToGray).
 */
import { FacemetricError } from '../errors.js';
import type { DlibRand } from '../rand/dlib-rand.js';
import { channelsOf, type GrayImage, type RgbImage } from './pixels.js';

/** dlib's default `gamma_magnitude` of disturb_colors / random_color_transform. */
export const DISTURB_GAMMA_MAGNITUDE = 0.5;
/** dlib's default `color_magnitude` of disturb_colors / random_color_transform. */
export const DISTURB_COLOR_MAGNITUDE = 0.2;

/** What one `random_color_transform` drew: its gamma and scales, and the resulting tables. */
export interface RandomColorTransform {
  /** The gamma correction exponent, `max(0, 1 + gamma_magnitude*(u - 0.5))`. */
  gamma: number;
  /** Red, green and blue scales after the division by `m` (the largest is 1/255, up to rounding). */
  scales: [number, number, number];
  /** 768 bytes: red table [0, 256), green [256, 512), blue [512, 768), as dlib's `table`. */
  table: Uint8Array;
}

function checkMagnitude(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FacemetricError(`disturbColors: ${name} must be a finite number, got ${String(v)}`);
}

/**
 * dlib's `random_color_transform(rnd, gamma_magnitude, color_magnitude)` constructor: draws the
 * gamma and the three channel scales (4 doubles, in that order) from `rng` and builds the
 * 768-entry lookup table with dlib's double arithmetic (see the module comment). Advances `rng`
 * by 4 doubles (8 32-bit numbers).
 */
export function randomColorTransform(rng: DlibRand, gammaMagnitude: number = DISTURB_GAMMA_MAGNITUDE,
  colorMagnitude: number = DISTURB_COLOR_MAGNITUDE): RandomColorTransform {
  checkMagnitude('gammaMagnitude', gammaMagnitude);
  checkMagnitude('colorMagnitude', colorMagnitude);
  const gamma = Math.max(0.0, 1 + gammaMagnitude * (rng.getRandomDouble() - 0.5));
  let red = 1 - rng.getRandomDouble() * colorMagnitude;
  let green = 1 - rng.getRandomDouble() * colorMagnitude;
  let blue = 1 - rng.getRandomDouble() * colorMagnitude;
  const m = 255 * Math.max(Math.max(red, green), blue);
  red /= m;
  green /= m;
  blue /= m;
  const table = new Uint8Array(768);
  const scales: [number, number, number] = [red, green, blue];
  let i = 0;
  for (const scale of scales) {
    for (let k = 0; k < 256; k++) {
      const v = 255 * Math.pow(k * scale, gamma);
      // (unsigned char)(v + 0.5): truncation of a value in [0, 256); clamped here so that a
      // magnitude outside dlib's intended range (where C++'s conversion is undefined) still
      // gives a byte.
      const t = Math.trunc(v + 0.5);
      table[i++] = t < 0 || Number.isNaN(t) ? 0 : t > 255 ? 255 : t;
    }
  }
  return { gamma, scales, table };
}

/**
 * Applies a drawn transform's tables to `img` in place (dlib's `disturb_colors` loop over rows
 * and columns with `random_color_transform::operator()`): RGB channel by channel, grey through
 * r = g = b and back as floor(sum / 3). Overwrites `img.data`; returns `img`.
 */
export function applyColorTransform<T extends RgbImage | GrayImage>(img: T, tform: RandomColorTransform): T {
  const ch = colorChannels(img);
  const t = tform.table;
  if (!(t instanceof Uint8Array) || t.length !== 768) throw new FacemetricError('applyColorTransform: the table must be 768 bytes (red, green, blue)');
  const d = img.data;
  if (ch === 3) {
    for (let j = 0; j < d.length; j += 3) {
      d[j] = t[d[j]!]!;
      d[j + 1] = t[d[j + 1]! + 256]!;
      d[j + 2] = t[d[j + 2]! + 512]!;
    }
  } else {
    for (let j = 0; j < d.length; j++) {
      const v = d[j]!;
      d[j] = ((t[v]! + t[v + 256]! + t[v + 512]!) / 3) | 0;
    }
  }
  return img;
}

function colorChannels(img: RgbImage | GrayImage): 1 | 3 {
  if (img === null || typeof img !== 'object' || !(img.data instanceof Uint8Array)) {
    throw new FacemetricError('disturbColors: not an image (need { width, height, data: Uint8Array })');
  }
  try {
    return channelsOf(img);
  } catch {
    throw new FacemetricError(`disturbColors: a ${img.width}x${img.height} image with ${img.data.length} bytes is neither RGB nor grey`);
  }
}

/**
 * dlib's `disturb_colors(img, rnd, gamma_magnitude = 0.5, color_magnitude = 0.2)`: one
 * {@link randomColorTransform} drawn from `rng` (4 doubles), applied to every pixel of `img`
 * IN PLACE (as dlib modifies its argument); returns `img`. Bit-identical to dlib's for the same
 * generator state. The image is checked before anything is drawn, so a bad image leaves `rng`
 * as it was. An empty (0x0) image still draws, as dlib's does.
 */
export function disturbColors<T extends RgbImage | GrayImage>(img: T, rng: DlibRand,
  gammaMagnitude: number = DISTURB_GAMMA_MAGNITUDE, colorMagnitude: number = DISTURB_COLOR_MAGNITUDE): T {
  colorChannels(img);
  return applyColorTransform(img, randomColorTransform(rng, gammaMagnitude, colorMagnitude));
}
