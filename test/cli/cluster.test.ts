/**
 * `facemetric cluster`, `facemetric compare` and `npm start`, run as a user runs them (the
 * compiled bin, `npm start` through npm), checked against live dlib: the harness's `cluster`
 * runs dlib's detector, shape predictor, ResNet and chinese_whispers on the same files (the
 * face-clustering example), so the labels, the people and their face counts must be dlib's.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readImageSync } from '../../src/image/index.js';
import { describeFaces } from '../../src/pipeline/index.js';
import { assetPath, exampleImages, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessClusters, type HarnessImage } from '../../src/parity/harness.js';
import { dlibFloatDistance } from '../../src/cluster/index.js';
import { describeParity } from '../parity/helpers.js';
import { TOLERANCES } from '../parity/tolerances.js';
import { REPORT_LOCK, type ClustersJson } from '../../src/cli/cluster.js';

const BIN = 'dist/src/cli/main.js';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const facemetric = (...args: string[]): ReturnType<typeof run> => run(process.execPath, [BIN, ...args]);

function expectOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^facemetric/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

interface PageSection {
  person: number;
  label: number;
  faces: number;
  /** The chips shown on the person's pages, as absolute paths. */
  imgs: string[];
  /** The photos the faces link to, as absolute paths. */
  hrefs: string[];
  /** The card's representative face (absolute path). */
  rep: string;
}

/**
 * The people of a written report: index.html's cards in order, each with the faces of its
 * person/N.html page(s) (every link and image resolved against the page's folder).
 */
function readReport(indexHtml: string): PageSection[] {
  const html = readFileSync(indexHtml, 'utf8');
  expect(html.startsWith('<!doctype html>')).toBe(true);
  const outDir = dirname(indexHtml);
  const cards = [...html.matchAll(/<a class="card" [^>]*href="([^"]+)" data-person="(\d+)" data-label="(\d+)" data-faces="(\d+)"[^>]*><img class="rep" src="([^"]+)"/g)];
  return cards.map((c) => {
    const imgs: string[] = [];
    const hrefs: string[] = [];
    let page = join(outDir, decodeURIComponent(c[1]!));
    for (;;) {
      const body = readFileSync(page, 'utf8');
      expect(body).toContain(`<section class="person" data-person="${c[2]}" data-label="${c[3]}" data-faces="${c[4]}">`);
      for (const m of body.matchAll(/<a class="face" href="([^"]+)"[^>]*><img src="([^"]+)"[^>]* loading="lazy"/g)) {
        hrefs.push(resolve(dirname(page), decodeURIComponent(m[1]!)));
        imgs.push(resolve(dirname(page), decodeURIComponent(m[2]!)));
      }
      const next = /<a rel="next" href="([^"]+)"/.exec(body);
      if (next === null) break;
      page = join(dirname(page), decodeURIComponent(next[1]!));
    }
    return { person: Number(c[2]), label: Number(c[3]), faces: Number(c[4]), imgs, hrefs, rep: resolve(outDir, decodeURIComponent(c[5]!)) };
  });
}

/** dlib's people: face counts per label, largest first. */
function dlibCounts(c: HarnessClusters): number[] {
  const counts = new Map<number, number>();
  for (const f of c.faces) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
}

type Rect = readonly [number, number, number, number];
const iou = (a: Rect, b: Rect): number => {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (w <= 0 || h <= 0) return 0;
  const area = (r: Rect): number => (r[2] - r[0] + 1) * (r[3] - r[1] + 1);
  return (w * h) / (area(a) + area(b) - w * h);
};

/**
 * Our faces matched to dlib's (same image, boxes overlapping by IoU > 0.5), then the two
 * partitions compared: faces together in ours are together in dlib's and apart where apart.
 * For runs dlib's harness cannot reproduce exactly (jittered descriptors: the harness's
 * `cluster` does not jitter), "the same people" is what can be asserted.
 */
