/**
 * How well descriptors separate people: every pair of faces, same person or not, against a
 * distance threshold (dlib's face model: two faces are one person when their Euclidean distance
 * is below 0.6). What dnn_metric_learning_on_images_ex.cpp prints at its end (num_right,
 * num_wrong over all pairs of a mini-batch), plus the equal error rate, the best threshold, and
 * the two distance histograms as a picture.
 */
import { dlibFloatDistance } from '../cluster/chinese-whispers.js';
import { encodePng } from '../image/encode.js';
import { drawLine, drawRectangle } from '../image/draw.js';
import { drawText, fillRect } from '../image/font.js';
import type { Rgb, RgbImage } from '../image/pixels.js';

/** Pair statistics of a set of labelled descriptors. */
export interface PairEvaluation {
  /** The threshold of `numRight` / `accuracy` (0.6 by default). */
  threshold: number;
  /** Same-person pairs whose distance is below the threshold plus different-person pairs at or above it. */
  numRight: number;
  numWrong: number;
  /** numRight / (numRight + numWrong); NaN without pairs. */
  accuracy: number;
  /** Equal error rate: where the false-accept rate (different people below t) meets the false-reject rate (same person at or above t). NaN without both kinds of pair. */
  equalErrorRate: number;
  /** The threshold of the equal error rate. */
  equalErrorThreshold: number;
  /** The threshold with the most right pairs (the midpoint between two adjacent distances). */
  bestThreshold: number;
  bestAccuracy: number;
  /** Distances of the same-person pairs and of the different-person pairs, ascending. */
  same: Float64Array;
  different: Float64Array;
}

/**
 * Evaluates every pair i < j of `descriptors` (dlib's float `length(a - b)`).
 * Requires: one label per descriptor.
 */
export function evaluatePairs(descriptors: readonly ArrayLike<number>[], labels: readonly (number | string)[],
  threshold = 0.6): PairEvaluation {
  if (descriptors.length !== labels.length) throw new RangeError(`evaluatePairs: ${descriptors.length} descriptors but ${labels.length} labels`);
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < descriptors.length; i++) {
    for (let j = i + 1; j < descriptors.length; j++) {
      const d = dlibFloatDistance(descriptors[i], descriptors[j]);
      (labels[i] === labels[j] ? same : different).push(d);
    }
  }
  const s = Float64Array.from(same).sort();
  const o = Float64Array.from(different).sort();
  const rightAt = (t: number): number => countBelow(s, t) + (o.length - countBelow(o, t));
  const numRight = rightAt(threshold);
  const total = s.length + o.length;

  // Candidate thresholds: 0, every distance, and just above the largest; right pairs are a step
  // function changing at the distances, so the best is found among midpoints.
  const all = Float64Array.from([...s, ...o]).sort();
  let bestThreshold = threshold;
  let best = -1;
  let eer = NaN;
  let eerThreshold = NaN;
  let eerGap = Infinity;
  for (let i = 0; i <= all.length; i++) {
    const t = i === 0 ? (all.length > 0 ? all[0] / 2 : threshold) : i === all.length ? all[i - 1] + 1e-6 : (all[i - 1] + all[i]) / 2;
    const r = rightAt(t);
    if (r > best) {
      best = r;
      bestThreshold = t;
    }
    if (s.length > 0 && o.length > 0) {
      const frr = (s.length - countBelow(s, t)) / s.length;
      const far = countBelow(o, t) / o.length;
      if (Math.abs(far - frr) < eerGap) {
        eerGap = Math.abs(far - frr);
        eer = (far + frr) / 2;
        eerThreshold = t;
      }
    }
  }
  return {
    threshold, numRight, numWrong: total - numRight, accuracy: total === 0 ? NaN : numRight / total,
    equalErrorRate: eer, equalErrorThreshold: eerThreshold,
    bestThreshold, bestAccuracy: total === 0 ? NaN : best / total,
    same: s, different: o,
  };
}

/** One point of a ROC curve: at `threshold`, the fractions of same-person pairs accepted (below it) and of different-person pairs accepted. */
export interface RocPoint {
  threshold: number;
  trueAcceptRate: number;
  falseAcceptRate: number;
}

/**
 * The ROC curve of an evaluation at the given thresholds: for each, the share of same-person
 * pairs closer than it (true accepts) and of different-person pairs closer than it (false
 * accepts); NaN for a kind without pairs.
 */
