/**
 * The files `facemetric cluster` writes into its report folder, besides the face chips:
 * one tiled PNG of chips per person and the HTML pages (renderReport: an index of people, a page
 * per person, a page of the files without faces), self-contained (no scripts, no network).
 */
import { join, relative, sep } from 'node:path';
import type { Rect } from '../geometry/index.js';
import type { RgbImage } from '../image/pixels.js';

/** At most this many chips go into one person's tile (10 x 10); the page shows every face. */
export const MAX_TILE_CHIPS = 100;

/**
 * Chips side by side in rows of up to ceil(sqrt(n)) (at most 10), `gap` pixels apart on a
 * dark background. All chips must have the same size.
 */
export function tileChips(chips: readonly RgbImage[], gap = 4): RgbImage {
  if (chips.length === 0) throw new Error('tileChips: no chips');
  const cw = chips[0]!.width;
  const chh = chips[0]!.height;
  for (const c of chips) {
    if (c.width !== cw || c.height !== chh) throw new Error(`tileChips: chips of different sizes (${cw}x${chh} and ${c.width}x${c.height})`);
  }
  const cols = Math.min(10, Math.ceil(Math.sqrt(chips.length)));
  const rows = Math.ceil(chips.length / cols);
  const width = cols * cw + (cols + 1) * gap;
  const height = rows * chh + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(32);
  chips.forEach((c, k) => {
    const x0 = gap + (k % cols) * (cw + gap);
    const y0 = gap + Math.floor(k / cols) * (chh + gap);
    for (let y = 0; y < chh; y++) {
      data.set(c.data.subarray(y * cw * 3, (y + 1) * cw * 3), ((y0 + y) * width + x0) * 3);
    }
  });
  return { width, height, data };
}

