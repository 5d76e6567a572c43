/**
 * libjpeg's "ISLOW" integer inverse DCT (jidctint.c, jpeg_idct_islow), the default DCT method of
 * libjpeg-turbo and so of dlib's load_image: a scaled Loeffler-Ligtenberg-Moschytz IDCT with 13-bit
 * fixed-point constants (CONST_BITS 13), 2 extra bits of precision between the column and the row
 * pass (PASS1_BITS 2), and round-half-up descaling by arithmetic shifts.
 *
 * On x86-64, libjpeg-turbo runs its SSE2/AVX2 version of this IDCT (jidctint-sse2.asm /
 * jidctint-avx2.asm), not the C code. Both give the same samples for every coefficient block a
 * real 8-bit encoder produces; they part only on absurd coefficients, and there this port follows
 * the SIMD code, which is what dlib returns on Debian x86-64:
 * - dequantisation keeps the low 16 bits of coefficient x quantiser (pmullw);
 * - the sums in0+in4, in0-in4, in7+in3 and in5+in1 wrap to 16 bits (paddw/psubw);
 * - products and the other sums wrap to 32 bits (pmaddwd/paddd: JavaScript's `>>` on the exact
 *   double gives the same value mod 2^32);
 * - the column pass's outputs saturate to 16 bits (packssdw); when all AC rows 1..7 of the block
 *   are zero, the column pass is the 16-bit `dc << 2` (psllw, wrapping);
 * - the row pass's outputs saturate to -128..127 (packssdw + packsswb) before the +128 level
 *   shift. The C code instead masks to 10 bits and looks up its range-limit table: the same
 *   clamping for -512..511 around the centre, a wrap beyond (only for such absurd blocks).
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;

const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** Saturates to a signed 16-bit value (packssdw). */
function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/**
 * Inverse-DCTs one block.
 *
 * Requires: `coef[cOff .. cOff+64)` the quantised coefficients in natural (row-major) order;
 * `quant` the 64 quantisation values in natural order; `out` has 8 rows of 8 samples at
 * `outOff + r*stride`; `ws` a scratch Int32Array(64).
 * Ensures: writes the 64 samples libjpeg-turbo's x86-64 jsimd_idct_islow would.
 */
