/**
 * dlib's `shape_predictor` inference (the 68-point face landmark model): a port of
 * `shape_predictor::operator()(img, rect)` in `dlib/image_processing/shape_predictor.h`
 * (dlib 19.24), step by step in dlib's precision:
 *
 * - `current_shape = initial_shape` (`matrix<float,0,1>`: x0, y0, x1, y1, ... in the normalized
 *   box, (0,0) = the box's top-left corner, (1,1) = its bottom-right corner).
 * - For each cascade level, `impl::extract_feature_pixel_values`:
 *   - `impl::find_tform_between_shapes(initial_shape, current_shape)` = dlib's
 *     `find_similarity_transform` (`dlib/geometry/point_transforms.h`) between the two shapes'
 *     points: means, variance of the source and the 2x2 cross-covariance, all in double, and the
 *     rotation from an SVD of the covariance, computed as the linked dlib does (LAPACK's dgesvd
 *     path for a 2x2, ported in src/linalg/svd-lapack.ts, bit-identical); only the matrix part is used
 *     (the translation is dropped) and it is cast to `matrix<float,2,2>`.
 *   - `impl::unnormalizing_tform(rect)`: dlib's `find_affine_transform` from (0,0), (1,0), (1,1)
 *     to the rect's tl, tr and br corners: `Q * pinv(P)` in double. Mathematically
 *     x' = (right-left)*x + left, y' = (bottom-top)*y + top (right-left, not the width), but
 *     dlib's pinv (an SVD) leaves errors of ~1e-14 that decide roundings at exact .5 ties, so
 *     the same product is computed here with dlib's pinv(P) (P is always the same matrix; its
 *     value, {@link PINV_P}, is what dlib 19.24 computes with Debian's LAPACK).
 *   - Feature pixel i: `tform * deltas[i] + location(current_shape, anchor_idx[i])` in float,
 *     mapped to the image in double and rounded to `dlib::point` (floor(v + 0.5)); outside the
 *     image its value is 0, inside it is `get_pixel_intensity` of the pixel: for RGB that is
 *     `assign_pixel(unsigned char, rgb_pixel)`, i.e. floor((r + g + b) / 3).
 *   - Every tree of the level (`impl::regression_tree::operator()`): from node 0, go to child
 *     2i+1 when `(float)pix[idx1] - (float)pix[idx2] > thresh`, else 2i+2; the leaf's vector is
 *     added to `current_shape` in float.
 * - The result: each point through `unnormalizing_tform(rect)` (double) and rounded to
 *   `dlib::point` (floor(v + 0.5)) as `full_object_detection`'s parts.
 */
import { readShapePredictor, type ShapePredictor } from '../dlib/shape-predictor.js';
import { FacemetricError } from '../errors.js';
import { findSimilarityTransformFlat, type Point, type PointTransformAffine, type Rect } from '../geometry/index.js';
import { channelsOf, type GrayImage, type RgbImage } from '../image/pixels.js';
import { assetPath, readModelFile } from '../models/index.js';

/** One face's landmarks. */
export interface Landmarks {
  /** The parts as dlib's `full_object_detection` holds them: integer (x, y), rounded as dlib does. */
  points: Point[];
  /** The positions before rounding, x0, y0, x1, y1, ... (image coordinates, as float32). */
  exact: Float32Array;
}

const f32 = Math.fround;

/**
 * `pinv(P)` (row-major 3x3) for find_affine_transform's P = [[0,1,1],[0,0,1],[1,1,1]] (the
 * columns are the points (0,0), (1,0), (1,1) with a 1 appended), exactly as dlib 19.24 computes
 * it (svd3 via LAPACK dgesvd); printed by dlib, bit for bit. The exact inverse is
 * [[-1,0,1],[1,-1,0],[0,1,0]].
 */
export const PINV_P: readonly number[] = [
  -1.0000000000000002, -6.6613381477509392e-16, 1.0000000000000004,
  0.99999999999999978, -0.99999999999999956, 1.1102230246251565e-16,
  5.5511151231257827e-17, 0.99999999999999978, 5.5511151231257827e-17,
];

/**
 * dlib's `impl::unnormalizing_tform(rect)`: the affine map from the unit square to `rect`
 * (applied as x' = (m00*x + m01*y) + b0, y' = (m10*x + m11*y) + b1, in double).
 */