function expectSamePartition(ours: readonly { image: string; rect: Rect; label: number }[], dlib: HarnessClusters): void {
  expect(ours).toHaveLength(dlib.faces.length);
  const match = ours.map((f) => {
    const k = dlib.faces.findIndex((g) => resolve(g.image) === resolve(f.image) && iou(g.rect, f.rect) > 0.5);
    expect(k, `no dlib face for ${f.image} [${f.rect.join(', ')}]`).toBeGreaterThanOrEqual(0);
    return k;
  });
  expect(new Set(match).size).toBe(ours.length);
  for (let i = 0; i < ours.length; i++) {
    for (let j = i + 1; j < ours.length; j++) {
      const together = ours[i]!.label === ours[j]!.label;
      expect(dlib.faces[match[i]!]!.label === dlib.faces[match[j]!]!.label, `faces ${i} and ${j}`).toBe(together);
    }
  }
}

const net = (): string => assetPath('dlib_face_recognition_resnet_model_v1');
const predictor = (): string => assetPath('shape_predictor_68_face_landmarks');
const baldGuys = (): string => join(exampleImagesDir(), 'faces', 'bald_guys.jpg');

describeParity('npm start: the 4-person report of bald_guys.jpg, as dlib clusters it', () => {
  it('npm start writes a fresh report folder, prints its path, and index.html lists dlib\'s 4 people with their face counts', () => {
    const r = run('npm', ['start', '--silent']);
    expect(r.code, r.stderr).toBe(0);
    const m = /^report: (.+index\.html)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const index = m![1]!;
    expect(existsSync(index)).toBe(true);
    const outDir = dirname(index);
    // A fresh folder: made by this run (nothing in it older than the run's output).
    const people = readReport(index);
    const [dlib] = runHarnessJson<HarnessClusters>(['cluster', '--predictor', predictor(), '--net', net(), '--threshold', '0.6', baldGuys()]);
    expect(dlib!.clusters).toBe(4);
    expect(dlib!.faces).toHaveLength(24);
    expect(people).toHaveLength(4);
    expect(people.map((p) => p.faces)).toEqual(dlibCounts(dlib!));
    expect(people.map((p) => p.person)).toEqual([1, 2, 3, 4]);
    for (const p of people) {
      expect(p.imgs).toHaveLength(p.faces);
      expect(p.imgs).toContain(p.rep);
      for (const img of p.imgs) {
        const chip = readImageSync(img);
        expect([chip.width, chip.height]).toEqual([150, 150]);
      }
      for (const href of p.hrefs) expect(href).toBe(resolve(baldGuys()));
      const tile = readImageSync(join(outDir, `person-${p.person}.png`));
      expect(tile.width).toBeGreaterThanOrEqual(150 * Math.ceil(Math.sqrt(p.faces)));
    }
    // clusters.json: dlib's faces and labels, in dlib's order (facemetric decodes the JPEG to
    // dlib's pixels, so everything downstream is dlib's).
    const json = JSON.parse(readFileSync(join(outDir, 'clusters.json'), 'utf8')) as ClustersJson;
    expect(json.clusters).toBe(4);
    expect(json.faces.map((f) => f.rect)).toEqual(dlib!.faces.map((f) => f.rect));
    expect(json.faces.map((f) => f.label)).toEqual(dlib!.faces.map((f) => f.label));
    expect(json.unreadable).toEqual([]);
    expect(json.images).toEqual({ files: 1, photos: 1, withFaces: 1, withoutFaces: 0, unreadable: 0, otherFiles: 0, fromCache: 0 });
    expect(r.stdout).toMatch(/^1 photo, 1 with faces, 0 without\n24 faces: 4 people \(threshold 0\.6\)\n/);
    // A second run writes a different folder: nothing of the first is touched.
    const before = statSync(join(outDir, 'index.html')).mtimeMs;
    const again = run('npm', ['start', '--silent']);
    expect(again.code).toBe(0);
    const index2 = /^report: (.+index\.html)$/m.exec(again.stdout)![1]!;
    expect(dirname(index2)).not.toBe(outDir);
    expect(statSync(join(outDir, 'index.html')).mtimeMs).toBe(before);
  });
});

