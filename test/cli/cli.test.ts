import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFrontalFaceDetector } from '../../src/hog/detector.js';
import { readImageSync } from '../../src/image/index.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { loadShapePredictor } from '../../src/landmarks/index.js';
import { describeFaces } from '../../src/pipeline/index.js';
import { runHarness, runHarnessJson, type HarnessImage } from '../../src/parity/harness.js';
import { harnessReady, parityRequired, scratchDir } from '../parity/helpers.js';
import { TOLERANCES } from '../parity/tolerances.js';

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

  it.each(['detect', 'landmarks', 'chips', 'describe', 'cluster'])('%s without inputs is a usage error', (cmd) => {
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
});

describe('facemetric detect', () => {
  const faces = exampleImages('faces');
  const twoFaces = faces.find((f) => f.endsWith('2008_001009.jpg'))!;
  const john = exampleImages('johns')[0];

  it('--json: one object per image per line, in the contract shape, as the library detects', () => {
    const r = facemetric('detect', twoFaces, john, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const det = loadFrontalFaceDetector();
    objs.forEach((o, i) => {
      const path = [twoFaces, john][i];
      expect(Object.keys(o)).toEqual(['image', 'width', 'height', 'timings', 'faces']);
      expect(o.image).toBe(path);
      const img = readImageSync(path);
      expect([o.width, o.height]).toEqual([img.width, img.height]);
      const t = o.timings as Record<string, number>;
      expect(Object.keys(t)).toEqual(['decode', 'detect']);
      expect(t.decode).toBeGreaterThanOrEqual(0);
      expect(t.detect).toBeGreaterThanOrEqual(0);
      expect(o.faces).toEqual(det.detect(img));
    });
    const first = objs[0].faces as { rect: number[]; score: number; filter: number }[];
    expect(first).toHaveLength(2);
    for (const f of first) {
      expect(Object.keys(f)).toEqual(['rect', 'score', 'filter']);
      expect(f.rect.every(Number.isInteger)).toBe(true);
      expect(f.score).toBeGreaterThan(0);
    }
  });

  it('--upsample and --threshold reach the detector', () => {
    const path = faces.find((f) => f.endsWith('2009_004587.jpg'))!;
    const base = JSON.parse(facemetric('detect', path, '--json').stdout) as { faces: unknown[] };
    const low = JSON.parse(facemetric('detect', path, '--json', '--threshold=-1').stdout) as { faces: unknown[] };
    const up = JSON.parse(facemetric('detect', path, '--json', '--upsample', '1').stdout) as { faces: unknown[] };
    const img = readImageSync(path);
    const det = loadFrontalFaceDetector();
    expect(low.faces).toEqual(det.detect(img, { adjustThreshold: -1 }));
    expect(low.faces.length).toBeGreaterThan(base.faces.length);
    expect(up.faces).toEqual(det.detect(img, { upsample: 1 }));
  });

  it('text output: one line per image, then one per face', () => {
    const r = facemetric('detect', twoFaces);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${twoFaces.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 360x480, 2 faces \\(decode [0-9.]+ ms, detect [0-9.]+ ms\\)$`));
    for (const l of lines.slice(1)) expect(l).toMatch(/^  \[-?\d+, -?\d+, -?\d+, -?\d+\] score \d+\.\d{4} filter [0-4]$/);
  });

  it('a bad file among good ones: one line naming it on stderr, the others still printed, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-cli-'));
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, readFileSync(twoFaces).subarray(0, 300));
    const missing = join(dir, 'missing.jpg');
    const r = facemetric('detect', twoFaces, corrupt, missing, john, '--json');
    expect(r.code).toBe(1);
    const out = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { image: string }).image);
    expect(out).toEqual([twoFaces, john]);
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(new RegExp(`^facemetric: ${corrupt}: `));
    expect(err[1]).toMatch(new RegExp(`^facemetric: ${missing}: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a damaged JPEG libjpeg decodes (a truncated download): one warning line naming it, the faces still found, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-cli-'));
    const cut = join(dir, 'cut.jpg');
    const bytes = readFileSync(twoFaces);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const r = facemetric('detect', cut, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`facemetric: ${cut}: warning: premature end of JPEG file and 1 more warning; decoded as libjpeg does, missing parts grey\n`);
    const o = JSON.parse(r.stdout) as { image: string; width: number; height: number; faces: unknown[] };
    expect([o.image, o.width, o.height, o.faces.length]).toEqual([cut, 360, 480, 2]);
  });

  it('an image smaller than the detection window gives no faces and no error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-cli-'));
    const tiny = join(dir, 'tiny.png');
    // A valid 1x1 grey PNG.
    writeFileSync(tiny, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010800000000' + '3a7e9b55' + '0000000a49444154789c636000000002000148afa4710000000049454e44ae426082', 'hex'));
    const r = facemetric('detect', tiny, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ width: 1, height: 1, faces: [] });
  });
});

