/**
 * The SVD that dlib 19.24 built with LAPACK (`DLIB_USE_LAPACK`, as Debian's libdlib-dev is)
 * computes for a fixed 2x2 double matrix: dlib/matrix/matrix_la.h `svd` -> `svd3` -> `svd4`,
 * whose body is then a call to LAPACK's `dgesvd` (dlib/matrix/lapack/gesvd.h) on the row-major
 * data, i.e. on the transpose.
 *
 * {@link svdLapack2x2} is LAPACK 3.11's `dgesvd` as it runs for a 2x2 matrix (`dlange`,
 * `dlascl`, `dgebd2` with `dlarfg`/`dnrm2`/`dlapy2`/`dlarf`, `dorgbr` -> `dorg2r`/`dorgl2`,
 * `dbdsqr`, which for n = 2 only splits or calls `dlasv2`, then its sign fix and sort),
 * operation by operation with reference BLAS (`dgemv`, `dger`, `drot`, `dscal`, `dswap`). All
 * arithmetic is IEEE double in the original operation order; JavaScript never contracts a*b+c
 * into an FMA, and neither do the x86-64 baseline builds of dlib and reference LAPACK/BLAS.
 * (OpenBLAS's LAPACK differs in the last bits: the parity harness must run the reference one.)
 */
import { zeros, type Mat, type Svd } from './matrix.js';

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
