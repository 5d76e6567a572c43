/**
 * A JPEG decoder that reproduces libjpeg-turbo 2.1's output pixel for pixel with the settings
 * dlib's load_jpeg uses (jpeg_stdio_src + jpeg_read_header + jpeg_start_decompress +
 * jpeg_read_scanlines + jpeg_finish_decompress, default decompression parameters: ISLOW IDCT,
 * fancy upsampling, block smoothing on, out_color_space RGB for 3 components and greyscale for 1),
 * damaged files included.
 *
 * Control flow, after libjpeg's modules:
 * - input (jdatasrc.c): the file's bytes, then, as fill_input_buffer does at end of file, an
 *   endless run of fake EOI markers (FF D9), each read of one warning "Premature end of JPEG file";
 * - markers (jdmarker.c read_markers, next_marker, get_sof/get_sos/get_dht/get_dqt/get_dri/get_dac,
 *   APP0 "JFIF" and APP14 "Adobe", skip_variable): the same checks, the same fatal errors (thrown as
 *   {@link JpegDataError} with libjpeg's message) and the same warnings (extraneous bytes before a
 *   marker); 4-component or fractionally sampled frames, and samples of other than 8 bits, are
 *   {@link JpegUnsupportedError}s;
 * - input control (jdinput.c): initial_setup's checks at the first SOS; a file whose first scan
 *   holds every component and that is not progressive is decoded in one pass (jdcoefct.c
 *   decompress_onepass: each MCU zeroed, decoded, inverse-DCTed), and after it the markers up to
 *   EOI are read (jpeg_finish_decompress; a second SOS is fatal); otherwise every scan up to EOI is
 *   decoded into whole-image coefficient arrays first (consume_data) and inverse-DCTed at the end,
 *   with libjpeg's inter-block smoothing when the progressive scans left the low AC coefficients
 *   incomplete (./smooth.ts, jdcoefct.c decompress_smooth_data);
 * - entropy decoding (jdhuff.c, jdphuff.c): the entropy-coded data ends at the first marker; bits
 *   wanted past it are zeros, and from the MCU that wanted them the rest of the restart interval
 *   is skipped (its coefficients stay zero: uniform grey in one-pass mode), with the warning
 *   "Corrupt JPEG data: premature end of data segment"; an invalid Huffman code decodes as symbol 0
 *   after 17 bits ("Corrupt JPEG data: bad Huffman code"); a restart marker that is missing or out
 *   of sequence is recovered from as jpeg_resync_to_restart does ("found marker 0x.. instead of
 *   RSTn"); the quantisation table of a component is latched at the first scan that includes it;
 * - arithmetic decoding (jdarith.c, ./arith.ts) for SOF9/SOF10 frames, sequential and progressive,
 *   with the DAC conditioning: past a marker it decodes zero data without a warning, and after a
 *   decoding error ("Corrupt JPEG data: bad arithmetic code") nothing more until the next restart;
 * - ISLOW IDCT (./idct.ts) into component planes on the MCU-padded block grid;
 * - upsampling and colour conversion (./output.ts).
 *
 * Warnings come back in {@link ExactDecodeResult.warnings}, each distinct message once, in the
 * order libjpeg first emits it. Where libjpeg's reader stands matters to them (the byte counts of
 * "extraneous bytes", whether an invalid Huffman code is reported at all), so the BitReader below
 * follows libjpeg's bit buffer and input position exactly, fast path included, in a second pass
 * over a file whose first (quicker) pass warned.
 */
import { ArithDecoder } from './arith.js';
import { idctIslow } from './idct.js';
import { planesToRgb, upsamplingSupported, type Plane } from './output.js';
import { smoothingBits, smoothComponent } from './smooth.js';
import { STD_AC, STD_DC } from './std-huffman.js';

/** libjpeg refused the file (jpeg_std_error's error_exit); the message is libjpeg's. */
export class JpegDataError extends Error {}

/**
 * The file uses a JPEG feature this decoder does not implement, found where libjpeg would be when
 * it meets it: samples of `value` bits ('precision'), `value` components other than 1 or 3
 * ('components'), non-integral ratios between sampling factors ('sampling'). `fallback`: another
 * decoder may handle it (4 components, non-integral sampling ratios).
 */
export class JpegUnsupportedError extends Error {
  constructor(message: string, readonly fallback = false, readonly kind: 'precision' | 'components' | 'sampling' = 'components', readonly value = 0) {
    super(message);
  }
}

/** Zigzag position → natural (row-major) position, plus 16 guard entries like jpeg_natural_order. */
const NATURAL_ORDER = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

/** libjpeg's warning texts (jerror.h). */
const WARN_EOF = 'Premature end of JPEG file';
const WARN_HIT_MARKER = 'Corrupt JPEG data: premature end of data segment';
const WARN_BAD_CODE = 'Corrupt JPEG data: bad Huffman code';
const hex2 = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

/** The file's bytes followed by libjpeg's fake EOI markers (jdatasrc.c fill_input_buffer). */
class Source {
  pos = 0;
  /** The marker read but not yet processed (libjpeg's unread_marker; 0 = none). */
  unread = 0;
  /** Bytes skipped since the last marker (libjpeg's discarded_bytes). */
  discarded = 0;
  readonly warnings: string[] = [];

  constructor(readonly d: Uint8Array) {}

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** The byte at `p`: the file's, or past its end FF D9 FF D9 ... (a warning per pair). */
  at(p: number): number {
    const n = this.d.length;
    if (p < n) return this.d[p];
    if (((p - n) & 1) === 0) { this.warn(WARN_EOF); return 0xff; }
    return 0xd9;
  }

  byte(): number { return this.at(this.pos++); }

  /** The byte at `p` as `at` gives it, without the warning (for reading ahead of libjpeg). */
  raw(p: number): number {
    const n = this.d.length;
    return p < n ? this.d[p] : ((p - n) & 1) === 0 ? 0xff : 0xd9;
  }

  u16(): number { const a = this.byte(); return (a << 8) | this.byte(); }

  /** skip_input_data. */
  skip(count: number): void {
    if (count <= 0) return;
    if (this.pos + count > this.d.length) this.warn(WARN_EOF);
    this.pos += count;
  }

