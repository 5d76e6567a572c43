/**
 * JPEG decoding into an 8-bit RGB image.
 *
 * Mirrors `dlib/image_loader/jpeg_loader.{h,cpp}` (dlib 19.24), which decodes with libjpeg and
 * copies greyscale (r = g = b) or RGB samples into an `array2d<rgb_pixel>`. The decoder is
 * ./jpeg/decoder.ts, a port of libjpeg-turbo 2.1's decompression path with dlib's (default)
 * settings: ISLOW IDCT, fancy upsampling, YCbCr→RGB tables. It gives the very pixels dlib's
 * load_image gives on Debian 12 (libjpeg62-turbo 2.1.5, x86-64): every example image and every
 * generated layout in test/image/fixtures/jpeg is checked for equality (test/parity/jpeg-parity.test.ts).
 *
 * jpeg-js remains as the fallback for the two kinds of file that decoder does not take:
 * - 4-component CMYK/YCCK JPEGs (with an Adobe APP14 marker): jpeg-js converts them to RGB.
 *   dlib would hand the 4th channel over as alpha, which is not a meaningful colour either.
 *   Without the Adobe marker they are refused.
 * - non-integral ratios between sampling factors (e.g. 3x1 luma with 2x1 chroma): libjpeg itself
 *   cannot upsample those ("Fractional sampling not implemented yet") and dlib fails; jpeg-js
 *   decodes them.
 * `decodeJpeg(..., { decoder: 'jpeg-js' })` forces jpeg-js (benchmarks and tests).
 *
 * Damaged files are decoded as libjpeg decodes them (missing data grey, see ./jpeg/decoder.ts);
 * the result then carries libjpeg's warnings in `warnings`. Where libjpeg fails, the error is
 * "corrupt JPEG data (<libjpeg's message>)"; the refusals are libjpeg's, met in libjpeg's order,
 * and the pixel limit is checked on the frame header libjpeg reads, before anything of its size
 * is allocated. Sequential files without Huffman tables (Motion-JPEG frames) get libjpeg's
 * standard tables; arithmetic-coded files are decoded (./jpeg/arith.ts).
 *
 * Deliberate differences from dlib, all in the direction of failing clearly:
 * - Lossless, hierarchical and 12-bit JPEGs are refused with a message naming the process or the
 *   precision (libjpeg refuses them too, in its words).
 * - 4-component JPEGs without an Adobe marker are refused (libjpeg decodes them as CMYK, and dlib
 *   returns the 4th channel as alpha).
 * - jpeg-js, for CMYK/YCCK and non-integral sampling ratios, takes intact files only.
 *
 * The marker structure is also walked here (scanJpeg: segments up to each SOS, entropy-coded data
 * up to the next marker, until EOI): for the EXIF APP1 segment, and for the jpeg-js fallback, whose
 * frame is checked against the pixel limit first; jpeg-js's own `maxResolutionInMP` /
 * `maxMemoryUsageInMB` limits are set from the checked size so they never fire first with a
 * message of their own.
 */
import jpegjs from 'jpeg-js';
import { ImageError } from '../errors.js';
import { decodeJpegExact, JpegDataError, JpegUnsupportedError } from './jpeg/decoder.js';
import { checkDimensions, checkScanPasses, checkScans, resolveMaxScanPasses, resolveMaxScans } from './limits.js';
import type { RgbImage } from './pixels.js';

/** What {@link scanJpeg} learned about a JPEG's structure. */
export interface JpegStructure {
  /** The first frame header, if one was found. */
  frame?: {
    /** The SOFn marker byte (0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...). */
    marker: number;
    precision: number;
    width: number;
    height: number;
    components: number;
    /** Each component's id and sampling factors, when the header holds them. */
    sampling?: { id: number; h: number; v: number }[];
  };
  /** The component ids of each start-of-scan segment walked, in order. */
  scans: number[][];
  /** Number of SOFn segments seen. */
  frameCount: number;
  /** Whether an Adobe APP14 segment was seen (jpeg-js needs it for 4-component images). */
  adobe: boolean;
  /** [start, end) of the payload of the first APP1 segment starting with "Exif\0". */
  exif?: { start: number; end: number };
  /** Whether an EOI marker was reached. */
  complete: boolean;
  /** Whether a segment had an impossible length (< 2). */
  badSegmentAt?: number;
  /** [start, end) runs of extraneous bytes found between segments (libjpeg skips them with a warning). */
  extraneous: Array<[number, number]>;
  /** Whether DQT / DHT segments were seen. */
  quantTables: boolean;
  huffmanTables: boolean;
}

