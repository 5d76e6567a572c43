/**
 * max_pool_ and avg_pool_ of a training step in WebAssembly: the forward passes (pool_f32,
 * assembly/conv.ts: the kernel of forward-wasm.ts, maxPool's and avgPool's bits) and the backward
 * passes (max_pool_grad_f32 and avg_pool_grad_f32, assembly/train.ts: maxPoolBackward's
 * comparisons and adds, avgPoolBackward's divisions and adds, in their order), as
 * max and average pooling's {@link PoolKernels} on private kernel instances; tensors are
 * copied in and out in chunks of samples. Bit-identical to the TypeScript references
 * (test/dnn/pool-wasm.test.ts, test/dnn/avg-pool-wasm.test.ts).
 */
import { itemsPerChunk, KernelInstance, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour } from '../wasm/index.js';
import { windowOutputSize, type Window2d } from './layers.js';
import type { PoolKernels } from './layers-grad.js';
import type { Tensor } from './tensor.js';

/** The exports the max pooling kernels need. */
export interface PoolExports {
  pool_f32(out: number, x: number, planes: number, h: number, w: number, kh: number, kw: number,
    sy: number, sx: number, py: number, px: number, oh: number, ow: number, isMax: number): void;
  max_pool_grad_f32(dx: number, x: number, g: number, planes: number, h: number, w: number, kh: number, kw: number,
    sy: number, sx: number, py: number, px: number, oh: number, ow: number): void;
  avg_pool_grad_f32(dx: number, g: number, planes: number, h: number, w: number, kh: number, kw: number,
    sy: number, sx: number, py: number, px: number, oh: number, ow: number): void;
}

/** What the pooling kernels need from the build. */
export const POOL_KERNELS: KernelNeeds<PoolExports> = { what: 'the pooling kernels', names: ['pool_f32', 'max_pool_grad_f32', 'avg_pool_grad_f32'] };

function fail(what: string, msg: string): never {
  throw new RangeError(`${what}: ${msg}`);
}

/** Output rows and columns, with the references' checks. */
function outShape(what: string, x: Tensor, w: Window2d): [number, number] {
  if (!(w.nr > 0 && w.nc > 0 && w.strideY > 0 && w.strideX > 0)) fail(what, 'window size and strides must be positive');
  for (const v of [w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX]) if (!Number.isInteger(v) || v < 0) fail(what, 'window sizes, strides and paddings must be non-negative integers');
  if (x.data.length !== x.n * x.k * x.nr * x.nc) fail(what, 'input data length does not match its shape');
  return [windowOutputSize(x.nr, w.nr, w.strideY, w.paddingY), windowOutputSize(x.nc, w.nc, w.strideX, w.paddingX)];
}

function expectShape(what: string, name: string, t: Tensor, n: number, k: number, nr: number, nc: number): void {
  if (t.n !== n || t.k !== k || t.nr !== nr || t.nc !== nc) fail(what, `${name} is ${t.n}x${t.k}x${t.nr}x${t.nc}, expected ${n}x${k}x${nr}x${nc}`);
  if (t.data.length !== n * k * nr * nc) fail(what, `${name} data length does not match its shape`);
}

/**
 * A pooling backward pass's shapes, checked: output rows and columns, floats per sample of x and
 * of g; undefined when there is nothing to do.
 */
function backwardShapes(what: string, dx: Tensor, x: Tensor, g: Tensor, w: Window2d): { oh: number; ow: number; xs: number; os: number } | undefined {
  const [oh, ow] = outShape(what, x, w);
  expectShape(what, 'data gradient', dx, x.n, x.k, x.nr, x.nc);
  expectShape(what, 'gradient', g, x.n, x.k, oh, ow);
  const xs = x.k * x.nr * x.nc;
  const os = x.k * oh * ow;
  return x.n === 0 || os === 0 ? undefined : { oh, ow, xs, os };
}

/** The pooling kernels' instance, chunking and forward pass (pool_f32), shared by max and average pooling. */
abstract class WasmPool {
  protected readonly inst: KernelInstance<PoolExports>;
  protected readonly chunkBytes: number;

