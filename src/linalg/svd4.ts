/**
 * dlib 19.24's own `svd4` (dlib/matrix/matrix_la.h), the branch compiled WITHOUT
 * `DLIB_USE_LAPACK`: the Algol SVD of the Handbook for Automatic Computation (Golub and
 * Reinsch) as dlib translated it, and `svd3` on top of it. The linked dlib (built with LAPACK)
 * runs src/linalg/svd-lapack.ts instead; this is the port for a dlib built without LAPACK.
 * All arithmetic is IEEE double in dlib's operation order.
 */
import { transpose, zeros, type Mat, type Svd } from './matrix.js';

/** dlib's `svd_u_mode`. */
export type SvdUMode = 'none' | 'skinny' | 'full';

/**
 * dlib's `svd4(u_mode, withv, a, u, q, v)` as compiled WITHOUT `DLIB_USE_LAPACK`: the Algol
 * SVD of the Handbook for Automatic Computation (Golub and Reinsch) as dlib translated it:
 * Householder reduction to bidiagonal form, accumulation of the right- and left-hand
 * transformations, diagonalisation by implicit-shift QR (at most 300 iterations per value),
 * then singular values made non-negative. The values are NOT sorted (dlib does not sort them),
 * and `sqrt(f*f + g*g)` is computed directly (no pythag). Requires a.rows >= a.cols.
 * Returns u (m x m with 'full', m x n otherwise; with 'none' it is dlib's scratch copy, not U), q (n values),
 * v (n x n, or 0 x 0 without v) and dlib's return code (0, or k if value k did not converge).
 */
