/**
 * dlib 19.24's singular value decomposition of small double matrices, and the function built on
 * it that face chips and the shape predictor need: `find_similarity_transform`.
 *
 * Which algorithm dlib really runs: `svd(m, u, w, v)` (dlib/matrix/matrix_la.h) calls `svd3`,
 * which sends only matrices with `NR*NC == 0 || NR*NC > 9` straight to LAPACK; smaller fixed-size
 * matrices go to dlib's `svd4`. But `svd4` itself is two algorithms under one name: when dlib is
 * configured with LAPACK (`DLIB_USE_LAPACK`, which Debian's libdlib-dev defines in
 * dlib/config.h, as do most builds) its body is a call to LAPACK's `dgesvd` (jobs 'S' and 'A',
 * on the row-major data, i.e. on the transpose); only without LAPACK does it run the EISPACK-style
 * Golub-Reinsch code (Householder bidiagonalisation, accumulation, implicit-shift QR).
 * So this module has both:
 *
 *  - {@link svdLapack2x2}: LAPACK 3.11's `dgesvd` as it runs for a 2x2 matrix (`dlange`, `dlascl`,
 *    `dgebd2` with `dlarfg`/`dnrm2`/`dlapy2`/`dlarf`, `dorgbr` -> `dorg2r`/`dorgl2`, `dbdsqr`,
 *    which for n = 2 only splits or calls `dlasv2`, then its sign fix and sort), operation by
 *    operation with reference BLAS (`dgemv`, `dger`, `drot`, `dscal`, `dswap`). This is what the
 *    linked dlib computes for `matrix<double,2,2>`.
 *  - {@link svd4}: dlib's own non-LAPACK `svd4`, general m x n (m >= n), for dlib built without
 *    LAPACK.
 *
 * {@link svd} picks like dlib does (LAPACK by default). All arithmetic is IEEE double in the
 * original operation order; JavaScript never contracts a*b+c into an FMA, and neither do the
 * x86-64 baseline builds of dlib and reference LAPACK/BLAS.
 *
 * Matrices are row-major `{ rows, cols, data }`.
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

// ------------------------------------------------------------------------------------------
// LAPACK 3.11 / reference BLAS, the parts dgesvd runs for a 2x2 matrix.
// Matrices here are column-major (LAPACK's layout): element (i, j) of a matrix at offset `o`
// with leading dimension `ld` is `a[o + i + j * ld]` (0-based i, j).
// ------------------------------------------------------------------------------------------

/** DLAMCH('S'): the safe minimum, 2^-1022. */
const SAFMIN = 2 ** -1022;
/** DLAMCH('E'): relative machine epsilon (rounding), 2^-53. */
const EPS_E = 2 ** -53;
/** DLAMCH('P'): eps * base, 2^-52. */
const EPS_P = 2 ** -52;
/** DLAMCH('O'): the overflow threshold. */
const HUGEVAL = Number.MAX_VALUE;

/** Fortran's SIGN(a, b): |a| with the sign of b (gfortran follows the sign bit, so -0 counts as negative). */
function fsign(a: number, b: number): number {
  const m = Math.abs(a);
  return b < 0 || Object.is(b, -0) ? -m : m;
}

/** BLAS DNRM2 (LAPACK 3.10+ version: Blue's algorithm with three accumulators). */
function dnrm2(n: number, x: Float64Array, off: number, inc: number): number {
  const tsml = 2 ** -511;
  const tbig = 2 ** 486;
  const ssml = 2 ** 537;
  const sbig = 2 ** -538;
  if (n <= 0) return 0;
  let notbig = true;
  let asml = 0;
  let amed = 0;
  let abig = 0;
  let ix = inc < 0 ? off - (n - 1) * inc : off;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[ix]);
    if (ax > tbig) {
      const t = ax * sbig;
      abig += t * t;
      notbig = false;
    } else if (ax < tsml) {
      if (notbig) {
        const t = ax * ssml;
        asml += t * t;
      }
    } else {
      amed += ax * ax;
    }
    ix += inc;
  }
  let scl: number;
  let sumsq: number;
  if (abig > 0) {
    if (amed > 0 || amed > HUGEVAL || amed !== amed) abig += amed * sbig * sbig;
    scl = 1 / sbig;
    sumsq = abig;
  } else if (asml > 0) {
    if (amed > 0 || amed > HUGEVAL || amed !== amed) {
      amed = Math.sqrt(amed);
      asml = Math.sqrt(asml) / ssml;
      const ymin = asml > amed ? amed : asml;
      const ymax = asml > amed ? asml : amed;
      const q = ymin / ymax;
      scl = 1;
      sumsq = ymax * ymax * (1 + q * q);
    } else {
      scl = 1 / ssml;
      sumsq = asml;
    }
  } else {
    scl = 1;
    sumsq = amed;
  }
  return scl * Math.sqrt(sumsq);
}

