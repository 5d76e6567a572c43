/**
 * Size limits shared by the PNG and JPEG decoders (decompression-bomb guard).
 *
 * dlib has no such guard (its loaders allocate whatever the header declares); facemetric checks
 * the dimensions declared in the PNG IHDR / JPEG SOFn header before any pixel is decoded.
 */
import { ImageError } from '../errors.js';

/** Default limit on `width * height` of a decoded image: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Validates a `maxPixels` option.
 *
 * Requires: nothing. Ensures: returns the limit (DEFAULT_MAX_PIXELS when undefined); throws a
 * RangeError when it is not a positive number (Infinity is allowed and disables the guard).
 */
export function resolveMaxPixels(maxPixels: number | undefined): number {
  if (maxPixels === undefined) return DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number' || Number.isNaN(maxPixels) || maxPixels <= 0) {
    throw new RangeError(`maxPixels must be a positive number (got ${String(maxPixels)})`);
  }
  return maxPixels;
}

/**
 * Checks header-declared dimensions before decoding.
 *
 * Requires: `width`, `height` are non-negative integers read from the file header.
 * Ensures: returns normally iff both are positive and `width * height <= maxPixels`; otherwise
 * throws an ImageError naming `file` and the problem.
 */
export function checkDimensions(width: number, height: number, maxPixels: number, file: string | undefined): void {
  if (width === 0 || height === 0) {
    throw new ImageError(`image has zero width or height (${width}x${height})`, { file });
  }
  if (width * height > maxPixels) {
    const pixels = (BigInt(width) * BigInt(height)).toString();
    throw new ImageError(
      `image is ${width}x${height} = ${pixels} pixels, over the limit of ${maxPixels} (raise it with --max-pixels)`,
      { file });
  }
}