export function unnormalizingTform(rect: Readonly<Rect>): PointTransformAffine {
  const [l, t, r, b] = rect;
  const p = PINV_P;
  // m = Q * pinv(P), Q = [[l, r, r], [t, t, b]] (the tl, tr, br corners), summed k = 0, 1, 2
  const q = (x0: number, x1: number, x2: number, j: number) => x0 * p[j] + x1 * p[3 + j] + x2 * p[6 + j];
  return { m: [q(l, r, r, 0), q(l, r, r, 1), q(t, t, b, 0), q(t, t, b, 1)], b: [q(l, r, r, 2), q(t, t, b, 2)] };
}

/**
 * `find_similarity_transform(from, to).get_m()` for shapes stored as x0, y0, x1, y1, ...,
 * cast to float (dlib's `matrix_cast<float>`): returns [m00, m01, m10, m11].
 */
export function similarityTransformMatrix(from: ArrayLike<number>, to: ArrayLike<number>): [number, number, number, number] {
  // dlib's find_tform_between_shapes: a single landmark gives the identity.
  if (from.length >> 1 === 1) return [1, 0, 0, 1];
  const { m } = findSimilarityTransformFlat(from, to);
  return [f32(m[0]), f32(m[1]), f32(m[2]), f32(m[3])];
}

/** channelsOf(img) === 3, failing with the shape predictor's FacemetricError. */
function isRgb(img: RgbImage | GrayImage): boolean {
  try {
    return channelsOf(img) === 3;
  } catch {
    const n = img.width * img.height;
    throw new FacemetricError(`shape predictor: image data holds ${img.data.length} bytes, not ${n} (grey) or ${n * 3} (RGB)`);
  }
}

/**
 * One cascade level's trees, packed for the walk from root to leaf: tree t's splits are
 * j = start[t] .. start[t+1]-1 (in node order), split j compares feature pixels pairs[2j] and
 * pairs[2j+1] against thresh[j]; leaves[t] is the tree's leafValues.
 */
interface PackedForest {
  pairs: Uint32Array;
  thresh: Float32Array;
  start: Uint32Array;
  leaves: Float32Array[];
}

/** dlib's shape_predictor, ready to run (the model is read at construction; do not mutate it afterwards). */
export class ShapePredictorModel {
  readonly numParts: number;
  private readonly pixels: Float32Array[];
  private readonly packed: PackedForest[];

  constructor(readonly model: ShapePredictor) {
    this.numParts = model.initialShape.length / 2;
    if (model.anchorIdx.length !== model.forests.length || model.deltas.length !== model.forests.length) {
      throw new FacemetricError('shape predictor: anchor_idx, deltas and forests differ in length');
    }
    this.pixels = model.anchorIdx.map((a, c) => {
      for (let i = 0; i < a.length; i++) {
        if (a[i] >= this.numParts) throw new FacemetricError(`shape predictor: anchor_idx[${c}][${i}] = ${a[i]} is not a part`);
      }
      return new Float32Array(a.length);
    });
    model.forests.forEach((forest, c) => {
      const np = model.anchorIdx[c].length;
      for (const t of forest) {
        if (t.numLeaves !== t.splitThresh.length + 1 || t.leafSize !== model.initialShape.length) {
          throw new FacemetricError(`shape predictor: a tree of cascade ${c} is not a full tree of ${model.initialShape.length}-value leaves`);
        }
        for (let i = 0; i < t.splitIdx1.length; i++) {
          if (t.splitIdx1[i] >= np || t.splitIdx2[i] >= np) throw new FacemetricError(`shape predictor: a split of cascade ${c} uses a feature pixel past ${np}`);
        }
      }
    });
    // The splits of each cascade in three flat arrays (a few MB) rather than 3 small arrays per tree:
    // fewer dependent loads per tree walk. Leaf values are not copied.
    this.packed = model.forests.map((forest) => {
      const start = new Uint32Array(forest.length + 1);
      forest.forEach((t, i) => (start[i + 1] = start[i] + t.splitThresh.length));
      const n = start[forest.length];
      const pairs = new Uint32Array(2 * n);
      const thresh = new Float32Array(n);
      forest.forEach((t, i) => {
        thresh.set(t.splitThresh, start[i]);
        for (let k = 0; k < t.splitThresh.length; k++) {
          pairs[2 * (start[i] + k)] = t.splitIdx1[k];
          pairs[2 * (start[i] + k) + 1] = t.splitIdx2[k];
        }
      });
      return { pairs, thresh, start, leaves: forest.map((t) => t.leafValues) };
    });
  }