/** LAPACK DLAPY2: sqrt(x^2 + y^2) as w * sqrt(1 + (z/w)^2). */
function dlapy2(x: number, y: number): number {
  const xnan = x !== x;
  const ynan = y !== y;
  let r = 0;
  if (xnan) r = x;
  if (ynan) r = y;
  if (!(xnan || ynan)) {
    const xa = Math.abs(x);
    const ya = Math.abs(y);
    const w = Math.max(xa, ya);
    const z = Math.min(xa, ya);
    if (z === 0 || w > HUGEVAL) {
      r = w;
    } else {
      const q = z / w;
      r = w * Math.sqrt(1 + q * q);
    }
  }
  return r;
}

/** BLAS DSCAL (reference: returns at once when da == 1). */
function dscal(n: number, da: number, x: Float64Array, off: number, inc: number): void {
  if (n <= 0 || inc <= 0 || da === 1) return;
  for (let i = 0; i < n; i++) x[off + i * inc] = da * x[off + i * inc];
}

/**
 * LAPACK DLARFG: the elementary reflector H with H * (alpha; x) = (beta; 0). alpha is a[ia] and
 * is overwritten with beta; x (n-1 values at ix, stride incx) with v; returns tau.
 */
function dlarfg(n: number, a: Float64Array, ia: number, ix: number, incx: number): number {
  if (n <= 1) return 0;
  let xnorm = dnrm2(n - 1, a, ix, incx);
  if (xnorm === 0) return 0;
  let alpha = a[ia];
  let beta = -fsign(dlapy2(alpha, xnorm), alpha);
  const safmin = SAFMIN / EPS_E;
  let knt = 0;
  if (Math.abs(beta) < safmin) {
    const rsafmn = 1 / safmin;
    do {
      knt++;
      dscal(n - 1, rsafmn, a, ix, incx);
      beta = beta * rsafmn;
      alpha = alpha * rsafmn;
    } while (Math.abs(beta) < safmin && knt < 20);
    xnorm = dnrm2(n - 1, a, ix, incx);
    beta = -fsign(dlapy2(alpha, xnorm), alpha);
  }
  const tau = (beta - alpha) / beta;
  dscal(n - 1, 1 / (alpha - beta), a, ix, incx);
  for (let j = 0; j < knt; j++) beta = beta * safmin;
  a[ia] = beta;
  return tau;
}

/** LAPACK ILADLC: the last non-zero column of the m x n matrix at `o` (0 if none), 1-based. */
function iladlc(m: number, n: number, a: Float64Array, o: number, ld: number): number {
  if (n === 0) return 0;
  if (a[o + (n - 1) * ld] !== 0 || a[o + (m - 1) + (n - 1) * ld] !== 0) return n;
  for (let j = n; j >= 1; j--) for (let i = 0; i < m; i++) if (a[o + i + (j - 1) * ld] !== 0) return j;
  return 0;
}

/** LAPACK ILADLR: the last non-zero row of the m x n matrix at `o` (0 if none), 1-based. */
function iladlr(m: number, n: number, a: Float64Array, o: number, ld: number): number {
  if (m === 0) return 0;
  if (a[o + (m - 1)] !== 0 || a[o + (m - 1) + (n - 1) * ld] !== 0) return m;
  let r = 0;
  for (let j = 0; j < n; j++) {
    let i = m;
    while (i >= 1 && a[o + Math.max(i, 1) - 1 + j * ld] === 0) i--;
    r = Math.max(r, i);
  }
  return r;
}

