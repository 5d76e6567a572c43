/**
 * The library's identification API on dlib's examples/johns: a Gallery of one described photo
 * per person, `identify(img, gallery)` on every johns photo against a direct nearest-neighbour
 * over the same descriptors (computed here in plain float64), and the gallery saved, reopened
 * and exported as face-api JSON giving the same answers.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describeFaces, exampleImages, faceModelSha256, Gallery, identify, openGallery, readImageSync, saveGallery, UNKNOWN_PERSON } from '../../src/index.js';

describe('identify(img, gallery)', () => {
  const johns = exampleImages('johns');
  const person = (f: string): string => basename(dirname(f));
  const people = [...new Set(johns.map(person))];
  const images = johns.map((f) => readImageSync(f));
  const descriptors = images.map((img) => describeFaces(img).faces[0]!.descriptor);
  const knownIdx = people.map((p) => johns.findIndex((f) => person(f) === p));

  it('gives the names a direct nearest-neighbour over the descriptors gives, through a saved and reopened gallery', async () => {
    const g = new Gallery({ modelSha256: await faceModelSha256() });
    knownIdx.forEach((i, k) => g.add(people[k]!, { descriptor: descriptors[i]!, source: johns[i]! }));
    const file = join(mkdtempSync(join(tmpdir(), 'facemetric-api-')), 'johns.fmg');
    await saveGallery(g, file);
    const reopened = await openGallery(file, { modelSha256: await faceModelSha256() });
    const fromJson = Gallery.fromJSON(JSON.parse(JSON.stringify(g)), { modelSha256: g.modelSha256 });
    let right = 0;
    images.forEach((img, i) => {
      const d = knownIdx.map((k) => Math.sqrt(descriptors[i]!.reduce((s, x, c) => s + (x - descriptors[k]![c]!) ** 2, 0)));
      const best = d.indexOf(Math.min(...d));
      const expected = d[best]! <= 0.6 ? people[best] : UNKNOWN_PERSON;
      const [face] = identify(img, reopened, { top: 2 });
      expect(face!.name).toBe(expected);
      expect(Math.abs(face!.distance! - d[best]!)).toBeLessThan(1e-12);
      expect(face!.matches).toHaveLength(2);
      expect(fromJson.search(descriptors[i]!, { k: 1 })[0]!.name).toBe(people[best]);
      if (face!.name === person(johns[i]!)) right++;
    });
    expect(right).toBeGreaterThanOrEqual(50);
  });
});
