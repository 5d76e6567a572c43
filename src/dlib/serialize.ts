/**
 * dlib's portable binary serialization, in TypeScript.
 *
 * Mirrors `dlib/serialize.h` (integers, bool, char, std::string, std::vector, std::pair,
 * C-strings), `dlib/float_details.h` (the mantissa/exponent float encoding),
 * `dlib/matrix/matrix.h` (matrix serialize), `dlib/geometry/rectangle.h` and
 * `dlib/geometry/vector.h` (rectangle, point, dpoint), `dlib/array/array_kernel.h` and
 * `dlib/array2d/array2d_kernel.h` (dlib::array, array2d) and `dlib/cuda/tensor.h` (tensor,
 * resizable_tensor, alias_tensor), all as of dlib 19.24.
 *
 * Encodings (see the functions for the exact rules):
 *
 * - Integers (every C++ integral type except the char types): a control byte, then the
 *   absolute value in little-endian order using as few bytes as possible (at least one). The
 *   control byte's low 4 bits hold the byte count, its high bit says "negative". A reader
 *   rejects a byte count of 0 or one larger than `sizeof(T)`. Signed readers ignore the
 *   0x70 bits; unsigned readers keep the sign bit in the count, so a "negative" unsigned
 *   value is an error. Widths on LP64 Linux: short 2, int 4, long / long long / size_t /
 *   unsigned long / uint64 8, wchar_t 4.
 * - `char`, `signed char`, `unsigned char`: one raw byte. `bool`: ASCII '1' or '0'.
 * - float / double / long double: `float_details` — signed int64 mantissa then int16
 *   exponent, both as integers above. The mantissa is `frexp(v) * 2^digits` (digits = 24,
 *   53, 63), exponent `e - digits`, then whole zero low bytes are shifted off (up to 8
 *   times, so 0 becomes mantissa 0, exponent 64 - digits). inf / -inf / nan have mantissa 0
 *   and exponent 32000 / 32001 / 32002. -0 is written as +0. A first byte with any 0x70 bit
 *   set marks dlib's pre-2013 ASCII float format, which this reader does not support.
 * - std::string and C strings: unsigned long length, then the raw bytes.
 * - std::vector<T>: unsigned long count, then each element (vector<char>/<unsigned char>:
 *   raw bytes).
 * - matrix<T,NR,NC>: `-nr`, `-nc` as long (the negative signs mark the current format;
 *   older files have them positive and are still accepted), then elements row-major. A
 *   fixed-size matrix checks that the stored size matches.
 * - tensor / resizable_tensor: int version (2), long long num_samples, k, nr, nc, then the
 *   values as raw little-endian IEEE float32.
 *
 * Every read checks bounds and reports problems as {@link DlibFormatError} with the byte
 * offset: "at byte N: expected X, found Y".
 */
import { DlibFormatError } from '../errors.js';
import type { Point, Rect } from '../geometry/index.js';

// ------------------------------------------------------------------------------------------
// Scratch views for bit-level float work (no per-value allocation).

const scratch = new ArrayBuffer(8);
const scratchF64 = new Float64Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchU32 = new Uint32Array(scratch);
/** True on little-endian hosts (x86, ARM): then typed-array views read file bytes directly. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = HOST_IS_LITTLE_ENDIAN ? 1 : 0;
const LO = HOST_IS_LITTLE_ENDIAN ? 0 : 1;

const TWO32 = 4294967296;

/** Exact powers of two 2^e for e in [POW2_MIN, POW2_MAX], built by exact doubling/halving. */
const POW2_MIN = -1074;
const POW2_MAX = 1023;
const POW2 = (() => {
  const t = new Float64Array(POW2_MAX - POW2_MIN + 1);
  let v = 1;
  for (let e = 0; e <= POW2_MAX; e++) { t[e - POW2_MIN] = v; v *= 2; }
  v = 1;
  for (let e = 0; e >= POW2_MIN; e--) { t[e - POW2_MIN] = v; v /= 2; }
  return t;
})();

/**
 * `std::ldexp(m, e)` for an integer-valued double `m`, rounded once to double like C's
 * ldexp (the intermediate product is kept normal so only the final scaling rounds).
 */
export function ldexp(m: number, e: number): number {
  if (m === 0 || m !== m || m === Infinity || m === -Infinity) return m;
  if (e >= -1022) {
    // |m| >= 1, so the product is a normal double: exact unless it overflows.
    if (e <= POW2_MAX) return m * POW2[e - POW2_MIN];
    return m > 0 ? Infinity : -Infinity;
  }
  // |m| < 2^64, so below 2^-2044 the result rounds to zero.
  if (e < -2044) return m > 0 ? 0 : -0;
  // Exact first step (the intermediate stays >= 2^-1022), then one rounding step.
  return (m * POW2[e + 1022 - POW2_MIN]) * POW2[-1022 - POW2_MIN];
}

// ------------------------------------------------------------------------------------------
// Float encoding (float_details).

/** float_details special exponents. */
export const FLOAT_DETAILS_IS_INF = 32000;
export const FLOAT_DETAILS_IS_NINF = 32001;
export const FLOAT_DETAILS_IS_NAN = 32002;

/** The raw float_details pair as stored in a file. */
export interface FloatDetails {
  mantissa: bigint;
  exponent: number;
}

/** Which C++ floating type a value is serialized as (float_details digits 24 / 53 / 63). */
export type FloatKind = 'float' | 'double' | 'long double';

