/**
 * dlib's plateau statistics, `dlib/statistics/running_gradient.h` (dlib 19.24): the running
 * least-squares line through a sequence of values and the "how many recent steps show no
 * decrease" counts `dnn_trainer` uses to decide when to shrink the learning rate.
 *
 * `running_gradient` fits y = w0*x + w1 to the values y at x = 0, 1, 2, ... by recursive least
 * squares in doubles (R starts at 1e6·I). Each `add(y)`, in dlib's order (dlib's small fixed-size
 * matrix expressions are evaluated element by element, products summed left to right; a
 * division by a scalar is a multiplication by its reciprocal):
 *   temp = 1 + xᵀRx  (xᵀR first, then times x), tmp = Rx,
 *   R = R - (tmp·tmpᵀ)·(1/temp), R = 0.5·(R + Rᵀ),
 *   w = w + (Rx)·(y - xᵀw)   (with the new R),
 *   residual² += (y - xᵀw)²·temp   (with the new w).
 * The slope's standard error is sqrt(residual²/(n-2) · 12/(n³-n)); P(slope > t) =
 * 1 - normalCdf(t; slope, stderr), normalCdf = 0.5·erfc(-z/√2) with glibc's `erfc` (ported in
 * {@link glibcErfc}).
 *
 * `count_steps_without_decrease(c)` walks the container from its newest value backwards, adding
 * each to a fresh running_gradient; whenever P(slope > 0) < 0.51 after j values (and at least 3),
 * count = j. The robust variant first finds the 90% quantile (`find_upper_quantile(c, 0.1)`:
 * the element of rank round((n-1)·0.9)) and skips values above it.
 */

/** dlib's default `probability_of_decrease` (0.51). */
export const DEFAULT_PROBABILITY_OF_DECREASE = 0.51;
/** dlib's default `quantile_discard` of the robust count (0.10). */
export const DEFAULT_QUANTILE_DISCARD = 0.1;

/** `dlib::running_gradient`: a recursive least-squares line through y(0), y(1), ... */
export class RunningGradient {
  private n = 0;
  // R (symmetric 2x2, stored r00, r01, r10, r11), w = (slope, intercept).
  private r00 = 1e6;
  private r01 = 0;
  private r10 = 0;
  private r11 = 1e6;
  private w0 = 0;
  private w1 = 0;
  private residualSquared = 0;

  /** `clear()`: back to no values. */
  clear(): void {
    this.n = 0;
    this.r00 = 1e6;
    this.r01 = 0;
    this.r10 = 0;
    this.r11 = 1e6;
    this.w0 = 0;
    this.w1 = 0;
    this.residualSquared = 0;
  }

  /** `current_n()`: how many values were added. */
  currentN(): number {
    return this.n;
  }

  /** `add(y)`: one recursive least-squares update (see the module comment for the order). */
  add(y: number): void {
    const x0 = this.n;
    const x1 = 1;
    const { r00, r01, r10, r11 } = this;
    // temp = 1 + trans(x)*R*x, (trans(x)*R) first.
    const xr0 = x0 * r00 + x1 * r10;
    const xr1 = x0 * r01 + x1 * r11;
    const temp = 1 + (xr0 * x0 + xr1 * x1);
    // tmp = R*x; R = R - (tmp*trans(tmp))/temp, the division a multiplication by 1/temp.
    const t0 = r00 * x0 + r01 * x1;
    const t1 = r10 * x0 + r11 * x1;
    const inv = 1 / temp;
    const n00 = r00 - (t0 * t0) * inv;
    const n01 = r01 - (t0 * t1) * inv;
    const n10 = r10 - (t1 * t0) * inv;
    const n11 = r11 - (t1 * t1) * inv;
    // R = 0.5*(R + trans(R)).
    this.r00 = 0.5 * (n00 + n00);
    this.r01 = 0.5 * (n01 + n10);
    this.r10 = 0.5 * (n10 + n01);
    this.r11 = 0.5 * (n11 + n11);
    // w = w + R*x*(y - trans(x)*w).
    const e = y - (x0 * this.w0 + x1 * this.w1);
    const rx0 = this.r00 * x0 + this.r01 * x1;
    const rx1 = this.r10 * x0 + this.r11 * x1;
    this.w0 = this.w0 + rx0 * e;
    this.w1 = this.w1 + rx1 * e;
    // residual_squared += pow(y - trans(x)*w, 2)*temp, with the new w.
    const e2 = y - (x0 * this.w0 + x1 * this.w1);
    this.residualSquared = this.residualSquared + (e2 * e2) * temp;
    ++this.n;
  }