/**
 * LAPACK DLARF with reference BLAS DGEMV/DGER: applies H = I - tau v v^T to the m x n matrix C
 * (at `c`, leading dimension ldc) from the left or the right; v is at `v` with stride incv
 * (incv > 0 here).
 */
function dlarf(left: boolean, m: number, n: number, a: Float64Array, v: number, incv: number, tau: number, c: number, ldc: number, work: Float64Array): void {
  let lastv = 0;
  let lastc = 0;
  if (tau !== 0) {
    lastv = left ? m : n;
    let i = v + (lastv - 1) * incv;
    while (lastv > 0 && a[i] === 0) {
      lastv--;
      i -= incv;
    }
    lastc = left ? iladlc(lastv, n, a, c, ldc) : iladlr(m, lastv, a, c, ldc);
  }
  if (lastv <= 0) return;
  if (left) {
    // DGEMV('T', lastv, lastc, 1, C, ldc, v, incv, 0, work, 1): work = C^T v
    if (lastc === 0) return;
    for (let j = 0; j < lastc; j++) work[j] = 0;
    for (let j = 0; j < lastc; j++) {
      let temp = 0;
      for (let i = 0; i < lastv; i++) temp = temp + a[c + i + j * ldc] * a[v + i * incv];
      work[j] = work[j] + 1 * temp;
    }
    // DGER(lastv, lastc, -tau, v, incv, work, 1, C, ldc): C += v * (-tau * work)^T
    const alpha = -tau;
    for (let j = 0; j < lastc; j++) {
      if (work[j] !== 0) {
        const temp = alpha * work[j];
        for (let i = 0; i < lastv; i++) a[c + i + j * ldc] = a[c + i + j * ldc] + a[v + i * incv] * temp;
      }
    }
  } else {
    // DGEMV('N', lastc, lastv, 1, C, ldc, v, incv, 0, work, 1): work = C v
    if (lastc === 0) return;
    for (let i = 0; i < lastc; i++) work[i] = 0;
    for (let j = 0; j < lastv; j++) {
      const temp = 1 * a[v + j * incv];
      for (let i = 0; i < lastc; i++) work[i] = work[i] + temp * a[c + i + j * ldc];
    }
    // DGER(lastc, lastv, -tau, work, 1, v, incv, C, ldc): C += work * (-tau * v)^T
    const alpha = -tau;
    for (let j = 0; j < lastv; j++) {
      const y = a[v + j * incv];
      if (y !== 0) {
        const temp = alpha * y;
        for (let i = 0; i < lastc; i++) a[c + i + j * ldc] = a[c + i + j * ldc] + work[i] * temp;
      }
    }
  }
}

/** LAPACK DGEBD2 for m >= n: reduces A (m x n, column-major, lda = m) to upper bidiagonal form. */
function dgebd2(m: number, n: number, a: Float64Array, d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array): void {
  const lda = m;
  const work = new Float64Array(Math.max(m, n));
  const at = (i: number, j: number): number => i + j * lda;
  for (let i = 0; i < n; i++) {
    tauq[i] = dlarfg(m - i, a, at(i, i), at(Math.min(i + 1, m - 1), i), 1);
    d[i] = a[at(i, i)];
    a[at(i, i)] = 1;
    if (i < n - 1) dlarf(true, m - i, n - i - 1, a, at(i, i), 1, tauq[i], at(i, i + 1), lda, work);
    a[at(i, i)] = d[i];
    if (i < n - 1) {
      taup[i] = dlarfg(n - i - 1, a, at(i, i + 1), at(i, Math.min(i + 2, n - 1)), lda);
      e[i] = a[at(i, i + 1)];
      a[at(i, i + 1)] = 1;
      dlarf(false, m - i - 1, n - i - 1, a, at(i, i + 1), lda, taup[i], at(i + 1, i + 1), lda, work);
      a[at(i, i + 1)] = e[i];
    } else {
      taup[i] = 0;
    }
  }
}