/** Integer kinds as dlib serializes them (LP64 widths). */
export type IntKind =
  | 'short' | 'int' | 'long' | 'long long' | 'int64' | 'wchar_t'
  | 'unsigned short' | 'unsigned int' | 'unsigned long' | 'uint64' | 'size_t';

const INT_INFO: Record<IntKind, { bytes: number; signed: boolean }> = {
  'short': { bytes: 2, signed: true },
  'int': { bytes: 4, signed: true },
  'wchar_t': { bytes: 4, signed: true },
  'long': { bytes: 8, signed: true },
  'long long': { bytes: 8, signed: true },
  'int64': { bytes: 8, signed: true },
  'unsigned short': { bytes: 2, signed: false },
  'unsigned int': { bytes: 4, signed: false },
  'unsigned long': { bytes: 8, signed: false },
  'uint64': { bytes: 8, signed: false },
  'size_t': { bytes: 8, signed: false },
};

// Module-level outputs of the encoders below (avoid allocating a result object per value).
let encMantissa = 0; // magnitude of the mantissa (exact integer, < 2^64)
let encNegative = false;
let encExponent = 0;

/**
 * Computes dlib's float_details for a float32 value `v` (already rounded to float) into the
 * module-level enc* variables. Mirrors float_details::convert_from_T<float>.
 */
function encodeFloat32Details(v: number): void {
  encNegative = false;
  if (v !== v) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_NAN; return; }
  if (v === Infinity) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_INF; return; }
  if (v === -Infinity) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_NINF; return; }
  scratchF32[0] = v;
  const bits = scratchU32[0];
  const biased = (bits >>> 23) & 0xff;
  let m = bits & 0x7fffff;
  let e: number;
  if (biased === 0) {
    if (m === 0) { encMantissa = 0; encExponent = -24 + 64; return; } // ±0: frexp gives 0, 8 byte shifts
    // subnormal: frexp normalizes the fraction
    e = -149;
    while (m < 0x800000) { m *= 2; e--; }
  } else {
    m |= 0x800000;
    e = biased - 150;
  }
  // shift off whole zero bytes (at most 8 times; m != 0 so at most 2 here)
  while ((m & 0xff) === 0) { m >>>= 8; e += 8; }
  encMantissa = m;
  encNegative = bits >>> 31 === 1;
  encExponent = e;
}

/** float_details for a double (digits = 53) or, with extraShift = 10, a long double (63). */
function encodeFloat64Details(v: number, digits: 53 | 63): void {
  encNegative = false;
  if (v !== v) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_NAN; return; }
  if (v === Infinity) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_INF; return; }
  if (v === -Infinity) { encMantissa = 0; encExponent = FLOAT_DETAILS_IS_NINF; return; }
  if (v === 0) { encMantissa = 0; encExponent = -digits + 64; return; }
  scratchF64[0] = v;
  const hi = scratchU32[HI];
  const lo = scratchU32[LO];
  const biased = (hi >>> 20) & 0x7ff;
  let m = (hi & 0xfffff) * TWO32 + lo;
  let e: number;
  if (biased === 0) {
    e = -1074;
    while (m < 4503599627370496) { m *= 2; e--; } // normalize to 53 bits
  } else {
    m += 4503599627370496; // 2^52
    e = biased - 1075;
  }
  if (digits === 63) { m *= 1024; e -= 10; } // exact: only the exponent of the double changes
  // m is a 53-bit integer times a power of two, so % and / by 256 are exact.
  for (let i = 0; i < 8 && m % 256 === 0; i++) { m /= 256; e += 8; }
  encMantissa = m;
  encNegative = (hi >>> 31) === 1;
  encExponent = e;
}

// ------------------------------------------------------------------------------------------

/** A dnn tensor (tensor / resizable_tensor): shape and float32 values (num_samples*k*nr*nc). */
export interface DlibTensor {
  numSamples: number;
  k: number;
  nr: number;
  nc: number;
  data: Float32Array;
}

/** alias_tensor: a shape only (it views part of another tensor). */
export interface DlibAliasTensor {
  numSamples: number;
  k: number;
  nr: number;
  nc: number;
}

/** dlib::matrix<T> read from a file: row-major values. */
export interface DlibMatrix<A extends Float32Array | Float64Array = Float32Array | Float64Array> {
  nr: number;
  nc: number;
  data: A;
}

/** Creates an empty (0x0x0x0) tensor. */
export function emptyTensor(): DlibTensor {
  return { numSamples: 0, k: 0, nr: 0, nc: 0, data: new Float32Array(0) };
}

/** Creates a tensor of the given shape (zero-filled unless data is given). */
export function makeTensor(numSamples: number, k: number, nr: number, nc: number, data?: Float32Array): DlibTensor {
  const size = numSamples * k * nr * nc;
  if (data !== undefined && data.length !== size) {
    throw new RangeError(`tensor data has ${data.length} values, shape ${numSamples}x${k}x${nr}x${nc} needs ${size}`);
  }
  return { numSamples, k, nr, nc, data: data ?? new Float32Array(size) };
}

/** Number of values in a tensor or alias tensor shape. */
export function tensorSize(t: DlibAliasTensor): number {
  return t.numSamples * t.k * t.nr * t.nc;
}

function describeByte(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x20 && b < 0x7f ? `${hex} ('${String.fromCharCode(b)}')` : hex;
}

