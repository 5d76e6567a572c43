/**
 * A JPEG decoder that reproduces libjpeg-turbo 2.1's output pixel for pixel with the settings
 * dlib's load_jpeg uses (jpeg_read_header + jpeg_start_decompress + jpeg_read_scanlines, default
 * decompression parameters: ISLOW IDCT, fancy upsampling, out_color_space RGB for 3 components
 * and greyscale for 1).
 *
 * Pipeline, after libjpeg's modules:
 * - markers (jdmarker.c): SOF0/SOF1/SOF2, DHT, DQT (8- and 16-bit), DRI, SOS, APP0 "JFIF",
 *   APP14 "Adobe" (its transform flag), EOI; other segments skipped; stray bytes between
 *   segments skipped as libjpeg does (it only warns);
 * - colour space (jdapimin.c default_decompress_parms): 3 components are YCbCr when there is a
 *   JFIF marker, or an Adobe marker with transform 1 (or another non-zero value), or no marker
 *   and component ids other than 'R','G','B'; RGB with an Adobe transform 0 or ids 'R','G','B';
 * - entropy decoding: baseline/extended sequential Huffman (jdhuff.c), interleaved or not, and
 *   progressive Huffman (jdphuff.c: DC first/refine, AC first/refine with EOB runs), restart
 *   intervals; the quantisation table of a component is latched at the first scan that
 *   includes it (jdinput.c latch_quant_tables);
 * - ISLOW IDCT (./idct.ts) into component planes on the MCU-padded block grid;
 * - upsampling and colour conversion (./output.ts).
 *
 * Where libjpeg only warns and carries on with made-up data (a marker or the end of the file in
 * the middle of the entropy-coded data, an invalid Huffman code, a missing or wrong restart
 * marker), this decoder throws a {@link JpegDataError}: facemetric refuses corrupt files rather
 * than returning partly grey images (see src/image/jpeg.ts).
 *
 * Not reproduced: libjpeg's inter-block smoothing of progressive JPEGs whose scans leave some of
 * the first AC coefficients of a component incomplete (jdcoefct.c decompress_smooth_data; real
 * progressive files send every coefficient to full precision, so it never applies to them).
 * `decodeJpegExact` reports such files with `smoothed: true` and decodes them unsmoothed.
 */
import { idctIslow } from './idct.js';
import { planesToRgb, upsamplingSupported, type Plane } from './output.js';

/** The file's data is corrupt or truncated (the message says how). */
export class JpegDataError extends Error {}

/**
 * The file uses a JPEG feature this decoder does not implement. `fallback`: the feature is one
 * another decoder may handle (4 components, non-integral sampling ratios).
 */
export class JpegUnsupportedError extends Error {
  constructor(message: string, readonly fallback = false) { super(message); }
}

/** Zigzag position → natural (row-major) position, plus 16 guard entries like jpeg_natural_order. */
const NATURAL_ORDER = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Latched quantisation table (natural order), set at the first scan with this component. */
  quant?: Int32Array;
  /** Blocks per line / block rows of the MCU-padded grid. */
  bw: number;
  bh: number;
  /** Blocks actually covered by a non-interleaved scan: ceil(downsampled size / 8). */
  bwScan: number;
  bhScan: number;
  /** libjpeg's downsampled_width/height. */
  dw: number;
  dh: number;
  /** Coefficients (progressive only), 64 per block in natural order, row-major blocks. */
  coefs?: Int16Array;
  /** Decoded samples, (bw*8) x (bh*8). */
  plane: Uint8Array;
  /** Progressive: libjpeg's coef_bits (-1 = never sent). */
  coefBits: Int32Array;
  dcPred: number;
}

/** The frame header (SOFn) with the MCU grid derived from it. */
interface Frame {
  progressive: boolean;
  width: number;
  height: number;
  comps: Component[];
  /** MCUs per line / MCU rows of an interleaved scan. */
  mcusX: number;
  mcusY: number;
}

/**
 * A Huffman table as a 16-bit lookahead table: entry = (code length << 8) | symbol, 0 = no code
 * with this prefix.
 */
