/**
 * Image types and pixel conversions.
 *
 * Mirrors dlib's `assign_pixel` rules in `dlib/pixel.h` (dlib 19.24):
 * - rgb_pixel → unsigned char (`assign(grayscale, rgb)`): the integer mean `(r + g + b) / 3`,
 *   truncating (C++ unsigned division).
 * - unsigned char → rgb_pixel: the grey value copied into all three channels.
 * - rgb_alpha_pixel → rgb_pixel (`assign(rgb, rgb_alpha)`): when alpha is 255 the colour is
 *   copied; otherwise the source is blended onto the destination with fixed-point arithmetic,
 *   `dest += ((src - dest) * alpha) >> 8`. dlib's PNG loader first fills the destination with
 *   black (`assign_all_pixels(t, 0)`), so decoding RGBA into RGB is "composite onto black":
 *   `c' = alpha == 255 ? c : (c * alpha) >> 8`. Note the `>> 8` (divide by 256, not 255): a
 *   pixel with alpha 254 and colour 255 becomes 253. {@link rgbaToRgb} reproduces this exactly.
 */

/** An RGB colour, 0..255 per channel (what draw.ts and font.ts draw with). */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * An 8-bit RGB image: interleaved R, G, B bytes, row-major, `width * height * 3` bytes.
 *
 * `channels` tells the two image types apart, to the compiler (a GrayImage is not an RgbImage)
 * and at run time (a 0x0 image has no data length to tell by). Every image facemetric builds
 * carries it; it is optional so that plain `{ width, height, data }` objects are still accepted,
 * their kind then decided by the data length ({@link channelsOf}).
 */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
  channels?: 3;
  /**
   * Set by the JPEG decoder on a damaged file it decoded as libjpeg does (missing data grey):
   * libjpeg's warnings, e.g. "Corrupt JPEG data: premature end of data segment". Absent otherwise.
   */
  warnings?: string[];
}

/** An 8-bit greyscale image: one byte per pixel, row-major, `width * height` bytes (see RgbImage on `channels`). */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
  channels?: 1;
}

/** An 8-bit RGBA image (interleaved, `width * height * 4` bytes); only an intermediate form. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The number of channels of `img`: its `channels` field when it has one, else decided by its
 * data length, 3 for width*height*3 bytes, 1 for width*height bytes. A 0-pixel image without
 * the field counts as grey (both lengths are 0).
 *
 * Requires: nothing. Ensures: returns 1 or 3 when the size is non-negative integers and the data
 * length fits the channel count; otherwise throws a RangeError (or a TypeError for a non-object).
 */
export function channelsOf(img: RgbImage | GrayImage): 1 | 3 {
  if (img === null || typeof img !== 'object') throw new TypeError('not an image object');
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`image size must be non-negative integers, got ${width}x${height}`);
  }
  const n = width * height;
  const len = img.data?.length;
  if (img.channels !== undefined) {
    if ((img.channels === 1 || img.channels === 3) && len === n * img.channels) return img.channels;
    throw new RangeError(`image data has ${len} bytes; a ${width}x${height} image with ${String(img.channels)} channels needs ${n * img.channels}`);
  }
  if (len === n) return 1;
  if (len === n * 3) return 3;
  throw new RangeError(`image data has ${len} bytes; a ${width}x${height} image needs ${n} (grey) or ${n * 3} (RGB)`);
}

/**
 * Checks the shape of an in-memory image (a programming error, not a user one, when wrong).
 *
 * Requires: nothing. Ensures: returns normally iff `img` has positive integer dimensions and a
 * Uint8Array of exactly `width * height * channels` bytes; otherwise throws a TypeError or
 * RangeError whose message starts with `what`.
 */
export function assertImageShape(img: { width: number; height: number; data: Uint8Array },
  channels: 1 | 3 | 4, what: string): void {
  if (img === null || typeof img !== 'object') throw new TypeError(`${what}: not an image object`);
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers (got ${width}x${height})`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what}: data must be a Uint8Array`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`${what}: data has ${data.length} bytes, expected ${width}x${height}x${channels} = ${width * height * channels}`);
  }
}

/**
 * Converts RGB to greyscale exactly as dlib's `assign_pixel(unsigned char&, rgb_pixel)`:
 * `grey = floor((r + g + b) / 3)`.
 *
 * Requires: `img` is a well-formed RgbImage (positive integer size, `width*height*3` bytes).
 * Ensures: returns a new GrayImage of the same size; `img` is not modified.
 */
export function rgbToGray(img: RgbImage): GrayImage {
  return convertPixels(img, 3, 1, 'rgbToGray', (src, out, n) => {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = ((src[j] + src[j + 1] + src[j + 2]) / 3) | 0;
    }
  });
}

/**
 * Converts greyscale to RGB as dlib's `assign_pixel(rgb_pixel&, unsigned char)`: r = g = b = grey.
 *
 * Requires: `img` is a well-formed GrayImage (positive integer size, `width*height` bytes).
 * Ensures: returns a new RgbImage of the same size; `img` is not modified.
 */
export function grayToRgb(img: GrayImage): RgbImage {
  return convertPixels(img, 1, 3, 'grayToRgb', (src, out, n) => {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      const v = src[i];
      out[j] = v;
      out[j + 1] = v;
      out[j + 2] = v;
    }
  });
}

/**
 * Drops the alpha channel the way dlib's `load_image` into an `array2d<rgb_pixel>` does:
 * composite onto black with dlib's fixed-point rule, `c' = alpha == 255 ? c : (c * alpha) >> 8`.
 *
 * Requires: `img` is a well-formed RgbaImage (positive integer size, `width*height*4` bytes).
 * Ensures: returns a new RgbImage of the same size; `img` is not modified.
 */
export function rgbaToRgb(img: RgbaImage): RgbImage {
  return convertPixels(img, 4, 3, 'rgbaToRgb', (src, out, n) => {
    for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
      const a = src[k + 3];
      if (a === 255) {
        out[j] = src[k];
        out[j + 1] = src[k + 1];
        out[j + 2] = src[k + 2];
      } else {
        out[j] = (src[k] * a) >> 8;
        out[j + 1] = (src[k + 1] * a) >> 8;
        out[j + 2] = (src[k + 2] * a) >> 8;
      }
    }
  });
}

/**
 * The frame of the conversions above: checks that `img` has `from` channels (a TypeError or
 * RangeError starting with `what` otherwise), lets `convert` fill a zeroed buffer of `to`
 * bytes a pixel from the source bytes (the whole image in one call, so the pixel loop stays
 * in the caller), and returns it as a new image of the same size tagged with `to` channels.
 */
function convertPixels<To extends 1 | 3>(img: { width: number; height: number; data: Uint8Array }, from: 1 | 3 | 4, to: To, what: string,
  convert: (src: Uint8Array, out: Uint8Array, n: number) => void): { width: number; height: number; data: Uint8Array; channels: To } {
  assertImageShape(img, from, what);
  const n = img.width * img.height;
  const out = new Uint8Array(n * to);
  convert(img.data, out, n);
  return { width: img.width, height: img.height, data: out, channels: to };
}
