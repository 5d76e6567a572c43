/**
 * dlib 19.24's `jitter_image(img, rnd)` (dlib/image_transforms/interpolation.h): a randomly
 * shifted, scaled, rotated and possibly mirrored copy of a square image, as dlib's face
 * recognition uses to average a descriptor over jittered copies of a face chip (the Python
 * `compute_face_descriptor(..., num_jitters)`).
 *
 * The draws, in dlib's order, all from one {@link DlibRand} and all doubles, so the crops are
 * bit-identical to dlib's for the same generator state:
 *  1. `rect = shrink_rect(get_rect(img), 3)`, the integer rectangle (3, 3, w-4, h-4);
 *  2. `translate = point(dpoint(get_double_in_range(-0.02, 0.02) * rect.width(),
 *     get_double_in_range(-0.02, 0.02) * rect.height()))`, each coordinate rounded as dlib
 *     converts a double vector to an integer one: `floor(v + 0.5)`. The two draws are the two
 *     arguments of one constructor call, whose evaluation order C++ leaves to the compiler: GCC
 *     (x86-64; Debian's dlib, the parity harness, Linux builds of dlib's Python module)
 *     evaluates them right to left, so the FIRST draw is the vertical shift and the second the
 *     horizontal one. This port follows GCC (measured: identical crops; with x drawn first, 4
 *     in 5 crops differ). A dlib built by a compiler that evaluates left to right (clang)
 *     swaps the two shifts;
 *  3. `scale = get_double_in_range(0.97, 0.99999)`; `box_size = long(rect.height() / scale)`
 *     (truncated);
 *  4. `crop_rect = centered_rect(center(rect) + translate, box_size, box_size)` with dlib's
 *     integer rules (`center`: `(l + r + 1) / 2` in C++ integer division, one less first for a
 *     negative sum; `centered_rect`: left = x - size/2, right = left + size - 1);
 *  5. `angle = get_double_in_range(-3, 3) * pi / 180` (dlib::pi, 3.1415926535897932385, which
 *     is Math.PI as a double), evaluated left to right;
 *  6. `extract_image_chip(img, chip_details(crop_rect, chip_dims(rows, cols), angle))`: the
 *     integer rectangle becomes a drectangle with the same corners;
 *  7. `if (get_random_double() > 0.5) flip_image_left_right(crop)`.
 * So each call takes 5 doubles (10 32-bit numbers) from the generator.
 */
import { FacemetricError } from '../errors.js';
import { channelsOf, type GrayImage, type RgbImage } from './pixels.js';
import type { DlibRand } from '../rand/dlib-rand.js';
import { extractImageChip, type ChipDetails } from './chips.js';

/** What one `jitter_image` call drew: the chip to extract, and whether it is then mirrored. */
export interface JitterDraw {
  details: ChipDetails;
  flip: boolean;
}

const MAX_ROTATION_DEGREES = 3;
const MIN_OBJECT_HEIGHT = 0.97;
const MAX_OBJECT_HEIGHT = 0.99999;
const TRANSLATE_AMOUNT = 0.02;
/** dlib::pi (dlib/numeric_constants.h), 3.1415926535897932385: the same double as Math.PI. */
const DLIB_PI = 3.1415926535897932385;

/** C++ integer division of longs (truncation toward zero). */
const idiv = (a: number, b: number): number => Math.trunc(a / b);

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FacemetricError(`jitterImage: the image is empty (${width}x${height}); dlib's jitter_image needs a non-empty square image`);
  }
  if (width !== height) {
    throw new FacemetricError(`jitterImage: the image is ${width}x${height}; dlib's jitter_image needs a square image (a face chip)`);
  }
  if (width < 7) {
    // shrink_rect(get_rect(img), 3) is then empty and dlib's crop rectangle with it.
    throw new FacemetricError(`jitterImage: the image is ${width}x${height}; dlib's jitter_image needs at least 7x7 (it crops 3 pixels from each side)`);
  }
}

/** channelsOf (3 or 1) of a `checkSize`d image, failing with jitter's FacemetricError. */
function jitterChannels(img: RgbImage | GrayImage): 1 | 3 {
  try {
    return channelsOf(img);
  } catch {
    throw new FacemetricError(`jitterImage: a ${img.width}x${img.height} image with ${img.data.length} bytes is neither RGB nor grey`);
  }
}

/**
 * The draws of one dlib `jitter_image` call on a `size` x `size` image: the chip details to
 * extract and whether the chip is mirrored. Advances `rng` exactly as dlib does (5 doubles).
 * Throws a FacemetricError for a size under 7 (dlib's shrunken rectangle would be empty).
 */
