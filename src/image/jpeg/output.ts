/**
 * libjpeg-turbo's post-processing of decoded component planes into RGB: chroma upsampling
 * (jdsample.c, with do_fancy_upsampling = TRUE, the default) and colour conversion (jdcolor.c).
 *
 * Upsampling, per component, as jinit_upsampler chooses it (at 1:1 scale):
 * - full size (h = max_h, v = max_v): samples used as they are;
 * - 2:1 horizontally, 1:1 vertically: h2v1 "fancy" (triangular) upsampling when the component is
 *   more than 2 samples wide, else plain replication;
 * - 1:1 horizontally, 2:1 vertically: h1v2 fancy upsampling (libjpeg-turbo >= 2.0);
 * - 2:1 both ways: h2v2 fancy upsampling when more than 2 samples wide, else replication;
 * - other integral ratios: int_upsample (replication, h_expand x v_expand);
 * - non-integral ratios: libjpeg fails (JERR_FRACT_SAMPLE_NOTIMPL); the caller never gets here.
 *
 * Fancy upsampling uses the component's real (downsampled) width and height, not the padded
 * block grid: past the last column the last column repeats (the special-cased end columns of
 * h2v1/h2v2), and above the first row / below the last row the first / last row repeats (the
 * context rows jdmainct.c sets up: make_funny_pointers at the top, set_bottom_pointers at the
 * bottom). libjpeg-turbo's SIMD upsamplers are bit-exact with the C ones.
 *
 * Colour conversion (ycc_rgb_convert): R = y + Cr_r_tab[cr], G = y + ((Cb_g_tab[cb] +
 * Cr_g_tab[cr]) >> 16), B = y + Cb_b_tab[cb], each clamped to 0..255, with the tables built
 * with SCALEBITS 16 from FIX(1.40200), FIX(1.77200), -FIX(0.71414), -FIX(0.34414) + ONE_HALF.
 */

/** One decoded component plane: samples at `data[y * stride + x]` (stride = padded width). */
export interface Plane {
  data: Uint8Array;
  stride: number;
  /** Sampling factors. */
  h: number;
  v: number;
  /** libjpeg's downsampled_width / downsampled_height: ceil(W * h / max_h), ceil(H * v / max_v). */
  width: number;
  height: number;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number): number => Math.floor(x * (1 << SCALEBITS) + 0.5);

const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}
/** Clamp to 0..255 of values -256..767 (libjpeg's sample_range_limit), indexed by value + 256. */
const CLAMP = new Uint8Array(1024);
for (let i = 0; i < 1024; i++) CLAMP[i] = Math.min(255, Math.max(0, i - 256));

type RowFn = (y: number) => number;

/**
 * The component's upsampled rows: `row(y)` fills `buf` with output row y (or, at full size, points
 * into the plane) and returns the offset of the row's first sample in `buf`.
 */
