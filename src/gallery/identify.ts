/**
 * Who is each face: its descriptor against a {@link Gallery}, with face_recognition's rule —
 * a person matches when the distance is at most the tolerance (`face_distance <= tolerance`,
 * face_recognition's `compare_faces`; default 0.6, dlib's threshold). The best match is the
 * nearest person (by `match`: nearest face or mean distance); with no person within the
 * tolerance the face is `unknown_person`, face_recognition's word. No `node:` imports.
 */
import type { Rect } from '../geometry/rectangle.js';
import type { Gallery, MatchRule, PersonMatch, SearchOptions } from './gallery.js';

/** The name of a face no known person is within the tolerance of (face_recognition's). */
export const UNKNOWN_PERSON = 'unknown_person';
/** face_recognition's and dlib's default tolerance. */
export const DEFAULT_TOLERANCE = 0.6;

export interface IdentifyOptions {
  /** A person matches at distance <= tolerance (default: the gallery's calibrated one, else 0.6). */
  tolerance?: number;
  /** How many nearest people to list in `matches` (default 1). */
  top?: number;
  /** 'nearest' face (default) or face-api's 'mean' distance. */
  match?: MatchRule;
  /** Search the approximate index (Gallery.search's `approximate`; 'nearest' only). */
  approximate?: SearchOptions['approximate'];
}

/** One face's identification. */
export interface Identification {
  /** The nearest person within the tolerance, else {@link UNKNOWN_PERSON}. */
  name: string;
  /** The distance to the nearest person (also when unknown); null for an empty gallery. */
  distance: number | null;
  /** The `top` nearest people, nearest first (ties: enrolment order). */
  matches: PersonMatch[];
  /** Every person within the tolerance, in enrolment order (face_recognition's CSV lines). */
  within: PersonMatch[];
}

/** A face with its box, identified. */
export interface IdentifiedFace extends Identification {
  rect: Rect;
}

/** The tolerance `opts` asks for, else the gallery's, else 0.6. */
export function toleranceOf(gallery: Gallery, opts: IdentifyOptions): number {
  return opts.tolerance ?? gallery.tolerance ?? DEFAULT_TOLERANCE;
}

/** Who `descriptor` is, among the gallery's people (see the module's header). */
export function identifyDescriptor(gallery: Gallery, descriptor: ArrayLike<number>, opts: IdentifyOptions = {}): Identification {
  const tolerance = toleranceOf(gallery, opts);
  // The top people, and every person within the tolerance (for `within`).
  const all = gallery.search(descriptor, {
    k: Math.max(1, opts.top ?? 1), upTo: tolerance,
    ...(opts.match === undefined ? {} : { match: opts.match }), ...(opts.approximate === undefined ? {} : { approximate: opts.approximate }),
  });
  const within = all.filter((m) => m.distance <= tolerance).sort((a, b) => a.person - b.person);
  const best = all[0];
  return {
    name: best !== undefined && best.distance <= tolerance ? best.name : UNKNOWN_PERSON,
    distance: best?.distance ?? null,
    matches: all.slice(0, opts.top ?? 1),
    within,
  };
}

/** Each face (a box and its descriptor) identified against the gallery, in order. */
export function identifyFaces(gallery: Gallery, faces: readonly { rect: Rect; descriptor: ArrayLike<number> }[], opts: IdentifyOptions = {}): IdentifiedFace[] {
  return faces.map((f) => ({ rect: f.rect, ...identifyDescriptor(gallery, f.descriptor, opts) }));
}