function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/**
 * Walks the marker structure of a JPEG file. Never throws.
 *
 * Requires: `bytes` starts with `FF D8`.
 * Ensures: returns what was found before the data ran out, the first EOI, or (when
 * `stopAtScan`) the first SOS; `complete` is true iff an EOI marker was reached.
 */
export function scanJpeg(bytes: Uint8Array, stopAtScan = false): JpegStructure {
  const out: JpegStructure = {
    frameCount: 0, adobe: false, complete: false, extraneous: [], quantTables: false, huffmanTables: false, scans: [],
  };
  const skip = (from: number, to: number): void => {
    const last = out.extraneous[out.extraneous.length - 1];
    if (last !== undefined && last[1] === from) last[1] = to;
    else out.extraneous.push([from, to]);
  };
  const n = bytes.length;
  let pos = 2;
  while (pos < n) {
    // Find the next marker: like libjpeg's next_marker, skip extraneous bytes and fill bytes.
    if (bytes[pos] !== 0xff) { skip(pos, pos + 1); pos++; continue; }
    if (pos + 1 >= n) break;
    const m = bytes[pos + 1];
    if (m === 0xff) { pos++; continue; }
    if (m === 0x00) { skip(pos, pos + 2); pos += 2; continue; }
    if (m === 0xd9) { out.complete = true; return out; }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) { pos += 2; continue; }
    if (pos + 4 > n) break;
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (length < 2) { out.badSegmentAt ??= pos; pos += 2; continue; }
    const start = pos + 4;
    const end = pos + 2 + length;
    if (end > n) break;
    if (m === 0xdb) out.quantTables = true;
    if (m === 0xc4) out.huffmanTables = true;
    if (isSof(m)) {
      out.frameCount++;
      if (out.frame === undefined && length >= 8) {
        out.frame = {
          marker: m,
          precision: bytes[start],
          height: (bytes[start + 1] << 8) | bytes[start + 2],
          width: (bytes[start + 3] << 8) | bytes[start + 4],
          components: bytes[start + 5],
        };
        const nc = bytes[start + 5];
        if (length >= 8 + 3 * nc) {
          out.frame.sampling = Array.from({ length: nc }, (_, i) => ({ id: bytes[start + 6 + 3 * i], h: bytes[start + 7 + 3 * i] >> 4, v: bytes[start + 7 + 3 * i] & 15 }));
        }
      }
    } else if (m === 0xe1 && out.exif === undefined && end - start >= 6 &&
      bytes[start] === 0x45 && bytes[start + 1] === 0x78 && bytes[start + 2] === 0x69 &&
      bytes[start + 3] === 0x66 && bytes[start + 4] === 0x00) {
      out.exif = { start, end };
    } else if (m === 0xee && end - start >= 5 && bytes[start] === 0x41 && bytes[start + 1] === 0x64 &&
      bytes[start + 2] === 0x6f && bytes[start + 3] === 0x62 && bytes[start + 4] === 0x65) {
      out.adobe = true;
    }
    pos = end;
    if (m === 0xda) {
      const ns = bytes[start];
      if (length >= 6 + 2 * ns) out.scans.push(Array.from({ length: ns }, (_, i) => bytes[start + 1 + 2 * i]));
      if (stopAtScan) return out;
      // Entropy-coded data runs to the next marker other than a stuffed 00 or a restart marker.
      while (pos + 1 < n) {
        if (bytes[pos] === 0xff) {
          const next = bytes[pos + 1];
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
          pos += next === 0xff ? 1 : 2;
        } else {
          pos++;
        }
      }
      if (pos + 1 >= n) break;
    }
  }
  return out;
}

/**
 * The passes over the image the walked scans ask for together (limits.ts maxScanPasses): the
 * blocks each covers, as the decoder visits them (an interleaved scan every block of its
 * components' MCUs, a single-component scan that component's blocks), over the frame's blocks.
 * Scans naming components the frame lacks count nothing (the decoder refuses them); 0 without a
 * usable frame header.
 */
