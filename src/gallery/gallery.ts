/**
 * `Gallery`: known people and their enrolled faces' descriptors, searchable — the core of
 * `facemetric enroll` / `identify` and of the library's identification API. It holds the
 * descriptors in one growing Float32Array (row after row), the people in enrolment order and
 * each face's metadata (source image, its content's sha256, rect, 68 landmarks). Reads and
 * writes the binary gallery format (format.ts) and face-api's `LabeledFaceDescriptors` JSON.
 * No `node:` imports (the browser core uses it); files: gallery/file.ts.
 *
 * Matching a query descriptor against a person (face_recognition's and face-api's rules):
 *  - 'nearest' (default): the distance to the person's nearest enrolled face;
 *  - 'mean': the mean of the distances to each of the person's faces (face-api's `FaceMatcher`,
 *    `computeMeanDistance`).
 * Distances are face_recognition's (`faceDistance`, distance.ts). People are ranked by distance,
 * ties by enrolment order.
 */
import type { Point } from '../geometry/vector.js';
import type { Rect } from '../geometry/rectangle.js';
import { faceDistanceToRow } from './distance.js';
import { ApproximateFaceIndex, type ApproximateIndexOptions, type ApproximateIndexStats } from './ivf.js';
import type { NearestRow } from './knn.js';
import { decodeGallery, encodeGallery, GalleryError, hexToBytes, type GalleryData, type GalleryFaceMeta } from './format.js';

/** dlib's face descriptor length. */
export const DESCRIPTOR_DIMS = 128;

/** One enrolled face, as {@link Gallery.face} returns it. */
export interface GalleryFace {
  /** The person's name. */
  name: string;
  /** The source image's path as enrolled; '' when unknown (e.g. imported from JSON). */
  source: string;
  /** sha256 (hex) of the source file's bytes; '' when unknown. */
  contentSha256: string;
  rect?: Rect;
  landmarks?: Point[];
  descriptor: Float32Array;
}

/** A face to enrol: a descriptor and, optionally, where it came from. */
export interface NewGalleryFace {
  descriptor: ArrayLike<number>;
  source?: string;
  contentSha256?: string;
  rect?: Rect;
  landmarks?: Point[];
}

/** How a query is matched against a person's faces. */
export type MatchRule = 'nearest' | 'mean';
/** The match rules, as the CLI lists them. */
export const MATCH_RULES: readonly MatchRule[] = ['nearest', 'mean'];

/** A person and the query's distance to them. */
export interface PersonMatch {
  name: string;
  distance: number;
  /** The person's place in {@link Gallery.people} (enrolment order). */
  person: number;
}

export interface SearchOptions {
  /** How many people to return, nearest first (default: all). */
  k?: number;
  /** 'nearest' face (default) or 'mean' distance over the person's faces. */
  match?: MatchRule;
  /**
   * Also every person at a distance <= this, beyond the first `k` (identify's tolerance): the
   * answer is the first max(k, people within) nearest people.
   */
  upTo?: number;
  /**
   * 'nearest' through the approximate index (ivf.ts: the rows of the `probes` cells nearest to
   * the query, default ivf.ts's defaultProbes) instead of every row, for galleries that outgrow
   * the exact search: faster, and it may miss a person whose faces all lie in cells not probed
   * (bench search measures the recall). Below {@link INDEX_MIN_FACES} faces the search is exact.
   */
  approximate?: boolean | { probes?: number };
}

/**
 * An exact k-nearest-row search over the gallery's descriptors, as {@link Gallery.search} may use
 * for large galleries: it must return knnReference's answer (knn.ts) — the `k` rows nearest to
 * the query by `faceDistance`, nearest first, ties by row — as WasmFaceIndex (knn-wasm.ts) does.
 */
export interface RowIndex {
  /** Rows held. */
  readonly size: number;
  /** Appends rows of `dims` floats. */
  add(rows: Float32Array): number;
  search(query: ArrayLike<number>, k: number): NearestRow[];
}

