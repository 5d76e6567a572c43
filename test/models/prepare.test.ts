/** prepare (ensureAssets / verifyAssets) on small fake assets, through the same code paths as the real ones. */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelAssetError } from '../../src/errors.js';
import { ensureAssets, ModelAssetsError, packageModelsDir, verifyAssets, type AssetReport, type FileAsset, type Manifest } from '../../src/models/index.js';
import { collect, fakeConvert, type FakeSet, flipByte, MAGIC, pseudoRandom, type Sandbox, sha, withFakeSandbox } from './helpers.js';

let sb: Sandbox;
let fk: FakeSet;
withFakeSandbox((s, f) => {
  sb = s;
  fk = f;
});

const opts = (extra: object = {}) => ({ modelsDir: sb.models, manifest: fk.manifest, faceApiDir: sb.faceApi, convert: fakeConvert, ...extra });
const byName = (rs: AssetReport[]) => Object.fromEntries(rs.map((r) => [r.name, r]));
const target = (f: string) => path.join(sb.models, f);

/** Expects `p` to reject with a one-line ModelAssetError and returns its message. */
async function oneLineError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ModelAssetError);
  const msg = (e as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg).toMatch(/; fix: /);
  return msg;
}

/** Makes every file of the models folder look an hour old, so the stamp cache may trust them. */
function backdate(dir: string): void {
  const t = new Date(Date.now() - 3600_000);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) utimesSync(path.join(e.parentPath, e.name), t, t);
  }
}

