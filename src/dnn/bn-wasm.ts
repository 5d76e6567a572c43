/**
 * bn_con's training loops in WebAssembly SIMD (assembly/train.ts): the {@link BnConvLoops} of
 * batchNormalizeConv (the per-channel sums, the normalisation) and bnConvBackward (its three
 * passes), the TypeScript loops of bn.ts (dlib's tt::batch_normalize_conv and
 * batch_normalize_conv_gradient) to the bit: the sums keep each channel's order (samples, then
 * pixels, one float add at a time) with 4 channels in the lanes of a vector, the element-wise
 * passes run 4 pixels at a time, and nothing is fused (test/dnn/bn-wasm.test.ts; a whole training
 * step: test/train/network-wasm.test.ts).
 *
 * The tensors are copied into a private kernel instance's memory, in chunks of samples that fit
 * in `chunkBytes` (the sums carry over from chunk to chunk in memory); where the whole batch fits,
 * the backward pass copies x and g once for its three passes.
 */
import { itemsPerChunk, KernelInstance, type KernelNeeds } from '../wasm/exports.js';
import type { WasmFlavour } from '../wasm/index.js';
import type { BnBatchStats, BnConvLoops } from './bn.js';
import type { Tensor } from './tensor.js';

const fround = Math.fround;

/** The exports of assembly/train.ts's batch-normalisation kernels. */
export interface BnExports {
  bn_sums_f32(x: number, n: number, k: number, pix: number, sums: number, sqsums: number): void;
  bn_normalize_f32(out: number, x: number, n: number, k: number, pix: number, means: number, invstds: number, gamma: number, beta: number,
    relu: number): void;
  relu_grad_f32(g: number, y: number, len: number): void;
  bn_backward_sums_f32(g: number, x: number, n: number, k: number, pix: number, means: number, invstds: number,
    gamma: number, pw: number, dbeta: number, dgamma: number, dvar: number): void;
  bn_backward_dmean_f32(g: number, x: number, n: number, k: number, pix: number, means: number, invstds: number,
    gamma: number, dv2: number, invnum: number, dmean: number): void;
  bn_backward_dx_f32(dx: number, g: number, x: number, n: number, k: number, pix: number, means: number, invstds: number,
    gamma: number, dv2: number, dmi: number, invnum: number): void;
}

/** What the bn_con loops need from the build. */
export const BN_KERNELS: KernelNeeds<BnExports> = {
  what: 'the batch normalisation kernels',
  names: ['bn_sums_f32', 'bn_normalize_f32', 'bn_backward_sums_f32', 'bn_backward_dmean_f32', 'bn_backward_dx_f32', 'relu_grad_f32'],
};

/** Options of {@link WasmBnLoops}. */
export interface WasmBnOptions {
  /** Force a build (both give the same bits: nothing is fused). */
  flavour?: WasmFlavour;
  /** Most bytes of tensors in wasm memory at once (at least one sample's). Default 96 MiB. */
  chunkBytes?: number;
}

/**
 * {@link BnConvLoops} in WebAssembly, on a private kernel instance. Not re-entrant (one call at a
 * time, as a training net runs them).
 */
export class WasmBnLoops implements BnConvLoops {
  private readonly inst: KernelInstance<BnExports>;
  private readonly chunkBytes: number;
  /**
   * The tensor whose whole batch `sums` left in memory (at the same place `normalize` reads it),
   * for the `normalize` call that follows it in batchNormalizeConv; undefined otherwise.
   */
  private resident: Tensor | undefined;

  constructor(options: WasmBnOptions = {}) {
    this.inst = new KernelInstance(BN_KERNELS, options.flavour);
    this.chunkBytes = options.chunkBytes ?? 96 << 20;
  }

  /** Drops the kernel instance (its memory can then be collected). */
  release(): void {
    this.inst.release();
  }

  /** Samples per chunk when `tensors` sample-sized tensors of x's shape share the budget. */
  private chunk(x: Tensor, tensors: number): number {
    return itemsPerChunk(x.n, x.k * x.nr * x.nc * 4 * tensors, this.chunkBytes);
  }