describe('facemetric landmarks', () => {
  const twoFaces = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;

  it('--json: the detect contract plus 68 integer landmarks per face and a landmarks timing', () => {
    const r = facemetric('landmarks', twoFaces, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const o = JSON.parse(r.stdout) as { timings: Record<string, number>; faces: { rect: [number, number, number, number]; landmarks: [number, number][] }[] };
    expect(Object.keys(o.timings)).toEqual(['decode', 'detect', 'landmarks']);
    const img = readImageSync(twoFaces);
    const sp = loadShapePredictor();
    expect(o.faces).toHaveLength(2);
    for (const f of o.faces) {
      expect(Object.keys(f)).toEqual(['rect', 'score', 'filter', 'landmarks']);
      expect(f.landmarks).toHaveLength(68);
      expect(f.landmarks.flat().every(Number.isInteger)).toBe(true);
      expect(f.landmarks).toEqual(sp.predict(img, f.rect).points);
    }
  });

  it('text output: each face line is followed by its 68 landmarks', () => {
    const r = facemetric('landmarks', twoFaces);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 2 * 2);
    expect(lines[2]).toMatch(/^ {4}landmarks (-?\d+,-?\d+ ){67}-?\d+,-?\d+$/);
  });

  it.skipIf(!harnessReady() && !parityRequired)('on dlib-decoded pixels, prints exactly what real dlib computes', () => {
    const dir = scratchDir('cli-landmarks');
    const png = join(dir, '2008_001009.png');
    runHarness(['decode', twoFaces, png]);
    const ours = JSON.parse(facemetric('landmarks', png, '--json').stdout) as HarnessImage;
    const [dlib] = runHarnessJson<HarnessImage>(['landmarks', '--predictor', assetPath('shape_predictor_68_face_landmarks'), png]);
    expect(ours.faces.map((f) => [f.rect, f.filter, f.landmarks])).toEqual(dlib.faces.map((f) => [f.rect, f.filter, f.landmarks]));
    ours.faces.forEach((f, i) => expect(Math.abs(f.score - dlib.faces[i].score)).toBeLessThanOrEqual(TOLERANCES.detectorScore.abs));
  });
});