function rowSource(p: Plane, maxH: number, maxV: number, outWidth: number): { buf: Uint8Array; row: RowFn } {
  const { data, stride, h, v, width: dw, height: dh } = p;
  if (h === maxH && v === maxV) return { buf: data, row: (y) => y * stride };
  const out = new Uint8Array(outWidth + 2 * maxH + 8);
  const lastRow = dh - 1;
  if (h * 2 === maxH && v === maxV) {
    if (dw > 2) {
      return {
        buf: out, row: (y) => {
          const r = y * stride;
          let inv = data[r];
          out[0] = inv;
          out[1] = (inv * 3 + data[r + 1] + 2) >> 2;
          let o = 2;
          for (let i = 1; i < dw - 1; i++) {
            inv = data[r + i] * 3;
            out[o++] = (inv + data[r + i - 1] + 1) >> 2;
            out[o++] = (inv + data[r + i + 1] + 2) >> 2;
          }
          inv = data[r + dw - 1];
          out[o++] = (inv * 3 + data[r + dw - 2] + 1) >> 2;
          out[o] = inv;
          return 0;
        },
      };
    }
  } else if (h === maxH && v * 2 === maxV) {
    return {
      buf: out, row: (y) => {
        const inRow = y >> 1;
        const r0 = inRow * stride;
        let bias: number;
        let r1: number;
        if ((y & 1) === 0) { r1 = Math.max(inRow - 1, 0) * stride; bias = 1; } else { r1 = Math.min(inRow + 1, lastRow) * stride; bias = 2; }
        for (let i = 0; i < dw; i++) out[i] = (data[r0 + i] * 3 + data[r1 + i] + bias) >> 2;
        return 0;
      },
    };
  } else if (h * 2 === maxH && v * 2 === maxV) {
    if (dw > 2) {
      return {
        buf: out, row: (y) => {
          const inRow = y >> 1;
          const r0 = inRow * stride;
          const r1 = ((y & 1) === 0 ? Math.max(inRow - 1, 0) : Math.min(inRow + 1, lastRow)) * stride;
          let thisSum = data[r0] * 3 + data[r1];
          let nextSum = data[r0 + 1] * 3 + data[r1 + 1];
          out[0] = (thisSum * 4 + 8) >> 4;
          out[1] = (thisSum * 3 + nextSum + 7) >> 4;
          let lastSum = thisSum;
          thisSum = nextSum;
          let o = 2;
          for (let i = 2; i < dw; i++) {
            nextSum = data[r0 + i] * 3 + data[r1 + i];
            out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
            out[o++] = (thisSum * 3 + nextSum + 7) >> 4;
            lastSum = thisSum;
            thisSum = nextSum;
          }
          out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
          out[o] = (thisSum * 4 + 7) >> 4;
          return 0;
        },
      };
    }
  }
  // Replication: h2v1 / h2v2 on components at most 2 samples wide, and int_upsample.
  if (maxH % h !== 0 || maxV % v !== 0) throw new Error('non-integral sampling ratio');
  const hx = maxH / h;
  const vx = maxV / v;
  return {
    buf: out, row: (y) => {
      const r = Math.floor(y / vx) * stride;
      let o = 0;
      for (let i = 0; o < outWidth; i++) {
        const s = data[r + i];
        for (let k = 0; k < hx; k++) out[o++] = s;
      }
      return 0;
    },
  };
}

/** Whether libjpeg can upsample these sampling factors (integral ratios only). */
export function upsamplingSupported(factors: Array<[number, number]>): boolean {
  const maxH = Math.max(...factors.map((f) => f[0]));
  const maxV = Math.max(...factors.map((f) => f[1]));
  return factors.every(([h, v]) => maxH % h === 0 && maxV % v === 0);
}

/**
 * Upsamples and colour-converts the planes into interleaved RGB, as dlib's load_image returns it.
 *
 * Requires: `planes` has 1 (greyscale) or 3 components with integral sampling ratios.
 * `ycc`: whether 3 components are YCbCr (converted) or RGB (copied).
 */
export function planesToRgb(planes: Plane[], width: number, height: number, ycc: boolean): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const maxH = Math.max(...planes.map((p) => p.h));
  const maxV = Math.max(...planes.map((p) => p.v));
  if (planes.length === 1) {
    const s = rowSource(planes[0], maxH, maxV, width);
    const src = s.buf;
    for (let y = 0; y < height; y++) {
      const r = s.row(y);
      let o = y * width * 3;
      for (let x = 0; x < width; x++) {
        const g = src[r + x];
        rgb[o] = g; rgb[o + 1] = g; rgb[o + 2] = g;
        o += 3;
      }
    }
    return rgb;
  }
  const s0 = rowSource(planes[0], maxH, maxV, width);
  const s1 = rowSource(planes[1], maxH, maxV, width);
  const s2 = rowSource(planes[2], maxH, maxV, width);
  const b0 = s0.buf;
  const b1 = s1.buf;
  const b2 = s2.buf;
  for (let y = 0; y < height; y++) {
    const r0 = s0.row(y);
    const r1 = s1.row(y);
    const r2 = s2.row(y);
    let o = y * width * 3;
    if (ycc) {
      for (let x = 0; x < width; x++) {
        const yy = b0[r0 + x] + 256;
        const cb = b1[r1 + x];
        const cr = b2[r2 + x];
        rgb[o] = CLAMP[yy + CR_R[cr]];
        rgb[o + 1] = CLAMP[yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)];
        rgb[o + 2] = CLAMP[yy + CB_B[cb]];
        o += 3;
      }
    } else {
      for (let x = 0; x < width; x++) {
        rgb[o] = b0[r0 + x];
        rgb[o + 1] = b1[r1 + x];
        rgb[o + 2] = b2[r2 + x];
        o += 3;
      }
    }
  }
  return rgb;
}