export function scanPasses(info: JpegStructure): number {
  const f = info.frame;
  if (f === undefined || f.sampling === undefined || f.width === 0 || f.height === 0) return 0;
  const comps = f.sampling;
  if (comps.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) return 0;
  const maxH = Math.max(...comps.map((c) => c.h));
  const maxV = Math.max(...comps.map((c) => c.v));
  const mcus = Math.ceil(f.width / (8 * maxH)) * Math.ceil(f.height / (8 * maxV));
  const own = (c: { h: number; v: number }): number => Math.ceil(Math.ceil((f.width * c.h) / maxH) / 8) * Math.ceil(Math.ceil((f.height * c.v) / maxV) / 8);
  const frameBlocks = comps.reduce((n, c) => n + own(c), 0);
  let blocks = 0;
  for (const ids of info.scans) {
    const cs = ids.map((id) => comps.find((c) => c.id === id)).filter((c) => c !== undefined);
    if (cs.length === 1) blocks += own(cs[0]!);
    else for (const c of cs) blocks += mcus * c.h * c.v;
  }
  return blocks / frameBlocks;
}

function processName(marker: number): string | undefined {
  switch (marker) {
    case 0xc0: case 0xc1: case 0xc2: case 0xc9: case 0xca: return undefined; // supported
    case 0xc3: return 'lossless JPEG';
    case 0xc5: case 0xc6: case 0xc7: return 'hierarchical (differential) JPEG';
    case 0xcb: return 'lossless arithmetic-coded JPEG';
    case 0xcd: case 0xce: case 0xcf: return 'arithmetic-coded hierarchical JPEG';
    default: return `JPEG frame type 0x${marker.toString(16)}`;
  }
}

/** Rewords jpeg-js's error messages; those from its internals (TypeError) get context. */
function describeJpegJsError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const marker = /^unexpected marker: ([0-9a-f]+)/i.exec(message);
  if (marker) return `image data ends early, at marker ${marker[1]}`;
  if (message === 'invalid huffman sequence') return 'invalid Huffman code in the image data';
  if (message === 'marker was not found') return 'no marker after the image data';
  if (err instanceof RangeError) return `out of memory: ${message}`;
  if (!(err instanceof Error) || err.constructor !== Error) return `the decoder failed: ${message}`;
  return message;
}

/** Options of {@link decodeJpeg}. */
export interface DecodeJpegOptions {
  /**
   * 'libjpeg' (default): the libjpeg-turbo port, dlib's exact pixels, with jpeg-js only for what
   * it does not take (see the file header). 'jpeg-js': jpeg-js for everything (pixels differ from
   * dlib's by up to ~32 levels at colour edges).
   */
  decoder?: 'libjpeg' | 'jpeg-js';
  /** The most scans accepted (default: limits.ts resolveMaxScans). */
  maxScans?: number;
  /** The most passes over the image the scans may ask for (default: limits.ts resolveMaxScanPasses). */
  maxScanPasses?: number;
}

/**
 * Decodes a JPEG into 8-bit RGB (greyscale JPEGs give r = g = b). Does not apply EXIF orientation.
 *
 * Requires: `bytes` starts with `FF D8 FF`; `maxPixels > 0`.
 * Ensures: returns an RgbImage with the SOFn width and height; or throws an ImageError naming
 * `file` (truncated, corrupt, unsupported, too large, zero size). Never throws a raw decoder error.
 */
