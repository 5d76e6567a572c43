/**
 * The README's example runs (`$ npx facemetric COMMAND ...` lines in its code blocks and the lines
 * printed under them), for tests that run them again and compare.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The README's example run `$ npx facemetric COMMAND ... END`: the command's arguments and the
 * lines the README shows under it (up to the next command or the end of the block).
 */
export function readmeRun(command: string, end: string): { args: string[]; lines: string[] } {
  const readme = readFileSync('README.md', 'utf8').split('\n');
  const at = readme.findIndex((l) => l.startsWith(`$ npx facemetric ${command} `) && l.endsWith(end));
  expect(at, `README.md has no run of 'facemetric ${command} ... ${end}'`).toBeGreaterThanOrEqual(0);
  const lines: string[] = [];
  for (let i = at + 1; i < readme.length && !readme[i]!.startsWith('$ ') && !readme[i]!.startsWith('```'); i++) lines.push(readme[i]!);
  return { args: readme[at]!.split(' ').slice(3), lines };
}