/**
 * The faces a gallery needs before `search` ('nearest') goes through a {@link RowIndex}. Measured
 * (one query, WasmFaceIndex against the scan): 64 faces 0.05 vs 0.03 ms, 128 0.03 vs 0.05,
 * 256 0.03 vs 0.12, 4,000 0.14 vs 2.9, 100,000 2.9 vs 69 ms; the index's first instance costs
 * ~4 ms. Below this the scan is as fast and needs no kernel instance.
 */
export const INDEX_MIN_FACES = 256;

/** Above this many faces, a search that needs half the rows from the index scans instead. */
const INDEX_SCAN_ABOVE = 4096;

/** face-api's `LabeledFaceDescriptors.toJSON()`: one entry per person. */
export interface LabeledFaceDescriptorsJson {
  label: string;
  descriptors: number[][];
}

export interface GalleryOptions {
  /** sha256 (64 hex digits) of the face model file whose descriptors the gallery holds. */
  modelSha256: string;
  /** Descriptor length (default 128). */
  dims?: number;
  /** A calibrated tolerance to keep with the gallery. */
  tolerance?: number;
}

/** Known people and their faces' descriptors; see the module's header. */
export class Gallery {
  /** sha256 of the face model file that made the descriptors. */
  readonly modelSha256: string;
  readonly dims: number;
  /** The tolerance calibrated for this gallery, if any. */
  tolerance: number | undefined;
  private readonly names: string[] = [];
  private readonly personIndex = new Map<string, number>();
  private readonly meta: GalleryFaceMeta[] = [];
  private readonly keys = new Set<string>();
  private flat: Float32Array;
  private index: RowIndex | undefined;
  private approx: ApproximateFaceIndex | undefined;

  /**
   * Makes the row index large galleries search with (the Node layer, gallery/index.ts, installs
   * WasmFaceIndex; the browser core has none and scans in TypeScript); undefined for none.
   */
  static rowIndex: ((capacity: number) => RowIndex) | undefined;

  /**
   * Makes the approximate index `search({ approximate })` uses: by default the TypeScript one
   * (ivf.ts, rows in a Float32Array); the Node layer (knn-wasm.ts) installs the WebAssembly one
   * (the same cells and answers, faster).
   */
  static approximateIndex: (capacity: number, opts: ApproximateIndexOptions) => ApproximateFaceIndex = (_capacity, opts) => new ApproximateFaceIndex(opts);

  /** The faces from which `search` uses the row index ({@link INDEX_MIN_FACES}; tests lower it). */
  static indexMinFaces = INDEX_MIN_FACES;

  /** An empty gallery for descriptors of the model whose file has sha256 `opts.modelSha256`. */
  constructor(opts: GalleryOptions) {
    hexToBytes(opts.modelSha256, 'the model sha256');
    this.modelSha256 = opts.modelSha256.toLowerCase();
    this.dims = opts.dims ?? DESCRIPTOR_DIMS;
    if (!Number.isInteger(this.dims) || this.dims < 1) throw new RangeError(`Gallery: bad descriptor length ${this.dims}`);
    this.tolerance = opts.tolerance;
    this.flat = new Float32Array(64 * this.dims);
  }

  /** A gallery from a gallery file's bytes (`file` names it in errors); see format.ts. */
  static decode(bytes: Uint8Array, file = '<gallery>'): Gallery {
    return Gallery.fromData(decodeGallery(bytes, file));
  }

  /** A gallery holding `data` (as decodeGallery returns it). */
  static fromData(data: GalleryData): Gallery {
    const g = new Gallery({ modelSha256: data.modelSha256, dims: data.dims, ...(data.tolerance !== undefined ? { tolerance: data.tolerance } : {}) });
    for (const name of data.people) g.personOf(name);
    g.flat = data.descriptors.length > 0 ? data.descriptors : g.flat;
    for (const f of data.faces) {
      g.meta.push(f);
      if (f.source !== '') g.keys.add(faceKey(f.source, f.contentSha256));
    }
    return g;
  }