  /** next_marker: skips to the next marker, counting (and reporting) what it skips; sets `unread`. */
  nextMarker(): number {
    let c: number;
    for (;;) {
      c = this.byte();
      while (c !== 0xff) { this.discarded++; c = this.byte(); }
      do c = this.byte(); while (c === 0xff);
      if (c !== 0) break;
      this.discarded += 2;
    }
    if (this.discarded !== 0) {
      this.warn(`Corrupt JPEG data: ${this.discarded} extraneous bytes before marker ${hex2(c)}`);
      this.discarded = 0;
    }
    this.unread = c;
    return c;
  }
}

interface Component {
  /** Position in the frame header (libjpeg's component_index). */
  index: number;
  id: number;
  h: number;
  v: number;
  /** The quantisation table number, as in the frame header (any byte). */
  tq: number;
  /** Latched quantisation table (natural order), set at the first scan with this component. */
  quant?: Int32Array;
  /** Blocks per line / block rows of the MCU-padded grid. */
  bw: number;
  bh: number;
  /** libjpeg's width_in_blocks / height_in_blocks: ceil(downsampled size / 8). */
  bwScan: number;
  bhScan: number;
  /** libjpeg's downsampled_width/height. */
  dw: number;
  dh: number;
  /** Whole-image coefficients (multi-scan files only), 64 per block in natural order, row-major blocks. */
  coefs?: Int16Array;
  /** Decoded samples, (bw*8) x (bh*8). */
  plane: Uint8Array;
  /** Progressive: libjpeg's coef_bits (-1 = never sent) and the values before the latest scan with this component. */
  coefBits: Int32Array;
  prevCoefBits: Int32Array;
  dcPred: number;
}

/** The frame header (SOFn) with the MCU grid derived from it. */
interface Frame {
  progressive: boolean;
  /** Arithmetic coding (SOF9, SOF10). */
  arith: boolean;
  width: number;
  height: number;
  comps: Component[];
  /** MCUs per line / MCU rows of an interleaved scan (total_iMCU_rows). */
  mcusX: number;
  mcusY: number;
}

/** A Huffman table as defined by DHT: counts per length 1..16, symbols. */
interface HuffDef { counts: Uint8Array; symbols: Uint8Array }

/**
 * A Huffman table as a 16-bit lookahead table (jdhuff.c jpeg_make_d_derived_tbl, with its checks):
 * entry = (code length << 8) | symbol, 0 = no code with this prefix.
 */
function buildHuffman(def: HuffDef, isDc: boolean): Uint16Array {
  const table = new Uint16Array(65536);
  let code = 0;
  let k = 0;
  let total = 0;
  for (let len = 1; len <= 16; len++) total += def.counts[len - 1];
  if (total > 256) throw new JpegDataError('Bogus Huffman table definition');
  for (let len = 1; len <= 16; len++) {
    const n = def.counts[len - 1];
    for (let i = 0; i < n; i++) {
      const shift = 16 - len;
      const start = code << shift;
      table.fill((len << 8) | def.symbols[k++], start, start + (1 << shift));
      code++;
    }
    if (n > 0 && code >= 1 << len) throw new JpegDataError('Bogus Huffman table definition');
    code <<= 1;
  }
  if (isDc) for (let i = 0; i < total; i++) if (def.symbols[i] > 15) throw new JpegDataError('Bogus Huffman table definition');
  return table;
}

/** libjpeg's MIN_GET_BITS with a 64-bit bit buffer (x86-64): a fill loads the buffer to at least this. */
const MIN_GET_BITS = 57;
/** jdhuff.c BUFSIZE: the fast path needs this many bytes in the source buffer per block of the MCU. */
const FAST_BYTES_PER_BLOCK = 512;
/** jdatasrc.c INPUT_BUF_SIZE: jpeg_stdio_src reads the file in chunks of this size. */
const STDIO_CHUNK = 4096;

/**
 * The entropy-coded data of a scan, two ways at once:
 * - its bit values as libjpeg's decoders see them (byte unstuffing; at a marker, or the fake EOI
 *   past the end of the file, reading stops and zero bits follow), read here lazily;
 * - libjpeg's bit buffer and input position, as counts (`lj` = bits_left, `src.pos`, `src.unread`),
 *   moved as jdhuff.c's and jdphuff.c's macros move them: the slow path fills the 64-bit buffer to
 *   57 bits when a request finds too few (HUFF_DECODE's 8-bit lookahead, CHECK_BIT_BUFFER, the
 *   bit-by-bit tail of jpeg_huff_decode); decode_mcu_fast, used for an MCU when there are no
 *   restart markers and the stdio source's 4 KiB buffer holds at least 512 bytes per block, adds 6
 *   bytes whenever 16 bits or fewer are left, and when that prefetch meets a marker the MCU is
 *   done again the slow way. Where libjpeg's reader stands decides what it reads at the end of the
 *   file (the warning "Premature end of JPEG file"), how many bytes it reports as extraneous at the
 *   next marker, and whether an invalid Huffman code is reported (only the slow path warns).
 */
class BitReader {
  private buf = 0;
  private cnt = 0;
  /** Zero bits appended past the marker. */
  private pad = 0;
  /** Where the value reading stands, and the marker it stopped at (0: none). */
  private vpos = 0;
  private vunread = 0;
  /** libjpeg's bits_left. */
  private lj = 0;
  /** In decode_mcu_fast; its prefetch met a marker; the requests of the MCU so far (kind, bits). */
  private fast = false;
  private fastMarker = false;
  private ops = new Int32Array(4096);
  private nops = 0;
  private savedPos = 0;
  private savedLj = 0;

  /**
   * `emulate`: follow libjpeg's bit buffer and input position (for its exact warnings). Without,
   * libjpeg's input position is taken to be where the value reading stands, which gives the same
   * pixels and errors, and warnings whenever libjpeg has any (see decodeJpegExact).
   */
  constructor(private readonly src: Source, private readonly emulate: boolean) { this.restartAt(); }

  /** Starts reading where libjpeg's input stands (the start of a scan, or after a restart). */
  restartAt(): void {
    this.buf = 0; this.cnt = 0; this.pad = 0;
    this.vpos = this.src.pos;
    this.vunread = this.src.unread;
  }

