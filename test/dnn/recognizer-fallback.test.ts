/**
 * The recognizer's backend choice where WebAssembly is missing or old, simulated by mocking
 * src/wasm/index.js: no kernels at all → 'reference' (with a note when 'wasm' was asked for, also
 * printed by the CLI); kernels without the convolution kernels (an old build) → the same.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { exampleImages } from '../../src/models/index.js';

const mode = vi.hoisted(() => ({ value: 'none' as 'none' | 'noconv' }));

vi.mock('../../src/wasm/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/wasm/index.js')>();
  const { FacemetricError } = await import('../../src/errors.js');
  class MockKernels {
    static load(flavour?: 'simd' | 'relaxed'): import('../../src/wasm/index.js').WasmKernels {
      if (mode.value === 'none') throw new FacemetricError('WebAssembly kernels are not built (build/facemetric.simd.wasm missing); run: npm run build:wasm');
      const k = real.WasmKernels.load(flavour);
      // The same instance, but its exports without the convolution kernels (an older build).
      const exports = { ...(k.exports as unknown as Record<string, unknown>) };
      delete exports.im2col_f32;
      delete exports.conv_epilogue_f32;
      return new Proxy(k, { get: (t, p, r) => (p === 'exports' ? exports : Reflect.get(t, p, r)) });
    }
  }
  return { ...real, WasmKernels: MockKernels };
});

const chip = { width: 150, height: 150, data: new Uint8Array(150 * 150 * 3).map((_, i) => (i * 31) & 255) };

describe('no WebAssembly kernels', () => {
  beforeEach(() => {
    vi.resetModules();
    mode.value = 'none';
  });

  it("asking for 'wasm' gives the reference backend and a note saying why; the default falls back silently", async () => {
    const { loadFaceRecognizer, defaultDnnBackend } = await import('../../src/dnn/recognizer.js');
    expect(defaultDnnBackend()).toBe('reference');
    const asked = loadFaceRecognizer(undefined, { backend: 'wasm' });
    expect([asked.backend, asked.engine]).toEqual(['reference', 'reference']);
    expect(asked.note).toMatch(/^the wasm backend is not available \(WebAssembly kernels are not built.*\); using the reference backend$/);
    const dflt = loadFaceRecognizer();
    expect([dflt.backend, dflt.note]).toEqual(['reference', undefined]);
    expect(asked.describe(chip)).toHaveLength(128);
  });

  it('the CLI prints the note once, in one line, and still describes', async () => {
    const { runDetect } = await import('../../src/cli/detect.js');
    const out: string[] = [];
    const err: string[] = [];
    const image = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
    const code = await runDetect([image], { describe: true, backend: 'wasm', json: true }, { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^facemetric: note: the wasm backend is not available \(.*\); using the reference backend\n$/);
    const o = JSON.parse(out.join('')) as { faces: { descriptor: number[] }[] };
    expect(o.faces).toHaveLength(2);
    for (const f of o.faces) expect(f.descriptor).toHaveLength(128);
  });
});

describe('WebAssembly kernels without the convolution kernels', () => {
  beforeEach(() => {
    vi.resetModules();
    mode.value = 'noconv';
  });

  it("'wasm' falls back to the reference backend with a note saying to rebuild; the default falls back silently", async () => {
    const { loadFaceRecognizer, defaultDnnBackend } = await import('../../src/dnn/recognizer.js');
    expect(defaultDnnBackend()).toBe('reference');
    const r = loadFaceRecognizer(undefined, { backend: 'wasm' });
    expect([r.backend, r.engine]).toEqual(['reference', 'reference']);
    expect(r.note).toMatch(/^the wasm backend is not available \(the WebAssembly kernels predate the convolution kernels \(im2col_f32 missing\); run: npm run build:wasm\); using the reference backend$/);
    expect(r.describe(chip)).toHaveLength(128);
    const forced = loadFaceRecognizer(undefined, { engine: 'wasm-kernels' });
    expect([forced.backend, forced.engine, forced.note]).toEqual(['reference', 'reference', r.note]);
    expect(loadFaceRecognizer().note).toBeUndefined();
  });
});
