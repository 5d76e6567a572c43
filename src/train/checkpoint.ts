/**
 * A training run's checkpoint: everything needed to continue it exactly where it stopped (the
 * share of dlib's trainer synchronization file that a deterministic run needs): the training
 * network in dlib's format, each layer's sgd velocity, the learning-rate schedule, the
 * sampler's generator, the step count and the options that must not change on resume.
 *
 * File layout (little-endian): the 8 bytes `FMCKPT01`, a uint32 header length, the header as
 * UTF-8 JSON, then the network file bytes and the velocities as float32, at the offsets and
 * lengths the header gives. Written to a temporary file and renamed into place, so a crash never
 * leaves a half-written checkpoint where a good one was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FacemetricError } from '../errors.js';
import { writeAtomicSync } from '../models/fsutil.js';
import type { DlibRandState } from '../rand/dlib-rand.js';
import type { LearningRateScheduleState } from './trainer.js';

const MAGIC = 'FMCKPT01';

/** What a checkpoint holds. */
export interface TrainCheckpoint {
  /** Steps done. */
  step: number;
  /** The training network (writeDnnNet bytes). */
  net: Uint8Array;
  /** sgd's velocity per layer with parameters (undefined before the layer's first update). */
  velocities: (Float32Array | undefined)[];
  schedule: LearningRateScheduleState;
  /** The sampler's generator (absent for --batches runs). */
  rand?: DlibRandState;
  /** Options a resumed run must keep (mini-batch shape, solver, data identity, ...). */
  settings: Record<string, unknown>;
  /** The held-out evaluation before training (so the final report can show before and after). */
  before?: unknown;
}

interface Header {
  format: 'facemetric training checkpoint';
  version: 1;
  step: number;
  schedule: LearningRateScheduleState;
  rand?: DlibRandState;
  settings: Record<string, unknown>;
  before?: unknown;
  net: { offset: number; length: number };
  velocities: ({ offset: number; length: number } | null)[];
}

/** A checkpoint's bytes (the layout in the module's header). */
export function encodeCheckpoint(c: TrainCheckpoint): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const add = (bytes: Uint8Array): { offset: number; length: number } => {
    const at = { offset, length: bytes.length };
    parts.push(bytes);
    offset += bytes.length;
    return at;
  };
  const net = add(c.net);
  const velocities = c.velocities.map((v) => (v === undefined ? null : add(new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)))));
  const header: Header = {
    format: 'facemetric training checkpoint', version: 1, step: c.step, schedule: c.schedule,
    settings: c.settings, net, velocities,
    ...(c.rand === undefined ? {} : { rand: c.rand }),
    ...(c.before === undefined ? {} : { before: c.before }),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + offset);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let at = 12 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Writes a checkpoint atomically (a temporary file named as models/fsutil.ts names them, which
 * removeStaleTemps clears after a killed run; then a rename).
 */
export function writeCheckpoint(path: string, c: TrainCheckpoint): void {
  try {
    writeAtomicSync(path, encodeCheckpoint(c));
  } catch (e) {
    throw new FacemetricError(`${path}: cannot write the checkpoint (${(e as Error).message})`);
  }
}

/** Reads a checkpoint; a file that is not one (or is damaged) is one clear error naming it. */
export function readCheckpoint(path: string): TrainCheckpoint {
  if (!existsSync(path)) throw new FacemetricError(`${path}: no checkpoint to resume from`);
  return decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
}

/**
 * A checkpoint from its bytes (`path` names it in errors): a file that is not one, is damaged or
 * whose header does not describe its data is one FacemetricError, never another exception.
 */
export function decodeCheckpoint(b: Uint8Array, path: string): TrainCheckpoint {
  const bad = (why: string): never => {
    throw new FacemetricError(`${path}: not a facemetric training checkpoint (${why})`);
  };
  if (b.length < 12 || new TextDecoder('latin1').decode(b.subarray(0, 8)) !== MAGIC) bad('wrong magic bytes');
  const n = new DataView(b.buffer, b.byteOffset, b.length).getUint32(8, true);
  if (12 + n > b.length) bad('truncated header');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(12, 12 + n))) as Header;
  } catch {
    return bad('unreadable header');
  }
  if (typeof h !== 'object' || h === null) return bad('unreadable header');
  if (h.format !== 'facemetric training checkpoint' || h.version !== 1) bad(`format ${String(h.format)} version ${String(h.version)}`);
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!(Number.isSafeInteger(h.step) && h.step >= 0)) bad('bad step count');
  if (!isObject(h.schedule) || !isObject(h.settings)) bad('missing schedule or settings');
  if (h.rand !== undefined && !isObject(h.rand)) bad('bad generator state');
  if (!Array.isArray(h.velocities)) bad('missing velocities');
  const base = 12 + n;
  const slice = (at: unknown, what: string, multipleOf = 1): Uint8Array => {
    const r = at as { offset?: unknown; length?: unknown } | null;
    if (!isObject(r) || !Number.isSafeInteger(r!.offset) || !Number.isSafeInteger(r!.length)) return bad(`bad ${what} location`);
    const offset = r!.offset as number, length = r!.length as number;
    if (offset < 0 || length < 0 || length % multipleOf !== 0) return bad(`bad ${what} location`);
    if (base + offset + length > b.length) bad('truncated data');
    return b.slice(base + offset, base + offset + length);
  };
  return {
    step: h.step,
    net: slice(h.net, 'network'),
    velocities: h.velocities.map((v, i) => (v === null ? undefined : new Float32Array(slice(v, `velocity ${i}`, 4).buffer))),
    schedule: h.schedule,
    ...(h.rand === undefined ? {} : { rand: h.rand }),
    settings: h.settings,
    ...(h.before === undefined ? {} : { before: h.before }),
  };
}
