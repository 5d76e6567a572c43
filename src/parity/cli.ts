/**
 * `node dist/src/parity/cli.js build`: builds the dlib parity harness (npm run build:harness).
 * `node dist/src/parity/cli.js run ARGS...`: runs it (same as test/parity/bin/harness ARGS...).
 */
import { FacemetricError } from '../errors.js';
import { ensureHarness, runHarness } from './harness.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'build') {
    const bin = await ensureHarness();
    process.stderr.write(`facemetric: parity harness ready: ${bin}\n`);
    return 0;
  }
  if (cmd === 'run') {
    await ensureHarness();
    process.stdout.write(runHarness(rest));
    return 0;
  }
  process.stderr.write('usage: parity/cli.js build | run HARNESS-ARGS...\n');
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof FacemetricError) {
    process.stderr.write(`facemetric harness: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    throw e;
  }
}
