/**
 * dlib's Felzenszwalb HOG features, `extract_fhog_features(img, dlib::array<array2d<float>>&,
 * cell_size, filter_rows_padding, filter_cols_padding)` (dlib/image_transforms/fhog.h, dlib
 * 19.24), ported operation by operation in float32. (dlib's `image_to_fhog`/`fhog_to_image` point
 * and rectangle maps are in src/geometry/fhog-maps.ts.)
 *
 * The result has 31 planes of rows x cols floats: 18 contrast-sensitive orientation bins, 9
 * contrast-insensitive ones, 4 texture (gradient energy) features. For cell size c > 1, an image
 * of H x W pixels has round(H/c) x round(W/c) cells and the planes are (cells - 2 + padding - 1)
 * in each direction, the features sitting at offset (padding-1)/2 with zeros around them. Images
 * with fewer than 3 cells either way give 31 empty (0 x 0) planes, as dlib does.
 *
 * How dlib computes (and how this port mirrors it, so that features agree to the last bit with
 * dlib compiled for x86-64's SSE2 baseline, which is how the parity harness builds it):
 * - Per pixel (borders excluded) the gradient is the central difference [-1 0 1] across and down.
 *   For RGB images the channel with the largest squared magnitude is used. dlib computes most
 *   columns 8 at a time with SIMD and the last (< 8) columns of each row with scalar code, and
 *   the two break ties differently: the SIMD code prefers the LATER channel on equal magnitudes
 *   (blue over green over red), the scalar code the EARLIER one (red over green over blue). Which
 *   columns are SIMD: blocks of 8 from x = 1, 9, 17, ... while x < visible - 7, with visible =
 *   min(cells*cell_size, width) - 1 (see simdColumnsEnd).
 * - The gradient is snapped to one of 18 orientations by the largest dot product with 9 float
 *   unit vectors and their negatives; its magnitude sqrt(gx^2 + gy^2) (float) votes into the 4
 *   nearest cells with bilinear weights. The SIMD and scalar columns compute the weights in
 *   different ways (float vs double intermediates, weight*(magnitude) associativity), mirrored.
 * - Block energies, the 4 normalisations (clamped at 0.2 of the block norm, in dlib's SIMD lane
 *   order), and the lane sums (lane0+lane2)+(lane1+lane3) of SSE2's horizontal add.
 * Cell size 1 is dlib's separate code path (`impl_extract_fhog_features_cell_size_1`), ported too.
 *
 * Images: RGB (data.length = width*height*3) or grey (data.length = width*height), as
 * src/image/pixels.ts's `channelsOf` tells (the `channels` field, else the data length).
 *
 * Backends: this file is the reference, plain TypeScript (the port, readable, ~6x slower than
 * dlib), and imports no kernel glue. `extractFhog` takes its three stages (gradient +
 * orientation, voting, normalisation) as a parameter, {@link referenceStages} by default; the
 * 'wasm' backend's stages are WebAssembly SIMD kernels (assembly/fhog.ts, glue in fhog-wasm.ts),
 * each tested bit-identical to its TypeScript twin here (gradientImageRef, voteRef, featuresRef),
 * and faster than dlib. hog/backends.ts maps a backend name to its stages.
 */
import { fhogGrid, type FhogMapOptions } from '../geometry/index.js';
import { channelsOf } from '../image/pixels.js';
import type { HogImage } from './pyramid.js';

/** 31 fHOG planes, each rows*cols floats, row-major (views into one contiguous buffer, plane p at p*rows*cols). */
export interface FhogMap {
  rows: number;
  cols: number;
  planes: Float32Array[];
}

/** The cell size and paddings (src/geometry/fhog-maps.ts: the same defaults and checks as the coordinate maps). */
export type FhogOptions = FhogMapOptions;

export const FHOG_PLANES = 31;

const f32 = Math.fround;

/** dlib's 9 orientation unit vectors, as matrix<float,2,1> holds them. */
export const FHOG_DIR_X = Float32Array.from([1.0, 0.9397, 0.766, 0.5, 0.1736, -0.1736, -0.5, -0.766, -0.9397]);
export const FHOG_DIR_Y = Float32Array.from([0.0, 0.342, 0.6428, 0.866, 0.9848, 0.9848, 0.866, 0.6428, 0.342]);

const EPS = f32(0.0001);
const F0_2 = f32(0.2);
const F0_1 = f32(0.1);
const TEXTURE_SCALE = f32(2 * 0.2357);

