/**
 * Size limits shared by the PNG and JPEG decoders (decompression-bomb guard).
 *
 * dlib has no such guard (its loaders allocate whatever the header declares); facemetric checks
 * the dimensions declared in the PNG IHDR / JPEG SOFn header before any pixel is decoded, and
 * bounds the work a JPEG can ask for by its number of scans (a progressive scan may cover the
 * whole frame with a few bytes, so a small crafted file can ask for thousands of passes over
 * 100 megapixels: minutes; libjpeg-turbo's own fuzzers and TurboJPEG's scan limit guard the same).
 * Both limits: the decode options `maxPixels` / `maxScans`, else the environment variables
 * FACEMETRIC_MAX_PIXELS / FACEMETRIC_MAX_SCANS (so every command and its worker threads see them),
 * else the defaults.
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