describe('facemetric describe', () => {
  const twoFaces = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
  type Described = { image: string; timings: Record<string, number>; faces: { rect: [number, number, number, number]; score: number; filter: number; landmarks: [number, number][]; descriptor: number[] }[] };

  it('--json: the landmarks contract plus a 128-number descriptor per face, timings through describe, as the library computes', () => {
    const r = facemetric('describe', twoFaces, '--json', '--backend', 'reference');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]) as Described;
    expect(Object.keys(o)).toEqual(['image', 'width', 'height', 'timings', 'faces']);
    expect(Object.keys(o.timings)).toEqual(['decode', 'detect', 'landmarks', 'chips', 'describe']);
    const img = readImageSync(twoFaces);
    const lib = describeFaces(img, { backend: 'reference' });
    expect(o.faces).toHaveLength(2);
    o.faces.forEach((f, i) => {
      expect(Object.keys(f)).toEqual(['rect', 'score', 'filter', 'landmarks', 'descriptor']);
      expect(f.descriptor).toHaveLength(128);
      expect(f.descriptor.every(Number.isFinite)).toBe(true);
      const l = lib.faces[i]!;
      expect([f.rect, f.score, f.filter, f.landmarks]).toEqual([l.rect, l.score, l.filter, l.landmarks]);
      // JSON numbers print float32 values exactly (shortest round-trip form of the double).
      expect(f.descriptor).toEqual(Array.from(l.descriptor));
    });
  });

  it('text output: one short line per face (first four components and the norm), not 128 numbers', () => {
    const r = facemetric('describe', twoFaces);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/: 360x480, 2 faces \(decode [0-9.]+ ms, detect [0-9.]+ ms, landmarks [0-9.]+ ms, chips [0-9.]+ ms, describe [0-9.]+ ms\)$/);
    for (const l of lines.slice(1)) {
      expect(l).toMatch(/^  \[-?\d+, -?\d+, -?\d+, -?\d+\] score \d+\.\d{4} filter [0-4] descriptor \[(-?\d+\.\d{4}, ){4}\.\.\.\] \(128-D, norm \d+\.\d{4}\)$/);
    }
  });

  it.skipIf(!harnessReady() && !parityRequired)('--jitter 3: each face the mean over 3 jittered chips, as dlib\'s Python API computes it (live dlib, dlib-decoded pixels)', () => {
    const dir = scratchDir('cli-jitter');
    const png = join(dir, 'two.png');
    runHarness(['decode', twoFaces, png]);
    const chipDir = join(dir, 'chips');
    mkdirSync(chipDir);
    runHarness(['describe', '--predictor', assetPath('shape_predictor_68_face_landmarks'), '--net', assetPath('dlib_face_recognition_resnet_model_v1'), '--chips', chipDir, png]);
    const chips = [0, 1].map((k) => join(chipDir, `two.png.${k}.png`));
    const want = runHarnessJson<{ descriptor: number[] }>(['jitter-describe', '--net', assetPath('dlib_face_recognition_resnet_model_v1'), '--jitters', '3', ...chips]);
    const r = facemetric('describe', png, '--jitter', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = (JSON.parse(r.stdout) as Described).faces.map((f) => f.descriptor!);
    expect(got).toHaveLength(2);
    const plain = (JSON.parse(facemetric('describe', png, '--json').stdout) as Described).faces.map((f) => f.descriptor!);
    for (const k of [0, 1]) {
      let max = 0;
      let moved = 0;
      for (let i = 0; i < 128; i++) {
        max = Math.max(max, Math.abs(got[k]![i]! - Math.fround(want[k]!.descriptor[i]!)));
        moved = Math.max(moved, Math.abs(got[k]![i]! - plain[k]![i]!));
      }
      expect(max).toBeLessThanOrEqual(TOLERANCES.descriptorWasm.abs);
      expect(moved).toBeGreaterThan(1e-3); // jittering really changed the descriptor
    }
  });

  it('--jitter 0 and 1 mean no jitter: the same descriptors as without', () => {
    const john = exampleImages('johns')[0]!;
    const base = JSON.parse(facemetric('describe', john, '--json').stdout) as Described;
    for (const j of ['0', '1']) {
      const r = facemetric('describe', john, '--json', '--jitter', j);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as Described).faces).toEqual(base.faces);
    }
  });

  it('an unknown --backend is a usage error naming the choices', () => {
    const r = facemetric('describe', twoFaces, '--backend', 'gpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'reference', 'wasm' or 'cuda'");
    expectOneLineError(r.stderr);
  });

  it('a bad image among good ones: one line naming it, the others described, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-describe-'));
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, readFileSync(twoFaces).subarray(0, 300));
    const r = facemetric('describe', corrupt, twoFaces, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as Described).image)).toEqual([twoFaces]);
    expect(r.stderr).toMatch(new RegExp(`^facemetric: ${corrupt}: `));
    expectOneLineError(r.stderr);
  });

  it.skipIf(!harnessReady() && !parityRequired)('on dlib-decoded pixels, both backends print what real dlib computes (descriptors within TOLERANCES.descriptorReference / descriptorWasm)', () => {
    const dir = scratchDir('cli-describe');
    const png = join(dir, '2008_001009.png');
    runHarness(['decode', twoFaces, png]);
    const [dlib] = runHarnessJson<HarnessImage>(['describe', '--predictor', assetPath('shape_predictor_68_face_landmarks'),
      '--net', assetPath('dlib_face_recognition_resnet_model_v1'), png]);
    for (const backend of ['reference', 'wasm']) {
      const ours = JSON.parse(facemetric('describe', png, '--json', '--backend', backend).stdout) as Described;
      expect(ours.faces.map((f) => [f.rect, f.filter, f.landmarks])).toEqual(dlib.faces.map((f) => [f.rect, f.filter, f.landmarks]));
      ours.faces.forEach((f, i) => {
        const want = dlib.faces[i]!.descriptor!;
        expect(want).toHaveLength(128);
        const d = Math.max(...f.descriptor.map((v, j) => Math.abs(v - Math.fround(want[j]!)))); // the harness prints floats with 9 digits
        expect(d, `${backend} face ${i}`).toBeLessThanOrEqual(backend === 'reference' ? TOLERANCES.descriptorReference.abs : TOLERANCES.descriptorWasm.abs);
      });
    }
  });
});

