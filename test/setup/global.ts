/**
 * vitest global setup: builds the dlib parity harness when dlib is installed (a no-op when it is
 * already built and current). Without dlib the parity suites skip with a reason, except in CI
 * (CI=true) or with FACEMETRIC_REQUIRE_PARITY=1, where they fail: CI must compare with live dlib.
 */
import { dlibAvailable, ensureHarness } from '../../src/parity/harness.js';

export default async function setup(): Promise<void> {
  const required = process.env.CI === 'true' || process.env.FACEMETRIC_REQUIRE_PARITY === '1';
  if (!dlibAvailable()) {
    if (required) throw new Error('parity tests are required here but dlib is not installed (apt-get install libdlib-dev libdlib-data libblas-dev liblapack-dev libjpeg-dev g++ pkg-config)');
    process.stderr.write('facemetric: dlib is not installed; parity tests will be skipped\n');
    return;
  }
  await ensureHarness();
}
