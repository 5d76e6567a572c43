/**
 * Plain TypeScript references of the WebAssembly kernels in assembly/index.ts. Each one follows
 * its kernel's summation order exactly, so the two agree bit for bit; the tests check that.
 */

/**
 * Dot product in the kernel's order: four strided partial sums (lane j sums i = j mod 4 over the
 * whole multiple-of-4 prefix), combined as (l0 + l1) + (l2 + l3), then the tail in order.
 * Requires: a.length >= n, b.length >= n. Ensures: the float32 result the SIMD kernel gives.
 */
export function dotRef(a: Float32Array, b: Float32Array, n: number): number {
  const f = Math.fround;
  const lanes = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    for (let j = 0; j < 4; j++) lanes[j] = f(lanes[j] + f(a[i + j] * b[i + j]));
  }
  let s = f(f(lanes[0] + lanes[1]) + f(lanes[2] + lanes[3]));
  for (; i < n; i++) s = f(s + f(a[i] * b[i]));
  return s;
}

/** y[i] += alpha * x[i] in float32. Requires: x.length >= n, y.length >= n. */
export function axpyRef(y: Float32Array, x: Float32Array, alpha: number, n: number): void {
  const f = Math.fround;
  for (let i = 0; i < n; i++) y[i] = f(y[i] + f(alpha * x[i]));
}
