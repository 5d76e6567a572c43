/**
 * The gallery core and its files: face_recognition's distance (checked against numpy itself
 * when python3 has it), the .fmg format (round trip; a foreign, empty, newer-version, truncated,
 * corrupt or other-model file refused with one line naming it), atomic and never-silent writes
 * (a child process killed mid-write by its file-size limit leaves the old file whole), search by
 * nearest face and by mean distance, dedupe, face-api JSON, and that the core imports no node:.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { dlibFloatDistance } from '../../src/cluster/index.js';
import { faceDistance } from '../../src/gallery/distance.js';
import { decodeGallery, encodeGallery, GalleryError, type GalleryData } from '../../src/gallery/format.js';
import { crc32 } from '../../src/image/crc32.js';
import { Gallery } from '../../src/gallery/gallery.js';
import { identifyDescriptor, UNKNOWN_PERSON } from '../../src/gallery/identify.js';
import { openGallery, readGalleryJson, saveGallery, writeGalleryJson } from '../../src/gallery/file.js';
import { randomF32 } from '../helpers/random.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = '0123456789abcdef'.repeat(4);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'facemetric-gallery-'));

/** A descriptor of random values scaled like dlib's (|x| < 0.3). */
const desc = (seed: number): Float32Array => randomF32(128, seed).map((x) => x * 0.3);

function sampleGallery(): Gallery {
  const g = new Gallery({ modelSha256: SHA_A, tolerance: 0.55 });
  const lm = Array.from({ length: 68 }, (_, k) => [k, 5 - k * 3] as [number, number]);
  g.add('Zoë', { descriptor: desc(1), source: 'known/Zoë/1.jpg', contentSha256: SHA_B, rect: [1, 2, 30, 40], landmarks: lm });
  g.add('Bob', { descriptor: desc(2), source: 'known/Bob.jpg', contentSha256: 'f'.repeat(64), rect: [-5, 0, 10, 12] });
  g.add('Zoë', { descriptor: desc(3) });
  return g;
}

