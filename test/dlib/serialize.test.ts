/** Tests of src/dlib/serialize.ts against bytes written by dlib 19.24 (dlib/serialize.h, float_details.h, tensor.h). */
import { describe, expect, it } from 'vitest';
import {
  DlibReader, DlibWriter, FLOAT_DETAILS_IS_NAN, floatDetailsOf, ldexp, type FloatDetails,
} from '../../src/dlib/serialize.js';
import { dataPath, firstDifference, readBytes, errorOf } from './fixtures.js';

const F32 = (x: number): number => Math.fround(x);

describe('dlib encodings written by dlib (dlib_encodings.bin)', () => {
  const bytes = readBytes(dataPath('dlib_encodings.bin'));
  const floats = [0, -0, 1, -1, 0.5, F32(3.14159265), F32(1e-45), F32(1.17549435e-38), F32(3.4028235e38), F32(-2.5e-40),
    Infinity, -Infinity, NaN, 256, 65536, F32(0.1), F32(-123456.789)];
  const doubles = [0, -0, 1, -1, 0.1, 1e-310, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, Infinity, -Infinity, NaN,
    4503599627370497, 123456789.123456789];
  const longs = [0, 1, -1, 127, 128, 255, 256, -256, 65535, 2147483647, -2147483648];

  it('reads every value back and writing them reproduces the bytes', () => {
    const r = new DlibReader(bytes, 'dlib_encodings.bin');
    const w = new DlibWriter(16);
    for (const f of floats) {
      const v = r.readFloat();
      // -0 is written as +0 by dlib (its mantissa is an int64), so read +0.
      expect(Object.is(v, f === 0 ? 0 : f) || (Number.isNaN(f) && Number.isNaN(v))).toBe(true);
      w.writeFloat(f);
    }
    for (const d of doubles) {
      const v = r.readDouble();
      expect(Object.is(v, d === 0 ? 0 : d) || (Number.isNaN(d) && Number.isNaN(v))).toBe(true);
      w.writeDouble(d);
    }
    // long doubles: 0, 1 and (long double)0.1 are doubles; -0.1L and 1e-4000L are not.
    const ld: FloatDetails[] = [];
    for (let i = 0; i < 5; i++) {
      ld.push(new DlibReader(bytes, 'x', r.offset).readFloatDetails());
      r.readLongDouble();
    }
    expect(ld[0]).toEqual({ mantissa: 0n, exponent: 1 });
    expect(ld[1]).toEqual(floatDetailsOf('long double', 1));
    expect(ld[3]).toEqual(floatDetailsOf('long double', 0.1));
    w.writeLongDouble(0);
    w.writeLongDouble(1);
    w.writeFloatDetails(ld[2]);
    w.writeLongDouble(0.1);
    w.writeFloatDetails(ld[4]);
    expect(ld[4].exponent).toBeLessThan(-13000); // 1e-4000L: beyond double range
    for (const l of longs) { expect(r.readLong()).toBe(l); w.writeLong(l); }
    expect(r.readBigInt('long')).toBe(9223372036854775807n);
    expect(r.readBigInt('long')).toBe(-9223372036854775808n);
    w.writeInt('long', 9223372036854775807n);
    w.writeInt('long', -9223372036854775808n);
    for (const s of [0, -1, 32767, -32768]) { expect(r.readInt('short')).toBe(s); w.writeInt('short', s); }
    for (const i of [-2147483648, 2147483647]) { expect(r.readI32()).toBe(i); w.writeI32(i); }
    for (const u of [0, 1, 255, 256]) { expect(r.readULong()).toBe(u); w.writeULong(u); }
    expect(r.readBigInt('unsigned long')).toBe(18446744073709551615n);
    w.writeInt('unsigned long', 18446744073709551615n);
    expect(r.readBool()).toBe(true);
    expect(r.readBool()).toBe(false);
    w.writeBool(true);
    w.writeBool(false);
    expect(r.readString()).toBe('hello');
    w.writeString('hello');
    const rect = r.readRectangle();
    expect(rect).toEqual([-3, 4, 100, 2000]);
    w.writeRectangle(rect);
    const [p, dp] = r.readPair((x) => x.readPoint(), (x) => x.readRealPoint('double'));
    expect(p).toEqual([5, -6]);
    expect(dp).toEqual([0.5, -0.25]);
    w.writePoint(p);
    w.writeRealPoint('double', dp);
    const m = r.readDoubleMatrix('matrix<double,2,3>', 2, 3);
    expect(m.nr).toBe(2);
    expect(m.nc).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    w.writeDoubleMatrix(m);
    const e = r.readFloatMatrix();
    expect([e.nr, e.nc, e.data.length]).toEqual([0, 0, 0]);
    w.writeFloatMatrix(e);
    const v = r.readVector((x) => x.readFloat());
    expect(v).toEqual([1.5, -2]);
    w.writeVector(v, (x, f) => x.writeFloat(f));
    expect(String.fromCharCode(r.readU8())).toBe('x');
    expect(r.readI8()).toBe(-5);
    expect(r.readU8()).toBe(200);
    w.writeU8(0x78);
    w.writeU8(-5);
    w.writeU8(200);
    const t = r.readTensor();
    expect([t.numSamples, t.k, t.nr, t.nc]).toEqual([2, 3, 1, 1]);
    expect(Array.from(t.data)).toEqual([-1, -0.5, 0, 0.5, 1, 1.5]);
    w.writeTensor(t);
    r.expectEnd();
    const out = w.toBytes();
    expect(firstDifference(out, bytes)).toBe(-1);
  });

  it('encodes special values as dlib does', () => {
    expect(floatDetailsOf('float', 0)).toEqual({ mantissa: 0n, exponent: 40 });
    expect(floatDetailsOf('float', -0)).toEqual({ mantissa: 0n, exponent: 40 });
    expect(floatDetailsOf('double', 0)).toEqual({ mantissa: 0n, exponent: 11 });
    expect(floatDetailsOf('float', 1)).toEqual({ mantissa: 0x80n, exponent: -7 });
    expect(floatDetailsOf('float', -1)).toEqual({ mantissa: -0x80n, exponent: -7 });
    expect(floatDetailsOf('double', NaN)).toEqual({ mantissa: 0n, exponent: FLOAT_DETAILS_IS_NAN });
    expect(floatDetailsOf('float', Infinity).exponent).toBe(32000);
    expect(floatDetailsOf('float', -Infinity).exponent).toBe(32001);
    // the smallest float subnormal: frexp normalizes it (mantissa 2^23 -> 0x80 after shifting)
    expect(floatDetailsOf('float', F32(1e-45))).toEqual({ mantissa: 0x80n, exponent: -156 });
  });
});

