/**
 * A training step's element-wise layers in WebAssembly SIMD: relu_ and add_prev_, forward and
 * backward ({@link ElementwiseKernels}: the TypeScript references relu and addPrev of layers.ts,
 * reluBackward and addPrevBackward of layers-grad.ts, dlib's tt::relu, tt::add and
 * tt::relu_gradient), on a private kernel instance: relu_f32 and add_prev_f32 (assembly/conv.ts,
 * the inference kernels), relu_backward_f32 and add_into_f32 (assembly/elementwise.ts).
 *
 * Bits: each element is the reference's float operations in its order (an add, a comparison), 4
 * independent elements at a time, so every call gives the reference's bits, -0 and the
 * zero-padding of mismatched shapes included (test/dnn/elementwise-wasm.test.ts).
 *
 * Tensors are copied into wasm memory in chunks of samples that fit in `chunkBytes` and the
 * results copied out; a call on fewer than `minLength` elements runs the TypeScript reference
 * (the copies and the call would cost more than the loop).
 */
import { itemsPerChunk, KernelInstance, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour } from '../wasm/index.js';
import { addPrevShape } from './layers.js';
import { ELEMENTWISE_KERNELS, type ElementwiseKernels } from './layers-grad.js';
import { sameShape, type Tensor } from './tensor.js';

/** The exports the element-wise kernels need. */
export interface ElementwiseExports {
  relu_f32(out: number, x: number, len: number): void;
  add_prev_f32(out: number, on: number, ok: number, or: number, oc: number,
    a: number, an: number, ak: number, ar: number, ac: number,
    b: number, bn: number, bk: number, br: number, bc: number, doRelu: number): void;
  relu_backward_f32(dx: number, y: number, g: number, len: number, add: number): void;
  add_into_f32(dest: number, dn: number, dk: number, dnr: number, dnc: number, src: number, sn: number, sk: number, snr: number, snc: number): void;
}

/** What the element-wise kernels need from the build. */
export const ELEMENTWISE_WASM_KERNELS: KernelNeeds<ElementwiseExports> = {
  what: 'the element-wise training kernels',
  names: ['relu_f32', 'add_prev_f32', 'relu_backward_f32', 'add_into_f32'],
};

/** Options of {@link WasmElementwise}. */
export interface WasmElementwiseOptions {
  /** Force a build (all give the same bits: nothing is fused). */
  flavour?: WasmFlavour;
  /** Most bytes of tensors in wasm memory at once (at least one sample's). Default 16 MiB. */
  chunkBytes?: number;
  /** Calls on fewer elements run the TypeScript reference. Default 16384. */
  minLength?: number;
}

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

function checkSize(what: string, t: Tensor): void {
  if (t.data.length !== t.n * t.k * t.nr * t.nc) fail(what, `tensor data has ${t.data.length} values for shape ${t.n}x${t.k}x${t.nr}x${t.nc}`);
}

const sampleSize = (t: Tensor): number => t.k * t.nr * t.nc;

/** Samples [s0, s0 + m) of t that t has: how many (0 past its end). */
const have = (t: Tensor, s0: number, m: number): number => Math.max(0, Math.min(m, t.n - s0));

/** {@link ElementwiseKernels} in WebAssembly. Not re-entrant (one call at a time, as a training net runs them). */
export class WasmElementwise implements ElementwiseKernels {
  private readonly inst: KernelInstance<ElementwiseExports>;
  private readonly chunkBytes: number;
  private readonly minLength: number;

  constructor(options: WasmElementwiseOptions = {}) {
    this.inst = new KernelInstance(ELEMENTWISE_WASM_KERNELS, options.flavour);
    this.chunkBytes = options.chunkBytes ?? 16 << 20;
    this.minLength = options.minLength ?? 16384;
  }

  /** Drops the kernel instance (its memory can then be collected). */
  release(): void {
    this.inst.release();
  }

  /** Copies samples [s0, s0 + m) of t (those it has) to p; returns how many it has. */
  private load(p: number, t: Tensor, s0: number, m: number): number {
    const ss = sampleSize(t);
    const h = have(t, s0, m);
    if (h > 0) this.inst.kernels.f32(p, h * ss).set(t.data.subarray(s0 * ss, (s0 + h) * ss));
    return h;
  }

  /** Copies `h` samples at p back into t from sample s0. */
  private store(t: Tensor, p: number, s0: number, h: number): void {
    const ss = sampleSize(t);
    if (h > 0) t.data.set(this.inst.kernels.f32(p, h * ss), s0 * ss);
  }

  /** {@link ElementwiseKernels.relu}: relu_f32. */
  relu(out: Tensor, x: Tensor): void {
    if (!sameShape(out, x)) fail('relu', 'output and input shapes differ');
    checkSize('relu', x);
    checkSize('relu', out);
    if (x.data.length < this.minLength) {
      ELEMENTWISE_KERNELS.relu(out, x);
      return;
    }
    const ss = sampleSize(x);
    const cs = itemsPerChunk(x.n, 4 * ss, this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const p = k.alloc(cs * ss * 4);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const m = this.load(p, x, s0, cs);
      this.inst.exports.relu_f32(p, p, m * ss);
      this.store(out, p, s0, m);
    }
  }