  /**
   * A gallery from face-api's `LabeledFaceDescriptors` JSON (`[{label, descriptors}]`, as
   * `JSON.stringify(labeledFaceDescriptors)` writes it); `file` names the source in errors.
   */
  static fromJSON(json: unknown, opts: GalleryOptions, file = '<json>'): Gallery {
    const g = new Gallery(opts);
    const fail = (msg: string): never => {
      throw new GalleryError(`not face-api LabeledFaceDescriptors JSON: ${msg}`, { file });
    };
    if (!Array.isArray(json)) fail('expected an array of {label, descriptors}');
    (json as unknown[]).forEach((entry, i) => {
      const e = entry as { label?: unknown; descriptors?: unknown };
      if (typeof e !== 'object' || e === null || typeof e.label !== 'string' || e.label === '') fail(`entry ${i + 1} has no label`);
      if (!Array.isArray(e.descriptors)) fail(`entry ${i + 1} ('${e.label as string}') has no descriptors array`);
      (e.descriptors as unknown[]).forEach((d, j) => {
        const ok = Array.isArray(d) && d.length === g.dims && d.every((x) => typeof x === 'number' && Number.isFinite(x));
        if (!ok) fail(`entry ${i + 1} ('${e.label as string}'), descriptor ${j + 1}: expected ${g.dims} finite numbers`);
        g.add(e.label as string, { descriptor: d as number[] });
      });
      g.personOf(e.label as string);
    });
    return g;
  }

  /** face-api's `LabeledFaceDescriptors` JSON: one entry per person, descriptors in enrolment order. */
  toJSON(): LabeledFaceDescriptorsJson[] {
    const out: LabeledFaceDescriptorsJson[] = this.names.map((label) => ({ label, descriptors: [] }));
    this.meta.forEach((f, i) => out[f.person]!.descriptors.push(Array.from(this.descriptor(i))));
    return out;
  }

  /** The gallery file's bytes (format.ts). */
  encode(): Uint8Array {
    return encodeGallery(this.data());
  }

  /** The gallery as plain data (descriptors trimmed to the faces). */
  data(): GalleryData {
    const d: GalleryData = {
      modelSha256: this.modelSha256, dims: this.dims, people: [...this.names], faces: this.meta.slice(),
      descriptors: this.flat.subarray(0, this.meta.length * this.dims),
    };
    if (this.tolerance !== undefined) d.tolerance = this.tolerance;
    return d;
  }

  /** People's names, in enrolment order. */
  get people(): readonly string[] {
    return this.names;
  }

  /** Number of enrolled faces. */
  get size(): number {
    return this.meta.length;
  }

  /** Whether the face of `source` with content `contentSha256` is enrolled already. */
  has(source: string, contentSha256: string): boolean {
    return this.keys.has(faceKey(source, contentSha256));
  }

  /**
   * Enrols a face as `name` (a new person when the name is new).
   * Ensures: false (nothing added) when a face of the same source path and content is there
   *   already; else true.
   */
  add(name: string, face: NewGalleryFace): boolean {
    if (name === '') throw new GalleryError('a person needs a non-empty name');
    if (face.descriptor.length !== this.dims) throw new RangeError(`Gallery.add: a descriptor of ${face.descriptor.length} values, expected ${this.dims}`);
    for (let k = 0; k < this.dims; k++) {
      if (!Number.isFinite(face.descriptor[k]!)) throw new RangeError(`Gallery.add: descriptor value ${k} is not finite`);
    }
    const source = face.source ?? '';
    const contentSha256 = (face.contentSha256 ?? '').toLowerCase();
    if (contentSha256 !== '') hexToBytes(contentSha256, 'the content sha256');
    const key = faceKey(source, contentSha256);
    if (source !== '' && this.keys.has(key)) return false;
    const row = this.meta.length;
    if ((row + 1) * this.dims > this.flat.length) {
      const grown = new Float32Array(Math.max(2 * this.flat.length, (row + 1) * this.dims));
      grown.set(this.flat.subarray(0, row * this.dims));
      this.flat = grown;
    }
    this.flat.set(face.descriptor, row * this.dims);
    const m: GalleryFaceMeta = { person: this.personOf(name), source, contentSha256 };
    if (face.rect !== undefined) m.rect = [...face.rect] as Rect;
    if (face.landmarks !== undefined) m.landmarks = face.landmarks.map(([x, y]) => [x, y] as Point);
    this.meta.push(m);
    if (source !== '') this.keys.add(key);
    return true;
  }

