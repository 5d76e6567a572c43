/**
 * The backend layer (src/wasm/): the one Backend type and its parser, the one export check and
 * availability probe. The layering itself (src/wasm/ a leaf, references reaching no glue, no
 * import cycles) is checked by test/architecture.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import { BACKENDS, isBackend, parseBackend } from '../../src/wasm/backend.js';
import { KernelInstance, kernelExports, loadKernels } from '../../src/wasm/exports.js';
import type { WasmKernels } from '../../src/wasm/index.js';

describe('Backend', () => {
  it('lists the backends; isBackend and parseBackend accept exactly those', () => {
    expect(BACKENDS).toEqual(['reference', 'wasm']);
    for (const b of BACKENDS) {
      expect(isBackend(b)).toBe(true);
      expect(parseBackend(b, 'fhog')).toBe(b);
    }
    for (const bad of ['gpu', '', undefined, null, 3, 'Wasm']) expect(isBackend(bad)).toBe(false);
    expect(() => parseBackend('gpu', 'fhog')).toThrow(new RangeError("unknown fhog backend 'gpu'"));
    expect(() => parseBackend(undefined, 'scan')).toThrow(new RangeError("unknown scan backend 'undefined'"));
  });
});

describe('the export check and the probe', () => {
  const needs = { what: 'the teleport kernels', names: ['dot_f32', 'teleport_f32'] } as const;

  it('names the first export the build lacks, in one message shape', () => {
    const old = { exports: { dot_f32: () => 0 } } as unknown as WasmKernels;
    expect(() => kernelExports(old, needs)).toThrow(FacemetricError);
    expect(() => kernelExports(old, needs)).toThrow(
      /^the WebAssembly kernels predate the teleport kernels \(teleport_f32 missing\); run: npm run build:wasm$/);
    expect(() => loadKernels(needs)).toThrow(/predate the teleport kernels \(teleport_f32 missing\)/);
    const { kernels, exports } = loadKernels({ what: 'the dot kernel', names: ['dot_f32'] });
    expect(exports).toBe(kernels.exports);
  });

  it('KernelInstance: the probe says why, once; a loadable instance is kept until released', () => {
    const missing = new KernelInstance<{ teleport_f32(): void }>({ what: 'the teleport kernels', names: ['teleport_f32'] });
    expect(missing.unavailable()).toBe('the WebAssembly kernels predate the teleport kernels (teleport_f32 missing); run: npm run build:wasm');
    expect(missing.available()).toBe(false);
    expect(missing.isLoaded).toBe(false);
    const dot = new KernelInstance<{ dot_f32(a: number, b: number, n: number): number }>({ what: 'the dot kernel', names: ['dot_f32'] });
    expect(dot.available()).toBe(true);
    const k = dot.kernels;
    expect(dot.kernels).toBe(k);
    expect(typeof dot.exports.dot_f32).toBe('function');
    dot.release();
    expect(dot.isLoaded).toBe(false);
    expect(dot.kernels).not.toBe(k);
  });
});
