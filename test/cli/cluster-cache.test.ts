/**
 * The descriptor cache of `facemetric cluster` (src/cli/face-cache.ts): the entry format on its
 * own, then the command as a user runs it — a re-run answered from the cache gives the same
 * report, labels and (bit for bit) descriptors as a fresh run; new photos, changed options and a
 * changed model miss; corrupt entries, foreign folders, a killed run and two runs at once are
 * survived.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  CACHE_SIGNATURE, CACHE_VERSION, contextSha256, decodeEntry, encodeEntry, FaceCache, isFaceCacheDir, sha256Of, type CacheContext, type CachedFace, type CachedPhoto,
} from '../../src/cli/face-cache.js';
import type { ClustersJson } from '../../src/cli/cluster.js';
import { exampleImages, exampleImagesDir, modelsDir } from '../../src/models/index.js';

const BIN = 'dist/src/cli/main.js';

function facemetric(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run's clusters.json (--json), checked to have exited 0 with nothing on stderr. */
function cluster(args: string[], env: NodeJS.ProcessEnv = {}): ClustersJson {
  const r = facemetric(['cluster', ...args, '--json', '--quiet'], env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as ClustersJson;
}

/**
 * What a run found, without what differs between runs (timings, paths, the cache count) and the
 * people's numbers (kept from a previous run in the same folder, by size in a new one): dlib's
 * labels say who is who.
 */
const answer = (j: ClustersJson): unknown => ({
  faces: j.faces.map((f) => ({ ...f, person: undefined })),
  people: j.people.map((p) => ({ ...p, person: undefined, tile: undefined })).sort((a, b) => a.label - b.label),
  clusters: j.clusters, withoutFaces: j.withoutFaces, otherFiles: j.otherFiles,
});

/** Every entry file of a cache folder, with the context it was made for. */
function entries(cacheDir: string): { file: string; context: string; photo: string }[] {
  const out: { file: string; context: string; photo: string }[] = [];
  for (const ctx of readdirSync(cacheDir).filter((d) => d.startsWith(`v${CACHE_VERSION}-`))) {
    const context = (JSON.parse(readFileSync(join(cacheDir, ctx, 'context.json'), 'utf8')) as { sha256: string }).sha256;
    for (const shard of readdirSync(join(cacheDir, ctx)).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
      for (const f of readdirSync(join(cacheDir, ctx, shard)).filter((n) => n.endsWith('.fmf') && !n.startsWith('.'))) {
        out.push({ file: join(cacheDir, ctx, shard, f), context, photo: f.slice(0, 64) });
      }
    }
  }
  return out;
}

/** A library folder: photos of two Johns, a photo without faces and an XMP sidecar. */
function library(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fm-cache-lib-'));
  const johns = exampleImages('johns');
  for (const f of [...johns.filter((f) => f.includes('John_Savage')).slice(0, 3), ...johns.filter((f) => f.includes('John_Simm')).slice(0, 3)]) {
    copyFileSync(f, join(dir, basename(f)));
  }
  copyFileSync(join(exampleImagesDir(), 'faces', 'dogs.jpg'), join(dir, 'dogs.jpg'));
  writeFileSync(join(dir, 'dogs.jpg.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n');
  return dir;
}

const context: CacheContext = {
  facemetric: '0.0.0', detector: 'a'.repeat(64), predictor: 'b'.repeat(64), recognizer: 'c'.repeat(64), describer: 'wasm-simd',
  upsample: 0, detectThreshold: 0, chip: { size: 150, padding: 0.25 },
};
const face = (k: number): CachedFace => ({
  rect: [k, -2, 300, 400], score: 1.25 + k, filter: k % 5, landmarks: Array.from({ length: 68 }, (_, i) => [i, 2 * i - 70] as [number, number]),
  png: Uint8Array.from({ length: 37 + k }, (_, i) => (i * 7 + k) & 255), descriptor: Float32Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i + k))),
});