function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Uint16Array {
  const table = new Uint16Array(65536);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    for (let i = 0; i < n; i++) {
      if (code >= 1 << len) throw new JpegDataError('bad Huffman table');
      const shift = 16 - len;
      const start = code << shift;
      table.fill((len << 8) | symbols[k++], start, start + (1 << shift));
      code++;
    }
    code <<= 1;
  }
  return table;
}

/** Reads the entropy-coded data of a scan: byte unstuffing, stops at markers. */
class BitReader {
  pos: number;
  private buf = 0;
  private cnt = 0;
  /** Zero bits appended past a marker or the end of the data (libjpeg does the same, with a warning). */
  private pad = 0;
  /** The marker the reader stopped at (-1: none yet). */
  marker = -1;

  constructor(private readonly data: Uint8Array, pos: number) { this.pos = pos; }

  private fill(): void {
    const d = this.data;
    while (this.cnt <= 24) {
      let byte = 0;
      if (this.marker < 0 && this.pos < d.length) {
        byte = d[this.pos];
        if (byte === 0xff) {
          let p = this.pos + 1;
          while (p < d.length && d[p] === 0xff) p++;
          if (p < d.length && d[p] === 0) {
            this.pos = p + 1;
          } else {
            this.marker = p < d.length ? d[p] : 0x100;
            byte = 0;
            this.pad += 8;
          }
        } else {
          this.pos++;
        }
      } else {
        this.pad += 8;
        if (this.marker < 0) this.marker = 0x100;
      }
      this.buf = (this.buf << 8) | byte;
      this.cnt += 8;
    }
  }

  decode(table: Uint16Array): number {
    if (this.cnt < 16) this.fill();
    const e = table[(this.buf >>> (this.cnt - 16)) & 0xffff];
    if (e === 0) throw new JpegDataError('invalid Huffman code in the image data');
    this.cnt -= e >> 8;
    return e & 0xff;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.cnt < n) this.fill();
    this.cnt -= n;
    return (this.buf >>> this.cnt) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.cnt < 1) this.fill();
    this.cnt--;
    return (this.buf >>> this.cnt) & 1;
  }

  /** `bits(s)` sign-extended as JPEG magnitude categories are (HUFF_EXTEND). */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    const x = this.bits(s);
    return x < 1 << (s - 1) ? x - (1 << s) + 1 : x;
  }

  /** Throws if decoding used bits that were not in the file. */
  check(): void {
    if (this.pad > 0 && this.cnt < this.pad) {
      throw new JpegDataError(this.marker === 0x100 || this.marker < 0
        ? 'image data ends early, at the end of the file'
        : `image data ends early, at marker ff${this.marker.toString(16).padStart(2, '0')}`);
    }
  }

  /** Drops the buffered bits (at a restart marker or the end of a scan) and finds the next marker. */
  nextMarker(): { marker: number; at: number } {
    this.check();
    this.buf = 0; this.cnt = 0; this.pad = 0; this.marker = -1;
    const d = this.data;
    let p = this.pos;
    for (;;) {
      while (p < d.length && d[p] !== 0xff) p++;
      let q = p + 1;
      while (q < d.length && d[q] === 0xff) q++;
      if (q >= d.length) return { marker: -1, at: d.length };
      if (d[q] === 0) { p = q + 1; continue; }
      return { marker: d[q], at: q - 1 };
    }
  }
}

export interface ExactDecodeResult {
  width: number;
  height: number;
  data: Uint8Array;
  /** libjpeg would have applied inter-block smoothing (incomplete progressive file); see above. */
  smoothed: boolean;
}

/**
 * Decodes a JPEG to 8-bit RGB exactly as libjpeg-turbo 2.1 (via dlib's load_image) does.
 *
 * Requires: the caller checked the frame size against its pixel limit.
 * Ensures: returns the image; or throws JpegUnsupportedError (4-component CMYK/YCCK, non-integral
 * sampling ratios, arithmetic coding, lossless, hierarchical, not 8-bit, not 1 or 3 components)
 * or JpegDataError (anything malformed).
 */