  /** `gradient()`: the slope (needs more than 1 value). */
  gradient(): number {
    return this.w0;
  }

  /** `intercept()`: the line's value at x = 0 (needs at least 1 value). */
  intercept(): number {
    return this.w1;
  }

  /** `standard_error()`: of the slope (needs more than 2 values). */
  standardError(): number {
    const s = this.residualSquared / (this.n - 2);
    const adjust = 12.0 / (this.n * this.n * this.n - this.n);
    return Math.sqrt(s * adjust);
  }

  /** `probability_gradient_less_than(thresh)` (needs more than 2 values). */
  probabilityGradientLessThan(thresh: number): number {
    return normalCdf(thresh, this.gradient(), this.standardError());
  }

  /** `probability_gradient_greater_than(thresh)` (needs more than 2 values). */
  probabilityGradientGreaterThan(thresh: number): number {
    return 1 - this.probabilityGradientLessThan(thresh);
  }
}

/** `running_gradient::normal_cdf`: P(X <= value) for X ~ N(mean, stddev²); a step when stddev is 0. */
function normalCdf(value: number, mean: number, stddev: number): number {
  if (stddev === 0) {
    if (value < mean) return 0;
    if (value > mean) return 1;
    return 0.5;
  }
  const z = (value - mean) / stddev;
  return 0.5 * glibcErfc(-z / Math.SQRT2);
}

/**
 * `probability_gradient_greater_than(container, thresh)`: P(slope > thresh) of the line through
 * all values (requires more than 2).
 */
export function probabilityGradientGreaterThan(values: Iterable<number>, thresh: number): number {
  const g = new RunningGradient();
  for (const v of values) g.add(v);
  if (g.currentN() <= 2) throw new RangeError('probabilityGradientGreaterThan: needs more than 2 values');
  return g.probabilityGradientGreaterThan(thresh);
}

/** `probability_values_are_increasing(container)`: P(slope > 0), or 0.5 with 2 values or fewer. */
export function probabilityValuesAreIncreasing(values: Iterable<number>): number {
  const g = new RunningGradient();
  for (const v of values) g.add(v);
  return g.currentN() > 2 ? g.probabilityGradientGreaterThan(0) : 0.5;
}

/** `probability_values_are_increasing_robust(container, quantile_discard = 0.1)`. */
export function probabilityValuesAreIncreasingRobust(values: readonly number[], quantileDiscard = DEFAULT_QUANTILE_DISCARD): number {
  const q = findUpperQuantile(values, quantileDiscard);
  const g = new RunningGradient();
  for (const v of values) if (v <= q) g.add(v);
  return g.currentN() > 2 ? g.probabilityGradientGreaterThan(0) : 0.5;
}

/**
 * `find_upper_quantile(container, quantile)`: the element of rank `round((n-1)·(1-quantile))`
 * in increasing order (`std::nth_element` on a copy; only the value matters).
 */
export function findUpperQuantile(values: readonly number[], quantile: number): number {
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`findUpperQuantile: quantile must be in [0, 1], got ${quantile}`);
  if (values.length === 0) throw new RangeError('findUpperQuantile: no values');
  const idx = roundHalfAway((values.length - 1) * (1 - quantile));
  const sorted = Float64Array.from(values).sort();
  return sorted[idx];
}

/** C's `round`: halves away from zero (Math.round rounds them up). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * `count_steps_without_decrease(container, probability_of_decrease = 0.51)`: walking back from
 * the newest value, the largest j (number of newest values) for which dlib is not confident
 * (P(slope > 0 over the reversed values) < p) that the values decreased; 0 if none.
 */
export function countStepsWithoutDecrease(values: readonly number[], probabilityOfDecrease = DEFAULT_PROBABILITY_OF_DECREASE): number {
  checkProbability(probabilityOfDecrease);
  const g = new RunningGradient();
  let count = 0;
  let j = 0;
  for (let i = values.length - 1; i >= 0; i--) {
    ++j;
    g.add(values[i]);
    if (g.currentN() > 2 && g.probabilityGradientGreaterThan(0) < probabilityOfDecrease) count = j;
  }
  return count;
}

/**
 * `count_steps_without_decrease_robust(container, probability_of_decrease = 0.51,
 * quantile_discard = 0.1)`: as {@link countStepsWithoutDecrease}, but values above the
 * `1 - quantile_discard` quantile are skipped (still counted in j); 0 for an empty container.
 */
