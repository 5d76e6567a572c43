/**
 * The package's public API, pinned. src/index.ts lists the entry's exports name by name; this
 * suite compares them with test/api-snapshot.json, which reviewers diff: `values` maps each
 * runtime export to its `typeof`, `types` lists the type-only exports (interfaces and type
 * aliases), as the TypeScript compiler sees src/index.ts (the names dist/src/index.d.ts
 * declares). A deliberate API change rewrites the file:
 *
 *   FACEMETRIC_UPDATE_API=1 npx vitest run test/api.test.ts
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import * as facemetric from '../src/index.js';

const SNAPSHOT = 'test/api-snapshot.json';
const UPDATE = process.env.FACEMETRIC_UPDATE_API === '1';
const HOW_TO_UPDATE = `the package entry's API differs from ${SNAPSHOT}; if the change is deliberate, ` +
  `update the snapshot with: FACEMETRIC_UPDATE_API=1 npx vitest run test/api.test.ts (and review its diff)`;

interface ApiSnapshot {
  /** Runtime exports of src/index.ts, sorted, with their `typeof`. */
  values: Record<string, string>;
  /** Type-only exports of src/index.ts (no runtime value), sorted. */
  types: string[];
}

/** The runtime exports of the entry, sorted by name, with their `typeof`. */
function runtimeExports(): Record<string, string> {
  const mod = facemetric as Record<string, unknown>;
  return Object.fromEntries(Object.keys(mod).sort().map((k) => [k, typeof mod[k]]));
}

/** The entry's exports as the compiler sees them: every name, and whether it carries a value. */
function declaredExports(): { values: string[]; types: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  const program = ts.createProgram(['src/index.ts'], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile('src/index.ts')!)!;
  const values: string[] = [];
  const types: string[] = [];
  for (const sym of checker.getExportsOfModule(entry)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(sym.name);
  }
  return { values: values.sort(), types: types.sort() };
}

describe('package entry point', () => {
  const declared = declaredExports();
  const actual: ApiSnapshot = { values: runtimeExports(), types: declared.types };

  it('declares as values exactly the names it exports at runtime', () => {
    expect(declared.values).toEqual(Object.keys(actual.values));
  });

  it(`exports what ${SNAPSHOT} records (runtime names, their kinds, and type names)`, () => {
    if (UPDATE) writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
    const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as ApiSnapshot;
    expect(actual, HOW_TO_UPDATE).toEqual(expected);
  });

  it('exports every name the README\'s library examples import', () => {
    const readme = readFileSync('README.md', 'utf8');
    const names = [...readme.matchAll(/import \{([^}]+)\} from 'facemetric'/g)]
      .flatMap((m) => m[1].split(',').map((s) => s.trim()))
      .filter((s) => s !== '');
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(typeof (facemetric as Record<string, unknown>)[name], name).toBe('function');
  });

  it('package.json points its entry and bin at the compiled files', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; bin: Record<string, string>; types: string };
    expect(pkg.main).toBe('dist/src/index.js');
    expect(pkg.types).toBe('dist/src/index.d.ts');
    expect(pkg.bin.facemetric).toBe('dist/src/cli/main.js');
  });
});
