/**
 * Aligned face chips, as dlib 19.24's `get_face_chip_details` and `extract_image_chip`
 * (dlib/image_transforms/interpolation.h, dlib/geometry/point_transforms.h,
 * dlib/geometry/drectangle.h, dlib/image_transforms/image_pyramid.h `pyramid_down<2>`).
 *
 * Numerics: double precision in dlib's order of operations. dlib fits two transforms with an SVD:
 * the similarity fit of `get_face_chip_details` (`find_similarity_transform`, Umeyama on a 2x2
 * covariance, src/geometry/point-transforms.ts) runs src/linalg/svd-lapack.ts's port of what the linked
 * dlib runs (LAPACK's dgesvd path for a 2x2), bit-identical; the chip->image affine map (`find_affine_transform`, `Q*pinv(P)`) uses
 * dlib's own pinv(P) values for common chip sizes (PINV_CHIP), so that given dlib's chip_details
 * the chips are bit-identical. Pixels go through dlib's bilinear interpolation, whose result is
 * truncated (not rounded) to unsigned char per channel (`vector_to_pixel` is a static_cast).
 */
import {
  applyAffine, findSimilarityTransform, PyramidDown, rectArea, rectHeight, rectWidth,
  type Point, type PointTransformAffine, type Rect,
} from '../geometry/index.js';
import { channelsOf, type GrayImage, type RgbImage } from './pixels.js';
import { atan2 } from '../linalg/atan2.js';

/** dlib's `chip_details`. */
export interface ChipDetails {
  /** A dlib drectangle: inclusive double corners [left, top, right, bottom]. */
  rect: Rect;
  angle: number;
  rows: number;
  cols: number;
}

// The 5-point template (dlib's shape_predictor_5_face_landmarks order).
const FIVE_POINT_TEMPLATE: readonly Point[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];

// dlib's mean face shape for points 17..67.
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825,
  0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985,
  0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379,
  0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758,
  0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233,
  0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805,
  0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** `chip_details(chip_points, img_points, chip_dims(rows, cols))`. */
export function chipDetailsFromPoints(chipPoints: readonly Point[], imgPoints: readonly Point[], rows: number, cols: number): ChipDetails {
  // find_similarity_transform exactly as the linked dlib computes it (src/geometry/point-transforms.ts)
  const t = findSimilarityTransform(chipPoints, imgPoints);
  const px = t.m[0];
  const py = t.m[2];
  // Correctly rounded (src/linalg/atan2.ts), as glibc's std::atan2 is but for rare near-midpoint
  // cases; V8's fdlibm Math.atan2 is one ulp off glibc's for about 1 chip angle in 4.
  const angle = atan2(py, px);
  const scale = Math.sqrt(px * px + py * py);
  const [cx, cy] = applyAffine(t, [cols / 2.0, rows / 2.0]);
  // centered_drect(p, w, h): w--, h--, then p +- w/2.
  const w = cols * scale - 1;
  const h = rows * scale - 1;
  return { rect: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], angle, rows, cols };
}

/**
 * dlib's `get_face_chip_details(det, size, padding)` for a 68- or 5-point shape (points as
 * dlib's full_object_detection parts, integers). dlib's own defaults are size 200, padding 0.2;
 * dlib's face recognition example (and this library) uses 150 and 0.25.
 */
export function getFaceChipDetails(points: readonly (readonly [number, number])[], size = 150, padding = 0.25): ChipDetails {
  if (points.length !== 68 && points.length !== 5) {
    throw new RangeError(`getFaceChipDetails: need a 5 or 68 point shape, got ${points.length} points`);
  }
  if (!(padding >= 0) || !Number.isInteger(size) || size <= 0) {
    throw new RangeError(`getFaceChipDetails: invalid size ${size} or padding ${padding}`);
  }
  const from: Point[] = [];
  const to: Point[] = [];
  const k = 2 * padding + 1;
  if (points.length === 5) {
    for (let i = 0; i < 5; i++) {
      const [x, y] = FIVE_POINT_TEMPLATE[i]!;
      // dlib: p = (padding + p) / (2*padding + 1) on a dlib::vector, a matrix expression whose
      // division by a scalar is a multiplication by its reciprocal; then p*size.
      const invK = 1 / k;
      from.push([(padding + x) * invK * size, (padding + y) * invK * size]);
      to.push([points[i]![0], points[i]![1]]);
    }
  } else {
    for (let i = 17; i < 68; i++) {
      if ((i >= 55 && i <= 59) || (i >= 65 && i <= 67) || i <= 26) continue;
      from.push([((padding + MEAN_FACE_X[i - 17]!) / k) * size, ((padding + MEAN_FACE_Y[i - 17]!) / k) * size]);
      to.push([points[i]![0], points[i]![1]]);
    }
  }
  return chipDetailsFromPoints(from, to, size, size);
}