describe('facemetric chips', () => {
  const twoFaces = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
  const john = exampleImages('johns').find((f) => f.endsWith('.jpg'))!;
  const bytesOf = (files: string[]): Buffer[] => files.map((f) => readFileSync(f));

  it('without --out is a usage error (exit 2, one line)', () => {
    const r = facemetric('chips', twoFaces);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out DIR');
    expectOneLineError(r.stderr);
  });

  it.each([['--size', '0'], ['--size', '1.5'], ['--padding', '=-1']])('chips %s %s: a bad number is a usage error', (opt, value) => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-chips-'));
    const r = value.startsWith('=') ? facemetric('chips', twoFaces, '--out', dir, opt + value) : facemetric('chips', twoFaces, '--out', dir, opt, value);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr);
  });

  it('writes one 150x150 PNG per face, named after the image, and never overwrites without --force', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'facemetric-chips-')), 'new', 'folder');
    const r = facemetric('chips', twoFaces, john, '--out', dir, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { image: string; timings: Record<string, number>; faces: { chip: string; landmarks: number[][] }[] });
    expect(results.map((o) => o.image)).toEqual([twoFaces, john]);
    expect(Object.keys(results[0].timings)).toEqual(['decode', 'detect', 'landmarks', 'chips']);
    const stem = (f: string) => f.split('/').pop()!.replace(/\.jpg$/, '');
    const chips = results.flatMap((o) => o.faces.map((f, k) => {
      expect(f.chip).toBe(join(dir, `${stem(o.image)}_face${k}.png`));
      expect(f.landmarks).toHaveLength(68);
      return f.chip;
    }));
    expect(chips).toHaveLength(3);
    for (const c of chips) expect(readImageSync(c)).toMatchObject({ width: 150, height: 150 });
    const before = bytesOf(chips);

    // Again, without --force: every output exists, so each image is refused and nothing changes.
    const again = facemetric('chips', twoFaces, john, '--out', dir, '--size', '40');
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    const err = again.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toContain(`${join(dir, `${stem(twoFaces)}_face0.png`)}: already exists`);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(bytesOf(chips)).toEqual(before);

    // With --force they are replaced (here by 40x40 chips).
    const forced = facemetric('chips', twoFaces, john, '--out', dir, '--size', '40', '--force');
    expect(forced.code).toBe(0);
    for (const c of chips) expect(readImageSync(c)).toMatchObject({ width: 40, height: 40 });
  });

  it('two inputs with the same file name get distinct chip names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-chips-'));
    const copy = join(mkdtempSync(join(tmpdir(), 'facemetric-chips-src-')), '2008_001009.jpg');
    writeFileSync(copy, readFileSync(twoFaces));
    const r = facemetric('chips', twoFaces, copy, '--out', dir, '--json');
    expect(r.code).toBe(0);
    const [a, b] = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { faces: { chip: string }[] });
    expect(a.faces[0].chip).toBe(join(dir, '2008_001009_face0.png'));
    expect(b.faces[0].chip).toBe(join(dir, '2008_001009-2_face0.png'));
  });

  it('--out naming an existing file is an error, and the file is left alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-chips-'));
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'keep me');
    const r = facemetric('chips', twoFaces, '--out', file);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr);
    expect(r.stderr).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it.skipIf(!harnessReady() && !parityRequired)('on dlib-decoded pixels, the chips are real dlib\'s (within chipPixelsEndToEnd)', () => {
    const dir = scratchDir('cli-chips');
    const png = join(dir, 'two.png');
    runHarness(['decode', twoFaces, png]);
    const ours = join(dir, 'ours');
    const theirs = join(dir, 'dlib');
    mkdirSync(theirs, { recursive: true });
    const r = facemetric('chips', png, '--out', ours, '--json', '--force');
    expect(r.code).toBe(0);
    const faces = (JSON.parse(r.stdout) as { faces: { chip: string }[] }).faces;
    const dlib = runHarnessJson<{ chip: string }>(['chips', png, '--out', theirs, '--predictor', assetPath('shape_predictor_68_face_landmarks')]);
    expect(faces).toHaveLength(dlib.length);
    faces.forEach((f, k) => {
      const a = readImageSync(f.chip).data;
      const b = readImageSync(dlib[k].chip).data;
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      expect(max).toBeLessThanOrEqual(TOLERANCES.chipPixelsEndToEnd.abs);
    });
  });
});