describeParity('facemetric cluster: dlib\'s labels on a folder of photos', () => {
  it('examples/johns (55 photos in 5 sub-folders): 5 people of 11, every label dlib\'s', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'facemetric-cluster-')), 'report');
    const r = facemetric('cluster', join(exampleImagesDir(), 'johns'), '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as ClustersJson;
    // The folder is walked in sorted order: dlib gets the same files in the same order.
    const files = exampleImages('johns');
    expect([...new Set(json.faces.map((f) => resolve(f.image)))]).toEqual(files);
    const [dlib] = runHarnessJson<HarnessClusters>(['cluster', '--predictor', predictor(), '--net', net(), '--threshold', '0.6', ...files]);
    expect(json.clusters).toBe(dlib!.clusters);
    expect(json.clusters).toBe(5);
    expect(json.faces.map((f) => [resolve(f.image), f.rect])).toEqual(dlib!.faces.map((f) => [resolve(f.image), f.rect]));
    expect(json.faces.map((f) => f.label)).toEqual(dlib!.faces.map((f) => f.label));
    expect(json.people.map((p) => p.faces)).toEqual([11, 11, 11, 11, 11]);
    // Each person is one John: the sub-folder of every face of a person is the same.
    for (const p of json.people) {
      const folders = new Set(json.faces.filter((f) => f.person === p.person).map((f) => dirname(f.image)));
      expect(folders.size).toBe(1);
    }
    const page = readReport(join(out, 'index.html'));
    expect(page.map((s) => s.faces)).toEqual([11, 11, 11, 11, 11]);
    expect(JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8'))).toEqual(json);
    // The same run in this thread only (the default uses worker threads for many images).
    const out1 = join(dirname(out), 'report-1');
    const one = facemetric('cluster', join(exampleImagesDir(), 'johns'), '--out', out1, '--json', '--threads', '1');
    expect(one.code, one.stderr).toBe(0);
    // (Without the cache's count: johns holds two identical files, and whether the second comes
    // from the entry of the first depends on whether the first was finished when it was read.)
    const same = (j: ClustersJson): object => ({ ...j, timings: undefined, report: undefined, cache: undefined, images: { ...j.images, fromCache: undefined } });
    expect(same(JSON.parse(one.stdout) as ClustersJson)).toEqual(same(json));
  });

  it('--descriptors: each face of clusters.json (and --json) carries its descriptor, bit for bit describeFaces\'s', () => {
    const out = mkdtempSync(join(tmpdir(), 'facemetric-descriptors-'));
    const r = facemetric('cluster', '--default', '--descriptors', '--json', '--quiet', '--no-cache', '--out', join(out, 'r'));
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as ClustersJson;
    const written = JSON.parse(readFileSync(join(out, 'r', 'clusters.json'), 'utf8')) as ClustersJson;
    const want = describeFaces(readImageSync(join(exampleImagesDir(), 'faces', 'bald_guys.jpg'))).faces;
    expect(printed.faces.map((f) => f.rect)).toEqual(want.map((f) => f.rect));
    for (const [k, f] of printed.faces.entries()) {
      expect(Float32Array.from(f.descriptor!)).toEqual(want[k]!.descriptor);
      expect(written.faces[k]!.descriptor).toEqual(f.descriptor);
    }
    expect(JSON.parse(facemetric('cluster', '--default', '--json', '--quiet', '--no-cache').stdout).faces[0].descriptor).toBeUndefined();
  });

  it('--jitter 2: descriptors averaged over jittered chips still give dlib\'s 4 people of bald_guys.jpg', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'facemetric-jitter-')), 'r');
    const r = facemetric('cluster', baldGuys(), '--jitter', '2', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as ClustersJson;
    expect(json.jitter).toBe(2);
    const [dlib] = runHarnessJson<HarnessClusters>(['cluster', '--predictor', predictor(), '--net', net(), '--threshold', '0.6', baldGuys()]);
    expectSamePartition(json.faces, dlib!);
  });

  it('a folder with a corrupt photo, sidecars and a photo without faces: the corrupt photo named (exit 3), the rest counted and listed, on stderr only with --verbose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facemetric-mixed-'));
    const johns = exampleImages('johns').filter((f) => f.includes('John_Simm'));
    for (const f of johns.slice(0, 3)) cpSync(f, join(dir, f.split('/').pop()!));
    mkdirSync(join(dir, 'more'));
    // Cut inside the headers: libjpeg (and so dlib) refuses it; cut later it decodes, grey below the cut.
    writeFileSync(join(dir, 'more', 'corrupt.jpg'), readFileSync(johns[3]!).subarray(0, 600));
    writeFileSync(join(dir, 'notes.txt'), 'not a photo\n');
    writeFileSync(join(dir, 'more', 'dogs.jpg.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n');
    cpSync(join(exampleImagesDir(), 'faces', 'dogs.jpg'), join(dir, 'more', 'dogs.jpg'));
    const out = join(dir, 'report');
    const r = facemetric('cluster', dir, '--out', out);
    expect(r.code, r.stderr).toBe(3);
    // Only the photo that could not be read is named.
    expect(r.stderr).toMatch(/^facemetric: .*corrupt\.jpg: corrupt JPEG data \(Invalid JPEG file structure: missing SOS marker\) \(skipped\)\n$/);
    expect(r.stdout).toMatch(/^5 photos, 3 with faces, 1 without, 1 unreadable, 2 other files\n3 faces: 1 person \(threshold 0\.6\)$/m);
    const json = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as ClustersJson;
    expect(json.unreadable.map((s) => s.file.split('/').pop())).toEqual(['corrupt.jpg']);
    expect(json.withoutFaces.map((f) => f.split('/').pop())).toEqual(['dogs.jpg']);
    expect(json.otherFiles.map((o) => [o.file.split('/').pop(), o.type])).toEqual([['dogs.jpg.xmp', 'text file'], ['notes.txt', 'text file']]);
    expect(json.images).toEqual({ files: 7, photos: 5, withFaces: 3, withoutFaces: 1, unreadable: 1, otherFiles: 2, fromCache: 0 });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Skipped inputs (1)');
    expect(html).toContain('(1 without, 1 unreadable, 2 other files: <a href="files.html">listed here</a>)');
    const files = readFileSync(join(out, 'files.html'), 'utf8');
    expect(files).toContain('Skipped inputs (1)');
    expect(files).toContain('Photos without faces (1)');
    expect(files).toContain('Other files (not photos) (2)');
    // --verbose names the others too; the report folder inside the input folder is not read
    // back as input on a second run.
    const again = facemetric('cluster', dir, '--out', out, '--force', '--verbose', '--json');
    expect(again.code).toBe(3);
    const lines = again.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes('dogs.jpg:'))).toMatch(/^facemetric: .*dogs\.jpg: no faces found$/);
    expect(lines.find((l) => l.includes('notes.txt'))).toMatch(/^facemetric: .*notes\.txt: not a photo \(text file\)$/);
    expect((JSON.parse(again.stdout) as ClustersJson).images.files).toBe(7);
    // Without the corrupt photo, nothing went wrong: exit 0 and a quiet stderr.
    rmSync(join(dir, 'more', 'corrupt.jpg'));
    const clean = facemetric('cluster', dir, '--out', out, '--force');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toBe('');
    expect(clean.stdout).toMatch(/^4 photos, 3 with faces, 1 without, 2 other files; 4 photos from the cache\n/);
  });
});