describe('cache entries (face-cache.ts)', () => {
  const ctx = contextSha256(context);
  const photo = sha256Of('photo bytes');

  it('round-trip: every field back, bit for bit; a photo without faces too', () => {
    const faces = [face(0), face(1), face(2)];
    const bytes = encodeEntry(ctx, photo, faces);
    expect([...bytes.subarray(0, 8)]).toEqual([...CACHE_SIGNATURE]);
    expect(bytes.length % 4).toBe(0);
    expect(decodeEntry(bytes, ctx, photo)).toEqual({ faces });
    expect(decodeEntry(encodeEntry(ctx, photo, []), ctx, photo)).toEqual({ faces: [] });
    // A damaged JPEG's warnings (repeated when the photo comes from the cache).
    const warnings = ['Corrupt JPEG data: premature end of data segment', 'ünïcode ✓'];
    const warned = encodeEntry(ctx, photo, faces.slice(0, 1), warnings);
    expect(warned.length % 4).toBe(0);
    expect(decodeEntry(warned, ctx, photo)).toEqual({ faces: faces.slice(0, 1), warnings });
  });

  it('never trusted: another context or photo, any flipped byte, any truncation, another signature', () => {
    const bytes = encodeEntry(ctx, photo, [face(3)], ['a warning']);
    expect(decodeEntry(bytes, contextSha256({ ...context, upsample: 1 }), photo)).toBe('another context');
    expect(decodeEntry(bytes, ctx, sha256Of('other bytes'))).toBe('another photo');
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i] ^= 0x10;
      expect(typeof decodeEntry(bad, ctx, photo), `byte ${i}`).toBe('string');
    }
    for (const n of [0, 10, 84, 100, bytes.length - 1]) expect(typeof decodeEntry(bytes.subarray(0, n), ctx, photo), `${n} bytes`).toBe('string');
    expect(decodeEntry(new TextEncoder().encode('{"json": true}'.padEnd(200)), ctx, photo)).toBe('not a cache entry');
  });

  it('the context: every field changes its sha256', () => {
    const base = contextSha256(context);
    for (const changed of [
      { facemetric: '0.0.1' }, { detector: 'd'.repeat(64) }, { predictor: 'd'.repeat(64) }, { recognizer: 'd'.repeat(64) },
      { describer: 'wasm-relaxed' }, { upsample: 1 }, { detectThreshold: -0.5 }, { chip: { size: 150, padding: 0.3 } },
    ]) {
      expect(contextSha256({ ...context, ...changed }), JSON.stringify(changed)).not.toBe(base);
    }
  });

  it('a folder: created with CACHEDIR.TAG; an existing non-empty folder of the user\'s is refused and left alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fm-cache-'));
    const c = FaceCache.open(join(root, 'c'), context);
    expect(isFaceCacheDir(join(root, 'c'))).toBe(true);
    expect(readFileSync(join(root, 'c', 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
    c.put(photo, [face(4)]);
    expect(await c.get(photo)).toEqual({ faces: [face(4)] });
    expect(await c.get(sha256Of('never stored'))).toBeUndefined();
    expect(c.untrusted).toBe(0);
    writeFileSync(join(root, 'mine.txt'), 'precious');
    expect(() => FaceCache.open(root, context)).toThrow(/is not a facemetric cache/);
    expect(readdirSync(root).sort()).toEqual(['c', 'mine.txt']);
    // A cache another run is making (its context folder there, its tag not yet) is facemetric's.
    const making = join(root, 'd');
    mkdirSync(join(making, 'v1-0123456789abcdef'), { recursive: true });
    writeFileSync(join(making, '.CACHEDIR.tmp-1-00000000.TAG'), 'Sig');
    expect(() => FaceCache.open(making, context)).not.toThrow();
    expect(isFaceCacheDir(making)).toBe(true);
  });
});