  /**
   * dlib's `shape_predictor::operator()(img, rect)`: the landmarks of the face in `rect`
   * ([left, top, right, bottom], inclusive, may lie partly or wholly outside the image).
   */
  predict(img: RgbImage | GrayImage, rect: Readonly<Rect>): Landmarks {
    const rgb = isRgb(img);
    const { width, height, data } = img;
    const { m: [u00, u01, u10, u11], b: [ub0, ub1] } = unnormalizingTform(rect);
    const sp = this.model;
    const initial = sp.initialShape;
    // current_shape, float32 values held in doubles (each addition is rounded with fround)
    const shape = Float64Array.from(initial);
    for (let c = 0; c < sp.forests.length; c++) {
      // extract_feature_pixel_values
      const [m00, m01, m10, m11] = similarityTransformMatrix(initial, shape);
      const anchor = sp.anchorIdx[c];
      const deltas = sp.deltas[c];
      const pix = this.pixels[c];
      for (let i = 0; i < anchor.length; i++) {
        const dx = deltas[2 * i];
        const dy = deltas[2 * i + 1];
        const a = anchor[i];
        const nx = f32(f32(f32(m00 * dx) + f32(m01 * dy)) + shape[2 * a]);
        const ny = f32(f32(f32(m10 * dx) + f32(m11 * dy)) + shape[2 * a + 1]);
        const px = Math.floor(u00 * nx + u01 * ny + ub0 + 0.5);
        const py = Math.floor(u10 * nx + u11 * ny + ub1 + 0.5);
        if (px >= 0 && py >= 0 && px < width && py < height) {
          if (rgb) {
            const k = 3 * (py * width + px);
            pix[i] = ((data[k] + data[k + 1] + data[k + 2]) / 3) | 0;
          } else {
            pix[i] = data[py * width + px];
          }
        } else {
          pix[i] = 0;
        }
      }
      const { pairs, thresh, start, leaves } = this.packed[c];
      const len = shape.length;
      for (let t = 0; t < leaves.length; t++) {
        const base = start[t];
        const nSplits = start[t + 1] - base;
        let node = 0;
        while (node < nSplits) {
          const j = base + node;
          node = pix[pairs[2 * j]] - pix[pairs[2 * j + 1]] > thresh[j] ? 2 * node + 1 : 2 * node + 2;
        }
        const leaf = leaves[t];
        const off = (node - nSplits) * len;
        // float32 additions (a double sum of two floats rounds to the float sum exactly)
        let k = 0;
        let o = off;
        for (; k + 4 <= len; k += 4, o += 4) {
          shape[k] = f32(shape[k] + leaf[o]);
          shape[k + 1] = f32(shape[k + 1] + leaf[o + 1]);
          shape[k + 2] = f32(shape[k + 2] + leaf[o + 2]);
          shape[k + 3] = f32(shape[k + 3] + leaf[o + 3]);
        }
        for (; k < len; k++, o++) shape[k] = f32(shape[k] + leaf[o]);
      }
    }
    const n = this.numParts;
    const exact = new Float32Array(2 * n);
    const points: Point[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = u00 * shape[2 * i] + u01 * shape[2 * i + 1] + ub0;
      const y = u10 * shape[2 * i] + u11 * shape[2 * i + 1] + ub1;
      exact[2 * i] = x;
      exact[2 * i + 1] = y;
      points[i] = [Math.floor(x + 0.5), Math.floor(y + 0.5)];
    }
    return { points, exact };
  }
}

/**
 * Loads a shape_predictor file (default: the 68-point model, `assetPath('shape_predictor_68_face_landmarks')`).
 */
export function loadShapePredictor(path?: string): ShapePredictorModel {
  const file = path ?? assetPath('shape_predictor_68_face_landmarks');
  const bytes = readModelFile(file, 'the shape predictor');
  return new ShapePredictorModel(readShapePredictor(bytes, file));
}
