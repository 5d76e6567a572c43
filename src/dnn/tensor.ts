/**
 * A minimal NCHW float32 tensor, the shape of dlib's `tensor` (`dlib/cuda/tensor.h`):
 * `n` samples x `k` channels x `nr` rows x `nc` columns, stored row-major with the column index
 * fastest — element (s, c, r, x) lives at `((s*k + c)*nr + r)*nc + x`, exactly as dlib's
 * `tensor::host()` lays it out.
 */

/** An NCHW float32 tensor. `data.length === n * k * nr * nc`. */
export interface Tensor {
  /** Number of samples (dlib: num_samples()). */
  n: number;
  /** Channels (dlib: k()). */
  k: number;
  /** Rows (dlib: nr()). */
  nr: number;
  /** Columns (dlib: nc()). */
  nc: number;
  data: Float32Array;
}

/** The shape of a tensor as `[n, k, nr, nc]` (the order dlib prints and the harness writes). */
export type Shape = [n: number, k: number, nr: number, nc: number];

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`tensor ${name} must be a non-negative integer (got ${v})`);
}

/** A zero-filled tensor of the given shape (or a view of `data`, which must have the right length). */
export function tensor(n: number, k: number, nr: number, nc: number, data?: Float32Array): Tensor {
  checkDim('n', n); checkDim('k', k); checkDim('nr', nr); checkDim('nc', nc);
  const size = n * k * nr * nc;
  if (data !== undefined && data.length !== size) {
    throw new RangeError(`tensor data has ${data.length} values, shape ${n}x${k}x${nr}x${nc} needs ${size}`);
  }
  return { n, k, nr, nc, data: data ?? new Float32Array(size) };
}

/** `[n, k, nr, nc]`. */
export function shapeOf(t: Tensor): Shape {
  return [t.n, t.k, t.nr, t.nc];
}

/** n*k*nr*nc. */
export function sizeOf(t: Tensor): number {
  return t.n * t.k * t.nr * t.nc;
}

/** Values per sample (k*nr*nc). */
export function sampleSize(t: Tensor): number {
  return t.k * t.nr * t.nc;
}

/** True when both tensors have the same four dimensions (dlib: have_same_dimensions). */
export function sameShape(a: Tensor, b: Tensor): boolean {
  return a.n === b.n && a.k === b.k && a.nr === b.nr && a.nc === b.nc;
}

/** A deep copy. */
export function cloneTensor(t: Tensor): Tensor {
  return { n: t.n, k: t.k, nr: t.nr, nc: t.nc, data: t.data.slice() };
}

/** "n x k x nr x nc", for messages. */
export function shapeString(t: Tensor | Shape): string {
  const s = Array.isArray(t) ? t : shapeOf(t);
  return s.join('x');
}
