/**
 * sgd's update loops in WebAssembly SIMD ({@link SgdLoops}: dlib's `cpu::affine_transform_range`
 * and `tt::add(params, params, v)`, the TypeScript loops of sgd.ts), on a private kernel instance:
 * sgd_update_f32 (assembly/elementwise.ts) runs both passes per element, 4 elements at a time,
 * each product and sum one rounded f32 operation in the reference's order, so the velocities and
 * parameters are the reference's to the bit (test/train/sgd-wasm.test.ts).
 *
 * v, params and grad are copied into wasm memory in chunks of `chunkFloats` elements, v and params
 * copied back; layers of fewer than `minLength` parameters run the TypeScript loops.
 */
import { itemsPerChunk, KernelInstance, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour } from '../wasm/index.js';
import { SGD_LOOPS, type SgdLoops, type SgdRange } from './sgd.js';

/** The export the sgd loops need. */
export interface SgdExports {
  sgd_update_f32(v: number, w: number, g: number, len: number, a: number, b: number, c: number): void;
}

/** What the sgd loops need from the build. */
export const SGD_WASM_KERNELS: KernelNeeds<SgdExports> = { what: 'the sgd kernels', names: ['sgd_update_f32'] };

/** Options of {@link WasmSgdLoops}. */
export interface WasmSgdOptions {
  /** Force a build (all give the same bits: nothing is fused). */
  flavour?: WasmFlavour;
  /** Elements per chunk (a multiple of 4). Default 1 Mi (12 MiB of wasm memory). */
  chunkFloats?: number;
  /** Layers with fewer parameters run the TypeScript loops. Default 4096. */
  minLength?: number;
}

/** {@link SgdLoops} in WebAssembly. Not re-entrant. */
export class WasmSgdLoops implements SgdLoops {
  private readonly inst: KernelInstance<SgdExports>;
  private readonly chunkFloats: number;
  private readonly minLength: number;

  constructor(options: WasmSgdOptions = {}) {
    this.inst = new KernelInstance(SGD_WASM_KERNELS, options.flavour);
    this.chunkFloats = Math.max(4, (options.chunkFloats ?? 1 << 20) & ~3);
    this.minLength = options.minLength ?? 4096;
  }

  /** Drops the kernel instance (its memory can then be collected). */
  release(): void {
    this.inst.release();
  }

  /** {@link SgdLoops.update}: sgd_update_f32 over each range's part of each chunk. */
  update(v: Float32Array, params: Float32Array, grad: Float32Array, a: number, ranges: readonly SgdRange[]): void {
    const size = params.length;
    if (v.length !== size || grad.length !== size) throw new RangeError(`sgd: v, params and grad have ${v.length}, ${size} and ${grad.length} values`);
    let at = 0;
    for (const r of ranges) {
      if (r.begin !== at || r.end < r.begin) throw new RangeError(`sgd: the ranges must cover [0, ${size}) in order (a range [${r.begin}, ${r.end}) after ${at})`);
      at = r.end;
    }
    if (at !== size) throw new RangeError(`sgd: the ranges must cover [0, ${size}) in order (they end at ${at})`);
    if (size < this.minLength) {
      SGD_LOOPS.update(v, params, grad, a, ranges);
      return;
    }
    const cs = itemsPerChunk(size, 4, 4 * this.chunkFloats);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const pv = k.alloc(cs * 4);
    const pw = k.alloc(cs * 4);
    const pg = k.alloc(cs * 4);
    for (let c0 = 0; c0 < size; c0 += cs) {
      const c1 = Math.min(size, c0 + cs);
      const m = c1 - c0;
      k.f32(pv, m).set(v.subarray(c0, c1));
      k.f32(pw, m).set(params.subarray(c0, c1));
      k.f32(pg, m).set(grad.subarray(c0, c1));
      for (const r of ranges) {
        const b0 = Math.max(r.begin, c0);
        const b1 = Math.min(r.end, c1);
        if (b1 > b0) {
          const o = (b0 - c0) * 4;
          ex.sgd_update_f32(pv + o, pw + o, pg + o, b1 - b0, a, r.b, r.c);
        }
      }
      v.set(k.f32(pv, m), c0);
      params.set(k.f32(pw, m), c0);
    }
  }
}
