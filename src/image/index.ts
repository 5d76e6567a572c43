/**
 * facemetric image I/O: decoding JPEG and PNG files into 8-bit RGB the way dlib's `load_image`
 * into an `array2d<rgb_pixel>` does (dlib/image_io.h, dlib/image_loader/*, dlib/pixel.h,
 * dlib 19.24), plus EXIF orientation, a decompression-bomb guard, clear one-line errors, and
 * safe PNG writing (dlib/image_saver/save_png.h). The folder also holds dlib/image_transforms
 * code: draw.ts, and the face chips and their jitter (chips.ts, jitter.ts), which the landmark
 * stage's entry (src/landmarks/index.ts) exports.
 */
export type { GrayImage, Rgb, RgbImage, RgbaImage } from './pixels.js';
export { channelsOf, grayToRgb, rgbaToRgb, rgbToGray } from './pixels.js';
export { DEFAULT_MAX_PIXELS } from './limits.js';
export type { DecodeOptions, ImageFormat } from './decode.js';
export { decodeImage, detectFormat } from './decode.js';
export { applyOrientation, readExifOrientation } from './exif.js';
export { encodePng, type EncodePngOptions } from './encode.js';
export { annotateFaces, drawLine, drawRectangle, faceShapeSegments, type FaceAnnotation } from './draw.js';
export type { WritePngOptions } from './io.js';
export { readImage, readImageSync, writePng } from './io.js';
