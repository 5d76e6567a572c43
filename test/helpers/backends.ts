/**
 * Running an op's tests on every backend (src/wasm/backend.ts's BACKENDS): one case list,
 * declared once, run by each backend, instead of one file and one list per backend. A new
 * backend added to BACKENDS runs every such suite with no test change.
 *
 * Excluded: 'cuda' (dnn/recognizer.ts's DNN_BACKENDS, not in BACKENDS): only the face ResNet's
 * forward pass has it, so no op suite here can run on it. Its tests run the whole network on the
 * host build of native/cuda/ against the wasm backend (test/dnn/forward-cuda.test.ts) and the
 * loader's reasons and fallback (test/cuda/loader.test.ts); the GPU itself: bench/cuda/run.sh.
 */
import { describe } from 'vitest';
import { BACKENDS, type Backend } from '../../src/wasm/backend.js';

export { BACKENDS, type Backend };

/**
 * Declares `fn(backend)`'s tests once per backend, each set in a `describe` named
 * "<name> (<backend>)". Requires: `fn` declares tests (it, test.each, ...), and runs nothing else.
 */
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  describe.each(BACKENDS)(`${name} (%s)`, fn);
}
