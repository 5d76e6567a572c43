/**
 * Arithmetic-coded entropy decoding as libjpeg-turbo 2.1 does it (jdarith.c, with the probability
 * estimation table of jaricom.c = Table D.2 of ITU-T T.81): the QM decoder (arith_decode: the C and
 * A registers, renormalisation, byte unstuffing, zero data once a marker is met, which arithmetic
 * coding allows and libjpeg does not warn about), the statistics bins of DC and AC coding with the
 * DAC conditioning (L, U, Kx), sequential MCUs and the four progressive scan kinds, and its
 * recovery from nonsense (a magnitude or a run past the block: "Corrupt JPEG data: bad arithmetic
 * code", and nothing more is decoded until the next restart).
 */

/** Where the coded bytes come from: libjpeg's source, with its unread marker. */
export interface ArithSource {
  /** The next byte (libjpeg's get_byte; past the end of the file, its fake EOI markers). */
  byte(): number;
  /** The marker met and not yet processed (0: none). */
  unread: number;
  warn(message: string): void;
}

/** Table D.2, per state: Qe, Next_Index_LPS, Next_Index_MPS, Switch_MPS (state 113: fixed 0.5). */
const TABLE = [
  0x5a1d, 1, 1, 1, 0x2586, 14, 2, 0, 0x1114, 16, 3, 0, 0x080b, 18, 4, 0,
  0x03d8, 20, 5, 0, 0x01da, 23, 6, 0, 0x00e5, 25, 7, 0, 0x006f, 28, 8, 0,
  0x0036, 30, 9, 0, 0x001a, 33, 10, 0, 0x000d, 35, 11, 0, 0x0006, 9, 12, 0,
  0x0003, 10, 13, 0, 0x0001, 12, 13, 0, 0x5a7f, 15, 15, 1, 0x3f25, 36, 16, 0,
  0x2cf2, 38, 17, 0, 0x207c, 39, 18, 0, 0x17b9, 40, 19, 0, 0x1182, 42, 20, 0,
  0x0cef, 43, 21, 0, 0x09a1, 45, 22, 0, 0x072f, 46, 23, 0, 0x055c, 48, 24, 0,
  0x0406, 49, 25, 0, 0x0303, 51, 26, 0, 0x0240, 52, 27, 0, 0x01b1, 54, 28, 0,
  0x0144, 56, 29, 0, 0x00f5, 57, 30, 0, 0x00b7, 59, 31, 0, 0x008a, 60, 32, 0,
  0x0068, 62, 33, 0, 0x004e, 63, 34, 0, 0x003b, 32, 35, 0, 0x002c, 33, 9, 0,
  0x5ae1, 37, 37, 1, 0x484c, 64, 38, 0, 0x3a0d, 65, 39, 0, 0x2ef1, 67, 40, 0,
  0x261f, 68, 41, 0, 0x1f33, 69, 42, 0, 0x19a8, 70, 43, 0, 0x1518, 72, 44, 0,
  0x1177, 73, 45, 0, 0x0e74, 74, 46, 0, 0x0bfb, 75, 47, 0, 0x09f8, 77, 48, 0,
  0x0861, 78, 49, 0, 0x0706, 79, 50, 0, 0x05cd, 48, 51, 0, 0x04de, 50, 52, 0,
  0x040f, 50, 53, 0, 0x0363, 51, 54, 0, 0x02d4, 52, 55, 0, 0x025c, 53, 56, 0,
  0x01f8, 54, 57, 0, 0x01a4, 55, 58, 0, 0x0160, 56, 59, 0, 0x0125, 57, 60, 0,
  0x00f6, 58, 61, 0, 0x00cb, 59, 62, 0, 0x00ab, 61, 63, 0, 0x008f, 61, 32, 0,
  0x5b12, 65, 65, 1, 0x4d04, 80, 66, 0, 0x412c, 81, 67, 0, 0x37d8, 82, 68, 0,
  0x2fe8, 83, 69, 0, 0x293c, 84, 70, 0, 0x2379, 86, 71, 0, 0x1edf, 87, 72, 0,
  0x1aa9, 87, 73, 0, 0x174e, 72, 74, 0, 0x1424, 72, 75, 0, 0x119c, 74, 76, 0,
  0x0f6b, 74, 77, 0, 0x0d51, 75, 78, 0, 0x0bb6, 77, 79, 0, 0x0a40, 77, 48, 0,
  0x5832, 80, 81, 1, 0x4d1c, 88, 82, 0, 0x438e, 89, 83, 0, 0x3bdd, 90, 84, 0,
  0x34ee, 91, 85, 0, 0x2eae, 92, 86, 0, 0x299a, 93, 87, 0, 0x2516, 86, 71, 0,
  0x5570, 88, 89, 1, 0x4ca9, 95, 90, 0, 0x44d9, 96, 91, 0, 0x3e22, 97, 92, 0,
  0x3824, 99, 93, 0, 0x32b4, 99, 94, 0, 0x2e17, 93, 86, 0, 0x56a8, 95, 96, 1,
  0x4f46, 101, 97, 0, 0x47e5, 102, 98, 0, 0x41cf, 103, 99, 0, 0x3c3d, 104, 100, 0,
  0x375e, 99, 93, 0, 0x5231, 105, 102, 0, 0x4c0f, 106, 103, 0, 0x4639, 107, 104, 0,
  0x415e, 103, 99, 0, 0x5627, 105, 106, 1, 0x50e7, 108, 107, 0, 0x4b85, 109, 103, 0,
  0x5597, 110, 109, 0, 0x504f, 111, 107, 0, 0x5a10, 110, 111, 1, 0x5522, 112, 109, 0,
  0x59eb, 112, 111, 1, 0x5a1d, 113, 113, 0,
];
const QE = new Int32Array(114);
/** Next_Index_LPS | Switch_MPS << 7, and Next_Index_MPS, as libjpeg packs them. */
const NL = new Uint8Array(114);
const NM = new Uint8Array(114);
for (let i = 0; i < 114; i++) {
  QE[i] = TABLE[i * 4];
  NL[i] = TABLE[i * 4 + 1] | (TABLE[i * 4 + 3] << 7);
  NM[i] = TABLE[i * 4 + 2];
}

