/**
 * The moments behind dlib's `find_similarity_transform` (dlib/geometry/point_transforms.h,
 * Umeyama's method) in 2-D: the means of both point sets, the mean squared spread of `from`, and
 * the two combinations of the 2x2 covariance that fix the rotation in closed form:
 * a = c00 + c11 and b = c10 - c01 (the rotation is (a, b)/|(a, b)|, the scale |(a, b)|/sigmaFrom).
 * Shared by the shape predictor and face chips; each finishes the transform in its own precision.
 */
export interface SimilarityMoments {
  mfx: number;
  mfy: number;
  mtx: number;
  mty: number;
  sigmaFrom: number;
  a: number;
  b: number;
}

/**
 * Requires: `from` and `to` hold n points each as x0, y0, x1, y1, ... (n >= 1).
 * Ensures: dlib's sums, in dlib's order, in double precision.
 */
export function similarityMoments(from: ArrayLike<number>, to: ArrayLike<number>, n: number): SimilarityMoments {
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
  let c00 = 0;
  let c01 = 0;
  let c10 = 0;
  let c11 = 0;
  for (let i = 0; i < n; i++) {
    const fx = from[2 * i] - mfx;
    const fy = from[2 * i + 1] - mfy;
    const tx = to[2 * i] - mtx;
    const ty = to[2 * i + 1] - mty;
    sigmaFrom += fx * fx + fy * fy;
    c00 += tx * fx;
    c01 += tx * fy;
    c10 += ty * fx;
    c11 += ty * fy;
  }
  sigmaFrom /= n;
  c00 /= n;
  c01 /= n;
  c10 /= n;
  c11 /= n;
  return { mfx, mfy, mtx, mty, sigmaFrom, a: c00 + c11, b: c10 - c01 };
}