function emptyMap(): FhogMap {
  return { rows: 0, cols: 0, planes: Array.from({ length: FHOG_PLANES }, () => new Float32Array(0)) };
}

/** First column that dlib's gradient loop handles with scalar code (columns 1.. before it: SIMD). */
export function simdColumnsEnd(visibleNc: number): number {
  let x = 1;
  while (x < visibleNc - 7) x += 8;
  return x;
}

/**
 * The per-pixel stage for one image row `y` (1 <= y < height-1), columns [1, xEnd): the
 * orientation bin (0..17) into `bins[x]` and the gradient's squared length (as float, exact:
 * an integer below 2^18) into `len2[x]`. Columns below `simdEnd` follow dlib's SIMD code, the
 * rest its scalar code (they differ only in RGB channel ties).
 */
export function gradientRowRef(
  data: Uint8Array, width: number, channels: 1 | 3, y: number, xEnd: number, simdEnd: number,
  bins: Uint8Array, len2: Float32Array,
): void {
  const dx = FHOG_DIR_X;
  const dy = FHOG_DIR_Y;
  const stride = width * channels;
  const row = y * stride;
  const up = row - stride;
  const down = row + stride;
  for (let x = 1; x < xEnd; x++) {
    let gx: number;
    let gy: number;
    let len: number;
    if (channels === 1) {
      gx = data[row + x + 1] - data[row + x - 1];
      gy = data[down + x] - data[up + x];
      len = gx * gx + gy * gy;
    } else {
      const p = row + x * 3;
      const q = x * 3;
      const rx = data[p + 3] - data[p - 3];
      const ry = data[down + q] - data[up + q];
      const gxg = data[p + 4] - data[p - 2];
      const gyg = data[down + q + 1] - data[up + q + 1];
      const bx = data[p + 5] - data[p - 1];
      const by = data[down + q + 2] - data[up + q + 2];
      const rl = rx * rx + ry * ry;
      const gl = gxg * gxg + gyg * gyg;
      const bl = bx * bx + by * by;
      if (x < simdEnd) {
        // select(rlen > glen, red, green), then select(tlen > blen, that, blue)
        if (rl > gl) { gx = rx; gy = ry; len = rl; } else { gx = gxg; gy = gyg; len = gl; }
        if (!(len > bl)) { gx = bx; gy = by; len = bl; }
      } else {
        gx = rx; gy = ry; len = rl;
        if (gl > len) { gx = gxg; gy = gyg; len = gl; }
        if (bl > len) { gx = bx; gy = by; len = bl; }
      }
    }
    let best = 0;
    let bo = 0;
    for (let o = 0; o < 9; o++) {
      const dot = f32(f32(gx * dx[o]) + f32(gy * dy[o]));
      if (dot > best) {
        best = dot;
        bo = o;
      } else if (-dot > best) {
        best = -dot;
        bo = o + 9;
      }
    }
    bins[x] = bo;
    len2[x] = len;
  }
}

/**
 * Per-pixel stage for a whole image, rows [1, yEnd) and columns [1, xEnd): bins and squared
 * gradient lengths in width-strided arrays (other entries untouched). The seam the WebAssembly
 * kernel replaces.
 */
export type GradientStage = (
  data: Uint8Array, width: number, channels: 1 | 3, yEnd: number, xEnd: number, simdEnd: number,
  bins: Uint8Array, len2: Float32Array,
) => void;

export const gradientImageRef: GradientStage = (data, width, channels, yEnd, xEnd, simdEnd, bins, len2) => {
  for (let y = 1; y < yEnd; y++) {
    gradientRowRef(data, width, channels, y, xEnd, simdEnd,
      bins.subarray(y * width, (y + 1) * width), len2.subarray(y * width, (y + 1) * width));
  }
};

/**
 * dlib's bilinear voting of each pixel's gradient magnitude (sqrt of `len2`) into the 4 nearest
 * cells' orientation bins, rows [1, visibleNr) and columns [1, visibleNc), in raster order
 * (dlib's accumulation order). `hist` has (cells+2) rows of `hnc` = cellsNc+2 cells of 18
 * floats. Columns below `simdEnd` compute the weights as dlib's SIMD code does, the others as
 * its scalar code. The TypeScript twin of the WebAssembly kernel fhog_vote.
 */