export function decodeJpeg(bytes: Uint8Array, maxPixels: number, file: string | undefined, opts: DecodeJpegOptions = {}): RgbImage {
  const fail: (problem: string, cause?: unknown) => never = (problem, cause) => {
    throw new ImageError(problem, { file, cause });
  };
  const info = scanJpeg(bytes);
  const frame = info.frame;
  // The frame facemetric refuses, named as the user sees it (libjpeg fails on it too).
  const refuseFrame = (marker: number, precision: number, components: number): void => {
    const unsupported = processName(marker);
    if (unsupported !== undefined) fail(`unsupported ${unsupported}; facemetric reads baseline and progressive JPEG`);
    if (precision !== 8) fail(`unsupported JPEG with ${precision}-bit samples; facemetric reads 8-bit JPEG`);
    if (components === 4 && !info.adobe) fail('unsupported JPEG colour space (4 components without an Adobe marker)');
    if (components !== 1 && components !== 3 && components !== 4) fail(`unsupported JPEG colour space (${components} components)`);
  };

  // The bound on work (limits.ts): refused at once when the file holds more start-of-scan
  // markers than the limit allows (FF DA occurs only as a marker in the entropy-coded data), and
  // again at the decoder's scan count (for markers hidden in segments it skips).
  const maxScans = resolveMaxScans(opts.maxScans);
  const maxScanPasses = resolveMaxScanPasses(opts.maxScanPasses);
  let sosMarkers = 0;
  for (let i = bytes.indexOf(0xff); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] === 0xda) sosMarkers++;
  }
  checkScans(sosMarkers, maxScans, file);
  checkScanPasses(scanPasses(info), maxScanPasses, file);

  if (opts.decoder !== 'jpeg-js') {
    // libjpeg's reading decides what is refused and why (the structure walk above may find a
    // frame header libjpeg never reaches); the pixel limit is checked on the frame it reads.
    try {
      const { width, height, data, warnings } = decodeJpegExact(bytes, {
        checkSize: (w, h) => checkDimensions(w, h, maxPixels, file),
        checkScans: (n) => checkScans(n, maxScans, file),
        checkPasses: (p) => checkScanPasses(p, maxScanPasses, file),
      });
      return warnings.length > 0 ? { width, height, data, channels: 3, warnings } : { width, height, data, channels: 3 };
    } catch (err) {
      if (err instanceof ImageError) throw err;
      if (err instanceof JpegDataError) {
        const sof = /^Unsupported JPEG process: SOF type 0x([0-9a-f]{2})$/.exec(err.message);
        if (sof) refuseFrame(parseInt(sof[1], 16), 8, 3);
        fail(`corrupt JPEG data (${err.message})`, err);
      }
      if (!(err instanceof JpegUnsupportedError)) {
        if (err instanceof RangeError) fail(`corrupt JPEG data (out of memory: ${err.message})`, err);
        fail(`corrupt JPEG data (the decoder failed: ${err instanceof Error ? err.message : String(err)})`, err);
      }
      if (err.kind === 'precision') refuseFrame(0xc0, err.value, 3);
      if (err.kind === 'components') refuseFrame(0xc0, 8, err.value);
      if (!err.fallback) fail(`unsupported JPEG (${err.message})`, err);
      // CMYK/YCCK with an Adobe marker, or non-integral sampling ratios: jpeg-js below.
    }
  }

  if (frame !== undefined) {
    checkDimensions(frame.width, frame.height, maxPixels, file);
    refuseFrame(frame.marker, frame.precision, frame.components);
  }
  // jpeg-js takes only intact files.
  if (frame === undefined) {
    if (!info.complete) fail('truncated JPEG (no end-of-image marker)');
    fail('corrupt JPEG (no frame header)');
  }
  if (info.frameCount > 1) fail('unsupported JPEG (more than one frame)');
  if (!info.complete) fail('truncated JPEG (no end-of-image marker)');
  if (info.badSegmentAt !== undefined) fail(`corrupt JPEG (bad segment length at byte ${info.badSegmentAt})`);
  if (!info.quantTables) fail('corrupt JPEG (no quantisation tables)');
  if (!info.huffmanTables) fail('unsupported JPEG without Huffman tables (a Motion-JPEG frame?)');

  // jpeg-js, unlike libjpeg, stops at stray bytes between segments: leave them out.
  let input = bytes;
  if (info.extraneous.length > 0) {
    const kept: Uint8Array[] = [];
    let from = 0;
    for (const [a, b] of info.extraneous) { kept.push(bytes.subarray(from, a)); from = b; }
    kept.push(bytes.subarray(from));
    input = new Uint8Array(Buffer.concat(kept));
  }

  // jpeg-js's own limits, set from the size checked above so that they cannot fire first:
  // per component ~4 bytes/pixel of coefficient blocks + 1 byte/pixel of sample lines (MCU
  // padding adds at most 32 pixels each way), then 1 byte/pixel/component and 3 bytes/pixel of
  // output; plus tables, whose number is bounded by the file size.
  const { width, height, components } = frame;
  const padded = (width + 40) * (height + 40);
  const estimate = padded * components * 5 + width * height * (components + 3) + input.length * 8 + (4 << 20);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpegjs.decode(input, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: (width * height) / 1e6 + 1,
      maxMemoryUsageInMB: Math.ceil(estimate / (1 << 20)) + 16,
    });
  } catch (err) {
    fail(`corrupt JPEG data (${describeJpegJsError(err)})`, err);
  }
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 3) {
    fail(`corrupt JPEG (decoded ${decoded.width}x${decoded.height}, header says ${width}x${height})`);
  }
  return { width, height, data: decoded.data, channels: 3 };
}