/** LAPACK DORG2R: the m x n matrix Q with orthonormal columns from k reflectors (column-major, at `o`, leading dimension lda). */
function dorg2r(m: number, n: number, k: number, a: Float64Array, o: number, lda: number, tau: Float64Array): void {
  if (n <= 0) return;
  const work = new Float64Array(n);
  const at = (i: number, j: number): number => o + i + j * lda;
  for (let j = k; j < n; j++) {
    for (let l = 0; l < m; l++) a[at(l, j)] = 0;
    a[at(j, j)] = 1;
  }
  for (let i = k - 1; i >= 0; i--) {
    if (i < n - 1) {
      a[at(i, i)] = 1;
      dlarf(true, m - i, n - i - 1, a, at(i, i), 1, tau[i], at(i, i + 1), lda, work);
    }
    if (i < m - 1) dscal(m - i - 1, -tau[i], a, at(i + 1, i), 1);
    a[at(i, i)] = 1 - tau[i];
    for (let l = 0; l < i; l++) a[at(l, i)] = 0;
  }
}

/** LAPACK DORGL2: the m x n matrix Q with orthonormal rows from k reflectors. */
function dorgl2(m: number, n: number, k: number, a: Float64Array, o: number, lda: number, tau: Float64Array, tauOff: number): void {
  if (m <= 0) return;
  const work = new Float64Array(m);
  const at = (i: number, j: number): number => o + i + j * lda;
  if (k < m) {
    for (let j = 0; j < n; j++) {
      for (let l = k; l < m; l++) a[at(l, j)] = 0;
      if (j >= k && j < m) a[at(j, j)] = 1;
    }
  }
  for (let i = k - 1; i >= 0; i--) {
    if (i < n - 1) {
      if (i < m - 1) {
        a[at(i, i)] = 1;
        dlarf(false, m - i - 1, n - i, a, at(i, i), lda, tau[tauOff + i], at(i + 1, i), lda, work);
      }
      dscal(n - i - 1, -tau[tauOff + i], a, at(i, i + 1), lda);
    }
    a[at(i, i)] = 1 - tau[tauOff + i];
    for (let l = 0; l < i; l++) a[at(i, l)] = 0;
  }
}

/** LAPACK DORGBR('Q', m, n, k) with m >= k: DORGQR, which for small sizes is DORG2R. */
function dorgbrQ(m: number, n: number, k: number, a: Float64Array, lda: number, tau: Float64Array): void {
  if (m < k) throw new RangeError('dorgbrQ: m < k is not ported');
  if (m === 0 || n === 0) return;
  dorg2r(m, n, k, a, 0, lda, tau);
}

/** LAPACK DORGBR('P', n, n, k) with k >= n: shifts the reflectors one column right, then DORGLQ (DORGL2 for small sizes). */
function dorgbrP(n: number, a: Float64Array, lda: number, tau: Float64Array): void {
  if (n === 0) return;
  const at = (i: number, j: number): number => i + j * lda;
  a[at(0, 0)] = 1;
  for (let i = 1; i < n; i++) a[at(i, 0)] = 0;
  for (let j = 1; j < n; j++) {
    for (let i = j - 1; i >= 1; i--) a[at(i, j)] = a[at(i - 1, j)];
    a[at(0, j)] = 0;
  }
  if (n > 1) dorgl2(n - 1, n - 1, n - 1, a, at(1, 1), lda, tau, 0);
}