  /** {@link ElementwiseKernels.addPrev}: add_prev_f32 (relu fused in the same pass). */
  addPrev(out: Tensor, a: Tensor, b: Tensor, withRelu: boolean): void {
    const shape = addPrevShape(a, b);
    if (out.n !== shape[0] || out.k !== shape[1] || out.nr !== shape[2] || out.nc !== shape[3]) {
      fail('addPrev', `output is ${out.n}x${out.k}x${out.nr}x${out.nc}, expected ${shape.join('x')}`);
    }
    checkSize('addPrev', out);
    checkSize('addPrev', a);
    checkSize('addPrev', b);
    if (out.data.length < this.minLength) {
      ELEMENTWISE_KERNELS.addPrev(out, a, b, withRelu);
      return;
    }
    const same = sameShape(a, b);
    const os = sampleSize(out);
    const as = sampleSize(a);
    const bs = sampleSize(b);
    const cs = itemsPerChunk(out.n, 4 * (as + bs + (same ? 0 : os)), this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const pa = k.alloc(cs * as * 4);
    const pb = k.alloc(cs * bs * 4);
    // matched shapes: the sum overwrites a's copy
    const po = same ? pa : k.alloc(cs * os * 4);
    for (let s0 = 0; s0 < out.n; s0 += cs) {
      const m = Math.min(cs, out.n - s0);
      const an = this.load(pa, a, s0, m);
      const bn = this.load(pb, b, s0, m);
      this.inst.exports.add_prev_f32(po, m, out.k, out.nr, out.nc, pa, an, a.k, a.nr, a.nc, pb, bn, b.k, b.nr, b.nc, withRelu ? 1 : 0);
      this.store(out, po, s0, m);
    }
  }

  /** {@link ElementwiseKernels.reluBackward}: relu_backward_f32. */
  reluBackward(dx: Tensor, y: Tensor, g: Tensor): void {
    if (!sameShape(dx, y) || !sameShape(g, y)) fail('reluBackward', 'shapes differ');
    checkSize('reluBackward', dx);
    checkSize('reluBackward', y);
    checkSize('reluBackward', g);
    if (dx.data.length < this.minLength) {
      ELEMENTWISE_KERNELS.reluBackward(dx, y, g);
      return;
    }
    const inPlace = dx.data === g.data;
    const ss = sampleSize(y);
    const cs = itemsPerChunk(y.n, 4 * ss * (inPlace ? 2 : 3), this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const py = k.alloc(cs * ss * 4);
    const pg = k.alloc(cs * ss * 4);
    const pd = inPlace ? pg : k.alloc(cs * ss * 4);
    for (let s0 = 0; s0 < y.n; s0 += cs) {
      const m = this.load(py, y, s0, cs);
      this.load(pg, g, s0, m);
      if (!inPlace) this.load(pd, dx, s0, m);
      this.inst.exports.relu_backward_f32(pd, py, pg, m * ss, inPlace ? 0 : 1);
      this.store(dx, pd, s0, m);
    }
  }

  /** {@link ElementwiseKernels.addPrevBackward}: relu_backward_f32 on g's copy (with reluOutput), then add_into_f32 into each. */
  addPrevBackward(dSub: Tensor, dTag: Tensor, g: Tensor, reluOutput?: Tensor): void {
    const what = 'addPrevBackward';
    if (dSub.data === dTag.data) fail(what, 'the two gradients must be different tensors');
    checkSize(what, dSub);
    checkSize(what, dTag);
    checkSize(what, g);
    if (reluOutput !== undefined) {
      if (!sameShape(reluOutput, g)) fail('reluBackward', 'shapes differ');
      checkSize('reluBackward', reluOutput);
    }
    if (g.data.length < this.minLength) {
      ELEMENTWISE_KERNELS.addPrevBackward(dSub, dTag, g, reluOutput);
      return;
    }
    const gs = sampleSize(g);
    const n = Math.max(g.n, dSub.n, dTag.n);
    const cs = itemsPerChunk(n, 4 * (gs * (reluOutput === undefined ? 1 : 2) + sampleSize(dSub) + sampleSize(dTag)), this.chunkBytes);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const pg = k.alloc(cs * gs * 4);
    const py = reluOutput === undefined ? 0 : k.alloc(cs * gs * 4);
    const pd = k.alloc(cs * sampleSize(dSub) * 4);
    const pt = k.alloc(cs * sampleSize(dTag) * 4);
    for (let s0 = 0; s0 < n; s0 += cs) {
      const m = Math.min(cs, n - s0);
      const gn = this.load(pg, g, s0, m);
      if (reluOutput !== undefined) {
        this.load(py, reluOutput, s0, m);
        // relu_'s backward in place on g's copy (g's own buffer is left as it is)
        ex.relu_backward_f32(pg, py, pg, gn * gs, 0);
      }
      for (const [d, p] of [[dSub, pd], [dTag, pt]] as const) {
        const dn = this.load(p, d, s0, m);
        ex.add_into_f32(p, dn, d.k, d.nr, d.nc, pg, gn, g.k, g.nr, g.nc);
        this.store(d, p, s0, dn);
      }
    }
  }
}