  /** The `i`-th enrolled face (0-based, enrolment order). */
  face(i: number): GalleryFace {
    const m = this.meta[i];
    if (m === undefined) throw new RangeError(`Gallery.face: no face ${i} (${this.meta.length} faces)`);
    const f: GalleryFace = { name: this.names[m.person]!, source: m.source, contentSha256: m.contentSha256, descriptor: this.descriptor(i).slice() };
    if (m.rect !== undefined) f.rect = m.rect;
    if (m.landmarks !== undefined) f.landmarks = m.landmarks;
    return f;
  }

  /** How many faces each person has, by name. */
  faceCounts(): Map<string, number> {
    const counts = new Map(this.names.map((n) => [n, 0]));
    for (const m of this.meta) counts.set(this.names[m.person]!, counts.get(this.names[m.person]!)! + 1);
    return counts;
  }

  /**
   * The people nearest to `query`, nearest first (ties: enrolment order), with the query's
   * distance to each under `opts.match`; at most `opts.k` (default: every person with a face),
   * or more: every person within `opts.upTo`. With 'nearest' and at least
   * {@link INDEX_MIN_FACES} faces the rows come from the row index (exactly the same answer as
   * the scan, {@link Gallery.scan}); otherwise every face is scanned.
   */
  search(query: ArrayLike<number>, opts: SearchOptions = {}): PersonMatch[] {
    if (query.length !== this.dims) throw new RangeError(`Gallery.search: a query of ${query.length} values, expected ${this.dims}`);
    const k = opts.k ?? this.names.length;
    const upTo = opts.upTo ?? -Infinity;
    const nearest = (opts.match ?? 'nearest') === 'nearest' && this.meta.length >= Gallery.indexMinFaces;
    let all: PersonMatch[];
    if (nearest && opts.approximate !== undefined && opts.approximate !== false) {
      const probes = typeof opts.approximate === 'object' ? opts.approximate.probes : undefined;
      const approx = this.approximateIndex();
      all = this.indexed((q, r) => approx.search(q, r, probes), query, k, upTo, false);
    } else {
      const index = nearest ? this.rowIndex() : undefined;
      all = index !== undefined ? this.indexed((q, r) => index.search(q, r), query, k, upTo) : this.scan(query, opts.match ?? 'nearest');
    }
    let n = Math.min(k, all.length);
    while (n < all.length && all[n]!.distance <= upTo) n++;
    return all.slice(0, n);
  }

  /**
   * Every person with a face and the query's distance to them under `match`, nearest first (ties:
   * enrolment order), by a scan of every face in TypeScript: the reference of the indexed search.
   */
  scan(query: ArrayLike<number>, match: MatchRule = 'nearest'): PersonMatch[] {
    if (query.length !== this.dims) throw new RangeError(`Gallery.scan: a query of ${query.length} values, expected ${this.dims}`);
    const n = this.names.length;
    const best = new Float64Array(n).fill(Infinity);
    const sum = new Float64Array(n);
    const count = new Uint32Array(n);
    for (let i = 0; i < this.meta.length; i++) {
      const p = this.meta[i]!.person;
      const d = faceDistanceToRow(query, this.flat, i, this.dims);
      if (d < best[p]!) best[p] = d;
      sum[p]! += d;
      count[p]!++;
    }
    const out: PersonMatch[] = [];
    for (let p = 0; p < n; p++) {
      if (count[p] === 0) continue;
      out.push({ name: this.names[p]!, distance: match === 'mean' ? sum[p]! / count[p]! : best[p]!, person: p });
    }
    return ranked(out);
  }