const WARN_BAD = 'Corrupt JPEG data: bad arithmetic code';
const DC_STAT_BINS = 64;
const AC_STAT_BINS = 256;

/** Zigzag → natural order with libjpeg's guard entries. */
export type NaturalOrder = Int32Array;

/**
 * The arithmetic decoder of one scan. Conditioning tables (DAC) per table number 0..15: `dcL`,
 * `dcU` (defaults 0 and 1), `acK` (default 5).
 */
export class ArithDecoder {
  private c = 0;
  private a = 0;
  /** Bits left in the C register's buffer part; -16 before the first two bytes; -1 after an error. */
  ct = -16;
  private readonly dcStats: Uint8Array[] = [];
  private readonly acStats: Uint8Array[] = [];
  private readonly fixed = Uint8Array.of(113);
  private readonly lastDc = new Int32Array(4);
  private readonly dcContext = new Int32Array(4);

  constructor(
    private readonly src: ArithSource, private readonly order: NaturalOrder,
    private readonly dcL: ArrayLike<number>, private readonly dcU: ArrayLike<number>, private readonly acK: ArrayLike<number>,
  ) {
    for (let t = 0; t < 16; t++) { this.dcStats.push(new Uint8Array(DC_STAT_BINS)); this.acStats.push(new Uint8Array(AC_STAT_BINS)); }
  }

  /**
   * start_pass / process_restart: clears the statistics the scan uses (`dcTables` / `acTables`
   * per scan component, -1 for none) and the DC predictions, and restarts the decoder.
   */
  reset(dcTables: readonly number[], acTables: readonly number[]): void {
    for (let ci = 0; ci < dcTables.length; ci++) {
      if (dcTables[ci] >= 0) {
        this.dcStats[dcTables[ci]].fill(0);
        this.lastDc[ci] = 0;
        this.dcContext[ci] = 0;
      }
      if (acTables[ci] >= 0) this.acStats[acTables[ci]].fill(0);
    }
    this.c = 0;
    this.a = 0;
    this.ct = -16;
  }

  /** arith_decode: one binary decision with the statistics bin `st[i]`. */
  private decode(st: Uint8Array, i: number): number {
    while (this.a < 0x8000) {
      if (--this.ct < 0) {
        let data = 0;
        const src = this.src;
        if (src.unread === 0) {
          data = src.byte();
          if (data === 0xff) {
            do data = src.byte(); while (data === 0xff);
            if (data === 0) data = 0xff;
            else { src.unread = data; data = 0; }
          }
        }
        this.c = this.c * 256 + data;
        if ((this.ct += 8) < 0) {
          if (++this.ct === 0) this.a = 0x8000;
        }
      }
      this.a *= 2;
    }
    let sv = st[i];
    const s = sv & 0x7f;
    const qe = QE[s];
    const nl = NL[s];
    const nm = NM[s];
    let temp = this.a - qe;
    this.a = temp;
    temp *= 2 ** this.ct;
    if (this.c >= temp) {
      this.c -= temp;
      if (this.a < qe) {
        this.a = qe;
        st[i] = (sv & 0x80) ^ nm;
      } else {
        this.a = qe;
        st[i] = (sv & 0x80) ^ nl;
        sv ^= 0x80;
      }
    } else if (this.a < 0x8000) {
      if (this.a < qe) {
        st[i] = (sv & 0x80) ^ nl;
        sv ^= 0x80;
      } else {
        st[i] = (sv & 0x80) ^ nm;
      }
    }
    return sv >> 7;
  }

  /** The bin {@link grow} stopped at. */
  private bin = 0;

