/**
 * A correctly rounded `atan2` for doubles, so that facemetric reproduces the angle dlib computes
 * with `std::atan2`: bit for bit except where glibc's own atan2 is not correctly rounded.
 *
 * Why not `Math.atan2`: dlib's `chip_details` (dlib/image_transforms/interpolation.h) takes a face
 * chip's angle as `std::atan2(p.y(), p.x())`, which on Linux is glibc's libm (the IBM Accurate
 * Mathematical Library's e_atan2.c). That function is accurate to just over half an ulp: it
 * returns the correctly rounded result except, sometimes, where the exact value lies within about
 * 0.016 ulp of a midpoint between two doubles (measured on glibc 2.36: 1 in 320 chip-like inputs,
 * 1 in 3200 random ones of all magnitudes; mpmath confirms the correctly rounded value, which is
 * ours, in every such case; test/parity/atan2-parity.test.ts). V8's `Math.atan2` is a port of
 * fdlibm's, within an ulp but one ulp off glibc's for 1 in 4 chip-like inputs (1 in 10 random):
 * e.g. 0.02080540213649628 where glibc gives 0.020805402136496284. One ulp of angle is enough to
 * move a rotated bilinear sample across an integer and change a chip pixel by one grey level
 * (1 johns chip in 55 did).
 *
 * So this module computes atan2 in double-double arithmetic (about 100 correct bits) and rounds
 * once at the end: the correctly rounded result unless the exact value lies within about 2^-100
 * relative of a rounding midpoint, which no known input does (the nearest of glibc's misses
 * checked: 6e-6 ulp from one). Matching glibc's near-midpoint misses too would mean reproducing its
 * algorithm's own rounding errors, i.e. porting its LGPL code, which this does not do. It is our
 * own implementation (not a port of glibc's or fdlibm's code):
 *
 *  1. IEEE special cases (a NaN, an infinity or a zero operand) go to `Math.atan2`, which follows
 *     C99 Annex F there exactly as glibc does (those results are exact or are ±pi/4-type
 *     constants rounded).
 *  2. z = min(|x|,|y|) / max(|x|,|y|) in [0, 1] as a double-double: the quotient, its exact
 *     remainder (Dekker's two-product, with Veltkamp splitting since JavaScript has no FMA),
 *     and the remainder's quotient. Operands are first scaled by a power of two so the
 *     products neither overflow nor underflow. When z < 2^-60 the result is decided without it
 *     (see {@link atan2}).
 *  3. atan(z) = atan(c) + atan(t), c = k/64 nearest z, t = (z - c) / (1 + z c), |t| <= 1/128;
 *     atan(c) from a table of double-double constants; atan(t) = t (1 - t^2/3 + t^4/5 - ...)
 *     with the first terms in double-double and the tail (relative size < 2^-55) in double.
 *  4. The octant: pi/2 - atan(z) when |y| > |x|, pi - that when x < 0 (pi and pi/2 as
 *     double-double constants), the sign of y, and one final rounding hi + lo.
 *
 * Speed: about 0.4 us a call, some 14 times `Math.atan2` (Node 20, measured on a loaded x86-64);
 * it runs once per face chip.
 */

// Result of the last double-double operation (hi, lo): module-level so nothing is allocated.
let H = 0;
let L = 0;

/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729;

/** H + L = a * b exactly (Dekker's two-product; |a|, |b| < 2^996 and no underflow). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  H = p;
  L = ah * bh - p + ah * bl + al * bh + al * bl;
}

/** (H, L) = (ah, al) * (bh, bl), double-double. */
function mulDD(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const p = H;
  const e = L + (ah * bl + al * bh);
  const s = p + e;
  H = s;
  L = e - (s - p);
}

/** (H, L) = (ah, al) + (bh, bl), double-double (the accurate variant, two two-sums). */
function addDD(ah: number, al: number, bh: number, bl: number): void {
  let s = ah + bh;
  let v = s - ah;
  let e = ah - (s - v) + (bh - v);
  const t = al + bl;
  v = t - al;
  const f = al - (t - v) + (bl - v);
  e += t;
  let u = s + e;
  e -= u - s;
  s = u;
  e += f;
  u = s + e;
  H = u;
  L = e - (u - s);
}

/** (H, L) = (ah, al) / (bh, bl), double-double: three partial quotients, renormalised. */
function divDD(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  mulDD(q1, 0, bh, bl);
  addDD(ah, al, -H, -L);
  const rh = H;
  const rl = L;
  const q2 = rh / bh;
  mulDD(q2, 0, bh, bl);
  addDD(rh, rl, -H, -L);
  const q3 = H / bh;
  // q1 + q2 + q3, |q2| <~ ulp(q1), |q3| <~ ulp(q2).
  const s = q1 + q2;
  let e = q2 - (s - q1);
  e += q3;
  const u = s + e;
  H = u;
  L = e - (u - s);
}

