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
 * lengths, every CRC, an IDAT, PLTE for palette images, no unknown critical chunk, IEND), and the
 * IHDR dimensions are checked against the pixel limit, so errors are specific and a decompression
 * bomb is never inflated. The zlib stream is then inflated here once to check it (pngjs's own
 * synchronous inflate silently accepts damaged or short data). Like libpng, and so like dlib:
 * - a damaged zlib stream (bad header, bad data, bad Adler-32) or one that ends before the image
 *   does is an error ("corrupt PNG (...)");
 * - surplus data after the image's last row is ignored (up to 1 MiB of it; more is an error);
 * - palette indices beyond the PLTE entries show as black.
 */
import * as zlib from 'node:zlib';
import { crc32 } from './crc32.js';
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

export { crc32 } from './crc32.js';

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

/** Where the chunks that matter for decoding are, as [start, end) ranges of their data. */
export interface PngStructure {
  header: PngHeader;
  plte?: [number, number];
  trns?: [number, number];
  idat: Array<[number, number]>;
}

/**
 * Walks and validates the chunk structure of a PNG file, checking the declared size against
 * `maxPixels` as soon as IHDR has been read.
 *
 * Requires: `bytes` starts with the 8-byte PNG signature.
 * Ensures: returns the IHDR fields and chunk locations of a structurally sound PNG whose size
 * is within the limit; otherwise throws an ImageError ("truncated PNG ...", "corrupt PNG ...",
 * "unsupported PNG ...", size errors).
 */
export function checkPngStructure(bytes: Uint8Array, maxPixels: number, file: string | undefined): PngStructure {
  const fail: (problem: string) => never = (problem) => { throw new ImageError(problem, { file }); };
  const truncated: () => never = () => fail('truncated PNG (file ends before the IEND chunk)');
  let header: PngHeader | undefined;
  const out: Omit<PngStructure, 'header'> = { idat: [] };
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
      if (length === 0 || length % 3 !== 0 || length / 3 > 256) fail(`corrupt PNG (invalid PLTE chunk of ${length} bytes)`);
      out.plte ??= [dataStart, dataEnd];
    } else if (name === 'tRNS') {
      out.trns ??= [dataStart, dataEnd];
    } else if (name === 'IDAT') {
      if (header.colorType === 3 && out.plte === undefined) fail('corrupt PNG (palette image without a PLTE chunk before its data)');
      out.idat.push([dataStart, dataEnd]);
    } else if (name === 'IEND') {
      if (out.idat.length === 0) fail('corrupt PNG (no IDAT image data)');
      return { header, ...out };
    } else if (name === 'IHDR') {
      fail('corrupt PNG (more than one IHDR chunk)');
    } else if ((bytes[pos + 4] & 0x20) === 0) {
      // Upper-case first letter: a critical chunk we (and libpng) do not know.
      fail(`unsupported PNG (unknown critical chunk ${name})`);
    }
    pos = dataEnd + 4;
  }
}

/**
 * Bytes of filtered image data (filter bytes included) that a PNG with this header inflates to.
 *
 * Requires: a valid header (colour type and bit depth allowed together). Ensures: returns the sum
 * over the (Adam7) passes of rows * (1 + bytes per row); 0 for an empty image.
 */
export function expectedDataLength(h: PngHeader): number {
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[h.colorType];
  const bitsPerPixel = channels * h.bitDepth;
  const rows = (w: number, n: number): number => (w > 0 && n > 0 ? n * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (h.interlace === 0) return rows(h.width, h.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]) {
    total += rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
  }
  return total;
}

function concatRanges(bytes: Uint8Array, ranges: Array<[number, number]>): Buffer {
  if (ranges.length === 1) return Buffer.from(bytes.buffer, bytes.byteOffset + ranges[0][0], ranges[0][1] - ranges[0][0]);
  return Buffer.concat(ranges.map(([a, b]) => bytes.subarray(a, b)));
}

/** Extra inflated bytes tolerated after the image data (libpng ignores such data with a warning). */
const EXTRA_DATA_ALLOWANCE = 1 << 20;