/** `1 face`, `2 faces`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `1 person`, `2 people`. */
export function peopleCount(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A link from a page in `fromDir` to the file `target` (absolute), as a relative URL. */
export function relativeHref(fromDir: string, target: string): string {
  return relative(fromDir, target).split(sep).map(encodeURIComponent).join('/');
}

export interface ReportFace {
  /** The source photo, as found (the pages link to its absolute path made relative). */
  image: string;
  imageAbs: string;
  rect: Readonly<Rect>;
  /** The chip's file, relative to the report folder (e.g. faces/face-0001.png). */
  chip: string;
}

export interface ReportPerson {
  person: number;
  /** The person's name (people.json), when given. */
  name?: string;
  label: number;
  tile: string;
  faces: ReportFace[];
  /** Which of `faces` stands for the person on the index (the nearest to their mean; default 0). */
  representative?: number;
}

export interface ReportPage {
  outDir: string;
  /** Largest first: the index lists them in this order. */
  people: ReportPerson[];
  numFaces: number;
  numImages: number;
  /** Photos that could not be read or decoded, and inputs that could not be used at all. */
  skipped: readonly { file: string; problem: string }[];
  /** Photos read whole in which the detector found no face. */
  withoutFaces?: readonly string[];
  /** Files that are not photos (inputs.ts otherFileType): the file and what it is. */
  otherFiles?: readonly { file: string; type: string }[];
  settings: string;
  version: string;
}

/**
 * A report page's start: the doctype, the title, the shared style (people as boxes of 100px
 * chips; `extra` adds rules) and the page's heading.
 */
export function reportPageHead(title: string, extra = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>facemetric: ${escapeHtml(title)}</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; background: #fafafa; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-bottom: 0.3em; }
.person { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.8em 1em; margin: 1em 0; }
.faces { display: flex; flex-wrap: wrap; gap: 6px; }
.faces img { width: 100px; height: 100px; border-radius: 4px; display: block; }
.sources, .meta { color: #555; font-size: 0.9em; }
.skipped li { font-family: ui-monospace, monospace; font-size: 0.9em; }
${extra}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
`;
}

/** The list of skipped inputs closing a report page ('' when none). */
export function skippedSection(skipped: readonly { file: string; problem: string }[], total = skipped.length): string {
  if (skipped.length === 0) return '';
  return `<section class="skipped">
<h2>Skipped inputs (${total})</h2>
<ul>
${skipped.map((s) => `<li>${escapeHtml(s.file)}: ${escapeHtml(s.problem)}</li>`).join('\n')}
</ul>
</section>
`;
}

/**
 * A folded list of files closing a report page (class `cls`, `title (n)` as its summary; ''
 * when there are none): photos without faces, other files.
 */
export function fileListSection(cls: string, title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  return `<details class="${cls} skipped">
<summary>${escapeHtml(title)} (${items.length})</summary>
<ul>
${items.map((s) => `<li>${escapeHtml(s)}</li>`).join('\n')}
</ul>
</details>
`;
}

/** People on one page of the index (index.html, index-2.html, ...). */
export const PEOPLE_PER_PAGE = 200;
/** Faces on one page of a person (person/N.html, person/N-2.html, ...). */
export const FACES_PER_PAGE = 500;
/** Faces on a person's card in the index: the representative one and up to this many more. */
export const CARD_MORE_FACES = 5;
/** Unreadable photos named on the index itself (all of them are in files.html). */
export const INDEX_SKIPPED = 100;

/** A report page: its path relative to the report folder ('/'-separated) and its HTML. */
export interface ReportFile {
  path: string;
  html: string;
}

/** The pages' file names: index.html, index-2.html, ...; person/3.html, person/3-2.html, ... */
export const indexPageName = (page: number): string => (page === 1 ? 'index.html' : `index-${page}.html`);
export const personPageName = (person: number, page: number): string => (page === 1 ? `person/${person}.html` : `person/${person}-${page}.html`);
/** The report pages cluster writes and may replace or remove: index-N.html, files.html (index.html is OWN_FILE's) and person/N(-K).html. */
export const OWN_INDEX_PAGE = /^(index-\d+\.html|files\.html)$/;
export const OWN_PERSON_PAGE = /^\d+(-\d+)?\.html$/;

/** A chip's path relative to a page (e.g. faces/face-0001.png, ../faces/...) as a URL, each part percent-encoded. */
export function chipUrl(path: string): string {
  return path.split(sep).join('/').split('/').map(encodeURIComponent).join('/');
}

/** A chip as a lazily loaded thumbnail (its size given, so the page does not reflow as they arrive). */
export function thumbnail(src: string, alt: string, size = 100, cls = ''): string {
  return `<img${cls !== '' ? ` class="${cls}"` : ''} src="${escapeHtml(chipUrl(src))}" alt="${escapeHtml(alt)}" width="${size}" height="${size}" loading="lazy" decoding="async">`;
}

/** `Page 1 2 [3] 4 ... 20` links between the pages of a paged list ('' for one page). */
function pager(pages: number, current: number, name: (page: number) => string, what: string): string {
  if (pages <= 1) return '';
  const shown = new Set([1, 2, pages - 1, pages, current - 2, current - 1, current, current + 1, current + 2].filter((p) => p >= 1 && p <= pages));
  const parts: string[] = [];
  let last = 0;
  for (const p of [...shown].sort((a, b) => a - b)) {
    if (p > last + 1) parts.push('…');
    parts.push(p === current ? `<strong>${p}</strong>` : `<a href="${escapeHtml(name(p))}">${p}</a>`);
    last = p;
  }
  const prev = current > 1 ? ` <a rel="prev" href="${escapeHtml(name(current - 1))}">previous</a>` : '';
  const next = current < pages ? ` <a rel="next" href="${escapeHtml(name(current + 1))}">next</a>` : '';
  return `<nav class="pages">${escapeHtml(what)}: ${parts.join(' ')}${prev}${next}</nav>\n`;
}

const REPORT_STYLE = `.people { display: flex; flex-wrap: wrap; gap: 10px; }
.card { display: block; width: 236px; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; color: inherit; text-decoration: none; }
.card:hover { border-color: #888; }
.card .rep { float: left; margin-right: 8px; }
.card .name { font-weight: bold; display: block; }
.card .count { color: #555; font-size: 0.9em; display: block; }
.card .more { clear: both; display: flex; gap: 3px; padding-top: 6px; }
.card .more img { width: 32px; height: 32px; border-radius: 3px; }
.pages { margin: 1em 0; }
`;

/** A person's title: `Person 3` or `Person 3: Ann`. */
const personTitle = (p: ReportPerson): string => `Person ${p.person}${p.name !== undefined ? `: ${p.name}` : ''}`;

/** `alt`/`title` text of a face: its photo and box. */
const faceWhere = (f: ReportFace): string => `${f.image} [${f.rect.join(', ')}]`;

/** How many different photos the faces come from. */
function photoCount(faces: readonly ReportFace[]): number {
  return new Set(faces.map((f) => f.imageAbs)).size;
}

/**
 * The report's pages, made to stay quick to open however large the collection (100,000 faces):
 *  - index.html (then index-2.html, ...: PEOPLE_PER_PAGE people each): the people, largest
 *    first, each a card (class "card", data-person, data-label, data-faces, data-photos) with the
 *    representative face, the name, the counts and a few more faces, linking to the person's page;
 *    the unreadable photos (the first INDEX_SKIPPED);
 *  - person/N.html (then person/N-2.html, ...: FACES_PER_PAGE faces each): one section (class
 *    "person") with the person's faces in the order found, each a link to its photo, and the
 *    photos they are in;
 *  - files.html, when there are any: the unreadable photos, the photos without faces, the other
 *    files.
 * Every face is a chip of faces/ shown as a thumbnail loaded lazily (only those on screen load).
 */
export function renderReport(r: ReportPage): ReportFile[] {
  const files: ReportFile[] = [];
  const withoutFaces = r.withoutFaces ?? [];
  const otherFiles = r.otherFiles ?? [];
  const hasFilesPage = r.skipped.length + withoutFaces.length + otherFiles.length > 0;
  const title = `${peopleCount(r.people.length)} in ${plural(r.numFaces, 'face')}`;
  const rest = [
    ...(withoutFaces.length > 0 ? [`${withoutFaces.length} without`] : []),
    ...(r.skipped.length > 0 ? [`${r.skipped.length} unreadable`] : []),
    ...(otherFiles.length > 0 ? [plural(otherFiles.length, 'other file')] : []),
  ];
  const listed = rest.length > 0 ? ` (${rest.join(', ')}: <a href="files.html">listed here</a>)` : '';
  const meta = `<p class="meta">From ${plural(r.numImages, 'photo')} with faces${listed}; ${escapeHtml(r.settings)}. Made by facemetric ${escapeHtml(r.version)} (dlib's face detector, 68-point landmarks, face ResNet and Chinese Whispers). Largest first; each person's face is the one nearest to their mean. Open a person for all their faces, each a link to its photo.</p>
`;
  const indexPages = Math.max(1, Math.ceil(r.people.length / PEOPLE_PER_PAGE));
  for (let page = 1; page <= indexPages; page++) {
    const first = (page - 1) * PEOPLE_PER_PAGE;
    const people = r.people.slice(first, first + PEOPLE_PER_PAGE);
    const out = [reportPageHead(title, REPORT_STYLE), meta];
    const nav = pager(indexPages, page, indexPageName, `People ${first + 1}–${first + people.length} of ${r.people.length}`);
    out.push(nav);
    if (r.people.length === 0) out.push('<p>No faces were found.</p>\n');
    else out.push('<div class="people">\n');
    for (const p of people) {
      const rep = p.representative ?? 0;
      const more = p.faces.filter((_, k) => k !== rep).slice(0, CARD_MORE_FACES);
      const photos = photoCount(p.faces);
      out.push(`<a class="card" id="person-${p.person}" href="${escapeHtml(personPageName(p.person, 1))}" data-person="${p.person}" data-label="${p.label}" data-faces="${p.faces.length}" data-photos="${photos}">`
        + thumbnail(p.faces[rep]!.chip, faceWhere(p.faces[rep]!), 100, 'rep')
        + `<span class="name">${escapeHtml(personTitle(p))}</span><span class="count">${plural(p.faces.length, 'face')}, ${plural(photos, 'photo')}</span>`
        + (more.length > 0 ? `<span class="more">${more.map((f) => thumbnail(f.chip, faceWhere(f), 32)).join('')}</span>` : '')
        + '</a>\n');
    }
    if (r.people.length > 0) out.push('</div>\n');
    out.push(nav);
    if (page === 1 && r.skipped.length > 0) {
      out.push(skippedSection(r.skipped.slice(0, INDEX_SKIPPED), r.skipped.length));
      if (r.skipped.length > INDEX_SKIPPED) out.push(`<p class="meta">And ${r.skipped.length - INDEX_SKIPPED} more: <a href="files.html">files.html</a>.</p>\n`);
    }
    out.push('</body>\n</html>\n');
    files.push({ path: indexPageName(page), html: out.join('') });
  }

  const personDir = join(r.outDir, 'person');
  for (const [i, p] of r.people.entries()) {
    const pages = Math.ceil(p.faces.length / FACES_PER_PAGE);
    const indexPage = indexPageName(Math.floor(i / PEOPLE_PER_PAGE) + 1);
    for (let page = 1; page <= pages; page++) {
      const first = (page - 1) * FACES_PER_PAGE;
      const faces = p.faces.slice(first, first + FACES_PER_PAGE);
      const out = [reportPageHead(personTitle(p), REPORT_STYLE)];
      out.push(`<p class="meta"><a href="../${escapeHtml(indexPage)}#person-${p.person}">All people</a> · ${plural(p.faces.length, 'face')} in ${plural(photoCount(p.faces), 'photo')}; ${escapeHtml(r.settings)}. Each face links to its photo.</p>
`);
      const nav = pager(pages, page, (k) => personPageName(p.person, k).slice('person/'.length), `Faces ${first + 1}–${first + faces.length} of ${p.faces.length}`);
      out.push(nav);
      out.push(`<section class="person" data-person="${p.person}" data-label="${p.label}" data-faces="${p.faces.length}">
<h2>${escapeHtml(personTitle(p))} <small>(${plural(p.faces.length, 'face')})</small></h2>
<div class="faces">`);
      for (const f of faces) {
        out.push(`<a class="face" href="${escapeHtml(relativeHref(personDir, f.imageAbs))}" title="${escapeHtml(faceWhere(f))}">${thumbnail(`../${f.chip}`, faceWhere(f))}</a>`);
      }
      const photos = new Map<string, { abs: string; n: number }>();
      for (const f of faces) {
        const e = photos.get(f.image);
        if (e) e.n++;
        else photos.set(f.image, { abs: f.imageAbs, n: 1 });
      }
      const links = [...photos].map(([image, { abs, n }]) =>
        `<a href="${escapeHtml(relativeHref(personDir, abs))}">${escapeHtml(image)}</a>${n > 1 ? ` (${n} faces)` : ''}`);
      const tileNote = p.faces.length > MAX_TILE_CHIPS ? ` (the first ${MAX_TILE_CHIPS} faces)` : '';
      out.push(`</div>
<p class="sources">Photos${pages > 1 ? ' (of this page)' : ''}: ${links.join(', ')}. All faces in one image: <a href="../${escapeHtml(p.tile)}">${escapeHtml(p.tile)}</a>${tileNote}.</p>
</section>
`);
      out.push(nav);
      out.push('</body>\n</html>\n');
      files.push({ path: personPageName(p.person, page), html: out.join('') });
    }
  }

  if (hasFilesPage) {
    const out = [reportPageHead(`The files without faces in ${title}`)];
    out.push(`<p class="meta"><a href="index.html">The people</a> · ${plural(r.skipped.length, 'unreadable file')}, ${plural(withoutFaces.length, 'photo')} without faces, ${plural(otherFiles.length, 'other file')}.</p>
`);
    out.push(skippedSection(r.skipped));
    out.push(fileListSection('without-faces', 'Photos without faces', withoutFaces));
    out.push(fileListSection('other-files', 'Other files (not photos)', otherFiles.map((o) => `${o.file}: ${o.type}`)));
    out.push('</body>\n</html>\n');
    files.push({ path: 'files.html', html: out.join('') });
  }
  return files;
}
