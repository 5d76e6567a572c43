/**
 * `facemetric enroll` and `facemetric identify`, run as a user runs them (the compiled bin), on
 * dlib's examples/johns (5 people, 150x150 chips; our pipeline gives dlib's descriptors bit for
 * bit, test/parity): identification against a gallery of one photo per person gives the names
 * a direct nearest-neighbour search over the descriptors gives (computed here, independently);
 * `--csv --show-distance` is byte for byte what face_recognition's rules print when run by Python
 * and numpy themselves on the same descriptors; enrolment's naming, skipping, --largest and
 * dedupe (enrolling a folder again adds exactly its new photo); the errors (another model's
 * gallery, a corrupt one, wrong arguments) are one line. The README's runs of `identify --top 2`
 * and `calibrate` are run again and their lines recomputed here from the descriptors (calibrate's
 * suggestion: the midpoint of the gap between the two kinds of pair, as the README says).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pythonFloatRepr } from '../../src/cli/identify.js';
import { decodeGallery } from '../../src/gallery/format.js';
import { Gallery } from '../../src/gallery/gallery.js';
import { faceModelSha256, saveGallery } from '../../src/gallery/file.js';
import { defaultCells, defaultProbes } from '../../src/gallery/ivf.js';
import { syntheticDescriptors } from '../../bench/cluster.js';
import { encodePng, readImageSync } from '../../src/image/index.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { describeFaces } from '../../src/pipeline/index.js';
import { readmeRun } from '../helpers/readme.js';

const BIN = 'dist/src/cli/main.js';
const facemetric = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^facemetric: /);
  expect(lines[0]).toMatch(pattern);
}

const johns = exampleImages('johns');
const person = (f: string): string => basename(join(f, '..'));
const people = [...new Set(johns.map(person))].sort();
const known = people.map((p) => johns.find((f) => person(f) === p)!);
const work = mkdtempSync(join(tmpdir(), 'facemetric-identify-'));
mkdirSync(join(work, 'known'));
for (const f of known) copyFileSync(f, join(work, 'known', `${person(f)}.jpg`));
const galleryFile = join(work, 'johns.fmg');

/** Every johns face, described in this process (the pipeline is dlib's, bit for bit). */
const described = johns.map((f) => ({ file: f, descriptor: describeFaces(readImageSync(f)).faces[0]!.descriptor }));
const knownDescriptors = known.map((k) => described.find((d) => d.file === k)!.descriptor);
/** The plain Euclidean distance, in float64, summed in index order. */
const euclid = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));
/** dlib's `length(a - b)` on matrix<float>: each difference, square and sum rounded to float32, in index order. */
const dlibLength = (a: Float32Array, b: Float32Array): number => Math.fround(Math.sqrt(a.reduce((s, x, k) => Math.fround(s + Math.fround(Math.fround(x - b[k]!) ** 2)), 0)));

/** The examples folder as the README's commands name it (models/examples), and as it is here. */
const examplesHere = relative(process.cwd(), assetPath('examples')) || '.';
const fromReadme = (arg: string): string => arg.replace(/^models\/examples(?=\/)/, examplesHere);
const toReadme = (text: string): string => text.split(`${examplesHere}/`).join('models/examples/');

/** `87.5%` as calibrate prints shares. */
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

