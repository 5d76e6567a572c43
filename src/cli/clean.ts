/**
 * `facemetric clean LABELLED_DIR`: where a labelled face set (a folder of photos per person) is
 * likely mislabelled — gallery/clean.ts's `cleanFaces` over the faces enrolled as `calibrate`
 * and `enroll` do (one face per photo; a photo with none or several is named on stderr and
 * skipped, exit code 3): per person, the faces sorted by distance to the person's centroid with
 * the outliers (farther than --threshold from the mean of the person's other faces) flagged,
 * and the pairs of people closer than --threshold on average. `--out DIR` writes an HTML report
 * (as cluster's: a new or empty folder, or --force to replace a previous report's files):
 * index.html with each person's chips in that order (outliers framed red, each chip's distance
 * under it, each a link to its photo), the likely pairs with both people's chips (each one's
 * five faces nearest the centroid), clean.json;
 * the chips are faces/face-NNNN.png (150x150, dlib's chip of the enrolled landmarks, encoded
 * where the face was found: the photos are read once).
 * `--json` prints the result as one JSON object. Options and help: the command table (commands.ts).
 */
import { join, resolve } from 'node:path';
import { FacemetricError, UsageError } from '../errors.js';
import { cleanFaces, type CleanResult } from '../gallery/clean.js';
import type { GalleryFace } from '../gallery/index.js';
import { prepareOutDir, writeReportPng, writeTextFile } from './cluster.js';
import { enrollLabelled, stdio, type Io, type LabelledDirOptions } from './enroll.js';
import { chipUrl, escapeHtml, peopleCount, plural, relativeHref, reportPageHead, skippedSection } from './report.js';
import { EXIT_INPUTS_SKIPPED } from './cluster.js';

export interface CleanCliOptions extends LabelledDirOptions {
  threshold?: number;
  out?: string;
}

/** The JSON `clean --json` prints (and the report's clean.json holds). */
export interface CleanJson {
  threshold: number;
  people: { name: string; outliers: number; faces: { image: string; rect: readonly number[]; distance: number; othersDistance: number | null; outlier: boolean; chip?: string }[] }[];
  pairs: CleanResult['pairs'];
  skipped: { file: string; problem: string }[];
  report?: string;
}

const round4 = (x: number): string => x.toFixed(4);

/** `facemetric clean` (see the module's header). */
export async function runClean(dir: string, opts: CleanCliOptions, io: Io = stdio): Promise<number> {
  const threshold = opts.threshold ?? 0.6;
  if (!(threshold > 0)) throw new UsageError(`clean: --threshold must be greater than 0, got ${threshold}`);
  const outDir = opts.out !== undefined ? prepareOutDir(opts.out, opts.force === true, 'clean') : undefined;
  // The report folder is not walked (it may lie inside LABELLED_DIR; its chips are faces too).
  const { faces, skipped, chips: pngs } = await enrollLabelled(dir, { ...opts, ...(outDir !== undefined ? { exclude: [outDir] } : {}) }, io, outDir !== undefined);
  if (faces.size === 0) throw new FacemetricError(`no faces to clean (${plural(skipped.length, 'photo')} skipped)`, { file: dir });
  const all: GalleryFace[] = Array.from({ length: faces.size }, (_, i) => faces.face(i));
  const r = cleanFaces(all, threshold);
  const chips = outDir !== undefined ? writeChips(outDir, pngs!) : undefined;
  const json: CleanJson = {
    threshold,
    people: r.people.map((p) => ({
      name: p.name, outliers: p.outliers,
      faces: p.faces.map((f) => ({
        image: all[f.index]!.source, rect: all[f.index]!.rect!, distance: f.distance,
        othersDistance: Number.isNaN(f.othersDistance) ? null : f.othersDistance, outlier: f.outlier,
        ...(chips !== undefined ? { chip: chips[f.index]! } : {}),
      })),
    })),
    pairs: r.pairs,
    skipped: skipped,
  };
  if (outDir !== undefined) {
    json.report = join(outDir, 'index.html');
    writeTextFile(join(outDir, 'clean.json'), JSON.stringify(json, null, 1) + '\n');
    writeTextFile(json.report, renderCleanHtml(json, resolve(outDir)));
  }
  if (opts.json) {
    io.out(JSON.stringify(json) + '\n');
  } else {
    const outliers = r.people.reduce((s, p) => s + p.outliers, 0);
    const lines = [`${plural(faces.size, 'face')} of ${peopleCount(r.people.length)} (${skipped.length} skipped); ${plural(outliers, 'outlier')} beyond ${threshold} from the rest of their person, ${plural(r.pairs.length, 'pair')} of people closer than ${threshold} on average`];
    for (const p of json.people) {
      lines.push(`${p.name}: ${plural(p.faces.length, 'face')}${p.outliers > 0 ? `, ${plural(p.outliers, 'outlier')}` : ''}; farthest from the centroid:`);
      for (const f of p.faces.slice(-3).reverse()) {
        lines.push(`  ${round4(f.distance)}${f.othersDistance !== null ? ` (${round4(f.othersDistance)} from the others)` : ''}${f.outlier ? ' OUTLIER' : ''}  ${f.image}`);
      }
    }
    for (const q of r.pairs) lines.push(`likely the same person: ${q.a} and ${q.b}, mean distance ${round4(q.meanDistance)} (closest pair ${round4(q.minDistance)})`);
    lines.push(outDir !== undefined ? `report: ${json.report}` : 'report: --out DIR writes one with the chips');
    io.out(lines.join('\n') + '\n');
  }
  return skipped.length > 0 ? EXIT_INPUTS_SKIPPED : 0;
}

