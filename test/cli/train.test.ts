/**
 * `facemetric train` as a user runs it (the compiled bin): a short run from a data folder and from
 * a --batches list (outputs, JSON lines, the written network loads and is the face ResNet), and
 * every bad input of the issue: one line naming the file and the problem, a non-zero exit code,
 * nothing overwritten.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDnnNet } from '../../src/dlib/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { hasAnetStructure, hasFaceNetStructure } from '../../src/dnn/net.js';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';

const BIN = 'dist/src/cli/main.js';

function facemetric(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, starting with 'facemetric', and no stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^facemetric/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** A data folder with `counts[i]` chips of the i-th johns person. */
function dataFolder(counts: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fm-train-data-'));
  const johns = join(exampleImagesDir(), 'johns');
  const people = readdirSync(johns).sort();
  counts.forEach((n, i) => {
    const p = people[i]!;
    mkdirSync(join(dir, p));
    readdirSync(join(johns, p)).sort().slice(0, n).forEach((f) => copyFileSync(join(johns, p, f), join(dir, p, f)));
  });
  return dir;
}

describe('facemetric train', () => {
  it('trains from a data folder: progress on stderr, the inference and training networks, the report; a person with one image is a warning, an unreadable file is named and skipped', () => {
    const data = dataFolder([3, 3, 1]);
    writeFileSync(join(data, readdirSync(data).sort()[0]!, 'broken.jpg'), 'not a jpeg');
    const out = join(mkdtempSync(join(tmpdir(), 'fm-train-out-')), 'net.dat');
    const r = facemetric('train', data, '--out', out, '--people', '2', '--per-person', '2', '--steps', '2', '--learning-rate', '0.01');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/broken\.jpg: .*\(skipped\)/);
    expect(r.stderr).toMatch(/warning: .*has only one usable image/);
    expect(r.stderr).toMatch(/^step 2: loss [\d.]+, learning rate 0\.0100, \d+ steps without progress, [\d.]+ images\/s, 0s left$/m);
    expect(r.stdout).toMatch(/^trained 2 steps \(steps\)/);
    const model = readDnnNet(readFileSync(out));
    expect(hasAnetStructure(model)).toBe(true);
    const training = readDnnNet(readFileSync(out.replace(/\.dat$/, '.training.dat')));
    expect(hasFaceNetStructure(training) && !hasAnetStructure(training)).toBe(true);
    const report = JSON.parse(readFileSync(out.replace(/\.dat$/, '.report.json'), 'utf8')) as { steps: number; people: number; skipped: number };
    expect(report).toMatchObject({ steps: 2, people: 3, skipped: 1 });
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
  }, 120_000);

  it('replays --batches with --json: one object per step, then the summary; the same list gives the same network, on 1 or 2 threads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-train-list-'));
    const johns = join(exampleImagesDir(), 'johns');
    const people = readdirSync(johns).sort();
    const line = (p: string, i: number): string => `${join(johns, p, readdirSync(join(johns, p)).sort()[i]!)} ${p}`;
    writeFileSync(join(dir, 'list.txt'), [line(people[0]!, 0), line(people[0]!, 1), line(people[1]!, 0), line(people[1]!, 1), '',
      line(people[2]!, 0), line(people[2]!, 1), line(people[0]!, 2), line(people[0]!, 3), ''].join('\n'));
    const run = (name: string, threads: string): { r: ReturnType<typeof facemetric>; out: string } => {
      const out = join(dir, name);
      return { r: facemetric('train', '--batches', join(dir, 'list.txt'), '--out', out, '--init', 'default', '--learning-rate', '0.001', '--json', '--quiet', '--threads', threads), out };
    };
    const a = run('a.dat', '1');
    expect(a.r.code, a.r.stderr).toBe(0);
    const lines = a.r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ step: 1, learningRate: 0.001, images: 4 });
    expect(typeof lines[1]!.loss).toBe('number');
    expect(lines[2]!.summary).toMatchObject({ steps: 2, stoppedBy: 'batches', miniBatches: 2, threads: 1 });
    const b = run('b.dat', '2');
    expect(b.r.code).toBe(0);
    expect(Buffer.compare(readFileSync(a.out), readFileSync(b.out))).toBe(0);
  }, 120_000);

  it('killed (SIGKILL) at any moment with a checkpoint after every step: the checkpoint is whole, --resume ends with an uninterrupted run\'s network', async () => {
    const data = dataFolder([3, 3, 3]);
    const args = (out: string): string[] => ['train', data, '--out', out, '--people', '2', '--per-person', '2', '--steps', '8', '--learning-rate', '0.01', '--force', '--checkpoint-every', '0'];
    const out = join(data, 'k.dat');
    for (const steps of [1, 3]) {
      const child = spawn(process.execPath, [BIN, ...args(out), ...(existsSync(`${out}.checkpoint`) ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          // Killed as soon as the step-th progress line is out: the next checkpoint is being written.
          if ((stderr.match(/^step \d+:/gm) ?? []).length >= steps && !child.killed) child.kill('SIGKILL');
        });
        child.on('close', () => resolve());
      });
      expect(existsSync(out), stderr).toBe(false);
      // The checkpoint is a whole one (or none yet, then the first run starts again).
      if (existsSync(`${out}.checkpoint`)) expect(readCheckpoint(`${out}.checkpoint`).step).toBeGreaterThan(0);
    }
    expect(existsSync(`${out}.checkpoint`)).toBe(true);
    const resumed = facemetric(...args(out), '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readdirSync(data).filter((f) => f.startsWith('.'))).toEqual([]);
    const straight = facemetric(...args(join(data, 'z.dat')));
    expect(straight.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(join(data, 'z.dat')))).toBe(0);
  }, 180_000);

  it('Ctrl-C writes a checkpoint; --resume continues it and ends with the network an uninterrupted run makes', async () => {
    const data = dataFolder([3, 3, 3]);
    const args = (out: string): string[] => ['train', data, '--out', out, '--people', '2', '--per-person', '2', '--steps', '8', '--learning-rate', '0.01', '--force'];
    const out = join(data, 'x.dat');
    const child = spawn(process.execPath, [BIN, ...args(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/^step \d+:/m.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', (c) => resolve(c));
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted at step \d+; the checkpoint is .*x\.dat\.checkpoint: run the same command with --resume to continue/);
    expect(existsSync(`${out}.checkpoint`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    const resumed = facemetric(...args(out), '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^resuming at step \d+ from /m);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
    const straight = facemetric(...args(join(data, 'y.dat')));
    expect(straight.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(join(data, 'y.dat')))).toBe(0);
  }, 120_000);

  describe('bad input: one line naming the file and the problem', () => {
    it('an empty data folder', () => {
      const empty = mkdtempSync(join(tmpdir(), 'fm-train-empty-'));
      const r = facemetric('train', empty, '--out', join(empty, 'x.dat'));
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(empty);
    });

    it('fewer people than --people', () => {
      const data = dataFolder([2, 2]);
      const r = facemetric('train', data, '--out', join(data, 'x.dat'));
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(`${data}: --people 5 asks for more people than the data folder has for training (2)`);
    });

    it('an existing --out is not replaced without --force', () => {
      const data = dataFolder([2, 2]);
      const out = join(data, 'x.dat');
      writeFileSync(out, 'mine');
      const r = facemetric('train', data, '--out', out, '--people', '2');
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(`${out}: exists; use --force to replace it`);
      expect(readFileSync(out, 'utf8')).toBe('mine');
    });

    it('an --init file that is not a face network', () => {
      const data = dataFolder([2, 2]);
      for (const f of [assetPath('shape_predictor_68_face_landmarks'), join(data, 'garbage.dat')]) {
        if (f.endsWith('garbage.dat')) writeFileSync(f, 'garbage');
        const r = facemetric('train', data, '--out', join(data, 'x.dat'), '--people', '2', '--init', f);
        expect(r.code).toBe(1);
        expectOneLineError(r.stderr);
        expect(r.stderr).toContain(f);
      }
    });

    it('a checkpoint that is not one, and --resume without a checkpoint', () => {
      const data = dataFolder([2, 2]);
      const out = join(data, 'x.dat');
      let r = facemetric('train', data, '--out', out, '--people', '2', '--resume');
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(`${out}.checkpoint: no checkpoint to resume from`);
      writeFileSync(`${out}.checkpoint`, 'FMCKPT01garbage');
      r = facemetric('train', data, '--out', out, '--people', '2', '--resume');
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(`${out}.checkpoint: not a facemetric training checkpoint`);
    });

    it('a diverging run (the loss is not finite) stops with one line and keeps the checkpoint of the last good state', () => {
      const data = dataFolder([2, 2]);
      const out = join(data, 'x.dat');
      const r = facemetric('train', data, '--out', out, '--people', '2', '--per-person', '2', '--learning-rate', '1e30', '--steps', '20', '--quiet');
      expect(r.code).toBe(1);
      expectOneLineError(r.stderr);
      expect(r.stderr).toMatch(/the loss is (NaN|Infinity) at step \d+ .*the last good state \(step 0\) is kept in the checkpoint/);
      expect(existsSync(`${out}.checkpoint`)).toBe(true);
      expect(existsSync(out)).toBe(false);
    }, 60_000);

    it('--threads above 1 with the reference backend', () => {
      const r = facemetric('train', '/tmp', '--out', '/tmp/x.dat', '--backend', 'reference', '--threads', '2');
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr);
      expect(r.stderr).toMatch(/--threads 2 needs --backend wasm/);
    });

    it('a data folder and --batches together, or neither', () => {
      const r = facemetric('train', '--out', '/tmp/x.dat');
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr);
    });
  });
});