export function idctIslow(
  coef: Int16Array, cOff: number, quant: Int32Array, out: Uint8Array, outOff: number, stride: number, ws: Int32Array,
): void {
  // Pass 1: columns from the input into the work array, scaled up by 2^PASS1_BITS.
  let acRows = 0;
  for (let k = cOff + 8; k < cOff + 64; k++) acRows |= coef[k];
  if (acRows === 0) {
    for (let c = 0; c < 8; c++) {
      const dc = ((((coef[cOff + c] * quant[c]) << 16) >> 16) << (16 + PASS1_BITS)) >> 16;
      ws[c] = dc; ws[c + 8] = dc; ws[c + 16] = dc; ws[c + 24] = dc;
      ws[c + 32] = dc; ws[c + 40] = dc; ws[c + 48] = dc; ws[c + 56] = dc;
    }
  } else {
    for (let c = 0; c < 8; c++) {
      const i = cOff + c;
      if (coef[i + 8] === 0 && coef[i + 16] === 0 && coef[i + 24] === 0 && coef[i + 32] === 0 &&
        coef[i + 40] === 0 && coef[i + 48] === 0 && coef[i + 56] === 0) {
        const dc = sat16((((coef[i] * quant[c]) << 16) >> 16) * 4);
        ws[c] = dc; ws[c + 8] = dc; ws[c + 16] = dc; ws[c + 24] = dc;
        ws[c + 32] = dc; ws[c + 40] = dc; ws[c + 48] = dc; ws[c + 56] = dc;
        continue;
      }
      const in0 = ((coef[i] * quant[c]) << 16) >> 16;
      const in1 = ((coef[i + 8] * quant[c + 8]) << 16) >> 16;
      const in2 = ((coef[i + 16] * quant[c + 16]) << 16) >> 16;
      const in3 = ((coef[i + 24] * quant[c + 24]) << 16) >> 16;
      const in4 = ((coef[i + 32] * quant[c + 32]) << 16) >> 16;
      const in5 = ((coef[i + 40] * quant[c + 40]) << 16) >> 16;
      const in6 = ((coef[i + 48] * quant[c + 48]) << 16) >> 16;
      const in7 = ((coef[i + 56] * quant[c + 56]) << 16) >> 16;
      // Even part.
      const z1 = (in2 + in6) * FIX_0_541196100;
      const tmp2 = z1 - in6 * FIX_1_847759065;
      const tmp3 = z1 + in2 * FIX_0_765366865;
      const tmp0 = (((in0 + in4) << 16) >> 16) * 8192;
      const tmp1 = (((in0 - in4) << 16) >> 16) * 8192;
      const tmp10 = tmp0 + tmp3;
      const tmp13 = tmp0 - tmp3;
      const tmp11 = tmp1 + tmp2;
      const tmp12 = tmp1 - tmp2;
      // Odd part.
      const z3 = ((in7 + in3) << 16) >> 16;
      const z4 = ((in5 + in1) << 16) >> 16;
      const z5 = (z3 + z4) * FIX_1_175875602;
      const zz1 = (in7 + in1) * -FIX_0_899976223;
      const zz2 = (in5 + in3) * -FIX_2_562915447;
      const zz3 = z3 * -FIX_1_961570560 + z5;
      const zz4 = z4 * -FIX_0_390180644 + z5;
      const o0 = in7 * FIX_0_298631336 + zz1 + zz3;
      const o1 = in5 * FIX_2_053119869 + zz2 + zz4;
      const o2 = in3 * FIX_3_072711026 + zz2 + zz3;
      const o3 = in1 * FIX_1_501321110 + zz1 + zz4;
      const r = 1 << (CONST_BITS - PASS1_BITS - 1);
      const s = CONST_BITS - PASS1_BITS;
      ws[c] = sat16((tmp10 + o3 + r) >> s);
      ws[c + 56] = sat16((tmp10 - o3 + r) >> s);
      ws[c + 8] = sat16((tmp11 + o2 + r) >> s);
      ws[c + 48] = sat16((tmp11 - o2 + r) >> s);
      ws[c + 16] = sat16((tmp12 + o1 + r) >> s);
      ws[c + 40] = sat16((tmp12 - o1 + r) >> s);
      ws[c + 24] = sat16((tmp13 + o0 + r) >> s);
      ws[c + 32] = sat16((tmp13 - o0 + r) >> s);
    }
  }
  // Pass 2: rows from the work array into the output, descaled by 2^(PASS1_BITS+3), saturated
  // to -128..127 and level-shifted.
  const R = 1 << (CONST_BITS + PASS1_BITS + 3 - 1);
  const S = CONST_BITS + PASS1_BITS + 3;
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    const o = outOff + row * stride;
    const w0 = ws[w];
    const w1 = ws[w + 1];
    const w2 = ws[w + 2];
    const w3 = ws[w + 3];
    const w4 = ws[w + 4];
    const w5 = ws[w + 5];
    const w6 = ws[w + 6];
    const w7 = ws[w + 7];
    if ((w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) {
      let x = (w0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3);
      x = x < -128 ? 0 : x > 127 ? 255 : x + 128;
      out[o] = x; out[o + 1] = x; out[o + 2] = x; out[o + 3] = x;
      out[o + 4] = x; out[o + 5] = x; out[o + 6] = x; out[o + 7] = x;
      continue;
    }
    const z1 = (w2 + w6) * FIX_0_541196100;
    const tmp2 = z1 - w6 * FIX_1_847759065;
    const tmp3 = z1 + w2 * FIX_0_765366865;
    const tmp0 = (((w0 + w4) << 16) >> 16) * 8192;
    const tmp1 = (((w0 - w4) << 16) >> 16) * 8192;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    const z3 = ((w7 + w3) << 16) >> 16;
    const z4 = ((w5 + w1) << 16) >> 16;
    const z5 = (z3 + z4) * FIX_1_175875602;
    const zz1 = (w7 + w1) * -FIX_0_899976223;
    const zz2 = (w5 + w3) * -FIX_2_562915447;
    const zz3 = z3 * -FIX_1_961570560 + z5;
    const zz4 = z4 * -FIX_0_390180644 + z5;
    const o0 = w7 * FIX_0_298631336 + zz1 + zz3;
    const o1 = w5 * FIX_2_053119869 + zz2 + zz4;
    const o2 = w3 * FIX_3_072711026 + zz2 + zz3;
    const o3 = w1 * FIX_1_501321110 + zz1 + zz4;
    let x: number;
    x = (tmp10 + o3 + R) >> S; out[o] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp10 - o3 + R) >> S; out[o + 7] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp11 + o2 + R) >> S; out[o + 1] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp11 - o2 + R) >> S; out[o + 6] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp12 + o1 + R) >> S; out[o + 2] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp12 - o1 + R) >> S; out[o + 5] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp13 + o0 + R) >> S; out[o + 3] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
    x = (tmp13 - o0 + R) >> S; out[o + 4] = x < -128 ? 0 : x > 127 ? 255 : x + 128;
  }
}
