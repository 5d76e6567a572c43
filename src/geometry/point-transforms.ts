/**
 * dlib's point transforms (dlib/geometry/point_transforms.h, dlib 19.24): the one affine map
 * type, `point_transform_affine` (p -> m*p + b), and `find_similarity_transform`, Umeyama's
 * least-squares similarity that face chips (get_face_chip_details) and the shape predictor
 * (its unnormalizing transform) fit, operation by operation in double with the 2x2 SVD as the
 * linked dlib runs it (src/linalg/svd.ts choosing src/linalg/svd-lapack.ts, LAPACK's dgesvd path), so bit-identical to dlib
 * (test/parity/svd-parity.test.ts).
 */
import { det2, diagm, matmul, transpose, zeros } from '../linalg/matrix.js';
import { svd } from '../linalg/svd.js';
import type { Point } from './vector.js';

/** dlib's point_transform_affine: p -> m*p + b, m row-major [m00, m01, m10, m11]. */
export interface PointTransformAffine {
  m: [number, number, number, number];
  b: [number, number];
}

/** point_transform_affine::operator(): m*p + b (each row m(r,0)*x + m(r,1)*y, then + b(r)). */
export function applyAffine(t: PointTransformAffine, p: Readonly<Point>): Point {
  const [m00, m01, m10, m11] = t.m;
  return [m00 * p[0] + m01 * p[1] + t.b[0], m10 * p[0] + m11 * p[1] + t.b[1]];
}

/**
 * dlib 19.24's `find_similarity_transform(from_points, to_points)`
 * (dlib/geometry/point_transforms.h; Umeyama's least-squares similarity), operation by
 * operation in double: the means (sums in point order, then `/= n`), sigma_from (sums of
 * `x*x + y*y`, then `/= n`), the covariance (sum of outer products
 * (to_i - mean_to) * trans(from_i - mean_from), then `cov /= n`, which dlib evaluates as
 * `cov * (1.0/n)`), the SVD as the linked dlib runs it ({@link svd}; LAPACK unless
 * `lapack: false`), s = identity with one -1 when `det(cov) < 0 || (det(cov) == 0 &&
 * det(u)*det(v) < 0)`, r = (u*s)*trans(v), c = (1.0/sigma_from) * trace(d*s) (1 if
 * sigma_from == 0), and t = mean_to - (r*mean_from)*c (dlib's expression templates move the
 * scalar out of the product), m = r*c.
 *
 * Points are [x, y] pairs of doubles; integer dlib::point and float dlib::vector<float,2> inputs
 * give the same result as their exact double values (dlib converts each coordinate to double
 * before any arithmetic). Requires from.length == to.length >= 2 (dlib only asserts this).
 */
export function findSimilarityTransform(from: ReadonlyArray<Readonly<Point>>, to: ReadonlyArray<Readonly<Point>>, options: { lapack?: boolean } = {}): PointTransformAffine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('findSimilarityTransform: needs two or more point pairs of equal count');
  const f = new Float64Array(2 * n);
  const t = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    f[2 * i] = from[i][0];
    f[2 * i + 1] = from[i][1];
    t[2 * i] = to[i][0];
    t[2 * i + 1] = to[i][1];
  }
  return findSimilarityTransformFlat(f, t, options);
}

/**
 * {@link findSimilarityTransform} (dlib's `find_similarity_transform`) for point sets stored
 * flat as x0, y0, x1, y1, ... (as the shape predictor keeps shapes); the same operations and
 * the same result. Requires from.length == to.length, even, >= 4.
 */
export function findSimilarityTransformFlat(from: ArrayLike<number>, to: ArrayLike<number>, options: { lapack?: boolean } = {}): PointTransformAffine {
  const n = from.length >> 1;
  if (n < 2 || from.length % 2 !== 0 || to.length !== from.length) throw new RangeError('findSimilarityTransformFlat: needs two or more point pairs of equal count, as x0, y0, x1, y1, ...');
  let mfx = 0;
  let mfy = 0;
  let mtx = 0;
  let mty = 0;
  for (let i = 0; i < n; i++) {
    mfx += from[2 * i];
    mfy += from[2 * i + 1];
    mtx += to[2 * i];
    mty += to[2 * i + 1];
  }
  mfx /= n;
  mfy /= n;
  mtx /= n;
  mty /= n;
  let sigmaFrom = 0;
  const cov = zeros(2, 2);
  const cd = cov.data;
  for (let i = 0; i < n; i++) {
    const fx = from[2 * i] - mfx;
    const fy = from[2 * i + 1] - mfy;
    const tx = to[2 * i] - mtx;
    const ty = to[2 * i + 1] - mty;
    sigmaFrom += fx * fx + fy * fy;
    // cov += (to - mean_to) * trans(from - mean_from), elementwise in storage order
    cd[0] += tx * fx;
    cd[1] += tx * fy;
    cd[2] += ty * fx;
    cd[3] += ty * fy;
  }
  sigmaFrom /= n;
  const inv = 1 / n;
  for (let i = 0; i < 4; i++) cd[i] = cd[i] * inv;

  const { u, w, v } = svd(cov, options);
  const d = diagm(w);
  const s = diagm([1, 1]);
  const detCov = det2(cov);
  if (detCov < 0 || (detCov === 0 && det2(u) * det2(v) < 0)) {
    if (d.data[3] < d.data[0]) s.data[3] = -1;
    else s.data[0] = -1;
  }
  const r = matmul(matmul(u, s), transpose(v));
  let c = 1;
  if (sigmaFrom !== 0) {
    const ds = matmul(d, s);
    // trace(m) is sum(diag(m)): a running sum that starts at 0
    let trace = 0;
    trace += ds.data[0];
    trace += ds.data[3];
    c = (1.0 / sigmaFrom) * trace;
  }
  const rd = r.data;
  const rm0 = rd[0] * mfx + rd[1] * mfy;
  const rm1 = rd[2] * mfx + rd[3] * mfy;
  return {
    m: [rd[0] * c, rd[1] * c, rd[2] * c, rd[3] * c],
    b: [mtx - rm0 * c, mty - rm1 * c],
  };
}
