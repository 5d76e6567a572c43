/**
 * The structure ARCHITECTURE.md describes, checked on src/'s import graph (static imports,
 * re-exports and dynamic imports of relative paths; type-only imports count too):
 *  - src/wasm/ (the backend layer) imports nothing from src/ but errors.ts;
 *  - no reference reaches src/wasm/ or any *-wasm.ts glue, directly or through other files;
 *  - no import cycles between files;
 *  - each folder imports only the folders below it (LAYERS);
 *  - ARCHITECTURE.md's import table and the README's module table name exactly src/'s folders.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What each folder of src/ may import besides itself and src/errors.ts (ARCHITECTURE.md). */
const LAYERS: Record<string, readonly string[]> = {
  'errors.ts': [],
  wasm: [],
  cuda: [],
  rand: [],
  linalg: [],
  parity: [],
  geometry: ['linalg'],
  image: ['geometry', 'linalg', 'rand'],
  dlib: ['geometry'],
  models: ['dlib'],
  hog: ['geometry', 'image', 'dlib', 'models', 'wasm'],
  landmarks: ['geometry', 'image', 'dlib', 'models'],
  dnn: ['image', 'dlib', 'models', 'rand', 'wasm', 'cuda'],
  cluster: ['rand', 'wasm'],
  pipeline: ['hog', 'landmarks', 'dnn', 'image', 'geometry', 'rand'],
  gallery: ['pipeline', 'models', 'geometry', 'image', 'rand', 'wasm'],
  train: ['pipeline', 'dnn', 'cluster', 'image', 'dlib', 'models', 'geometry', 'linalg', 'rand', 'wasm'],
  cli: ['gallery', 'train', 'pipeline', 'hog', 'landmarks', 'dnn', 'cluster', 'models', 'dlib', 'image', 'geometry', 'linalg', 'rand', 'wasm', 'cuda'],
  'index.ts': ['gallery', 'train', 'geometry', 'image', 'dlib', 'hog', 'landmarks', 'dnn', 'pipeline', 'cluster', 'rand', 'models', 'wasm', 'linalg', 'cuda'],
};

/** 'hog' for 'hog/fhog.ts'; a file directly in src/ is its own entry ('errors.ts', 'index.ts'). */
const folderOf = (f: string): string => (f.includes('/') ? f.slice(0, f.indexOf('/')) : f);

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
      'cluster/face-graph.ts', 'cluster/chinese-whispers.ts', 'gallery/knn.ts', 'gallery/ivf.ts', 'gallery/distance.ts', 'gallery/gallery.ts', 'dnn/layers.ts', 'dnn/net.ts', 'dnn/gemm.ts', 'dnn/gemm-ref.ts', 'dnn/tensor.ts',
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

  it('each folder imports only the folders below it (LAYERS, as ARCHITECTURE.md draws them)', () => {
    const offenders: string[] = [];
    for (const [f, deps] of graph) {
      const from = folderOf(rel(f));
      const allowed = LAYERS[from];
      if (allowed === undefined) {
        offenders.push(`${rel(f)}: src/${from}/ is not in LAYERS (add it here and to ARCHITECTURE.md)`);
        continue;
      }
      for (const d of deps) {
        const to = folderOf(rel(d));
        if (to !== from && to !== 'errors.ts' && !allowed.includes(to)) offenders.push(`${rel(f)} -> ${rel(d)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('the documents match the tree', () => {
  const folders = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'types').map((e) => e.name).sort();

  it('every folder of src/ has a row in LAYERS, in ARCHITECTURE.md\'s import table and in the README\'s module table, and no other does', () => {
    expect(Object.keys(LAYERS).filter((k) => !k.endsWith('.ts')).sort()).toEqual(folders);
    const arch = readFileSync('ARCHITECTURE.md', 'utf8');
    const archImports = arch.slice(arch.indexOf('| folder | imports |'), arch.indexOf('## Reference first'));
    const archRows = [...archImports.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]!);
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('| module | what it does | dlib counterpart |'));
    const readmeRows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `src\/([a-z]+)\/` \|/gm)].map((m) => m[1]!);
    for (const f of folders) {
      expect(archRows, `ARCHITECTURE.md's import table lacks src/${f}/`).toContain(f);
      expect(readmeRows, `README's module table lacks src/${f}/`).toContain(f);
    }
    for (const r of readmeRows) expect(folders, `README's module table names src/${r}/, which does not exist`).toContain(r);
    // every row of ARCHITECTURE.md's import table names only allowed folders
    for (const line of archImports.split('\n').filter((l) => l.startsWith('| `'))) {
      const [names, imports] = line.split('|').slice(1, 3).map((c) => [...c.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]!));
      for (const n of names!) {
        const allowed = LAYERS[n];
        if (n === 'cli') continue; // "everything above"
        expect(allowed, `ARCHITECTURE.md names src/${n}/`).toBeDefined();
        expect([...imports!].sort(), `ARCHITECTURE.md's imports of src/${n}/`).toEqual([...allowed!].filter((x) => x !== 'errors.ts').sort());
      }
    }
  });

  it('every src/ file ARCHITECTURE.md names exists', () => {
    const arch = readFileSync('ARCHITECTURE.md', 'utf8');
    const named = new Set([...arch.matchAll(/`((?:[a-z]+\/)+[a-z0-9-]+\.ts)`/g)].map((m) => m[1]!));
    expect(named.size).toBeGreaterThan(30);
    for (const f of named) {
      const path = /^(src|test|assembly)\//.test(f) ? f : join('src', f);
      expect(existsSync(path), `ARCHITECTURE.md names ${f}`).toBe(true);
    }
  });
});
