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
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { FacemetricError } from '../errors.js';
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

/** Writes a checkpoint atomically (temporary file, then rename). */
export function writeCheckpoint(path: string, c: TrainCheckpoint): void {
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
  const head = new Uint8Array(12);
  head.set(new TextEncoder().encode(MAGIC));
  new DataView(head.buffer).setUint32(8, json.length, true);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([head, json, ...parts]));
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new FacemetricError(`${path}: cannot write the checkpoint (${(e as Error).message})`);
  }
}

/** Reads a checkpoint; a file that is not one (or is damaged) is one clear error naming it. */
export function readCheckpoint(path: string): TrainCheckpoint {
  if (!existsSync(path)) throw new FacemetricError(`${path}: no checkpoint to resume from`);
  const b = readFileSync(path);
  const bad = (why: string): never => {
    throw new FacemetricError(`${path}: not a facemetric training checkpoint (${why})`);
  };
  if (b.length < 12 || b.subarray(0, 8).toString('latin1') !== MAGIC) bad('wrong magic bytes');
  const n = b.readUInt32LE(8);
  if (12 + n > b.length) bad('truncated header');
  let h: Header;
  try {
    h = JSON.parse(b.subarray(12, 12 + n).toString('utf8')) as Header;
  } catch {
    return bad('unreadable header');
  }
  if (h.format !== 'facemetric training checkpoint' || h.version !== 1) bad(`format ${String(h.format)} version ${String(h.version)}`);
  const base = 12 + n;
  const slice = (at: { offset: number; length: number }): Uint8Array => {
    if (at.offset < 0 || base + at.offset + at.length > b.length) bad('truncated data');
    return new Uint8Array(b.buffer.slice(b.byteOffset + base + at.offset, b.byteOffset + base + at.offset + at.length));
  };
  return {
    step: h.step,
    net: slice(h.net),
    velocities: h.velocities.map((v) => (v === null ? undefined : new Float32Array(slice(v).buffer))),
    schedule: h.schedule,
    ...(h.rand === undefined ? {} : { rand: h.rand }),
    settings: h.settings,
    ...(h.before === undefined ? {} : { before: h.before }),
  };
}