/** LAPACK DLASV2: the SVD of the upper triangular 2x2 [f g; 0 h]. */
function dlasv2(f: number, g: number, h: number): { ssmin: number; ssmax: number; snr: number; csr: number; snl: number; csl: number } {
  let ft = f;
  let fa = Math.abs(ft);
  let ht = h;
  let ha = Math.abs(h);
  let pmax = 1;
  const swap = ha > fa;
  if (swap) {
    pmax = 3;
    let temp = ft;
    ft = ht;
    ht = temp;
    temp = fa;
    fa = ha;
    ha = temp;
  }
  const gt = g;
  const ga = Math.abs(gt);
  let ssmin: number;
  let ssmax: number;
  let clt: number;
  let crt: number;
  let slt: number;
  let srt: number;
  if (ga === 0) {
    ssmin = ha;
    ssmax = fa;
    clt = 1;
    crt = 1;
    slt = 0;
    srt = 0;
  } else {
    let gasmal = true;
    ssmin = 0;
    ssmax = 0;
    clt = crt = slt = srt = 0;
    if (ga > fa) {
      pmax = 2;
      if (fa / ga < EPS_E) {
        gasmal = false;
        ssmax = ga;
        if (ha > 1) ssmin = fa / (ga / ha);
        else ssmin = (fa / ga) * ha;
        clt = 1;
        slt = ht / gt;
        srt = 1;
        crt = ft / gt;
      }
    }
    if (gasmal) {
      const dd = fa - ha;
      let l = dd === fa ? 1 : dd / fa;
      const m = gt / ft;
      let t = 2 - l;
      const mm = m * m;
      const tt = t * t;
      const s = Math.sqrt(tt + mm);
      const r = l === 0 ? Math.abs(m) : Math.sqrt(l * l + mm);
      const a = 0.5 * (s + r);
      ssmin = ha / a;
      ssmax = fa * a;
      if (mm === 0) {
        if (l === 0) t = fsign(2, ft) * fsign(1, gt);
        else t = gt / fsign(dd, ft) + m / t;
      } else {
        t = (m / (s + t) + m / (r + l)) * (1 + a);
      }
      l = Math.sqrt(t * t + 4);
      crt = 2 / l;
      srt = t / l;
      clt = (crt + srt * m) / a;
      slt = ((ht / ft) * srt) / a;
    }
  }
  let csl: number;
  let snl: number;
  let csr: number;
  let snr: number;
  if (swap) {
    csl = srt;
    snl = crt;
    csr = slt;
    snr = clt;
  } else {
    csl = clt;
    snl = slt;
    csr = crt;
    snr = srt;
  }
  let tsign = 1;
  if (pmax === 1) tsign = fsign(1, csr) * fsign(1, csl) * fsign(1, f);
  if (pmax === 2) tsign = fsign(1, snr) * fsign(1, csl) * fsign(1, g);
  if (pmax === 3) tsign = fsign(1, snr) * fsign(1, snl) * fsign(1, h);
  ssmax = fsign(ssmax, tsign);
  ssmin = fsign(ssmin, tsign * fsign(1, f) * fsign(1, h));
  return { ssmin, ssmax, snr, csr, snl, csl };
}

/** BLAS DROT on n pairs: x = c*x + s*y, y = c*y - s*x. */
function drot(n: number, a: Float64Array, x: number, incx: number, y: number, incy: number, c: number, s: number): void {
  for (let i = 0; i < n; i++) {
    const xi = x + i * incx;
    const yi = y + i * incy;
    const dtemp = c * a[xi] + s * a[yi];
    a[yi] = c * a[yi] - s * a[xi];
    a[xi] = dtemp;
  }
}

/** BLAS DSWAP. */
function dswap(n: number, a: Float64Array, x: number, incx: number, y: number, incy: number): void {
  for (let i = 0; i < n; i++) {
    const t = a[x + i * incx];
    a[x + i * incx] = a[y + i * incy];
    a[y + i * incy] = t;
  }
}

/**
 * (2^-53)^(-1/8) = 2^6.625 as gfortran's `EPS**MEIGTH` in DBDSQR gets it from glibc's pow
 * (correctly rounded: 0x1.8ace5422aa0dbp+6). V8's Math.pow(2 ** -53, -0.125) is one ulp higher,
 * so the constant is written out. DBDSQR's TOLMUL = max(10, min(100, this)).
 */
const EPS_POW_MEIGTH = 98.701492826108208;

/**
 * LAPACK DBDSQR('U', n, ncvt, nru, 0, d, e, VT, ldvt, U, ldu) for n <= 2, where the implicit QR
 * sweeps are never reached: the 2x2 block is split (|e| <= thresh) or solved by DLASV2; then the
 * singular values are made non-negative (negating rows of VT) and sorted decreasingly.
 */