export function decodeJpegExact(bytes: Uint8Array): ExactDecodeResult {
  const d = bytes;
  const n = d.length;
  const u16 = (p: number): number => (d[p] << 8) | d[p + 1];
  if (n < 4 || d[0] !== 0xff || d[1] !== 0xd8) throw new JpegDataError('not a JPEG (no start-of-image marker)');
  const qTables: Array<Int32Array | undefined> = [];
  // Huffman tables as defined (counts, symbols); the lookup table is built when a scan needs it,
  // so that a file of many DHT segments costs no more than its size.
  type HuffDef = { counts: Uint8Array; symbols: Uint8Array; table?: Uint16Array };
  const dcTables: Array<HuffDef | undefined> = [];
  const acTables: Array<HuffDef | undefined> = [];
  const lookup = (def: HuffDef): Uint16Array => (def.table ??= buildHuffman(def.counts, def.symbols));
  let restartInterval = 0;
  let jfif = false;
  let adobe = false;
  let adobeTransform = 0;
  let frame: Frame | undefined;
  let pos = 2;
  let eoi = false;
  let scans = 0;

  const ws = new Int32Array(64);
  const block = new Int16Array(64);

  while (!eoi) {
    // next_marker: skip anything that is not FF xx (libjpeg warns about extraneous bytes).
    while (pos < n && d[pos] !== 0xff) pos++;
    while (pos + 1 < n && d[pos + 1] === 0xff) pos++;
    if (pos + 1 >= n) throw new JpegDataError('truncated JPEG (no end-of-image marker)');
    const m = d[pos + 1];
    pos += 2;
    if (m === 0xd9) { eoi = true; break; }
    if (m === 0x00 || m === 0x01 || (m >= 0xd0 && m <= 0xd8)) continue;
    if (pos + 2 > n) throw new JpegDataError('truncated JPEG (segment header cut short)');
    const len = u16(pos);
    if (len < 2) throw new JpegDataError(`bad segment length at byte ${pos - 2}`);
    const start = pos + 2;
    const end = pos + len;
    if (end > n) throw new JpegDataError('truncated JPEG (segment cut short)');
    pos = end;
    switch (m) {
      case 0xc0: case 0xc1: case 0xc2: {
        if (frame !== undefined) throw new JpegUnsupportedError('more than one frame');
        if (len < 8) throw new JpegDataError('bad frame header');
        const precision = d[start];
        if (precision !== 8) throw new JpegUnsupportedError(`${precision}-bit samples`);
        const height = u16(start + 1);
        const width = u16(start + 3);
        const nc = d[start + 5];
        if (width === 0 || height === 0) throw new JpegDataError('empty image');
        if (len !== 8 + nc * 3) throw new JpegDataError('bad frame header length');
        if (nc !== 1 && nc !== 3) throw new JpegUnsupportedError(`${nc} components`, nc === 4);
        const comps: Component[] = [];
        for (let i = 0; i < nc; i++) {
          const p = start + 6 + i * 3;
          const h = d[p + 1] >> 4;
          const v = d[p + 1] & 15;
          if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegDataError('bad sampling factors');
          comps.push({
            id: d[p], h, v, tq: d[p + 2] & 3, bw: 0, bh: 0, bwScan: 0, bhScan: 0, dw: 0, dh: 0,
            plane: new Uint8Array(0), coefBits: new Int32Array(64).fill(-1), dcPred: 0,
          });
        }
        const maxH = Math.max(...comps.map((c) => c.h));
        const maxV = Math.max(...comps.map((c) => c.v));
        if (!upsamplingSupported(comps.map((c) => [c.h, c.v]))) {
          throw new JpegUnsupportedError('non-integral ratios between sampling factors', true);
        }
        const mcusX = Math.ceil(width / (8 * maxH));
        const mcusY = Math.ceil(height / (8 * maxV));
        const progressive = m === 0xc2;
        for (const c of comps) {
          c.bw = mcusX * c.h;
          c.bh = mcusY * c.v;
          c.dw = Math.ceil((width * c.h) / maxH);
          c.dh = Math.ceil((height * c.v) / maxV);
          c.bwScan = Math.ceil(c.dw / 8);
          c.bhScan = Math.ceil(c.dh / 8);
          c.plane = new Uint8Array(c.bw * 8 * c.bh * 8);
          if (progressive) c.coefs = new Int16Array(c.bw * c.bh * 64);
        }
        frame = { progressive, width, height, comps, mcusX, mcusY };
        break;
      }
      case 0xc4: {
        let p = start;
        while (p < end) {
          const tc = d[p] >> 4;
          const th = d[p] & 15;
          if (p + 17 > end) throw new JpegDataError('bad Huffman table segment');
          const counts = d.subarray(p + 1, p + 17);
          let total = 0;
          for (let i = 0; i < 16; i++) total += counts[i];
          if (total > 256 || p + 17 + total > end) throw new JpegDataError('bad Huffman table segment');
          if (th > 3 || tc > 1) throw new JpegDataError('bad Huffman table id');
          (tc === 0 ? dcTables : acTables)[th] = { counts, symbols: d.subarray(p + 17, p + 17 + total) };
          p += 17 + total;
        }
        break;
      }
      case 0xdb: {
        let p = start;
        while (p < end) {
          const pq = d[p] >> 4;
          const tq = d[p] & 15;
          if (tq > 3) throw new JpegDataError('bad quantisation table id');
          const size = pq === 0 ? 64 : 128;
          if (p + 1 + size > end) throw new JpegDataError('bad quantisation table segment');
          const q = new Int32Array(64);
          for (let i = 0; i < 64; i++) q[NATURAL_ORDER[i]] = pq === 0 ? d[p + 1 + i] : u16(p + 1 + 2 * i);
          qTables[tq] = q;
          p += 1 + size;
        }
        break;
      }
      case 0xdd:
        if (len !== 4) throw new JpegDataError('bad restart interval segment');
        restartInterval = u16(start);
        break;
      case 0xe0:
        // examine_app0: a JFIF marker needs 14 bytes of data.
        if (len - 2 >= 14 && d[start] === 0x4a && d[start + 1] === 0x46 && d[start + 2] === 0x49 &&
          d[start + 3] === 0x46 && d[start + 4] === 0) jfif = true;
        break;
      case 0xee:
        // examine_app14: an Adobe marker needs 12 bytes of data; the transform is the 12th.
        if (len - 2 >= 12 && d[start] === 0x41 && d[start + 1] === 0x64 && d[start + 2] === 0x6f &&
          d[start + 3] === 0x62 && d[start + 4] === 0x65) { adobe = true; adobeTransform = d[start + 11]; }
        break;
      case 0xda: {
        if (frame === undefined) throw new JpegDataError('scan before the frame header');
        const ns = d[start];
        if (ns < 1 || ns > 4 || len !== 6 + ns * 2) throw new JpegDataError('bad scan header');
        const scomps: Component[] = [];
        const dcT: Uint16Array[] = [];
        const acT: Uint16Array[] = [];
        const ss = d[start + 1 + ns * 2];
        const se = d[start + 2 + ns * 2];
        const ah = d[start + 3 + ns * 2] >> 4;
        const al = d[start + 3 + ns * 2] & 15;
        const dcFirst = frame.progressive && ss === 0 && ah === 0;
        const acScan = frame.progressive && ss > 0;
        for (let i = 0; i < ns; i++) {
          const id = d[start + 1 + i * 2];
          const c = frame.comps.find((x) => x.id === id);
          if (c === undefined || scomps.includes(c)) throw new JpegDataError('bad component id in a scan');
          const td = d[start + 2 + i * 2] >> 4;
          const ta = d[start + 2 + i * 2] & 15;
          const needDc = !frame.progressive || dcFirst;
          const needAc = !frame.progressive || acScan;
          const dt = dcTables[td];
          const at = acTables[ta];
          if (needDc && dt === undefined) throw new JpegUnsupportedError('scan without its DC Huffman table');
          if (needAc && at === undefined) throw new JpegUnsupportedError('scan without its AC Huffman table');
          scomps.push(c);
          dcT.push(needDc && dt !== undefined ? lookup(dt) : new Uint16Array(0));
          acT.push(needAc && at !== undefined ? lookup(at) : new Uint16Array(0));
          if (c.quant === undefined) {
            const q = qTables[c.tq];
            if (q === undefined) throw new JpegDataError('missing quantisation table');
            c.quant = q.slice();
          }
        }
        if (frame.progressive) {
          let bad = false;
          if (ss === 0) { if (se !== 0) bad = true; } else if (ss > se || se > 63 || ns !== 1) bad = true;
          if (ah !== 0 && al !== ah - 1) bad = true;
          if (al > 13) bad = true;
          if (bad) throw new JpegDataError(`bad progressive scan parameters (Ss=${ss}, Se=${se}, Ah=${ah}, Al=${al})`);
          for (const c of scomps) for (let k = ss; k <= se; k++) c.coefBits[k] = al;
        } else if (ns > 1) {
          let blocks = 0;
          for (const c of scomps) blocks += c.h * c.v;
          if (blocks > 10) throw new JpegDataError('too many blocks in an MCU');
        }
        scans++;
        pos = decodeScan(d, end, frame, scomps, dcT, acT, restartInterval, ss, se, ah, al, block, ws);
        break;
      }
      case 0xc3: throw new JpegUnsupportedError('lossless JPEG');
      case 0xc5: case 0xc6: case 0xc7: throw new JpegUnsupportedError('hierarchical (differential) JPEG');
      case 0xc9: case 0xca: case 0xcb: case 0xcd: case 0xce: case 0xcf: throw new JpegUnsupportedError('arithmetic-coded JPEG');
      default:
        break;
    }
  }
  if (frame === undefined) throw new JpegDataError('no frame header');
  if (scans === 0) throw new JpegDataError('no image data');
  const { width, height, comps } = frame;
  let smoothed = false;
  if (frame.progressive) {
    for (const c of comps) {
      if (c.coefBits[0] < 0) continue;
      for (let k = 1; k <= 9; k++) if (c.coefBits[k] !== 0) smoothed = true;
    }
    for (const c of comps) {
      const q = c.quant ?? qTables[c.tq] ?? new Int32Array(64);
      const coefs = c.coefs!;
      const stride = c.bw * 8;
      for (let by = 0; by < c.bh; by++) {
        for (let bx = 0; bx < c.bw; bx++) {
          idctIslow(coefs, (by * c.bw + bx) * 64, q, c.plane, by * 8 * stride + bx * 8, stride, ws);
        }
      }
    }
  }
  let ycc = true;
  if (comps.length === 3) {
    if (jfif) ycc = true;
    else if (adobe) ycc = adobeTransform !== 0;
    else ycc = !(comps[0].id === 82 && comps[1].id === 71 && comps[2].id === 66);
  }
  const planes: Plane[] = comps.map((c) => ({ data: c.plane, stride: c.bw * 8, h: c.h, v: c.v, width: c.dw, height: c.dh }));
  return { width, height, data: planesToRgb(planes, width, height, ycc), smoothed };
}