export function drawJitter(size: number, rng: DlibRand): JitterDraw {
  checkSize(size, size);
  // rect = shrink_rect(get_rect(img), 3): (3, 3, size-4, size-4), width = height = size - 6
  const left = 3;
  const top = 3;
  const right = size - 4;
  const bottom = size - 4;
  const width = right - left + 1;
  const height = bottom - top + 1;
  // dpoint -> point: floor(v + 0.5) per coordinate. y is drawn first: GCC evaluates dpoint's
  // two arguments right to left (see the module comment).
  const ty = Math.floor(rng.getDoubleInRange(-TRANSLATE_AMOUNT, TRANSLATE_AMOUNT) * height + 0.5);
  const tx = Math.floor(rng.getDoubleInRange(-TRANSLATE_AMOUNT, TRANSLATE_AMOUNT) * width + 0.5);
  const scale = rng.getDoubleInRange(MIN_OBJECT_HEIGHT, MAX_OBJECT_HEIGHT);
  const boxSize = Math.trunc(height / scale);
  // center(rect): (l + r + 1, t + b + 1) / 2, one less first where negative (not here: l, t >= 3)
  let sx = left + right + 1;
  let sy = top + bottom + 1;
  if (sx < 0) sx -= 1;
  if (sy < 0) sy -= 1;
  const cx = idiv(sx, 2) + tx;
  const cy = idiv(sy, 2) + ty;
  // centered_rect(p, box_size, box_size)
  const cl = cx - idiv(boxSize, 2);
  const ct = cy - idiv(boxSize, 2);
  const cr = cl + boxSize - 1;
  const cb = ct + boxSize - 1;
  const angle = (rng.getDoubleInRange(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES) * DLIB_PI) / 180;
  const details: ChipDetails = { rect: [cl, ct, cr, cb], angle, rows: size, cols: size };
  // The crop is extracted before the flip is drawn; extraction draws nothing, so the order of
  // the draws is what matters and it is dlib's.
  const flip = rng.getRandomDouble() > 0.5;
  return { details, flip };
}

function flipLeftRight(data: Uint8Array, width: number, height: number, ch: number): void {
  for (let r = 0; r < height; r++) {
    const row = r * width * ch;
    for (let a = 0, b = width - 1; a < b; a++, b--) {
      const ia = row + a * ch;
      const ib = row + b * ch;
      for (let k = 0; k < ch; k++) {
        const t = data[ia + k]!;
        data[ia + k] = data[ib + k]!;
        data[ib + k] = t;
      }
    }
  }
}

/**
 * dlib's `jitter_image(img, rnd)`: a new image of `img`'s size and type (RGB or grey, told
 * apart by the bytes per pixel, as extractImageChip does), cut from `img` with a random shift of
 * up to 2% of its size, a scale of 0.97..0.99999, a rotation of up to 3 degrees, and mirrored
 * left-right half of the time. Bit-identical to dlib's for the same generator state; advances
 * `rng` by 5 doubles. Throws a FacemetricError for an empty, non-square or smaller than 7x7
 * image (dlib asserts on the first two).
 */
export function jitterImage<T extends RgbImage | GrayImage>(img: T, rng: DlibRand): T {
  if (img === null || typeof img !== 'object' || !(img.data instanceof Uint8Array)) {
    throw new FacemetricError('jitterImage: not an image (need { width, height, data: Uint8Array })');
  }
  const { width, height } = img;
  checkSize(width, height);
  jitterChannels(img);
  // checked before drawing, so a bad image leaves the generator as it was
  return applyJitter(img, drawJitter(width, rng));
}

/**
 * The crop of one drawn jitter (see {@link drawJitter}): `extract_image_chip` with the drawn
 * details, mirrored when drawn so. `jitterImage(img, rng)` is
 * `applyJitter(img, drawJitter(img.width, rng))`; drawing first lets a caller take all its
 * draws from a generator at once and cut the crops later.
 */
export function applyJitter<T extends RgbImage | GrayImage>(img: T, draw: JitterDraw): T {
  const { width, height } = img;
  checkSize(width, height);
  if (draw.details.rows !== height || draw.details.cols !== width) {
    throw new FacemetricError(`applyJitter: the draw is for a ${draw.details.cols}x${draw.details.rows} image, not ${width}x${height}`);
  }
  const ch = jitterChannels(img);
  const crop = extractImageChip(img, draw.details);
  if (draw.flip) flipLeftRight(crop.data, crop.width, crop.height, ch);
  return crop;
}
