/**
 * The command table (src/cli/commands.ts): README.md's "Command line" block is the synopsis
 * generated from the table, and the help text and each command's help page are generated from it
 * too, so a command or flag cannot be documented in one place and missing in another.
 * The commands' behaviour: cli.test.ts and cluster.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { COMMANDS, findCommand, helpText, synopsisLines } from '../../src/cli/commands.js';
import { commandHelp, parseCommandArgs, synopsis } from '../../src/cli/options.js';

/** The first code block after the README's "## Command line" heading. */
function readmeCommandBlock(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Command line\n'));
  const m = /\n```\n([\s\S]*?)\n```\n/.exec(section);
  if (m === null) throw new Error('no code block under "## Command line" in README.md');
  return m[1]!;
}

describe('the command table', () => {
  it("README.md's Command line block is exactly the synopsis generated from the table", () => {
    expect(readmeCommandBlock()).toBe(synopsisLines().join('\n'));
  });

  it('every command and every flag of the table is in the README block, and no other', () => {
    const block = readmeCommandBlock();
    const commands = [...block.matchAll(/^facemetric (\S+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(COMMANDS.map((c) => c.name));
    const flags = new Set([...block.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
    expect(flags).toEqual(new Set(COMMANDS.flatMap((c) => c.options.map((o) => `--${o.name}`))));
  });

  it('names, aliases and options are unique; option values have a name, flags do not take one', () => {
    const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) {
      expect(new Set(c.options.map((o) => o.name)).size, c.name).toBe(c.options.length);
      for (const o of c.options) if (o.parse !== undefined) expect(o.value, `${c.name} --${o.name}`).toBeDefined();
    }
  });

  it('the help text lists every synopsis line; each help page every option with its default', () => {
    const help = helpText();
    for (const line of synopsisLines()) expect(help).toContain(`  ${line}\n`);
    for (const c of COMMANDS) {
      const page = commandHelp(c);
      for (const line of synopsis(c)) expect(page).toContain(line);
      for (const o of c.options) {
        expect(page, `${c.name} --${o.name}`).toMatch(new RegExp(`\\n  --${o.name}\\b`));
        if (o.default !== undefined) expect(page.replace(/\s+/g, ' ')).toContain(`(default: ${o.default})`);
      }
    }
  });

  it('synopsis lines stay within 100 columns', () => {
    for (const line of synopsisLines()) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('parses options by their declaration: numbers, choices and flags; bad values are usage errors', () => {
    const detect = findCommand('detect');
    expect(parseCommandArgs(detect, ['a.jpg', '--upsample', '2', '--threshold=-0.5', '--json'])).toEqual({
      options: { upsample: 2, threshold: -0.5, json: true }, positionals: ['a.jpg'],
    });
    expect(() => parseCommandArgs(detect, ['a.jpg', '--upsample', '9'])).toThrow("detect: --upsample must be an integer from 0 to 8, got '9'");
    expect(() => parseCommandArgs(findCommand('describe'), ['--backend', 'gpu'])).toThrow("describe: --backend must be 'reference', 'wasm' or 'cuda', got 'gpu'");
    expect(() => parseCommandArgs(detect, ['--frobnicate'])).toThrow(UsageError);
    expect(findCommand('--help').name).toBe('help');
    expect(() => findCommand('frobnicate')).toThrow("unknown command 'frobnicate' (try: facemetric help)");
  });
});