export function voteRef(
  bins: Uint8Array, len2: Float32Array, width: number, visibleNr: number, visibleNc: number, simdEnd: number,
  cs: number, hist: Float32Array, hnc: number,
): void {
  const nc = width;
  const fcs = f32(cs);
  for (let y = 1; y < visibleNr; y++) {
    const yp = f32((y + 0.5) / cs - 0.5);
    const iyp = Math.floor(yp);
    const vy0 = f32(yp - iyp);
    const vy1 = f32(1.0 - vy0);
    const row0 = (iyp + 1) * hnc * 18;
    const row1 = row0 + hnc * 18;
    const base = y * nc;
    for (let x = 1; x < visibleNc; x++) {
      const o = bins[base + x];
      const v = f32(Math.sqrt(len2[base + x]));
      if (x < simdEnd) {
        const xp = f32(f32(f32(x + 0.5) / fcs) + 0.5);
        const ixp = Math.trunc(xp);
        const vx0 = f32(xp - ixp);
        const vx1 = f32(1 - vx0);
        const wx1 = f32(vx1 * v);
        const wx0 = f32(vx0 * v);
        const c0 = ixp * 18 + o;
        const c1 = c0 + 18;
        hist[row0 + c0] += f32(vy1 * wx1);
        hist[row1 + c0] += f32(vy0 * wx1);
        hist[row0 + c1] += f32(vy1 * wx0);
        hist[row1 + c1] += f32(vy0 * wx0);
      } else {
        const xp = f32((x + 0.5) / cs - 0.5);
        const ixp = Math.floor(xp);
        const vx0 = f32(xp - ixp);
        const vx1 = f32(1.0 - vx0);
        const c0 = (ixp + 1) * 18 + o;
        const c1 = c0 + 18;
        hist[row0 + c0] += f32(f32(vy1 * vx1) * v);
        hist[row1 + c0] += f32(f32(vy0 * vx1) * v);
        hist[row0 + c1] += f32(f32(vy1 * vx0) * v);
        hist[row1 + c1] += f32(f32(vy0 * vx0) * v);
      }
    }
  }

}

/**
 * The per-pixel part of fHOG for one image: gradient stage then voting, into `hist` (see
 * voteRef). What a backend provides, with the gradient stage alone (for cell size 1).
 */
export interface FhogStages {
  gradient: GradientStage;
  histogram(data: Uint8Array, width: number, channels: 1 | 3, visibleNr: number, visibleNc: number, simdEnd: number,
    cs: number, hist: Float32Array, hnc: number): void;
  features(hist: Float32Array, hnc: number, cellsNr: number, cellsNc: number, pr: number, pc: number): FhogMap;
}

/** The TypeScript reference stages. */
export const referenceStages: FhogStages = {
  gradient: gradientImageRef,
  histogram(data, width, channels, visibleNr, visibleNc, simdEnd, cs, hist, hnc) {
    const bins = new Uint8Array(width * (visibleNr + 1));
    const len2 = new Float32Array(width * (visibleNr + 1));
    gradientImageRef(data, width, channels, visibleNr, visibleNc, simdEnd, bins, len2);
    voteRef(bins, len2, width, visibleNr, visibleNc, simdEnd, cs, hist, hnc);
  },
  features: featuresRef,
};

/**
 * dlib's `extract_fhog_features` into 31 planes (see the module comment). Deterministic and
 * identical to dlib's output (float32 bit for bit on the parity images).
 *
 * `stages` computes the per-pixel part and the normalisation (the reference's by default; a
 * backend's, e.g. the WebAssembly ones, give the same bits).
 *
 * Requires: an RGB or grey image (kind decided by data.length); cellSize, paddings integers >= 1.
 * Ensures: 31 planes of rows*cols floats; rows = cols = 0 when the image is too small.
 */
export function extractFhog(img: HogImage, opts: FhogOptions = {}, stages: FhogStages = referenceStages): FhogMap {
  const [cs, pr, pc] = fhogGrid(opts);
  const ch = channelsOf(img);
  return cs === 1 ? fhogCell1(img, ch, pr, pc, stages) : fhogCells(img, ch, cs, pr, pc, stages);
}

/** 31 zeroed planes, views into one buffer (plane p at offset p*rows*cols). */
export function allocPlanes(rows: number, cols: number, buffer = new Float32Array(FHOG_PLANES * rows * cols)): Float32Array[] {
  const n = rows * cols;
  return Array.from({ length: FHOG_PLANES }, (_, p) => buffer.subarray(p * n, (p + 1) * n));
}

/**
 * The output of both feature paths: hogNr x hogNc feature cells padded to
 * (hogNr+pr-1) x (hogNc+pc-1) zeroed planes, with the cells placed at (offR, offC) =
 * ((pr-1)/2, (pc-1)/2) as dlib's filter_rows_padding / filter_cols_padding ask.
 */
