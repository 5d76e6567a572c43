/**
 * libjpeg-turbo 2.1's inter-block smoothing of progressive JPEGs (jdcoefct.c smoothing_ok and
 * decompress_smooth_data, BLOCK_SMOOTHING_SUPPORTED, do_block_smoothing = TRUE as dlib leaves it).
 *
 * When every component has at least part of its DC coefficients but some of the first nine AC
 * coefficients (zigzag 1..9) of some component are not known to full precision (a truncated
 * progressive file, or a scan script that stops early), libjpeg estimates those of each block that
 * are still zero from the DC values of the 5x5 blocks around it, before the IDCT. Where no AC
 * coefficient at all has arrived it also re-estimates the DC ("DC interpolation"). The coefficient
 * precision used for an iMCU row is the one after the last scan, or, for the rows past the last one
 * that scan decoded from real data (last_good_iMCU_row), the one before that scan.
 *
 * Reproduced as libjpeg has it, quirks included: the neighbour rows at the top and bottom edges
 * (two rows up is the row above when the current block row is the first of iMCU row 1), the
 * sliding window of DC values at the left and right edges, the clamps to 2^Al - 1, integer
 * division truncating toward zero, 16-bit stores.
 */
import { idctIslow } from './idct.js';

/** What smoothing needs of a component (a subset of the decoder's Component). */
export interface SmoothComponent {
  index: number;
  v: number;
  bw: number;
  bwScan: number;
  bhScan: number;
  quant?: Int32Array;
  coefs?: Int16Array;
  plane: Uint8Array;
  coefBits: Int32Array;
  prevCoefBits: Int32Array;
}

/** Natural-order positions of zigzag coefficients 0..9. */
const POS = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24];

/**
 * smoothing_ok: the latched coefficient precisions (zigzag 0..9) per component, now and before the
 * last scan, or undefined when libjpeg would not smooth.
 *
 * `scans`: the number of SOS markers read (libjpeg's input_scan_number).
 */
export function smoothingBits(comps: SmoothComponent[], scans: number): { current: Int32Array[]; previous: Int32Array[] } | undefined {
  const current: Int32Array[] = [];
  const previous: Int32Array[] = [];
  let useful = false;
  for (const c of comps) {
    const q = c.quant;
    if (q === undefined) return undefined;
    for (const p of POS) if (q[p] === 0) return undefined;
    if (c.coefBits[0] < 0) return undefined;
    const cur = new Int32Array(10);
    const prev = new Int32Array(10);
    cur[0] = c.coefBits[0];
    for (let k = 1; k < 10; k++) {
      prev[k] = scans > 1 ? c.prevCoefBits[k] : -1;
      cur[k] = c.coefBits[k];
      if (c.coefBits[k] !== 0) useful = true;
    }
    current.push(cur);
    previous.push(prev);
  }
  return useful ? { current, previous } : undefined;
}

/** One estimate (the pattern repeated for each coefficient in decompress_smooth_data). */
function estimate(num: number, q: number, al: number): number {
  let pred: number;
  if (num >= 0) {
    pred = Math.floor(((q << 7) + num) / (q << 8));
    if (al > 0 && pred >= 1 << al) pred = (1 << al) - 1;
  } else {
    pred = Math.floor(((q << 7) - num) / (q << 8));
    if (al > 0 && pred >= 1 << al) pred = (1 << al) - 1;
    pred = -pred;
  }
  return pred;
}

/**
 * decompress_smooth_data for one component: writes its plane from its coefficients.
 *
 * Requires: `imcuRows` the frame's total_iMCU_rows; `bits`/`prevBits` this component's latches
 * from {@link smoothingBits}; `lastGoodRow` libjpeg's last_good_iMCU_row; `ws` scratch Int32Array(64).
 */
