/**
 * PNG decoding into an 8-bit RGB image, with dlib's pixel semantics.
 *
 * Mirrors `dlib/image_loader/png_loader.{h,cpp}` (dlib 19.24) as used by `load_image` into an
 * `array2d<rgb_pixel>`. dlib asks libpng for `png_set_palette_to_rgb` (which in libpng sets the
 * same flags as `png_set_expand`), `PNG_TRANSFORM_PACKING` and host-endian 16-bit samples, then
 * converts each row with `assign_pixel`. The resulting rules, reproduced here:
 *
 * | PNG colour type     | depth     | RGB result                                                  |
 * |---------------------|-----------|-------------------------------------------------------------|
 * | grey                | 1, 2, 4   | scaled to 8 bits (`v * 255 / (2^depth - 1)`), r = g = b       |
 * | grey                | 8         | r = g = b = v                                                 |
 * | grey                | 16        | r = g = b = min(v, 255)  (dlib saturates the 16-bit value)    |
 * | grey + alpha        | 8 / 16    | as grey; **alpha is ignored** (dlib's graya branch)           |
 * | grey + tRNS         | any       | as grey; transparency ignored (libpng makes it grey+alpha)    |
 * | RGB                 | 8         | copied                                                        |
 * | RGB                 | 16        | **low byte** of each sample (`static_cast<uint8>(v)`)         |
 * | RGBA, RGB + tRNS    | 8         | composited onto black: `alpha == 255 ? c : (c * alpha) >> 8`  |
 * | RGBA                | 16        | low byte of each sample (alpha too), then composited          |
 * | palette             | 1,2,4,8   | looked up; with tRNS, palette alpha is composited onto black  |
 *
 * The 16-bit rules are dlib's (arguably a dlib bug: a typical 16-bit photo decodes as near-white
 * greys or as noise in colour); we reproduce them so results match dlib bit for bit.
 *
 * Before decoding, the chunk structure is checked here (signature, IHDR first and valid, chunk
 * lengths, every CRC, an IDAT, PLTE for palette images, IEND), and the IHDR dimensions are checked
 * against the pixel limit, so errors are specific and a decompression bomb is never inflated.
 */
import pngjs from 'pngjs';
import { ImageError } from '../errors.js';
import { checkDimensions } from './limits.js';
import { rgbaToRgb, type RgbImage } from './pixels.js';

const { PNG } = pngjs;

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** The fields of a PNG IHDR chunk. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
}

const COLOR_TYPE_NAMES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };
const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16],
};

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (ISO 3309 / PNG) of `bytes[start, end)`.
 *
 * Requires: 0 <= start <= end <= bytes.length. Ensures: returns an unsigned 32-bit integer.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function chunkName(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

/**
 * Walks and validates the chunk structure of a PNG file, checking the declared size against
 * `maxPixels` as soon as IHDR has been read.
 *
 * Requires: `bytes` starts with the 8-byte PNG signature.
 * Ensures: returns the IHDR fields of a structurally sound PNG whose size is within the limit;
 * otherwise throws an ImageError ("truncated PNG ...", "corrupt PNG ...", size errors).
 */
export function checkPngStructure(bytes: Uint8Array, maxPixels: number, file: string | undefined): PngHeader {
  const fail: (problem: string) => never = (problem) => { throw new ImageError(problem, { file }); };
  const truncated: () => never = () => fail('truncated PNG (file ends before the IEND chunk)');
  let header: PngHeader | undefined;
  let sawPalette = false;
  let sawData = false;
  let pos = 8;
  for (;;) {
    if (pos + 8 > bytes.length) truncated();
    const length = u32(bytes, pos);
    const name = chunkName(bytes, pos + 4);
    if (length > 0x7fffffff) fail(`corrupt PNG (chunk ${name} at byte ${pos} has an impossible length ${length})`);
    if (header === undefined) {
      if (name !== 'IHDR' || length !== 13) fail('corrupt PNG (the first chunk is not a valid IHDR)');
    }
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) truncated();
    if (crc32(bytes, pos + 4, dataEnd) !== u32(bytes, dataEnd)) fail(`corrupt PNG (bad CRC in the ${name} chunk at byte ${pos})`);
    if (header === undefined) {
      header = {
        width: u32(bytes, dataStart),
        height: u32(bytes, dataStart + 4),
        bitDepth: bytes[dataStart + 8],
        colorType: bytes[dataStart + 9],
        interlace: bytes[dataStart + 12],
      };
      const { width, height, bitDepth, colorType } = header;
      if (width > 0x7fffffff || height > 0x7fffffff) fail(`corrupt PNG (impossible size ${width}x${height})`);
      const depths = ALLOWED_DEPTHS[colorType];
      if (depths === undefined) fail(`corrupt PNG (invalid colour type ${colorType})`);
      if (!depths.includes(bitDepth)) {
        fail(`corrupt PNG (invalid bit depth ${bitDepth} for colour type ${colorType} (${COLOR_TYPE_NAMES[colorType]}))`);
      }
      if (bytes[dataStart + 10] !== 0) fail(`corrupt PNG (unknown compression method ${bytes[dataStart + 10]})`);
      if (bytes[dataStart + 11] !== 0) fail(`corrupt PNG (unknown filter method ${bytes[dataStart + 11]})`);
      if (header.interlace > 1) fail(`corrupt PNG (unknown interlace method ${header.interlace})`);
      checkDimensions(width, height, maxPixels, file);
    } else if (name === 'PLTE') {
      sawPalette = true;
    } else if (name === 'IDAT') {
      if (header.colorType === 3 && !sawPalette) fail('corrupt PNG (palette image without a PLTE chunk before its data)');
      sawData = true;
    } else if (name === 'IEND') {
      if (!sawData) fail('corrupt PNG (no IDAT image data)');
      return header;
    } else if (name === 'IHDR') {
      fail('corrupt PNG (more than one IHDR chunk)');
    }
    pos = dataEnd + 4;
  }
}