function paddedPlanes(hogNr: number, hogNc: number, pr: number, pc: number): FhogMap & { offR: number; offC: number } {
  const rows = hogNr + pr - 1;
  const cols = hogNc + pc - 1;
  const offR = Math.trunc((pr - 1) / 2);
  const offC = Math.trunc((pc - 1) / 2);
  return { rows, cols, planes: allocPlanes(rows, cols), offR, offC };
}

/** The general path (cell_size > 1). */
function fhogCells(img: HogImage, ch: 1 | 3, cs: number, pr: number, pc: number, stages: FhogStages): FhogMap {
  const nr = img.height;
  const nc = img.width;
  const cellsNr = Math.trunc(f32(f32(nr) / f32(cs)) + 0.5);
  const cellsNc = Math.trunc(f32(f32(nc) / f32(cs)) + 0.5);
  if (cellsNr === 0 || cellsNc === 0) return emptyMap();
  const hogNr = Math.max(cellsNr - 2, 0);
  const hogNc = Math.max(cellsNc - 2, 0);
  if (hogNr === 0 || hogNc === 0) return emptyMap();

  // hist: (cellsNr+2) x (cellsNc+2) cells of 18 bins (1-cell border never read back).
  const hnc = cellsNc + 2;
  const hist = new Float32Array((cellsNr + 2) * hnc * 18);
  const visibleNr = Math.min(cellsNr * cs, nr) - 1;
  const visibleNc = Math.min(cellsNc * cs, nc) - 1;
  const simdEnd = simdColumnsEnd(visibleNc);

  if (visibleNr > 1 && visibleNc > 1) stages.histogram(img.data, nc, ch, visibleNr, visibleNc, simdEnd, cs, hist, hnc);

  return stages.features(hist, hnc, cellsNr, cellsNc, pr, pc);
}

/**
 * dlib's block normalisation and feature assembly from the cell histograms `hist` (layout as in
 * voteRef): cell energies, then for each of the (cellsNr-2) x (cellsNc-2) inner cells the 4
 * clamped normalisations of its 18 + 9 orientation sums and the 4 texture features, placed at
 * ((pr-1)/2, (pc-1)/2) in planes of (cellsNr-2+pr-1) x (cellsNc-2+pc-1). The TypeScript twin of
 * the WebAssembly kernel fhog_features. Requires cellsNr, cellsNc >= 3.
 */
export function featuresRef(hist: Float32Array, hnc: number, cellsNr: number, cellsNc: number, pr: number, pc: number): FhogMap {
  const hogNr = cellsNr - 2;
  const hogNc = cellsNc - 2;
  // Energy of each cell: sum over the 9 orientations of (h[o] + h[o+9])^2.
  const norm = new Float32Array(cellsNr * cellsNc);
  for (let r = 0; r < cellsNr; r++) {
    for (let c = 0; c < cellsNc; c++) {
      const h = ((r + 1) * hnc + c + 1) * 18;
      let acc = 0;
      for (let o = 0; o < 9; o++) {
        const s = f32(hist[h + o] + hist[h + o + 9]);
        acc = f32(acc + f32(s * s));
      }
      norm[r * cellsNc + c] = acc;
    }
  }

  const { rows, cols, planes, offR, offC } = paddedPlanes(hogNr, hogNc, pr, pc);
  const nn = new Float64Array(4);
  const n = new Float64Array(4);
  const t = new Float64Array(4);
  for (let y = 0; y < hogNr; y++) {
    for (let x = 0; x < hogNc; x++) {
      blockNorms(norm, cellsNc, y, x, nn, n);
      const out = (y + offR) * cols + x + offC;
      const h = ((y + 2) * hnc + x + 2) * 18;
      t[0] = t[1] = t[2] = t[3] = 0;
      for (let o = 0; o < 18; o += 3) {
        const a = hist[h + o];
        const b = hist[h + o + 1];
        const c = hist[h + o + 2];
        for (let k = 0; k < 4; k++) {
          const h0 = f32((a < nn[k] ? a : nn[k]) * n[k]);
          const h1 = f32((b < nn[k] ? b : nn[k]) * n[k]);
          const h2 = f32((c < nn[k] ? c : nn[k]) * n[k]);
          t[k] = f32(t[k] + f32(f32(h0 + h1) + h2));
          lanes[0][k] = h0;
          lanes[1][k] = h1;
          lanes[2][k] = h2;
        }
        planes[o][out] = laneSum(lanes[0]);
        planes[o + 1][out] = laneSum(lanes[1]);
        planes[o + 2][out] = laneSum(lanes[2]);
      }
      for (let o = 0; o < 9; o++) {
        const a = f32(hist[h + o] + hist[h + o + 9]);
        for (let k = 0; k < 4; k++) lanes[0][k] = f32((a < nn[k] ? a : nn[k]) * n[k]);
        planes[o + 18][out] = laneSum(lanes[0]);
      }
      for (let k = 0; k < 4; k++) planes[27 + k][out] = f32(t[k] * TEXTURE_SCALE);
    }
  }
  return { rows, cols, planes };
}

