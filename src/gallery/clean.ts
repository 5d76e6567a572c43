/**
 * Cleaning a labelled face set (issue 15, `facemetric clean`; the seed author's recipe for his
 * training data): per person, the faces sorted by distance to the person's centroid (labelling
 * errors gather at the end) with the outliers flagged, and the pairs of people whose faces are
 * on average closer than the threshold (likely one person under two names). No `node:` imports.
 *
 * The numbers (float64; distances are face_recognition's `faceDistance`, distance.ts):
 *  - a person's centroid: the mean of their n descriptors;
 *  - a face's `distance`: to the centroid; the faces are sorted by it, ties by input order;
 *  - a face is an **outlier** when n >= 2 and its distance to the mean of the person's *other*
 *    faces exceeds the threshold: it would not match the rest of its folder. That distance is
 *    exactly n/(n-1) times the distance to the centroid (x - (nc - x)/(n-1) = n/(n-1) (x - c)),
 *    so the outliers are the tail of the sorted list; `othersDistance` reports it;
 *  - two people's `meanDistance`: the mean over every pair of their faces (one of each); pairs of
 *    people below the threshold are listed, nearest first (ties: the earlier person first).
 */
import { faceDistance } from './distance.js';

/** One face of a labelled set: its person and descriptor. */
export interface LabelledDescriptor {
  name: string;
  descriptor: ArrayLike<number>;
}

/** A face of a person, as {@link cleanFaces} ranks it. */
export interface CleanFace {
  /** Its index in the input. */
  index: number;
  /** Distance to the person's centroid. */
  distance: number;
  /** Distance to the mean of the person's other faces (n/(n-1) x distance); NaN for a person of one face. */
  othersDistance: number;
  /** othersDistance > threshold. */
  outlier: boolean;
}

/** A person's faces, nearest to the centroid first. */
export interface CleanPerson {
  name: string;
  faces: CleanFace[];
  /** How many faces are outliers. */
  outliers: number;
}

/** Two people whose faces are on average closer than the threshold. */
export interface CleanPair {
  a: string;
  b: string;
  /** The mean distance over every pair of their faces (na x nb pairs). */
  meanDistance: number;
  /** The closest of those pairs. */
  minDistance: number;
}

export interface CleanResult {
  threshold: number;
  /** The people in order of first appearance. */
  people: CleanPerson[];
  /** Pairs of people with meanDistance < threshold, nearest first. */
  pairs: CleanPair[];
}

/**
 * The faces `members` (indices into `descriptors`; all of them by default) ranked by distance to
 * their centroid (the mean, in float64), nearest first, ties by position in `members`: the first
 * is the group's most typical face (cluster's report shows it for each person). The descriptors
 * must all have the same length.
 */
export function rankByCentroid(descriptors: readonly ArrayLike<number>[], members: readonly number[] = descriptors.map((_, i) => i)): { index: number; distance: number }[] {
  const dims = members.length > 0 ? descriptors[members[0]!]!.length : 0;
  const c = new Float64Array(dims);
  for (const i of members) {
    const d = descriptors[i]!;
    if (d.length !== dims) throw new RangeError(`rankByCentroid: descriptor ${i} has ${d.length} values, expected ${dims}`);
    for (let k = 0; k < dims; k++) c[k]! += d[k]!;
  }
  for (let k = 0; k < dims; k++) c[k]! /= members.length;
  const ranked = members.map((index, order) => ({ index, distance: faceDistance(descriptors[index]!, c), order }));
  ranked.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return ranked.map(({ index, distance }) => ({ index, distance }));
}

/** Ranks each person's faces and finds people likely the same (see the module's header). */
export function cleanFaces(faces: readonly LabelledDescriptor[], threshold = 0.6): CleanResult {
  if (!(threshold > 0)) throw new RangeError(`cleanFaces: the threshold must be greater than 0, got ${threshold}`);
  const groups = new Map<string, number[]>();
  faces.forEach((f, i) => {
    const g = groups.get(f.name);
    if (g === undefined) groups.set(f.name, [i]);
    else g.push(i);
  });
  const dims = faces[0]?.descriptor.length ?? 0;
  faces.forEach((f, i) => {
    if (f.descriptor.length !== dims) throw new RangeError(`cleanFaces: descriptor ${i} has ${f.descriptor.length} values, expected ${dims}`);
  });
  const descriptors = faces.map((f) => f.descriptor);
  const people: CleanPerson[] = [];
  for (const [name, idx] of groups) {
    const n = idx.length;
    const ranked = rankByCentroid(descriptors, idx).map(({ index, distance }) => {
      const othersDistance = n >= 2 ? (n / (n - 1)) * distance : NaN;
      return { index, distance, othersDistance, outlier: othersDistance > threshold };
    });
    people.push({ name, faces: ranked, outliers: ranked.filter((f) => f.outlier).length });
  }
  const pairs: (CleanPair & { order: number })[] = [];
  const lists = [...groups.values()];
  for (let p = 0; p < lists.length; p++) {
    for (let q = p + 1; q < lists.length; q++) {
      let sum = 0;
      let min = Infinity;
      for (const i of lists[p]!) {
        for (const j of lists[q]!) {
          const d = faceDistance(faces[i]!.descriptor, faces[j]!.descriptor);
          sum += d;
          if (d < min) min = d;
        }
      }
      const meanDistance = sum / (lists[p]!.length * lists[q]!.length);
      if (meanDistance < threshold) pairs.push({ a: people[p]!.name, b: people[q]!.name, meanDistance, minDistance: min, order: p * lists.length + q });
    }
  }
  pairs.sort((x, y) => x.meanDistance - y.meanDistance || x.order - y.order);
  return { threshold, people, pairs: pairs.map(({ a, b, meanDistance, minDistance }) => ({ a, b, meanDistance, minDistance })) };
}