describe('facemetric cluster: the report folder and the arguments', () => {
  const john = (): string => exampleImages('johns')[0]!;

  it('a run killed at any moment leaves only whole files; the next run into the folder completes with the same people', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facemetric-kill-'));
    const photos = join(exampleImagesDir(), 'johns');
    const fresh = facemetric('cluster', photos, '--out', join(root, 'fresh'), '--no-cache', '--json', '--quiet');
    expect(fresh.code, fresh.stderr).toBe(0);
    const partition = (j: ClustersJson): string[] => {
      const by = new Map<number, string[]>();
      for (const f of j.faces) by.set(f.label, [...(by.get(f.label) ?? []), `${f.image}:${f.rect.join(',')}`]);
      return [...by.values()].map((v) => v.sort().join(' ')).sort();
    };
    const out = join(root, 'report');
    for (const ms of [700, 2500, 5000]) {
      const child = spawn(process.execPath, [BIN, 'cluster', photos, '--out', out, '--threads', '1', '--quiet'], { stdio: 'ignore' });
      const done = new Promise<void>((res) => child.on('exit', () => res()));
      await new Promise((res) => setTimeout(res, ms));
      child.kill('SIGKILL');
      await done;
      // Whatever is there is whole: every chip and tile decodes, clusters.json parses.
      if (existsSync(join(out, 'faces'))) {
        for (const f of readdirSync(join(out, 'faces')).filter((n) => !n.startsWith('.'))) expect(() => readImageSync(join(out, 'faces', f))).not.toThrow();
      }
      for (const f of existsSync(out) ? readdirSync(out).filter((n) => /\.png$/.test(n) && !n.startsWith('.')) : []) expect(() => readImageSync(join(out, f))).not.toThrow();
      if (existsSync(join(out, 'clusters.json'))) expect(() => JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8'))).not.toThrow();
    }
    const after = facemetric('cluster', photos, '--out', out, '--json', '--quiet');
    expect(after.code, after.stderr).toBe(0);
    expect(partition(JSON.parse(after.stdout) as ClustersJson)).toEqual(partition(JSON.parse(fresh.stdout) as ClustersJson));
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(out, 'faces')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('two runs into one --out at once: the second is refused in one line while the first writes; a lock left by a killed run is taken over', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'facemetric-lock-')), 'report');
    const lock = join(out, REPORT_LOCK);
    const first = spawn(process.execPath, [BIN, 'cluster', join(exampleImagesDir(), 'johns'), '--out', out, '--no-cache', '--threads', '1', '--quiet'], { stdio: 'ignore' });
    const firstDone = new Promise<number | null>((res) => first.on('exit', res));
    for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((res) => setTimeout(res, 50));
    expect(readFileSync(lock, 'utf8')).toBe(`${first.pid}\n`);
    const second = facemetric('cluster', john(), '--out', out, '--no-cache');
    expect(second.code).toBe(1);
    expectOneLineError(second.stderr);
    expect(second.stderr).toContain(`report: another facemetric run (process ${first.pid}) is writing a report here; wait for it to finish (or remove ${REPORT_LOCK} if no such run exists)`);
    expect(await firstDone).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect((JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as ClustersJson).faces).toHaveLength(55);
    // A lock whose process is gone (a killed run): the next run takes it over and removes it.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(lock, `${dead}\n`);
    const after = facemetric('cluster', john(), '--out', out, '--no-cache', '--quiet');
    expect(after.code, after.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a non-empty --out folder (one line, exit 1, nothing in it changed); --force replaces only its own files', () => {
    const out = mkdtempSync(join(tmpdir(), 'facemetric-out-'));
    writeFileSync(join(out, 'mine.txt'), 'precious');
    const r = facemetric('cluster', john(), '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${out}: is not empty`);
    expectOneLineError(r.stderr);
    expect(readdirSync(out)).toEqual(['mine.txt']);
    const forced = facemetric('cluster', john(), '--out', out, '--force', '--quiet');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('precious');
    expect(readdirSync(out).sort()).toEqual(['cache', 'clusters.json', 'faces', 'index.html', 'mine.txt', 'person', 'person-1.png']);
  });

  it('--out naming a file is refused in one line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facemetric-out-')), 'x.txt');
    writeFileSync(file, 'x');
    const r = facemetric('cluster', john(), '--out', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a folder');
    expectOneLineError(r.stderr);
  });

  it.each([
    [['--default', 'a.jpg'], /either --default or paths/],
    [['a.jpg', '--threshold', '0'], /--threshold must be greater than 0/],
    [['a.jpg', '--backend', 'gpu'], /'reference', 'wasm' or 'cuda'/],
    [['a.jpg', '--jitter', '-1'], /--jitter/],
    [['a.jpg', '--threads', '0'], /--threads must be an integer from 1 to 64/],
  ])('usage errors: %j (exit 2, one line)', (args, message) => {
    const r = facemetric('cluster', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLineError(r.stderr);
  });

  it('inputs that do not exist or an empty folder: named, exit 1 when nothing is left', () => {
    const empty = mkdtempSync(join(tmpdir(), 'facemetric-empty-'));
    const r = facemetric('cluster', empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no files found');
    expectOneLineError(r.stderr);
    const missing = facemetric('cluster', join(empty, 'nope.jpg'), john(), '--out', join(empty, 'out'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.jpg: no such file or folder (skipped)');
  });

  it('shows a progress bar on a terminal (FACEMETRIC_PROGRESS=tty), and none in a short run to a pipe', () => {
    const files = exampleImages('johns').slice(0, 3);
    const tty = run(process.execPath, [BIN, 'cluster', ...files, '--out', join(mkdtempSync(join(tmpdir(), 'fm-')), 'r')], { FACEMETRIC_PROGRESS: 'tty' });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('3/3 files');
    expect(tty.stderr).toMatch(/\r\x1b\[2K\[#+\]/);
    const pipe = facemetric('cluster', ...files, '--out', join(mkdtempSync(join(tmpdir(), 'fm-')), 'r'));
    expect(pipe.code).toBe(0);
    expect(pipe.stderr).toBe('');
  });
});

describeParity('facemetric compare: dlib\'s distance between two photos\' faces', () => {
  const johns = (): string[] => exampleImages('johns');

  it('two photos of one John: same person; of two Johns: different; the distance is dlib\'s', () => {
    const [a, b] = johns().filter((f) => f.includes('John_Savage'));
    const c = johns().find((f) => f.includes('John_Simm'))!;
    const described = runHarnessJson<HarnessImage>(['describe', '--predictor', predictor(), '--net', net(), a!, b!, c]);
    const d = described.map((x) => Float32Array.from(x.faces[0]!.descriptor!));
    // |distance(a, b) - distance(a', b')| <= |a - a'| + |b - b'| <= 2 sqrt(128) max |component diff|.
    const bound = 2 * Math.sqrt(128) * TOLERANCES.descriptorWasm.abs;
    for (const [x, y, dx, dy, same] of [[a!, b!, d[0]!, d[1]!, true], [a!, c, d[0]!, d[2]!, false]] as const) {
      const r = facemetric('compare', x, y, '--json');
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as { distance: number; samePerson: boolean; threshold: number };
      expect(got.samePerson).toBe(same);
      expect(got.threshold).toBe(0.6);
      expect(Math.abs(got.distance - dlibFloatDistance(dx, dy))).toBeLessThanOrEqual(bound);
      const text = facemetric('compare', x, y);
      expect(text.stdout).toMatch(same ? /^distance 0\.\d{4}: same person \(threshold 0\.6\)\n$/ : /^distance \d\.\d{4}: different people \(threshold 0\.6\)\n$/);
    }
  });

  it('a photo without a face, or an unreadable one, is named in one line (exit 1); a photo with several faces uses the largest', () => {
    const dogs = join(exampleImagesDir(), 'faces', 'dogs.jpg');
    const r = facemetric('compare', johns()[0]!, dogs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dogs\.jpg: no faces found/);
    expectOneLineError(r.stderr);
    const missing = facemetric('compare', johns()[0]!, '/nonexistent.jpg');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('/nonexistent.jpg');
    expectOneLineError(missing.stderr);
    const several = facemetric('compare', johns()[0]!, baldGuys());
    expect(several.code).toBe(0);
    expect(several.stderr).toMatch(/bald_guys\.jpg: 24 faces; comparing the largest/);
    const usage = facemetric('compare', johns()[0]!);
    expect(usage.code).toBe(2);
    expectOneLineError(usage.stderr);
  });
});