// ---------------------------------------------------------------------------------------------
// geometry helpers (dlib drectangle semantics)

/** The maps of pyramid_down<2>, the pyramid extract_image_chip shrinks big crops with. */
const PYRAMID2 = new PyramidDown(2);

function rotatePoint(cx: number, cy: number, x: number, y: number, sinA: number, cosA: number): Point {
  const px = x - cx;
  const py = y - cy;
  return [cosA * px - sinA * py + cx, sinA * px + cosA * py + cy];
}

function rotatedCorners(r: Readonly<Rect>, angle: number): Point[] {
  const [left, top, right, bottom] = r;
  const cx = (left + right) / 2.0;
  const cy = (top + bottom) / 2.0;
  const s = Math.sin(angle);
  const c = Math.cos(angle);
  return [
    rotatePoint(cx, cy, left, top, s, c),
    rotatePoint(cx, cy, right, top, s, c),
    rotatePoint(cx, cy, left, bottom, s, c),
    rotatePoint(cx, cy, right, bottom, s, c),
  ];
}

const roundHalfUp = (v: number): number => Math.floor(v + 0.5);

type AnyImage = RgbImage | GrayImage;

interface Plane {
  w: number;
  h: number;
  ch: number;
  data: Uint8Array;
}

/**
 * A w x h window of an image held in `data`: pixel (x, y), channel k is at
 * data[off + y * stride + x * ch + k]. Lets the crop dlib takes before its pyramid (a sub_image
 * view in dlib too) be read in place instead of copied.
 */
interface View {
  w: number;
  h: number;
  ch: number;
  data: Uint8Array;
  off: number;
  stride: number;
}

// Scratch for pyramid_down's horizontal pass, reused between calls (grown as needed).
let rowSums = new Uint16Array(0);

/**
 * dlib's pyramid_down<2> of a view: 5x5 [1 4 6 4 1]^2 filter, every other pixel, /256 truncated.
 * All sums are integers (at most 256 * 255), so the separable passes give dlib's values exactly.
 */
function pyramidDown2View(v: View): Plane {
  const { w, h, ch, data, off, stride } = v;
  if (h <= 8 || w <= 8) return { w: 0, h: 0, ch, data: new Uint8Array(0) };
  const ow = (w - 3) >> 1;
  const oh = (h - 3) >> 1;
  const rs = ow * ch; // values per row of the horizontal pass and of the output
  const nRows = 2 * oh + 3; // the vertical pass reads rows 0 .. 2*oh + 2
  if (rowSums.length < nRows * rs) rowSums = new Uint16Array(nRows * rs);
  const t = rowSums;
  // horizontal [1 4 6 4 1] at every other column (each sum <= 16 * 255, fits 16 bits)
  for (let r = 0; r < nRows; r++) {
    let s = off + r * stride;
    let o = r * rs;
    if (ch === 3) {
      // column c reads pixels 2c .. 2c+4; pixels 2c+2 .. 2c+4 are read again by column c+1
      let r2 = data[s]!;
      let g2 = data[s + 1]!;
      let b2 = data[s + 2]!;
      let r3 = data[s + 3]!;
      let g3 = data[s + 4]!;
      let b3 = data[s + 5]!;
      let r4 = data[s + 6]!;
      let g4 = data[s + 7]!;
      let b4 = data[s + 8]!;
      for (let c = 0; c < ow; c++, s += 6, o += 3) {
        const r0 = r2;
        const g0 = g2;
        const b0 = b2;
        const r1 = r3;
        const g1 = g3;
        const b1 = b3;
        r2 = r4;
        g2 = g4;
        b2 = b4;
        r3 = data[s + 9]!;
        g3 = data[s + 10]!;
        b3 = data[s + 11]!;
        r4 = data[s + 12]!;
        g4 = data[s + 13]!;
        b4 = data[s + 14]!;
        t[o] = r0 + 4 * r1 + 6 * r2 + 4 * r3 + r4;
        t[o + 1] = g0 + 4 * g1 + 6 * g2 + 4 * g3 + g4;
        t[o + 2] = b0 + 4 * b1 + 6 * b2 + 4 * b3 + b4;
      }
    } else if (ch === 1) {
      let p2 = data[s]!;
      let p3 = data[s + 1]!;
      let p4 = data[s + 2]!;
      for (let c = 0; c < ow; c++, s += 2, o++) {
        const p0 = p2;
        const p1 = p3;
        p2 = p4;
        p3 = data[s + 3]!;
        p4 = data[s + 4]!;
        t[o] = p0 + 4 * p1 + 6 * p2 + 4 * p3 + p4;
      }
    } else {
      for (let c = 0; c < ow; c++, s += 2 * ch) {
        for (let k = 0; k < ch; k++, o++) {
          t[o] = data[s + k]! + 4 * data[s + ch + k]! + 6 * data[s + 2 * ch + k]! + 4 * data[s + 3 * ch + k]! + data[s + 4 * ch + k]!;
        }
      }
    }
  }
  // vertical [1 4 6 4 1] at every other row (output row dr is centred on row 2 + 2*dr)
  const out = new Uint8Array(oh * rs);
  for (let dr = 0; dr < oh; dr++) {
    const r0 = 2 * dr * rs;
    const r1 = r0 + rs;
    const r2 = r1 + rs;
    const r3 = r2 + rs;
    const r4 = r3 + rs;
    const o = dr * rs;
    for (let i = 0; i < rs; i++) {
      out[o + i] = (t[r0 + i]! + 4 * t[r1 + i]! + 6 * t[r2 + i]! + 4 * t[r3 + i]! + t[r4 + i]!) >>> 8;
    }
  }
  return { w: ow, h: oh, ch, data: out };
}

