/**
 * The files `facemetric cluster` writes into its report folder, besides the face chips:
 * one tiled PNG of chips per person and `index.html`, a self-contained page (no scripts, no
 * network) that shows each person's faces, each face a link to its source photo.
 */
import { relative, sep } from 'node:path';
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
  /** The source photo, as found (the page links to its absolute path made relative). */
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
}

export interface ReportPage {
  outDir: string;
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
export function skippedSection(skipped: readonly { file: string; problem: string }[]): string {
  if (skipped.length === 0) return '';
  return `<section class="skipped">
<h2>Skipped inputs (${skipped.length})</h2>
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

/** The report page: one section per person (class "person", data-faces = its face count). */
export function renderReportHtml(r: ReportPage): string {
  const title = `${peopleCount(r.people.length)} in ${plural(r.numFaces, 'face')}`;
  const out: string[] = [];
  out.push(reportPageHead(title));
  const withoutFaces = r.withoutFaces ?? [];
  const otherFiles = r.otherFiles ?? [];
  const rest = [
    ...(withoutFaces.length > 0 ? [`${withoutFaces.length} without`] : []),
    ...(r.skipped.length > 0 ? [`${r.skipped.length} unreadable`] : []),
    ...(otherFiles.length > 0 ? [plural(otherFiles.length, 'other file')] : []),
  ];
  const listed = rest.length > 0 ? ` (${rest.join(', ')}: listed below)` : '';
  out.push(`<p class="meta">From ${plural(r.numImages, 'photo')} with faces${listed}; ${escapeHtml(r.settings)}. Made by facemetric ${escapeHtml(r.version)} (dlib's face detector, 68-point landmarks, face ResNet and Chinese Whispers). Each face links to its photo.</p>
`);
  for (const p of r.people) {
    out.push(`<section class="person" id="person-${p.person}" data-person="${p.person}" data-label="${p.label}" data-faces="${p.faces.length}">
<h2>Person ${p.person}${p.name !== undefined ? `: ${escapeHtml(p.name)}` : ''} <small>(${plural(p.faces.length, 'face')})</small></h2>
<div class="faces">`);
    for (const f of p.faces) {
      const where = `${f.image} [${f.rect.join(', ')}]`;
      out.push(`<a class="face" href="${escapeHtml(relativeHref(r.outDir, f.imageAbs))}" title="${escapeHtml(where)}"><img src="${escapeHtml(f.chip.split(sep).map(encodeURIComponent).join('/'))}" alt="${escapeHtml(where)}"></a>`);
    }
    const photos = new Map<string, { abs: string; n: number }>();
    for (const f of p.faces) {
      const e = photos.get(f.image);
      if (e) e.n++;
      else photos.set(f.image, { abs: f.imageAbs, n: 1 });
    }
    const links = [...photos].map(([image, { abs, n }]) =>
      `<a href="${escapeHtml(relativeHref(r.outDir, abs))}">${escapeHtml(image)}</a>${n > 1 ? ` (${n} faces)` : ''}`);
    const tileNote = p.faces.length > MAX_TILE_CHIPS ? ` (the first ${MAX_TILE_CHIPS} faces)` : '';
    out.push(`</div>
<p class="sources">Photos: ${links.join(', ')}. All faces in one image: <a href="${escapeHtml(p.tile)}">${escapeHtml(p.tile)}</a>${tileNote}.</p>
</section>
`);
  }
  out.push(skippedSection(r.skipped));
  out.push(fileListSection('without-faces', 'Photos without faces', withoutFaces));
  out.push(fileListSection('other-files', 'Other files (not photos)', otherFiles.map((o) => `${o.file}: ${o.type}`)));
  out.push('</body>\n</html>\n');
  return out.join('');
}
