/**
 * dlib's metric-learning loss, `loss_metric_` (`dlib/dnn/loss.h`, dlib 19.24), bit for bit on
 * dlib's reference-BLAS build: `compute_loss_value_and_gradient` with its float/double mix,
 * its loop order and its two BLAS products (through {@link gemmBlasReference}).
 *
 * The network's output is N x k (one k-dimensional embedding per sample, N samples in the
 * mini-batch). For every pair of samples the loss wants the Euclidean distance d below
 * `distanceThreshold - margin` when the labels are equal and above `distanceThreshold + margin`
 * when they differ; only the hardest negative pairs count, as many as there are positive pairs
 * (the k-th smallest negative distance, k = min(#positive pairs, #negative pairs), is a second
 * threshold). Numerics, in dlib's order:
 *   - T = O·Oᵀ: `tt::gemm(0, temp, 1, output, false, output, true)`, float sums;
 *   - pass 1 over r < c: pair counts are doubles that start at 0.0001; each negative pair pushes
 *     its float squared distance `T[r][r] + T[c][c] - 2*T[r][c]` (clamped at 0) into a
 *     `std::vector<double>`; scale = 0.5 / #positive (double);
 *   - the negatives are sorted and `negThresh = float(sqrt(ths[min(P, N) - 1]))`, where the
 *     double index truncates the 0.0001 away;
 *   - pass 2 over every ordered pair r != c: the float distance d = sqrtf(max(squared, 0)); the
 *     loss (a double) adds `scale * float(d - (t - m))` or `scale * float((t + m) - d)`; the
 *     float matrix GM gets `GM[r][c] = ∓scale/d` and `GM[r][r] ±= scale/d` (double quotients
 *     rounded to float on the store; d at least 0.001f for negatives);
 *   - the gradient G = GM·O: `tt::gemm(0, grad, 1, grad_mul, false, output, false)`.
 *
 * Not a bug to fix here, only to know: dlib's gradient is **half** the derivative of the loss it
 * reports. Each unordered pair {r, c} adds its term to the loss twice (once as (r, c), once as
 * (c, r)), so the loss's derivative with respect to output row r has two contributions per pair,
 * but GM·O gives row r only the (r, c) one (`GM[r][r]` and `GM[r][c]` come from row r's visit;
 * the (c, r) visit writes row c). This port reproduces dlib's gradient exactly as is.
 */
import { gemmBlasReference, type GemmBlas } from '../dnn/gemm.js';
import { FacemetricError } from '../errors.js';

/** dlib's default margin (`loss_metric_::margin`, a float: 0.04f). */
export const METRIC_LOSS_MARGIN = Math.fround(0.04);
/** dlib's default distance threshold (`loss_metric_::dist_thresh`, a float: 0.6f). */
export const METRIC_LOSS_DISTANCE_THRESHOLD = Math.fround(0.6);

/** Options of {@link metricLoss}: dlib's `loss_metric_(margin, dist_thresh)`. */
export interface MetricLossOptions {
  /** Margin around the threshold (dlib's default 0.04; stored as a float). */
  margin?: number;
  /** Distance threshold (dlib's default 0.6; stored as a float). */
  distanceThreshold?: number;
  /** The BLAS product (default {@link gemmBlasReference}: bit-identical to dlib on the reference BLAS). */
  gemm?: GemmBlas;
}

/** What {@link metricLoss} returns. */
export interface MetricLossResult {
  /** The loss dlib returns (a double). */
  loss: number;
  /** N x k, row-major: the gradient dlib writes into the subnet's gradient input (overwritten, not added). */
  gradient: Float32Array;
}

/**
 * `loss_metric_::compute_loss_value_and_gradient` (`dnn/loss.h`).
 *
 * Requires: `output.length === labels.length * k`, k >= 1, the batch holds at least one positive
 * pair (two samples with equal labels) and one negative pair (dlib's DLIB_CASSERT: "Make sure
 * each mini-batch contains both positive pairs and negative pairs"), margin > 0, threshold > 0.
 * Ensures: the loss and gradient dlib computes for the same float inputs (see the module
 * comment for the numerics; the gradient is half the derivative of the loss, as in dlib).
 *
 * @param output N x k, row-major (one embedding per sample)
 * @param k embedding size
 * @param labels N identity labels (dlib's `unsigned long`; compared for equality only)
 */