/**
 * atan(k/64) for k = 0..64 as double-double pairs [hi_0, lo_0, hi_1, lo_1, ...]: hi = the double
 * nearest the value, lo = the double nearest (value - hi). Computed with Python's mpmath at 300
 * bits of precision: `hi = float(atan(mpf(k)/64)); lo = float(atan(mpf(k)/64) - mpf(hi))`
 * (printed with repr, which round-trips exactly). Mathematical constants.
 */
const ATAN_K64 = new Float64Array([
  0.0, 0.0,
  0.015623728620476831, -4.913600136566304e-19,
  0.031239833430268277, -1.188442711587748e-18,
  0.046840712915969654, -1.655677442254952e-19,
  0.06241880999595735, -1.5490756308295046e-18,
  0.0779666338315423, 5.804551873143357e-18,
  0.09347678115858947, -6.2844725995420954e-18,
  0.10894195698986579, 6.8267122072409585e-18,
  0.12435499454676144, -3.1253241424539383e-18,
  0.13970887428916365, -2.9579864247315813e-18,
  0.15499674192394097, 9.585415594114324e-18,
  0.1702119252854744, -3.541164079802125e-18,
  0.18534794999569476, 4.180692268843079e-18,
  0.2003985538258785, 3.1399542871844493e-18,
  0.21535769969773805, 4.738160130078733e-19,
  0.23021958727684372, 1.2313404529142703e-17,
  0.24497866312686414, 1.0698755618734451e-17,
  0.2596296294082575, 1.9238754924615304e-17,
  0.2741674511196588, 8.261353575163773e-18,
  0.2885873618940774, -1.428369957377257e-17,
  0.3028848683749714, -1.1010827903001369e-17,
  0.31705575320914703, -1.893928924292642e-17,
  0.3310960767041321, -7.952610375793799e-18,
  0.34500217720710513, -2.2938804755578304e-17,
  0.35877067027057225, -2.4623815582638635e-17,
  0.3723984466767542, 1.9612311504845653e-17,
  0.38588266939807375, 2.378822732491941e-17,
  0.39922076957525254, 2.246598105617042e-17,
  0.4124104415973873, -1.587652227770689e-17,
  0.42544963737004227, 2.3315530741892885e-17,
  0.43833655985795783, -2.494277030626541e-17,
  0.4510696559885235, -2.2703795229420475e-17,
  0.4636476090008061, 2.2698777452961687e-17,
  0.4760693303227612, 1.4654487332256713e-17,
  0.48833395105640554, -1.1373236189329585e-17,
  0.5004408131472942, -4.7181675085518756e-17,
  0.5123894603107377, -2.5462781472855804e-17,
  0.5241796287829132, 5.520094119641666e-18,
  0.5358112379604637, -4.0637956834825575e-18,
  0.5472843809874369, 4.923709671396255e-17,
  0.5585993153435624, -5.4556305485916264e-18,
  0.5697564534829784, 1.2255062085054184e-17,
  0.5807563535676704, -1.441464378193067e-17,
  0.5915997103351114, 4.920495453686772e-17,
  0.6022873461349642, 2.950430737228402e-17,
  0.6128202021652414, -3.1552061848586226e-17,
  0.6231993299340659, 2.672403885140095e-17,
  0.6334258829691446, -2.7290767436015276e-17,
  0.6435011087932844, 1.5834785051444286e-17,
  0.6534263411807619, 3.5800634857340095e-17,
  0.6632029927060933, -3.076054864429649e-17,
  0.6728325475937632, -1.899315009714705e-17,
  0.6823165548747481, 6.943223671560008e-18,
  0.6916566218531999, -8.117151192285796e-18,
  0.7008544078844502, -1.987626234335816e-17,
  0.7099116184635249, -4.597166450584887e-17,
  0.7188299996216245, -2.1478388444456983e-17,
  0.7276113326265107, 2.569325697391839e-18,
  0.7362574289814281, 3.473937648299457e-17,
  0.7447701257160751, 3.708315849135547e-17,
  0.7531512809621944, -2.4256934659182068e-17,
  0.7614027698055784, 9.850030332752822e-18,
  0.7695264804056583, -3.704991905602721e-17,
  0.7775243103733478, -2.6676490951944502e-17,
  0.7853981633974483, 3.061616997868383e-17,
]);