  /**
   * process_restart's first step, and the end of a scan: drops libjpeg's bit buffer, returning its
   * whole bytes (discarded_bytes).
   */
  dropBuffer(): number {
    if (!this.emulate) {
      // The input stands where the value reading does; its unused whole bytes are the buffer's.
      this.src.pos = this.vpos;
      this.src.unread = this.vunread;
      const real = this.cnt - this.pad;
      this.cnt = 0; this.pad = 0;
      const bytes = real > 0 ? real >> 3 : 0;
      // libjpeg may not have met the marker yet and report these bytes at once: so warn (the exact
      // pass then says how libjpeg words it).
      if (bytes > 0) this.src.warn('Corrupt JPEG data: extraneous bytes');
      return bytes;
    }
    const bytes = this.lj >> 3;
    this.lj = 0;
    return bytes;
  }

  /** Whether decoding has used bits that were not in the data (libjpeg then sets insufficient_data). */
  get starved(): boolean { return this.pad > 0 && this.cnt < this.pad; }

  /** decode_mcu's choice of decode_mcu_fast, and the state to go back to if it fails. */
  beginMcu(blocks: number): void {
    if (!this.emulate) return;
    const src = this.src;
    const p = src.pos;
    const n = src.d.length;
    let inBuffer: number;
    if (p >= n) inBuffer = (p - n) & 1;
    else inBuffer = p % STDIO_CHUNK === 0 ? 0 : Math.min(n, (Math.floor(p / STDIO_CHUNK) + 1) * STDIO_CHUNK) - p;
    this.fast = src.unread === 0 && inBuffer >= FAST_BYTES_PER_BLOCK * blocks;
    if (this.fast) {
      this.fastMarker = false;
      this.nops = 0;
      this.savedPos = p;
      this.savedLj = this.lj;
    }
  }

  /** The end of an MCU: if decode_mcu_fast met a marker, libjpeg decodes the MCU again the slow way. */
  endMcu(): void {
    if (!this.fast) return;
    this.fast = false;
    if (!this.fastMarker) return;
    this.src.pos = this.savedPos;
    this.lj = this.savedLj;
    const ops = this.ops;
    for (let i = 0; i < this.nops; i++) this.request(ops[i] < 0, ops[i] < 0 ? -ops[i] : ops[i]);
  }

  /** jpeg_fill_bit_buffer, as counts. */
  private ljFill(nbits: number): void {
    const src = this.src;
    if (src.unread === 0) {
      while (this.lj < MIN_GET_BITS) {
        let c = src.byte();
        if (c === 0xff) {
          do c = src.byte(); while (c === 0xff);
          if (c !== 0) { src.unread = c; break; }
        }
        this.lj += 8;
      }
    }
    if (src.unread !== 0 && nbits > this.lj) {
      // Data wanted past the marker: zero bits, and (once per segment; here each message is kept
      // once anyway) the warning. The caller sees it as `starved` at the end of the MCU.
      src.warn(WARN_HIT_MARKER);
      this.lj = MIN_GET_BITS;
    }
  }

  /** `count` single bits, each after CHECK_BIT_BUFFER(1). */
  private ljSingles(count: number): void {
    while (count > 0) {
      if (this.lj < 1) this.ljFill(1);
      // A fill that meets the marker may load fewer bits than wanted; the next one adds zeros.
      const take = Math.min(count, this.lj);
      this.lj -= take;
      count -= take;
    }
  }

  /** decode_mcu_fast's request of `n` bits (`op`: -n for a Huffman code), recorded for a slow redo. */
  private fastRequest(op: number, n: number): void {
    // An MCU has at most 10 blocks of 64 coefficients, two requests each (4096 > 1280).
    this.ops[this.nops++] = op;
    if (this.lj <= 16) this.fastFill();
    this.lj -= n;
  }

  /** FILL_BIT_BUFFER_FAST: 6 bytes; a marker backs up to its FF (and the MCU is then redone the slow way). */
  private fastFill(): void {
    const d = this.src.d;
    let p = this.src.pos;
    for (let k = 0; k < 6; k++) {
      const c0 = d[p++];
      const c1 = d[p];
      this.lj += 8;
      if (c0 === 0xff) {
        p++;
        if (c1 !== 0) { this.fastMarker = true; p -= 2; }
      }
    }
    this.src.pos = p;
  }

  /** One request of libjpeg's decoder: a Huffman code of `n` bits (17: invalid), or `n` plain bits. */
  private request(huff: boolean, n: number): void {
    if (!this.emulate) {
      if (huff && n > 16) this.src.warn(WARN_BAD_CODE);
      return;
    }
    if (this.fast) {
      this.fastRequest(huff ? -n : n, n);
      return;
    }
    if (!huff) {
      if (this.lj < n) this.ljFill(n);
      this.lj -= n;
      return;
    }
    // HUFF_DECODE: the 8-bit lookahead, else jpeg_huff_decode from 1 or 9 bits on.
    if (this.lj < 8) {
      this.ljFill(0);
      if (this.lj < 8) {
        if (this.lj < 1) this.ljFill(1);
        this.lj -= 1;
        this.ljSingles(n - 1);
        if (n > 16) this.src.warn(WARN_BAD_CODE);
        return;
      }
    }
    if (n <= 8) { this.lj -= n; return; }
    if (this.lj < 9) this.ljFill(9);
    this.lj -= 9;
    this.ljSingles(n - 9);
    if (n > 16) this.src.warn(WARN_BAD_CODE);
  }

  private fill(): void {
    const src = this.src;
    while (this.cnt <= 24) {
      let byte = 0;
      if (this.vunread === 0) {
        // (Emulating, the warnings at the end of the file come from libjpeg's reading, not this one.)
        byte = this.emulate ? src.raw(this.vpos++) : src.at(this.vpos++);
        if (byte === 0xff) {
          let c: number;
          do c = this.emulate ? src.raw(this.vpos++) : src.at(this.vpos++); while (c === 0xff);
          if (c !== 0) {
            this.vunread = c;
            byte = 0;
            this.pad += 8;
          }
        }
      } else {
        this.pad += 8;
      }
      this.buf = (this.buf << 8) | byte;
      this.cnt += 8;
    }
  }