function describeLibraryError(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('Z_') || code === 'ERR_BUFFER_TOO_LARGE' || /inflate|zlib|header check|distance|block type|stored block|code lengths|literal\/length|unexpected end of file/i.test(message)) {
    return `bad compressed image data: ${message}`;
  }
  if (err instanceof RangeError) return `out of memory decoding it: ${message}`;
  return message;
}

/**
 * Decodes a PNG into 8-bit RGB with dlib's `load_image` semantics (see the table in this file's
 * header).
 *
 * Requires: `bytes` starts with the PNG signature; `maxPixels > 0`.
 * Ensures: returns an RgbImage with the IHDR's width and height; or throws an ImageError naming
 * `file` (truncated, corrupt, too large, zero size). Never throws a raw pngjs/zlib error.
 */
export function decodePng(bytes: Uint8Array, maxPixels: number, file: string | undefined): RgbImage {
  const header = checkPngStructure(bytes, maxPixels, file);
  const { width, height, bitDepth, colorType } = header;
  let decoded: { width: number; height: number; data: Uint8Array | Uint16Array; transColor?: number[] };
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    decoded = PNG.sync.read(buffer, { skipRescale: true }) as unknown as typeof decoded;
  } catch (err) {
    throw new ImageError(`corrupt PNG (${describeLibraryError(err)})`, { file, cause: err });
  }
  if (decoded.width !== width || decoded.height !== height) {
    throw new ImageError(`corrupt PNG (decoded ${decoded.width}x${decoded.height}, header says ${width}x${height})`, { file });
  }
  const src = decoded.data;
  if (src.length !== width * height * 4) throw new ImageError('corrupt PNG (decoder returned the wrong amount of data)', { file });
  const n = width * height;

  if (colorType === 0 || colorType === 4) {
    // Grey (± alpha or tRNS): dlib ignores alpha for grey images.
    const trans = colorType === 0 && decoded.transColor !== undefined ? decoded.transColor[0] : -1;
    const scale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1;
    const out = new Uint8Array(n * 3);
    for (let i = 0, k = 0, j = 0; i < n; i++, k += 4, j += 3) {
      // pngjs zeroes every channel of a pixel matching tRNS; such a pixel had the tRNS grey value.
      let v = trans >= 0 && src[k + 3] === 0 ? trans : src[k];
      if (bitDepth < 8) v = v * scale;
      else if (bitDepth === 16 && v > 255) v = 255;
      out[j] = v;
      out[j + 1] = v;
      out[j + 2] = v;
    }
    return { width, height, data: out };
  }

  // RGB, RGBA, palette: 8-bit RGBA (16-bit samples reduced to their low byte, as dlib's
  // static_cast<uint8>), then dlib's composite onto black. Pixels matching an RGB tRNS colour
  // arrive from pngjs as (0,0,0,0), i.e. black, which is what dlib's composite gives them too.
  let rgba: Uint8Array;
  if (bitDepth === 16) {
    rgba = new Uint8Array(n * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = src[i] & 0xff;
  } else {
    rgba = src as Uint8Array;
  }
  return rgbaToRgb({ width, height, data: rgba });
}
