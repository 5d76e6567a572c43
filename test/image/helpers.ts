/**
 * Test helpers: a tiny independent PNG writer (every colour type, bit depth, palette, tRNS,
 * Adam7 interlacing) built on node:zlib and its own CRC-32, plus JPEG/EXIF builders.
 */
import { deflateSync } from 'node:zlib';
import jpegjs from 'jpeg-js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (0xedb88320 ^ (c >>> 1)) : (c >>> 1);
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function u32be(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export const PNG_SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk: length, type, data, CRC over type + data. */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const typeBytes = Uint8Array.from(type, (c) => c.charCodeAt(0));
  return concat(u32be(data.length), typeBytes, data, u32be(crc32(concat(typeBytes, data))));
}

export function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Uint8Array {
  return chunk('IHDR', concat(u32be(width), u32be(height), Uint8Array.of(bitDepth, colorType, 0, 0, interlace)));
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Packs one row of raw samples (filter byte 0 first) at the given bit depth. */
function packRow(samples: number[], bitDepth: number): number[] {
  const out: number[] = [0];
  if (bitDepth === 16) {
    for (const s of samples) out.push(s >> 8, s & 0xff);
  } else if (bitDepth === 8) {
    out.push(...samples);
  } else {
    const perByte = 8 / bitDepth;
    for (let i = 0; i < samples.length; i += perByte) {
      let byte = 0;
      for (let j = 0; j < perByte; j++) byte |= (samples[i + j] ?? 0) << (8 - bitDepth * (j + 1));
      out.push(byte);
    }
  }
  return out;
}

const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const; // [x0, y0, dx, dy]

export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Raw samples, row-major, channels interleaved (palette: indices). */
  samples: number[];
  interlace?: boolean;
  palette?: Array<[number, number, number]>;
  /** Raw tRNS chunk content. */
  trns?: number[];
}

/** The filtered, uncompressed image data (filter type 0 on every row; Adam7 passes if interlaced). */
export function rawImageData(spec: PngSpec): Uint8Array {
  const ch = CHANNELS[spec.colorType];
  const { width, height, samples } = spec;
  const rows: number[] = [];
  const passes = spec.interlace === true ? ADAM7 : [[0, 0, 1, 1]] as const;
  for (const [x0, y0, dx, dy] of passes) {
    for (let y = y0; y < height; y += dy) {
      const row: number[] = [];
      for (let x = x0; x < width; x += dx) {
        for (let c = 0; c < ch; c++) row.push(samples[(y * width + x) * ch + c]);
      }
      if (row.length > 0) rows.push(...packRow(row, spec.bitDepth));
    }
  }
  return Uint8Array.from(rows);
}

/** Builds a complete PNG file from a spec. */
export function buildPng(spec: PngSpec): Uint8Array {
  const parts = [PNG_SIG, ihdr(spec.width, spec.height, spec.bitDepth, spec.colorType, spec.interlace === true ? 1 : 0)];
  if (spec.palette) parts.push(chunk('PLTE', Uint8Array.from(spec.palette.flat())));
  if (spec.trns) parts.push(chunk('tRNS', Uint8Array.from(spec.trns)));
  parts.push(chunk('IDAT', deflateSync(rawImageData(spec))));
  parts.push(chunk('IEND'));
  return concat(...parts);
}

/** The IHDR fields of a PNG (to check what an encoder really wrote). */
export function readIhdr(png: Uint8Array): { width: number; height: number; bitDepth: number; colorType: number; interlace: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') throw new Error('no IHDR');
  return {
    width: view.getUint32(16), height: view.getUint32(20),
    bitDepth: png[24], colorType: png[25], interlace: png[28],
  };
}

/** Byte offset of the first chunk of the given type (its length field). */
export function findChunk(png: Uint8Array, type: string): number {
  let pos = 8;
  while (pos + 8 <= png.length) {
    const len = new DataView(png.buffer, png.byteOffset).getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) === type) return pos;
    pos += 12 + len;
  }
  throw new Error(`no ${type} chunk`);
}

/** An RGB image made of four solid quadrants (top-left, top-right, bottom-left, bottom-right). */
export function quadrants(width: number, height: number, colors: [number, number, number][]): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      out.set(colors[q], (y * width + x) * 3);
    }
  }
  return out;
}

/** Encodes RGB pixels as a baseline JPEG with jpeg-js. */
export function encodeJpeg(width: number, height: number, rgb: Uint8Array, quality = 100): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  const { data } = jpegjs.encode({ width, height, data: rgba }, quality);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A TIFF block whose IFD0 holds the given entries [tag, type, count, value-bytes(4)]. */
export function tiff(entries: Array<[number, number, number, number]>, littleEndian: boolean): Uint8Array {
  const size = 8 + 2 + entries.length * 12 + 4;
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  buf.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
  v.setUint16(2, 42, littleEndian);
  v.setUint32(4, 8, littleEndian);
  v.setUint16(8, entries.length, littleEndian);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    v.setUint16(at, tag, littleEndian);
    v.setUint16(at + 2, type, littleEndian);
    v.setUint32(at + 4, count, littleEndian);
    if (type === 3) v.setUint16(at + 8, value, littleEndian);
    else v.setUint32(at + 8, value, littleEndian);
  });
  return buf;
}

/** An APP1 EXIF segment (marker included) around the given TIFF block. */
export function app1Exif(tiffBlock: Uint8Array): Uint8Array {
  const payload = concat(Uint8Array.of(0x45, 0x78, 0x69, 0x66, 0, 0), tiffBlock);
  const len = payload.length + 2;
  return concat(Uint8Array.of(0xff, 0xe1, len >> 8, len & 0xff), payload);
}

/** An APP1 EXIF segment whose IFD0 has just an Orientation tag. */
export function exifOrientationSegment(orientation: number, littleEndian = true): Uint8Array {
  // Put a harmless tag before Orientation so the parser has to walk the IFD.
  return app1Exif(tiff([[0x010f, 2, 4, 0x41424300], [0x0112, 3, 1, orientation]], littleEndian));
}

/** Inserts segments right after the SOI marker of a JPEG. */
export function insertAfterSoi(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2));
}

/** Byte offset of the first marker `FF code` at a segment boundary (walks segments until SOS). */
export function findMarker(jpeg: Uint8Array, code: number): number {
  let pos = 2;
  while (pos + 4 <= jpeg.length) {
    if (jpeg[pos] !== 0xff) throw new Error(`no marker at ${pos}`);
    if (jpeg[pos + 1] === code) return pos;
    if (jpeg[pos + 1] === 0xda) break;
    pos += 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3]);
  }
  throw new Error(`no marker ff${code.toString(16)}`);
}

/**
 * A baseline greyscale JPEG of any size whose every pixel is 128, built directly: one-code
 * Huffman tables (DC difference 0 = "0", end-of-block = "0"), so each 8x8 block costs two bits
 * and the file stays small (an 8000x8000 image is about 250 KB) however large the image.
 */
export function uniformGreyJpeg(width: number, height: number): Uint8Array {
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const oneCodeTable = (tableClass: number): number[] => [(tableClass << 4) | 0, 1, ...new Array(15).fill(0), 0];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const header = [
    0xff, 0xd8,
    ...seg(0xdb, [0, ...new Array(64).fill(1)]),
    ...seg(0xc4, [...oneCodeTable(0), ...oneCodeTable(1)]),
    ...seg(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
  ];
  return concat(Uint8Array.from(header), new Uint8Array(Math.ceil((blocks * 2) / 8)), Uint8Array.of(0xff, 0xd9));
}
