import { readFileSync } from 'node:fs';
import { test } from 'vitest';
import { runHarnessJson } from '../../src/parity/harness.js';
import { compareWithDlib, dlibOutcome } from './damaged-jpegs.js';
test('one', () => {
  const files = (process.env.FILES ?? '').split(',');
  const set = files.map((f) => ({ name: f.split('/').pop()!, bytes: new Uint8Array(readFileSync(f)) }));
  const dl = runHarnessJson<Parameters<typeof dlibOutcome>[0]>(['load-report', ...files]).map(dlibOutcome);
  const r = compareWithDlib(set, dl);
  console.log('ONE', JSON.stringify(r));
});