export function countStepsWithoutDecreaseRobust(values: readonly number[], probabilityOfDecrease = DEFAULT_PROBABILITY_OF_DECREASE,
  quantileDiscard = DEFAULT_QUANTILE_DISCARD): number {
  checkProbability(probabilityOfDecrease);
  if (values.length === 0) return 0;
  const q = findUpperQuantile(values, quantileDiscard);
  const g = new RunningGradient();
  let count = 0;
  let j = 0;
  for (let i = values.length - 1; i >= 0; i--) {
    ++j;
    if (values[i] <= q) g.add(values[i]);
    if (g.currentN() > 2 && g.probabilityGradientGreaterThan(0) < probabilityOfDecrease) count = j;
  }
  return count;
}

function checkProbability(p: number): void {
  if (!(p > 0.5 && p < 1)) throw new RangeError(`probability_of_decrease must be in (0.5, 1), got ${p}`);
}

// ------------------------------------------------------------------------------------------
// glibc's erfc (sysdeps/ieee754/dbl-64/s_erf.c in glibc 2.36: Sun's fdlibm with Shimizu's
// pipelined polynomial evaluation). The constants are fdlibm's, given by their bits.

const BUF = new DataView(new ArrayBuffer(8));
function fromBits(hi: number, lo: number): number {
  BUF.setUint32(0, hi);
  BUF.setUint32(4, lo);
  return BUF.getFloat64(0);
}
function highWord(x: number): number {
  BUF.setFloat64(0, x);
  return BUF.getInt32(0);
}
function withLowWordZero(x: number): number {
  BUF.setFloat64(0, x);
  BUF.setUint32(4, 0);
  return BUF.getFloat64(0);
}

const TINY = 1e-300;
const ERX = fromBits(0x3feb0ac1, 0x60000000);
const PP = [fromBits(0x3fc06eba, 0x8214db68), fromBits(0xbfd4cd7d, 0x691cb913), fromBits(0xbf9d2a51, 0xdbd7194f),
  fromBits(0xbf77a291, 0x236668e4), fromBits(0xbef8ead6, 0x120016ac)];
const QQ = [0, fromBits(0x3fd97779, 0xcddadc09), fromBits(0x3fb0a54c, 0x5536ceba), fromBits(0x3f74d022, 0xc4d36b0f),
  fromBits(0x3f215dc9, 0x221c1a10), fromBits(0xbed09c43, 0x42a26120)];
const PA = [fromBits(0xbf6359b8, 0xbef77538), fromBits(0x3fda8d00, 0xad92b34d), fromBits(0xbfd7d240, 0xfbb8c3f1),
  fromBits(0x3fd45fca, 0x805120e4), fromBits(0xbfbc6398, 0x3d3e28ec), fromBits(0x3fa22a36, 0x599795eb),
  fromBits(0xbf61bf38, 0x0a96073f)];
const QA = [0, fromBits(0x3fbb3e66, 0x18eee323), fromBits(0x3fe14af0, 0x92eb6f33), fromBits(0x3fb2635c, 0xd99fe9a7),
  fromBits(0x3fc02660, 0xe763351f), fromBits(0x3f8bedc2, 0x6b51dd1c), fromBits(0x3f888b54, 0x5735151d)];
const RA = [fromBits(0xbf843412, 0x600d6435), fromBits(0xbfe63416, 0xe4ba7360), fromBits(0xc0251e04, 0x41b0e726),
  fromBits(0xc04f300a, 0xe4cba38d), fromBits(0xc0644cb1, 0x84282266), fromBits(0xc067135c, 0xebccabb2),
  fromBits(0xc0545265, 0x57e4d2f2), fromBits(0xc023a0ef, 0xc69ac25c)];
const SA = [0, fromBits(0x4033a6b9, 0xbd707687), fromBits(0x4061350c, 0x526ae721), fromBits(0x407b290d, 0xd58a1a71),
  fromBits(0x40842b19, 0x21ec2868), fromBits(0x407ad021, 0x57700314), fromBits(0x405b28a3, 0xee48ae2c),
  fromBits(0x401a47ef, 0x8e484a93), fromBits(0xbfaeeff2, 0xee749a62)];
const RB = [fromBits(0xbf843412, 0x39e86f4a), fromBits(0xbfe993ba, 0x70c285de), fromBits(0xc031c209, 0x555f995a),
  fromBits(0xc064145d, 0x43c5ed98), fromBits(0xc083ec88, 0x1375f228), fromBits(0xc0900461, 0x6a2e5992),
  fromBits(0xc07e384e, 0x9bdc383f)];