/**
 * Inflates the IDAT data and checks that it holds the whole image.
 *
 * Ensures: returns exactly the image's filtered data when the stream held more than needed (up
 * to EXTRA_DATA_ALLOWANCE extra), or undefined when it held exactly what is needed; throws an
 * ImageError when the zlib stream is damaged, ends early, or has far too much data.
 */
function checkImageData(bytes: Uint8Array, s: PngStructure, file: string | undefined): Buffer | undefined {
  const expected = expectedDataLength(s.header);
  let inflated: Buffer;
  try {
    // Z_SYNC_FLUSH: a stream cut short returns what it has instead of throwing, so that the
    // check below can say how much was missing; a damaged stream still throws.
    inflated = zlib.inflateSync(concatRanges(bytes, s.idat), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: expected + EXTRA_DATA_ALLOWANCE,
    });
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e?.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageError('corrupt PNG (far more compressed image data than its size needs)', { file, cause: err });
    }
    throw new ImageError(`corrupt PNG (bad compressed image data: ${String(e?.message ?? err)})`, { file, cause: err });
  }
  if (inflated.length < expected) {
    throw new ImageError(`corrupt PNG (image data ends early: ${inflated.length} of ${expected} bytes)`, { file });
  }
  return inflated.length > expected ? inflated.subarray(0, expected) : undefined;
}

/**
 * A minimal PNG with the same header and palette/transparency as the original and `data` as its
 * only IDAT (stored, not compressed). `paletteEntries` pads PLTE with black entries.
 */
function rebuildPng(bytes: Uint8Array, s: PngStructure, data: Uint8Array, paletteEntries?: number): Buffer {
  const chunk = (name: string, body: Uint8Array): Buffer => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(name, 4, 'latin1');
    out.set(body, 8);
    out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
    return out;
  };
  const parts: Buffer[] = [Buffer.from(bytes.subarray(0, 8 + 25))]; // signature + IHDR
  if (s.plte) {
    const plte = bytes.subarray(s.plte[0], s.plte[1]);
    const padded = new Uint8Array(Math.max(plte.length, (paletteEntries ?? 0) * 3));
    padded.set(plte);
    parts.push(chunk('PLTE', padded));
  }
  if (s.trns) parts.push(chunk('tRNS', bytes.subarray(s.trns[0], s.trns[1])));
  parts.push(chunk('IDAT', zlib.deflateSync(data, { level: 0 })), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

type PngjsResult = { width: number; height: number; data: Uint8Array | Uint16Array; transColor?: number[] };

function runPngjs(buffer: Buffer, file: string | undefined): PngjsResult {
  try {
    return PNG.sync.read(buffer, { skipRescale: true }) as unknown as PngjsResult;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError) throw new ImageError(`out of memory decoding PNG (${message})`, { file, cause: err });
    const filter = /^Unrecognised filter type - (\d+)/.exec(message);
    throw new ImageError(`corrupt PNG (${filter ? `unknown row filter type ${filter[1]}` : message})`, { file, cause: err });
  }
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
  const structure = checkPngStructure(bytes, maxPixels, file);
  const { width, height, bitDepth, colorType } = structure.header;
  // pngjs's own inflate does not report zlib errors or short data, so check the data here.
  const trimmed = checkImageData(bytes, structure, file);
  let decoded: PngjsResult;
  try {
    decoded = runPngjs(trimmed === undefined
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : rebuildPng(bytes, structure, trimmed), file);
  } catch (err) {
    // libpng (so dlib) shows out-of-range palette indices as black; pngjs refuses them. Retry
    // with the palette padded with black to every index the bit depth allows.
    if (!(colorType === 3 && err instanceof ImageError && /not in palette/.test(err.message))) throw err;
    const data = trimmed ?? zlib.inflateSync(concatRanges(bytes, structure.idat), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
      .subarray(0, expectedDataLength(structure.header));
    decoded = runPngjs(rebuildPng(bytes, structure, data, 1 << bitDepth), file);
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
    return { width, height, data: out, channels: 3 };
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