  /** A Huffman symbol; an invalid code takes 17 bits and gives 0 (jpeg_huff_decode). */
  decode(table: Uint16Array): number {
    if (this.cnt < 17) this.fill();
    const e = table[(this.buf >>> (this.cnt - 16)) & 0xffff];
    if (e === 0) {
      this.cnt -= 17;
      this.request(true, 17);
      return 0;
    }
    const n = e >> 8;
    this.cnt -= n;
    if (this.fast) this.fastRequest(-n, n);
    else this.request(true, n);
    return e & 0xff;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.cnt < n) this.fill();
    this.cnt -= n;
    if (this.fast) this.fastRequest(n, n);
    else this.request(false, n);
    return (this.buf >>> this.cnt) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.cnt < 1) this.fill();
    this.cnt--;
    this.request(false, 1);
    return (this.buf >>> this.cnt) & 1;
  }

  /** `bits(s)` sign-extended as JPEG magnitude categories are (HUFF_EXTEND). */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    const x = this.bits(s);
    return x < 1 << (s - 1) ? x - (1 << s) + 1 : x;
  }
}

export interface ExactDecodeResult {
  width: number;
  height: number;
  data: Uint8Array;
  /** libjpeg's inter-block smoothing was applied (a progressive file whose low AC coefficients are incomplete). */
  smoothed: boolean;
  /** libjpeg's warnings (its wording), each distinct message once; empty for an intact file. */
  warnings: string[];
}

/** Options of {@link decodeJpegExact}. */
export interface ExactDecodeOptions {
  /** Called with the frame's size (after libjpeg's checks of it) before anything of that size is allocated; may throw to refuse it. */
  checkSize?: (width: number, height: number) => void;
  /** Called with the number of scans read so far at each start of scan; may throw to refuse the file (a bound on its work). */
  checkScans?: (scans: number) => void;
  /**
   * Called before each scan is decoded with the passes over the image the scans so far ask for,
   * this one included: the blocks they cover (an interleaved scan every block of its components'
   * MCUs, a single-component scan that component's blocks) over the frame's blocks (every
   * component's). May throw to refuse the file (a bound on its work).
   */
  checkPasses?: (passes: number) => void;
}

/** The decoding state shared by the marker reader and the scan decoder. */
interface State {
  src: Source;
  frame?: Frame;
  qTables: Array<Int32Array | undefined>;
  dcTables: Array<HuffDef | undefined>;
  acTables: Array<HuffDef | undefined>;
  restartInterval: number;
  /** Arithmetic conditioning (DAC) per table (16): L and U of DC tables, Kx of AC tables. */
  arithDcL: number[];
  arithDcU: number[];
  arithAcK: number[];
  jfif: boolean;
  adobe: boolean;
  adobeTransform: number;
  sawSoi: boolean;
  scans: number;
  /** ExactDecodeOptions.checkScans and checkPasses. */
  checkScans?: ((scans: number) => void) | undefined;
  checkPasses?: ((passes: number) => void) | undefined;
  /** The blocks covered by the scans decoded so far (for checkPasses). */
  scanBlocks: number;
  /** Following libjpeg's bit buffer exactly (see BitReader). */
  emulate: boolean;
  /** The scan read by the last SOS. */
  scan?: { comps: Component[]; td: number[]; ta: number[]; ss: number; se: number; ah: number; al: number };
}

/** read_markers: processes markers up to the next SOS or EOI. */
function readMarkers(st: State): 'sos' | 'eoi' {
  const src = st.src;
  for (;;) {
    if (src.unread === 0) {
      if (!st.sawSoi) {
        const a = src.byte();
        const b = src.byte();
        if (a !== 0xff || b !== 0xd8) throw new JpegDataError(`Not a JPEG file: starts with ${hex2(a)} ${hex2(b)}`);
        src.unread = b;
      } else {
        src.nextMarker();
      }
    }
    const m = src.unread;
    switch (m) {
      case 0xd8:
        if (st.sawSoi) throw new JpegDataError('Invalid JPEG file structure: two SOI markers');
        st.sawSoi = true;
        st.restartInterval = 0;
        st.arithDcL = new Array<number>(16).fill(0); st.arithDcU = new Array<number>(16).fill(1); st.arithAcK = new Array<number>(16).fill(5);
        st.jfif = false; st.adobe = false; st.adobeTransform = 0;
        break;
      case 0xc0: case 0xc1: case 0xc2: case 0xc9: case 0xca:
        readSof(st, m === 0xc2 || m === 0xca, m >= 0xc9);
        break;
      case 0xc3: case 0xc5: case 0xc6: case 0xc7: case 0xc8: case 0xcb: case 0xcd: case 0xce: case 0xcf:
        throw new JpegDataError(`Unsupported JPEG process: SOF type ${hex2(m)}`);
      case 0xda:
        readSos(st);
        src.unread = 0;
        return 'sos';
      case 0xd9:
        src.unread = 0;
        return 'eoi';
      case 0xcc: readDac(st); break;
      case 0xc4: readDht(st); break;
      case 0xdb: readDqt(st); break;
      case 0xdd: {
        if (src.u16() !== 4) throw new JpegDataError('Bogus marker length');
        st.restartInterval = src.u16();
        break;
      }
      case 0xe0: case 0xee: readInterestingApp(st, m); break;
      case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0x01:
        break;
      default:
        if ((m >= 0xe1 && m <= 0xef) || m === 0xfe || m === 0xdc) {
          // skip_variable: other APPn, COM, DNL.
          const len = src.u16() - 2;
          src.skip(len);
          break;
        }
        throw new JpegDataError(`Unsupported marker type ${hex2(m)}`);
    }
    src.unread = 0;
  }
}

function readSof(st: State, progressive: boolean, arith: boolean): void {
  const src = st.src;
  const length = src.u16();
  const precision = src.byte();
  const height = src.u16();
  const width = src.u16();
  const nc = src.byte();
  if (st.frame !== undefined) throw new JpegDataError('Invalid JPEG file structure: two SOF markers');
  if (height <= 0 || width <= 0 || nc <= 0) throw new JpegDataError('Empty JPEG image (DNL not supported)');
  if (length - 8 !== nc * 3) throw new JpegDataError('Bogus marker length');
  const comps: Component[] = [];
  for (let i = 0; i < nc; i++) {
    const id = src.byte();
    const hv = src.byte();
    const tq = src.byte();
    comps.push({
      index: i, id, h: hv >> 4, v: hv & 15, tq, bw: 0, bh: 0, bwScan: 0, bhScan: 0, dw: 0, dh: 0,
      plane: new Uint8Array(0), coefBits: new Int32Array(64).fill(-1), prevCoefBits: new Int32Array(64), dcPred: 0,
    });
  }
  // The grid is set up at the first SOS (initial_setup), once the checks there have passed.
  st.frame = { progressive, arith, width, height, comps, mcusX: 0, mcusY: 0 };
  if (precision !== 8) (st.frame as Frame & { precision?: number }).precision = precision;
}

