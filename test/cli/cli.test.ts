import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// The CLI is tested as a user runs it: the compiled bin (npm test builds it first).
const BIN = 'dist/src/cli/main.js';

function facemetric(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, starting with 'facemetric', and no stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^facemetric/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('facemetric CLI contract', () => {
  it('help prints the usage and exits 0', () => {
    const r = facemetric('help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('facemetric detect IMAGE...');
    expect(r.stdout).toContain('facemetric cluster PATH...');
  });

  it('no command prints the usage and exits 2', () => {
    const r = facemetric();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage:');
  });

  it('version prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = facemetric('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`facemetric ${pkg.version}`);
  });

  it('an unknown command is a usage error (exit 2, one line)', () => {
    const r = facemetric('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expectOneLineError(r.stderr);
  });

  it.each(['detect', 'landmarks', 'describe', 'cluster'])('%s without inputs is a usage error', (cmd) => {
    const r = facemetric(cmd, '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give at least one/);
    expectOneLineError(r.stderr);
  });

  it('an unknown option is a usage error naming it', () => {
    const r = facemetric('detect', 'a.jpg', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--frobnicate');
    expectOneLineError(r.stderr);
  });

  it.each([
    ['detect', '--upsample', '=-1'],
    ['detect', '--upsample', '1.5'],
    ['detect', '--threshold', 'abc'],
    ['cluster', '--threshold', '=-0.1'],
    ['describe', '--jitter', 'x'],
  ])('%s %s %s: a bad number is a usage error', (cmd, opt, value) => {
    const r = value.startsWith('=') ? facemetric(cmd, 'a.jpg', opt + value) : facemetric(cmd, 'a.jpg', opt, value);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${opt} must be`);
    expectOneLineError(r.stderr);
  });

  it('a negative number given as a separate argument is refused in one line', () => {
    const r = facemetric('detect', 'a.jpg', '--upsample', '-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--upsample=-XYZ");
    expectOneLineError(r.stderr);
  });

  it.each(['detect', 'landmarks', 'describe', 'cluster'])(
    '%s: a stage that is not built yet says so, exits 2 and prints no output',
    (cmd) => {
      const r = facemetric(cmd, '/usr/share/doc/libdlib19.1/examples/faces/bald_guys.jpg', '--json');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/not built yet/);
      expectOneLineError(r.stderr);
    },
  );
});