  /** {@link BnConvLoops.sums}. */
  sums(x: Tensor, sums: Float32Array, sqsums: Float32Array): void {
    const K = x.k;
    const pix = x.nr * x.nc;
    const ss = K * pix;
    const cs = this.chunk(x, 1);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    this.resident = undefined;
    const ps = k.alloc(K * 4);
    const pq = k.alloc(K * 4);
    k.alloc(K * 4);
    k.alloc(K * 4);
    const px = k.alloc(cs * ss * 4);
    k.f32(ps, K).fill(0);
    k.f32(pq, K).fill(0);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      k.f32(px, n * ss).set(x.data.subarray(s0 * ss, (s0 + n) * ss));
      ex.bn_sums_f32(px, n, K, pix, ps, pq);
    }
    sums.set(k.f32(ps, K));
    sqsums.set(k.f32(pq, K));
    if (cs >= x.n) this.resident = x;
  }

  /** {@link BnConvLoops.normalize}. */
  normalize(out: Tensor, x: Tensor, means: Float32Array, invstds: Float32Array, gamma: Float32Array, beta: Float32Array,
    withRelu: boolean): void {
    const K = x.k;
    const pix = x.nr * x.nc;
    const ss = K * pix;
    const cs = this.chunk(x, 1);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    const pm = k.alloc(K * 4);
    const pi = k.alloc(K * 4);
    const pg = k.alloc(K * 4);
    const pb = k.alloc(K * 4);
    const px = k.alloc(cs * ss * 4);
    k.f32(pm, K).set(means);
    k.f32(pi, K).set(invstds);
    k.f32(pg, K).set(gamma);
    k.f32(pb, K).set(beta);
    // x is still in memory where sums left it (the same allocations, in the same order)
    const reuse = this.resident === x && cs >= x.n;
    this.resident = undefined;
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      if (!reuse) k.f32(px, n * ss).set(x.data.subarray(s0 * ss, (s0 + n) * ss));
      ex.bn_normalize_f32(px, px, n, K, pix, pm, pi, pg, pb, withRelu ? 1 : 0);
      out.data.set(k.f32(px, n * ss), s0 * ss);
    }
  }

  /** {@link BnConvLoops.backward}. */
  backward(dx: Tensor, dGamma: Float32Array, dBeta: Float32Array, g: Tensor, x: Tensor, gamma: Float32Array,
    stats: BnBatchStats, invstdPow: Float32Array, reluOutput?: Tensor): void {
    const K = x.k;
    const pix = x.nr * x.nc;
    const ss = K * pix;
    const cs = this.chunk(x, reluOutput === undefined ? 3 : 4);
    const k = this.inst.kernels;
    const ex = this.inst.exports;
    k.reset();
    this.resident = undefined;
    const per = (): number => k.alloc(K * 4);
    const [pm, pi, pga, ppw, pdb, pdg, pdv, pdm, pd2, pdi] = Array.from({ length: 10 }, per);
    const px = k.alloc(cs * ss * 4);
    const pg = k.alloc(cs * ss * 4);
    const pdx = k.alloc(cs * ss * 4);
    const py = reluOutput === undefined ? 0 : k.alloc(cs * ss * 4);
    k.f32(pm, K).set(stats.means);
    k.f32(pi, K).set(stats.invstds);
    k.f32(pga, K).set(gamma);
    k.f32(ppw, K).set(invstdPow);
    for (const p of [pdb, pdg, pdv, pdm]) k.f32(p, K).fill(0);
    const whole = cs >= x.n;
    const load = (s0: number, n: number): void => {
      k.f32(px, n * ss).set(x.data.subarray(s0 * ss, (s0 + n) * ss));
      k.f32(pg, n * ss).set(g.data.subarray(s0 * ss, (s0 + n) * ss));
      if (reluOutput !== undefined) {
        // relu_'s backward, fused: g = y > 0 ? g : 0 (in wasm memory; g's buffer is left as it is)
        k.f32(py, n * ss).set(reluOutput.data.subarray(s0 * ss, (s0 + n) * ss));
        ex.relu_grad_f32(pg, py, n * ss);
      }
    };
    if (whole) load(0, x.n);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      if (!whole) load(s0, n);
      ex.bn_backward_sums_f32(pg, px, n, K, pix, pm, pi, pga, ppw, pdb, pdg, pdv);
    }
    const invnum = fround(1 / fround(x.n * pix));
    const dvars = k.f32(pdv, K);
    const dv2 = k.f32(pd2, K);
    for (let c = 0; c < K; c++) dv2[c] = fround(dvars[c] * -2);
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      if (!whole) load(s0, n);
      ex.bn_backward_dmean_f32(pg, px, n, K, pix, pm, pi, pga, pd2, invnum, pdm);
    }
    {
      const dvs = k.f32(pdv, K);
      const dms = k.f32(pdm, K);
      const d2 = k.f32(pd2, K);
      const di = k.f32(pdi, K);
      for (let c = 0; c < K; c++) {
        d2[c] = fround(dvs[c] * 2);
        di[c] = fround(dms[c] * invnum);
      }
    }
    for (let s0 = 0; s0 < x.n; s0 += cs) {
      const n = Math.min(cs, x.n - s0);
      if (!whole) load(s0, n);
      k.f32(pdx, n * ss).set(dx.data.subarray(s0 * ss, (s0 + n) * ss));
      ex.bn_backward_dx_f32(pdx, pg, px, n, K, pix, pm, pi, pga, pd2, pdi, invnum);
      dx.data.set(k.f32(pdx, n * ss), s0 * ss);
    }
    dBeta.set(k.f32(pdb, K));
    dGamma.set(k.f32(pdg, K));
  }
}
