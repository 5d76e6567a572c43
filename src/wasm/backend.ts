/**
 * Which implementation runs an op: 'reference' (the plain TypeScript port, dlib's operations in
 * dlib's order) or 'wasm' (the WebAssembly SIMD kernels of assembly/, glue beside each reference).
 *
 * The one list of backends. A new one (e.g. 'cuda', or training's backward kernels) is added to
 * {@link BACKENDS}; each stage's entry (hog/backends.ts, cluster/edges.ts, dnn/recognizer.ts)
 * then maps the new name to its implementation. References never import this layer, so a new
 * backend adds no import cycle.
 */

/** Every backend, in the order error messages list them. */
export const BACKENDS = ['reference', 'wasm'] as const;

/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

/** True when `name` is one of {@link BACKENDS}. */
export function isBackend(name: unknown): name is Backend {
  return (BACKENDS as readonly unknown[]).includes(name);
}

/**
 * `name` as a Backend. Requires: nothing. Ensures: returns `name` when it is a backend, else
 * throws RangeError("unknown <what> backend '<name>'"), e.g. "unknown fhog backend 'gpu'".
 */
export function parseBackend(name: unknown, what: string): Backend {
  if (!isBackend(name)) throw new RangeError(`unknown ${what} backend '${String(name)}'`);
  return name;
}
