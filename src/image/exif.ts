/**
 * EXIF orientation: a minimal, defensive reader of the Orientation tag (0x0112) in a JPEG's APP1
 * "Exif" segment, and the pixel transform that displays the image upright.
 *
 * dlib's `load_image` ignores EXIF entirely; facemetric honours the Orientation tag by default
 * (as image viewers do) because a face lying on its side is not found by dlib's frontal HOG
 * detector. Pass `applyExifOrientation: false` to decode exactly as dlib does.
 *
 * Only JPEG EXIF is read: a PNG's eXIf chunk is ignored (as by dlib and most decoders).
 *
 * Anything malformed (truncated segment, unknown byte order, offsets out of range, wrong type,
 * value outside 1..8) makes the tag count as absent (orientation 1): bad EXIF never fails a decode.
 */
import { scanJpeg } from './jpeg.js';
import type { RgbImage } from './pixels.js';

/**
 * Reads the Orientation value from an EXIF APP1 payload (`bytes[start, end)` begins with
 * "Exif\0" plus one padding byte, then a TIFF header).
 *
 * Requires: 0 <= start <= end <= bytes.length. Ensures: returns 1..8; 1 when absent or malformed.
 */
export function parseExifOrientation(bytes: Uint8Array, start: number, end: number): number {
  const tiff = start + 6;
  if (end - tiff < 8) return 1;
  let little: boolean;
  if (bytes[tiff] === 0x49 && bytes[tiff + 1] === 0x49) little = true; // "II"
  else if (bytes[tiff] === 0x4d && bytes[tiff + 1] === 0x4d) little = false; // "MM"
  else return 1;
  const u16 = (at: number): number => little ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1];
  const u32 = (at: number): number => little
    ? (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0
    : ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  if (u16(tiff + 2) !== 42) return 1;
  const ifd = tiff + u32(tiff + 4);
  if (ifd < tiff + 8 || ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (u16(entry) !== 0x0112) continue;
    const type = u16(entry + 2);
    const n = u32(entry + 4);
    if (n < 1) return 1;
    // SHORT is what the standard says; accept LONG too (a few writers use it).
    const value = type === 3 ? u16(entry + 8) : type === 4 ? u32(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The EXIF orientation of an encoded image.
 *
 * Requires: nothing (any bytes). Ensures: returns 1..8; 1 for non-JPEG data, a JPEG without EXIF,
 * or unreadable EXIF. Never throws.
 */
export function readExifOrientation(bytes: Uint8Array): number {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return 1;
  const { exif } = scanJpeg(bytes, true);
  return exif === undefined ? 1 : parseExifOrientation(bytes, exif.start, exif.end);
}

/**
 * Transforms decoded pixels so that an image stored with EXIF `orientation` displays upright.
 * 1 identity; 2 mirror left-right; 3 rotate 180°; 4 mirror top-bottom; 5 transpose; 6 rotate 90°
 * clockwise; 7 transverse; 8 rotate 90° anticlockwise. 5–8 swap width and height.
 *
 * Requires: `img` is a well-formed RgbImage; `orientation` is an integer 1..8 (others act as 1).
 * Ensures: returns `img` itself for orientation 1, else a new image; `img` is not modified.
 */
export function applyOrientation(img: RgbImage, orientation: number): RgbImage {
  if (!(orientation >= 2 && orientation <= 8 && Number.isInteger(orientation))) return img;
  const { width: w, height: h, data: src } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(src.length);
  let o = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // (sx, sy): the stored pixel shown at displayed position (x, y).
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const s = (sy * w + sx) * 3;
      out[o++] = src[s];
      out[o++] = src[s + 1];
      out[o++] = src[s + 2];
    }
  }
  return img.warnings !== undefined ? { width: ow, height: oh, data: out, channels: 3, warnings: img.warnings } : { width: ow, height: oh, data: out, channels: 3 };
}