  /** The row index, brought up to date with the faces; undefined when there is none. */
  private rowIndex(): RowIndex | undefined {
    if (this.index === undefined) {
      if (Gallery.rowIndex === undefined || this.dims !== DESCRIPTOR_DIMS) return undefined;
      this.index = Gallery.rowIndex(this.meta.length);
    }
    if (this.index.size < this.meta.length) this.index.add(this.flat.subarray(this.index.size * this.dims, this.meta.length * this.dims));
    return this.index;
  }

  /**
   * The approximate index's cells and probes (building it now if needed, as the first
   * approximate search would); undefined where searches stay exact (fewer than
   * {@link INDEX_MIN_FACES} faces). `probes` as a search with `probes` would use.
   */
  approximateIndexStats(probes?: number): ApproximateIndexStats | undefined {
    if (this.meta.length < Gallery.indexMinFaces) return undefined;
    const stats = this.approximateIndex().stats();
    return probes === undefined ? stats : { ...stats, probes: Math.min(stats.cells, probes) };
  }

  /** The approximate index, brought up to date with the faces. */
  private approximateIndex(): ApproximateFaceIndex {
    this.approx ??= Gallery.approximateIndex(this.meta.length, {});
    if (this.approx.size < this.meta.length) this.approx.add(this.flat.subarray(this.approx.size * this.dims, this.meta.length * this.dims));
    return this.approx;
  }

  /**
   * 'nearest' through a row index (`find`: the R rows nearest to the query it can see, nearest
   * first; the exact index sees every row): the nearest R rows (R from 1024, times 8 each round) until
   * the people whose nearest row is closer than the R-th row are at least `k` and that row lies
   * beyond `upTo` (or R covers every face). A person's first row in (distance, row) order is
   * their nearest face; every person closer than the R-th row has theirs among the R, so the
   * people found closer than it are exact and complete up to it: the scan's answer, cut there.
   * When a round would ask for half the rows of a gallery above 4096 faces, the scan runs instead
   * (with `scanInstead`; the approximate index is never replaced by the exact scan). An index that returns fewer than R rows has shown every row it can see: the answer is then
   * the people among them (all of them, for the approximate index).
   */
  private indexed(find: (query: ArrayLike<number>, r: number) => NearestRow[], query: ArrayLike<number>, k: number, upTo: number, scanInstead = true): PersonMatch[] {
    const n = this.meta.length;
    for (let r = Math.min(n, Math.max(1024, 4 * k)); ; r = Math.min(n, 8 * r)) {
      // Half the rows or more (e.g. every person of a large gallery asked for): one scan is cheaper.
      if (scanInstead && n > INDEX_SCAN_ABOVE && 2 * r >= n) return this.scan(query);
      const rows = find(query, r);
      const last = rows.length < r || r >= n ? Infinity : rows.at(-1)!.distance;
      const seen = new Set<number>();
      const out: PersonMatch[] = [];
      for (const row of rows) {
        if (!(row.distance < last)) break;
        const p = this.meta[row.index]!.person;
        if (seen.has(p)) continue;
        seen.add(p);
        out.push({ name: this.names[p]!, distance: row.distance, person: p });
      }
      if (last === Infinity || (out.length >= k && last > upTo)) return ranked(out);
    }
  }

  private descriptor(i: number): Float32Array {
    return this.flat.subarray(i * this.dims, (i + 1) * this.dims);
  }

  private personOf(name: string): number {
    let p = this.personIndex.get(name);
    if (p === undefined) {
      p = this.names.length;
      this.names.push(name);
      this.personIndex.set(name, p);
    }
    return p;
  }
}

/** `matches` in the search's order, in place: nearest first, ties by enrolment order. */
function ranked(matches: PersonMatch[]): PersonMatch[] {
  return matches.sort((a, b) => a.distance - b.distance || a.person - b.person);
}

/** The key a face is enrolled once under: its source path and its content's hash. */
function faceKey(source: string, contentSha256: string): string {
  return `${contentSha256}\u0000${source}`;
}
