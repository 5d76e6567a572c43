/**
 * Aligned face chips, as dlib 19.24's `get_face_chip_details` and `extract_image_chip`
 * (dlib/image_transforms/interpolation.h, dlib/geometry/point_transforms.h,
 * dlib/geometry/drectangle.h, dlib/image_transforms/image_pyramid.h `pyramid_down<2>`).
 *
 * Numerics: double precision in dlib's order of operations. dlib fits two transforms with an SVD:
 * the similarity fit of `get_face_chip_details` (`find_similarity_transform`, Umeyama on a 2x2
 * covariance) uses its exact 2-D closed form here, which agrees with dlib to ~1e-14 relative, not
 * always to the last bit; the chip->image affine map (`find_affine_transform`, `Q*pinv(P)`) uses
 * dlib's own pinv(P) values for common chip sizes (PINV_CHIP), so that given dlib's chip_details
 * the chips are bit-identical. Pixels go through dlib's bilinear interpolation, whose result is
 * truncated (not rounded) to unsigned char per channel (`vector_to_pixel` is a static_cast).
 */
import type { GrayImage, RgbImage } from '../image/index.js';
import { similarityMoments } from './similarity.js';

/** A dlib `drectangle`: inclusive double corners. */
export interface DRectangle {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** dlib's `chip_details`. */
export interface ChipDetails {
  rect: DRectangle;
  angle: number;
  rows: number;
  cols: number;
}

type Pt = [number, number];

// The 5-point template (dlib's shape_predictor_5_face_landmarks order).
const FIVE_POINT_TEMPLATE: readonly Pt[] = [
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

/** A 2-D affine map `p -> m*p + b` (dlib's point_transform_affine). */
export interface Affine {
  m00: number;
  m01: number;
  m10: number;
  m11: number;
  b0: number;
  b1: number;
}

function applyAffine(t: Affine, x: number, y: number): Pt {
  return [t.m00 * x + t.m01 * y + t.b0, t.m10 * x + t.m11 * y + t.b1];
}

/** `find_similarity_transform(from, to)` (Umeyama), in its 2-D closed form. */
export function findSimilarityTransform(from: readonly Pt[], to: readonly Pt[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('findSimilarityTransform: need >= 2 point pairs of equal count');
  const { mfx, mfy, mtx, mty, sigmaFrom, a, b } = similarityMoments(from.flat(), to.flat(), n);
  // r is the rotation maximising trace(r^T cov) (dlib's s-matrix sign fix always yields a
  // proper rotation); c = trace(d*s)/sigma_from = |(a, b)|/sigma_from.
  const len = Math.hypot(a, b);
  const cos = len === 0 ? 1 : a / len;
  const sin = len === 0 ? 0 : b / len;
  const c = sigmaFrom !== 0 ? len / sigmaFrom : 1;
  const m00 = c * cos;
  const m01 = -c * sin;
  const m10 = c * sin;
  const m11 = c * cos;
  return { m00, m01, m10, m11, b0: mtx - (m00 * mfx + m01 * mfy), b1: mty - (m10 * mfx + m11 * mfy) };
}

/** `chip_details(chip_points, img_points, chip_dims(rows, cols))`. */
export function chipDetailsFromPoints(chipPoints: readonly Pt[], imgPoints: readonly Pt[], rows: number, cols: number): ChipDetails {
  const t = findSimilarityTransform(chipPoints, imgPoints);
  const px = t.m00;
  const py = t.m10;
  const angle = Math.atan2(py, px);
  const scale = Math.sqrt(px * px + py * py);
  const [cx, cy] = applyAffine(t, cols / 2.0, rows / 2.0);
  // centered_drect(p, w, h): w--, h--, then p +- w/2.
  const w = cols * scale - 1;
  const h = rows * scale - 1;
  return { rect: { left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2 }, angle, rows, cols };
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
  const from: Pt[] = [];
  const to: Pt[] = [];
  const k = 2 * padding + 1;
  if (points.length === 5) {
    for (let i = 0; i < 5; i++) {
      const [x, y] = FIVE_POINT_TEMPLATE[i]!;
      from.push([((padding + x) / k) * size, ((padding + y) / k) * size]);
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

const dWidth = (r: DRectangle): number => (r.top > r.bottom || r.left > r.right ? 0 : r.right - r.left + 1);
const dHeight = (r: DRectangle): number => (r.top > r.bottom || r.left > r.right ? 0 : r.bottom - r.top + 1);
const dArea = (r: DRectangle): number => dWidth(r) * dHeight(r);

/** pyramid_down<2>::rect_down: both corners p/2 - (1.25, 0.75). */
function rectDown2(r: DRectangle): DRectangle {
  const a: Pt = [r.left / 2.0 - 1.25, r.top / 2.0 - 0.75];
  const b: Pt = [r.right / 2.0 - 1.25, r.bottom / 2.0 - 0.75];
  // drectangle(p1, p2) is the bounding box of the two points
  return { left: Math.min(a[0], b[0]), top: Math.min(a[1], b[1]), right: Math.max(a[0], b[0]), bottom: Math.max(a[1], b[1]) };
}

function rotatePoint(cx: number, cy: number, x: number, y: number, sinA: number, cosA: number): Pt {
  const px = x - cx;
  const py = y - cy;
  return [cosA * px - sinA * py + cx, sinA * px + cosA * py + cy];
}

function rotatedCorners(r: DRectangle, angle: number): Pt[] {
  const cx = (r.left + r.right) / 2.0;
  const cy = (r.top + r.bottom) / 2.0;
  const s = Math.sin(angle);
  const c = Math.cos(angle);
  return [
    rotatePoint(cx, cy, r.left, r.top, s, c),
    rotatePoint(cx, cy, r.right, r.top, s, c),
    rotatePoint(cx, cy, r.left, r.bottom, s, c),
    rotatePoint(cx, cy, r.right, r.bottom, s, c),
  ];
}

const roundHalfUp = (v: number): number => Math.floor(v + 0.5);

type AnyImage = RgbImage | GrayImage;

function channels(img: AnyImage): 1 | 3 {
  const n = img.width * img.height;
  const ch = n === 0 ? 3 : img.data.length / n;
  if (ch !== 1 && ch !== 3) throw new RangeError(`extractImageChip: image data is neither RGB nor grey (${ch} bytes/pixel)`);
  return ch;
}

interface Plane {
  w: number;
  h: number;
  ch: number;
  data: Uint8Array;
}

function subImage(img: Plane, l: number, t: number, r: number, b: number): Plane {
  const w = Math.max(0, r - l + 1);
  const h = Math.max(0, b - t + 1);
  const out = new Uint8Array(w * h * img.ch);
  for (let y = 0; y < h; y++) {
    const src = ((t + y) * img.w + l) * img.ch;
    out.set(img.data.subarray(src, src + w * img.ch), y * w * img.ch);
  }
  return { w, h, ch: img.ch, data: out };
}

/** dlib's pyramid_down<2> image operator: 5x5 [1 4 6 4 1]^2 filter, every other pixel, /256 truncated. */
export function pyramidDown2(img: Plane): Plane {
  const { w, h, ch, data } = img;
  if (h <= 8 || w <= 8) return { w: 0, h: 0, ch, data: new Uint8Array(0) };
  const tw = Math.floor((w - 3) / 2);
  const ow = tw;
  const oh = Math.floor((h - 3) / 2);
  const temp = new Uint32Array(h * tw * ch);
  for (let r = 0; r < h; r++) {
    const row = r * w * ch;
    for (let c = 0; c < tw; c++) {
      const o = row + 2 * c * ch;
      for (let k = 0; k < ch; k++) {
        temp[(r * tw + c) * ch + k] =
          data[o + k]! + 4 * data[o + ch + k]! + 6 * data[o + 2 * ch + k]! + 4 * data[o + 3 * ch + k]! + data[o + 4 * ch + k]!;
      }
    }
  }
  const out = new Uint8Array(oh * ow * ch);
  const stride = tw * ch;
  let dr = 0;
  for (let r = 2; r < h - 2; r += 2) {
    if (dr >= oh) break;
    for (let i = 0; i < stride; i++) {
      const v =
        temp[(r - 2) * stride + i]! +
        4 * temp[(r - 1) * stride + i]! +
        6 * temp[r * stride + i]! +
        4 * temp[(r + 1) * stride + i]! +
        temp[(r + 2) * stride + i]!;
      out[dr * stride + i] = (v / 256) | 0;
    }
    dr++;
  }
  return { w: ow, h: oh, ch, data: out };
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
function chipToImageAffine(rows: number, cols: number, p0: Pt, p1: Pt, p2: Pt): Affine {
  const W = cols - 1;
  const H = rows - 1;
  const pinv = PINV_CHIP.get(`${rows}x${cols}`) ?? (W > 0 && H > 0 ? [-1 / W, -1 / H, 1, 1 / W, 0, 0, 0, 1 / H, 0] : undefined);
  if (!pinv) {
    // degenerate 1-pixel-wide chips: dlib's pinv of a rank-deficient P; map the one row/column
    return { m00: W === 0 ? 0 : (p1[0] - p0[0]) / W, m01: H === 0 ? 0 : (p2[0] - p0[0]) / H, m10: W === 0 ? 0 : (p1[1] - p0[1]) / W, m11: H === 0 ? 0 : (p2[1] - p0[1]) / H, b0: p0[0], b1: p0[1] };
  }
  const q = (a: number, b: number, c: number, j: number): number => a * pinv[j]! + b * pinv[3 + j]! + c * pinv[6 + j]!;
  return {
    m00: q(p0[0], p1[0], p2[0], 0),
    m01: q(p0[0], p1[0], p2[0], 1),
    b0: q(p0[0], p1[0], p2[0], 2),
    m10: q(p0[1], p1[1], p2[1], 0),
    m11: q(p0[1], p1[1], p2[1], 1),
    b1: q(p0[1], p1[1], p2[1], 2),
  };
}

/**
 * dlib's `extract_image_chip(img, details)` with its default `interpolate_bilinear`: the chip has
 * `details.rows x details.cols` pixels of the same type as `img`; pixels mapping outside the
 * (cropped, possibly pyramid-downsampled) source are 0.
 */
export function extractImageChip<T extends AnyImage>(img: T, details: ChipDetails): T {
  const ch = channels(img);
  const { rows, cols, angle, rect } = details;
  if (!(rows > 0 && cols > 0) || dArea(rect) === 0) throw new RangeError('extractImageChip: empty chip or rectangle');
  const src: Plane = { w: img.width, h: img.height, ch, data: img.data };
  const out = new Uint8Array(rows * cols * ch);
  const result = { width: cols, height: rows, data: out } as T;

  if (angle === 0 && rows === dHeight(rect) && cols === dWidth(rect)) {
    // basic_extract_image_chip on the rounded rectangle
    const l = roundHalfUp(rect.left);
    const t = roundHalfUp(rect.top);
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
  let rd = rectDown2(rect);
  while (dArea(rd) > size) {
    rd = rectDown2(rd);
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
  let level: Plane = subImage(src, bl, bt, br, bb);
  let lrect: DRectangle = { left: rect.left - bl, top: rect.top - bt, right: rect.right - bl, bottom: rect.bottom - bt };
  let lv = -1;
  while (dArea(rectDown2(lrect)) > size) {
    lv++;
    lrect = rectDown2(lrect);
  }
  for (let i = 0; i <= lv; i++) level = pyramidDown2(level);

  // affine map from chip (0,0), (cols-1,0), (0,rows-1) to the rotated level rectangle's tl, tr, bl
  const [p0, p1, p2] = rotatedCorners(lrect, angle);
  const { m00, m01, m10, m11, b0, b1 } = chipToImageAffine(rows, cols, p0!, p1!, p2!);
  const lw = level.w;
  const lh = level.h;
  const ld = level.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = m00 * c + m01 * r + b0;
      const y = m10 * c + m11 * r + b1;
      const left = Math.floor(x);
      const top = Math.floor(y);
      if (!(left >= 0 && top >= 0 && left + 1 < lw && top + 1 < lh)) continue;
      const lr = x - left;
      const tb = y - top;
      const o = (r * cols + c) * ch;
      const itl = (top * lw + left) * ch;
      const ibl = itl + lw * ch;
      for (let k = 0; k < ch; k++) {
        const v =
          (1 - tb) * ((1 - lr) * ld[itl + k]! + lr * ld[itl + ch + k]!) + tb * ((1 - lr) * ld[ibl + k]! + lr * ld[ibl + ch + k]!);
        out[o + k] = v; // Uint8Array truncates toward zero, as static_cast<unsigned char>
      }
    }
  }
  return result;
}