const SB = [0, fromBits(0x403e568b, 0x261d5190), fromBits(0x40745cae, 0x221b9f0a), fromBits(0x409802eb, 0x189d5118),
  fromBits(0x40a8ffb7, 0x688c246a), fromBits(0x40a3f219, 0xcedf3be6), fromBits(0x407da874, 0xe79fe763),
  fromBits(0xc03670e2, 0x42712d62)];

/**
 * glibc 2.36's `erfc` (fdlibm's algorithm and constants, glibc's evaluation order). Below
 * |x| = 1.25 it is glibc's to the bit. Above, fdlibm calls `exp`, and this uses V8's `Math.exp`,
 * which is not glibc's (glibc's own is picked at run time, an FMA build on CPUs with FMA): there
 * about 9% of results differ from glibc's, by at most 3 ulps (measured on 100,000 values in
 * [1.25, 28)). The plateau test cannot notice: it compares P(slope > 0) = 1 - erfc(x)/2 with
 * 0.51, i.e. x near -0.018, where this is exact; for |x| >= 1.25, P is below 0.04 or above 0.96.
 */
export function glibcErfc(x: number): number {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return ((hx >>> 31) << 1) + 1 / x; // NaN, or erfc(+-inf) = 0, 2
  if (ix < 0x3feb0000) { // |x| < 0.84375
    if (ix < 0x3c700000) return 1 - x; // |x| < 2^-56
    const z = x * x;
    const r1 = PP[0] + z * PP[1];
    const z2 = z * z;
    const r2 = PP[2] + z * PP[3];
    const z4 = z2 * z2;
    const s1 = 1 + z * QQ[1];
    const s2 = QQ[2] + z * QQ[3];
    const s3 = QQ[4] + z * QQ[5];
    const r = r1 + z2 * r2 + z4 * PP[4];
    const s = s1 + z2 * s2 + z4 * s3;
    const y = r / s;
    if (hx < 0x3fd00000) return 1 - (x + x * y); // x < 1/4
    let t = x * y;
    t += x - 0.5;
    return 0.5 - t;
  }
  if (ix < 0x3ff40000) { // 0.84375 <= |x| < 1.25
    const s = Math.abs(x) - 1;
    const p1 = PA[0] + s * PA[1];
    const s2 = s * s;
    const q1 = 1 + s * QA[1];
    const s4 = s2 * s2;
    const p2 = PA[2] + s * PA[3];
    const s6 = s4 * s2;
    const q2 = QA[2] + s * QA[3];
    const p3 = PA[4] + s * PA[5];
    const q3 = QA[4] + s * QA[5];
    const p = p1 + s2 * p2 + s4 * p3 + s6 * PA[6];
    const q = q1 + s2 * q2 + s4 * q3 + s6 * QA[6];
    if (hx >= 0) return (1 - ERX) - p / q;
    return 1 + (ERX + p / q);
  }
  if (ix < 0x403c0000) { // |x| < 28
    const ax = Math.abs(x);
    const s = 1 / (ax * ax);
    let R: number;
    let S: number;
    if (ix < 0x4006db6d) { // |x| < 1/0.35
      const r1 = RA[0] + s * RA[1];
      const s2 = s * s;
      const S1 = 1 + s * SA[1];
      const s4 = s2 * s2;
      const r2 = RA[2] + s * RA[3];
      const s6 = s4 * s2;
      const S2 = SA[2] + s * SA[3];
      const s8 = s4 * s4;
      const r3 = RA[4] + s * RA[5];
      const S3 = SA[4] + s * SA[5];
      const r4 = RA[6] + s * RA[7];
      const S4 = SA[6] + s * SA[7];
      R = r1 + s2 * r2 + s4 * r3 + s6 * r4;
      S = S1 + s2 * S2 + s4 * S3 + s6 * S4 + s8 * SA[8];
    } else {
      if (hx < 0 && ix >= 0x40180000) return 2 - TINY; // x < -6
      const r1 = RB[0] + s * RB[1];
      const s2 = s * s;
      const S1 = 1 + s * SB[1];
      const s4 = s2 * s2;
      const r2 = RB[2] + s * RB[3];
      const s6 = s4 * s2;
      const S2 = SB[2] + s * SB[3];
      const r3 = RB[4] + s * RB[5];
      const S3 = SB[4] + s * SB[5];
      const S4 = SB[6] + s * SB[7];
      R = r1 + s2 * r2 + s4 * r3 + s6 * RB[6];
      S = S1 + s2 * S2 + s4 * S3 + s6 * S4;
    }
    const z = withLowWordZero(ax);
    const r = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + R / S);
    return hx > 0 ? r / ax : 2 - r / ax;
  }
  return hx > 0 ? TINY * TINY : 2 - TINY;
}