describe('faceDistance: face_recognition\'s float64 distance', () => {
  it('equals numpy.linalg.norm(known - unknown, axis=1) over float64 descriptors, bit for bit', () => {
    const py = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    const rows = Array.from({ length: 40 }, (_, i) => desc(100 + i));
    const q = desc(7);
    const ours = rows.map((r) => faceDistance(r, q));
    if (py.status !== 0) {
      // No numpy here: check the same numbers against a plain float64 sum (they agree to rounding).
      rows.forEach((r, i) => expect(Math.abs(ours[i]! - Math.hypot(...Array.from(r, (x, k) => x - q[k]!)))).toBeLessThan(1e-14));
      return;
    }
    const script = `import json,sys,numpy as np
d=json.load(sys.stdin); k=np.array(d['rows'],dtype=np.float64); u=np.array(d['q'],dtype=np.float64)
print(json.dumps([float(x).hex() for x in np.linalg.norm(k-u,axis=1)]))`;
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify({ rows: rows.map((x) => Array.from(x)), q: Array.from(q) }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const numpy = (JSON.parse(r.stdout) as string[]).map((h) => {
      // float.hex(): 0x1.<13 hex digits>p<exp>
      const m = /^0x1\.([0-9a-f]+)p([-+]\d+)$/.exec(h)!;
      return (1 + parseInt(m[1]!.padEnd(13, '0'), 16) / 2 ** 52) * 2 ** Number(m[2]);
    });
    expect(ours).toEqual(numpy);
  });

  it('is dlib\'s float length(a - b) up to float rounding', () => {
    for (let i = 0; i < 20; i++) {
      const a = desc(i), b = desc(i + 50);
      expect(Math.abs(faceDistance(a, b) - dlibFloatDistance(a, b))).toBeLessThan(1e-6);
    }
  });
});

describe('the gallery file format', () => {
  it('round-trips names, sources, hashes, rects, landmarks, tolerance and the descriptors\' bits', () => {
    const g = sampleGallery();
    const bytes = g.encode();
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x46, 0x4d, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(new DataView(bytes.buffer).getUint32(bytes.length - 4, true)).toBe(zlibCrc32(bytes.subarray(0, bytes.length - 4))); // zlib's own
    expect(crc32(bytes, 0, bytes.length - 4)).toBe(zlibCrc32(bytes.subarray(0, bytes.length - 4)));
    const back = Gallery.decode(bytes, 'x.fmg');
    expect(back.modelSha256).toBe(SHA_A);
    expect(back.tolerance).toBe(0.55);
    expect(back.people).toEqual(['Zoë', 'Bob']);
    expect(back.size).toBe(3);
    for (let i = 0; i < 3; i++) expect(back.face(i)).toEqual(g.face(i));
    expect(back.face(0).landmarks).toHaveLength(68);
    expect(back.face(1).rect).toEqual([-5, 0, 10, 12]);
    expect(back.face(2).source).toBe('');
    expect(back.face(2).rect).toBeUndefined();
    expect(Buffer.from(back.encode())).toEqual(Buffer.from(bytes));
    const noTol = new Gallery({ modelSha256: SHA_A });
    expect(Gallery.decode(noTol.encode()).tolerance).toBeUndefined();
  });

  const expectRefused = (bytes: Uint8Array, pattern: RegExp): void => {
    let err: unknown;
    try {
      decodeGallery(bytes, 'people.fmg');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GalleryError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg.startsWith('people.fmg: ')).toBe(true);
    expect(msg).toMatch(pattern);
  };

  it('refuses an empty file, a foreign file and another format version, naming the file', () => {
    expectRefused(new Uint8Array(0), /empty file/);
    expectRefused(new TextEncoder().encode('[{"label":"x","descriptors":[]}]'), /not a facemetric gallery/);
    const v2 = sampleGallery().encode();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expectRefused(v2, /version 2; this facemetric reads version 1 \(made by a newer facemetric/);
  });

  it('refuses every truncation as truncated, and any changed byte as corrupt', () => {
    const bytes = sampleGallery().encode();
    for (let n = 8; n < bytes.length; n += 7) expectRefused(bytes.subarray(0, n), /truncated gallery/);
    expectRefused(bytes.subarray(0, bytes.length - 1), /truncated gallery/);
    for (const at of [20, 70, 200, bytes.length - 100, bytes.length - 2]) {
      const bad = bytes.slice();
      bad[at]! ^= 0x10;
      expectRefused(bad, /corrupt gallery|truncated gallery/);
    }
    const flipped = bytes.slice();
    flipped[bytes.length - 50]! ^= 1; // inside the descriptors: structure intact, checksum not
    expectRefused(flipped, /corrupt gallery \(checksum mismatch/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expectRefused(longer, /corrupt gallery/);
  });

  it('refuses a person index beyond the people (with a valid checksum)', () => {
    const data: GalleryData = { modelSha256: SHA_A, dims: 2, people: ['a'], faces: [{ person: 1, source: '', contentSha256: '' }], descriptors: Float32Array.of(0, 1) };
    expectRefused(encodeGallery(data), /face 1 names person 2 of 1/);
  });
});

describe('search and identify', () => {
  // Four people on a line in 2-D; distances are easy to compute by hand.
  const g = new Gallery({ modelSha256: SHA_A, dims: 2 });
  g.add('a', { descriptor: [0, 0] });
  g.add('a', { descriptor: [1, 0] });
  g.add('b', { descriptor: [0.5, 0] });
  g.add('c', { descriptor: [3, 0] });
  g.add('d', { descriptor: [-2.5, 0] });

  it('nearest face: each person\'s closest face, nearest first, ties in enrolment order', () => {
    expect(g.search([0.5, 0])).toEqual([
      { name: 'a', distance: 0.5, person: 0 }, { name: 'b', distance: 0, person: 1 }, { name: 'c', distance: 2.5, person: 2 }, { name: 'd', distance: 3, person: 3 },
    ].sort((x, y) => x.distance - y.distance));
    // a (0.25 away from both 0 and 0.5 is not possible: query 0.25 -> a 0.25, b 0.25): tie, a first
    expect(g.search([0.25, 0], { k: 2 })).toEqual([{ name: 'a', distance: 0.25, person: 0 }, { name: 'b', distance: 0.25, person: 1 }]);
  });

  it('mean: the mean of the distances to the person\'s faces (face-api\'s FaceMatcher)', () => {
    expect(g.search([2, 0], { match: 'mean', k: 2 })).toEqual([{ name: 'c', distance: 1, person: 2 }, { name: 'a', distance: 1.5, person: 0 }]);
    expect(g.search([2, 0], { k: 2 })).toEqual([{ name: 'a', distance: 1, person: 0 }, { name: 'c', distance: 1, person: 2 }]);
  });

  it('identify: the best match at distance <= tolerance, else unknown_person; everyone within, in enrolment order', () => {
    const r = identifyDescriptor(g, [0.5, 0], { tolerance: 0.5, top: 3 });
    expect(r.name).toBe('b');
    expect(r.distance).toBe(0);
    expect(r.matches.map((m) => m.name)).toEqual(['b', 'a', 'c']);
    expect(r.within).toEqual([{ name: 'a', distance: 0.5, person: 0 }, { name: 'b', distance: 0, person: 1 }]);
    const u = identifyDescriptor(g, [10, 0], { tolerance: 0.6 });
    expect(u).toEqual({ name: UNKNOWN_PERSON, distance: 7, matches: [{ name: 'c', distance: 7, person: 2 }], within: [] });
    expect(identifyDescriptor(new Gallery({ modelSha256: SHA_A, dims: 2 }), [0, 0])).toEqual({ name: UNKNOWN_PERSON, distance: null, matches: [], within: [] });
  });

  it('the same source with the same content is enrolled once', () => {
    const h = new Gallery({ modelSha256: SHA_A, dims: 2 });
    expect(h.add('x', { descriptor: [0, 0], source: 'p.jpg', contentSha256: SHA_B })).toBe(true);
    expect(h.add('x', { descriptor: [0, 0], source: 'p.jpg', contentSha256: SHA_B })).toBe(false);
    expect(h.add('x', { descriptor: [0, 0], source: 'p.jpg', contentSha256: SHA_A })).toBe(true); // the photo changed
    expect(h.add('x', { descriptor: [0, 0], source: 'q.jpg', contentSha256: SHA_B })).toBe(true);
    expect(h.size).toBe(3);
    expect(Gallery.decode(h.encode()).has('p.jpg', SHA_B)).toBe(true);
  });

  it('grows past its first capacity, keeping every descriptor', () => {
    const h = new Gallery({ modelSha256: SHA_A });
    for (let i = 0; i < 300; i++) h.add(`p${i % 7}`, { descriptor: desc(i) });
    expect(h.size).toBe(300);
    expect(h.face(0).descriptor).toEqual(desc(0));
    expect(h.face(299).descriptor).toEqual(desc(299));
    expect(h.search(desc(123), { k: 1 })).toEqual([{ name: `p${123 % 7}`, distance: 0, person: 123 % 7 }]);
  });
});

describe('face-api LabeledFaceDescriptors JSON', () => {
  it('exports [{label, descriptors}] per person and imports it back', () => {
    const g = sampleGallery();
    const json = JSON.parse(JSON.stringify(g)) as { label: string; descriptors: number[][] }[];
    expect(json.map((e) => e.label)).toEqual(['Zoë', 'Bob']);
    expect(json[0]!.descriptors).toEqual([Array.from(desc(1)), Array.from(desc(3))]);
    const back = Gallery.fromJSON(json, { modelSha256: SHA_A });
    expect(back.people).toEqual(['Zoë', 'Bob']);
    expect(back.face(1).descriptor).toEqual(desc(3));
    expect(back.face(2).descriptor).toEqual(desc(2));
  });

  it('names the problem and the file for bad JSON', () => {
    expect(() => Gallery.fromJSON({}, { modelSha256: SHA_A }, 'f.json')).toThrow(/^f\.json: not face-api LabeledFaceDescriptors JSON: expected an array/);
    expect(() => Gallery.fromJSON([{ label: 'a', descriptors: [[1, 2]] }], { modelSha256: SHA_A }, 'f.json')).toThrow(/entry 1 \('a'\), descriptor 1: expected 128 finite numbers/);
    expect(() => Gallery.fromJSON([{ descriptors: [] }], { modelSha256: SHA_A }, 'f.json')).toThrow(/entry 1 has no label/);
  });

  it('reads and writes JSON files, refusing to overwrite one', async () => {
    const dir = tmp();
    const g = sampleGallery();
    await writeGalleryJson(g, join(dir, 'g.json'));
    await expect(writeGalleryJson(g, join(dir, 'g.json'))).rejects.toThrow(/already exists/);
    const back = await readGalleryJson(join(dir, 'g.json'), SHA_A);
    expect(back.toJSON()).toEqual(g.toJSON());
    writeFileSync(join(dir, 'bad.json'), '{');
    await expect(readGalleryJson(join(dir, 'bad.json'), SHA_A)).rejects.toThrow(/bad\.json: not valid JSON/);
  });
});

describe('gallery files', () => {
  it('opens what it saved; refuses another model\'s gallery, a missing file, and replacing a file it did not read', async () => {
    const dir = tmp();
    const file = join(dir, 'people.fmg');
    await saveGallery(sampleGallery(), file);
    const g = await openGallery(file, { modelSha256: SHA_A });
    expect(g.size).toBe(3);
    await expect(openGallery(file, { modelSha256: SHA_B })).rejects.toThrow(/people\.fmg: made with another face model \(its model's sha256 aaaaaaaaaaaa\.\.\., this one's 0123456789ab\.\.\.\)/);
    await expect(openGallery(join(dir, 'none.fmg'))).rejects.toThrow(/none\.fmg: cannot read the gallery \(no such file\)/);
    expect((await openGallery(join(dir, 'none.fmg'), { create: true, modelSha256: SHA_A })).size).toBe(0);
    await expect(saveGallery(sampleGallery(), file)).rejects.toThrow(/people\.fmg: already exists \(refusing to replace it/);
    g.add('Carl', { descriptor: desc(9) });
    await saveGallery(g, file);
    expect((await openGallery(file)).people).toEqual(['Zoë', 'Bob', 'Carl']);
  });

  it('refuses to overwrite a gallery that changed since it was read', async () => {
    const dir = tmp();
    const file = join(dir, 'g.fmg');
    await saveGallery(sampleGallery(), file);
    const g = await openGallery(file);
    const other = await openGallery(file);
    other.add('Eve', { descriptor: desc(5) });
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await saveGallery(other, file).catch(() => undefined);
    g.add('Dan', { descriptor: desc(4) });
    await expect(saveGallery(g, file)).rejects.toThrow(/changed since it was read/);
  });

  const child = (file: string, n: number, env: NodeJS.ProcessEnv = {}, limit = ''): ReturnType<typeof spawnSync> => {
    const script = resolve(dirname(new URL(import.meta.url).pathname), 'save-child.mjs');
    return spawnSync('bash', ['-c', `${limit}exec "${process.execPath}" "${script}" "${file}" ${n}`], { encoding: 'utf8', env: { ...process.env, ...env } });
  };

  it('a process killed in the middle of a save leaves the old file whole', () => {
    const dir = tmp();
    const file = join(dir, 'big.fmg');
    expect(child(file, 1).status).toBe(0);
    const before = readFileSync(file);
    const killed = child(file, 5000, { FACEMETRIC_TEST_KILL_MID_WRITE: '1' });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(file)).toEqual(before);
    expect(decodeGallery(readFileSync(file), file).faces).toHaveLength(1);
    const temps = readdirSync(dir).filter((f) => f.includes('.tmp-'));
    expect(temps).toHaveLength(1); // the half-written temporary file, beside it
    expect(statSync(join(dir, temps[0]!)).size).toBeLessThan(5001 * 128 * 4); // not whole: it was killed mid-write
    expect(() => decodeGallery(readFileSync(join(dir, temps[0]!)), 'temp')).toThrow(/truncated gallery/);
  });

  it('a save that fails while writing (file too large for the limit) leaves the old file whole and no temporary file', () => {
    const dir = tmp();
    const file = join(dir, 'big.fmg');
    expect(child(file, 1).status).toBe(0);
    const before = readFileSync(file);
    const r = child(file, 20000, {}, 'ulimit -f 1024; ');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^facemetric: .*big\.fmg: cannot write the gallery \(.*\); the previous file, if any, is unchanged\n$/);
    expect(readFileSync(file)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['big.fmg']);
  });
});

describe('the gallery core runs in a browser', () => {
  it('gallery.ts, format.ts, distance.ts, identify.ts, knn.ts, ivf.ts and clean.ts reach no node: module', () => {
    const seen = new Set<string>();
    const todo = ['src/gallery/gallery.ts', 'src/gallery/format.ts', 'src/gallery/distance.ts', 'src/gallery/identify.ts', 'src/gallery/knn.ts', 'src/gallery/ivf.ts', 'src/gallery/clean.ts'].map((f) => resolve(f));
    while (todo.length > 0) {
      const f = todo.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:/);
      for (const m of text.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) todo.push(resolve(dirname(f), m[1]!).replace(/\.js$/, '.ts'));
    }
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });
});
