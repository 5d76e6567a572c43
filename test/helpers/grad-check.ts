/**
 * Finite-difference gradient checks at dlib's own tolerances (`test_layer`, dlib/dnn/core.h:
 * `impl_test_layer`): the function checked is f = dot(forward(...), G) for a fixed random G; each
 * input or parameter v is moved by ±eps with eps = v*baseEps (baseEps when v is 0), and the
 * central difference (f(v+eps) - f(v-eps)) / (2*eps) is compared with the analytic gradient.
 * An element fails only if its relative error is above 0.05 AND its absolute error above 0.006;
 * the mean relative error must be at most 0.003. Like test_layer, a check passes if any step
 * size baseEps = 1e-4, 2e-4, 4e-4, ... < 0.1 passes.
 *
 * Also the GEMMs the backward passes are checked with: the lead adds other implementations of
 * GemmBlas (the WebAssembly kernels) to {@link GEMMS}.
 */
import { gemmBlasReference, type GemmBlas } from '../../src/dnn/gemm.js';
import { makeGemmBlasWasm } from '../../src/dnn/gemm-blas-wasm.js';

/**
 * The GemmBlas implementations every gradient test runs over: the reference and the WebAssembly
 * kernels (every product through the kernel: no small-size fallback to the reference).
 */
export const GEMMS: { name: string; gemm: GemmBlas }[] = [
  { name: 'gemmBlasReference', gemm: gemmBlasReference },
  { name: 'gemmBlasWasm', gemm: makeGemmBlasWasm({ minProducts: 0 }) },
];

/** f(·) in double: the dot product of a forward output with the fixed output gradient. */
export function dotF64(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * test_layer's verdict (dlib/dnn/core.h) on derivatives computed elsewhere: the elements that
 * fail (relative error > 0.05 and absolute > 0.006) and the mean |relative error| (dlib requires
 * it <= 0.003).
 */
export function testLayerVerdict(reference: ArrayLike<number>, analytic: ArrayLike<number>): { failures: number; meanRel: number } {
  let failures = 0;
  let sumRel = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i];
    const o = analytic[i];
    const rel = r * o !== 0 ? (r - o) / r : r - o;
    sumRel += Math.abs(rel);
    if (Math.abs(rel) > 0.05 && Math.abs(r - o) > 0.006) failures++;
  }
  return { failures, meanRel: sumRel / reference.length };
}

export interface GradCheckResult {
  ok: boolean;
  /** The step size that passed (or the last one tried). */
  baseEps: number;
  /** Mean |relative error| at that step. */
  meanRelError: number;
  /** The worst element: index, numeric and analytic derivative. */
  worst: { index: number; numeric: number; analytic: number; relError: number };
  /** How many elements were checked. */
  count: number;
}

function checkAt(values: Float32Array, analytic: Float32Array | Float64Array, f: () => number, baseEps: number,
  indices: number[]): GradCheckResult {
  let sumRel = 0;
  let worst = { index: -1, numeric: 0, analytic: 0, relError: 0 };
  let ok = true;
  for (const i of indices) {
    const old = values[i];
    let eps = Math.fround(old * baseEps);
    if (eps === 0) eps = Math.fround(baseEps);
    values[i] = old + eps;
    const fp = f();
    values[i] = old - eps;
    const fm = f();
    values[i] = old;
    const numeric = (fp - fm) / (2 * eps);
    const got = analytic[i];
    const rel = numeric * got !== 0 ? (numeric - got) / numeric : numeric - got;
    const abs = numeric - got;
    sumRel += Math.abs(rel);
    if (Math.abs(rel) > Math.abs(worst.relError) || worst.index < 0) worst = { index: i, numeric, analytic: got, relError: rel };
    if (Math.abs(rel) > 0.05 && Math.abs(abs) > 0.006) ok = false;
  }
  const meanRelError = indices.length > 0 ? sumRel / indices.length : 0;
  return { ok: ok && meanRelError <= 0.003, baseEps, meanRelError, worst, count: indices.length };
}

/**
 * Checks `analytic` (the gradient of f with respect to `values`) against central differences,
 * dlib's way (see the module comment). `values` is modified in place during the check and
 * restored. `indices` limits the check to some elements (default all).
 */
export function gradCheck(values: Float32Array, analytic: Float32Array | Float64Array, f: () => number,
  indices?: number[]): GradCheckResult {
  const idx = indices ?? Array.from(values, (_, i) => i);
  let last: GradCheckResult | undefined;
  for (let baseEps = 0.0001; baseEps < 0.1; baseEps *= 2) {
    last = checkAt(values, analytic, f, baseEps, idx);
    if (last.ok) return last;
  }
  return checkAt(values, analytic, f, 0.01, idx);
}

/** A one-line summary for failure messages. */
export function describeCheck(r: GradCheckResult): string {
  return `baseEps ${r.baseEps}, mean |rel| ${r.meanRelError.toExponential(2)} over ${r.count}; worst [${r.worst.index}] numeric ${r.worst.numeric} analytic ${r.worst.analytic} (rel ${r.worst.relError.toExponential(2)})`;
}