  /** @param options.chunkBytes most bytes of tensors in wasm memory at once (at least one sample's; default 16 MiB) */
  constructor(options: { flavour?: WasmFlavour; chunkBytes?: number } = {}) {
    this.inst = new KernelInstance(POOL_KERNELS, options.flavour);
    this.chunkBytes = options.chunkBytes ?? 16 << 20;
  }

  /** Drops the kernel instance (its memory can then be collected). */
  release(): void {
    this.inst.release();
  }

  /** maxPool or avgPool (layers.ts) through pool_f32, out overwritten. */
  protected pool(what: string, out: Tensor, x: Tensor, w: Window2d, isMax: boolean): void {
    const [oh, ow] = outShape(what, x, w);
    expectShape(what, 'output', out, x.n, x.k, oh, ow);
    const xs = x.k * x.nr * x.nc;
    const os = x.k * oh * ow;
    if (x.n === 0 || os === 0) return;
    const cs = itemsPerChunk(x.n, (xs + os) * 4, this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const px = k.alloc(cs * xs * 4);
    const po = k.alloc(cs * os * 4);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      k.f32(px, n * xs).set(x.data.subarray(s0 * xs, (s0 + n) * xs));
      this.inst.exports.pool_f32(po, px, n * x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow, isMax ? 1 : 0);
      out.data.set(k.f32(po, n * os), s0 * os);
    }
  }
}

/** max_pool_'s {@link PoolKernels} in WebAssembly. Not re-entrant. */
export class WasmMaxPool extends WasmPool implements PoolKernels {
  /** {@link PoolKernels.forward}: `maxPool` (layers.ts), out overwritten. */
  forward(out: Tensor, x: Tensor, w: Window2d): void {
    this.pool('maxPool', out, x, w, true);
  }

  /** {@link PoolKernels.backward}: `maxPoolBackward` (layers-grad.ts), added into dx. */
  backward(dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void {
    const sh = backwardShapes('maxPoolBackward', dx, x, g, w);
    if (sh === undefined) return;
    const { oh, ow, xs, os } = sh;
    const cs = itemsPerChunk(x.n, (2 * xs + os) * 4, this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const px = k.alloc(cs * xs * 4);
    const pd = k.alloc(cs * xs * 4);
    const pg = k.alloc(cs * os * 4);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      k.f32(px, n * xs).set(x.data.subarray(s0 * xs, (s0 + n) * xs));
      const d = dx.data.subarray(s0 * xs, (s0 + n) * xs);
      k.f32(pd, n * xs).set(d);
      k.f32(pg, n * os).set(g.data.subarray(s0 * os, (s0 + n) * os));
      this.inst.exports.max_pool_grad_f32(pd, px, pg, n * x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow);
      d.set(k.f32(pd, n * xs));
    }
  }
}

/** avg_pool_'s {@link PoolKernels} in WebAssembly (avg_pool_everything: the window the whole plane). Not re-entrant. */
export class WasmAvgPool extends WasmPool implements PoolKernels {
  /** {@link PoolKernels.forward}: `avgPool` (layers.ts), out overwritten. */
  forward(out: Tensor, x: Tensor, w: Window2d): void {
    this.pool('avgPool', out, x, w, false);
  }

  /** {@link PoolKernels.backward}: `avgPoolBackward` (layers-grad.ts), added into dx (x: only its shape). */
  backward(dx: Tensor, x: Tensor, g: Tensor, w: Window2d): void {
    const sh = backwardShapes('avgPoolBackward', dx, x, g, w);
    if (sh === undefined) return;
    const { oh, ow, xs, os } = sh;
    const cs = itemsPerChunk(x.n, (xs + os) * 4, this.chunkBytes);
    const k = this.inst.kernels;
    k.reset();
    const pd = k.alloc(cs * xs * 4);
    const pg = k.alloc(cs * os * 4);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      const d = dx.data.subarray(s0 * xs, (s0 + n) * xs);
      k.f32(pd, n * xs).set(d);
      k.f32(pg, n * os).set(g.data.subarray(s0 * os, (s0 + n) * os));
      this.inst.exports.avg_pool_grad_f32(pd, pg, n * x.k, x.nr, x.nc, w.nr, w.nc, w.strideY, w.strideX, w.paddingY, w.paddingX, oh, ow);
      d.set(k.f32(pd, n * xs));
    }
  }
}
