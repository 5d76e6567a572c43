/**
 * Stable people across `facemetric cluster` runs into one report folder, and their names.
 *
 * A face is known by its photo's content (the sha256 of the file's bytes) and its box: the same
 * photo, wherever it lies now, gives the same faces. When the report folder holds a previous
 * run's clusters.json, each new cluster takes the number of the previous person most of its
 * faces belonged to: pairs (cluster, previous person) by how many faces they share, most first
 * (ties: the smaller previous number, then the larger cluster, then dlib's label), each cluster
 * and each previous number taken once. Clusters left over (new people, or the smaller part of a
 * person who split) get new numbers, from one above the highest number ever given in that
 * folder (clusters.json's `nextPerson`), largest first: a number is never given to two people.
 * Without a previous run, people are numbered by size (1 = most faces; ties in dlib's label
 * order).
 *
 * Names: `people.json` in the report folder, written by the user and never by facemetric: an
 * object from person numbers to names, `{"1": "Alice", "4": "Bob"}`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FacemetricError } from '../errors.js';

/** What a previous run left: each face's person, by {@link faceKey}, the next free number, each person's tileSha256. */
export interface PreviousPeople {
  personOf: Map<string, number>;
  nextPerson: number;
  tiles: Map<number, string>;
}

/** A face's identity across runs: its photo's sha256 and its box. */
export function faceKey(sha256: string, rect: readonly number[]): string {
  return `${sha256}:${rect.join(',')}`;
}

/**
 * The people of the clusters.json in `outDir`: undefined when there is none; a string (the
 * problem) when it cannot be used (unreadable, not facemetric's, or from before faces carried
 * their photo's sha256).
 */
export function readPreviousPeople(outDir: string): PreviousPeople | undefined | string {
  const file = join(outDir, 'clusters.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `cannot read it (${(e as Error).message.split('\n')[0]})`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const j = json as { faces?: unknown; nextPerson?: unknown; people?: unknown };
  if (typeof j !== 'object' || j === null || !Array.isArray(j.faces)) return 'not a facemetric clusters.json';
  const personOf = new Map<string, number>();
  let highest = 0;
  for (const f of j.faces as { sha256?: unknown; rect?: unknown; person?: unknown }[]) {
    if (typeof f?.sha256 !== 'string' || !Array.isArray(f.rect) || !Number.isInteger(f.person) || (f.person as number) < 1) {
      return 'its faces carry no photo sha256 (made by an older facemetric)';
    }
    personOf.set(faceKey(f.sha256, f.rect as number[]), f.person as number);
    highest = Math.max(highest, f.person as number);
  }
  const next = Number.isInteger(j.nextPerson) ? Math.max(j.nextPerson as number, highest + 1) : highest + 1;
  const tiles = new Map<number, string>();
  if (Array.isArray(j.people)) {
    for (const p of j.people as { person?: unknown; tileSha256?: unknown }[]) {
      if (Number.isInteger(p?.person) && typeof p.tileSha256 === 'string') tiles.set(p.person as number, p.tileSha256);
    }
  }
  return { personOf, nextPerson: next, tiles };
}

/** One cluster of this run: dlib's label and its faces' keys ({@link faceKey}). */
export interface ClusterFaces {
  label: number;
  keys: readonly string[];
}

/**
 * Each cluster's person number (by label), and the next free number (see the module's header).
 * `clusters` in any order.
 */
export function numberPeople(clusters: readonly ClusterFaces[], previous: PreviousPeople | undefined): { personOf: Map<number, number>; nextPerson: number } {
  const bySize = [...clusters].sort((a, b) => b.keys.length - a.keys.length || a.label - b.label);
  const personOf = new Map<number, number>();
  let next = previous?.nextPerson ?? 1;
  if (previous !== undefined) {
    const pairs: { label: number; size: number; person: number; shared: number }[] = [];
    for (const c of bySize) {
      const votes = new Map<number, number>();
      for (const k of c.keys) {
        const p = previous.personOf.get(k);
        if (p !== undefined) votes.set(p, (votes.get(p) ?? 0) + 1);
      }
      for (const [person, shared] of votes) pairs.push({ label: c.label, size: c.keys.length, person, shared });
    }
    pairs.sort((a, b) => b.shared - a.shared || a.person - b.person || b.size - a.size || a.label - b.label);
    const taken = new Set<number>();
    for (const p of pairs) {
      if (personOf.has(p.label) || taken.has(p.person)) continue;
      personOf.set(p.label, p.person);
      taken.add(p.person);
    }
  }
  for (const c of bySize) if (!personOf.has(c.label)) personOf.set(c.label, next++);
  return { personOf, nextPerson: next };
}

/**
 * The names in `people.json` in `outDir` (none when the file is missing). A file that is not a
 * JSON object from person numbers to non-empty strings is a FacemetricError naming it.
 */
export function readPeopleNames(outDir: string): Map<number, string> {
  const file = join(outDir, 'people.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new FacemetricError(`cannot read the people's names (${(e as Error).message.split('\n')[0]})`, { file });
  }
  const shape = 'must be a JSON object from person numbers to names, e.g. {"1": "Alice", "4": "Bob"}';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FacemetricError(`not valid JSON (${(e as Error).message.split('\n')[0]}); it ${shape}`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FacemetricError(shape, { file });
  const names = new Map<number, string>();
  for (const [k, v] of Object.entries(json)) {
    if (!/^[1-9]\d*$/.test(k) || typeof v !== 'string' || v.trim() === '') throw new FacemetricError(`${shape}; got ${JSON.stringify(k)}: ${JSON.stringify(v)}`, { file });
    names.set(Number(k), v.trim());
  }
  return names;
}