export function svd4(uMode: SvdUMode, withV: boolean, a: Mat): { u: Mat; q: Float64Array; v: Mat; retval: number } {
  const m = a.rows;
  const n = a.cols;
  if (m < n) throw new RangeError(`svd4: a ${m}x${n} matrix (needs rows >= cols)`);
  let eps = 2 ** -52; // std::numeric_limits<double>::epsilon()
  const tol = 2 ** -1022 / eps; // numeric_limits::min() / eps
  const e = new Float64Array(n);
  const q = new Float64Array(n);
  // u holds a copy of a in its first n columns; it is m x m ('full') or m x n otherwise
  // (dlib sizes it so even with 'none', and uses it as the work array).
  const uc = uMode === 'full' ? m : n;
  const U = new Float64Array(m * uc);
  const V = withV ? new Float64Array(n * n) : new Float64Array(0);
  const u = (i: number, j: number): number => i * uc + j;
  const vv = (i: number, j: number): number => i * n + j;
  let retval = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) U[u(i, j)] = a.data[i * n + j];

  let c: number, f: number, g: number, h: number, s: number, x: number, y: number, z: number;
  let l = 0;
  // Householder's reduction to bidiagonal form.
  g = x = 0;
  for (let i = 0; i < n; i++) {
    e[i] = g;
    s = 0;
    l = i + 1;
    for (let j = i; j < m; j++) s += U[u(j, i)] * U[u(j, i)];
    if (s < tol) {
      g = 0;
    } else {
      f = U[u(i, i)];
      g = f < 0 ? Math.sqrt(s) : -Math.sqrt(s);
      h = f * g - s;
      U[u(i, i)] = f - g;
      for (let j = l; j < n; j++) {
        s = 0;
        for (let k = i; k < m; k++) s += U[u(k, i)] * U[u(k, j)];
        f = s / h;
        for (let k = i; k < m; k++) U[u(k, j)] += f * U[u(k, i)];
      }
    }
    q[i] = g;
    s = 0;
    for (let j = l; j < n; j++) s += U[u(i, j)] * U[u(i, j)];
    if (s < tol) {
      g = 0;
    } else {
      f = U[u(i, i + 1)];
      g = f < 0 ? Math.sqrt(s) : -Math.sqrt(s);
      h = f * g - s;
      U[u(i, i + 1)] = f - g;
      for (let j = l; j < n; j++) e[j] = U[u(i, j)] / h;
      for (let j = l; j < m; j++) {
        s = 0;
        for (let k = l; k < n; k++) s += U[u(j, k)] * U[u(i, k)];
        for (let k = l; k < n; k++) U[u(j, k)] += s * e[k];
      }
    }
    y = Math.abs(q[i]) + Math.abs(e[i]);
    if (y > x) x = y;
  }

  // Accumulation of right-hand transformations.
  if (withV) {
    for (let i = n - 1; i >= 0; i--) {
      if (g !== 0) {
        h = U[u(i, i + 1)] * g;
        for (let j = l; j < n; j++) V[vv(j, i)] = U[u(i, j)] / h;
        for (let j = l; j < n; j++) {
          s = 0;
          for (let k = l; k < n; k++) s += U[u(i, k)] * V[vv(k, j)];
          for (let k = l; k < n; k++) V[vv(k, j)] += s * V[vv(k, i)];
        }
      }
      for (let j = l; j < n; j++) V[vv(i, j)] = V[vv(j, i)] = 0;
      V[vv(i, i)] = 1;
      g = e[i];
      l = i;
    }
  }

  // Accumulation of left-hand transformations.
  if (uMode !== 'none') {
    for (let i = n; i < m; i++) {
      for (let j = n; j < uc; j++) U[u(i, j)] = 0;
      if (i < uc) U[u(i, i)] = 1;
    }
    for (let i = n - 1; i >= 0; i--) {
      l = i + 1;
      g = q[i];
      for (let j = l; j < uc; j++) U[u(i, j)] = 0;
      if (g !== 0) {
        h = U[u(i, i)] * g;
        for (let j = l; j < uc; j++) {
          s = 0;
          for (let k = l; k < m; k++) s += U[u(k, i)] * U[u(k, j)];
          f = s / h;
          for (let k = i; k < m; k++) U[u(k, j)] += f * U[u(k, i)];
        }
        for (let j = i; j < m; j++) U[u(j, i)] /= g;
      } else {
        for (let j = i; j < m; j++) U[u(j, i)] = 0;
      }
      U[u(i, i)] += 1;
    }
  }

  // Diagonalisation of the bidiagonal form.
  eps *= x;
  for (let k = n - 1; k >= 0; k--) {
    let iter = 0;
    let converged = false;
    for (;;) {
      // test f splitting: find l with e(l) negligible (e(0) == 0 always stops it) or q(l-1) negligible
      let cancel = false;
      for (l = k; l >= 0; l--) {
        if (Math.abs(e[l]) <= eps) break;
        if (Math.abs(q[l - 1]) <= eps) {
          cancel = true;
          break;
        }
      }
      if (cancel) {
        // cancellation of e(l), l > 0
        c = 0;
        s = 1;
        const l1 = l - 1;
        for (let i = l; i <= k; i++) {
          f = s * e[i];
          e[i] *= c;
          if (Math.abs(f) <= eps) break;
          g = q[i];
          h = q[i] = Math.sqrt(f * f + g * g);
          c = g / h;
          s = -f / h;
          if (uMode !== 'none') {
            for (let j = 0; j < m; j++) {
              y = U[u(j, l1)];
              z = U[u(j, i)];
              U[u(j, l1)] = y * c + z * s;
              U[u(j, i)] = -y * s + z * c;
            }
          }
        }
      }
      // test f convergence
      z = q[k];
      if (l === k) {
        converged = true;
        break;
      }
      // shift from bottom 2x2 minor
      iter++;
      if (iter > 300) {
        retval = k;
        break;
      }
      x = q[l];
      y = q[k - 1];
      g = e[k - 1];
      h = e[k];
      f = ((y - z) * (y + z) + (g - h) * (g + h)) / (2 * h * y);
      g = Math.sqrt(f * f + 1.0);
      f = ((x - z) * (x + z) + h * (y / (f < 0 ? f - g : f + g) - h)) / x;
      // next QR transformation
      c = s = 1;
      for (let i = l + 1; i <= k; i++) {
        g = e[i];
        y = q[i];
        h = s * g;
        g *= c;
        e[i - 1] = z = Math.sqrt(f * f + h * h);
        c = f / z;
        s = h / z;
        f = x * c + g * s;
        g = -x * s + g * c;
        h = y * s;
        y *= c;
        if (withV) {
          for (let j = 0; j < n; j++) {
            x = V[vv(j, i - 1)];
            z = V[vv(j, i)];
            V[vv(j, i - 1)] = x * c + z * s;
            V[vv(j, i)] = -x * s + z * c;
          }
        }
        q[i - 1] = z = Math.sqrt(f * f + h * h);
        if (z !== 0) {
          c = f / z;
          s = h / z;
        }
        f = c * g + s * y;
        x = -s * g + c * y;
        if (uMode !== 'none') {
          for (let j = 0; j < m; j++) {
            y = U[u(j, i - 1)];
            z = U[u(j, i)];
            U[u(j, i - 1)] = y * c + z * s;
            U[u(j, i)] = -y * s + z * c;
          }
        }
      }
      e[l] = 0;
      e[k] = f;
      q[k] = x;
    }
    if (!converged) break; // dlib's `break` out of the k loop after 300 iterations
    // convergence: make q(k) non-negative
    if (z < 0) {
      q[k] = -z;
      if (withV) for (let j = 0; j < n; j++) V[vv(j, k)] = -V[vv(j, k)];
    }
  }
  return {
    u: { rows: m, cols: uc, data: U },
    q,
    v: withV ? { rows: n, cols: n, data: V } : zeros(0, 0),
    retval,
  };
}

/**
 * dlib's `svd3(m, u, w, v)` without LAPACK: svd4(SVD_SKINNY_U, true, m) when rows >= cols,
 * otherwise svd4(SVD_FULL_U, true, trans(m)) with u and v exchanged and w, u padded with zeros
 * to cols entries / columns.
 */
export function svd3NoLapack(a: Mat): Svd {
  if (a.rows >= a.cols) {
    const r = svd4('skinny', true, a);
    return { u: r.u, w: r.q, v: r.v };
  }
  const r = svd4('full', true, transpose(a));
  // svd4's "u" (cols x cols) is dlib's v, its "v" (rows x rows) is dlib's u
  let u = r.v;
  let w = r.q;
  if (u.cols < a.cols) {
    const w2 = new Float64Array(a.cols);
    w2.set(w);
    w = w2;
    const u2 = zeros(u.rows, a.cols);
    for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) u2.data[i * a.cols + j] = u.data[i * u.cols + j];
    u = u2;
  }
  return { u, w, v: r.u };
}