describe('random bit patterns written by dlib (dlib_random_floats_2048.bin)', () => {
  const bytes = readBytes(dataPath('dlib_random_floats_2048.bin'));
  const n = 2048;
  const f32 = new Float32Array(n);
  const f64 = new Float64Array(n);
  const u32 = new Uint32Array(f32.buffer);
  const u64 = new Uint32Array(f64.buffer);
  let x = 2463534242;
  const next = (): number => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
  for (let i = 0; i < n; i++) u32[i] = next();
  for (let i = 0; i < n; i++) { u64[2 * i + 1] = next(); u64[2 * i] = next(); }

  it('writes byte-identical floats and doubles (NaN, inf, subnormal included)', () => {
    const w = new DlibWriter(16);
    w.writeFloats(f32);
    w.writeDoubles(f64);
    expect(firstDifference(w.toBytes(), bytes)).toBe(-1);
  });

  it('reads them back exactly (NaN as NaN, -0 as +0)', () => {
    const r = new DlibReader(bytes, 'rand');
    const back = new Float32Array(n);
    r.readFloatsInto(back, 0, n);
    const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || (a === 0 && b === 0);
    for (let i = 0; i < n; i++) expect(same(back[i], f32[i])).toBe(true);
    for (let i = 0; i < n; i++) expect(same(r.readDouble(), f64[i])).toBe(true);
    expect(r.atEnd).toBe(true);
  });
});

