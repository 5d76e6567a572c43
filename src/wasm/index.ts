/**
 * Loads facemetric's WebAssembly kernels (build/facemetric.{simd,relaxed}.wasm, compiled from
 * assembly/ by `npm run build:wasm`) and gives typed access to their linear memory.
 *
 * The relaxed-SIMD build is chosen when the engine validates relaxed-SIMD code (Node needs
 * --experimental-wasm-relaxed-simd; Bun, Deno and current browsers have it); otherwise the plain
 * SIMD build. Memory is allocated by a bump allocator on the JavaScript side: callers `alloc`,
 * fill views, call kernels with byte offsets, and `reset` when done. A request the memory cannot
 * meet (past 4 GiB, or a `memory.grow` the engine refuses) throws {@link WasmOutOfMemoryError},
 * which the kernels' users catch to fall back to their TypeScript reference.
 *
 * This folder is the backend layer's leaf: it imports nothing from src/ but ../errors.js. Each
 * op's glue lives beside its reference (hog/fhog-wasm.ts, hog/scan-wasm.ts, dnn/gemm-wasm.ts,
 * cluster/edges-wasm.ts, ...) and gets its kernel instance through exports.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacemetricError } from '../errors.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  dot_f32(a: number, b: number, n: number): number;
  axpy_f32(y: number, x: number, alpha: number, n: number): void;
}

export type WasmFlavour = 'simd' | 'relaxed';

/**
 * The smallest module using relaxed SIMD: (func (result v128) (f32x4.relaxed_madd c c c)) with
 * c = v128.const 0. WebAssembly.validate() on it tells whether the engine runs relaxed SIMD.
 */
export function relaxedProbe(): Uint8Array {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // relaxed_madd; end
  const code = [0x01, body.length, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
    0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
    0x0a, code.length, ...code, // code section
  ]);
}

/** True when this engine accepts relaxed-SIMD instructions. */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(relaxedProbe());
  } catch {
    return false;
  }
}

function buildDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'build');
    if (existsSync(join(candidate, 'facemetric.simd.wasm'))) return candidate;
    dir = dirname(dir);
  }
  throw new FacemetricError('WebAssembly kernels are not built (build/facemetric.simd.wasm missing); run: npm run build:wasm');
}

/**
 * The kernels' linear memory cannot hold a request: past {@link MAX_WASM_BYTES}, or the engine
 * refused `memory.grow`. Callers with a TypeScript reference catch it and fall back.
 */
export class WasmOutOfMemoryError extends FacemetricError {}

/** The most a 32-bit WebAssembly memory can hold: 65536 pages of 64 KiB. */
export const MAX_WASM_BYTES = 65536 * 65536;

/** An instance of the kernels with its own linear memory and bump allocator. */
export class WasmKernels {
  readonly flavour: WasmFlavour;
  readonly exports: KernelExports;
  /** The compiled module (instantiate it on {@link sharedMemory} to run kernels on this data). */
  readonly module: WebAssembly.Module;
  /** The shared memory of a threads build (see {@link WasmKernels.load}); undefined otherwise. */
  readonly sharedMemory: WebAssembly.Memory | undefined;
  private top: number;
  private readonly base: number;

  private constructor(flavour: WasmFlavour, exports: KernelExports, module: WebAssembly.Module, sharedMemory: WebAssembly.Memory | undefined) {
    this.flavour = flavour;
    this.exports = exports;
    this.module = module;
    this.sharedMemory = sharedMemory;
    this.base = (exports.heap_base() + 15) & ~15;
    this.top = this.base;
  }

  /**
   * Instantiates the kernels; `flavour` forces a build, else the best the engine runs. With
   * `shared`, the threads build (build/facemetric.<flavour>-threads.wasm: the same kernels on an
   * imported shared memory of up to 4 GiB) on a fresh shared memory, which other instances of
   * {@link WasmKernels.module} (worker threads: threads.ts) can import to run kernels on the same
   * data. Throws FacemetricError where the build is missing or does not instantiate (an engine
   * without shared WebAssembly memory).
   */
  static load(flavour?: WasmFlavour, options: { shared?: boolean } = {}): WasmKernels {
    const chosen: WasmFlavour = flavour ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
    const shared = options.shared ?? false;
    const file = join(buildDir(), `facemetric.${chosen}${shared ? '-threads' : ''}.wasm`);
    if (shared && !existsSync(file)) throw new FacemetricError(`WebAssembly kernels for threads are not built (${file} missing); run: npm run build:wasm`);
    const bytes = readFileSync(file);
    let module: WebAssembly.Module;
    let instance: WebAssembly.Instance;
    let memory: WebAssembly.Memory | undefined;
    try {
      module = new WebAssembly.Module(bytes);
      if (shared) memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_WASM_BYTES / 65536, shared: true });
      instance = new WebAssembly.Instance(module, memory === undefined ? {} : { env: { memory } });
    } catch (e) {
      throw new FacemetricError(`cannot instantiate WebAssembly kernels: ${(e as Error).message}`, { file });
    }
    return new WasmKernels(chosen, instance.exports as unknown as KernelExports, module, memory);
  }

  get memory(): WebAssembly.Memory {
    return this.sharedMemory ?? this.exports.memory;
  }

  /**
   * Allocates `bytes` (16-byte aligned), growing memory as needed; returns the byte offset.
   * Throws WasmOutOfMemoryError where the memory cannot hold them (nothing allocated then).
   */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`WasmKernels.alloc: bad size ${bytes}`);
    const ptr = this.top;
    // Plain arithmetic, not `& ~15`: bitwise operators wrap at 2^31 and would shrink the request.
    const end = ptr + Math.ceil(bytes / 16) * 16;
    if (end > MAX_WASM_BYTES) {
      throw new WasmOutOfMemoryError(`out of WebAssembly memory: ${end} bytes needed, a 32-bit WebAssembly memory holds at most ${MAX_WASM_BYTES}`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / 65536));
      } catch (e) {
        throw new WasmOutOfMemoryError(`out of WebAssembly memory: cannot grow to ${end} bytes (${(e as Error).message})`);
      }
    }
    this.top = end;
    return ptr;
  }

  /** A fresh Float32Array view of `n` floats at `ptr` (re-create views after any alloc). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** Allocates room for `src` and copies it in; returns the byte offset. */
  putF32(src: Float32Array): number {
    const ptr = this.alloc(src.length * 4);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }

  /** Frees everything allocated so far (memory stays grown). */
  reset(): void {
    this.top = this.base;
  }
}