function dbdsqrUpperSmall(n: number, ncvt: number, nru: number, d: Float64Array, e: Float64Array, vt: Float64Array, ldvt: number, u: Float64Array, ldu: number): void {
  if (n === 0) return;
  if (n > 2) throw new RangeError('dbdsqr: only n <= 2 is ported');
  if (n === 2) {
    const tolmul = Math.max(10, Math.min(100, EPS_POW_MEIGTH));
    const tol = tolmul * EPS_E;
    let sminoa = Math.abs(d[0]);
    if (sminoa !== 0) {
      let mu = sminoa;
      for (let i = 1; i < n; i++) {
        mu = Math.abs(d[i]) * (mu / (mu + Math.abs(e[i - 1])));
        sminoa = Math.min(sminoa, mu);
        if (sminoa === 0) break;
      }
    }
    sminoa = sminoa / Math.sqrt(n);
    const thresh = Math.max(tol * sminoa, 6 * (n * (n * SAFMIN)));
    // M = 2: the only off-diagonal is e(1) (1-based).
    if (Math.abs(e[0]) <= thresh) {
      e[0] = 0;
    } else {
      const r = dlasv2(d[0], e[0], d[1]);
      d[0] = r.ssmax;
      e[0] = 0;
      d[1] = r.ssmin;
      if (ncvt > 0) drot(ncvt, vt, 0, ldvt, 1, ldvt, r.csr, r.snr);
      if (nru > 0) drot(nru, u, 0, 1, ldu, 1, r.csl, r.snl);
    }
  }
  // label 160: make the singular values positive
  for (let i = 0; i < n; i++) {
    if (d[i] < 0) {
      d[i] = -d[i];
      if (ncvt > 0) dscal(ncvt, -1, vt, i, ldvt);
    }
  }
  // selection sort into decreasing order
  for (let i = 1; i <= n - 1; i++) {
    let isub = 1;
    let smin = d[0];
    for (let j = 2; j <= n + 1 - i; j++) {
      if (d[j - 1] <= smin) {
        isub = j;
        smin = d[j - 1];
      }
    }
    const last = n + 1 - i;
    if (isub !== last) {
      d[isub - 1] = d[last - 1];
      d[last - 1] = smin;
      if (ncvt > 0) dswap(ncvt, vt, isub - 1, ldvt, last - 1, ldvt);
      if (nru > 0) dswap(nru, u, (isub - 1) * ldu, 1, (last - 1) * ldu, 1);
    }
  }
}

/** LAPACK DLASCL('G', 0, 0, cfrom, cto, m, n, A): multiplies A by cto/cfrom without over/underflow. */
function dlascl(cfrom: number, cto: number, a: Float64Array, len: number): void {
  const smlnum = SAFMIN;
  const bignum = 1 / smlnum;
  let cfromc = cfrom;
  let ctoc = cto;
  let done = false;
  do {
    const cfrom1 = cfromc * smlnum;
    let mul: number;
    if (cfrom1 === cfromc) {
      mul = ctoc / cfromc;
      done = true;
    } else {
      const cto1 = ctoc / bignum;
      if (cto1 === ctoc) {
        mul = ctoc;
        done = true;
        cfromc = 1;
      } else if (Math.abs(cfrom1) > Math.abs(ctoc) && ctoc !== 0) {
        mul = smlnum;
        done = false;
        cfromc = cfrom1;
      } else if (Math.abs(cto1) > Math.abs(cfromc)) {
        mul = bignum;
        done = false;
        ctoc = cto1;
      } else {
        mul = ctoc / cfromc;
        done = true;
        if (mul === 1) return;
      }
    }
    for (let i = 0; i < len; i++) a[i] = a[i] * mul;
  } while (!done);
}

/**
 * LAPACK 3.11 DGESVD(jobu 'A', jobvt 'S') for a 2x2 column-major matrix (M = N = 2 takes
 * "path 10": bidiagonalise directly, generate Q and P^T, DBDSQR). Returns s (decreasing), U
 * (2x2, column-major) and VT (2x2, column-major).
 */