describe('float reading corner cases', () => {
  it('rounds a long-double mantissa to float the way (float)int64 does', () => {
    // mantissa 2^62 + 2^38 + 1 (just above a float tie) at exponent -62: ~1.0000000596
    const w = new DlibWriter();
    w.writeFloatDetails({ mantissa: (1n << 62n) + (1n << 38n) + 1n, exponent: -62 });
    const r = new DlibReader(w.toBytes());
    expect(r.readFloat()).toBe(F32(1 + 2 ** -23));
  });

  it('ldexp rounds subnormal results once', () => {
    expect(ldexp(3, -1075)).toBe(2 * 5e-324); // 1.5 * 2^-1074 rounds to even: 2^-1073
    expect(ldexp(1, -1074)).toBe(5e-324);
    expect(ldexp(1, -1076)).toBe(0);
    expect(ldexp(1, 1024)).toBe(Infinity);
    expect(ldexp(-5, -3000)).toBe(-0);
  });

  it('reports dlib\'s legacy ASCII float format', () => {
    const e = errorOf(() => new DlibReader(new Uint8Array([0x31, 0x2e, 0x35, 0x20]), 'old.dat').readFloat('threshold'));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/^old\.dat: at byte 0: expected threshold \(dlib binary float encoding\), found 0x31 \('1'\), which starts dlib's legacy ASCII float format/);
  });
});

describe('integer encoding', () => {
  it('uses the fewest bytes and a sign bit, like pack_int', () => {
    const w = new DlibWriter();
    w.writeI32(0);
    w.writeI32(-1);
    w.writeI32(256);
    w.writeInt('short', -32768);
    w.writeULong(2 ** 53 - 1);
    expect(Array.from(w.toBytes())).toEqual([1, 0, 0x81, 1, 2, 0, 1, 0x82, 0, 0x80, 7, 255, 255, 255, 255, 255, 255, 0x1f]);
  });

  it('rejects values that do not fit the C++ type when writing', () => {
    const w = new DlibWriter();
    expect(() => w.writeI32(2 ** 31)).toThrow(RangeError);
    expect(() => w.writeULong(-1)).toThrow(RangeError);
    expect(() => w.writeInt('unsigned short', 65536)).toThrow(RangeError);
    expect(() => w.writeLong(2 ** 60)).toThrow(/bigint/);
  });

  it('says what was expected at which byte', () => {
    const r = (b: number[]): DlibReader => new DlibReader(new Uint8Array(b), 'f.dat');
    expect(errorOf(() => r([0x04, 1, 2]).readI32('version')).message)
      .toBe('f.dat: at byte 0: expected version (int, 4 value bytes), found file ends at 3');
    expect(errorOf(() => r([]).readI32('version')).message).toBe('f.dat: at byte 0: expected version (int), found file ends at 0');
    expect(errorOf(() => r([0x00]).readI32('n')).message).toBe('f.dat: at byte 0: expected n (int): control byte giving 1..4 value bytes, found 0x00');
    expect(errorOf(() => r([0x05, 1, 2, 3, 4, 5]).readI32('n')).message).toMatch(/control byte giving 1\.\.4 value bytes, found 0x05$/);
    expect(errorOf(() => r([0x81, 1]).readULong('size')).message).toMatch(/expected size \(unsigned long\): control byte with no sign bit, found 0x81 \(negative\)/);
    expect(errorOf(() => r([0x04, 0xff, 0xff, 0xff, 0xff]).readI32('n')).message).toMatch(/expected n \(int\) in range, found 4294967295/);
    expect(r([0x84, 0, 0, 0, 0x80]).readI32()).toBe(-2147483648);
    expect(errorOf(() => r([0x32]).readBool('flag')).message).toBe("f.dat: at byte 0: expected flag, found 0x32 ('2')");
    expect(errorOf(() => r([0x01, 0x05, 0x61]).readString('name')).message).toBe('f.dat: at byte 0: expected name of 5 bytes, found file ends at 3');
    expect(errorOf(() => r([0x01, 0x02, 0x61, 0x62]).readTag(['con_5', 'con_4'], 'layer type')).message)
      .toBe("f.dat: at byte 0: expected layer type 'con_5' or 'con_4', found 'ab'");
  });

  it('adds the context path to messages', () => {
    const r = new DlibReader(new Uint8Array([0x01]), 'f.dat');
    const e = errorOf(() => r.within('shape_predictor', () => r.within('forests[3]', () => r.readULong('size'))));
    expect(e.message).toBe('f.dat: at byte 0: expected size (unsigned long, 1 value byte), found file ends at 1 (in shape_predictor > forests[3])');
  });
});