// pi, pi/2, 1/3, 1/5, 1/7 as double-double (hi, lo), produced the same way with mpmath.
const PI_HI = 3.141592653589793;
const PI_LO = 1.2246467991473532e-16;
const PI_2_HI = 1.5707963267948966;
const PI_2_LO = 6.123233995736766e-17;
const THIRD_HI = 0.3333333333333333;
const THIRD_LO = 1.850371707708594e-17;
const FIFTH_HI = 0.2;
const FIFTH_LO = -1.1102230246251566e-17;
const SEVENTH_HI = 0.14285714285714285;
const SEVENTH_LO = 7.93016446160826e-18;

const TWO_M60 = 2 ** -60;
const TWO_P500 = 2 ** 500;
const TWO_M500 = 2 ** -500;
const TWO_P600 = 2 ** 600;
const TWO_M600 = 2 ** -600;

/**
 * (H, L) = atan(z) for z = zh + zl in [2^-61, 1] (a normalised double-double), to about 2^-100
 * relative.
 */
function atanDD(zh: number, zl: number): void {
  const k = Math.round(zh * 64);
  let th = zh;
  let tl = zl;
  if (k !== 0) {
    const c = k / 64;
    // t = (z - c) / (1 + z c); z c = zh c + zl c (zh c exactly by two-product; zl c is tiny).
    twoProd(zh, c);
    const ph = H;
    const pl = L + zl * c;
    addDD(1, 0, ph, pl);
    const dh = H;
    const dl = L;
    addDD(zh, zl, -c, 0);
    divDD(H, L, dh, dl);
    th = H;
    tl = L;
  }
  // atan(t) = t + t s R(s), s = t^2 <= 2^-14, R = -1/3 + s (1/5 + s (-1/7 + s T)), T in double:
  // T's terms are t^9/9 .. t^17/17 relative to t (below 2^-56 of it); the next is below 2^-126.
  mulDD(th, tl, th, tl);
  const sh = H;
  const sl = L;
  const T = 1 / 9 + sh * (-1 / 11 + sh * (1 / 13 + sh * (-1 / 15 + sh * (1 / 17))));
  mulDD(sh, sl, T, 0);
  addDD(-SEVENTH_HI, -SEVENTH_LO, H, L);
  mulDD(sh, sl, H, L);
  addDD(FIFTH_HI, FIFTH_LO, H, L);
  mulDD(sh, sl, H, L);
  addDD(-THIRD_HI, -THIRD_LO, H, L);
  mulDD(sh, sl, H, L);
  mulDD(th, tl, H, L);
  addDD(th, tl, H, L);
  if (k !== 0) addDD(ATAN_K64[2 * k]!, ATAN_K64[2 * k + 1]!, H, L);
}

/**
 * `atan2(y, x)` correctly rounded (round to nearest): the angle of the point (x, y) in
 * [-pi, pi], as glibc's `std::atan2` returns it (bit for bit; see the module comment).
 *
 * Special operands (NaN, ±Infinity, ±0) follow C99 Annex F (`Math.atan2`'s results there, which
 * are glibc's). When min(|x|,|y|) / max(|x|,|y|) < 2^-60 the result is decided without the series:
 * y / x when |y| <= |x| and x > 0 (atan(q) = q (1 - q^2/3 ...) rounds as q does there: a
 * quotient of doubles is never that close to a rounding midpoint), ±pi when x < 0, ±pi/2 when
 * |y| > |x| (pi's and pi/2's low parts are 0.28 ulp, so a correction below 2^-60 relative can't
 * reach a midpoint).
 */
export function atan2(y: number, x: number): number {
  if (y === 0 || x === 0 || !Number.isFinite(x) || !Number.isFinite(y)) return Math.atan2(y, x);
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const swap = ay > ax;
  let n = swap ? ax : ay;
  let d = swap ? ay : ax;
  if (n / d < TWO_M60) {
    if (swap) return y > 0 ? PI_2_HI : -PI_2_HI;
    if (x > 0) return y / x;
    return y > 0 ? PI_HI : -PI_HI;
  }
  // Scale so that the two-product below neither overflows (Veltkamp's split) nor underflows
  // (its error term): n and d are within 2^61 of each other here.
  if (d > TWO_P500) {
    n *= TWO_M600;
    d *= TWO_M600;
  } else if (d < TWO_M500) {
    n *= TWO_P600;
    d *= TWO_P600;
  }
  // z = n / d as a double-double: the exact remainder n - zh d is representable, and
  // (n - p) - e computes it exactly (n - p is exact by Sterbenz's lemma).
  const zh = n / d;
  twoProd(zh, d);
  const r = n - H - L;
  const zl = r / d;
  atanDD(zh, zl);
  if (swap) addDD(PI_2_HI, PI_2_LO, -H, -L);
  if (x < 0) addDD(PI_HI, PI_LO, -H, -L);
  return y < 0 ? -H : H;
}
