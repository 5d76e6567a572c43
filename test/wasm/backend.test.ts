/**
 * The backend layer (src/wasm/): the one Backend type and its parser, the one export check and
 * availability probe, and the layering itself: src/wasm/ imports nothing from src/ but
 * errors.ts, and no reference reaches any WebAssembly glue through its imports.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/** The relative imports (static, re-exports and dynamic) of every .ts file under src/. */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(resolve(p));
    }
  };
  walk('src');
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const specs = [
      ...[...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]),
      ...[...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]),
    ];
    graph.set(f, specs.map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts')));
  }
  return graph;
}

describe('layering', () => {
  const graph = importGraph();
  const rel = (f: string): string => relative(resolve('src'), f);

  it('src/wasm/ imports nothing from src/ but errors.ts', () => {
    for (const [f, deps] of graph) {
      if (!rel(f).startsWith('wasm/')) continue;
      for (const d of deps) expect(rel(d).startsWith('wasm/') || rel(d) === 'errors.ts', `${rel(f)} imports ${rel(d)}`).toBe(true);
    }
  });

  it('no reference reaches src/wasm/ or any *-wasm glue, directly or not', () => {
    const references = [
      'hog/fhog.ts', 'hog/pyramid.ts', 'hog/scan-fhog-pyramid.ts', 'hog/fhog-filterbank.ts', 'hog/spatial-filtering.ts', 'hog/std-sort.ts',
      'cluster/face-graph.ts', 'cluster/chinese-whispers.ts', 'dnn/layers.ts', 'dnn/net.ts', 'dnn/gemm.ts', 'dnn/gemm-ref.ts', 'dnn/tensor.ts',
    ];
    const isGlue = (f: string): boolean => rel(f).startsWith('wasm/') || /-wasm\.ts$/.test(f);
    for (const start of references) {
      const seen = new Set<string>();
      const todo = [resolve('src', start)];
      expect(graph.has(todo[0]), start).toBe(true);
      while (todo.length > 0) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        for (const d of graph.get(f) ?? []) {
          expect(isGlue(d), `${start} reaches ${rel(d)} (through ${rel(f)})`).toBe(false);
          todo.push(d);
        }
      }
    }
  });

  it('no import cycles between files of src/', () => {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(rel(w));
        } while (w !== v);
        if (scc.length > 1) cycles.push(scc);
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});
