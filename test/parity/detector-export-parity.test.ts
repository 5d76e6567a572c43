import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHarness } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';

describeParity('frontal_face_detector.svm: the committed file is what dlib exports', () => {
  it('a fresh export from dlib\'s headers is byte-identical to models/frontal_face_detector.svm', () => {
    const out = join(scratchDir('export'), 'frontal_face_detector.svm');
    runHarness(['export-detector', out]);
    const fresh = readFileSync(out);
    const committed = readFileSync('models/frontal_face_detector.svm');
    expect(fresh.length).toBe(committed.length);
    expect(fresh.equals(committed)).toBe(true);
  });
});