function readSos(st: State): void {
  const src = st.src;
  const frame = st.frame;
  if (frame === undefined) throw new JpegDataError('Invalid JPEG file structure: SOS before SOF');
  const length = src.u16();
  const n = src.byte();
  if (length !== n * 2 + 6 || n < 1 || n > 4) throw new JpegDataError('Bogus marker length');
  const comps: Component[] = [];
  const td: number[] = [];
  const ta: number[] = [];
  for (let i = 0; i < n; i++) {
    const cc = src.byte();
    const t = src.byte();
    // get_sos: the first component with this id among the frame's components i..3 (libjpeg tests
    // its scan slot by the component's index), and not one already in the scan.
    const c = frame.comps.find((x) => x.index >= i && x.index < 4 && x.id === cc);
    if (c === undefined || comps.includes(c)) throw new JpegDataError(`Invalid component ID ${cc} in SOS`);
    comps.push(c);
    td.push(t >> 4);
    ta.push(t & 15);
  }
  const ss = src.byte();
  const se = src.byte();
  const a = src.byte();
  st.scan = { comps, td, ta, ss, se, ah: a >> 4, al: a & 15 };
  st.scans++;
  st.checkScans?.(st.scans);
}

function readDht(st: State): void {
  const src = st.src;
  let length = src.u16() - 2;
  while (length > 16) {
    const index = src.byte();
    const counts = new Uint8Array(16);
    let count = 0;
    for (let i = 0; i < 16; i++) { counts[i] = src.byte(); count += counts[i]; }
    length -= 17;
    if (count > 256 || count > length) throw new JpegDataError('Bogus Huffman table definition');
    const symbols = new Uint8Array(256);
    for (let i = 0; i < count; i++) symbols[i] = src.byte();
    length -= count;
    const ac = (index & 0x10) !== 0;
    const slot = ac ? index - 0x10 : index;
    if (slot < 0 || slot >= 4) throw new JpegDataError(`Bogus DHT index ${slot}`);
    (ac ? st.acTables : st.dcTables)[slot] = { counts, symbols };
  }
  if (length !== 0) throw new JpegDataError('Bogus marker length');
}

function readDqt(st: State): void {
  const src = st.src;
  let length = src.u16() - 2;
  while (length > 0) {
    const b = src.byte();
    const prec = b >> 4;
    const t = b & 15;
    if (t >= 4) throw new JpegDataError(`Bogus DQT index ${t}`);
    const q = new Int32Array(64);
    for (let i = 0; i < 64; i++) q[NATURAL_ORDER[i]] = prec ? src.u16() : src.byte();
    st.qTables[t] = q;
    length -= prec ? 129 : 65;
  }
  if (length !== 0) throw new JpegDataError('Bogus marker length');
}

function readDac(st: State): void {
  const src = st.src;
  let length = src.u16() - 2;
  while (length > 0) {
    const index = src.byte();
    const val = src.byte();
    length -= 2;
    if (index >= 32) throw new JpegDataError(`Bogus DAC index ${index}`);
    if (index >= 16) {
      st.arithAcK[index - 16] = val;
    } else {
      st.arithDcL[index] = val & 15;
      st.arithDcU[index] = val >> 4;
      if (st.arithDcL[index] > st.arithDcU[index]) throw new JpegDataError(`Bogus DAC value 0x${val.toString(16)}`);
    }
  }
  if (length !== 0) throw new JpegDataError('Bogus marker length');
}

/** get_interesting_appn: APP0 (JFIF) and APP14 (Adobe). */
function readInterestingApp(st: State, m: number): void {
  const src = st.src;
  let length = src.u16() - 2;
  const take = length >= 14 ? 14 : length > 0 ? length : 0;
  const b = new Uint8Array(14);
  for (let i = 0; i < take; i++) b[i] = src.byte();
  length -= take;
  if (m === 0xe0) {
    if (take >= 14 && b[0] === 0x4a && b[1] === 0x46 && b[2] === 0x49 && b[3] === 0x46 && b[4] === 0) {
      st.jfif = true;
      if (b[5] !== 1) src.warn(`Warning: unknown JFIF revision number ${b[5]}.${String(b[6]).padStart(2, '0')}`);
    }
  } else if (take >= 12 && b[0] === 0x41 && b[1] === 0x64 && b[2] === 0x6f && b[3] === 0x62 && b[4] === 0x65) {
    st.adobe = true;
    st.adobeTransform = b[11];
  }
  src.skip(length);
}

/** jdinput.c initial_setup (at the first SOS) and the frame grid. */
function initialSetup(frame: Frame & { precision?: number }, checkSize: ((width: number, height: number) => void) | undefined): void {
  if (frame.height > 65500 || frame.width > 65500) throw new JpegDataError('Maximum supported image dimension is 65500 pixels');
  if (frame.precision !== undefined) throw new JpegUnsupportedError(`${frame.precision}-bit samples`, false, 'precision', frame.precision);
  const comps = frame.comps;
  if (comps.length > 10) throw new JpegDataError(`Too many color components: ${comps.length}, max 10`);
  for (const c of comps) if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) throw new JpegDataError('Bogus sampling factors');
  if (comps.length !== 1 && comps.length !== 3) {
    throw new JpegUnsupportedError(`${comps.length} components`, comps.length === 4, 'components', comps.length);
  }
  const maxH = Math.max(...comps.map((c) => c.h));
  const maxV = Math.max(...comps.map((c) => c.v));
  if (!upsamplingSupported(comps.map((c) => [c.h, c.v]))) {
    throw new JpegUnsupportedError('non-integral ratios between sampling factors', true, 'sampling');
  }
  const { width, height } = frame;
  checkSize?.(width, height);
  frame.mcusX = Math.ceil(width / (8 * maxH));
  frame.mcusY = Math.ceil(height / (8 * maxV));
  for (const c of comps) {
    c.bw = frame.mcusX * c.h;
    c.bh = frame.mcusY * c.v;
    c.dw = Math.ceil((width * c.h) / maxH);
    c.dh = Math.ceil((height * c.v) / maxV);
    c.bwScan = Math.ceil(c.dw / 8);
    c.bhScan = Math.ceil(c.dh / 8);
    c.plane = new Uint8Array(c.bw * 8 * c.bh * 8);
  }
}