describe('--annotate', () => {
  const twoFaces = exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!;
  const john = exampleImages('johns').find((f) => f.endsWith('.jpg'))!;

  it('landmarks --annotate OUT.png: the image with each box drawn in green, nothing else resized', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'facemetric-ann-')), 'out.png');
    const r = facemetric('landmarks', twoFaces, '--annotate', out, '--json');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout) as { annotated: string; faces: { rect: number[] }[] };
    expect(o.annotated).toBe(out);
    const src = readImageSync(twoFaces);
    const ann = readImageSync(out);
    expect([ann.width, ann.height]).toEqual([src.width, src.height]);
    for (const { rect: [l, t] } of o.faces) {
      const i = (t * ann.width + l) * 3;
      expect([...ann.data.subarray(i, i + 3)]).toEqual([0, 255, 0]);
    }
    let changed = 0;
    for (let i = 0; i < src.data.length; i++) if (src.data[i] !== ann.data[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(src.data.length / 4);
    // The same path again is refused; the first drawing stays.
    const before = readFileSync(out);
    const again = facemetric('detect', twoFaces, '--annotate', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(out)).toEqual(before);
  });

  it('several images and a .png path is a usage error; a folder gets one drawing per image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-ann-'));
    const bad = facemetric('detect', twoFaces, john, '--annotate', join(dir, 'x.png'));
    expect(bad.code).toBe(2);
    expectOneLineError(bad.stderr);
    const r = facemetric('detect', twoFaces, john, '--annotate', join(dir, 'drawn'));
    expect(r.code).toBe(0);
    expect(readImageSync(join(dir, 'drawn', '2008_001009.png')).width).toBe(360);
    expect(readImageSync(join(dir, 'drawn', john.split('/').pop()!.replace(/\.jpg$/, '.png'))).width).toBeGreaterThan(0);
  });
});
