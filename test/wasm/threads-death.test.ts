/**
 * KernelThreads (src/wasm/threads.ts) when a worker thread dies outright instead of trapping in
 * a part: one that calls process.exit, one that throws outside a part (both during a call), and
 * one stopped from outside between calls. `run` must throw a one-line error naming the worker
 * and its exit code — never wait forever — and so must every later call. Each case runs in a
 * child process (compiled dist/, as the CLI tests use it) with a time limit, so that a `run` that
 * does wait forever fails the test instead of hanging the suite; the child makes the first worker
 * die by editing the worker's source as node:worker_threads' Worker receives it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const THREADS = pathToFileURL(resolve('dist/src/wasm/threads.js')).href;
/** The worker source's line after it has read a call's export (the STOP check). */
const MARK = 'if (fn === -1) break;';

interface Outcome { calls: string[]; closed: boolean }

/**
 * Starts 3 threads whose first worker runs `die` when a call comes (or, for 'terminate', is
 * stopped between calls), makes two calls of ten parts, closes; what each call did.
 */
function scenario(die: string | 'terminate'): Outcome {
  const script = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
const wt = createRequire(import.meta.url)('node:worker_threads');
const Original = wt.Worker;
let made = 0;
wt.Worker = class extends Original {
  constructor(src, opts) {
    if (made++ === 0 && ${JSON.stringify(die)} !== 'terminate') {
      const edited = src.replace(${JSON.stringify(MARK)}, ${JSON.stringify(MARK)} + ${JSON.stringify(die)});
      if (edited === src) throw new Error('the worker source has no ' + ${JSON.stringify(MARK)});
      src = edited;
    }
    super(src, opts);
  }
};
syncBuiltinESMExports();
const { KernelThreads } = await import(${JSON.stringify(THREADS)});
const threads = await KernelThreads.start(3, ['axpy_f32'], 'simd');
if (${JSON.stringify(die)} === 'terminate') await threads.slots[0].worker.terminate();
const k = threads.kernels;
const y = k.alloc(4000), x = k.alloc(4000);
const calls = [];
for (let c = 0; c < 2; c++) {
  try {
    threads.run('axpy_f32', Array.from({ length: 10 }, (_, p) => [y + p * 400, x + p * 400, 1, 100]));
    calls.push('ok');
  } catch (e) {
    calls.push(e.constructor.name + ': ' + e.message);
  }
}
await threads.close();
process.stdout.write(JSON.stringify({ calls, closed: true }));
`;
  // A file, not `node --input-type=module -e`: the workers' eval'd source would inherit that flag.
  const file = join(mkdtempSync(join(tmpdir(), 'facemetric-threads-')), 'die.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
  expect(r.error, 'the child did not finish in 30 s: run waited for a dead worker').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Outcome;
}

describe('KernelThreads with a worker that dies outright', () => {
  it('process.exit in a worker during a call: run throws, naming the worker and its exit code, and so does the next call', () => {
    const o = scenario('process.exit(7);');
    expect(o.calls[0]).toBe('FacemetricError: kernel threads: worker thread 1 died (exit code 7) during axpy_f32; its parts are not done');
    expect(o.calls[1]).toBe('FacemetricError: kernel threads: worker thread 1 has died (exit code 7); close() them and start new threads');
    expect(o.closed).toBe(true);
  });

  it('an exception outside a part: run throws (exit code 1)', () => {
    const o = scenario("throw new Error('outside a part');");
    expect(o.calls[0]).toBe('FacemetricError: kernel threads: worker thread 1 died (exit code 1) during axpy_f32; its parts are not done');
    expect(o.calls[1]).toMatch(/^FacemetricError: kernel threads: worker thread 1 has died \(exit code 1\)/);
  });

  it('a worker stopped from outside between calls: the next run throws instead of waiting', () => {
    const o = scenario('terminate');
    expect(o.calls).toEqual([
      'FacemetricError: kernel threads: worker thread 1 has died (exit code 1); close() them and start new threads',
      'FacemetricError: kernel threads: worker thread 1 has died (exit code 1); close() them and start new threads',
    ]);
  });
});