/**
 * Decodes a JPEG to 8-bit RGB exactly as libjpeg-turbo 2.1 (via dlib's load_image) does, damaged
 * files included (see the file header).
 *
 * Requires: nothing (`options.checkSize` guards the allocations).
 * Ensures: returns the image and libjpeg's warnings; or throws JpegDataError where libjpeg fails
 * (its message), or JpegUnsupportedError (4-component CMYK/YCCK, non-integral sampling ratios,
 * not 8-bit, not 1 or 3 components).
 */
export function decodeJpegExact(bytes: Uint8Array, options: ExactDecodeOptions = {}): ExactDecodeResult {
  // An intact file decodes once. libjpeg's warnings depend on where its bit reader stands, which
  // costs time to follow; the quick pass warns whenever libjpeg would (its warnings are a superset
  // in kind: it may count extraneous bytes libjpeg's read-ahead swallowed, or report an invalid
  // Huffman code libjpeg's fast path decodes silently), so a file that gets any warning, or an
  // error, is decoded again following libjpeg exactly. The pixels are the same either way.
  try {
    const quick = decodeOnce(bytes, options, false);
    if (quick.warnings.length === 0) return quick;
  } catch {
    // The exact pass below gives the error (the same one).
  }
  return decodeOnce(bytes, options, true);
}

function decodeOnce(bytes: Uint8Array, options: ExactDecodeOptions, emulate: boolean): ExactDecodeResult {
  const st: State = {
    emulate,
    src: new Source(bytes), qTables: [], dcTables: [], acTables: [], restartInterval: 0,
    arithDcL: new Array<number>(16).fill(0), arithDcU: new Array<number>(16).fill(1), arithAcK: new Array<number>(16).fill(5),
    jfif: false, adobe: false, adobeTransform: 0, sawSoi: false, scans: 0, checkScans: options.checkScans, checkPasses: options.checkPasses, scanBlocks: 0,
  };
  // jpeg_read_header.
  if (readMarkers(st) === 'eoi') {
    throw new JpegDataError(st.frame !== undefined ? 'Invalid JPEG file structure: missing SOS marker' : 'JPEG datastream contains no image');
  }
  const frame = st.frame!;
  initialSetup(frame, options.checkSize);
  // jpeg_start_decompress → jinit_huff_decoder (sequential Huffman only): std_huff_tables.
  if (!frame.progressive && !frame.arith) {
    for (let t = 0; t < 2; t++) {
      st.dcTables[t] ??= { counts: STD_DC[t].counts, symbols: STD_DC[t].symbols };
      st.acTables[t] ??= { counts: STD_AC[t].counts, symbols: STD_AC[t].symbols };
    }
  }
  const comps = frame.comps;
  let ycc = true;
  if (comps.length === 3) {
    if (st.jfif) ycc = true;
    else if (st.adobe) {
      ycc = st.adobeTransform !== 0;
      if (st.adobeTransform > 1) st.src.warn(`Unknown Adobe color transform code ${st.adobeTransform}`);
    } else ycc = !(comps[0].id === 82 && comps[1].id === 71 && comps[2].id === 66);
  }
  // Block rows / columns of component planes, for the IDCT.
  const ws = new Int32Array(64);
  const multi = frame.progressive || st.scan!.comps.length < comps.length;
  let smoothed = false;
  if (!multi) {
    decodeScan(st, frame, false, ws);
    // jpeg_finish_decompress: the markers up to EOI.
    for (;;) {
      if (readMarkers(st) === 'eoi') break;
      throw new JpegDataError('Didn\'t expect more than one scan');
    }
  } else {
    for (const c of comps) c.coefs = new Int16Array(c.bw * c.bh * 64);
    let lastGoodRow = 0;
    for (;;) {
      lastGoodRow = decodeScan(st, frame, true, ws);
      if (readMarkers(st) === 'eoi') break;
    }
    const bits = frame.progressive ? smoothingBits(comps, st.scans) : undefined;
    for (const c of comps) {
      const stride = c.bw * 8;
      if (bits !== undefined) {
        smoothed = true;
        smoothComponent(c, frame.mcusY, bits.current[c.index], bits.previous[c.index], lastGoodRow, ws);
        continue;
      }
      const q = c.quant ?? new Int32Array(64);
      const coefs = c.coefs!;
      for (let by = 0; by < c.bh; by++) {
        for (let bx = 0; bx < c.bw; bx++) {
          idctIslow(coefs, (by * c.bw + bx) * 64, q, c.plane, by * 8 * stride + bx * 8, stride, ws);
        }
      }
    }
  }
  const planes: Plane[] = comps.map((c) => ({ data: c.plane, stride: c.bw * 8, h: c.h, v: c.v, width: c.dw, height: c.dh }));
  const data = planesToRgb(planes, frame.width, frame.height, ycc);
  return { width: frame.width, height: frame.height, data, smoothed, warnings: st.src.warnings };
}

/**
 * Decodes the scan whose SOS was just read (jdinput.c start_input_pass, the entropy decoder's
 * start_pass, then every MCU). One-pass mode (`multi` false): each MCU's blocks are zeroed, decoded
 * and inverse-DCTed into the planes; multi-scan mode: decoded into the coefficient arrays.
 * Returns libjpeg's last_good_iMCU_row: the last iMCU row where an MCU was decoded from real data.
 */