function printable(s: string, max = 40): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  // eslint-disable-next-line no-control-regex
  return `'${t.replace(/[\x00-\x1f\x7f-\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

const latin1 = new TextDecoder('latin1');

// ------------------------------------------------------------------------------------------

/**
 * Reads dlib-serialized values from a byte array, keeping an offset. Every method checks the
 * bounds and throws {@link DlibFormatError} ("at byte N: expected X, found Y") on a problem.
 */
export class DlibReader {
  /** Current byte offset into `bytes`. */
  offset: number;
  readonly bytes: Uint8Array;
  /** File name used in error messages (may be undefined for in-memory data). */
  readonly file: string | undefined;
  private readonly context: string[] = [];

  constructor(bytes: Uint8Array, file?: string, offset = 0) {
    this.bytes = bytes;
    this.file = file;
    this.offset = offset;
  }

  /** Bytes left after the current offset. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** True when every byte has been consumed. */
  get atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  /**
   * Throws a DlibFormatError at `at` (default: the current offset) saying what was expected
   * and what was found; the current context path (see {@link within}) is appended.
   */
  fail(expected: string, found: string, at: number = this.offset): never {
    const where = this.context.length > 0 ? ` (in ${this.context.join(' > ')})` : '';
    throw new DlibFormatError(`expected ${expected}, found ${found}${where}`, at, { file: this.file });
  }

  /** Throws "expected X, file ends at N" when fewer than n bytes remain. */
  need(n: number, what: string): void {
    if (this.bytes.length - this.offset < n) {
      this.fail(what, `file ends at ${this.bytes.length}`);
    }
  }

  /** Runs fn with `label` pushed on the context path used in error messages. */
  within<T>(label: string, fn: () => T): T {
    this.context.push(label);
    try {
      return fn();
    } finally {
      this.context.pop();
    }
  }

  /** Throws unless the reader is at the end ("trailing garbage" check). */
  expectEnd(what = 'end of file'): void {
    if (this.offset < this.bytes.length) {
      this.fail(what, `${this.bytes.length - this.offset} more bytes (starting with ${describeByte(this.bytes[this.offset])})`);
    }
  }

  // ---- raw bytes --------------------------------------------------------------------------

  /** One raw byte (char / unsigned char serialization). */
  readU8(what = 'a byte'): number {
    if (this.offset >= this.bytes.length) this.need(1, what);
    return this.bytes[this.offset++];
  }

  /** One raw byte as signed char. */
  readI8(what = 'a signed char'): number {
    const b = this.readU8(what);
    return b >= 128 ? b - 256 : b;
  }

  /** `n` raw bytes (a view into the source, not a copy). */
  readBytes(n: number, what = `${n} bytes`): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** bool: ASCII '1' or '0'. */
  readBool(what = "bool ('0' or '1')"): boolean {
    const at = this.offset;
    const b = this.readU8(what);
    if (b === 0x31) return true;
    if (b === 0x30) return false;
    return this.fail(what, describeByte(b), at);
  }

  // ---- integers ---------------------------------------------------------------------------

  /**
   * Reads an integer of the given C++ kind as a JS number. Values must fit the C++ type
   * (dlib would wrap silently; that only happens with data dlib does not write) and be
   * safe integers (|v| <= 2^53; use {@link readBigInt} for full 64-bit values).
   */
  readInt(kind: IntKind, what: string = kind): number {
    const { info, at, size, negative } = this.intHeader(kind, what);
    const b = this.bytes;
    let p = at + 1;
    let v: number;
    if (size <= 6) {
      v = 0;
      let mul = 1;
      for (let i = 0; i < size; i++) { v += b[p + i] * mul; mul *= 256; }
    } else {
      let hiv = 0;
      for (let i = size - 1; i >= 4; i--) hiv = hiv * 256 + b[p + i];
      const lov = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      if (hiv >= 0x200000) {
        // beyond 2^53: only reportable via readBigInt
        this.offset = at;
        const big = this.readBigInt(kind, what);
        return this.fail(`${what} within ±2^53`, `${big}`, at);
      }
      v = hiv * TWO32 + lov;
    }
    p += size;
    // range check for the C++ type
    const bits = info.bytes * 8;
    if (bits < 64) {
      const limit = info.signed ? (negative ? 2 ** (bits - 1) : 2 ** (bits - 1) - 1) : 2 ** bits - 1;
      if (v > limit) {
        return this.fail(`${what} (${kind}) in range`, `${negative ? '-' : ''}${v}`, at);
      }
    } else if (v > Number.MAX_SAFE_INTEGER) {
      return this.fail(`${what} within ±2^53`, `${negative ? '-' : ''}${v}`, at);
    }
    this.offset = p;
    return negative ? -v : v;
  }

  /**
   * Reads and checks an integer's control byte: dlib writes the number of value bytes in its low
   * bits and, for signed types, the sign in bit 7. Ensures the value bytes are in the file.
   */
  private intHeader(kind: IntKind, what: string): { info: { bytes: number; signed: boolean }; at: number; size: number; negative: boolean } {
    const info = INT_INFO[kind];
    const at = this.offset;
    if (at >= this.bytes.length) this.need(1, `${what} (${kind})`);
    const control = this.bytes[at];
    const negative = info.signed && (control & 0x80) !== 0;
    const size = info.signed ? control & 0x0f : control & 0x8f;
    if (size === 0 || size > info.bytes) this.badIntControl(control, info, kind, what, at);
    this.need(1 + size, `${what} (${kind}, ${size} value byte${size === 1 ? '' : 's'})`);
    return { info, at, size, negative };
  }

  private badIntControl(control: number, info: { bytes: number; signed: boolean }, kind: IntKind, what: string, at: number): never {
    if (!info.signed && (control & 0x80) !== 0) {
      return this.fail(`${what} (${kind}): control byte with no sign bit`, `${describeByte(control)} (negative)`, at);
    }
    return this.fail(`${what} (${kind}): control byte giving 1..${info.bytes} value bytes`, describeByte(control), at);
  }

  /** Reads an integer of the given kind as a bigint (full 64-bit range). */
  readBigInt(kind: IntKind, what: string = kind): bigint {
    const { info, at, size, negative } = this.intHeader(kind, what);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + 1 + i]);
    const bits = BigInt(info.bytes * 8);
    const limit = info.signed ? (negative ? 1n << (bits - 1n) : (1n << (bits - 1n)) - 1n) : (1n << bits) - 1n;
    if (v > limit) return this.fail(`${what} (${kind}) in range`, `${negative ? '-' : ''}${v}`, at);
    this.offset = at + 1 + size;
    return negative ? -v : v;
  }

  /** `int` (4 bytes signed). */
  readI32(what = 'int'): number { return this.readInt('int', what); }
  /** `long` (8 bytes signed on LP64). */
  readLong(what = 'long'): number { return this.readInt('long', what); }
  /** `unsigned long` / `size_t` (8 bytes unsigned). */
  readULong(what = 'unsigned long'): number { return this.readInt('unsigned long', what); }

  /** Reads an `int` version number and checks it against the accepted ones. */
  readVersion(accepted: readonly number[], what: string): number {
    const at = this.offset;
    const v = this.readInt('int', `${what} version`);
    if (!accepted.includes(v)) {
      this.fail(`${what} version ${accepted.join(' or ')}`, `${v}`, at);
    }
    return v;
  }

  /**
   * A count (unsigned long) for `count` elements of at least `minBytesEach` bytes each;
   * fails early when the rest of the file cannot hold them.
   */
  readCount(what: string, minBytesEach = 1): number {
    const at = this.offset;
    const n = this.readInt('unsigned long', what);
    if (n * minBytesEach > this.remaining) {
      this.fail(`${what} that fits in the file`, `${n} (needs at least ${n * minBytesEach} bytes, file ends at ${this.bytes.length})`, at);
    }
    return n;
  }

  // ---- floats -----------------------------------------------------------------------------

  // Outputs of readDetailsFast: the mantissa as a double (exact below 2^53, else rounded
  // once like (double)int64, with lastBig set), and the exponent.
  private lastMantissa = 0;
  private lastExponent = 0;
  private lastBig = false;

  /** Reads one float_details pair (int64 mantissa, int16 exponent) into last*. */
  private readDetailsFast(what: string): void {
    const b = this.bytes;
    const len = b.length;
    let p = this.offset;
    if (p >= len) this.need(1, what);
    const c = b[p];
    if ((c & 0x70) !== 0) {
      this.fail(`${what} (dlib binary float encoding)`, `${describeByte(c)}, which starts dlib's legacy ASCII float format (not supported)`);
    }
    const size = c & 0x0f;
    if (size === 0 || size > 8) this.fail(`${what}: mantissa control byte giving 1..8 bytes`, describeByte(c));
    if (p + 1 + size > len) this.need(1 + size, `${what} (mantissa, ${size} bytes)`);
    p++;
    let m: number;
    this.lastBig = false;
    if (size <= 4) {
      m = b[p];
      if (size > 1) m |= b[p + 1] << 8;
      if (size > 2) m |= b[p + 2] << 16;
      if (size > 3) m = (m | (b[p + 3] << 24)) >>> 0;
    } else {
      const lov = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      let hiv = 0;
      for (let i = size - 1; i >= 4; i--) hiv = hiv * 256 + b[p + i];
      if (hiv >= 0x80000000 && !(c & 0x80 && hiv === 0x80000000 && lov === 0)) {
        this.fail(`${what}: mantissa within int64`, `2^63 or more`);
      }
      if (hiv >= 0x200000) this.lastBig = true;
      m = hiv * TWO32 + lov; // rounds once (round-to-nearest-even) like (double)int64
    }
    p += size;
    if ((c & 0x80) !== 0) m = -m;
    // exponent: int16
    if (p >= len) { this.offset = p; this.need(1, `${what} (exponent)`); }
    const ce = b[p];
    const esize = ce & 0x0f;
    if (esize === 0 || esize > 2) { this.offset = p; this.fail(`${what}: exponent control byte giving 1..2 bytes`, describeByte(ce)); }
    if (p + 1 + esize > len) { this.offset = p; this.need(1 + esize, `${what} (exponent, ${esize} bytes)`); }
    let e = esize === 1 ? b[p + 1] : b[p + 1] | (b[p + 2] << 8);
    if ((ce & 0x80) !== 0) {
      if (e > 32768) { this.offset = p; this.fail(`${what}: exponent within int16`, `-${e}`); }
      e = -e;
    } else if (e > 32767) { this.offset = p; this.fail(`${what}: exponent within int16`, `${e}`); }
    this.offset = p + 1 + esize;
    this.lastMantissa = m;
    this.lastExponent = e;
  }

  /** Reads a value serialized as C++ `float`; returns the float32 value as a number. */
  readFloat(what = 'float'): number {
    const at = this.offset;
    this.readDetailsFast(what);
    const e = this.lastExponent;
    const m = this.lastMantissa;
    if (e >= FLOAT_DETAILS_IS_INF) {
      return e === FLOAT_DETAILS_IS_INF ? Infinity : e === FLOAT_DETAILS_IS_NINF ? -Infinity : NaN;
    }
    if (m === 0) return 0;
    if (this.lastBig) {
      // (float)int64 must round the exact integer directly to 24 bits.
      const saved = this.offset;
      this.offset = at;
      const d = this.readFloatDetails(what);
      this.offset = saved;
      return Math.fround(ldexp(roundBigIntToFloat(d.mantissa), e));
    }
    // m is exactly a float when |m| < 2^24; otherwise fround rounds it like (float)m.
    return Math.fround(ldexp(Math.fround(m), e));
  }

  /** Reads a value serialized as C++ `double`. */
  readDouble(what = 'double'): number {
    this.readDetailsFast(what);
    const e = this.lastExponent;
    if (e >= FLOAT_DETAILS_IS_INF) {
      return e === FLOAT_DETAILS_IS_INF ? Infinity : e === FLOAT_DETAILS_IS_NINF ? -Infinity : NaN;
    }
    return ldexp(this.lastMantissa, e);
  }

  /**
   * Reads a value serialized as C++ `long double`, rounded to a JS double (x87 long double
   * has more range and precision than a double; such values round or overflow).
   */
  readLongDouble(what = 'long double'): number {
    return this.readDouble(what);
  }

  /** Reads a floating value of the given kind. */
  readReal(kind: FloatKind, what: string = kind): number {
    return kind === 'float' ? this.readFloat(what) : this.readDouble(what);
  }

  /** Reads the raw float_details (mantissa as bigint, exponent) without converting. */
  readFloatDetails(what = 'floating point value'): FloatDetails {
    const c = this.offset < this.bytes.length ? this.bytes[this.offset] : 0;
    if ((c & 0x70) !== 0) {
      this.fail(`${what} (dlib binary float encoding)`, `${describeByte(c)}, which starts dlib's legacy ASCII float format (not supported)`);
    }
    const mantissa = this.readBigInt('int64', `${what} mantissa`);
    const exponent = this.readInt('short', `${what} exponent`);
    return { mantissa, exponent };
  }

  /**
   * Reads `count` values serialized as `float` into `dst` starting at `dstOffset`. This is
   * the hot loop for large models (the same rules as {@link readFloat}).
   */
  readFloatsInto(dst: Float32Array, dstOffset: number, count: number, what = 'float'): void {
    for (let i = 0; i < count; i++) {
      const b = this.bytes;
      const p = this.offset;
      // Fast path: 1..3 byte mantissa and 1 byte exponent (how dlib writes almost every float).
      if (p + 6 <= b.length) {
        const c = b[p];
        const size = c & 0x7f;
        if (size >= 1 && size <= 3) {
          const ce = b[p + 1 + size];
          if ((ce & 0x7f) === 1) {
            let m = b[p + 1];
            if (size > 1) m |= b[p + 2] << 8;
            if (size > 2) m |= b[p + 3] << 16;
            if (c & 0x80) m = -m;
            let e = b[p + 2 + size];
            if (ce & 0x80) e = -e;
            dst[dstOffset + i] = m === 0 ? 0 : m * POW2[e - POW2_MIN];
            this.offset = p + 3 + size;
            continue;
          }
        }
      }
      dst[dstOffset + i] = this.readFloat(what);
    }
  }

  /** Reads `count` `double` values into `dst`. */
  readDoublesInto(dst: Float64Array, dstOffset: number, count: number, what = 'double'): void {
    for (let i = 0; i < count; i++) dst[dstOffset + i] = this.readDouble(what);
  }

  // ---- strings and containers ---------------------------------------------------------------

  /** std::string (or a C string): unsigned long length, then raw bytes (decoded as Latin-1). */
  readString(what = 'std::string'): string {
    const at = this.offset;
    const n = this.readInt('unsigned long', `${what} length`);
    if (n > this.remaining) {
      this.fail(`${what} of ${n} bytes`, `file ends at ${this.bytes.length}`, at);
    }
    const s = latin1.decode(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }

  /**
   * Reads a string and checks it is one of `accepted` (layer type names, version strings).
   * The message lists what was accepted: "expected layer type 'con_5' or 'con_4', found 'xyz'".
   */
  readTag(accepted: readonly string[], what: string): string {
    const at = this.offset;
    const s = this.readStringLoose(what);
    if (!accepted.includes(s)) {
      this.fail(`${what} ${accepted.map((a) => `'${a}'`).join(' or ')}`, printable(s), at);
    }
    return s;
  }

  /**
   * Reads a string where a type name is expected. A cut-off one reads as "expected X (a string
   * of N bytes), found file ends at M"; an implausible length as "found a length of N bytes,
   * more than the M left".
   */
  readStringLoose(what: string): string {
    const at = this.offset;
    const n = this.readInt('unsigned long', `${what} (string length)`);
    if (n > this.remaining) {
      if (n <= 4096) this.fail(`${what} (a string of ${n} bytes)`, `file ends at ${this.bytes.length}`, at);
      this.fail(`${what} (a string)`, `a length of ${n} bytes, more than the ${this.remaining} left`, at);
    }
    const s = latin1.decode(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }

  /**
   * Looks ahead: if the next value is a string whose text satisfies `pred`, returns it
   * without consuming anything; otherwise returns undefined.
   */
  peekString(pred: (s: string) => boolean = () => true, at = this.offset): string | undefined {
    const b = this.bytes;
    if (at >= b.length) return undefined;
    const c = b[at];
    const size = c & 0x8f;
    if (size === 0 || size > 8 || at + 1 + size > b.length) return undefined;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < size && i < 6; i++) { n += b[at + 1 + i] * mul; mul *= 256; }
    if (size > 6 || n > 256 || at + 1 + size + n > b.length) return undefined;
    const s = latin1.decode(b.subarray(at + 1 + size, at + 1 + size + n));
    return pred(s) ? s : undefined;
  }

  /** std::vector<T>: unsigned long count, then each element via readElem. */
  readVector<T>(readElem: (r: DlibReader, index: number) => T, what = 'std::vector', minBytesEach = 1): T[] {
    const n = this.readCount(`${what} size`, minBytesEach);
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = readElem(this, i);
    return out;
  }

  /** std::vector<char> / std::vector<unsigned char>: count then raw bytes (a copy). */
  readByteVector(what = 'std::vector<unsigned char>'): Uint8Array {
    const n = this.readCount(`${what} size`);
    return this.readBytes(n, `${what} data`).slice();
  }

  /** std::pair<A,B>: first then second. */
  readPair<A, B>(readA: (r: DlibReader) => A, readB: (r: DlibReader) => B): [A, B] {
    const a = readA(this);
    const b = readB(this);
    return [a, b];
  }

  // ---- geometry -----------------------------------------------------------------------------

  /** dlib::rectangle: left, top, right, bottom as `long`, as src/geometry's Rect. */
  readRectangle(what = 'rectangle'): Rect {
    const left = this.readLong(`${what}.left`);
    const top = this.readLong(`${what}.top`);
    const right = this.readLong(`${what}.right`);
    const bottom = this.readLong(`${what}.bottom`);
    return [left, top, right, bottom];
  }

  /** dlib::point (vector<long,2>): x, y as `long`, as src/geometry's Point. */
  readPoint(what = 'point'): Point {
    const x = this.readLong(`${what}.x`);
    const y = this.readLong(`${what}.y`);
    return [x, y];
  }

  /** vector<float,2> / dpoint (vector<double,2>): x, y as floating values. */
  readRealPoint(kind: FloatKind, what = 'point'): Point {
    const x = this.readReal(kind, `${what}.x`);
    const y = this.readReal(kind, `${what}.y`);
    return [x, y];
  }

  // ---- matrix ---------------------------------------------------------------------------------

  /**
   * Reads the (nr, nc) header of a matrix or array2d: `long` -nr, -nc (older files: +nr, +nc).
   * `fixedNr`/`fixedNc` (0 = any) mirror matrix<T,NR,NC>'s size check.
   */
  readMatrixHeader(what = 'matrix', fixedNr = 0, fixedNc = 0): { nr: number; nc: number } {
    const at = this.offset;
    let nr = this.readLong(`${what} rows`);
    let nc = this.readLong(`${what} columns`);
    if (nr < 0 || nc < 0) { nr = -nr; nc = -nc; }
    if (nr < 0 || nc < 0) this.fail(`${what} size with both dimensions of one sign`, `${nr}x${nc}`, at);
    if (fixedNr !== 0 && nr !== fixedNr) this.fail(`${what} with ${fixedNr} rows`, `${nr}`, at);
    if (fixedNc !== 0 && nc !== fixedNc) this.fail(`${what} with ${fixedNc} columns`, `${nc}`, at);
    return { nr, nc };
  }

  /** matrix<float,NR,NC>. */
  readFloatMatrix(what = 'matrix<float>', fixedNr = 0, fixedNc = 0): DlibMatrix<Float32Array> {
    return this.readMatrix(what, fixedNr, fixedNc, 'floats', (n) => {
      const data = new Float32Array(n);
      this.readFloatsInto(data, 0, n, `${what} element`);
      return data;
    });
  }

  /** matrix<double,NR,NC>. */
  readDoubleMatrix(what = 'matrix<double>', fixedNr = 0, fixedNc = 0): DlibMatrix<Float64Array> {
    return this.readMatrix(what, fixedNr, fixedNc, 'doubles', (n) => {
      const data = new Float64Array(n);
      this.readDoublesInto(data, 0, n, `${what} element`);
      return data;
    });
  }

  /**
   * A matrix: the header, a check that the file holds at least 4 bytes an element (each
   * float_details takes that many or more), then `elements(nr*nc)` reads the data.
   */
  private readMatrix<T extends Float32Array | Float64Array>(what: string, fixedNr: number, fixedNc: number,
    elementWord: string, elements: (n: number) => T): DlibMatrix<T> {
    const { nr, nc } = this.readMatrixHeader(what, fixedNr, fixedNc);
    const n = nr * nc;
    if (n * 4 > this.remaining) this.fail(`${what} of ${nr}x${nc} ${elementWord} (at least ${n * 4} bytes)`, `file ends at ${this.bytes.length}`);
    return { nr, nc, data: elements(n) };
  }

  // ---- dnn tensors -----------------------------------------------------------------------------

  /** tensor / resizable_tensor: version 2, long long dims, raw little-endian float32 data. */
  readTensor(what = 'tensor'): DlibTensor {
    const { numSamples, k, nr, nc } = this.readTensorDims(2, what);
    const size = numSamples * k * nr * nc;
    const nbytes = size * 4;
    if (nbytes > this.remaining) {
      this.fail(`4-byte float32 ${what} data (${nbytes} bytes)`, `file ends at ${this.bytes.length}`);
    }
    const data = readF32LE(this.bytes, this.offset, size);
    this.offset += nbytes;
    return { numSamples, k, nr, nc, data };
  }

  /** alias_tensor: version 1, long long dims (no data). */
  readAliasTensor(what = 'alias_tensor'): DlibAliasTensor {
    return this.readTensorDims(1, what);
  }

  /** A tensor header: the version dlib writes for this kind, then four long long dims >= 0. */
  private readTensorDims(version: number, what: string): DlibAliasTensor {
    const at = this.offset;
    this.readVersion([version], what);
    const numSamples = this.readInt('long long', `${what} num_samples`);
    const k = this.readInt('long long', `${what} k`);
    const nr = this.readInt('long long', `${what} nr`);
    const nc = this.readInt('long long', `${what} nc`);
    if (numSamples < 0 || k < 0 || nr < 0 || nc < 0) {
      this.fail(`${what} dimensions >= 0`, `${numSamples}x${k}x${nr}x${nc}`, at);
    }
    return { numSamples, k, nr, nc };
  }
}

