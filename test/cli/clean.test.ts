/**
 * `facemetric clean` (and gallery/clean.ts's `cleanFaces`) on dlib's examples/johns, with every
 * expected value computed here, independently, from the descriptors (our pipeline gives dlib's
 * bit for bit, test/parity): each person's faces in order of the plain float64 distance to the
 * plain mean; the outlier rule (distance to the mean of the person's *other* faces, computed
 * directly, above the threshold); people pairs by the mean of every cross distance. A folder
 * with another person's photo slipped in (the intruder sorts last and is the only outlier), one
 * person split over two folders (reported as a pair, and the only one), photos with no face or
 * two faces named and skipped (exit code 3), the HTML report (chips in order, each the face's
 * dlib chip cut again here, the outlier framed, refusing a used folder without --force; not
 * walked when inside LABELLED_DIR) and the one-line errors.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CleanJson } from '../../src/cli/clean.js';
import { cleanFaces } from '../../src/gallery/clean.js';
import { extractImageChip, getFaceChipDetails } from '../../src/image/chips.js';
import { encodePng, readImageSync } from '../../src/image/index.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { describeFaces } from '../../src/pipeline/index.js';

const BIN = 'dist/src/cli/main.js';
const facemetric = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const johns = exampleImages('johns');
const person = (f: string): string => basename(dirname(f));
const descriptorOf = new Map(johns.map((f) => [f, describeFaces(readImageSync(f)).faces[0]!.descriptor]));

/** Plain float64 Euclidean distance, summed in index order. */
const euclid = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s);
};
const mean = (rows: readonly ArrayLike<number>[]): number[] => Array.from({ length: 128 }, (_, k) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length);

/** What clean must report for a labelled set, computed directly. */
function expected(faces: readonly { name: string; file: string; descriptor: Float32Array }[], threshold: number) {
  const names = [...new Set(faces.map((f) => f.name))];
  const people = names.map((name) => {
    const mine = faces.filter((f) => f.name === name);
    const c = mean(mine.map((f) => f.descriptor));
    const ranked = mine.map((f) => {
      const others = mine.filter((g) => g !== f);
      const othersDistance = others.length > 0 ? euclid(f.descriptor, mean(others.map((g) => g.descriptor))) : NaN;
      return { file: f.file, distance: euclid(f.descriptor, c), othersDistance, outlier: othersDistance > threshold };
    }).sort((a, b) => a.distance - b.distance);
    return { name, faces: ranked };
  });
  const pairs: { a: string; b: string; meanDistance: number }[] = [];
  names.forEach((a, i) => names.slice(i + 1).forEach((b) => {
    const fa = faces.filter((f) => f.name === a);
    const fb = faces.filter((f) => f.name === b);
    const m = fa.reduce((s, x) => s + fb.reduce((t, y) => t + euclid(x.descriptor, y.descriptor), 0), 0) / (fa.length * fb.length);
    if (m < threshold) pairs.push({ a, b, meanDistance: m });
  }));
  return { people, pairs: pairs.sort((x, y) => x.meanDistance - y.meanDistance) };
}

describe('cleanFaces', () => {
  it('on examples/johns: the order, the distances, no outliers and no pairs at 0.6; at 0.25 the tails are outliers', () => {
    const faces = johns.map((f) => ({ name: person(f), file: f, descriptor: descriptorOf.get(f)! }));
    for (const threshold of [0.6, 0.25]) {
      const want = expected(faces, threshold);
      const got = cleanFaces(faces, threshold);
      expect(got.people.map((p) => p.name)).toEqual(want.people.map((p) => p.name));
      got.people.forEach((p, i) => {
        const w = want.people[i]!.faces;
        expect(p.faces.map((f) => faces[f.index]!.file)).toEqual(w.map((f) => f.file));
        p.faces.forEach((f, j) => {
          expect(Math.abs(f.distance - w[j]!.distance)).toBeLessThan(1e-12);
          expect(Math.abs(f.othersDistance - w[j]!.othersDistance)).toBeLessThan(1e-12);
          expect(f.outlier).toBe(w[j]!.outlier);
        });
        expect(p.outliers).toBe(w.filter((f) => f.outlier).length);
        // the outliers are the tail of the sorted list
        expect(p.faces.map((f) => f.outlier)).toEqual([...p.faces.map((f) => f.outlier)].sort((a, b) => Number(a) - Number(b)));
      });
      expect(got.pairs.map(({ a, b }) => ({ a, b }))).toEqual(want.pairs.map(({ a, b }) => ({ a, b })));
    }
    const at06 = cleanFaces(faces, 0.6);
    expect(at06.people.map((p) => p.outliers)).toEqual([0, 0, 0, 0, 0]);
    expect(at06.pairs).toEqual([]);
    expect(cleanFaces(faces, 0.25).people.reduce((s, p) => s + p.outliers, 0)).toBeGreaterThan(5);
    expect(() => cleanFaces(faces, 0)).toThrow(/greater than 0/);
  });
});