describe('facemetric cluster with the cache', () => {
  it('a damaged JPEG\'s warning is repeated when its faces come from the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-cache-damaged-'));
    const lib = join(dir, 'lib');
    mkdirSync(lib);
    const bytes = readFileSync(join(exampleImagesDir(), 'faces', '2008_001009.jpg'));
    const cut = join(lib, 'cut.jpg');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const warning = `facemetric: ${cut}: warning: premature end of JPEG file and 1 more warning; decoded as libjpeg does, missing parts grey\n`;
    const out = join(dir, 'out');
    const first = facemetric(['cluster', lib, '--out', out, '--quiet', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(warning);
    const again = facemetric(['cluster', lib, '--out', out, '--quiet', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(warning);
    const [a, b] = [first, again].map((r) => JSON.parse(r.stdout) as ClustersJson);
    expect(b.images.fromCache).toBe(1);
    expect(b.faces.map((f) => f.rect)).toEqual(a.faces.map((f) => f.rect));
    expect(a.faces).toHaveLength(2);
  });

  it('a re-run comes from the cache (same answer; descriptors bit for bit those of `describe`); a new photo is the only one described', () => {
    const lib = library();
    const out = join(mkdtempSync(join(tmpdir(), 'fm-cache-out-')), 'people');
    const first = cluster([lib, '--out', out]);
    expect(first.images).toMatchObject({ files: 8, photos: 7, withFaces: 6, withoutFaces: 1, otherFiles: 1, fromCache: 0 });
    expect(first.cache).toBe(join(out, 'cache'));
    const stored = entries(join(out, 'cache'));
    expect(stored).toHaveLength(7); // every photo, the one without faces too; not the sidecar
    // The stored descriptors are those `facemetric describe` computes, bit for bit.
    for (const f of readdirSync(lib).filter((n) => n.startsWith('0'))) {
      const sha = sha256Of(readFileSync(join(lib, f)));
      const e = stored.find((s) => s.photo === sha)!;
      const { faces } = decodeEntry(readFileSync(e.file), e.context, sha) as CachedPhoto;
      const d = JSON.parse(facemetric(['describe', join(lib, f), '--json']).stdout) as { faces: { rect: number[]; descriptor: number[] }[] };
      expect(faces.map((x) => x.rect)).toEqual(d.faces.map((x) => x.rect));
      expect(faces.map((x) => [...x.descriptor])).toEqual(d.faces.map((x) => x.descriptor));
    }
    // A re-run into the same folder (no --force needed: it holds only the last run's files).
    const again = facemetric(['cluster', lib, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^7 photos, 6 with faces, 1 without, 1 other file; 7 photos from the cache\n/);
    const second = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as ClustersJson;
    expect(answer(second)).toEqual(answer(first));
    expect(second.timings.describe).toBe(0);
    // One new photo: 7 from the cache, and the answer of a fresh run on the grown library.
    copyFileSync(exampleImages('johns').filter((f) => f.includes('John_Simm'))[5]!, join(lib, 'new.jpg'));
    const grown = cluster([lib, '--out', out]);
    expect(grown.images).toMatchObject({ photos: 8, withFaces: 7, fromCache: 7 });
    const fresh = cluster([lib, '--out', join(out, '..', 'fresh'), '--no-cache']);
    expect(fresh.cache).toBeNull();
    expect(existsSync(join(out, '..', 'fresh', 'cache'))).toBe(false);
    expect(answer(grown)).toEqual(answer(fresh));
    // The same photo under another name (or moved) is the same entry.
    copyFileSync(join(lib, 'new.jpg'), join(lib, 'new copy.jpg'));
    expect(cluster([lib, '--out', out]).images).toMatchObject({ photos: 9, fromCache: 9 });
  });

  it('jitter: descriptors made from the cached chips, in input order — the labels of a fresh jittered run', () => {
    const bald = join(exampleImagesDir(), 'faces', 'bald_guys.jpg');
    const out = join(mkdtempSync(join(tmpdir(), 'fm-cache-jitter-')), 'r');
    const first = cluster([bald, '--out', out, '--jitter', '2']);
    const second = cluster([bald, '--out', out, '--jitter', '2']);
    expect(second.images.fromCache).toBe(1);
    expect(answer(second)).toEqual(answer(first));
    // The plain run uses the same entry; a fresh jittered run agrees with the cached one.
    expect(cluster([bald, '--out', out]).images.fromCache).toBe(1);
    expect(answer(cluster([bald, '--out', join(out, '..', 'fresh'), '--jitter', '2', '--no-cache']))).toEqual(answer(second));
  });

  it('changed options and a changed model miss (their own context folders); switching back hits', () => {
    const lib = library();
    const cache = join(mkdtempSync(join(tmpdir(), 'fm-cache-ctx-')), 'cache');
    const out = (): string => join(mkdtempSync(join(tmpdir(), 'fm-cache-ctx-out-')), 'r');
    expect(cluster([lib, '--out', out(), '--cache', cache]).images.fromCache).toBe(0);
    const up = cluster([lib, '--out', out(), '--cache', cache, '--upsample', '1']);
    expect(up.images.fromCache).toBe(0);
    expect(cluster([lib, '--out', out(), '--cache', cache, '--upsample', '1']).images.fromCache).toBe(7);
    // The clustering threshold is applied after the cache: it still hits.
    expect(cluster([lib, '--out', out(), '--cache', cache, '--threshold', '0.5']).images.fromCache).toBe(7);
    // A face ResNet with one weight's last bit changed (the models folder otherwise the same).
    const models = mkdtempSync(join(tmpdir(), 'fm-cache-models-'));
    for (const f of readdirSync(modelsDir())) symlinkSync(join(modelsDir(), f), join(models, f));
    const net = 'dlib_face_recognition_resnet_model_v1.dat';
    const bytes = readFileSync(join(modelsDir(), net));
    bytes[bytes.length - 1000]! ^= 1;
    rmSync(join(models, net));
    writeFileSync(join(models, net), bytes);
    const other = cluster([lib, '--out', out(), '--cache', cache], { FACEMETRIC_MODELS: models });
    expect(other.images.fromCache).toBe(0);
    expect(readdirSync(cache).filter((d) => d.startsWith(`v${CACHE_VERSION}-`))).toHaveLength(3);
    const contexts = readdirSync(cache).filter((d) => d.startsWith(`v${CACHE_VERSION}-`)).map((d) => JSON.parse(readFileSync(join(cache, d, 'context.json'), 'utf8')) as CacheContext);
    expect(new Set(contexts.map((c) => c.recognizer))).toEqual(new Set([sha256Of(readFileSync(join(modelsDir(), net))), sha256Of(bytes)]));
    expect(cluster([lib, '--out', out(), '--cache', cache]).images.fromCache).toBe(7);
  });

  it('corrupt and foreign entries are ignored with one line and written anew; a foreign --cache folder is refused in one line', () => {
    const lib = library();
    const out = join(mkdtempSync(join(tmpdir(), 'fm-cache-bad-')), 'r');
    const first = cluster([lib, '--out', out]);
    const stored = entries(join(out, 'cache'));
    const flipped = readFileSync(stored[0]!.file);
    flipped[flipped.length >> 1]! ^= 0x40;
    writeFileSync(stored[0]!.file, flipped);
    writeFileSync(stored[1]!.file, readFileSync(stored[2]!.file)); // another photo's entry
    writeFileSync(stored[3]!.file, ''); // torn
    const r = facemetric(['cluster', lib, '--out', out, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^facemetric: note: .*cache: 3 cache entries could not be trusted .*\n$/);
    const second = JSON.parse(r.stdout) as ClustersJson;
    expect(second.images.fromCache).toBe(4);
    expect(answer(second)).toEqual(answer(first));
    // Written anew: the next run trusts them all.
    for (const e of entries(join(out, 'cache'))) expect(typeof decodeEntry(readFileSync(e.file), e.context, e.photo)).toBe('object');
    expect(cluster([lib, '--out', out]).images.fromCache).toBe(7);
    // A previous run's folder with a file of the user's in it is not updated without --force.
    writeFileSync(join(out, 'mine.txt'), 'precious');
    const refusedOut = facemetric(['cluster', lib, '--out', out]);
    expect(refusedOut.code).toBe(1);
    expect(refusedOut.stderr).toMatch(/^facemetric: .*: is not empty .*\n$/);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('precious');
    // A folder of the user's given as --cache: one line, exit 1, nothing written there.
    const mine = mkdtempSync(join(tmpdir(), 'fm-cache-mine-'));
    writeFileSync(join(mine, 'notes.txt'), 'mine');
    const refused = facemetric(['cluster', lib, '--cache', mine]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^facemetric: .*: is not a facemetric cache .*\n$/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    const both = facemetric(['cluster', lib, '--cache', mine, '--no-cache']);
    expect(both.code).toBe(2);
  });

  it('a run killed mid-way leaves only whole entries; the re-run uses them and gives a fresh run\'s answer', async () => {
    const lib = mkdtempSync(join(tmpdir(), 'fm-cache-kill-'));
    cpSync(join(exampleImagesDir(), 'johns'), lib, { recursive: true });
    const out = join(mkdtempSync(join(tmpdir(), 'fm-cache-kill-out-')), 'r');
    const child = spawn(process.execPath, [BIN, 'cluster', lib, '--out', out, '--threads', '1', '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const cache = join(out, 'cache');
    // Killed once a few entries are there (polling; the run takes several seconds more).
    for (let i = 0; i < 600 && (!existsSync(cache) || entries(cache).length < 5); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    const left = entries(cache);
    expect(left.length).toBeGreaterThanOrEqual(5);
    expect(left.length).toBeLessThan(55);
    for (const e of left) expect(typeof decodeEntry(readFileSync(e.file), e.context, e.photo)).toBe('object');
    expect(existsSync(join(out, 'clusters.json'))).toBe(false);
    const rerun = cluster([lib, '--out', out]);
    expect(rerun.images.fromCache).toBeGreaterThanOrEqual(left.length);
    expect(rerun.images.withFaces).toBe(55);
    const fresh = cluster([lib, '--out', join(out, '..', 'fresh'), '--no-cache']);
    expect(answer(rerun)).toEqual(answer(fresh));
    // A re-run killed on the way leaves the last clusters.json whole (the people's numbers).
    const last = readFileSync(join(out, 'clusters.json'), 'utf8');
    const whole = entries(cache).length;
    const child2 = spawn(process.execPath, [BIN, 'cluster', lib, '--out', out, '--threads', '1', '--quiet', '--upsample', '1'], { stdio: 'ignore' });
    const exited2 = new Promise<number | null>((resolve) => child2.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && entries(cache).length < whole + 3; i++) await new Promise((r) => setTimeout(r, 50));
    child2.kill('SIGKILL');
    expect(await exited2).toBeNull();
    expect(entries(cache).length).toBeGreaterThanOrEqual(whole + 3);
    expect(readFileSync(join(out, 'clusters.json'), 'utf8')).toBe(last);
  });

  it('two runs at once on one cache: both complete with the same answer; every entry whole', async () => {
    const lib = library();
    const root = mkdtempSync(join(tmpdir(), 'fm-cache-two-'));
    const cache = join(root, 'cache');
    const runOne = (o: string): Promise<{ code: number | null; stdout: string }> => new Promise((resolve) => {
      const c = spawn(process.execPath, [BIN, 'cluster', lib, '--out', join(root, o), '--cache', cache, '--json', '--quiet']);
      let stdout = '';
      c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      c.on('exit', (code) => resolve({ code, stdout }));
    });
    const [a, b] = await Promise.all([runOne('a'), runOne('b')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(answer(JSON.parse(a.stdout) as ClustersJson)).toEqual(answer(JSON.parse(b.stdout) as ClustersJson));
    const stored = entries(cache);
    expect(stored).toHaveLength(7);
    for (const e of stored) expect(typeof decodeEntry(readFileSync(e.file), e.context, e.photo)).toBe('object');
    expect(cluster([lib, '--out', join(root, 'c'), '--cache', cache]).images.fromCache).toBe(7);
  });
});

describe('facemetric cluster: stable people across runs into one report folder', () => {
  /** Each person's number and the set of photo names (basenames) of their faces. */
  const peopleOf = (j: ClustersJson): Map<string, number> => {
    const m = new Map<string, number>();
    for (const p of j.people) m.set(j.faces.filter((f) => f.person === p.person).map((f) => basename(f.image)).sort().join(' '), p.person);
    return m;
  };

  it('people keep their numbers as photos come and go; new people get new numbers; names from people.json', () => {
    const lib = library();
    const out = join(mkdtempSync(join(tmpdir(), 'fm-people-')), 'people');
    const first = cluster([lib, '--out', out]);
    expect(first.people.map((p) => p.faces)).toEqual([3, 3]);
    const savage = first.faces.find((f) => basename(f.image) === basename(exampleImages('johns').filter((x) => x.includes('John_Savage'))[0]!))!.person;
    const simm = 3 - savage;
    expect(first.nextPerson).toBe(3);
    // Four photos of a third John: a fresh run would number him 1 (most faces); here he is 3.
    const salley = exampleImages('johns').filter((f) => f.includes('John_Salley')).slice(0, 4);
    for (const f of salley) copyFileSync(f, join(lib, basename(f)));
    const second = cluster([lib, '--out', out]);
    expect(second.people.map((p) => [p.person, p.faces])).toEqual([[3, 4], [1, 3], [2, 3]]);
    const after = peopleOf(second);
    for (const [photos, person] of peopleOf(first)) expect(after.get(photos)).toBe(person);
    expect(second.nextPerson).toBe(4);
    const fresh = cluster([lib, '--out', join(out, '..', 'fresh'), '--no-cache']);
    expect(fresh.people[0]!).toMatchObject({ person: 1, faces: 4 });
    // Names: shown on stdout, in clusters.json and the page; the file is the user's, untouched.
    const names = `{"${simm}": "John Simm", "3": "John Salley"}\n`;
    writeFileSync(join(out, 'people.json'), names);
    const named = facemetric(['cluster', lib, '--out', out]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain(`  person 3 (John Salley): 4 faces -> ${join(out, 'person-3.png')}\n`);
    expect(named.stdout).toContain(`  person ${simm} (John Simm): 3 faces`);
    expect(named.stdout).toMatch(new RegExp(`^  person ${savage}: 3 faces`, 'm'));
    const json = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as ClustersJson;
    expect(json.people.find((p) => p.person === simm)!.name).toBe('John Simm');
    expect(json.people.find((p) => p.person === savage)!.name).toBeUndefined();
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`<span class="name">Person ${simm}: John Simm</span><span class="count">3 faces, 3 photos</span>`);
    expect(readFileSync(join(out, 'person', `${simm}.html`), 'utf8')).toContain(`<h2>Person ${simm}: John Simm <small>(3 faces)</small></h2>`);
    expect(readFileSync(join(out, 'people.json'), 'utf8')).toBe(names);
    // A John leaves: the others keep their numbers; his number is not given again.
    for (const f of readdirSync(lib).filter((n) => exampleImages('johns').some((x) => x.includes('John_Savage') && basename(x) === n))) rmSync(join(lib, f));
    const simmTile = join(out, `person-${simm}.png`);
    const tileBefore = statSync(simmTile);
    const third = cluster([lib, '--out', out]);
    expect(third.people.map((p) => p.person).sort()).toEqual([3, simm].sort());
    expect(third.nextPerson).toBe(4);
    // Tiles: an unchanged person's is kept (the very file), a departed person's is removed; the
    // kept one is what a fresh run draws.
    expect(statSync(simmTile).ino).toBe(tileBefore.ino);
    expect(statSync(simmTile).mtimeMs).toBe(tileBefore.mtimeMs);
    expect(existsSync(join(out, `person-${savage}.png`))).toBe(false);
    // So are the departed person's page and the index's link to it.
    expect(readdirSync(join(out, 'person')).sort()).toEqual([`${simm}.html`, '3.html'].sort());
    expect(readFileSync(join(out, 'index.html'), 'utf8')).not.toContain(`person/${savage}.html`);
    expect(readdirSync(out).filter((f) => f.startsWith('person-')).sort()).toEqual([`person-${simm}.png`, 'person-3.png'].sort());
    const again = cluster([lib, '--out', join(out, '..', 'fresh-2'), '--no-cache']);
    const freshSimm = again.people.find((p) => p.faces === 3)!;
    expect(readFileSync(join(out, '..', 'fresh-2', freshSimm.tile))).toEqual(readFileSync(simmTile));
    // A bad people.json: one line, exit 1, the folder as it was.
    writeFileSync(join(out, 'people.json'), '{"Alice": 1}');
    const before = readFileSync(join(out, 'clusters.json'), 'utf8');
    const bad = facemetric(['cluster', lib, '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^facemetric: .*people\.json: must be a JSON object from person numbers to names.*\n$/);
    expect(readFileSync(join(out, 'clusters.json'), 'utf8')).toBe(before);
  });
});