export function rocCurve(e: PairEvaluation, thresholds: readonly number[]): RocPoint[] {
  return thresholds.map((t) => ({
    threshold: t,
    trueAcceptRate: e.same.length === 0 ? NaN : countBelow(e.same, t) / e.same.length,
    falseAcceptRate: e.different.length === 0 ? NaN : countBelow(e.different, t) / e.different.length,
  }));
}

/** `87.5%`; `n/a` for NaN. */
export const percent = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');

/**
 * One line: `accuracy at 0.6 62.3% (144 right, 87 wrong of 231 pairs), equal error rate 45.5%,
 * best threshold 0.476 (64.1%)` (what `train --holdout` and `calibrate` print).
 */
export function formatPairEvaluation(e: PairEvaluation): string {
  return `accuracy at ${e.threshold} ${percent(e.accuracy)} (${e.numRight} right, ${e.numWrong} wrong of ${e.numRight + e.numWrong} pairs), equal error rate ${percent(e.equalErrorRate)}, best threshold ${e.bestThreshold.toFixed(3)} (${percent(e.bestAccuracy)})`;
}

/** Values of a sorted array below t (at most t when `inclusive`). */
function countBelow(sorted: Float64Array, t: number, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t || (inclusive && sorted[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ------------------------------------------------------------------------------------------
// The histogram picture

function text(img: RgbImage, s: string, x: number, y: number, scale = 2): void {
  drawText(img, s, x, y, [0, 0, 0], scale);
}

/** Colours of the picture: same-person bars, different-person bars, the threshold, the best threshold. */
export const HISTOGRAM_COLOURS: Readonly<Record<'same' | 'different' | 'threshold' | 'best', Rgb>> = Object.freeze({ same: [40, 160, 60], different: [200, 50, 50], threshold: [40, 80, 220], best: [150, 150, 150] });

const BLACK: Rgb = [0, 0, 0];

/**
 * A PNG of the same-person (green) and different-person (red) distance histograms of each
 * evaluation, one panel per evaluation stacked top to bottom (e.g. before and after training),
 * bars scaled to each kind's largest bin, with the threshold (blue) and the best threshold
 * (grey) as vertical lines and the distance axis labelled every 0.2.
 */
export function histogramPng(evaluations: readonly PairEvaluation[], width = 720, panelHeight = 260): Uint8Array {
  return encodePng(histogramImage(evaluations, width, panelHeight));
}

/** histogramPng's picture, not encoded. */
function histogramImage(evaluations: readonly PairEvaluation[], width: number, panelHeight: number): RgbImage {
  const bins = 60;
  const maxD = Math.max(1.4, ...evaluations.flatMap((e) => [e.same.at(-1) ?? 0, e.different.at(-1) ?? 0]));
  const img: RgbImage = { width, height: panelHeight * evaluations.length, data: new Uint8Array(width * panelHeight * evaluations.length * 3).fill(255) };
  const left = 20;
  const plotW = width - 2 * left;
  const xOf = (d: number): number => left + Math.round((d / maxD) * plotW);
  evaluations.forEach((e, p) => {
    const top = p * panelHeight + 10;
    const base = (p + 1) * panelHeight - 30;
    const h = base - top;
    const hist = (v: Float64Array): number[] => {
      const out = new Array<number>(bins).fill(0);
      for (const d of v) out[Math.min(bins - 1, Math.floor((d / maxD) * bins))]++;
      return out;
    };
    const hs = hist(e.same);
    const ho = hist(e.different);
    const ms = Math.max(1, ...hs);
    const mo = Math.max(1, ...ho);
    const bw = plotW / bins;
    for (let b = 0; b < bins; b++) {
      const x0 = Math.round(left + b * bw);
      const half = Math.max(1, Math.floor(bw / 2));
      const draw = (count: number, max: number, dx: number, c: Rgb): void => {
        fillRect(img, x0 + dx, base - Math.round((count / max) * h), x0 + dx + half - 1, base, c);
      };
      draw(hs[b], ms, 0, HISTOGRAM_COLOURS.same);
      draw(ho[b], mo, half, HISTOGRAM_COLOURS.different);
    }
    drawLine(img, left, base, left + plotW, base, BLACK);
    for (const [t, c] of [[e.bestThreshold, HISTOGRAM_COLOURS.best], [e.threshold, HISTOGRAM_COLOURS.threshold]] as const) {
      if (Number.isFinite(t) && top < base) drawLine(img, xOf(t), top, xOf(t), base - 1, c);
    }
    for (let d = 0; d <= maxD + 1e-9; d += 0.2) {
      const x = xOf(d);
      drawLine(img, x, base, x, base + 3, BLACK);
      text(img, d.toFixed(1), x - 8, base + 8);
    }
  });
  return img;
}

// ------------------------------------------------------------------------------------------
// The calibration picture: the histograms and the ROC curve

/** The ROC curve's colour in {@link calibrationPng}. */
export const ROC_COLOUR = Object.freeze([120, 40, 160] as const);

/**
 * Where {@link calibrationPng} draws the ROC plot in a picture of `height` rows: a square of
 * `size` pixels whose bottom-left corner (`left`, `top + size`) is (false accepts 0, true
 * accepts 0) and top-right (`left + size`, `top`) is (1, 1); a rate r lies at
 * `left + round(r * size)` across and `top + size - round(r * size)` down. The histogram is
 * the `histogramWidth` columns to its left.
 */
export function calibrationLayout(histogramWidth: number, height: number): { left: number; top: number; size: number; width: number } {
  const size = height - 50;
  const left = histogramWidth + 30;
  return { left, top: 20, size, width: left + size + 20 };
}

/**
 * `calibrate`'s PNG: the evaluation's two distance histograms (as {@link histogramPng}) and, to
 * their right, the ROC curve ({@link ROC_COLOUR}): the true accept rate (same-person pairs closer
 * than t) against the false accept rate (different-person pairs closer than t) for every t,
 * from (0, 0) through each distance to (1, 1), over a black square (layout:
 * {@link calibrationLayout}) with the diagonal (chance) in light grey, the operating point of
 * the evaluation's threshold as a blue 5x5 dot and that of the best threshold as a grey one,
 * the axes labelled 0 and 1, "FAR" under and "TAR" beside.
 */
export function calibrationPng(e: PairEvaluation, histogramWidth = 720, height = 260): Uint8Array {
  const hist = histogramImage([e], histogramWidth, height);
  const L = calibrationLayout(histogramWidth, height);
  const img: RgbImage = { width: L.width, height, data: new Uint8Array(L.width * height * 3).fill(255) };
  for (let y = 0; y < height; y++) img.data.set(hist.data.subarray(y * histogramWidth * 3, (y + 1) * histogramWidth * 3), y * L.width * 3);
  const px = (r: number): number => L.left + Math.round(r * L.size);
  const py = (r: number): number => L.top + L.size - Math.round(r * L.size);
  drawLine(img, L.left, L.top + L.size, L.left + L.size, L.top, [220, 220, 220]);
  drawRectangle(img, [L.left, L.top, L.left + L.size, L.top + L.size], BLACK);
  // The curve (over the frame, where it runs along it): the rates just above each distance, in increasing order of distance.
  if (e.same.length > 0 && e.different.length > 0) {
    const ts = Float64Array.from([...e.same, ...e.different]).sort();
    let last = [px(0), py(0)] as const;
    for (let i = 0; i <= ts.length; i++) {
      if (i < ts.length && i + 1 < ts.length && ts[i + 1] === ts[i]) continue;
      const t = i < ts.length ? ts[i]! : Infinity;
      const far = i < ts.length ? countBelow(e.different, t, true) / e.different.length : 1;
      const tar = i < ts.length ? countBelow(e.same, t, true) / e.same.length : 1;
      const next = [px(far), py(tar)] as const;
      drawLine(img, last[0], last[1], next[0], next[1], ROC_COLOUR);
      last = next;
    }
  }
  for (const [t, c] of [[e.bestThreshold, HISTOGRAM_COLOURS.best], [e.threshold, HISTOGRAM_COLOURS.threshold]] as const) {
    if (!Number.isFinite(t) || e.same.length === 0 || e.different.length === 0) continue;
    const x = px(countBelow(e.different, t) / e.different.length);
    const y = py(countBelow(e.same, t) / e.same.length);
    fillRect(img, x - 2, y - 2, x + 3, y + 3, c);
  }
  text(img, '0', L.left - 4, L.top + L.size + 8);
  text(img, '1', L.left + L.size - 4, L.top + L.size + 8);
  text(img, 'FAR', L.left + Math.round(L.size / 2) - 12, L.top + L.size + 8);
  text(img, '1', L.left - 12, L.top - 4);
  text(img, 'TAR', L.left - 28, L.top + Math.round(L.size / 2) - 5);
  return encodePng(img);
}
