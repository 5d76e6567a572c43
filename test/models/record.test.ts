/** `record`: refreshing the manifest's hashes and sizes from the sources (maintainers). */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, packageModelsDir, validateManifest, type FileAsset, type Manifest } from '../../src/models/index.js';
import { formatManifest, recordManifest } from '../../src/models/record.js';
import { fakeConvert, type FakeSet, type Sandbox, withFakeSandbox } from './helpers.js';

let sb: Sandbox;
let fk: FakeSet;
withFakeSandbox((s, f) => {
  sb = s;
  fk = f;
});

describe('record', () => {
  it('fills in sha256s and sizes from the sources, keeping the descriptive fields', async () => {
    const stale = structuredClone(fk.manifest) as Manifest;
    for (const a of stale.assets) {
      a.sha256 = '0'.repeat(64);
      a.bytes = 0;
    }
    (stale.assets[1] as FileAsset).origin = 'kept as it is';
    const dirAsset = stale.assets[2]!;
    if (dirAsset.kind === 'directory') dirAsset.files = [{ path: 'faces/x', sha256: '', bytes: 0 }, { path: 'johns/x', sha256: '', bytes: 0 }];
    // record takes every file of the listed subfolders
    rmSync(path.join(fk.examplesSource, 'faces', 'unlisted.txt'));
    const file = path.join(sb.root, 'manifest.json');
    writeFileSync(file, JSON.stringify(stale));
    const out = await recordManifest({ file, faceApiDir: sb.faceApi, convert: fakeConvert });
    expect(out.assets.map((a) => [a.sha256, a.bytes])).toEqual(fk.manifest.assets.map((a) => [a.sha256, a.bytes]));
    expect(out.assets[1]!.origin).toBe('kept as it is');
    expect((out.assets[1] as FileAsset).source.type === 'faceapi-convert' && (out.assets[1] as FileAsset).source).toMatchObject({ version: '9.9.9' });
    const written = readFileSync(file, 'utf8');
    expect(validateManifest(JSON.parse(written))).toBeTruthy();
    expect(written).toContain('{ "path": "faces/a.jpg", "sha256": "');
  });

  it('the shipped manifest is in the recorded format', () => {
    const text = readFileSync(path.join(packageModelsDir(), 'manifest.json'), 'utf8');
    expect(formatManifest(loadManifest())).toBe(text);
  });
});
