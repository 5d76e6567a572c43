/**
 * dlib's `scan_fhog_pyramid::build_fhog_filterbank` (dlib/image_processing/scan_fhog_pyramid.h,
 * dlib 19.24): the filters of one weight vector, each plane's `height x width` slice of w cast to
 * float, and their separable decomposition. Each plane's filter (in double) is decomposed by an
 * SVD; the separable parts are `u_j*sqrt(s_j)` (column filter) and `v_j*sqrt(s_j)` (row filter),
 * cast to float, for every singular value s_j >= max(1e-4, 0.001*max(s)) (dlib's round_zeros),
 * largest first. apply_filters_to_fhog (scan-fhog-pyramid.ts) then takes the full 2-D filters when
 * the separable parts outnumber `planes*min(rows, cols)/3`, else the separable ones.
 *
 * The SVD here is a one-sided Jacobi one ({@link jacobiSvd}), accurate to double rounding, which
 * is all the float cast of the parts needs (the parity tests check the resulting scores are
 * dlib's bit for bit); it is not linalg/svd.ts's dlib-exact `svd`.
 */

/** The processed filters of one weight vector (scan_fhog_pyramid::fhog_filterbank). */
export interface FhogFilterbank {
  /** Filter rows (fhog window height) and columns (width). */
  rows: number;
  cols: number;
  /** One float filter per plane, rows x cols, row-major. */
  filters: Float32Array[];
  /** Per plane, the separable parts in dlib's order: row filters (length cols) ... */
  rowFilters: Float32Array[][];
  /** ... and column filters (length rows). */
  colFilters: Float32Array[][];
  /** num_separable_filters(). */
  numSeparable: number;
  /** Which path apply_filters_to_fhog takes for this bank. */
  separable: boolean;
}

// ---------------------------------------------------------------------------------------------
// SVD (double precision, one-sided Jacobi): A = U diag(s) V^T, singular values descending.

/**
 * Thin SVD of a row-major `m x n` matrix by one-sided Jacobi rotations (double precision):
 * A = U diag(s) V^T. Not dlib's algorithm (that is linalg/svd.ts's `svd`, bit-exact with dlib):
 * the filter bank keeps only the parts above a threshold and casts them to float, which this
 * accuracy reproduces.
 * Requires: m >= 1, n >= 1. Ensures: `s` has min(m,n)
 * values, descending; `u` is m x k and `v` is n x k (column j of each pairs with s[j]),
 * both row-major, k = min(m, n).
 */
export function jacobiSvd(a: Float64Array, m: number, n: number): { u: Float64Array; s: Float64Array; v: Float64Array; k: number } {
  if (m < n) {
    // SVD of the transpose, with u and v swapped.
    const t = new Float64Array(m * n);
    for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) t[c * m + r] = a[r * n + c];
    const r = jacobiSvd(t, n, m);
    return { u: r.v, s: r.s, v: r.u, k: r.k };
  }
  // Column-major working copies: columns of U (m each) and V (n each).
  const U = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) U[c * m + r] = a[r * n + c];
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const eps = 2.220446049250313e-16;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const op = p * m;
        const oq = q * m;
        for (let i = 0; i < m; i++) {
          const x = U[op + i];
          const y = U[oq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(U, op, oq, m, c, s);
        rotate(V, p * n, q * n, n, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += U[j * m + i] * U[j * m + i];
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  order.forEach((j, k) => {
    s[k] = norms[j];
    const inv = norms[j] > 0 ? 1 / norms[j] : 0;
    for (let i = 0; i < m; i++) u[i * n + k] = U[j * m + i] * inv;
    for (let i = 0; i < n; i++) v[i * n + k] = V[j * n + i];
  });
  return { u, s, v, k: n };
}

/**
 * One Jacobi rotation of the two `len`-long columns of `a` that start at `op` and `oq`
 * (columns of U, or of V): (x, y) -> (c*x - s*y, s*x + c*y).
 */
function rotate(a: Float64Array, op: number, oq: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const x = a[op + i];
    const y = a[oq + i];
    a[op + i] = c * x - s * y;
    a[oq + i] = s * x + c * y;
  }
}


// ---------------------------------------------------------------------------------------------
// The filter bank.


/**
 * scan_fhog_pyramid::build_fhog_filterbank. `weights` holds numPlanes filters of
 * `rows x cols` each (then, unused here, the threshold).
 * Requires: weights.length >= numPlanes*rows*cols, rows, cols >= 1.
 */
export function buildFhogFilterbank(weights: ArrayLike<number>, rows: number, cols: number, numPlanes = 31): FhogFilterbank {
  const size = rows * cols;
  if (weights.length < numPlanes * size) throw new RangeError(`weight vector of ${weights.length} values is too short for ${numPlanes} filters of ${rows}x${cols}`);
  const filters: Float32Array[] = [];
  const rowFilters: Float32Array[][] = [];
  const colFilters: Float32Array[][] = [];
  let numSeparable = 0;
  for (let p = 0; p < numPlanes; p++) {
    const f = new Float64Array(size);
    for (let i = 0; i < size; i++) f[i] = weights[p * size + i];
    filters.push(Float32Array.from(f));
    const { u, s, v, k } = jacobiSvd(f, rows, cols);
    let maxS = 0;
    for (let j = 0; j < k; j++) maxS = Math.max(maxS, s[j]);
    const thresh = Math.max(1e-4, maxS * 0.001);
    const rf: Float32Array[] = [];
    const cf: Float32Array[] = [];
    for (let j = 0; j < k; j++) {
      // round_zeros(w, thresh): kept when w >= thresh (singular values are >= 0).
      if (!(s[j] >= thresh)) continue;
      const sq = Math.sqrt(s[j]);
      const col = new Float32Array(rows);
      for (let r = 0; r < rows; r++) col[r] = u[r * k + j] * sq;
      const row = new Float32Array(cols);
      for (let c = 0; c < cols; c++) row[c] = v[c * k + j] * sq;
      cf.push(col);
      rf.push(row);
    }
    rowFilters.push(rf);
    colFilters.push(cf);
    numSeparable += rf.length;
  }
  const separable = !(numSeparable > (numPlanes * Math.min(rows, cols)) / 3.0);
  return { rows, cols, filters, rowFilters, colFilters, numSeparable, separable };
}