function decodeScan(st: State, frame: Frame, multi: boolean, ws: Int32Array): number {
  const scan = st.scan!;
  const src = st.src;
  const { comps: scomps, ss, se, ah, al } = scan;
  const progressive = frame.progressive;
  // per_scan_setup: MCU size.
  if (scomps.length > 1) {
    let blocks = 0;
    for (const c of scomps) blocks += c.h * c.v;
    if (blocks > 10) throw new JpegDataError('Sampling factors too large for interleaved scan');
  }
  if (st.checkPasses !== undefined) {
    // The bound on work: the blocks this scan will visit, added to the earlier scans'.
    let frameBlocks = 0;
    for (const c of frame.comps) frameBlocks += c.bwScan * c.bhScan;
    if (scomps.length > 1) for (const c of scomps) st.scanBlocks += frame.mcusX * frame.mcusY * c.h * c.v;
    else st.scanBlocks += scomps[0]!.bwScan * scomps[0]!.bhScan;
    st.checkPasses(st.scanBlocks / frameBlocks);
  }
  // latch_quant_tables.
  for (const c of scomps) {
    if (c.quant !== undefined) continue;
    const q = c.tq < 4 ? st.qTables[c.tq] : undefined;
    if (q === undefined) throw new JpegDataError(`Quantization table ${hex2(c.tq)} was not defined`);
    c.quant = q.slice();
  }
  const dcT: Uint16Array[] = [];
  const acT: Uint16Array[] = [];
  const arith = frame.arith;
  const table = (isDc: boolean, no: number): Uint16Array => {
    if (arith) {
      // jdarith.c start_pass: statistics areas (NUM_ARITH_TBLS = 16), not tables.
      if (no >= 16) throw new JpegDataError(`Arithmetic table ${hex2(no)} was not defined`);
      return new Uint16Array(0);
    }
    const def = no < 4 ? (isDc ? st.dcTables : st.acTables)[no] : undefined;
    if (def === undefined) throw new JpegDataError(`Huffman table ${hex2(no)} was not defined`);
    return buildHuffman(def, isDc);
  };
  if (progressive) {
    // jdphuff.c start_pass_phuff_decoder (jdarith.c start_pass: the same checks).
    let bad = false;
    if (ss === 0) { if (se !== 0) bad = true; } else if (ss > se || se > 63 || scomps.length !== 1) bad = true;
    if (ah !== 0 && al !== ah - 1) bad = true;
    if (al > 13) bad = true;
    if (bad) throw new JpegDataError(`Invalid progressive parameters Ss=${ss} Se=${se} Ah=${ah} Al=${al}`);
    for (const c of scomps) {
      const cb = c.coefBits;
      if (ss !== 0 && cb[0] < 0) src.warn(`Inconsistent progression sequence for component ${c.index} coefficient 0`);
      for (let k = Math.min(ss, 1); k <= Math.max(se, 9); k++) c.prevCoefBits[k] = st.scans > 1 ? cb[k] : 0;
      for (let k = ss; k <= se; k++) {
        const expected = cb[k] < 0 ? 0 : cb[k];
        if (ah !== expected) src.warn(`Inconsistent progression sequence for component ${c.index} coefficient ${k}`);
        cb[k] = al;
      }
    }
    scomps.forEach((c, i) => {
      if (ss === 0) dcT.push(ah === 0 ? table(true, scan.td[i]) : new Uint16Array(0));
      else dcT.push(new Uint16Array(0));
      acT.push(ss !== 0 ? table(false, scan.ta[i]) : new Uint16Array(0));
    });
  } else {
    // jdhuff.c start_pass_huff_decoder (jdarith.c start_pass: the same).
    if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) src.warn('Invalid SOS parameters for sequential JPEG');
    scomps.forEach((c, i) => {
      dcT.push(table(true, scan.td[i]));
      acT.push(table(false, scan.ta[i]));
    });
  }

  const reader = new BitReader(src, st.emulate);
  let blocksInMcu = 0;
  for (const c of scomps) blocksInMcu += scomps.length === 1 ? 1 : c.h * c.v;
  const single = scomps.length === 1;
  const mcusX = single ? scomps[0].bwScan : frame.mcusX;
  const mcusY = single ? scomps[0].bhScan : frame.mcusY;
  const total = mcusX * mcusY;
  for (const c of scomps) c.dcPred = 0;
  let eobrun = 0;
  const block = new Int16Array(64);

  // jdarith.c: the statistics this scan uses, per scan component (-1: none).
  const arithDc = scomps.map((_, i) => (!progressive || (ss === 0 && ah === 0) ? scan.td[i] : -1));
  const arithAc = scomps.map((_, i) => (!progressive || ss !== 0 ? scan.ta[i] : -1));
  const ad = arith ? new ArithDecoder(src, NATURAL_ORDER, st.arithDcL, st.arithDcU, st.arithAcK) : undefined;
  ad?.reset(arithDc, arithAc);

  // The per-block decoder for this kind of scan: (component, its index in the scan, block x, y);
  // false: an arithmetic decoding error, the rest of the MCU is not decoded.
  let decodeBlock: (c: Component, ci: number, bx: number, by: number) => boolean;
  if (ad !== undefined) {
    decodeBlock = arithBlockDecoder(ad, progressive, multi, scan, block, ws);
  } else if (!progressive) {
    decodeBlock = (c, ci, bx, by) => {
      let out: Int16Array = block;
      let o = 0;
      if (multi) { out = c.coefs!; o = (by * c.bw + bx) * 64; } else block.fill(0);
      const t = reader.decode(dcT[ci]);
      const dc = (c.dcPred + reader.receiveExtend(t)) | 0;
      c.dcPred = dc;
      out[o] = dc;
      const ac = acT[ci];
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s !== 0) {
          k += r;
          out[o + NATURAL_ORDER[k]] = reader.receiveExtend(s);
        } else {
          if (r !== 15) break;
          k += 15;
        }
      }
      if (!multi) {
        const stride = c.bw * 8;
        idctIslow(block, 0, c.quant!, c.plane, by * 8 * stride + bx * 8, stride, ws);
      }
      return true;
    };
  } else if (ss === 0) {
    if (ah === 0) {
      decodeBlock = (c, ci, bx, by) => {
        const t = reader.decode(dcT[ci]);
        const diff = reader.receiveExtend(t);
        const dc = c.dcPred + diff;
        if (dc > 2147483647 || dc < -2147483648) throw new JpegDataError('DCT coefficient out of range');
        c.dcPred = dc;
        c.coefs![(by * c.bw + bx) * 64] = dc * (1 << al);
        return true;
      };
    } else {
      decodeBlock = (c, _ci, bx, by) => {
        if (reader.bit()) c.coefs![(by * c.bw + bx) * 64] |= 1 << al;
        return true;
      };
    }
  } else if (ah === 0) {
    decodeBlock = (c, ci, bx, by) => {
      if (eobrun > 0) { eobrun--; return true; }
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
      return true;
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
            if (s !== 1) src.warn(WARN_BAD_CODE);
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
      return true;
    };
  }

  const ri = st.restartInterval;
  let restartsToGo = ri;
  let nextRestart = 0;
  let insufficient = false;
  let lastGoodRow = 0;
  // Rows of MCUs per iMCU row: a non-interleaved scan's iMCU row is v block rows of its component.
  const mcuRowsPerImcu = single ? scomps[0].v : 1;
  for (let mcu = 0; mcu < total; mcu++) {
    if (ri > 0 && restartsToGo === 0) {
      // process_restart + read_restart_marker (+ jpeg_resync_to_restart).
      if (ad === undefined) src.discarded += reader.dropBuffer();
      if (src.unread === 0) src.nextMarker();
      if (src.unread === 0xd0 + nextRestart) {
        src.unread = 0;
      } else {
        let m = src.unread;
        src.warn(`Corrupt JPEG data: found marker ${hex2(m)} instead of RST${nextRestart}`);
        for (;;) {
          let action: number;
          if (m < 0xc0) action = 2;
          else if (m < 0xd0 || m > 0xd7) action = 3;
          else if (m === 0xd0 + ((nextRestart + 1) & 7) || m === 0xd0 + ((nextRestart + 2) & 7)) action = 3;
          else if (m === 0xd0 + ((nextRestart - 1) & 7) || m === 0xd0 + ((nextRestart - 2) & 7)) action = 2;
          else action = 1;
          if (action === 1) { src.unread = 0; break; }
          if (action === 3) break;
          m = src.nextMarker();
        }
      }
      nextRestart = (nextRestart + 1) & 7;
      restartsToGo = ri;
      if (ad !== undefined) {
        ad.reset(arithDc, arithAc);
      } else {
        reader.restartAt();
        for (const c of scomps) c.dcPred = 0;
        eobrun = 0;
        if (src.unread === 0) insufficient = false;
      }
    }
    const mx = mcu % mcusX;
    const my = (mcu - mx) / mcusX;
    if (!insufficient) lastGoodRow = Math.floor(my / mcuRowsPerImcu);
    // Huffman decoding skips the MCUs after data ran out, arithmetic decoding those after an error,
    // until the next restart; but a DC refinement scan checks neither (jdphuff.c: reading zeros
    // changes nothing; they still move libjpeg's bit buffer).
    const dcRefine = progressive && ss === 0 && ah !== 0;
    const skip = !dcRefine && (ad !== undefined ? ad.ct === -1 : insufficient);
    if (!skip) {
      if (ad === undefined && !progressive && ri === 0) reader.beginMcu(blocksInMcu);
      if (single) {
        decodeBlock(scomps[0], 0, mx, my);
      } else {
        let live = true;
        for (let ci = 0; ci < scomps.length; ci++) {
          const c = scomps[ci];
          for (let v = 0; v < c.v; v++) {
            for (let h = 0; h < c.h; h++) {
              if (live) live = decodeBlock(c, ci, mx * c.h + h, my * c.v + v);
              else if (!multi) zeroBlock(c, mx * c.h + h, my * c.v + v, block, ws);
            }
          }
        }
      }
      if (ad === undefined) {
        reader.endMcu();
        if (reader.starved) {
          if (!st.emulate) src.warn(WARN_HIT_MARKER);
          insufficient = true;
        }
      }
    } else if (!multi) {
      // The MCU stays zero: uniform grey blocks.
      if (single) zeroBlock(scomps[0], mx, my, block, ws);
      else for (const c of scomps) for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) zeroBlock(c, mx * c.h + h, my * c.v + v, block, ws);
    }
    if (ri > 0) restartsToGo--;
  }
  // The scan is over: libjpeg's bit buffer is dropped without counting it.
  if (ad === undefined) reader.dropBuffer();
  return lastGoodRow;
}