describe('facemetric clean', () => {
  const work = mkdtempSync(join(tmpdir(), 'facemetric-clean-'));
  const dir = join(work, 'labelled');
  const salley = johns.filter((f) => person(f) === 'John_Salley');
  const simm = johns.filter((f) => person(f) === 'John_Simm');
  const schneider = johns.filter((f) => person(f) === 'John_Schneider');
  const intruder = johns.find((f) => person(f) === 'John_Savage')!;
  // The labelled set: Salley with Savage's photo slipped in; Simm in two folders; Schneider.
  const layout: { name: string; src: string; as: string }[] = [
    ...salley.map((f) => ({ name: 'John_Salley', src: f, as: basename(f) })),
    { name: 'John_Salley', src: intruder, as: 'zz_intruder.jpg' },
    ...simm.map((f, i) => ({ name: i % 2 === 0 ? 'Simm_A' : 'Simm_B', src: f, as: basename(f) })),
    ...schneider.map((f) => ({ name: 'John_Schneider', src: f, as: basename(f) })),
  ];
  for (const l of layout) {
    mkdirSync(join(dir, l.name), { recursive: true });
    copyFileSync(l.src, join(dir, l.name, l.as));
  }
  writeFileSync(join(dir, 'John_Schneider', 'blank.png'), encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128), channels: 3 }));
  copyFileSync(join(assetPath('examples'), 'faces', '2008_001009.jpg'), join(dir, 'Simm_A', 'two.jpg'));
  const faces = layout.map((l) => ({ name: l.name, file: join(dir, l.name, l.as), descriptor: descriptorOf.get(l.src)! }));
  const want = expected(faces, 0.6);
  const out = join(work, 'report');

  it('sorts the intruder last and flags it, reports the split person as the one pair, names the skipped photos; --json and the report agree', () => {
    const r = facemetric('clean', dir, '--json', '--out', out);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toBe(
      `facemetric: ${join(dir, 'John_Schneider', 'blank.png')}: no faces found (small faces: try --upsample 1) (skipped)\n` +
      `facemetric: ${join(dir, 'Simm_A', 'two.jpg')}: 2 faces; enroll photos of one person, or --largest to take the largest face (skipped)\n`);
    const j = JSON.parse(r.stdout) as CleanJson;
    expect(j.threshold).toBe(0.6);
    expect(j.skipped.map((s) => basename(s.file))).toEqual(['blank.png', 'two.jpg']);
    expect(j.people.map((p) => p.name).sort()).toEqual(['John_Salley', 'John_Schneider', 'Simm_A', 'Simm_B']);
    for (const p of j.people) {
      const w = want.people.find((q) => q.name === p.name)!;
      expect(p.faces.map((f) => f.image)).toEqual(w.faces.map((f) => f.file));
      p.faces.forEach((f, i) => {
        expect(Math.abs(f.distance - w.faces[i]!.distance)).toBeLessThan(1e-12);
        expect(Math.abs(f.othersDistance! - w.faces[i]!.othersDistance)).toBeLessThan(1e-12);
        expect(f.outlier).toBe(w.faces[i]!.outlier);
        expect(f.rect).toHaveLength(4);
      });
    }
    const sal = j.people.find((p) => p.name === 'John_Salley')!;
    expect(sal.faces).toHaveLength(12);
    expect(basename(sal.faces.at(-1)!.image)).toBe('zz_intruder.jpg');
    expect(sal.faces.at(-1)!.outlier).toBe(true);
    expect(sal.faces.at(-1)!.othersDistance).toBeGreaterThan(0.6);
    expect(j.people.flatMap((p) => p.faces.filter((f) => f.outlier).map((f) => basename(f.image)))).toEqual(['zz_intruder.jpg']);
    expect(j.pairs.map(({ a, b }) => [a, b].sort())).toEqual([['Simm_A', 'Simm_B']]);
    expect(want.pairs).toHaveLength(1);
    expect(Math.abs(j.pairs[0]!.meanDistance - want.pairs[0]!.meanDistance)).toBeLessThan(1e-12);
    // The report: clean.json as printed, a chip per face, the page in the same order.
    expect(j.report).toBe(join(out, 'index.html'));
    expect(JSON.parse(readFileSync(join(out, 'clean.json'), 'utf8'))).toEqual(j);
    expect(readdirSync(join(out, 'faces'))).toHaveLength(faces.length);
    const chip = readImageSync(join(out, sal.faces.at(-1)!.chip!));
    expect([chip.width, chip.height]).toEqual([150, 150]);
    // Every chip is its face's dlib chip (get_face_chip_details(landmarks, 150, 0.25)), cut here
    // again from the photo with the face's landmarks.
    for (const f of j.people.flatMap((p) => p.faces)) {
      const img = readImageSync(f.image);
      const [face] = describeFaces(img).faces;
      expect(face!.rect).toEqual(f.rect);
      expect(readImageSync(join(out, f.chip!)).data).toEqual(extractImageChip(img, getFaceChipDetails(face!.landmarks, 150, 0.25)).data);
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const salSection = html.slice(html.indexOf('<section class="person" data-name="John_Salley"'));
    const srcs = [...salSection.slice(0, salSection.indexOf('</section>')).matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs).toEqual(sal.faces.map((f) => f.chip!.split('\\').join('/')));
    expect(salSection.match(/class="face outlier"/g)).toHaveLength(1);
    expect(html).toContain('<section class="person pair" data-a="Simm_A" data-b="Simm_B">');
  });

  it('prints the same in text; refuses the used report folder without --force, replaces it with', () => {
    const again = facemetric('clean', dir, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^facemetric: .*report: is not empty \(refusing to write a report over what is there\).*\n$/);
    const r = facemetric('clean', dir, '--out', out, '--force');
    expect(r.code, r.stderr).toBe(3);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('34 faces of 4 people (2 skipped); 1 outlier beyond 0.6 from the rest of their person, 1 pair of people closer than 0.6 on average');
    expect(lines).toContain(`  ${want.people[0]!.faces.at(-1)!.distance.toFixed(4)} (${want.people[0]!.faces.at(-1)!.othersDistance.toFixed(4)} from the others) OUTLIER  ${join(dir, 'John_Salley', 'zz_intruder.jpg')}`);
    expect(lines).toContain(`likely the same person: Simm_A and Simm_B, mean distance ${want.pairs[0]!.meanDistance.toFixed(4)} (closest pair ${Math.min(...faces.filter((f) => f.name === 'Simm_A').flatMap((x) => faces.filter((f) => f.name === 'Simm_B').map((y) => euclid(x.descriptor, y.descriptor)))).toFixed(4)})`);
    expect(lines.at(-1)).toBe(`report: ${join(out, 'index.html')}`);
    expect(readdirSync(join(out, 'faces'))).toHaveLength(faces.length);
  });

  it('does not walk its report folder inside LABELLED_DIR (its chips are faces too)', () => {
    const small = join(work, 'small');
    for (const f of [...salley.slice(0, 2), ...simm.slice(0, 2)]) {
      mkdirSync(join(small, person(f)), { recursive: true });
      copyFileSync(f, join(small, person(f), basename(f)));
    }
    for (const flags of [[], ['--force']]) {
      const r = facemetric('clean', small, '--out', join(small, 'report'), '--json', ...flags);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as CleanJson;
      expect(j.people.map((p) => [p.name, p.faces.length])).toEqual([['John_Salley', 2], ['John_Simm', 2]]);
      expect(j.skipped).toEqual([]);
      expect(readdirSync(join(small, 'report', 'faces'))).toHaveLength(4);
    }
  });

  it('one-line errors: no folder, a bad threshold, nothing to clean', () => {
    const none = facemetric('clean', join(work, 'missing'));
    expect(none.code).toBe(1);
    expect(none.stderr.trimEnd().split('\n').at(-1)).toMatch(/^facemetric: .*missing.*no faces to clean/);
    const bad = facemetric('clean', dir, '--threshold', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('facemetric: clean: --threshold must be greater than 0, got 0\n');
    const two = facemetric('clean', dir, dir);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^facemetric: clean: give one folder/);
    expect(existsSync(join(work, 'missing'))).toBe(false);
  });
});
