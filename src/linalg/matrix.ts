/**
 * The small dense double matrices dlib's SVD code works on (dlib/matrix/matrix.h,
 * matrix_utilities.h, matrix_la.h, dlib 19.24): a row-major `{ rows, cols, data }` and the few
 * operations find_similarity_transform and the SVD ports use, each in dlib's order of operations
 * (a matrix product sums k = 0, 1, ... starting from the k = 0 product; det of a 2x2 is
 * m(0,0)*m(1,1) - m(0,1)*m(1,0)), so that results are bit-identical to dlib's.
 */

/** A dense row-major matrix of doubles: element (r, c) is `data[r * cols + c]`. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A zero matrix of the given shape. */
export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** A matrix from row-major values. */
export function mat(rows: number, cols: number, values: ArrayLike<number>): Mat {
  if (values.length !== rows * cols) throw new RangeError(`mat: ${values.length} values for a ${rows}x${cols} matrix`);
  return { rows, cols, data: Float64Array.from(values) };
}

/** Result of an SVD: a = u * diagm(w) * trans(v). */
export interface Svd {
  u: Mat;
  /** The singular values, as dlib's column vector W (`svd` returns `diagm(W)`; see {@link diagm}). */
  w: Float64Array;
  v: Mat;
}

/** dlib's `diagm(W)`: the square matrix with W on its diagonal. */
export function diagm(w: ArrayLike<number>): Mat {
  const n = w.length;
  const d = zeros(n, n);
  for (let i = 0; i < n; i++) d.data[i * n + i] = w[i];
  return d;
}

/** dlib's matrix product for small matrices (`matrix_multiply_helper`): each element sums k = 0, 1, ... in order, starting from the k = 0 product. */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new RangeError(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const out = zeros(a.rows, b.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let c = 0; c < b.cols; c++) {
      let t = a.data[r * a.cols] * b.data[c];
      for (let k = 1; k < a.cols; k++) t += a.data[r * a.cols + k] * b.data[k * b.cols + c];
      out.data[r * b.cols + c] = t;
    }
  }
  return out;
}

/** dlib's `trans(m)`. */
export function transpose(a: Mat): Mat {
  const out = zeros(a.cols, a.rows);
  for (let r = 0; r < a.rows; r++) for (let c = 0; c < a.cols; c++) out.data[c * a.rows + r] = a.data[r * a.cols + c];
  return out;
}

/** dlib's `det` of a 2x2 matrix (`det_helper<EXP,2>`): m(0,0)*m(1,1) - m(0,1)*m(1,0). */
export function det2(m: Mat | ArrayLike<number>): number {
  const d = 'data' in m ? m.data : m;
  return d[0] * d[3] - d[1] * d[2];
}
