/**
 * Sentinel guards for kernel tests (ggml style): a buffer placed in WebAssembly memory between
 * two 16-byte zones of SENTINEL, the gap up to its 16-byte rounding filled with SENTINEL too, so
 * that `check()` catches any write outside the buffer, including the few bytes a vector store
 * past its end would touch.
 */
import { expect } from 'vitest';
import type { WasmKernels } from '../../src/wasm/index.js';

/** The guard word: a NaN bit pattern no kernel produces. */
export const SENTINEL = 0x7fc0dead;

const SENTINEL_BYTES = new Uint8Array(new Uint32Array([SENTINEL]).buffer);

/** A guarded buffer: its byte offset in wasm memory, and the check of its guards. */
export interface Guarded {
  ptr: number;
  /** Expects every byte around the buffer (guards and rounding gap) still SENTINEL. */
  check(): void;
}

/**
 * `bytes` bytes in `k`'s memory (16-byte aligned) between sentinel zones, filled by `fill`.
 * Requires: nothing allocated after it is freed before `check` (the guards must stay there).
 */
export function guarded(k: WasmKernels, bytes: number, fill: (view: Uint8Array) => void): Guarded {
  const inner = (bytes + 15) & ~15;
  const total = 16 + inner + 16;
  const base = k.alloc(total);
  new Uint32Array(k.memory.buffer, base, total / 4).fill(SENTINEL);
  const ptr = base + 16;
  fill(new Uint8Array(k.memory.buffer, ptr, bytes));
  return {
    ptr,
    check: () => {
      const all = new Uint8Array(k.memory.buffer, base, total);
      const written: number[] = [];
      for (let i = 0; i < total; i++) {
        if (i >= 16 && i < 16 + bytes) continue;
        if (all[i] !== SENTINEL_BYTES[i & 3]) written.push(i - 16);
      }
      expect(written, 'bytes written outside the buffer (offsets from its start)').toEqual([]);
    },
  };
}

/** `src` (float32) in `k`'s memory between sentinel zones; `view()` reads it back (a fresh view). */
export function guardedF32(k: WasmKernels, src: Float32Array): Guarded & { view(): Float32Array } {
  const g = guarded(k, src.length * 4, (v) => new Float32Array(v.buffer, v.byteOffset, src.length).set(src));
  return { ...g, view: () => k.f32(g.ptr, src.length) };
}