/** dlib's pyramid_down<2> image operator: 5x5 [1 4 6 4 1]^2 filter, every other pixel, /256 truncated. */
export function pyramidDown2(img: Plane): Plane {
  return pyramidDown2View({ ...img, off: 0, stride: img.w * img.ch });
}

/**
 * `pinv(P)` (row-major 3x3) for extract_image_chips' P = [[0, cols-1, 0], [0, 0, rows-1], [1, 1, 1]]
 * (the chip corners tl, tr, bl with a 1 appended), as dlib 19.24 computes it (an SVD via
 * Debian's LAPACK), printed bit for bit, for the chip sizes this library and its tests use.
 * Its ~1e-16 errors decide truncations where a sample falls exactly on a pixel row or column.
 * Other sizes use the exact inverse (a one-grey-level difference from dlib is then possible).
 */
export const PINV_CHIP: ReadonlyMap<string, readonly number[]> = new Map([
  ['150x150', [-0.0067114093959731525, -0.0067114093959731542, 0.99999999999999967, 0.0067114093959731542, 1.5442469419629963e-19, 0, -8.4189781001157114e-19, 0.006711409395973156, 1.92242597708836e-17]],
  ['200x200', [-0.0050251256281407027, -0.0050251256281407036, 0.99999999999999989, 0.0050251256281407019, -5.4871853114317644e-19, -1.3552527156068805e-20, -1.8600314126112402e-19, 0.0050251256281407019, 1.4104792637678609e-17]],
  ['151x151', [-0.0066666666666666645, -0.0066666666666666654, 0.99999999999999967, 0.0066666666666666636, 1.8375320999497978e-19, -1.3552527156068805e-20, -5.9011726644023037e-19, 0.0066666666666666671, 1.1608417135530735e-16]],
  ['80x100', [-0.010101010101010098, -0.012658227848101266, 0.99999999999999967, 0.010101010101010104, -8.4703294725430034e-22, 0, -1.0708614035662492e-18, 0.012658227848101266, 1.0603497246908233e-16]],
  ['40x40', [-0.025641025641025637, -0.02564102564102564, 0.99999999999999967, 0.025641025641025637, -2.4191260973582818e-18, -2.1684043449710089e-19, -5.0517044974246472e-18, 0.025641025641025644, -9.9963440303163509e-17]],
  ['31x31', [-0.033333333333333319, -0.033333333333333326, 0.99999999999999944, 0.033333333333333326, 7.3996798272135678e-18, 2.1684043449710089e-19, 3.2322777267224101e-18, 0.033333333333333326, -8.3483567281383841e-17]],
  ['25x25', [-0.041666666666666644, -0.041666666666666657, 0.99999999999999933, 0.04166666666666665, 2.5478751053409354e-18, -2.1684043449710089e-19, 9.961107459710572e-18, 0.04166666666666665, 7.1557343384043293e-17]],
  ['20x25', [-0.041666666666666657, -0.052631578947368425, 0.99999999999999978, 0.041666666666666657, -6.7762635780344027e-20, -4.3368086899420177e-19, 5.9360068943581368e-18, 0.052631578947368453, -1.4398204850607499e-16]],
]);

