import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FacemetricError } from '../../src/errors.js';
import { MAX_WASM_BYTES, WasmKernels, WasmOutOfMemoryError, relaxedProbe, relaxedSimdSupported, type WasmFlavour } from '../../src/wasm/index.js';
import { axpyRef, dotRef } from '../../src/wasm/kernels.js';
import { guardedF32 } from '../helpers/guarded.js';
import { randomF32 } from '../helpers/random.js';



const flavours: WasmFlavour[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
const sizes = [0, 1, 3, 4, 5, 15, 16, 17, 64, 1000, 4097];

describe.each(flavours)('WebAssembly %s kernels against the TypeScript reference', (flavour) => {
  const k = WasmKernels.load(flavour);

  it.each(sizes)('dot_f32, n = %i: bit-identical to dotRef, no writes outside', (n) => {
    k.reset();
    const a = randomF32(n, 1 + n);
    const b = randomF32(n, 1000 + n);
    const ga = guardedF32(k, a);
    const gb = guardedF32(k, b);
    const got = k.exports.dot_f32(ga.ptr, gb.ptr, n);
    expect(got).toBe(dotRef(a, b, n));
    // and close to the exact (double) dot product
    let exact = 0;
    for (let i = 0; i < n; i++) exact += a[i] * b[i];
    expect(Math.abs(got - exact)).toBeLessThan(1e-4 * Math.max(1, Math.sqrt(n)));
    ga.check();
    gb.check();
  });

  it.each(sizes)('axpy_f32, n = %i: bit-identical to axpyRef, no writes outside', (n) => {
    k.reset();
    const x = randomF32(n, 7 + n);
    const y = randomF32(n, 70 + n);
    const gx = guardedF32(k, x);
    const gy = guardedF32(k, y);
    k.exports.axpy_f32(gy.ptr, gx.ptr, 0.375, n);
    const want = y.slice();
    axpyRef(want, x, 0.375, n);
    expect(Array.from(k.f32(gy.ptr, n))).toEqual(Array.from(want));
    gx.check();
    gy.check();
  });

  it('refuses sizes a 32-bit memory cannot hold instead of wrapping them', () => {
    k.reset();
    const before = k.memory.buffer.byteLength;
    expect(() => k.alloc(5 * 2 ** 30)).toThrow(/out of WebAssembly memory: \d+ bytes needed/);
    expect(() => k.alloc(2 ** 31 + 1 + MAX_WASM_BYTES)).toThrow(/out of WebAssembly memory/);
    expect(() => k.alloc(5 * 2 ** 30)).toThrow(WasmOutOfMemoryError);
    expect(() => k.alloc(-1)).toThrow(RangeError);
    expect(k.memory.buffer.byteLength).toBe(before);
    // the allocator is still usable afterwards
    const p = k.putF32(new Float32Array([4, 5]));
    expect(Array.from(k.f32(p, 2))).toEqual([4, 5]);
  });

  it('grows memory on demand and keeps data', () => {
    k.reset();
    const before = k.memory.buffer.byteLength;
    const p = k.putF32(new Float32Array([1, 2, 3]));
    k.alloc(before + 1_000_000);
    expect(k.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(Array.from(k.f32(p, 3))).toEqual([1, 2, 3]);
  });

  it('a memory.grow the engine refuses is a WasmOutOfMemoryError (a FacemetricError), and nothing is allocated', () => {
    k.reset();
    const before = k.memory.buffer.byteLength;
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    });
    try {
      expect(() => k.alloc(before + 1_000_000)).toThrow(WasmOutOfMemoryError);
      expect(() => k.alloc(before + 1_000_000)).toThrow(FacemetricError);
      expect(() => k.alloc(before + 1_000_000)).toThrow(/^out of WebAssembly memory: cannot grow to \d+ bytes \(WebAssembly.Memory.grow\(\): Maximum memory size exceeded\)$/);
    } finally {
      grow.mockRestore();
    }
    expect(k.memory.buffer.byteLength).toBe(before);
    const p = k.putF32(new Float32Array([6, 7]));
    expect(Array.from(k.f32(p, 2))).toEqual([6, 7]);
  });
});

describe('relaxed-SIMD feature detection', () => {
  it('the probe module validates exactly when the engine runs relaxed SIMD', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fm-probe-')), 'probe.wasm');
    writeFileSync(file, relaxedProbe());
    const script = `console.log(WebAssembly.validate(require('fs').readFileSync(${JSON.stringify(file)})))`;
    const run = (flags: string[]) =>
      spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).stdout.trim();
    // With the flag every Node >= 20 accepts relaxed SIMD; without it, the answer must agree
    // with this process (which runs without the flag).
    expect(run(['--experimental-wasm-relaxed-simd'])).toBe('true');
    expect(run([])).toBe(String(relaxedSimdSupported()));
  });

  it('the relaxed build instantiates where relaxed SIMD is available', () => {
    const script = `const b=require('fs').readFileSync('build/facemetric.relaxed.wasm');` +
      `const i=new WebAssembly.Instance(new WebAssembly.Module(b),{});` +
      `const m=new Float32Array(i.exports.memory.buffer);const p=i.exports.heap_base()+64;` +
      `m.set([1,2,3,4,5],p/4);m.set([5,4,3,2,1],p/4+8);console.log(i.exports.dot_f32(p,p+32,5))`;
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('35');
  });
});
