/** .bz2 sources: streaming decompression (unbzip2-stream) through prepare's copy path. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelAssetError } from '../../src/errors.js';
import { Bzip2Error, copyToTemp, isBzip2 } from '../../src/models/fsutil.js';
import { ensureAssets, type FileAsset } from '../../src/models/index.js';
import { collect, fakeAssetText, fakeConvert, type FakeSet, fixture, pseudoRandom, type Sandbox, sha, withFakeSandbox } from './helpers.js';

let sb: Sandbox;
let fk: FakeSet;
withFakeSandbox((s, f) => {
  sb = s;
  fk = f;
});

const bz2Bytes = (): Buffer => readFileSync(fixture('fake-asset.dat.bz2'));

function hasBzip2(): boolean {
  try {
    execFileSync('bzip2', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('bzip2 decompression', () => {
  it('decompresses a multi-block .bz2 while hashing, into a temp file next to the destination', async () => {
    expect(await isBzip2(fixture('fake-asset.dat.bz2'))).toBe(true);
    const dest = path.join(sb.root, 'out.dat');
    const r = await copyToTemp(fixture('fake-asset.dat.bz2'), dest);
    const want = fakeAssetText();
    expect(r.decompressed).toBe(true);
    expect(r.bytes).toBe(want.length);
    expect(r.sha256).toBe(sha(want));
    expect(path.dirname(r.tmp)).toBe(sb.root);
    expect(sha(readFileSync(r.tmp))).toBe(sha(want));
    expect(existsSync(dest)).toBe(false);
  });

  it('a plain file is copied as it is', async () => {
    expect(await isBzip2(fk.copySource)).toBe(false);
    const r = await copyToTemp(fk.copySource, path.join(sb.root, 'plain.dat'));
    expect(r.decompressed).toBe(false);
    expect(r.sha256).toBe(sha(fk.copyBytes));
  });

  it('corrupt or truncated bzip2 data is an error, and no temp file is left', async () => {
    const good = bz2Bytes();
    const corrupt = Buffer.from(good);
    corrupt[Math.floor(good.length / 2)] ^= 0xff;
    const corruptPath = path.join(sb.root, 'corrupt.dat.bz2');
    writeFileSync(corruptPath, corrupt);
    await expect(copyToTemp(corruptPath, path.join(sb.root, 'a.dat'))).rejects.toBeInstanceOf(Bzip2Error);
    const truncPath = path.join(sb.root, 'trunc.dat.bz2');
    writeFileSync(truncPath, good.subarray(0, good.length - 300));
    await expect(copyToTemp(truncPath, path.join(sb.root, 'b.dat'))).rejects.toBeInstanceOf(Bzip2Error);
    expect(readdirSync(sb.root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it.skipIf(!hasBzip2())('round-trips data compressed by the bzip2 program (skipped without bzip2: apt-get install bzip2)', async () => {
    const data = Buffer.concat([pseudoRandom(250_000, 3), fakeAssetText()]);
    const bz = execFileSync('bzip2', ['-9', '-c'], { input: data, maxBuffer: 1 << 26 });
    const p = path.join(sb.root, 'x.bz2');
    writeFileSync(p, bz);
    const r = await copyToTemp(p, path.join(sb.root, 'x.dat'));
    expect(r.sha256).toBe(sha(data));
  });
});

describe('prepare with a .bz2 source (--shape-predictor PATH.dat.bz2)', () => {
  /** The fake copy asset, expecting the fixture's decompressed content (the overridable sha). */
  function withBz2Asset(): FileAsset {
    const a = fk.manifest.assets[0] as FileAsset;
    const want = fakeAssetText();
    a.sha256 = sha(want);
    a.bytes = want.length;
    return a;
  }

  it('decompresses, verifies the sha256 of the result, and installs it', async () => {
    withBz2Asset();
    const { lines, log } = collect();
    const reports = await ensureAssets({
      modelsDir: sb.models, manifest: fk.manifest, faceApiDir: sb.faceApi, convert: fakeConvert, log,
      sources: { fake_predictor: fixture('fake-asset.dat.bz2') },
    });
    expect(reports[0]!.status).toBe('made');
    expect(reports[0]!.detail).toBe(`made from ${fixture('fake-asset.dat.bz2')} (bunzip2)`);
    expect(sha(readFileSync(path.join(sb.models, 'fake_predictor.dat')))).toBe(sha(fakeAssetText()));
    expect(lines.join('\n')).toContain('copying from');
    // idempotent afterwards, without the flag
    const again = await ensureAssets({ modelsDir: sb.models, manifest: fk.manifest, faceApiDir: sb.faceApi, convert: fakeConvert });
    expect(again[0]!.status).toBe('ok');
  });

  it('a .bz2 of other content is refused after decompression', async () => {
    // the manifest expects the plain fake asset; the .bz2 holds other content
    const e = await ensureAssets({
      modelsDir: sb.models, manifest: fk.manifest, faceApiDir: sb.faceApi, convert: fakeConvert, only: ['fake_predictor'],
      sources: { fake_predictor: fixture('fake-asset.dat.bz2') },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelAssetError);
    expect((e as Error).message).toMatch(/is not the expected file \(decompressed: sha256 [0-9a-f]{12}…, 408000 bytes; expected/);
    expect((e as Error).message).toContain('fix: download http://example.invalid/fake_predictor.dat.bz2 and run');
    expect(existsSync(path.join(sb.models, 'fake_predictor.dat'))).toBe(false);
  });

  it('a damaged .bz2: one-line error saying so, nothing installed', async () => {
    withBz2Asset();
    const bad = Buffer.from(bz2Bytes());
    bad[5000] ^= 0x55;
    const p = path.join(sb.root, 'damaged.dat.bz2');
    writeFileSync(p, bad);
    const e = await ensureAssets({
      modelsDir: sb.models, manifest: fk.manifest, faceApiDir: sb.faceApi, convert: fakeConvert, only: ['fake_predictor'],
      sources: { fake_predictor: p },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelAssetError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(`--shape-predictor ${p} is not a valid bzip2 file`);
    expect(existsSync(path.join(sb.models, 'fake_predictor.dat'))).toBe(false);
    expect(readdirSync(sb.models).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
