/**
 * The package's public API, pinned. src/index.ts lists the entry's exports name by name; this
 * suite compares them with test/api-snapshot.json, which reviewers diff: `values` maps each
 * runtime export to its `typeof`, `types` lists the type-only exports (interfaces and type
 * aliases), as the TypeScript compiler sees src/index.ts (the names dist/src/index.d.ts
 * declares). It also checks that every type an export's declaration names is exported too (where
 * its own module exports it), so a user can name what the API hands out. A deliberate API change
 * rewrites the file:
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

/**
 * The entry's exports as the compiler sees them: every name, whether it carries a value, and the
 * exported types of src/ that their declarations name but the entry does not export (a user could
 * not name them), as `Type <- export`.
 */
function declaredExports(): { values: string[]; types: string[]; unexportedTypes: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  const program = ts.createProgram(['src/index.ts'], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile('src/index.ts')!)!;
  const resolve = (sym: ts.Symbol): ts.Symbol => (sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym);
  const values: string[] = [];
  const types: string[] = [];
  const exported = new Map<ts.Symbol, string>();
  for (const sym of checker.getExportsOfModule(entry)) {
    const target = resolve(sym);
    exported.set(target, sym.name);
    (target.flags & ts.SymbolFlags.Value ? values : types).push(sym.name);
  }
  const unexported = new Set<string>();
  for (const [target, name] of exported) {
    const visit = (node: ts.Node): void => {
      if (ts.isBlock(node) || ts.isPrivateIdentifier(node)) return; // bodies are not API
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const at = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
        const sym = checker.getSymbolAtLocation(at);
        const decl = sym === undefined ? undefined : resolve(sym).declarations?.[0];
        const inSrc = decl !== undefined && decl.getSourceFile().fileName.includes('/src/');
        const isExported = decl !== undefined && ts.canHaveModifiers(decl) &&
          (ts.getModifiers(decl) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        if (inSrc && isExported && !exported.has(resolve(sym!))) unexported.add(`${sym!.name} <- ${name}`);
      }
      ts.forEachChild(node, visit);
    };
    for (const d of target.declarations ?? []) visit(d);
  }
  return { values: values.sort(), types: types.sort(), unexportedTypes: [...unexported].sort() };
}

describe('package entry point', () => {
  const declared = declaredExports();
  const actual: ApiSnapshot = { values: runtimeExports(), types: declared.types };

  it('declares as values exactly the names it exports at runtime', () => {
    expect(declared.values).toEqual(Object.keys(actual.values));
  });

  it('exports every type its exports name (where the type is exported from its own module)', () => {
    expect(declared.unexportedTypes).toEqual([]);
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