export function metricLoss(output: Float32Array, k: number, labels: readonly number[], opts: MetricLossOptions = {}): MetricLossResult {
  const f = Math.fround;
  const n = labels.length;
  if (!Number.isInteger(k) || k < 1) throw new FacemetricError(`metricLoss: k must be a positive integer, got ${k}`);
  if (n === 0) throw new FacemetricError('metricLoss: the mini-batch is empty');
  if (output.length !== n * k) throw new FacemetricError(`metricLoss: output has ${output.length} values, expected ${n} samples x ${k}`);
  const margin = f(opts.margin ?? METRIC_LOSS_MARGIN);
  const thresh = f(opts.distanceThreshold ?? METRIC_LOSS_DISTANCE_THRESHOLD);
  if (!(margin > 0) || !(thresh > 0)) throw new FacemetricError(`metricLoss: margin and distance threshold must be > 0 (got ${margin}, ${thresh})`);
  const gemm = opts.gemm ?? gemmBlasReference;

  // temp = output * trans(output), N x N floats.
  const t = new Float32Array(n * n);
  gemm(false, true, n, n, k, 1, output, output, 0, t);

  // Pass 1: count the pairs (doubles from 0.0001) and collect the negatives' squared distances.
  const negSquared: number[] = [];
  let numPos = 0.0001;
  let numNeg = 0.0001;
  for (let r = 0; r < n; r++) {
    const xx = t[r * n + r];
    for (let c = r + 1; c < n; c++) {
      if (labels[r] === labels[c]) {
        ++numPos;
      } else {
        ++numNeg;
        const yy = t[c * n + c];
        const xy = t[r * n + c];
        let d2 = f(f(xx + yy) - f(2 * xy));
        if (d2 < 0) d2 = 0;
        negSquared.push(d2);
      }
    }
  }
  const scale = 0.5 / numPos;
  if (!(numPos >= 1) || !(numNeg >= 1)) {
    throw new FacemetricError('metricLoss: the mini-batch must contain both positive pairs (equal labels) and negative pairs (different labels)');
  }
  negSquared.sort((a, b) => a - b);
  // size_t(min(P, N) - 1): the k-th hardest negative, k = min(#positive, #negative).
  const negThresh = f(Math.sqrt(negSquared[Math.trunc(Math.min(numPos, numNeg) - 1)]));

  // Pass 2: every ordered pair (r, c), r != c.
  const posLimit = f(thresh - margin);
  const negLimit = f(thresh + margin);
  const minDist = f(0.001);
  const gm = new Float32Array(n * n);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const rr = r * n + r;
    gm[rr] = 0;
    const xx = t[rr];
    for (let c = 0; c < n; c++) {
      if (r === c) continue;
      const yy = t[c * n + c];
      const xy = t[r * n + c];
      let d = f(f(xx + yy) - f(2 * xy));
      d = d <= 0 ? 0 : f(Math.sqrt(d));
      if (labels[r] === labels[c]) {
        if (d < posLimit) {
          gm[r * n + c] = 0;
        } else {
          loss += scale * f(d - posLimit);
          gm[rr] += scale / d;
          gm[r * n + c] = -scale / d;
        }
      } else if (d > negLimit || d > negThresh) {
        gm[r * n + c] = 0;
      } else {
        loss += scale * f(negLimit - d);
        if (d < minDist) d = minDist;
        gm[rr] -= scale / d;
        gm[r * n + c] = scale / d;
      }
    }
  }

  // grad = grad_mul * output, N x k.
  const gradient = new Float32Array(n * k);
  gemm(false, false, n, k, n, 1, gm, output, 0, gradient);
  return { loss, gradient };
}