describe('prepare: happy path and idempotence', () => {
  it('makes every asset, with the manifest hashes, and writes nothing outside the models folder', async () => {
    const { lines, log } = collect();
    const reports = byName(await ensureAssets(opts({ log })));
    expect(Object.values(reports).map((r) => r.status)).toEqual(['made', 'made', 'made']);
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(fk.copyBytes));
    expect(sha(readFileSync(target('fake_resnet.dat')))).toBe(fk.manifest.assets[1]!.sha256);
    for (const [rel, bytes] of Object.entries(fk.exampleFiles)) {
      expect(sha(readFileSync(path.join(sb.models, 'examples', ...rel.split('/'))))).toBe(sha(bytes));
    }
    expect(existsSync(path.join(sb.models, 'examples', 'faces', 'unlisted.txt'))).toBe(false);
    expect(existsSync(path.join(sb.models, 'cache', 'prepare-stamp.json'))).toBe(true);
    // no temp files left behind
    const all = readdirSync(sb.models, { recursive: true }).map(String);
    expect(all.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(lines.some((l) => l.includes('copying from'))).toBe(true);
    // the sources are untouched
    expect(sha(readFileSync(fk.copySource))).toBe(sha(fk.copyBytes));
  });

  it('is idempotent: a second run makes nothing and rewrites nothing', async () => {
    await ensureAssets(opts());
    const before = statSync(target('fake_predictor.dat'), { bigint: true });
    const again = await ensureAssets(opts());
    expect(again.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    const after = statSync(target('fake_predictor.dat'), { bigint: true });
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    const third = await ensureAssets(opts());
    expect(third.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('trusts the stamp cache only for files unchanged since they were verified', async () => {
    await ensureAssets(opts());
    backdate(sb.models);
    // just made (racy) or backdated after stamping: hashed again, then stamped
    let r = byName(await ensureAssets(opts()));
    expect(r.fake_predictor!.cached).toBe(false);
    r = byName(await ensureAssets(opts()));
    expect(r.fake_predictor!.status).toBe('ok');
    expect(r.fake_predictor!.cached).toBe(true);
    expect(r.fake_resnet!.cached).toBe(true);
    // corrupt it and put the old mtime back: the ctime still changes, so it is re-hashed and re-made
    const p = target('fake_predictor.dat');
    const { atime, mtime } = statSync(p);
    flipByte(p, 1234);
    utimesSync(p, atime, mtime);
    r = byName(await ensureAssets(opts()));
    expect(r.fake_predictor!.status).toBe('made');
    expect(sha(readFileSync(p))).toBe(sha(fk.copyBytes));
    // useCache: false always re-hashes
    backdate(sb.models);
    await ensureAssets(opts());
    r = byName(await ensureAssets(opts({ useCache: false })));
    expect(r.fake_predictor!.cached).toBe(false);
  });

  it('two concurrent runs on the same folder both succeed', async () => {
    const [a, b] = await Promise.all([ensureAssets(opts()), ensureAssets(opts())]);
    expect(a.every((r) => r.status === 'made' || r.status === 'ok')).toBe(true);
    expect(b.every((r) => r.status === 'made' || r.status === 'ok')).toBe(true);
    expect((await verifyAssets({ modelsDir: sb.models, manifest: fk.manifest })).every((r) => r.problem === undefined)).toBe(true);
  });

  it('removes temp files that a killed run left behind', async () => {
    mkdirSync(sb.models, { recursive: true });
    const stale = path.join(sb.models, '.fake_predictor.tmp-999999999-0123abcd.dat');
    writeFileSync(stale, 'half a file');
    mkdirSync(path.join(sb.models, 'examples', 'faces'), { recursive: true });
    const staleJpg = path.join(sb.models, 'examples', 'faces', '.a.tmp-999999999-0123abcd.jpg');
    writeFileSync(staleJpg, 'half a file');
    const live = path.join(sb.models, `.other.tmp-${process.pid}-0123abcd.dat`);
    writeFileSync(live, 'a running prepare\'s file');
    await ensureAssets(opts());
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(staleJpg)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe('prepare: corruption', () => {
  it('detects a flipped byte in a copied file and re-makes it from the source', async () => {
    await ensureAssets(opts());
    flipByte(target('fake_predictor.dat'), 100_000);
    const { lines, log } = collect();
    const r = byName(await ensureAssets(opts({ log })));
    expect(r.fake_predictor!.status).toBe('made');
    expect(r.fake_predictor!.detail).toContain('made from');
    expect(lines.join('\n')).toMatch(/fake_predictor\.dat: corrupt \(sha256 [0-9a-f]{12}…, expected/);
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(fk.copyBytes));
  });

  it('detects a truncated file by its size', async () => {
    await ensureAssets(opts());
    writeFileSync(target('fake_predictor.dat'), fk.copyBytes.subarray(0, 1000));
    const { lines, log } = collect();
    await ensureAssets(opts({ log }));
    expect(lines.join('\n')).toContain('corrupt (1000 bytes, expected 300000)');
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(fk.copyBytes));
  });

  it('re-converts a corrupt converted model', async () => {
    await ensureAssets(opts());
    flipByte(target('fake_resnet.dat'), 40);
    const r = byName(await ensureAssets(opts()));
    expect(r.fake_resnet!.status).toBe('made');
    expect(sha(readFileSync(target('fake_resnet.dat')))).toBe(sha(fk.convertOutput));
  });

  it('re-copies only the corrupt or missing example images', async () => {
    await ensureAssets(opts());
    const a = path.join(sb.models, 'examples', 'faces', 'a.jpg');
    const b = path.join(sb.models, 'examples', 'johns', 'John_B', '2.jpg');
    const untouched = path.join(sb.models, 'examples', 'faces', 'b.jpg');
    const ino = statSync(untouched).ino;
    flipByte(a, 10);
    rmSync(b);
    const { lines, log } = collect();
    const r = byName(await ensureAssets(opts({ log })));
    expect(r.fake_examples!.status).toBe('made');
    expect(r.fake_examples!.detail).toBe(`made 2 files from ${fk.examplesSource}`);
    expect(lines.join('\n')).toContain('2 of 4 files missing or corrupt');
    expect(sha(readFileSync(a))).toBe(sha(fk.exampleFiles['faces/a.jpg']));
    expect(sha(readFileSync(b))).toBe(sha(fk.exampleFiles['johns/John_B/2.jpg']));
    expect(statSync(untouched).ino).toBe(ino);
  });
});

describe('prepare: sources that are missing or wrong', () => {
  it('missing source: one-line error naming the asset, the problem and the fix; the other assets are still made', async () => {
    rmSync(fk.copySource);
    const msg = await oneLineError(ensureAssets(opts()));
    expect(msg).toContain('fake_predictor.dat: missing, and its source');
    expect(msg).toContain(`${fk.copySource} does not exist`);
    expect(msg).toContain('apt-get install libfake-data');
    expect(msg).toContain('--shape-predictor');
    expect(msg).toContain('http://example.invalid/fake_predictor.dat.bz2');
    expect(existsSync(target('fake_resnet.dat'))).toBe(true);
    expect(existsSync(path.join(sb.models, 'examples', 'faces', 'a.jpg'))).toBe(true);
    expect(existsSync(target('fake_predictor.dat'))).toBe(false);
  });

  it('a source with other content is refused (reinstall fix) and nothing is installed', async () => {
    writeFileSync(fk.copySource, pseudoRandom(300_000, 8));
    const msg = await oneLineError(ensureAssets(opts()));
    expect(msg).toMatch(/is not the expected file \(sha256 [0-9a-f]{12}…, 300000 bytes; expected/);
    expect(msg).toContain('apt-get install --reinstall libfake-data');
    expect(existsSync(target('fake_predictor.dat'))).toBe(false);
  });

  it('a corrupt installed file whose source is gone is reported as corrupt, and left alone', async () => {
    await ensureAssets(opts());
    flipByte(target('fake_predictor.dat'), 5);
    const corrupt = readFileSync(target('fake_predictor.dat'));
    rmSync(fk.copySource);
    const msg = await oneLineError(ensureAssets(opts()));
    expect(msg).toMatch(/fake_predictor\.dat: corrupt \(sha256 .*\), and its source .* does not exist; fix: apt-get install libfake-data/);
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(corrupt));
  });

  it('several failures: one line per asset (ModelAssetsError)', async () => {
    rmSync(fk.copySource);
    rmSync(fk.examplesSource, { recursive: true });
    const e = await ensureAssets(opts()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelAssetsError);
    const lines = (e as Error).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('fake_predictor.dat: missing');
    expect(lines[1]).toContain('examples: 4 of 4 files missing (e.g. faces/a.jpg), and their source');
    expect(lines[1]).toContain('apt-get install libfake19.1');
    expect(lines[1]).toContain('apt-get download libfake19.1 && dpkg-deb -x libfake19.1_*.deb /tmp/libfake19.1');
    expect(lines[1]).toContain(`--examples /tmp/libfake19.1${fk.examplesSource}`);
  });

  it('example images missing from the given source are named', async () => {
    rmSync(path.join(fk.examplesSource, 'faces', 'b.jpg'));
    const msg = await oneLineError(ensureAssets(opts()));
    expect(msg).toContain('1 of 4 files cannot be made from their source');
    expect(msg).toContain('faces/b.jpg (not in the source)');
  });

  it('--examples DIR: copies from another folder', async () => {
    const other = path.join(sb.root, 'elsewhere');
    mkdirSync(path.dirname(other), { recursive: true });
    // move the source
    const { renameSync } = await import('node:fs');
    renameSync(fk.examplesSource, other);
    const r = byName(await ensureAssets(opts({ sources: { fake_examples: other } })));
    expect(r.fake_examples!.detail).toBe(`made 4 files from ${other}`);
  });

  it('a user-given source (--shape-predictor) that does not exist', async () => {
    const msg = await oneLineError(ensureAssets(opts({ sources: { fake_predictor: path.join(sb.root, 'nope.dat.bz2') } })));
    expect(msg).toContain(`--shape-predictor ${path.join(sb.root, 'nope.dat.bz2')} does not exist`);
    expect(msg).toContain('download http://example.invalid/fake_predictor.dat.bz2 and run');
  });
});

describe('prepare: the face-api conversion', () => {
  it('face-api not installed: says npm ci, or --resnet with the upstream file', async () => {
    const msg = await oneLineError(ensureAssets(opts({ faceApiDir: path.join(sb.root, 'no-such-dir'), only: ['fake_resnet'] })));
    expect(msg).toContain('fake-face-api 9.9.9');
    expect(msg).toContain('npm ci');
    expect(msg).toContain('--resnet PATH/TO/fake_resnet.dat.bz2');
  });

  it('an input with another sha256 (another face-api version) is refused', async () => {
    writeFileSync(path.join(sb.faceApi, 'model', 'w.bin'), pseudoRandom(50_000, 12));
    const msg = await oneLineError(ensureAssets(opts({ only: ['fake_resnet'] })));
    expect(msg).toMatch(/model\/w\.bin: sha256 [0-9a-f]{12}… \(50000 bytes\) is not fake-face-api 9\.9\.9's/);
    expect(msg).toContain('npm ci');
  });

  it('a converter whose output changed: not installed; says how to record it if intended', async () => {
    const msg = await oneLineError(ensureAssets(opts({ only: ['fake_resnet'], convert: () => new Uint8Array([1, 2, 3]) })));
    expect(msg).toContain('the converted model has sha256');
    expect(msg).toContain('node dist/src/models/cli.js record');
    expect(existsSync(target('fake_resnet.dat'))).toBe(false);
  });

  it('a converter that throws', async () => {
    const msg = await oneLineError(ensureAssets(opts({ only: ['fake_resnet'], convert: () => { throw new Error('bad tensor shape'); } })));
    expect(msg).toContain('converting fake-face-api\'s weights failed (bad tensor shape)');
  });

  it('--resnet: an upstream file is installed, remembered, and not mistaken for corruption', async () => {
    await ensureAssets(opts());
    const upstream = path.join(sb.root, 'upstream.dat');
    const up = Buffer.concat([Buffer.from(`\x01\x01\x0d${MAGIC}2`, 'latin1'), pseudoRandom(150_000, 99)]);
    writeFileSync(upstream, up);
    let r = byName(await ensureAssets(opts({ sources: { fake_resnet: upstream } })));
    expect(r.fake_resnet!.status).toBe('made');
    expect(r.fake_resnet!.detail).toContain('differs from the converted file, as expected for upstream');
    expect(sha(readFileSync(target('fake_resnet.dat')))).toBe(sha(up));
    r = byName(await ensureAssets(opts()));
    expect(r.fake_resnet!.status).toBe('ok');
    expect(r.fake_resnet!.userSource).toBe(upstream);
    expect((await verifyAssets({ modelsDir: sb.models, manifest: fk.manifest })).every((x) => x.problem === undefined)).toBe(true);
    // corrupted later: re-made by conversion
    flipByte(target('fake_resnet.dat'), 1000);
    r = byName(await ensureAssets(opts()));
    expect(r.fake_resnet!.status).toBe('made');
    expect(sha(readFileSync(target('fake_resnet.dat')))).toBe(sha(fk.convertOutput));
  });

  it('--resnet: a file of the wrong size or without the dlib header is refused', async () => {
    const small = path.join(sb.root, 'small.dat');
    writeFileSync(small, Buffer.from(`\x01\x01\x0d${MAGIC}2 but tiny`));
    let msg = await oneLineError(ensureAssets(opts({ only: ['fake_resnet'], sources: { fake_resnet: small } })));
    expect(msg).toMatch(/--resnet .*small\.dat is not fake_resnet\.dat: \d+ bytes, outside the 100000–200000 expected/);
    const noMagic = path.join(sb.root, 'nomagic.dat');
    writeFileSync(noMagic, pseudoRandom(150_000, 5));
    msg = await oneLineError(ensureAssets(opts({ only: ['fake_resnet'], sources: { fake_resnet: noMagic } })));
    expect(msg).toContain('does not start like a dlib network file');
    expect(existsSync(target('fake_resnet.dat'))).toBe(false);
  });
});

describe('prepare: check mode', () => {
  it('verifyAssets writes nothing and reports each problem with its fix', async () => {
    let reports = await verifyAssets({ modelsDir: sb.models, manifest: fk.manifest });
    expect(reports.map((r) => r.status)).toEqual(['missing', 'missing', 'missing']);
    expect(reports[0]!.problem!.message).toMatch(/fake_predictor\.dat: missing; fix: npm run models -- --models-dir /);
    expect(existsSync(sb.models)).toBe(false);

    await ensureAssets(opts());
    const stamp = readFileSync(path.join(sb.models, 'cache', 'prepare-stamp.json'));
    flipByte(target('fake_predictor.dat'), 7);
    const corrupt = readFileSync(target('fake_predictor.dat'));
    reports = await verifyAssets({ modelsDir: sb.models, manifest: fk.manifest });
    expect(reports.map((r) => r.status)).toEqual(['corrupt', 'ok', 'ok']);
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(corrupt));
    expect(sha(readFileSync(path.join(sb.models, 'cache', 'prepare-stamp.json')))).toBe(sha(stamp));
  });
});

describe('prepare: never writes outside the models folder', () => {
  it('a link in the models folder to a file outside it is replaced, its target untouched', async () => {
    const outside = path.join(sb.root, 'users-own-file.dat');
    writeFileSync(outside, 'precious');
    mkdirSync(sb.models, { recursive: true });
    symlinkSync(outside, target('fake_predictor.dat'));
    await ensureAssets(opts());
    expect(readFileSync(outside, 'utf8')).toBe('precious');
    expect(lstatSync(target('fake_predictor.dat')).isSymbolicLink()).toBe(false);
    expect(sha(readFileSync(target('fake_predictor.dat')))).toBe(sha(fk.copyBytes));
  });

  it('a link to a verified file outside is accepted as it is', async () => {
    mkdirSync(sb.models, { recursive: true });
    symlinkSync(fk.copySource, target('fake_predictor.dat'));
    const { lines, log } = collect();
    const r = byName(await ensureAssets(opts({ log })));
    expect(r.fake_predictor!.status).toBe('ok');
    expect(lines.join('\n')).toContain(`(a link to ${fk.copySource})`);
    expect(lstatSync(target('fake_predictor.dat')).isSymbolicLink()).toBe(true);
  });

  it('a linked folder that leads outside the models folder is not written into', async () => {
    const outside = path.join(sb.root, 'users-photos');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'mine.jpg'), 'x');
    mkdirSync(sb.models, { recursive: true });
    symlinkSync(outside, path.join(sb.models, 'examples'));
    const msg = await oneLineError(ensureAssets(opts({ only: ['fake_examples'] })));
    expect(msg).toContain('outside the models folder');
    expect(msg).toContain('refusing to write there');
    expect(readdirSync(outside)).toEqual(['mine.jpg']);
  });

  it('manifest paths cannot leave the models folder', async () => {
    const { validateManifest } = await import('../../src/models/index.js');
    const bad = structuredClone(fk.manifest);
    bad.assets[0]!.file = '../escape.dat';
    expect(() => validateManifest(bad)).toThrow(/not a plain path inside the models folder/);
    const bad2 = structuredClone(fk.manifest);
    (bad2.assets[2] as { files: { path: string }[] }).files[0]!.path = '../../x.jpg';
    expect(() => validateManifest(bad2)).toThrow(/not a plain relative path/);
  });
});

describe('prepare: committed assets', () => {
  const committed = (file: string): FileAsset => ({
    name: 'fake_committed', kind: 'file', file, sha256: 'a'.repeat(64), bytes: 10, committed: true,
    origin: 'test', licence: 'test',
    source: { type: 'committed', fix: [`git checkout models/${file}`, `make-it models/${file}`] },
  });

  it('in the package\'s own models folder: only verified; a missing or corrupt one names git checkout and the re-export command', async () => {
    const manifest: Manifest = { formatVersion: 1, assets: [committed('no_such_committed_file.svm')] };
    const msg = await oneLineError(ensureAssets({ manifest, modelsDir: packageModelsDir() }));
    expect(msg).toMatch(/no_such_committed_file\.svm: missing; fix: (cd .* && )?git checkout models\/no_such_committed_file\.svm \(or (cd .* && )?make-it models\/no_such_committed_file\.svm\)$/);
    expect(existsSync(path.join(packageModelsDir(), 'no_such_committed_file.svm'))).toBe(false);
    const check = await verifyAssets({ manifest, modelsDir: packageModelsDir() });
    expect(check[0]!.problem!.message).toContain('git checkout models/no_such_committed_file.svm');
  });

  it('into another models folder: copied from the package\'s file, which must itself be sound', async () => {
    const manifest: Manifest = { formatVersion: 1, assets: [committed('no_such_committed_file.svm')] };
    const msg = await oneLineError(ensureAssets({ manifest, modelsDir: sb.models }));
    expect(msg).toContain("missing, and the package's copy");
    expect(msg).toContain('cannot be read (ENOENT');
    expect(msg).toContain('git checkout models/no_such_committed_file.svm');
  });
});