describe('facemetric enroll', () => {
  it('enrols one face per photo, named by the file name, with the model\'s sha256, the rect and 68 landmarks', () => {
    const r = facemetric('enroll', galleryFile, join(work, 'known'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${galleryFile}: 5 people, 5 faces (5 added, 0 already there, 0 skipped)`);
    const g = decodeGallery(readFileSync(galleryFile), galleryFile);
    expect(g.people).toEqual(people);
    expect(g.modelSha256).toBe(createHash('sha256').update(readFileSync(assetPath('dlib_face_recognition_resnet_model_v1'))).digest('hex'));
    expect(g.faces.map((f) => f.landmarks?.length)).toEqual([68, 68, 68, 68, 68]);
    expect(g.faces.map((f) => f.contentSha256)).toEqual(known.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')));
    for (let i = 0; i < 5; i++) expect(g.descriptors.subarray(128 * i, 128 * (i + 1))).toEqual(knownDescriptors[i]);
  });

  it('enrolling the same photos again adds nothing and leaves the file as it was', () => {
    const before = readFileSync(galleryFile);
    const r = facemetric('enroll', galleryFile, join(work, 'known'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { added: unknown[]; unchanged: string[]; written: boolean; faces: number };
    expect(out.added).toEqual([]);
    expect(out.unchanged).toHaveLength(5);
    expect(out.written).toBe(false);
    expect(out.faces).toBe(5);
    expect(readFileSync(galleryFile)).toEqual(before);
  });

  it('enrolling a folder again after a photo was added to it adds exactly the new photo', () => {
    const dir = join(work, 'growing');
    mkdirSync(dir);
    const first = [johns[0]!, johns[15]!, johns[30]!];
    first.forEach((f, i) => copyFileSync(f, join(dir, `p${i}.jpg`)));
    const g = join(work, 'growing.fmg');
    expect(facemetric('enroll', g, dir).code).toBe(0);
    const before = decodeGallery(readFileSync(g), g);
    copyFileSync(johns[45]!, join(dir, 'p3.jpg'));
    const r = facemetric('enroll', g, dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { added: { image: string; name: string }[]; unchanged: string[]; written: boolean; faces: number };
    expect(out.added.map((a) => [a.image, a.name])).toEqual([[join(dir, 'p3.jpg'), 'p3']]);
    expect(out.unchanged).toEqual([0, 1, 2].map((i) => join(dir, `p${i}.jpg`)));
    expect(out.written).toBe(true);
    const after = decodeGallery(readFileSync(g), g);
    expect(after.people).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(after.faces.slice(0, 3)).toEqual(before.faces);
    expect(after.descriptors.subarray(0, 3 * 128)).toEqual(before.descriptors);
    expect(after.descriptors.subarray(3 * 128)).toEqual(described.find((d) => d.file === johns[45])!.descriptor);
  });

  it('names by sub-folder or --name; skips photos with no face or several, or takes the largest with --largest', () => {
    const dir = join(work, 'more');
    mkdirSync(join(dir, 'Ann'), { recursive: true });
    copyFileSync(johns[20]!, join(dir, 'Ann', 'a.jpg'));
    const two = join(assetPath('examples'), 'faces', '2008_001009.jpg');
    copyFileSync(two, join(dir, 'two.jpg'));
    writeFileSync(join(dir, 'blank.png'), encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128), channels: 3 }));
    const g = join(work, 'more.fmg');
    const r = facemetric('enroll', g, dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `facemetric: ${join(dir, 'blank.png')}: no faces found (small faces: try --upsample 1) (skipped)\n` +
      `facemetric: ${join(dir, 'two.jpg')}: 2 faces; enroll photos of one person, or --largest to take the largest face (skipped)\n`);
    const largest = facemetric('enroll', g, join(dir, 'two.jpg'), '--largest', '--name', 'Pat');
    expect(largest.code, largest.stderr).toBe(0);
    expect(largest.stdout.split('\n')[0]).toBe(`${join(dir, 'two.jpg')}: Pat [121, 208, 208, 294]`);
    const data = decodeGallery(readFileSync(g), g);
    expect(data.people).toEqual(['Ann', 'Pat']);
    // The largest of the two faces dlib finds ([121, 208, 208, 294] and [149, 85, 221, 157]):
    const faces = describeFaces(readImageSync(two)).faces;
    expect(data.descriptors.subarray(128)).toEqual(faces[0]!.descriptor);
  });
});

describe('facemetric identify', () => {
  it('names every johns face as a direct nearest-neighbour over the descriptors does', () => {
    const r = facemetric('identify', join(assetPath('examples'), 'johns'), '--gallery', galleryFile, '--json', '--top', '5');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { image: string; faces: { rect: number[]; name: string; distance: number; matches: { name: string; distance: number }[] }[] });
    expect(lines.map((l) => l.image)).toEqual(johns);
    let right = 0;
    lines.forEach((l, i) => {
      const q = described[i]!.descriptor;
      const dists = knownDescriptors.map((k) => euclid(q, k));
      const best = dists.indexOf(Math.min(...dists));
      expect(l.faces).toHaveLength(1);
      const f = l.faces[0]!;
      expect(f.name).toBe(dists[best]! <= 0.6 ? people[best] : 'unknown_person');
      expect(Math.abs(f.distance - dists[best]!)).toBeLessThan(1e-12);
      expect(f.matches.map((m) => m.name)).toEqual(people.map((p, k) => [p, dists[k]!] as const).sort((a, b) => a[1] - b[1]).map((x) => x[0]));
      if (f.name === person(johns[i]!)) right++;
    });
    expect(right).toBeGreaterThanOrEqual(50); // one photo per person identifies most of the 55
  });

  it('--csv --show-distance prints what face_recognition\'s rules print (Python and numpy on the same descriptors), byte for byte', () => {
    const unknown = join(work, 'unknown');
    mkdirSync(unknown);
    // one face within 0.7 of two people, an enrolled photo (distance 0.0), one unknown (John_Simm), one plain match
    const picks = ['John_Schneider/000302_00925785.jpg', 'John_Salley/000179_02159509.jpg', 'John_Simm/000297_00470170.jpg', 'John_Shimkus/000375_03227651.jpg']
      .map((n) => johns.find((f) => f.endsWith(n))!);
    picks.forEach((f, i) => copyFileSync(f, join(unknown, `u${i}.jpg`)));
    writeFileSync(join(unknown, 'u9.png'), encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(200), channels: 3 }));
    const known4 = join(work, 'known4');
    mkdirSync(known4);
    for (const p of people.slice(0, 4)) copyFileSync(join(work, 'known', `${p}.jpg`), join(known4, `${p}.jpg`));
    const r = facemetric('identify', unknown, '--known', known4, '--csv', '--show-distance', '--tolerance', '0.7');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.some((l) => l.includes('unknown_person,None'))).toBe(true);
    expect(lines.filter((l) => l.startsWith(`${join(unknown, 'u0.jpg')},`)).map((l) => l.split(',')[1])).toEqual(['John_Savage', 'John_Schneider']);
    expect(lines).toContain(`${join(unknown, 'u1.jpg')},John_Salley,0.0`);
    expect(r.stdout.endsWith(`${join(unknown, 'u9.png')},no_persons_found,None\n`)).toBe(true);
    const plain = facemetric('identify', unknown, '--known', known4, '--csv', '--tolerance', '0.7');
    expect(plain.stdout).toBe(r.stdout.replace(/,[^,\n]+\n/g, '\n'));
    // what Python + numpy printed below on these descriptors (pinned, so that the claim is checked
    // where python3 has no numpy too)
    expect(r.stdout).toBe([
      'u0.jpg,John_Savage,0.695573122712001', 'u0.jpg,John_Schneider,0.36504664035796464', 'u1.jpg,John_Salley,0.0',
      'u2.jpg,unknown_person,None', 'u3.jpg,John_Shimkus,0.37189293016891406', 'u9.png,no_persons_found,None',
    ].map((l) => `${join(unknown, l)}\n`).join(''));
    if (!hasNumpy) return;
    const input = {
      known: people.slice(0, 4).map((p) => ({ name: p, enc: Array.from(knownDescriptors[people.indexOf(p)]!) })),
      unknown: [...picks.map((f, i) => ({ file: join(unknown, `u${i}.jpg`), encs: [Array.from(described.find((d) => d.file === f)!.descriptor)] })),
        { file: join(unknown, 'u9.png'), encs: [] }],
    };
    // face_recognition_cli.py's test_image and print_result, restated: numpy distances, <= tolerance,
    // every match printed in the known order, else unknown_person; no faces: no_persons_found.
    const script = `import json,sys,numpy as np
d=json.load(sys.stdin); names=[k['name'] for k in d['known']]; K=np.array([k['enc'] for k in d['known']])
def p(f,n,dist): print("{},{},{}".format(f,n,dist))
for u in d['unknown']:
    for e in u['encs']:
        ds=np.linalg.norm(K-np.array(e),axis=1); res=list(ds<=0.7)
        if True in res:
            [p(u['file'],n,x) for m,n,x in zip(res,names,ds) if m]
        else:
            p(u['file'],'unknown_person',None)
    if not u['encs']:
        p(u['file'],'no_persons_found',None)`;
    const py = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    expect(r.stdout).toBe(py.stdout);
  });

  it('prints floats as Python\'s repr does', () => {
    const values = [0, 1, 0.5, 0.1, 1e-5, 0.0001, 0.00012345, 1e16, 123456789012345680000, 2.5e-10, 0.35996929564295027, 1 / 3, 7, 1e15, 9.999999999999999e15];
    expect(values.map(pythonFloatRepr)).toEqual(hasNumpy
      ? JSON.parse(spawnSync('python3', ['-c', `import json,sys; print(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))`], { input: JSON.stringify(values), encoding: 'utf8' }).stdout) as string[]
      : ['0.0', '1.0', '0.5', '0.1', '1e-05', '0.0001', '0.00012345', '1e+16', '1.2345678901234568e+20', '2.5e-10', '0.35996929564295027', '0.3333333333333333', '7.0', '1000000000000000.0', '9999999999999998.0']);
  });

  it('--approximate probing every cell names every face as the exact search does; says how it searched; not with --match mean', async () => {
    // A gallery over INDEX_MIN_FACES: the 5 known johns and 400 strangers spread like dlib's.
    const big = join(work, 'big.fmg');
    const g = new Gallery({ modelSha256: await faceModelSha256() });
    known.forEach((f, i) => g.add(person(f), { descriptor: knownDescriptors[i]! }));
    const strangers = syntheticDescriptors(400, 40, 3);
    for (let i = 0; i < 400; i++) g.add(`stranger${i % 40}`, { descriptor: strangers.subarray(i * 128, (i + 1) * 128) });
    await saveGallery(g, big);
    const cells = defaultCells(405);
    const two = [people[0]!, people[3]!].map((p) => join(assetPath('examples'), 'johns', p));
    const exact = facemetric('identify', ...two, '--gallery', big, '--json', '--top', '3');
    const approx = facemetric('identify', ...two, '--gallery', big, '--json', '--top', '3', '--approximate', '--probes', String(cells));
    expect(exact.code, exact.stderr).toBe(0);
    expect(approx.code, approx.stderr).toBe(0);
    expect(approx.stdout).toBe(exact.stdout);
    expect(exact.stdout.trimEnd().split('\n')).toHaveLength(johns.filter((f) => [people[0], people[3]].includes(person(f))).length);
    const text = facemetric('identify', johns[0]!, '--gallery', big, '--approximate');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr.split('\n')[0]).toBe(`known: 45 people, 405 faces; tolerance 0.6, nearest match; approximate search (${cells} cells, ${defaultProbes(cells)} probed)`);
    const small = facemetric('identify', johns[0]!, '--gallery', galleryFile, '--approximate');
    expect(small.stderr.split('\n')[0]).toBe('known: 5 people, 5 faces; tolerance 0.6, nearest match; exact search (--approximate needs 256 faces or more)');
    const mean = facemetric('identify', johns[0]!, '--gallery', big, '--approximate', '--match', 'mean');
    expect(mean.code).toBe(2);
    expectOneLineError(mean.stderr, /--approximate searches the nearest face only; it does not go with --match mean/);
  });

  it('passes over the sidecars and other files of the folders it walks (enroll counts them), but not a file named outright', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-sidecars-'));
    mkdirSync(join(dir, 'known'));
    copyFileSync(known[0]!, join(dir, 'known', `${person(known[0]!)}.jpg`));
    writeFileSync(join(dir, 'known', `${person(known[0]!)}.xmp`), '<?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n');
    writeFileSync(join(dir, 'known', 'clip.mp4'), Buffer.from('000000186674797069736f6d', 'hex'));
    const g = join(dir, 'g.fmg');
    const e = facemetric('enroll', g, join(dir, 'known'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toBe('');
    expect(e.stdout.trimEnd().split('\n').at(-1)).toBe(`${g}: 1 person, 1 face (1 added, 0 already there, 0 skipped, 2 other files)`);
    const i = facemetric('identify', join(dir, 'known'), '--gallery', g);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stderr.trimEnd().split('\n').at(-1)).toBe('facemetric: 2 other files in the folders passed over (not photos)');
    const named = facemetric('identify', join(dir, 'known', 'clip.mp4'), '--gallery', g);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/clip\.mp4: .*\(skipped\)/);
  });

  it('refuses a gallery of another model, a corrupt gallery and wrong arguments, in one line', async () => {
    const other = join(work, 'other.fmg');
    const g = new Gallery({ modelSha256: '0'.repeat(63) + '1' });
    g.add('x', { descriptor: knownDescriptors[0]! });
    await saveGallery(g, other);
    const a = facemetric('identify', johns[0]!, '--gallery', other);
    expect(a.code).toBe(1);
    expectOneLineError(a.stderr, /other\.fmg: made with another face model/);
    const bad = join(work, 'bad.fmg');
    const bytes = readFileSync(galleryFile);
    writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
    const b = facemetric('identify', johns[0]!, '--gallery', bad);
    expect(b.code).toBe(1);
    expectOneLineError(b.stderr, /bad\.fmg: truncated gallery/);
    const c = facemetric('identify', johns[0]!, '--gallery', galleryFile, '--known', work);
    expect(c.code).toBe(2);
    expectOneLineError(c.stderr, /--gallery FILE or --known DIR \(one of them\)/);
    const e = facemetric('enroll', galleryFile, johns[0]!, '--top', '2');
    expect(e.code).toBe(2);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('identify, as the README shows it', () => {
  it('--top 2 prints per photo its faces\' boxes, the nearest person and distance (or unknown_person and the nearest), then the next', () => {
    const { args, lines } = readmeRun('identify', ' --top 2');
    expect(args.slice(-3)).toEqual(['people.fmg', '--top', '2']);
    const photos = args.slice(1, args.indexOf('--gallery')).map(fromReadme);
    const r = facemetric('identify', ...photos, '--gallery', galleryFile, '--top', '2');
    expect(r.code, r.stderr).toBe(0);
    // Independently: each face's float64 distance to each known person's one face.
    const expected: string[] = [];
    for (const photo of photos) {
      const faces = describeFaces(readImageSync(photo)).faces;
      expected.push(`${photo}: ${faces.length} face${faces.length === 1 ? '' : 's'}`);
      for (const f of faces) {
        const [a, b] = people.map((p, k) => ({ p, d: euclid(f.descriptor, knownDescriptors[k]!) })).sort((x, y) => x.d - y.d);
        const best = a!.d <= 0.6 ? `${a!.p} ${a!.d.toFixed(4)}` : `unknown_person (nearest: ${a!.p} ${a!.d.toFixed(4)})`;
        expected.push(`  [${f.rect.join(', ')}] ${best}; then ${b!.p} ${b!.d.toFixed(4)}`);
      }
    }
    expect(r.stdout).toBe(expected.join('\n') + '\n');
    expect(r.stderr).toBe('known: 5 people, 5 faces; tolerance 0.6, nearest match\n');
    // ... and the README shows that run: stderr's line, then stdout's.
    expect(lines).toEqual([r.stderr.trimEnd(), ...toReadme(r.stdout).trimEnd().split('\n')]);
  });
});

describe('facemetric calibrate', () => {
  it('evaluates every pair of the johns faces, suggests the best threshold, writes the histograms and stores the tolerance', () => {
    const g = join(work, 'cal.fmg');
    copyFileSync(galleryFile, g);
    const plot = join(work, 'cal.png');
    const r = facemetric('calibrate', join(assetPath('examples'), 'johns'), '--plot', plot, '--gallery', g, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { faces: number; people: number; pairs: { same: number; different: number }; numRight: number; numWrong: number; accuracy: number; bestThreshold: number; bestAccuracy: number; tolerance: number; roc: { threshold: number; trueAcceptRate: number; falseAcceptRate: number }[] };
    // Independently: every pair i < j of the 55 descriptors, in float64.
    let same = 0, different = 0, right = 0, maxSame = 0, minDifferent = Infinity;
    for (let i = 0; i < described.length; i++) {
      for (let j = i + 1; j < described.length; j++) {
        const d = euclid(described[i]!.descriptor, described[j]!.descriptor);
        const isSame = person(described[i]!.file) === person(described[j]!.file);
        if (isSame) { same++; maxSame = Math.max(maxSame, d); } else { different++; minDifferent = Math.min(minDifferent, d); }
        if ((d < 0.6) === isSame) right++;
      }
    }
    expect(out.faces).toBe(55);
    expect(out.people).toBe(5);
    expect(out.pairs).toEqual({ same, different });
    expect(out.numRight).toBe(right);
    expect(out.numRight + out.numWrong).toBe(same + different);
    // The two kinds are separated on johns: the best threshold lies between them, with no error.
    expect(maxSame).toBeLessThan(minDifferent);
    expect(out.bestAccuracy).toBe(1);
    expect(out.bestThreshold).toBeGreaterThan(maxSame);
    expect(out.bestThreshold).toBeLessThan(minDifferent);
    expect(out.tolerance).toBe(Math.round(out.bestThreshold * 1000) / 1000);
    // ROC: at 0.4, the shares of same- and different-person pairs closer than 0.4, counted here
    const at = (t: number): { tar: number; far: number } => {
      let s = 0, d = 0;
      for (let i = 0; i < described.length; i++) for (let j = i + 1; j < described.length; j++) {
        const dist = euclid(described[i]!.descriptor, described[j]!.descriptor);
        if (dist < t) { if (person(described[i]!.file) === person(described[j]!.file)) s++; else d++; }
      }
      return { tar: s / same, far: d / different };
    };
    const p4 = out.roc.find((p) => p.threshold === 0.4)!;
    expect({ tar: p4.trueAcceptRate, far: p4.falseAcceptRate }).toEqual(at(0.4));
    expect(out.roc).toHaveLength(30);
    expect(readFileSync(plot).subarray(1, 4).toString()).toBe('PNG');
    expect(decodeGallery(readFileSync(g), g).tolerance).toBe(out.tolerance);
    const again = facemetric('calibrate', join(assetPath('examples'), 'johns'), '--plot', plot);
    expect(again.code).toBe(1);
    expectOneLineError(again.stderr, /cal\.png: already exists/);
    const id = facemetric('identify', johns[0]!, '--gallery', g);
    expect(id.stderr).toBe(`known: 5 people, 5 faces; tolerance ${out.tolerance}, nearest match\n`);
  });

  it('prints the README\'s lines: pairs, accuracy, the error rate, the distance ranges, ROC points, and the midpoint of the gap as the tolerance', () => {
    const { args, lines } = readmeRun('calibrate', ' --gallery people.fmg');
    const g = join(work, 'people.fmg');
    copyFileSync(galleryFile, g);
    const plot = join(work, 'cal-text.png');
    const r = facemetric('calibrate', fromReadme(args[1]!), '--gallery', g, '--plot', plot);
    expect(r.code, r.stderr).toBe(0);
    // Independently: every pair i < j of the 55 descriptors by dlib's float distance.
    const same: number[] = [];
    const different: number[] = [];
    for (let i = 0; i < described.length; i++) {
      for (let j = i + 1; j < described.length; j++) {
        const d = dlibLength(described[i]!.descriptor, described[j]!.descriptor);
        (person(described[i]!.file) === person(described[j]!.file) ? same : different).push(d);
      }
    }
    same.sort((a, b) => a - b);
    different.sort((a, b) => a - b);
    const total = same.length + different.length;
    const right = same.filter((d) => d < 0.6).length + different.filter((d) => d >= 0.6).length;
    // The README: the kinds do not overlap, so every threshold in the gap is right for all
    // pairs, and the suggestion is the gap's midpoint (rounded to 3 decimals).
    expect(same.at(-1)!).toBeLessThan(different[0]!);
    const midpoint = (same.at(-1)! + different[0]!) / 2;
    const accepts = (t: number): string => `${t}: ${pct(same.filter((d) => d < t).length / same.length)} / ${pct(different.filter((d) => d < t).length / different.length)}`;
    const expected = [
      `55 faces of 5 people (0 skipped): ${same.length} same-person and ${different.length} different-person pairs`,
      `accuracy at 0.6 ${pct(right / total)} (${right} right, ${total - right} wrong of ${total} pairs), equal error rate 0.0%, best threshold ${midpoint.toFixed(3)} (100.0%)`,
      `equal error rate at ${midpoint.toFixed(3)}; same-person distances ${same[0]!.toFixed(3)}..${same.at(-1)!.toFixed(3)}, different-person ${different[0]!.toFixed(3)}..${different.at(-1)!.toFixed(3)}`,
      `true / false accepts: ${[0.4, 0.5, 0.6, 0.7].map(accepts).join(', ')}`,
      `suggested: --tolerance ${Math.round(midpoint * 1000) / 1000} (stored in ${g})`,
      `histograms and ROC curve: ${plot}`,
    ];
    expect(r.stdout).toBe(expected.join('\n') + '\n');
    const json = facemetric('calibrate', fromReadme(args[1]!), '--plot', plot, '--force', '--json');
    const out = JSON.parse(json.stdout) as { bestThreshold: number; equalErrorThreshold: number; tolerance: number };
    expect(out.bestThreshold).toBe(midpoint);
    expect(out.equalErrorThreshold).toBe(midpoint);
    expect(out.tolerance).toBe(Math.round(midpoint * 1000) / 1000);
    expect(decodeGallery(readFileSync(g), g).tolerance).toBe(out.tolerance);
    // ... and the README shows that run (its gallery people.fmg, its plot the default).
    expect(lines).toEqual(r.stdout.trimEnd().split('\n').map((l) => l.replace(g, 'people.fmg').replace(plot, 'calibration.png')));
  });
});

describe('identify --annotate', () => {
  it('writes each photo with its boxes and names drawn, and does not overwrite without --force', () => {
    const out = join(work, 'drawn');
    const photo = join(assetPath('examples'), 'faces', '2008_001009.jpg');
    const r = facemetric('identify', photo, johns[0]!, '--gallery', galleryFile, '--annotate', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([`${basename(johns[0]!, '.jpg')}.png`, '2008_001009.png']);
    const drawn = readImageSync(join(out, '2008_001009.png'));
    const original = readImageSync(photo);
    const px = (img: typeof drawn, x: number, y: number): number[] => Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));
    const faces = (JSON.parse(r.stdout.split('\n')[0]!) as { faces: { rect: [number, number, number, number]; name: string }[] }).faces;
    expect(faces.map((f) => f.name)).toEqual(['unknown_person', 'unknown_person']);
    for (const f of faces) {
      const [l, t, , b] = f.rect;
      expect(px(drawn, l, b)).toEqual([0, 255, 0]); // the box
      // the label above the box: a green band with black letters in it (scale 2: 14 px high)
      const band: number[][] = [];
      for (let y = t - 14; y < t; y++) for (let x = l; x < l + 14 * 8; x++) band.push(px(drawn, x, y));
      expect(band.filter((p) => p.join() === '0,0,0').length).toBeGreaterThan(100);
      expect(band.filter((p) => p.join() === '0,255,0').length).toBeGreaterThan(500);
    }
    expect(px(drawn, 5, 470)).toEqual(px(original, 5, 470)); // elsewhere untouched
    const again = facemetric('identify', photo, '--gallery', galleryFile, '--annotate', out);
    expect(again.code).toBe(1);
    expectOneLineError(again.stderr.split('\n').filter((l) => !l.startsWith('known:')).join('\n'), /2008_001009\.png: already exists/);
    expect(facemetric('identify', photo, '--gallery', galleryFile, '--annotate', out, '--force').code).toBe(0);
  });
});

describe('enroll --export / --import: face-api LabeledFaceDescriptors JSON', () => {
  it('exports the gallery as [{label, descriptors}] and imports it into a new gallery with the same descriptors', () => {
    const json = join(work, 'faces.json');
    const r = facemetric('enroll', galleryFile, '--export', json);
    expect(r.code, r.stderr).toBe(0);
    const exported = JSON.parse(readFileSync(json, 'utf8')) as { label: string; descriptors: number[][] }[];
    expect(exported.map((e) => e.label)).toEqual(people);
    exported.forEach((e, i) => expect(e.descriptors).toEqual([Array.from(knownDescriptors[i]!)]));
    expect(facemetric('enroll', galleryFile, '--export', json).code).toBe(1); // exists: refused without --force
    const copy = join(work, 'imported.fmg');
    const imp = facemetric('enroll', copy, '--import', json, '--json');
    expect(imp.code, imp.stderr).toBe(0);
    expect((JSON.parse(imp.stdout) as { imported: number; faces: number }).imported).toBe(5);
    const g = decodeGallery(readFileSync(copy), copy);
    expect(g.people).toEqual(people);
    expect(g.descriptors).toEqual(decodeGallery(readFileSync(galleryFile), galleryFile).descriptors);
    expect(g.faces.map((f) => f.source)).toEqual(['', '', '', '', '']);
  });
});
