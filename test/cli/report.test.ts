/**
 * The cluster report at the scale of a photo library (issue 18): 100,000 faces in ~30,000 people
 * (a few with thousands of faces, most seen once or twice) give pages that each stay small: an
 * index of people in pages of PEOPLE_PER_PAGE cards, a page per person in pages of
 * FACES_PER_PAGE faces, every thumbnail loaded lazily with its size given, every link between
 * the pages leading to a page that exists, every face on exactly one page of its person.
 * The library is `npm run bench report`'s (bench/report.ts), which times Chromium opening it.
 */
import { describe, expect, it } from 'vitest';
import { CARD_MORE_FACES, FACES_PER_PAGE, PEOPLE_PER_PAGE, renderReport } from '../../src/cli/report.js';
import { reportLibrary } from '../../bench/report.js';

describe('the cluster report of 100,000 faces', () => {
  const lib = reportLibrary();
  const pages = renderReport({
    outDir: '/out',
    people: lib.people,
    numFaces: lib.faces,
    numImages: lib.photos,
    skipped: Array.from({ length: 150 }, (_, k) => ({ file: `bad-${k}.jpg`, problem: 'truncated' })),
    withoutFaces: Array.from({ length: 20000 }, (_, k) => `empty-${k}.jpg`),
    otherFiles: [{ file: 'a.xmp', type: 'text file' }],
    settings: 'threshold 0.6',
    version: 'test',
  });
  const byPath = new Map(pages.map((p) => [p.path, p.html]));

  it('is paged: an index of people, a page per person, a files page', () => {
    expect(lib.faces).toBe(100000);
    expect(lib.people.length).toBe(30631);
    const index = pages.filter((p) => /^index(-\d+)?\.html$/.test(p.path));
    expect(index).toHaveLength(Math.ceil(lib.people.length / PEOPLE_PER_PAGE));
    const personPages = pages.filter((p) => p.path.startsWith('person/'));
    expect(personPages).toHaveLength(lib.people.reduce((s, p) => s + Math.ceil(p.faces.length / FACES_PER_PAGE), 0));
    expect(byPath.has('files.html')).toBe(true);
    expect(pages).toHaveLength(index.length + personPages.length + 1);
    // The largest person's faces are on 10 pages of 500.
    expect(byPath.has('person/1-10.html')).toBe(true);
    expect(byPath.has('person/1-11.html')).toBe(false);
  });

  it('every page is small: at most PEOPLE_PER_PAGE cards or FACES_PER_PAGE faces, every image lazy and sized', () => {
    let largest = 0;
    for (const { path, html } of pages) {
      largest = Math.max(largest, path === 'files.html' ? 0 : html.length);
      const imgs = [...html.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
      if (path.startsWith('index')) {
        const cards = html.match(/<a class="card"/g) ?? [];
        expect(cards.length).toBeLessThanOrEqual(PEOPLE_PER_PAGE);
        expect(imgs.length).toBeLessThanOrEqual(cards.length * (1 + CARD_MORE_FACES));
      } else if (path.startsWith('person/')) {
        expect(imgs.length).toBeLessThanOrEqual(FACES_PER_PAGE);
      } else {
        expect(imgs).toHaveLength(0);
      }
      for (const img of imgs) expect(img).toMatch(/ width="\d+" height="\d+" loading="lazy" decoding="async">$/);
    }
    // Pages of a few hundred KB (the files page is text only: 20,000 names here).
    expect(largest).toBeLessThan(400_000);
  });

  it('links between pages lead to pages that exist, and every face is on one page of its person', () => {
    for (const { path, html } of pages) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
      for (const m of html.matchAll(/href="([^"#]+\.html)(#[^"]*)?"/g)) {
        const parts = `${dir}${m[1]!}`.split('/');
        const target = parts.reduce<string[]>((acc, x) => (x === '..' ? acc.slice(0, -1) : [...acc, x]), []).join('/');
        expect(byPath.has(target), `${path} links to ${m[1]}`).toBe(true);
      }
    }
    for (const p of lib.people) {
      const seen: string[] = [];
      for (let k = 1; byPath.has(k === 1 ? `person/${p.person}.html` : `person/${p.person}-${k}.html`); k++) {
        const html = byPath.get(k === 1 ? `person/${p.person}.html` : `person/${p.person}-${k}.html`)!;
        for (const m of html.matchAll(/<a class="face"[^>]*><img src="\.\.\/([^"]+)"/g)) seen.push(m[1]!);
      }
      expect(seen).toEqual(p.faces.map((f) => f.chip));
    }
    // The index's cards: largest first, each with its representative face.
    const first = byPath.get('index.html')!;
    expect(first).toContain('<a class="card" id="person-1" href="person/1.html" data-person="1" data-label="0" data-faces="5000"');
    expect(first).toContain(`<img class="rep" src="${lib.people[0]!.faces[2]!.chip}"`);
    // The unreadable photos: the first 100 on the index, all of them on files.html.
    expect(first).toContain('Skipped inputs (150)');
    expect(first.match(/<li>bad-/g)).toHaveLength(100);
    expect(byPath.get('files.html')!.match(/<li>bad-/g)).toHaveLength(150);
  });
});