/** Decodes one scan's entropy-coded data starting at `start`; returns the position of the marker after it. */
function decodeScan(
  d: Uint8Array, start: number, frame: Frame, scomps: Component[], dcT: Uint16Array[], acT: Uint16Array[],
  restartInterval: number, ss: number, se: number, ah: number, al: number, block: Int16Array, ws: Int32Array,
): number {
  const reader = new BitReader(d, start);
  const progressive = frame.progressive;
  const single = scomps.length === 1;
  const mcusX = single ? scomps[0].bwScan : frame.mcusX;
  const mcusY = single ? scomps[0].bhScan : frame.mcusY;
  const total = mcusX * mcusY;
  for (const c of scomps) c.dcPred = 0;
  let eobrun = 0;

  // The per-block decoder for this kind of scan.
  let decodeBlock: (c: Component, ci: number, bx: number, by: number) => void;
  if (!progressive) {
    decodeBlock = (c, ci, bx, by) => {
      block.fill(0);
      const t = reader.decode(dcT[ci]);
      const dc = c.dcPred + reader.receiveExtend(t);
      c.dcPred = dc;
      block[0] = dc;
      const ac = acT[ci];
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s !== 0) {
          k += r;
          block[NATURAL_ORDER[k]] = reader.receiveExtend(s);
        } else {
          if (r !== 15) break;
          k += 15;
        }
      }
      const stride = c.bw * 8;
      idctIslow(block, 0, c.quant!, c.plane, by * 8 * stride + bx * 8, stride, ws);
    };
  } else if (ss === 0) {
    if (ah === 0) {
      decodeBlock = (c, ci, bx, by) => {
        const t = reader.decode(dcT[ci]);
        const dc = c.dcPred + reader.receiveExtend(t);
        c.dcPred = dc;
        c.coefs![(by * c.bw + bx) * 64] = dc * (1 << al);
      };
    } else {
      decodeBlock = (c, _ci, bx, by) => {
        if (reader.bit()) c.coefs![(by * c.bw + bx) * 64] |= 1 << al;
      };
    }
  } else if (ah === 0) {
    decodeBlock = (c, ci, bx, by) => {
      if (eobrun > 0) { eobrun--; return; }
      const coefs = c.coefs!;
      const o = (by * c.bw + bx) * 64;
      const ac = acT[ci];
      for (let k = ss; k <= se; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s !== 0) {
          k += r;
          coefs[o + NATURAL_ORDER[k]] = reader.receiveExtend(s) * (1 << al);
        } else if (r === 15) {
          k += 15;
        } else {
          eobrun = (1 << r) - 1;
          if (r !== 0) eobrun += reader.bits(r);
          break;
        }
      }
    };
  } else {
    const p1 = 1 << al;
    const m1 = -1 << al;
    decodeBlock = (c, ci, bx, by) => {
      const coefs = c.coefs!;
      const o = (by * c.bw + bx) * 64;
      const ac = acT[ci];
      let k = ss;
      if (eobrun === 0) {
        for (; k <= se; k++) {
          const rs = reader.decode(ac);
          let r = rs >> 4;
          let s = rs & 15;
          if (s !== 0) {
            // s should be 1 (libjpeg warns otherwise and carries on the same way).
            s = reader.bit() ? p1 : m1;
          } else if (r !== 15) {
            eobrun = 1 << r;
            if (r !== 0) eobrun += reader.bits(r);
            break;
          }
          do {
            const z = o + NATURAL_ORDER[k];
            if (coefs[z] !== 0) {
              if (reader.bit() && (coefs[z] & p1) === 0) coefs[z] += coefs[z] >= 0 ? p1 : m1;
            } else if (--r < 0) {
              break;
            }
            k++;
          } while (k <= se);
          if (s !== 0) coefs[o + NATURAL_ORDER[k]] = s;
        }
      }
      if (eobrun > 0) {
        for (; k <= se; k++) {
          const z = o + NATURAL_ORDER[k];
          if (coefs[z] !== 0 && reader.bit() && (coefs[z] & p1) === 0) coefs[z] += coefs[z] >= 0 ? p1 : m1;
        }
        eobrun--;
      }
    };
  }

  let rstIndex = 0;
  for (let mcu = 0; mcu < total; mcu++) {
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) {
      const { marker, at } = reader.nextMarker();
      if (marker !== 0xd0 + rstIndex) {
        throw new JpegDataError(marker < 0 ? 'image data ends early, at the end of the file'
          : `expected restart marker ffd${rstIndex}, found ff${marker.toString(16).padStart(2, '0')}`);
      }
      rstIndex = (rstIndex + 1) & 7;
      reader.pos = at + 2;
      for (const c of scomps) c.dcPred = 0;
      eobrun = 0;
    }
    const mx = mcu % mcusX;
    const my = (mcu - mx) / mcusX;
    if (single) {
      decodeBlock(scomps[0], 0, mx, my);
    } else {
      for (let ci = 0; ci < scomps.length; ci++) {
        const c = scomps[ci];
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) decodeBlock(c, ci, mx * c.h + h, my * c.v + v);
        }
      }
    }
    reader.check();
  }
  const { marker, at } = reader.nextMarker();
  if (marker < 0) throw new JpegDataError('truncated JPEG (no end-of-image marker)');
  return at;
}