  /**
   * The loop of F.23: `m` doubled for each 1 decided with bins st, st + 1, ... (the bin after the
   * last in `bin`); 0 when it overflows 15 bits (the error state, with the warning).
   */
  private grow(stats: Uint8Array, st: number, m: number): number {
    while (this.decode(stats, st)) {
      if ((m <<= 1) === 0x8000) {
        this.src.warn(WARN_BAD);
        this.ct = -1;
        return 0;
      }
      st += 1;
    }
    this.bin = st;
    return m;
  }

  /** Decode_DC_DIFF (F.19-F.24) into the prediction of scan component `ci`; false after an error. */
  private dcDiff(ci: number, tbl: number): boolean {
    const stats = this.dcStats[tbl];
    let st = this.dcContext[ci];
    if (this.decode(stats, st) === 0) {
      this.dcContext[ci] = 0;
      return true;
    }
    const sign = this.decode(stats, st + 1);
    st += 2 + sign;
    let m = this.decode(stats, st);
    if (m !== 0) {
      m = this.grow(stats, 20, m);
      if (m === 0) return false;
      st = this.bin;
    }
    if (m < (1 << this.dcL[tbl]) >> 1) this.dcContext[ci] = 0;
    else if (m > (1 << this.dcU[tbl]) >> 1) this.dcContext[ci] = 12 + sign * 4;
    else this.dcContext[ci] = 4 + sign * 4;
    let v = m;
    st += 14;
    while ((m >>= 1)) if (this.decode(stats, st)) v |= m;
    v += 1;
    if (sign) v = -v;
    this.lastDc[ci] = (this.lastDc[ci] + v) & 0xffff;
    return true;
  }

  /**
   * The AC coefficients k = ss..se of a block into `out[o + natural(k)]`, each value shifted left by
   * `al` (F.20-F.24); false after an error.
   */
  private acCoefs(out: Int16Array, o: number, tbl: number, ss: number, se: number, al: number): boolean {
    const stats = this.acStats[tbl];
    for (let k = ss; k <= se; k++) {
      let st = 3 * (k - 1);
      if (this.decode(stats, st)) break;
      while (this.decode(stats, st + 1) === 0) {
        st += 3;
        k++;
        if (k > se) {
          this.src.warn(WARN_BAD);
          this.ct = -1;
          return false;
        }
      }
      const sign = this.decode(this.fixed, 0);
      st += 2;
      let m = this.decode(stats, st);
      if (m !== 0 && this.decode(stats, st)) {
        m = this.grow(stats, k <= this.acK[tbl] ? 189 : 217, m << 1);
        if (m === 0) return false;
        st = this.bin;
      }
      let v = m;
      st += 14;
      while ((m >>= 1)) if (this.decode(stats, st)) v |= m;
      v += 1;
      if (sign) v = -v;
      out[o + this.order[k]] = v * (1 << al);
    }
    return true;
  }

  /** decode_mcu, one block of a sequential scan; false after an error (the rest of the MCU is skipped). */
  sequentialBlock(out: Int16Array, o: number, ci: number, dcTbl: number, acTbl: number): boolean {
    if (!this.dcDiff(ci, dcTbl)) return false;
    out[o] = this.lastDc[ci];
    return this.acCoefs(out, o, acTbl, 1, 63, 0);
  }

  /** decode_mcu_DC_first, one block. */
  dcFirstBlock(out: Int16Array, o: number, ci: number, tbl: number, al: number): boolean {
    if (!this.dcDiff(ci, tbl)) return false;
    out[o] = this.lastDc[ci] * (1 << al);
    return true;
  }

  /** decode_mcu_DC_refine, one block (this kind of scan never stops at an error). */
  dcRefineBlock(out: Int16Array, o: number, al: number): void {
    if (this.decode(this.fixed, 0)) out[o] |= 1 << al;
  }

  /** decode_mcu_AC_first (one block per MCU). */
  acFirstBlock(out: Int16Array, o: number, tbl: number, ss: number, se: number, al: number): void {
    this.acCoefs(out, o, tbl, ss, se, al);
  }

  /** decode_mcu_AC_refine (one block per MCU). */
  acRefineBlock(out: Int16Array, o: number, tbl: number, ss: number, se: number, al: number): void {
    const stats = this.acStats[tbl];
    const order = this.order;
    const p1 = 1 << al;
    const m1 = -1 << al;
    let kex = se;
    for (; kex > 0; kex--) if (out[o + order[kex]] !== 0) break;
    for (let k = ss; k <= se; k++) {
      let st = 3 * (k - 1);
      if (k > kex && this.decode(stats, st)) break;
      for (;;) {
        const z = o + order[k];
        if (out[z] !== 0) {
          if (this.decode(stats, st + 2)) out[z] += out[z] < 0 ? m1 : p1;
          break;
        }
        if (this.decode(stats, st + 1)) {
          out[z] = this.decode(this.fixed, 0) ? m1 : p1;
          break;
        }
        st += 3;
        k++;
        if (k > se) {
          this.src.warn(WARN_BAD);
          this.ct = -1;
          return;
        }
      }
    }
  }
}
