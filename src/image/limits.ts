/**
 * Size limits shared by the PNG and JPEG decoders (decompression-bomb guard).
 *
 * dlib has no such guard (its loaders allocate whatever the header declares); facemetric checks
 * the dimensions declared in the PNG IHDR / JPEG SOFn header before any pixel is decoded, and
 * bounds the work a JPEG can ask for by its number of scans (a progressive scan may cover the
 * whole frame with a few bytes, so a small crafted file can ask for thousands of passes over
 * 100 megapixels: minutes; libjpeg-turbo's own fuzzers and TurboJPEG's scan limit guard the same).
 * and by the passes over the image its scans ask for together (arithmetic-coded scans cost ten
 * times Huffman-coded ones: a few hundred of them over a large frame are minutes even under the
 * scan limit). Each limit: the decode option (`maxPixels`, `maxScans`, `maxScanPasses`), else the
 * environment variable (FACEMETRIC_MAX_PIXELS, FACEMETRIC_MAX_SCANS, FACEMETRIC_MAX_SCAN_PASSES:
 * every command and its worker threads see them), else the default.
 */
import { FacemetricError, ImageError } from '../errors.js';

/** Default limit on `width * height` of a decoded image: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Validates a `maxPixels` option.
 *
 * Requires: nothing. Ensures: returns the limit (DEFAULT_MAX_PIXELS when undefined); throws a
 * RangeError when it is not a positive number (Infinity is allowed and disables the guard).
 */
export function resolveMaxPixels(maxPixels: number | undefined): number {
  return resolveLimit('maxPixels', maxPixels, 'FACEMETRIC_MAX_PIXELS', DEFAULT_MAX_PIXELS);
}

/**
 * Default limit on the scans of a JPEG: 500, as libjpeg-turbo's own fuzz targets set (real
 * progressive files have about 10; jpegtran's most detailed scripts a few dozen).
 */
export const DEFAULT_MAX_SCANS = 500;

/** A `maxScans` option, as {@link resolveMaxPixels} resolves `maxPixels` (FACEMETRIC_MAX_SCANS). */
export function resolveMaxScans(maxScans: number | undefined): number {
  return resolveLimit('maxScans', maxScans, 'FACEMETRIC_MAX_SCANS', DEFAULT_MAX_SCANS);
}

/** The option `value` (a RangeError naming `option` unless a positive number), else environment variable `env`, else `fallback`. */
function resolveLimit(option: string, value: number | undefined, env: string, fallback: number): number {
  if (value === undefined) return fromEnvironment(env) ?? fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RangeError(`${option} must be a positive number (got ${String(value)})`);
  }
  return value;
}

/** A positive number from environment variable `name`, when set (none outside Node). */
function fromEnvironment(name: string): number | undefined {
  const text = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  if (text === undefined || text === '') return undefined;
  const v = Number(text);
  if (!(v > 0)) throw new FacemetricError(`${name} must be a positive number (got ${JSON.stringify(text)})`);
  return v;
}

/**
 * Default limit on the passes over the image a JPEG's scans ask for together (the blocks the
 * scans cover, over the image's blocks): 16. libjpeg's progressive files ask for 5 to 7 (a DC
 * scan and its refinement over every component, then AC scans of one component each), sequential
 * ones for 1. A pass costs ~10 ns a block with Huffman coding and ten times that with arithmetic
 * coding, whose decoder goes on decoding when the data runs out: 500 arithmetic-coded scans of a
 * 100-megapixel colour frame (under the scan limit) take minutes, 16 passes seconds.
 */
export const DEFAULT_MAX_SCAN_PASSES = 16;

/** A `maxScanPasses` option, as {@link resolveMaxPixels} resolves `maxPixels` (FACEMETRIC_MAX_SCAN_PASSES). */
export function resolveMaxScanPasses(maxScanPasses: number | undefined): number {
  return resolveLimit('maxScanPasses', maxScanPasses, 'FACEMETRIC_MAX_SCAN_PASSES', DEFAULT_MAX_SCAN_PASSES);
}

/** Refuses a JPEG whose scans ask for more than `maxScanPasses` passes over the image (called before each scan). */
export function checkScanPasses(passes: number, maxScanPasses: number, file: string | undefined): void {
  if (passes > maxScanPasses) {
    throw new ImageError(`JPEG whose scans ask for more than ${maxScanPasses} passes over the image, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCAN_PASSES=N, or decodeImage's maxScanPasses)`, { file });
  }
}

/** Refuses a JPEG's scan number `scans` beyond `maxScans` (called at each start of scan). */
export function checkScans(scans: number, maxScans: number, file: string | undefined): void {
  if (scans > maxScans) {
    throw new ImageError(`JPEG with more than ${maxScans} scans, over the limit against crafted files that take long to decode (raise it with FACEMETRIC_MAX_SCANS=N, or decodeImage's maxScans)`, { file });
  }
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
      `image is ${width}x${height} = ${pixels} pixels, over the limit of ${maxPixels} (raise it with FACEMETRIC_MAX_PIXELS=N, or decodeImage's maxPixels)`,
      { file });
  }
}