/** Each face's 150x150 chip (PNG, in the gallery's face order) as faces/face-NNNN.png; their paths. */
function writeChips(outDir: string, pngs: readonly Uint8Array[]): string[] {
  const digits = Math.max(4, String(pngs.length).length);
  return pngs.map((png, i) => {
    const chip = join('faces', `face-${String(i + 1).padStart(digits, '0')}.png`);
    writeReportPng(join(outDir, chip), png);
    return chip;
  });
}

/** The report page (see the module's header). */
export function renderCleanHtml(r: CleanJson, outDirAbs: string): string {
  const faces = r.people.reduce((s, p) => s + p.faces.length, 0);
  const outliers = r.people.reduce((s, p) => s + p.outliers, 0);
  const title = `${peopleCount(r.people.length)}, ${plural(faces, 'face')}: ${plural(outliers, 'outlier')}, ${plural(r.pairs.length, 'likely duplicate')}`;
  const link = (f: { image: string; rect: readonly number[]; chip?: string }, caption: string, outlier: boolean): string => {
    const where = `${f.image} [${f.rect.join(', ')}]`;
    return `<figure class="face${outlier ? ' outlier' : ''}"><a href="${escapeHtml(relativeHref(outDirAbs, resolve(f.image)))}" title="${escapeHtml(where)}"><img src="${escapeHtml(chipUrl(f.chip!))}" alt="${escapeHtml(where)}"></a><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
  };
  const out = [reportPageHead(title, `figure { margin: 0; text-align: center; font-size: 0.8em; color: #555; }
.outlier img { outline: 4px solid #c83232; }
.outlier figcaption { color: #c83232; font-weight: bold; }
.pair { background: #fff8e8; }
`)];
  out.push(`<p class="meta">Each person's faces, nearest to the person's centroid (mean descriptor) first, with the distance to it. Framed red: an outlier, farther than ${r.threshold} from the mean of the person's other faces. Then pairs of people whose faces are on average closer than ${r.threshold}: likely one person under two names. Each face links to its photo.</p>
`);
  if (r.pairs.length > 0) {
    out.push(`<h2>Likely the same person (${r.pairs.length})</h2>\n`);
    for (const q of r.pairs) {
      const people = [q.a, q.b].map((name) => r.people.find((p) => p.name === name)!);
      out.push(`<section class="person pair" data-a="${escapeHtml(q.a)}" data-b="${escapeHtml(q.b)}">
<h2>${escapeHtml(q.a)} and ${escapeHtml(q.b)} <small>(mean distance ${round4(q.meanDistance)}, closest ${round4(q.minDistance)})</small></h2>
<div class="faces">${people.flatMap((p) => p.faces.slice(0, 5).map((f) => link(f, p.name, false))).join('')}</div>
</section>
`);
    }
  }
  for (const p of r.people) {
    out.push(`<section class="person" data-name="${escapeHtml(p.name)}" data-faces="${p.faces.length}" data-outliers="${p.outliers}">
<h2>${escapeHtml(p.name)} <small>(${plural(p.faces.length, 'face')}${p.outliers > 0 ? `, ${plural(p.outliers, 'outlier')}` : ''})</small></h2>
<div class="faces">${p.faces.map((f) => link(f, round4(f.distance), f.outlier)).join('')}</div>
</section>
`);
  }
  out.push(skippedSection(r.skipped));
  out.push('</body>\n</html>\n');
  return out.join('');
}
