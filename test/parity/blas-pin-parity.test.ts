/**
 * The parity harness runs dlib on Debian's reference BLAS and LAPACK, whatever the system's
 * alternatives point libblas.so.3 / liblapack.so.3 to (src/parity/harness.ts REFERENCE_BLAS):
 * every parity claim in this repository is against dlib 19.24 on those libraries. On a machine
 * where OpenBLAS is the system BLAS/LAPACK (apt-get install libopenblas0-pthread) dlib's 2x2 SVD
 * and conv layers differ in the last bits, and the exact parity suites would fail without the pin.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { harnessBinary, REFERENCE_BLAS, REFERENCE_LAPACK } from '../../src/parity/harness.js';
import { describeParity, harnessBlas, scratchDir } from './helpers.js';

describeParity('the harness is pinned to the reference BLAS and LAPACK', () => {
  it('loads Debian\'s reference libblas.so.3 and liblapack.so.3, not OpenBLAS', () => {
    const got = harnessBlas();
    expect(got.blas).toBe(realpathSync(REFERENCE_BLAS));
    expect(got.lapack).toBe(realpathSync(REFERENCE_LAPACK));
    expect(got.openblas).toBe(false);
  });

  it('keeps the pin when the caller\'s LD_LIBRARY_PATH offers another libblas.so.3 (runHarness drops it)', () => {
    // A copy of the reference BLAS under the soname: were LD_LIBRARY_PATH honoured, the loader
    // would take this file (another path) before the harness's run path.
    const dir = scratchDir('blas-pin');
    copyFileSync(realpathSync(REFERENCE_BLAS), join(dir, 'libblas.so.3'));
    const saved = process.env.LD_LIBRARY_PATH;
    process.env.LD_LIBRARY_PATH = dir;
    try {
      expect(harnessBlas().blas).toBe(realpathSync(REFERENCE_BLAS));
    } finally {
      if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
      else process.env.LD_LIBRARY_PATH = saved;
    }
    // ...and the loader would have honoured it (the bench's OpenBLAS runs rely on that).
    const r = spawnSync(harnessBinary(), ['blas'], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: dir } });
    expect((JSON.parse(r.stdout) as { blas: string }).blas).toBe(join(realpathSync(dir), 'libblas.so.3'));
  });
});
