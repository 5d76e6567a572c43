/**
 * The shipped manifest and the real assets on this machine: the committed detector, Debian's
 * shape predictor and example images, the face-api conversion. The committed detector and the
 * converter are always there (a test fails if not); Debian's shape predictor and example images
 * (libdlib-data, libdlib19.1) come with dlib, so their part skips without them, as the parity
 * suites do, except in CI.
 * The 100 MB shape predictor is copied once, into one temp models folder shared by this file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelAssetError } from '../../src/errors.js';
import {
  assetPath, ensureAssets, exampleImages, exampleImagesDir, findAsset, loadManifest, modelsDir, packageModelsDir,
  packageRoot, verifyAssets, type FileAsset,
} from '../../src/models/index.js';
import { parityRequired } from '../parity/helpers.js';
import { sha } from './helpers.js';

const manifest = loadManifest();
const detector = findAsset(manifest, 'frontal_face_detector') as FileAsset;
const predictor = findAsset(manifest, 'shape_predictor_68_face_landmarks') as FileAsset;
const resnet = findAsset(manifest, 'dlib_face_recognition_resnet_model_v1') as FileAsset;
const examples = findAsset(manifest, 'examples');

const committedDetector = path.join(packageModelsDir(), detector.file);
const havePredictor = predictor.source.type === 'copy' && existsSync(predictor.source.path);
const haveExamples = examples.source.type === 'copy-dir' && existsSync(examples.source.path);

describe('the shipped manifest', () => {
  it('lists the four assets, with origin, licence and whether committed', () => {
    expect(manifest.assets.map((a) => a.name)).toEqual([
      'frontal_face_detector', 'shape_predictor_68_face_landmarks', 'dlib_face_recognition_resnet_model_v1', 'examples',
    ]);
    expect(manifest.assets.map((a) => a.committed)).toEqual([true, false, false, false]);
    for (const a of manifest.assets) {
      expect(a.origin.length).toBeGreaterThan(10);
      expect(a.licence.length).toBeGreaterThan(5);
    }
    expect(predictor.licence).toMatch(/NON-COMMERCIAL.*iBUG 300-W/);
    expect(predictor.bytes).toBe(99_693_937);
    expect(resnet.source.type).toBe('faceapi-convert');
    expect(examples.kind === 'directory' && examples.files.length).toBe(224);
    const subs = examples.kind === 'directory' ? new Set(examples.files.map((f) => f.path.split('/').slice(0, f.path.startsWith('johns/') ? 2 : 1).join('/'))) : new Set();
    expect([...subs].filter((s) => String(s).startsWith('johns/'))).toHaveLength(5);
  });

  it('the default models folder is the package\'s models/, found from the module URL', () => {
    const old = process.env.FACEMETRIC_MODELS;
    delete process.env.FACEMETRIC_MODELS;
    try {
      expect(modelsDir()).toBe(path.join(packageRoot(), 'models'));
      expect(existsSync(path.join(packageRoot(), 'package.json'))).toBe(true);
    } finally {
      if (old !== undefined) process.env.FACEMETRIC_MODELS = old;
    }
  });

  it('the committed detector matches the manifest', () => {
    expect(existsSync(committedDetector), `${committedDetector} is committed: restore it (git checkout -- models/)`).toBe(true);
    const b = readFileSync(committedDetector);
    expect(b.length).toBe(detector.bytes);
    expect(sha(b)).toBe(detector.sha256);
  });

  it('assetPath names the file, the problem and the fix', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'facemetric-models-empty-'));
    try {
      expect(() => assetPath('shape_predictor_68_face_landmarks', { modelsDir: empty }))
        .toThrow(/shape_predictor_68_face_landmarks\.dat: missing \(the shape_predictor_68_face_landmarks model\); fix: .*npm run models -- --models-dir /);
      expect(() => exampleImagesDir({ modelsDir: empty })).toThrow(ModelAssetError);
      expect(() => assetPath('nope')).toThrow(/no model asset called "nope"/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe.skipIf((!havePredictor || !haveExamples) && !parityRequired)(
  'prepare with the real manifest into a temp folder (skipped without libdlib-data and libdlib19.1, except in CI)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'facemetric-models-real-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const only = manifest.assets.map((a) => a.name);

    it('cold: makes every asset; warm: verifies them without remaking any', async () => {
      const cold = await ensureAssets({ modelsDir: dir, only });
      expect(cold.every((r) => r.status === 'made')).toBe(true);
      expect(statSync(path.join(dir, predictor.file)).size).toBe(predictor.bytes);
      const warm = await ensureAssets({ modelsDir: dir, only });
      expect(warm.every((r) => r.status === 'ok')).toBe(true);
      const check = await verifyAssets({ modelsDir: dir, only });
      expect(check.filter((r) => r.problem !== undefined)).toEqual([]);
    });

    it('assetPath and exampleImages find them', () => {
      expect(assetPath('shape_predictor_68_face_landmarks', { modelsDir: dir })).toBe(path.join(dir, predictor.file));
      expect(assetPath('frontal_face_detector', { modelsDir: dir })).toBe(path.join(dir, detector.file));
      expect(exampleImagesDir({ modelsDir: dir })).toBe(path.join(dir, 'examples'));
      expect(exampleImages('johns', { modelsDir: dir }).length).toBeGreaterThan(50);
      expect(exampleImages('faces', { modelsDir: dir }).map((p) => path.basename(p))).toContain('2008_001009.jpg');
    });

    it('the converted ResNet model matches the manifest', () => {
      const p = assetPath('dlib_face_recognition_resnet_model_v1', { modelsDir: dir });
      expect(sha(readFileSync(p))).toBe(resnet.sha256);
    });
  });