function dgesvd2x2(b: Float64Array): { s: Float64Array; u: Float64Array; vt: Float64Array } {
  const m = 2;
  const n = 2;
  const a = Float64Array.from(b);
  const eps = EPS_P;
  const smlnum = Math.sqrt(SAFMIN) / eps;
  const bignum = 1 / smlnum;
  // DLANGE('M'): the largest |a_ij|, NaN if any
  let anrm = 0;
  for (let i = 0; i < 4; i++) {
    const t = Math.abs(a[i]);
    if (anrm < t || t !== t) anrm = t;
  }
  let iscl = false;
  if (anrm > 0 && anrm < smlnum) {
    iscl = true;
    dlascl(anrm, smlnum, a, 4);
  } else if (anrm > bignum) {
    iscl = true;
    dlascl(anrm, bignum, a, 4);
  }
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const tauq = new Float64Array(n);
  const taup = new Float64Array(n);
  dgebd2(m, n, a, s, e, tauq, taup);
  // U: DLACPY('L') of the reflectors, then DORGBR('Q', M, NCU = M, N)
  const u = new Float64Array(m * m);
  for (let j = 0; j < n; j++) for (let i = j; i < m; i++) u[i + j * m] = a[i + j * m];
  dorgbrQ(m, m, n, u, m, tauq);
  // VT: DLACPY('U'), then DORGBR('P', N, N, N)
  const vt = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i <= Math.min(j, m - 1); i++) vt[i + j * n] = a[i + j * m];
  dorgbrP(n, vt, n, taup);
  dbdsqrUpperSmall(n, n, m, s, e, vt, n, u, m);
  if (iscl) {
    if (anrm > bignum) dlascl(bignum, anrm, s, n);
    if (anrm < smlnum) dlascl(smlnum, anrm, s, n);
  }
  return { s, u, vt };
}

/**
 * The SVD that the linked dlib 19.24 (built with LAPACK) computes for a fixed 2x2 double matrix:
 * `svd3` -> `svd4(SVD_SKINNY_U, true, ...)` -> `lapack::gesvd('S', 'A', ...)`, whose row-major
 * binding hands LAPACK the transpose with the jobs swapped: dgesvd('A', 'S') on a^T; dlib's u is
 * then LAPACK's VT^T and dlib's v is LAPACK's U. Singular values are non-negative and sorted
 * decreasingly; a = u * diagm(w) * trans(v).
 */
export function svdLapack2x2(a: Mat): Svd {
  if (a.rows !== 2 || a.cols !== 2) throw new RangeError(`svdLapack2x2: a ${a.rows}x${a.cols} matrix`);
  // LAPACK sees the row-major data as the column-major matrix a^T: B(i, j) = a(j, i).
  const r = dgesvd2x2(a.data);
  const u = zeros(2, 2);
  const v = zeros(2, 2);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      // dlib's u_ received LAPACK's VT (2x2, ldvt 2) as row-major storage: u(i, j) = VT(j, i).
      u.data[i * 2 + j] = r.vt[i * 2 + j];
      // dlib's vtemp received LAPACK's U as row-major storage: vtemp(i, j) = U(j, i); v = trans(vtemp).
      v.data[i * 2 + j] = r.u[i + j * 2];
    }
  }
  return { u, w: r.s, v };
}

// ------------------------------------------------------------------------------------------
// dlib's own svd4 (the non-LAPACK branch).
// ------------------------------------------------------------------------------------------

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

/**
 * dlib's `svd(m, u, w, v)` for a small fixed-size double matrix (NR*NC <= 9), with `w` returned
 * as the vector W (dlib's `w` is `diagm(W)`; see {@link diagm}). With `lapack: true` (the
 * default, as the linked dlib is built) this is {@link svdLapack2x2} and is ported for 2x2 only;
 * with `lapack: false` it is dlib's own svd4 path ({@link svd3NoLapack}) for any size.
 */
export function svd(a: Mat, options: { lapack?: boolean } = {}): Svd {
  if (options.lapack ?? true) return svdLapack2x2(a);
  return svd3NoLapack(a);
}

// ------------------------------------------------------------------------------------------
// find_similarity_transform
// ------------------------------------------------------------------------------------------

/** A 2-D affine map p -> m*p + b, m row-major [m00, m01, m10, m11] (dlib's point_transform_affine). */
export interface AffineTransform {
  m: [number, number, number, number];
  b: [number, number];
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
export function findSimilarityTransform(from: ReadonlyArray<readonly [number, number]>, to: ReadonlyArray<readonly [number, number]>, options: { lapack?: boolean } = {}): AffineTransform {
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
export function findSimilarityTransformFlat(from: ArrayLike<number>, to: ArrayLike<number>, options: { lapack?: boolean } = {}): AffineTransform {
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
