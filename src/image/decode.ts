/**
 * Format detection and decoding of an encoded image held in memory.
 *
 * Mirrors dlib's `load_image` (`dlib/image_loader/load_image.h`, dlib 19.24), which sniffs the
 * file's first bytes (not its name) and dispatches to the PNG or JPEG loader, producing an
 * `array2d<rgb_pixel>`. facemetric reads JPEG and PNG only (dlib also reads BMP, GIF, WebP and
 * its own DNG format); other formats are named in a clear error. See png.ts and jpeg.ts for the
 * per-format pixel rules and exif.ts for orientation (which dlib does not apply).
 */
import { ImageError } from '../errors.js';
import { applyOrientation, readExifOrientation } from './exif.js';
import { decodeJpeg } from './jpeg.js';
import { resolveMaxPixels } from './limits.js';
import type { RgbImage } from './pixels.js';
import { decodePng, PNG_SIGNATURE } from './png.js';

/** Options for {@link decodeImage} and the file readers. */
export interface DecodeOptions {
  /** Name used in error messages (`<file>: <problem>`). */
  file?: string;
  /** Largest `width * height` accepted, checked against the header before decoding. Default 100 000 000 (or FACEMETRIC_MAX_PIXELS). */
  maxPixels?: number;
  /** Most scans a JPEG may have (a bound on its work). Default 500 (or FACEMETRIC_MAX_SCANS). */
  maxScans?: number;
  /** Most passes over the image a JPEG's scans may ask for together (a bound on its work). Default 16 (or FACEMETRIC_MAX_SCAN_PASSES). */
  maxScanPasses?: number;
  /** Rotate/flip JPEGs as their EXIF Orientation tag says. Default true (dlib: no). */
  applyExifOrientation?: boolean;
}

/** The formats facemetric decodes. */
export type ImageFormat = 'jpeg' | 'png';

function startsWith(bytes: Uint8Array, prefix: ArrayLike<number>, at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** Names a format we recognise but do not read, from its magic bytes; undefined if unknown. */
export function otherFormatName(b: Uint8Array): string | undefined {
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'GIF';
  if (startsWith(b, ascii('BM')) && b.length >= 18 &&
    [12, 40, 52, 56, 64, 108, 124].includes(b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24))) return 'BMP';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'WebP';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (startsWith(b, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand.startsWith('avi')) return 'AVIF';
    if (/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return 'HEIF/HEIC';
  }
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(b, [0xff, 0x4f, 0xff, 0x51])) return 'JPEG 2000';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'JPEG XL';
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return 'ICO';
  if (startsWith(b, ascii('%PDF'))) return 'PDF';
  if (startsWith(b, ascii('DNG\0'))) return 'dlib DNG';
  return undefined;
}

/** True when the first bytes (up to 512) hold no control characters other than tab, newlines, form feed and escape. */
export function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b)) return false;
  }
  return true;
}

/**
 * Identifies the format of an encoded image from its first bytes.
 *
 * Requires: nothing. Ensures: returns 'jpeg' for `FF D8 FF`, 'png' for the PNG signature;
 * otherwise throws an ImageError (empty file, damaged PNG signature, unsupported format).
 */
export function detectFormat(bytes: Uint8Array, file?: string): ImageFormat {
  if (bytes.length === 0) throw new ImageError('empty file (0 bytes)', { file });
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) {
    // "\x89PNG" but not the rest of the signature: usually CR/LF translation by a text-mode copy.
    throw new ImageError('corrupt PNG signature (was the file copied in text mode?)', { file });
  }
  if (startsWith(bytes, [0xff, 0xd8])) {
    throw new ImageError(bytes.length < 3 ? 'truncated JPEG (no end-of-image marker)' : 'corrupt JPEG (no marker after start-of-image)', { file });
  }
  const name = otherFormatName(bytes);
  if (name !== undefined) throw new ImageError(`unsupported image format (${name}); facemetric reads JPEG and PNG`, { file });
  if (looksLikeText(bytes)) throw new ImageError('not an image (looks like a text file); facemetric reads JPEG and PNG', { file });
  throw new ImageError('unsupported image format (unrecognised data); facemetric reads JPEG and PNG', { file });
}

/**
 * Decodes a JPEG or PNG (detected by magic bytes) into 8-bit RGB, with dlib's pixel rules.
 *
 * Requires: `options.maxPixels`, when given, is a positive number (else RangeError).
 * Ensures: returns a new RgbImage with positive dimensions and `width * height <= maxPixels`
 * (for EXIF orientations 5–8 the stored width and height are swapped); otherwise throws an
 * ImageError whose message is `<file>: <problem>` (or `<problem>` without `file`). Never throws
 * a raw pngjs/jpeg-js error. `bytes` is not modified.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbImage {
  const maxPixels = resolveMaxPixels(options.maxPixels);
  const file = options.file;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeImage: bytes must be a Uint8Array');
  const format = detectFormat(bytes, file);
  if (format === 'png') return decodePng(bytes, maxPixels, file);
  const img = decodeJpeg(bytes, maxPixels, file, {
    ...(options.maxScans !== undefined ? { maxScans: options.maxScans } : {}),
    ...(options.maxScanPasses !== undefined ? { maxScanPasses: options.maxScanPasses } : {}),
  });
  if (options.applyExifOrientation === false) return img;
  return applyOrientation(img, readExifOrientation(bytes));
}
