import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as facemetric from '../src/index.js';

describe('package entry point', () => {
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
