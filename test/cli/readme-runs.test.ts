/**
 * The README's example runs of `detect`, `chips`, `describe` and `compare` on dlib's examples, run
 * again: the lines it shows are what the command prints today (timings, in parentheses after
 * "decode", masked). Our detector, landmarks, chips and descriptors are dlib's (test/parity), so
 * these are dlib's answers; the test keeps the README from going stale when they change.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelsDir } from '../../src/models/index.js';
import { readmeRun } from '../helpers/readme.js';

const BIN = resolve('dist/src/cli/main.js');
/** A folder where `models/` is this checkout's models folder, as the README's paths assume. */
const cwd = mkdtempSync(join(tmpdir(), 'facemetric-readme-'));
symlinkSync(modelsDir(), join(cwd, 'models'));
const masked = (line: string): string => line.replace(/ \(decode [^)]*\)/, ' (...)');

function expectRun(command: string, end: string, dir = cwd): void {
  const { args, lines } = readmeRun(command, end);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout.trimEnd().split('\n').map(masked)).toEqual(lines.map(masked));
}

describe("the README's example runs print what it shows", () => {
  it('detect', () => expectRun('detect', '2008_001009.jpg'));
  it('chips', () => expectRun('chips', 'drawn.png'));
  it('describe', () => expectRun('describe', '2008_001009.jpg'));
  it('compare', () => {
    expectRun('compare', 'John_Savage/000274_01099061.jpg', join(cwd, 'models', 'examples', 'johns'));
    expectRun('compare', 'John_Simm/000288_00470387.jpg', join(cwd, 'models', 'examples', 'johns'));
  });
});
