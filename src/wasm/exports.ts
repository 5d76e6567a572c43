/**
 * The one way a kernel user gets a kernel instance: {@link loadKernels} (a fresh instance) or a
 * {@link KernelInstance} (one loaded on first use and kept), both checking that the build has the
 * exports the user calls. A build older than the user's kernels fails with one message shape,
 * "the WebAssembly kernels predate <what> (<export> missing); run: npm run build:wasm", and
 * {@link KernelInstance.unavailable} is the one availability probe (why the kernels do not load
 * here, or undefined).
 */
import { FacemetricError } from '../errors.js';
import { WasmKernels, type WasmFlavour } from './index.js';

/** What a kernel user needs from the build: a name for messages and the exports it calls. */
export interface KernelNeeds<T> {
  /** As in "the WebAssembly kernels predate <what>", e.g. 'the scanner kernels'. */
  what: string;
  /** The exports `T` declares; the first one missing is named in the message. */
  names: readonly (keyof T & string)[];
}

/**
 * The exports of `k` typed as `T`. Requires: nothing. Ensures: returns them when every one of
 * `needs.names` is a function, else throws FacemetricError (the build predates them).
 */
export function kernelExports<T>(k: WasmKernels, needs: KernelNeeds<T>): T {
  const ex = k.exports as unknown as Record<string, unknown>;
  for (const name of needs.names) {
    if (typeof ex[name] !== 'function') {
      throw new FacemetricError(`the WebAssembly kernels predate ${needs.what} (${name} missing); run: npm run build:wasm`);
    }
  }
  return ex as T;
}

/**
 * A fresh kernel instance (own linear memory) with the exports of `needs`; `flavour` forces a
 * build, else the best the engine runs. Throws FacemetricError where the kernels are not built,
 * do not instantiate, or predate `needs`.
 */
export function loadKernels<T>(needs: KernelNeeds<T>, flavour?: WasmFlavour): { kernels: WasmKernels; exports: T } {
  const kernels = WasmKernels.load(flavour);
  return { kernels, exports: kernelExports(kernels, needs) };
}

/**
 * A kernel instance loaded on first use and kept (one per user: each has its own linear memory,
 * so that one user's `reset` never frees another's data).
 */
export class KernelInstance<T> {
  private loaded: { kernels: WasmKernels; exports: T } | undefined;
  private problem: string | null | undefined;

  constructor(private readonly needs: KernelNeeds<T>, private readonly flavour?: WasmFlavour) {}

  /** The instance, loaded on first use; throws as {@link loadKernels} does. */
  get kernels(): WasmKernels {
    this.loaded ??= loadKernels(this.needs, this.flavour);
    return this.loaded.kernels;
  }

  /** The instance's exports, typed (loads it on first use). */
  get exports(): T {
    this.loaded ??= loadKernels(this.needs, this.flavour);
    return this.loaded.exports;
  }

  /**
   * Why the kernels do not load here (the first line of the error), or undefined when they do.
   * Checked once; a successful check keeps the instance for use.
   */
  unavailable(): string | undefined {
    if (this.problem === undefined) {
      try {
        void this.kernels;
        this.problem = null;
      } catch (e) {
        this.problem = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      }
    }
    return this.problem ?? undefined;
  }

  /** True when the kernels load here (see {@link unavailable}). */
  available(): boolean {
    return this.unavailable() === undefined;
  }

  /**
   * Drops the instance, so that its memory (grown to the largest request so far; wasm memory
   * never shrinks) can be garbage-collected; the next use loads a fresh one.
   */
  release(): void {
    this.loaded = undefined;
  }

  /** True when an instance is loaded now. */
  get isLoaded(): boolean {
    return this.loaded !== undefined;
  }
}

/**
 * How many of `n` items (samples, or elements) to copy into wasm memory at once when each takes
 * `bytesPerItem` bytes and a chunk may take `budgetBytes`: as many as fit, at least one (an item
 * larger than the budget goes alone), at most `n`.
 */
export function itemsPerChunk(n: number, bytesPerItem: number, budgetBytes: number): number {
  return Math.max(1, Math.min(n, Math.floor(budgetBytes / Math.max(1, bytesPerItem))));
}
