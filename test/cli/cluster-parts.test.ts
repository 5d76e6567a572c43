/**
 * The parts of `facemetric cluster` on their own: the input walk, the progress bar and the
 * report's tile and page.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInputs, otherFileType } from '../../src/cli/inputs.js';
import { filesSummary } from '../../src/cli/cluster.js';
import { faceKey, numberPeople, readPeopleNames, readPreviousPeople } from '../../src/cli/people.js';
import { ProgressBar, progressMode } from '../../src/cli/progress.js';
import { escapeHtml, relativeHref, renderReport, tileChips } from '../../src/cli/report.js';
import type { RgbImage } from '../../src/image/index.js';

describe('collectInputs', () => {
  it('walks folders depth first in byte order, leaves hidden entries out, keeps explicit files, names missing paths', () => {
    const d = mkdtempSync(join(tmpdir(), 'fm-inputs-'));
    mkdirSync(join(d, 'b'));
    mkdirSync(join(d, '.hidden'));
    for (const f of ['b/z.jpg', 'b/a.jpg', 'B.jpg', 'a.png', '.secret.jpg', '.hidden/x.jpg']) writeFileSync(join(d, f), 'x');
    const r = collectInputs([d, join(d, '.secret.jpg'), join(d, 'missing.jpg')]);
    expect(r.files).toEqual([join(d, 'B.jpg'), join(d, 'a.png'), join(d, 'b', 'a.jpg'), join(d, 'b', 'z.jpg'), join(d, '.secret.jpg')]);
    expect(r.problems).toEqual([{ file: join(d, 'missing.jpg'), problem: 'no such file or folder' }]);
  });

  it('a link loop is walked once; excluded folders are not walked', () => {
    const d = mkdtempSync(join(tmpdir(), 'fm-inputs-'));
    mkdirSync(join(d, 'sub'));
    mkdirSync(join(d, 'report'));
    writeFileSync(join(d, 'sub', 'p.jpg'), 'x');
    writeFileSync(join(d, 'report', 'face.png'), 'x');
    symlinkSync(d, join(d, 'sub', 'loop'));
    const r = collectInputs([d], [join(d, 'report')]);
    expect(r.files).toEqual([join(d, 'sub', 'p.jpg')]);
    expect(r.problems).toEqual([]);
  });
});

describe('otherFileType: photos and the other files of a photo library', () => {
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('JPEG and PNG by their first bytes (any name) or by their name (any content) are photos', () => {
    expect(otherFileType('a.bin', bytes(0xff, 0xd8, 0xff, 0xe0))).toBeUndefined();
    expect(otherFileType('IMG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBeUndefined();
    // A damaged or empty photo is still a photo (it is reported as unreadable, not hidden).
    for (const name of ['x.JPG', 'x.jpeg', 'x.jpe', 'x.jfif', 'x.png']) expect(otherFileType(name, bytes())).toBeUndefined();
    expect(otherFileType('x.jpg', text('<html>'))).toBeUndefined();
  });
  it('everything else is an other file, named by its first bytes', () => {
    expect(otherFileType('a.xmp', text('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'))).toBe('text file');
    expect(otherFileType('a.json', text('{"title": "x"}'))).toBe('text file');
    expect(otherFileType('a.heic', bytes(0, 0, 0, 0x18, ...text('ftypheic')))).toBe('HEIF/HEIC image');
    expect(otherFileType('a.mp4', bytes(0, 0, 0, 0x18, ...text('ftypisom')))).toBe('video');
    expect(otherFileType('a.gif', text('GIF89a'))).toBe('GIF image');
    expect(otherFileType('a.txt', bytes())).toBe('empty file');
    expect(otherFileType('a.db', bytes(0, 1, 2, 3))).toBe('data');
  });
});

describe('filesSummary', () => {
  it('one line: photos, with faces, without; unreadable and other files when there are some; the cache', () => {
    const c = { files: 50_006, photos: 50_000, withFaces: 31_204, withoutFaces: 18_790, unreadable: 6, otherFiles: 6, fromCache: 0 };
    expect(filesSummary(c)).toBe('50,000 photos, 31,204 with faces, 18,790 without, 6 unreadable, 6 other files');
    expect(filesSummary({ ...c, unreadable: 0, otherFiles: 1, fromCache: 1200 })).toBe('50,000 photos, 31,204 with faces, 18,790 without, 1 other file; 1,200 photos from the cache');
    expect(filesSummary({ files: 1, photos: 1, withFaces: 1, withoutFaces: 0, unreadable: 0, otherFiles: 0, fromCache: 0 })).toBe('1 photo, 1 with faces, 0 without');
  });
});

describe('stable people (people.ts)', () => {
  const keys = (photo: string, n: number): string[] => Array.from({ length: n }, (_, i) => faceKey(photo, [i, 0, i + 10, 10]));
  const numbers = (r: { personOf: Map<number, number> }): [number, number][] => [...r.personOf].sort((a, b) => a[0] - b[0]);

  it('without a previous run: by size, ties in dlib\'s label order', () => {
    const r = numberPeople([{ label: 0, keys: keys('a', 2) }, { label: 1, keys: keys('b', 5) }, { label: 2, keys: keys('c', 2) }], undefined);
    expect(numbers(r)).toEqual([[0, 2], [1, 1], [2, 3]]);
    expect(r.nextPerson).toBe(4);
  });

  it('with one: numbers kept through shared faces; merges keep the larger share, splits give the rest a new number; numbers never reused', () => {
    const previous = { personOf: new Map<string, number>([...keys('a', 3).map((k) => [k, 1] as const), ...keys('b', 2).map((k) => [k, 2] as const), ...keys('c', 4).map((k) => [k, 5] as const)]), nextPerson: 7, tiles: new Map<number, string>() };
    // a (person 1) and b (person 2) merged; c (person 5) split into 3 + 1; d is new.
    const c = keys('c', 4);
    const r = numberPeople([
      { label: 0, keys: [...keys('b', 2), ...keys('a', 3)] },
      { label: 1, keys: c.slice(0, 1) },
      { label: 2, keys: c.slice(1) },
      { label: 3, keys: keys('d', 9) },
    ], previous);
    expect(numbers(r)).toEqual([[0, 1], [1, 8], [2, 5], [3, 7]]);
    expect(r.nextPerson).toBe(9);
  });

  it('reads the previous clusters.json (an unusable one is a reason, not an error) and people.json (a bad one is a one-line error)', () => {
    const d = mkdtempSync(join(tmpdir(), 'fm-people-'));
    expect(readPreviousPeople(d)).toBeUndefined();
    expect(readPeopleNames(d)).toEqual(new Map());
    writeFileSync(join(d, 'clusters.json'), JSON.stringify({ faces: [{ sha256: 'ab', rect: [1, 2, 3, 4], person: 3 }], nextPerson: 2, people: [{ person: 3, tileSha256: 'cd' }] }));
    expect(readPreviousPeople(d)).toEqual({ personOf: new Map([[faceKey('ab', [1, 2, 3, 4]), 3]]), nextPerson: 4, tiles: new Map([[3, 'cd']]) });
    writeFileSync(join(d, 'clusters.json'), JSON.stringify({ faces: [{ rect: [1, 2, 3, 4], person: 3 }] }));
    expect(readPreviousPeople(d)).toMatch(/no photo sha256/);
    writeFileSync(join(d, 'clusters.json'), '{"faces": [');
    expect(readPreviousPeople(d)).toBe('not valid JSON');
    writeFileSync(join(d, 'people.json'), '{"1": "Alice", "12": " Bob "}');
    expect(readPeopleNames(d)).toEqual(new Map([[1, 'Alice'], [12, 'Bob']]));
    for (const bad of ['["Alice"]', '{"one": "Alice"}', '{"1": 2}', '{"1": ""}', '{"1": "Alice"']) {
      writeFileSync(join(d, 'people.json'), bad);
      expect(() => readPeopleNames(d), bad).toThrow(/people\.json: .*(person numbers to names|JSON)/);
    }
  });
});

describe('ProgressBar', () => {
  const sink = (isTTY: boolean): { write: (s: string) => void; isTTY: boolean; text: () => string } => {
    let out = '';
    return { write: (s) => { out += s; }, isTTY, text: () => out };
  };

  it('on a terminal: redraws one line in place and erases it at the end', () => {
    const s = sink(true);
    const bar = new ProgressBar(s, 4, 'images', progressMode(s, false, {}));
    for (let i = 1; i <= 4; i++) bar.update(i, `${i} faces`);
    expect(s.text()).toContain('4/4 images  4 faces');
    expect(s.text()).toMatch(/^\r\x1b\[2K\[#{6}\.{18}\] 1\/4 images/);
    expect(s.text()).not.toContain('\n');
    bar.finish();
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('in a log: a plain line per interval, none for a short job; off when quiet or FACEMETRIC_PROGRESS=off', () => {
    const s = sink(false);
    expect(progressMode(s, false, {})).toBe('lines');
    expect(progressMode(s, true, {})).toBe('off');
    expect(progressMode(sink(true), false, { FACEMETRIC_PROGRESS: 'off' })).toBe('off');
    expect(progressMode(s, false, { FACEMETRIC_PROGRESS: 'tty' })).toBe('tty');
    const quiet = new ProgressBar(s, 3, 'images', 'lines');
    quiet.update(1);
    expect(s.text()).toBe('');
    const chatty = new ProgressBar(s, 3, 'images', 'lines', 0);
    chatty.update(2, '5 faces');
    expect(s.text()).toMatch(/^facemetric: 2\/3 images  5 faces  0:00 elapsed  ~0:00 left\n$/);
  });
});

describe('report', () => {
  const chip = (v: number): RgbImage => ({ width: 2, height: 3, data: new Uint8Array(18).fill(v) });

  it('tileChips: rows of ceil(sqrt(n)) chips, gap pixels apart, in order', () => {
    const t = tileChips([chip(1), chip(2), chip(3)], 1);
    // 2 columns, 2 rows: width 2*2 + 3 gaps, height 2*3 + 3 gaps.
    expect([t.width, t.height]).toEqual([7, 9]);
    const px = (x: number, y: number): number => t.data[(y * t.width + x) * 3]!;
    expect([px(1, 1), px(4, 1), px(1, 5), px(4, 5), px(0, 0)]).toEqual([1, 2, 3, 32, 32]);
    expect(() => tileChips([])).toThrow(/no chips/);
    expect(() => tileChips([chip(1), { width: 3, height: 3, data: new Uint8Array(27) }])).toThrow(/different sizes/);
  });

  it('escapes names and links photos relative to the report, percent-encoded', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(relativeHref('/r/out', '/r/photos/a b#1.jpg')).toBe('../photos/a%20b%231.jpg');
    const pages = renderReport({
      outDir: '/r/out',
      people: [{ person: 1, label: 0, tile: 'person-1.png', faces: [{ image: 'p/<x>.jpg', imageAbs: '/r/p/<x>.jpg', rect: [1, 2, 3, 4], chip: 'faces/face-0001.png' }] }],
      numFaces: 1,
      numImages: 1,
      skipped: [{ file: 'bad.jpg', problem: 'truncated' }],
      settings: 'threshold 0.6',
      version: '0.3.0',
    });
    expect(pages.map((p) => p.path)).toEqual(['index.html', 'person/1.html', 'files.html']);
    const [index, person, files] = pages.map((p) => p.html);
    expect(index).toContain('<title>facemetric: 1 person in 1 face</title>');
    expect(index).toContain('data-faces="1"');
    expect(index).toContain('<img class="rep" src="faces/face-0001.png" alt="p/&lt;x&gt;.jpg [1, 2, 3, 4]" width="100" height="100" loading="lazy" decoding="async">');
    expect(index).toContain('<li>bad.jpg: truncated</li>');
    // The person's page is one folder down: links and chips are relative to it.
    expect(person).toContain('href="../../p/%3Cx%3E.jpg"');
    expect(person).toContain('src="../faces/face-0001.png"');
    expect(person).toContain('<a href="../index.html#person-1">All people</a>');
    expect(files).toContain('<li>bad.jpg: truncated</li>');
    for (const html of pages.map((p) => p.html)) expect(html).not.toContain('<x>');
  });
});