/** Copies `count` little-endian float32 values starting at byte `offset` into a new array. */
export function readF32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}

/** Rounds an integer bigint to the nearest float32 (ties to even), as (float)int64 does. */
function roundBigIntToFloat(m: bigint): number {
  const neg = m < 0n;
  const a = neg ? -m : m;
  const bits = a.toString(2).length;
  if (bits <= 24) return neg ? -Number(a) : Number(a);
  const shift = BigInt(bits - 24);
  let q = a >> shift;
  const rem = a - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const v = Number(q) * 2 ** (bits - 24);
  return neg ? -v : v;
}

// ------------------------------------------------------------------------------------------

/** Writes dlib-serialized values into a growable buffer. */
export class DlibWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 1 << 16) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  /** The bytes written so far (a copy, sized exactly). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** One raw byte. */
  writeU8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }

  /** Raw bytes. */
  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** bool as '1' / '0'. */
  writeBool(v: boolean): void {
    this.writeU8(v ? 0x31 : 0x30);
  }

  /** Writes magnitude `mag` (exact non-negative integer < 2^64) with a sign flag. */
  private writeMagnitude(mag: number, negative: boolean): void {
    this.ensure(9);
    const b = this.buf;
    const start = this.len;
    let p = start + 1;
    if (mag < TWO32) {
      let m = mag >>> 0;
      do { b[p++] = m & 0xff; m >>>= 8; } while (m !== 0);
    } else {
      let m = mag;
      do { const r = m % 256; b[p++] = r; m = (m - r) / 256; } while (m !== 0);
    }
    b[start] = (p - start - 1) | (negative ? 0x80 : 0);
    this.len = p;
  }

  /** Writes an integer of the given C++ kind (range-checked). */
  writeInt(kind: IntKind, v: number | bigint): void {
    const info = INT_INFO[kind];
    if (typeof v === 'bigint') {
      const bits = BigInt(info.bytes * 8);
      const min = info.signed ? -(1n << (bits - 1n)) : 0n;
      const max = info.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      if (v < min || v > max) throw new RangeError(`${v} does not fit in ${kind}`);
      const neg = v < 0n;
      let m = neg ? -v : v;
      const bytes: number[] = [];
      do { bytes.push(Number(m & 0xffn)); m >>= 8n; } while (m !== 0n);
      this.writeU8(bytes.length | (neg ? 0x80 : 0));
      for (const x of bytes) this.writeU8(x);
      return;
    }
    if (!Number.isInteger(v)) throw new RangeError(`${v} is not an integer (${kind})`);
    const bits = info.bytes * 8;
    if (bits < 64) {
      const min = info.signed ? -(2 ** (bits - 1)) : 0;
      const max = info.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      if (v < min || v > max) throw new RangeError(`${v} does not fit in ${kind}`);
    } else if (!Number.isSafeInteger(v) || (!info.signed && v < 0)) {
      throw new RangeError(`${v} is not a safe ${kind}; pass a bigint`);
    }
    const neg = v < 0;
    this.writeMagnitude(neg ? -v : v, neg);
  }

  /** `int`. */
  writeI32(v: number): void { this.writeInt('int', v); }
  /** `long`. */
  writeLong(v: number): void { this.writeInt('long', v); }
  /** `unsigned long` / `size_t`. */
  writeULong(v: number): void { this.writeInt('unsigned long', v); }

  /** A C++ `float` (the value is first rounded to float32, as storing it in a float does). */
  writeFloat(v: number): void {
    encodeFloat32Details(Math.fround(v));
    this.writeMagnitude(encMantissa, encNegative);
    this.writeExponent(encExponent);
  }

  /** A C++ `double`. */
  writeDouble(v: number): void {
    encodeFloat64Details(v, 53);
    this.writeMagnitude(encMantissa, encNegative);
    this.writeExponent(encExponent);
  }

  /** A C++ `long double` holding the double value v (exactly what dlib writes for it). */
  writeLongDouble(v: number): void {
    encodeFloat64Details(v, 63);
    this.writeMagnitude(encMantissa, encNegative);
    this.writeExponent(encExponent);
  }

  /** A floating value of the given kind. */
  writeReal(kind: FloatKind, v: number): void {
    if (kind === 'float') this.writeFloat(v);
    else if (kind === 'double') this.writeDouble(v);
    else this.writeLongDouble(v);
  }

  /** Raw float_details (mantissa, exponent). */
  writeFloatDetails(d: FloatDetails): void {
    this.writeInt('int64', d.mantissa);
    this.writeInt('short', d.exponent);
  }

  private writeExponent(e: number): void {
    const neg = e < 0;
    this.writeMagnitude(neg ? -e : e, neg);
  }

  /** Writes `count` values of src starting at srcOffset as `float`s. */
  writeFloats(src: ArrayLike<number>, srcOffset = 0, count = src.length - srcOffset): void {
    this.ensure(count * 6);
    for (let i = 0; i < count; i++) {
      encodeFloat32Details(Math.fround(src[srcOffset + i]));
      this.writeMagnitude(encMantissa, encNegative);
      this.writeExponent(encExponent);
    }
  }

  /** Writes `count` values as `double`s. */
  writeDoubles(src: ArrayLike<number>, srcOffset = 0, count = src.length - srcOffset): void {
    for (let i = 0; i < count; i++) this.writeDouble(src[srcOffset + i]);
  }

  /** std::string / C string (Latin-1 code units as bytes). */
  writeString(s: string): void {
    this.writeULong(s.length);
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) throw new RangeError(`string ${printable(s)} has a character above U+00FF`);
      this.buf[this.len++] = c;
    }
  }

  /** std::vector<T>: count then elements. */
  writeVector<T>(items: readonly T[], writeElem: (w: DlibWriter, item: T, index: number) => void): void {
    this.writeULong(items.length);
    for (let i = 0; i < items.length; i++) writeElem(this, items[i], i);
  }

  /** std::vector<unsigned char> / <char>: count then raw bytes. */
  writeByteVector(bytes: Uint8Array): void {
    this.writeULong(bytes.length);
    this.writeBytes(bytes);
  }

  /** dlib::rectangle: left, top, right, bottom. */
  writeRectangle(r: Readonly<Rect>): void {
    for (const v of r) this.writeLong(v);
  }

  /** dlib::point (long coordinates). */
  writePoint(p: Readonly<Point>): void {
    this.writeLong(p[0]);
    this.writeLong(p[1]);
  }

  /** vector<float,2> / dpoint. */
  writeRealPoint(kind: FloatKind, p: Readonly<Point>): void {
    this.writeReal(kind, p[0]);
    this.writeReal(kind, p[1]);
  }

  /** Matrix header in the current format: -nr, -nc as long. */
  writeMatrixHeader(nr: number, nc: number): void {
    this.writeLong(-nr);
    this.writeLong(-nc);
  }

  /** matrix<float>. */
  writeFloatMatrix(m: DlibMatrix): void {
    this.writeMatrixHeader(m.nr, m.nc);
    this.writeFloats(m.data, 0, m.nr * m.nc);
  }

  /** matrix<double>. */
  writeDoubleMatrix(m: DlibMatrix): void {
    this.writeMatrixHeader(m.nr, m.nc);
    this.writeDoubles(m.data, 0, m.nr * m.nc);
  }

  /** tensor / resizable_tensor (version 2). */
  writeTensor(t: DlibTensor): void {
    const size = t.numSamples * t.k * t.nr * t.nc;
    if (t.data.length !== size) {
      throw new RangeError(`tensor ${t.numSamples}x${t.k}x${t.nr}x${t.nc} has ${t.data.length} values, expected ${size}`);
    }
    this.writeI32(2);
    this.writeInt('long long', t.numSamples);
    this.writeInt('long long', t.k);
    this.writeInt('long long', t.nr);
    this.writeInt('long long', t.nc);
    if (HOST_IS_LITTLE_ENDIAN) {
      this.writeBytes(new Uint8Array(t.data.buffer, t.data.byteOffset, size * 4));
    } else {
      this.ensure(size * 4);
      const dv = new DataView(this.buf.buffer, this.len, size * 4);
      for (let i = 0; i < size; i++) dv.setFloat32(i * 4, t.data[i], true);
      this.len += size * 4;
    }
  }

  /** alias_tensor (version 1). */
  writeAliasTensor(t: DlibAliasTensor): void {
    this.writeI32(1);
    this.writeInt('long long', t.numSamples);
    this.writeInt('long long', t.k);
    this.writeInt('long long', t.nr);
    this.writeInt('long long', t.nc);
  }
}

/**
 * The float_details dlib computes for a value of the given kind (what it would write), for
 * tests and tools. The mantissa is signed.
 */
export function floatDetailsOf(kind: FloatKind, v: number): FloatDetails {
  if (kind === 'float') encodeFloat32Details(Math.fround(v));
  else encodeFloat64Details(v, kind === 'double' ? 53 : 63);
  const m = BigInt(encMantissa);
  return { mantissa: encNegative ? -m : m, exponent: encExponent };
}