const lanes = [new Float64Array(4), new Float64Array(4), new Float64Array(4)];

/** SSE2 `sum(simd4f)`: (l0 + l2) + (l1 + l3) in float32. */
function laneSum(l: Float64Array): number {
  return f32(f32(l[0] + l[2]) + f32(l[1] + l[3]));
}

/**
 * The 4 block normalisers of cell (y+1, x+1) of `norm` (stride `nc`), in dlib's lane order:
 * nn = 0.2*sqrt(z1+z2+z3+z4+eps), n = 0.1/nn (float32).
 */
function blockNorms(norm: Float32Array, nc: number, y: number, x: number, nn: Float64Array, n: Float64Array): void {
  const r0 = y * nc;
  const r1 = r0 + nc;
  const r2 = r1 + nc;
  // lane k sums the 2x2 block of cells that has cell (y+1, x+1) at its corner k (dlib's z1..z4
  // add up lane by lane in this order).
  const a0 = norm[r0 + x], a1 = norm[r0 + x + 1], a2 = norm[r0 + x + 2];
  const b0 = norm[r1 + x], b1 = norm[r1 + x + 1], b2 = norm[r1 + x + 2];
  const c0 = norm[r2 + x], c1 = norm[r2 + x + 1], c2 = norm[r2 + x + 2];
  const s0 = f32(f32(f32(f32(b1 + b2) + c1) + c2) + EPS);
  const s1 = f32(f32(f32(f32(a1 + a2) + b1) + b2) + EPS);
  const s2 = f32(f32(f32(f32(b0 + b1) + c0) + c1) + EPS);
  const s3 = f32(f32(f32(f32(a0 + a1) + b0) + b1) + EPS);
  nn[0] = f32(F0_2 * f32(Math.sqrt(s0)));
  nn[1] = f32(F0_2 * f32(Math.sqrt(s1)));
  nn[2] = f32(F0_2 * f32(Math.sqrt(s2)));
  nn[3] = f32(F0_2 * f32(Math.sqrt(s3)));
  for (let k = 0; k < 4; k++) n[k] = f32(F0_1 / nn[k]);
}

/** dlib's cell_size == 1 path (impl_extract_fhog_features_cell_size_1). */
function fhogCell1(img: HogImage, ch: 1 | 3, pr: number, pc: number, stages: FhogStages): FhogMap {
  const nr = img.height;
  const nc = img.width;
  if (nr <= 2 || nc <= 2) return emptyMap();
  const hogNr = nr - 2;
  const hogNc = nc - 2;
  const visibleNr = nr - 1;
  const visibleNc = nc - 1;
  const bins = new Uint8Array(nr * nc);
  const norm = new Float32Array(nr * nc); // border stays 0 (zero_border_pixels)
  stages.gradient(img.data, nc, ch, visibleNr, visibleNc, simdColumnsEnd(visibleNc), bins, norm);

  const { rows, cols, planes, offR, offC } = paddedPlanes(hogNr, hogNc, pr, pc);
  const nn = new Float64Array(4);
  const n = new Float64Array(4);
  const h = lanes[0];
  for (let y = 0; y < hogNr; y++) {
    for (let x = 0; x < hogNc; x++) {
      blockNorms(norm, nc, y, x, nn, n);
      const p = (y + 1) * nc + x + 1;
      const temp0 = f32(Math.sqrt(norm[p]));
      for (let k = 0; k < 4; k++) h[k] = f32((temp0 < nn[k] ? temp0 : nn[k]) * n[k]);
      const vv = laneSum(h);
      const out = (y + offR) * cols + x + offC;
      const a = bins[p];
      planes[a][out] = vv;
      planes[(a % 9) + 18][out] = vv;
      for (let k = 0; k < 4; k++) planes[27 + k][out] = f32(h[k] * TEXTURE_SCALE);
    }
  }
  return { rows, cols, planes };
}