/** find_affine_transform from the chip's tl, tr, bl corners to p0, p1, p2: Q * pinv(P). */
function chipToImageAffine(rows: number, cols: number, p0: Point, p1: Point, p2: Point): PointTransformAffine {
  const W = cols - 1;
  const H = rows - 1;
  const pinv = PINV_CHIP.get(`${rows}x${cols}`) ?? (W > 0 && H > 0 ? [-1 / W, -1 / H, 1, 1 / W, 0, 0, 0, 1 / H, 0] : undefined);
  if (!pinv) {
    // degenerate 1-pixel-wide chips: dlib's pinv of a rank-deficient P; map the one row/column
    return {
      m: [W === 0 ? 0 : (p1[0] - p0[0]) / W, H === 0 ? 0 : (p2[0] - p0[0]) / H, W === 0 ? 0 : (p1[1] - p0[1]) / W, H === 0 ? 0 : (p2[1] - p0[1]) / H],
      b: [p0[0], p0[1]],
    };
  }
  const q = (a: number, b: number, c: number, j: number): number => a * pinv[j]! + b * pinv[3 + j]! + c * pinv[6 + j]!;
  return {
    m: [q(p0[0], p1[0], p2[0], 0), q(p0[0], p1[0], p2[0], 1), q(p0[1], p1[1], p2[1], 0), q(p0[1], p1[1], p2[1], 1)],
    b: [q(p0[0], p1[0], p2[0], 2), q(p0[1], p1[1], p2[1], 2)],
  };
}

/**
 * The chip's pixels: chip (c, r) samples the view at (m00*c + m01*r + b0, m10*c + m11*r + b1)
 * with dlib's bilinear interpolation, in dlib's expression
 * (1-tb)*((1-lr)*tl + lr*tr) + tb*((1-lr)*bl + lr*br); samples whose 2x2 neighbourhood is not
 * wholly inside the view stay 0.
 */
function bilinear(out: Uint8Array, rows: number, cols: number, ch: number, m00: number, m01: number, m10: number, m11: number, b0: number, b1: number, level: View): void {
  const lw = level.w;
  const lh = level.h;
  const ld = level.data;
  const loff = level.off;
  const ls = level.stride;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, o += ch) {
      const x = m00 * c + m01 * r + b0;
      const y = m10 * c + m11 * r + b1;
      const left = Math.floor(x);
      const top = Math.floor(y);
      if (!(left >= 0 && top >= 0 && left + 1 < lw && top + 1 < lh)) continue;
      const lr = x - left;
      const tb = y - top;
      const ilr = 1 - lr;
      const itb = 1 - tb;
      const itl = loff + top * ls + left * ch;
      const ibl = itl + ls;
      // the values lie in [0, 255]: | 0 truncates toward zero, as static_cast<unsigned char>
      if (ch === 3) {
        out[o] = (itb * (ilr * ld[itl]! + lr * ld[itl + 3]!) + tb * (ilr * ld[ibl]! + lr * ld[ibl + 3]!)) | 0;
        out[o + 1] = (itb * (ilr * ld[itl + 1]! + lr * ld[itl + 4]!) + tb * (ilr * ld[ibl + 1]! + lr * ld[ibl + 4]!)) | 0;
        out[o + 2] = (itb * (ilr * ld[itl + 2]! + lr * ld[itl + 5]!) + tb * (ilr * ld[ibl + 2]! + lr * ld[ibl + 5]!)) | 0;
      } else if (ch === 1) {
        out[o] = (itb * (ilr * ld[itl]! + lr * ld[itl + 1]!) + tb * (ilr * ld[ibl]! + lr * ld[ibl + 1]!)) | 0;
      } else {
        for (let k = 0; k < ch; k++) {
          out[o + k] = (itb * (ilr * ld[itl + k]! + lr * ld[itl + ch + k]!) + tb * (ilr * ld[ibl + k]! + lr * ld[ibl + ch + k]!)) | 0;
        }
      }
    }
  }
}