export function smoothComponent(
  c: SmoothComponent, imcuRows: number, bits: Int32Array, prevBits: Int32Array, lastGoodRow: number, ws: Int32Array,
): void {
  const coefs = c.coefs!;
  const q = c.quant!;
  const v = c.v;
  const bw = c.bw;
  const stride = bw * 8;
  const work = new Int16Array(64);
  const lastRow = imcuRows - 1;
  const lastCol = c.bwScan - 1;
  const Q00 = q[0];
  const Q01 = q[1];
  const Q10 = q[8];
  const Q20 = q[16];
  const Q11 = q[9];
  const Q02 = q[2];
  const Q03 = q[3];
  const Q12 = q[10];
  const Q21 = q[17];
  const Q30 = q[24];
  /** The DC of block (row, col), rows and columns as global block indexes. */
  const dcAt = (row: number, col: number): number => coefs[(row * bw + col) * 64];
  for (let imcu = 0; imcu < imcuRows; imcu++) {
    let blockRows = v;
    if (imcu === lastRow) {
      blockRows = c.bhScan % v;
      if (blockRows === 0) blockRows = v;
    }
    const cb = imcu > lastGoodRow ? prevBits : bits;
    const changeDc = cb[1] === -1 && cb[2] === -1 && cb[3] === -1 && cb[4] === -1 && cb[5] === -1 &&
      cb[6] === -1 && cb[7] === -1 && cb[8] === -1 && cb[9] === -1;
    for (let br = 0; br < blockRows; br++) {
      const row = imcu * v + br;
      const prevRow = br > 0 || imcu > 0 ? row - 1 : row;
      const prevPrevRow = br > 1 || imcu > 1 ? row - 2 : prevRow;
      const nextRow = br < blockRows - 1 || imcu < lastRow ? row + 1 : row;
      const nextNextRow = br < blockRows - 2 || imcu + 1 < lastRow ? row + 2 : nextRow;
      let DC01 = dcAt(prevPrevRow, 0); let DC02 = DC01; let DC03 = DC01; let DC04 = DC01; let DC05 = DC01;
      let DC06 = dcAt(prevRow, 0); let DC07 = DC06; let DC08 = DC06; let DC09 = DC06; let DC10 = DC06;
      let DC11 = dcAt(row, 0); let DC12 = DC11; let DC13 = DC11; let DC14 = DC11; let DC15 = DC11;
      let DC16 = dcAt(nextRow, 0); let DC17 = DC16; let DC18 = DC16; let DC19 = DC16; let DC20 = DC16;
      let DC21 = dcAt(nextNextRow, 0); let DC22 = DC21; let DC23 = DC21; let DC24 = DC21; let DC25 = DC21;
      for (let col = 0; col <= lastCol; col++) {
        const o = (row * bw + col) * 64;
        for (let k = 0; k < 64; k++) work[k] = coefs[o + k];
        if (col === 0 && col < lastCol) {
          DC04 = dcAt(prevPrevRow, col + 1);
          DC09 = dcAt(prevRow, col + 1);
          DC14 = dcAt(row, col + 1);
          DC19 = dcAt(nextRow, col + 1);
          DC24 = dcAt(nextNextRow, col + 1);
        }
        if (col + 1 < lastCol) {
          DC05 = dcAt(prevPrevRow, col + 2);
          DC10 = dcAt(prevRow, col + 2);
          DC15 = dcAt(row, col + 2);
          DC20 = dcAt(nextRow, col + 2);
          DC25 = dcAt(nextNextRow, col + 2);
        }
        let al = cb[1];
        if (al !== 0 && work[1] === 0) {
          const num = Q00 * (changeDc
            ? -DC01 - DC02 + DC04 + DC05 - 3 * DC06 + 13 * DC07 - 13 * DC09 + 3 * DC10 - 3 * DC11 + 38 * DC12 -
              38 * DC14 + 3 * DC15 - 3 * DC16 + 13 * DC17 - 13 * DC19 + 3 * DC20 - DC21 - DC22 + DC24 + DC25
            : -7 * DC11 + 50 * DC12 - 50 * DC14 + 7 * DC15);
          work[1] = estimate(num, Q01, al);
        }
        al = cb[2];
        if (al !== 0 && work[8] === 0) {
          const num = Q00 * (changeDc
            ? -DC01 - 3 * DC02 - 3 * DC03 - 3 * DC04 - DC05 - DC06 + 13 * DC07 + 38 * DC08 + 13 * DC09 - DC10 +
              DC16 - 13 * DC17 - 38 * DC18 - 13 * DC19 + DC20 + DC21 + 3 * DC22 + 3 * DC23 + 3 * DC24 + DC25
            : -7 * DC03 + 50 * DC08 - 50 * DC18 + 7 * DC23);
          work[8] = estimate(num, Q10, al);
        }
        al = cb[3];
        if (al !== 0 && work[16] === 0) {
          const num = Q00 * (changeDc
            ? DC03 + 2 * DC07 + 7 * DC08 + 2 * DC09 - 5 * DC12 - 14 * DC13 - 5 * DC14 + 2 * DC17 + 7 * DC18 +
              2 * DC19 + DC23
            : -DC03 + 13 * DC08 - 24 * DC13 + 13 * DC18 - DC23);
          work[16] = estimate(num, Q20, al);
        }
        al = cb[4];
        if (al !== 0 && work[9] === 0) {
          const num = Q00 * (changeDc
            ? -DC01 + DC05 + 9 * DC07 - 9 * DC09 - 9 * DC17 + 9 * DC19 + DC21 - DC25
            : DC10 + DC16 - 10 * DC17 + 10 * DC19 - DC02 - DC20 + DC22 - DC24 + DC04 - DC06 + 10 * DC07 - 10 * DC09);
          work[9] = estimate(num, Q11, al);
        }
        al = cb[5];
        if (al !== 0 && work[2] === 0) {
          const num = Q00 * (changeDc
            ? 2 * DC07 - 5 * DC08 + 2 * DC09 + DC11 + 7 * DC12 - 14 * DC13 + 7 * DC14 + DC15 + 2 * DC17 -
              5 * DC18 + 2 * DC19
            : -DC11 + 13 * DC12 - 24 * DC13 + 13 * DC14 - DC15);
          work[2] = estimate(num, Q02, al);
        }
        if (changeDc) {
          al = cb[6];
          if (al !== 0 && work[3] === 0) work[3] = estimate(Q00 * (DC07 - DC09 + 2 * DC12 - 2 * DC14 + DC17 - DC19), Q03, al);
          al = cb[7];
          if (al !== 0 && work[10] === 0) work[10] = estimate(Q00 * (DC07 - 3 * DC08 + DC09 - DC17 + 3 * DC18 - DC19), Q12, al);
          al = cb[8];
          if (al !== 0 && work[17] === 0) work[17] = estimate(Q00 * (DC07 - DC09 - 3 * DC12 + 3 * DC14 + DC17 - DC19), Q21, al);
          al = cb[9];
          if (al !== 0 && work[24] === 0) work[24] = estimate(Q00 * (DC07 + 2 * DC08 + DC09 - DC17 - 2 * DC18 - DC19), Q30, al);
          const num = Q00 * (-2 * DC01 - 6 * DC02 - 8 * DC03 - 6 * DC04 - 2 * DC05 - 6 * DC06 + 6 * DC07 + 42 * DC08 +
            6 * DC09 - 6 * DC10 - 8 * DC11 + 42 * DC12 + 152 * DC13 + 42 * DC14 - 8 * DC15 - 6 * DC16 + 6 * DC17 +
            42 * DC18 + 6 * DC19 - 6 * DC20 - 2 * DC21 - 6 * DC22 - 8 * DC23 - 6 * DC24 - 2 * DC25);
          work[0] = num >= 0
            ? Math.floor(((Q00 << 7) + num) / (Q00 << 8))
            : -Math.floor(((Q00 << 7) - num) / (Q00 << 8));
        }
        idctIslow(work, 0, q, c.plane, row * 8 * stride + col * 8, stride, ws);
        DC01 = DC02; DC02 = DC03; DC03 = DC04; DC04 = DC05;
        DC06 = DC07; DC07 = DC08; DC08 = DC09; DC09 = DC10;
        DC11 = DC12; DC12 = DC13; DC13 = DC14; DC14 = DC15;
        DC16 = DC17; DC17 = DC18; DC18 = DC19; DC19 = DC20;
        DC21 = DC22; DC22 = DC23; DC23 = DC24; DC24 = DC25;
      }
    }
  }
}