describe('tensors', () => {
  it('reports truncated tensor data with sizes', () => {
    const w = new DlibWriter();
    w.writeTensor({ numSamples: 1, k: 256, nr: 1, nc: 1, data: new Float32Array(256) });
    const full = w.toBytes();
    const header = full.length - 1024;
    const cut = full.subarray(0, full.length - 10);
    const e = errorOf(() => new DlibReader(cut, 'net.dat').readTensor('params tensor'));
    expect(e.offset).toBe(header);
    expect(e.message).toBe(`net.dat: at byte ${header}: expected 4-byte float32 params tensor data (1024 bytes), found file ends at ${cut.length}`);
  });

  it('rejects a wrong tensor version and negative dimensions', () => {
    const w = new DlibWriter();
    w.writeI32(3);
    expect(errorOf(() => new DlibReader(w.toBytes()).readTensor()).message).toMatch(/expected tensor version 2, found 3/);
    const w2 = new DlibWriter();
    w2.writeI32(2);
    for (const d of [1, -2, 1, 1]) w2.writeInt('long long', d);
    expect(errorOf(() => new DlibReader(w2.toBytes()).readTensor()).message).toMatch(/expected tensor dimensions >= 0, found 1x-2x1x1/);
  });

  it('round-trips a tensor at an odd byte offset', () => {
    const w = new DlibWriter();
    w.writeU8(7);
    const data = new Float32Array([1.5, -0, NaN, Infinity, 1e-40]);
    w.writeTensor({ numSamples: 5, k: 1, nr: 1, nc: 1, data });
    w.writeAliasTensor({ numSamples: 1, k: 2, nr: 3, nc: 4 });
    const r = new DlibReader(w.toBytes(), 't', 1);
    const t = r.readTensor();
    expect(new Uint8Array(t.data.buffer)).toEqual(new Uint8Array(data.buffer));
    expect(r.readAliasTensor()).toEqual({ numSamples: 1, k: 2, nr: 3, nc: 4 });
    expect(r.atEnd).toBe(true);
  });
});

describe('matrix headers', () => {
  it('accepts the old positive-size format and checks fixed sizes', () => {
    const w = new DlibWriter();
    w.writeLong(2);
    w.writeLong(1);
    w.writeDouble(3);
    w.writeDouble(4);
    const r = new DlibReader(w.toBytes(), 'm');
    expect(Array.from(r.readDoubleMatrix('w', 0, 1).data)).toEqual([3, 4]);
    const w2 = new DlibWriter();
    w2.writeMatrixHeader(2, 2);
    expect(errorOf(() => new DlibReader(w2.toBytes(), 'm').readFloatMatrix('leaf', 0, 1)).message).toBe('m: at byte 0: expected leaf with 1 columns, found 2');
  });
});