/**
 * dlib's `extract_image_chip(img, details)` with its default `interpolate_bilinear`: the chip has
 * `details.rows x details.cols` pixels of the same type as `img`; pixels mapping outside the
 * (cropped, possibly pyramid-downsampled) source are 0.
 */
export function extractImageChip<T extends AnyImage>(img: T, details: ChipDetails): T {
  const ch = channelsOf(img);
  const { rows, cols, angle, rect } = details;
  if (!(rows > 0 && cols > 0) || rectArea(rect) === 0) throw new RangeError('extractImageChip: empty chip or rectangle');
  const out = new Uint8Array(rows * cols * ch);
  const result = { width: cols, height: rows, data: out, channels: ch } as T;

  if (angle === 0 && rows === rectHeight(rect) && cols === rectWidth(rect)) {
    // basic_extract_image_chip on the rounded rectangle
    const l = roundHalfUp(rect[0]);
    const t = roundHalfUp(rect[1]);
    for (let r = 0; r < rows; r++) {
      const y = t + r;
      if (y < 0 || y >= img.height) continue;
      for (let c = 0; c < cols; c++) {
        const x = l + c;
        if (x < 0 || x >= img.width) continue;
        for (let k = 0; k < ch; k++) out[(r * cols + c) * ch + k] = img.data[(y * img.width + x) * ch + k]!;
      }
    }
    return result;
  }

  const size = rows * cols;
  // pyramid depth and the crop (bounding_box) dlib takes before building it
  let depth = 0;
  let grow = 2;
  let rd = PYRAMID2.rectDown(rect);
  while (rectArea(rd) > size) {
    rd = PYRAMID2.rectDown(rd);
    depth++;
    grow = grow * 2 + 2;
  }
  const corners = rotatedCorners(rect, angle);
  let rl = Infinity;
  let rt = Infinity;
  let rr = -Infinity;
  let rb = -Infinity;
  for (const [x, y] of corners) {
    rl = Math.min(rl, x);
    rt = Math.min(rt, y);
    rr = Math.max(rr, x);
    rb = Math.max(rb, y);
  }
  // grow_rect(rot_rect, grow).intersect(get_rect(img)), then converted to rectangle
  const il = Math.max(rl - grow, 0);
  const it = Math.max(rt - grow, 0);
  const ir = Math.min(rr + grow, img.width - 1);
  const ib = Math.min(rb + grow, img.height - 1);
  let bl: number;
  let bt: number;
  let br: number;
  let bb: number;
  if (il > ir || it > ib) {
    // empty intersection: dlib's rectangle += of an empty rect leaves bounding_box empty
    bl = 0;
    bt = 0;
    br = -1;
    bb = -1;
  } else {
    bl = roundHalfUp(il);
    bt = roundHalfUp(it);
    br = roundHalfUp(ir);
    bb = roundHalfUp(ib);
    if (bl > br || bt > bb) {
      bl = 0;
      bt = 0;
      br = -1;
      bb = -1;
    }
  }
  // the crop, read in place
  let level: View = { w: Math.max(0, br - bl + 1), h: Math.max(0, bb - bt + 1), ch, data: img.data, off: (bt * img.width + bl) * ch, stride: img.width * ch };
  let lrect: Rect = [rect[0] - bl, rect[1] - bt, rect[2] - bl, rect[3] - bt];
  let lv = -1;
  while (rectArea(PYRAMID2.rectDown(lrect)) > size) {
    lv++;
    lrect = PYRAMID2.rectDown(lrect);
  }
  for (let i = 0; i <= lv; i++) {
    const p = pyramidDown2View(level);
    level = { w: p.w, h: p.h, ch, data: p.data, off: 0, stride: p.w * ch };
  }

  // affine map from chip (0,0), (cols-1,0), (0,rows-1) to the rotated level rectangle's tl, tr, bl
  const [p0, p1, p2] = rotatedCorners(lrect, angle);
  const { m: [m00, m01, m10, m11], b: [b0, b1] } = chipToImageAffine(rows, cols, p0!, p1!, p2!);
  bilinear(out, rows, cols, ch, m00, m01, m10, m11, b0, b1, level);
  return result;
}