/** One-pass mode: a block left at zero coefficients, inverse-DCTed (uniform grey). */
function zeroBlock(c: Component, bx: number, by: number, block: Int16Array, ws: Int32Array): void {
  block.fill(0);
  const stride = c.bw * 8;
  idctIslow(block, 0, c.quant!, c.plane, by * 8 * stride + bx * 8, stride, ws);
}

/** The per-block decoder of an arithmetic-coded scan (jdarith.c's decode_mcu variants, via ./arith.ts). */
function arithBlockDecoder(
  ad: ArithDecoder, progressive: boolean, multi: boolean, scan: NonNullable<State['scan']>, block: Int16Array, ws: Int32Array,
): (c: Component, ci: number, bx: number, by: number) => boolean {
  const { ss, se, ah, al, td, ta } = scan;
  if (!progressive) {
    return (c, ci, bx, by) => {
      if (multi) return ad.sequentialBlock(c.coefs!, (by * c.bw + bx) * 64, ci, td[ci], ta[ci]);
      block.fill(0);
      const ok = ad.sequentialBlock(block, 0, ci, td[ci], ta[ci]);
      const stride = c.bw * 8;
      idctIslow(block, 0, c.quant!, c.plane, by * 8 * stride + bx * 8, stride, ws);
      return ok;
    };
  }
  if (ss === 0 && ah === 0) return (c, ci, bx, by) => ad.dcFirstBlock(c.coefs!, (by * c.bw + bx) * 64, ci, td[ci], al);
  if (ss === 0) return (c, _ci, bx, by) => { ad.dcRefineBlock(c.coefs!, (by * c.bw + bx) * 64, al); return true; };
  if (ah === 0) return (c, ci, bx, by) => { ad.acFirstBlock(c.coefs!, (by * c.bw + bx) * 64, ta[ci], ss, se, al); return true; };
  return (c, ci, bx, by) => { ad.acRefineBlock(c.coefs!, (by * c.bw + bx) * 64, ta[ci], ss, se, al); return true; };
}
