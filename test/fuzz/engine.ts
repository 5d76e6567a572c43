/**
 * A small coverage-guided fuzzer for facemetric's parsers (issue 16), in the manner of libFuzzer:
 * a corpus of inputs, each run of a mutated input watched for new code coverage, inputs that
 * reach new code kept as new corpus entries, and every input the target fails on in a way it
 * must not (an error that is not a clean refusal) recorded as a crash.
 *
 * Why our own: Jazzer.js (the maintained coverage-guided JavaScript fuzzer) ships its libFuzzer
 * binding only as prebuilt binaries; 4.0.0's linux-x64 build needs glibc 2.38 (Debian 12 has
 * 2.36) and 2.1.0 downloads its binary from GitHub at install time (no network in CI). This
 * engine needs nothing outside Node: the coverage is V8's own block coverage (the inspector's
 * Profiler.takePreciseCoverage with call counts, which also resets the counters), read after
 * each batch of runs; a batch that reached new blocks is run again one input at a time to find
 * which input did. A block's key is its script, its offset and the log2 bucket of its count
 * (AFL's hit-count buckets, and 0 for a block of a function that ran but not that block), so
 * "the same block, many more times" counts as new too.
 *
 * Mutations (one to four stacked): flip a bit, set a byte (random or interesting: 0, 0x7f, 0x80,
 * 0xff), add a small number to a byte, write an interesting 16/32-bit big- or little-endian value,
 * erase, insert (random bytes or a copy of a chunk), overwrite a chunk with another chunk, splice
 * with another corpus entry, truncate, and insert or overwrite a token of the target's
 * dictionary (JPEG markers, PNG chunk types, ...). Random numbers: xorshift32 from a seed, so a
 * run is reproducible given its seed (timing aside).
 */
import { Session } from 'node:inspector';

/** What the engine fuzzes. */
export interface FuzzTarget {
  /** A short name (the CLI's TARGET and the corpus folder). */
  name: string;
  /** One line: what it runs. */
  what: string;
  /** Runs one input; throws on bad input (a clean refusal, see `refusal`) or on a bug. */
  run(data: Uint8Array): void;
  /** Whether an error thrown by `run` is a clean refusal (a FacemetricError) rather than a bug. */
  refusal(e: unknown): boolean;
  /** Inputs grow to at most this many bytes. */
  maxLength: number;
  /** Byte strings worth inserting (markers, chunk names, magic numbers). */
  dictionary?: readonly Uint8Array[];
  /**
   * Repairs what a mutation breaks before the interesting code runs (a checksum), in place; the
   * engine applies it to 7 of every 8 mutated inputs (the rest test the check itself).
   */
  fixup?(data: Uint8Array): void;
  /** Which scripts count for coverage, when not only facemetric's own (FuzzOptions.covers). */
  covers?: (url: string) => boolean;
}

/** An input the target failed on: a thrown error that is not a refusal, or a run over the time limit. */
export interface FuzzFinding {
  kind: 'crash' | 'slow';
  input: Uint8Array;
  /** The error's first line, or the time taken. */
  message: string;
}

export interface FuzzOptions {
  /** Stop after this many seconds (default 10). */
  seconds?: number;
  /** Stop after this many runs (default: no limit). */
  runs?: number;
  /** The random seed (default 1). */
  seed?: number;
  /** A run longer than this (ms) is a finding (default 2000). */
  slowMs?: number;
  /** Runs per coverage reading (default 16). */
  batch?: number;
  /** Called about every `progressEvery` ms with the figures so far (default 5000). */
  progress?: (r: FuzzReport) => void;
  progressEvery?: number;
  /** Stop at the first finding (default false: keep going, keep up to 20). */
  stopOnFinding?: boolean;
  /** Which scripts count for coverage (default: URLs under a `/src/` folder, not node_modules). */
  covers?: (url: string) => boolean;
}

export interface FuzzReport {
  target: string;
  runs: number;
  seconds: number;
  corpus: number;
  /** Coverage keys seen (blocks x hit-count buckets). */
  features: number;
  /** Distinct blocks (script, offset) ever run. */
  blocks: number;
  findings: FuzzFinding[];
  /** The slowest run (ms) and its input length. */
  slowest: { ms: number; length: number };
  /** Runs that ended in a refusal. */
  refused: number;
}

/**
 * The inspector session counting blocks, started when this module is first imported: V8 gives
 * block counts only for functions compiled after the coverage started, so import the code under
 * test after this module (run.ts and fuzz.test.ts import the targets dynamically).
 */
const session = new Session();
session.connect();
post('Profiler.enable');
post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });

function post(method: string, params?: object): unknown {
  let out: unknown;
  let failure: Error | null = null;
  session.post(method, params, (err, res) => {
    failure = err;
    out = res;
  });
  if (failure !== null) throw failure;
  return out;
}

/** V8 block coverage of the scripts `covers` accepts (see the module's header). */
export class BlockCoverage {
  constructor(private readonly covers: (url: string) => boolean = defaultCovers) {}

  /** The coverage keys of everything run since the last call (which resets the counts). */
  take(into: Set<number>): void {
    const res = post('Profiler.takePreciseCoverage') as {
      result: { scriptId: string; url: string; functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[] }[];
    };
    for (const script of res.result) {
      if (!this.covers(script.url)) continue;
      const sid = Number(script.scriptId);
      for (const fn of script.functions) {
        // A function that ran: its range and its nested ranges (V8 lists a nested block only
        // where its count differs from the enclosing one, so a block not run is a range with
        // count 0 — that is the signal too).
        if (fn.ranges.length === 0 || fn.ranges[0]!.count === 0) continue;
        for (const r of fn.ranges) into.add((sid * 10_000_000 + r.startOffset) * 16 + bucket(r.count));
      }
    }
  }
}

/** facemetric's own modules: URLs under a `src` folder, not in node_modules. */
export function defaultCovers(url: string): boolean {
  return /[/\\]src[/\\]/.test(url) && !url.includes('node_modules');
}

/** AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ (and 0: not run). */
function bucket(count: number): number {
  if (count <= 3) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

/** xorshift32: a reproducible stream of 32-bit numbers. */
export class Xorshift {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
}

const INTERESTING8 = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff];

/** One mutated copy of `input` (see the module's header), at most `max` bytes. */
export function mutate(input: Uint8Array, rnd: Xorshift, corpus: readonly Uint8Array[], max: number, dictionary: readonly Uint8Array[] = []): Uint8Array {
  let b = Array.from(input);
  const ops = 1 + rnd.below(4);
  for (let k = 0; k < ops; k++) {
    const at = rnd.below(b.length + 1);
    switch (rnd.below(dictionary.length > 0 ? 13 : 11)) {
      case 0: if (b.length > 0) b[rnd.below(b.length)]! ^= 1 << rnd.below(8); break;
      case 1: if (b.length > 0) b[rnd.below(b.length)] = rnd.below(256); break;
      case 2: if (b.length > 0) b[rnd.below(b.length)] = INTERESTING8[rnd.below(INTERESTING8.length)]!; break;
      case 3: if (b.length > 0) { const i = rnd.below(b.length); b[i] = (b[i]! + 1 + rnd.below(16) * (rnd.below(2) ? 1 : -1) + 256) & 255; } break;
      case 4: { // an interesting 16- or 32-bit value, big- or little-endian
        const wide = rnd.below(2) === 1;
        const v = wide ? INTERESTING32[rnd.below(INTERESTING32.length)]! : INTERESTING16[rnd.below(INTERESTING16.length)]!;
        const n = wide ? 4 : 2;
        if (b.length < n) break;
        const i = rnd.below(b.length - n + 1);
        const little = rnd.below(2) === 1;
        for (let j = 0; j < n; j++) b[i + (little ? j : n - 1 - j)] = Math.floor(v / 2 ** (8 * j)) & 255;
        break;
      }
      case 5: if (b.length > 1) b.splice(at, 1 + rnd.below(Math.min(64, b.length - at))); break;
      case 6: b.splice(at, 0, ...Array.from({ length: 1 + rnd.below(16) }, () => rnd.below(256))); break;
      case 7: if (b.length > 0) { const from = rnd.below(b.length); b.splice(at, 0, ...b.slice(from, from + 1 + rnd.below(64))); } break;
      case 8: if (b.length > 1) { const from = rnd.below(b.length); const chunk = b.slice(from, from + 1 + rnd.below(32)); const to = rnd.below(b.length); for (let j = 0; j < chunk.length && to + j < b.length; j++) b[to + j] = chunk[j]!; } break;
      case 9: if (corpus.length > 0) { const other = corpus[rnd.below(corpus.length)]!; const cut = rnd.below(other.length + 1); b = b.slice(0, at).concat(Array.from(other.subarray(cut))); } break;
      case 10: if (b.length > 1) b.length = rnd.below(b.length); break;
      case 11: { const t = dictionary[rnd.below(dictionary.length)]!; b.splice(at, 0, ...t); break; }
      case 12: { const t = dictionary[rnd.below(dictionary.length)]!; for (let j = 0; j < t.length && at + j < b.length; j++) b[at + j] = t[j]!; break; }
    }
  }
  if (b.length > max) b.length = max;
  return Uint8Array.from(b);
}

/** Runs `target` on `data`: undefined when it returned, 'refused' on a refusal, else the finding's message. */
export function runOnce(target: FuzzTarget, data: Uint8Array): 'ok' | 'refused' | { message: string } {
  try {
    target.run(data);
    return 'ok';
  } catch (e) {
    if (target.refusal(e)) return 'refused';
    const message = e instanceof Error ? `${e.constructor.name}: ${e.message.split('\n')[0]}` : `thrown ${String(e)}`;
    return { message };
  }
}

/**
 * Fuzzes `target` from `seeds` (see the module's header) until `opts.seconds` or `opts.runs`;
 * returns the figures and the findings (at most 20; the corpus grows in memory only).
 */
export function fuzz(target: FuzzTarget, seeds: readonly Uint8Array[], opts: FuzzOptions = {}): FuzzReport {
  const coverage = new BlockCoverage(opts.covers ?? target.covers);
  const rnd = new Xorshift(opts.seed ?? 1);
  const seen = new Set<number>();
  const blocks = new Set<number>();
  const corpus: Uint8Array[] = [];
  const findings: FuzzFinding[] = [];
  const slowMs = opts.slowMs ?? 2000;
  const t0 = performance.now();
  const report = (): FuzzReport => ({
    target: target.name, runs, seconds: (performance.now() - t0) / 1000, corpus: corpus.length,
    features: seen.size, blocks: blocks.size, findings, slowest, refused,
  });
  let runs = 0;
  let refused = 0;
  let slowest = { ms: 0, length: 0 };
  const record = (input: Uint8Array, kind: FuzzFinding['kind'], message: string): void => {
    if (findings.length < 20 && !findings.some((f) => f.message === message)) findings.push({ kind, input, message });
  };
  const execute = (input: Uint8Array): void => {
    const s = performance.now();
    const r = runOnce(target, input);
    const ms = performance.now() - s;
    runs++;
    if (ms > slowest.ms) slowest = { ms, length: input.length };
    if (r === 'refused') refused++;
    else if (r !== 'ok') record(input, 'crash', r.message);
    if (ms > slowMs) record(input, 'slow', `${ms.toFixed(0)} ms for ${input.length} bytes`);
  };
  /** Keeps `input` when running it alone reaches keys not seen yet. */
  const keepIfNew = (input: Uint8Array): void => {
    coverage.take(new Set()); // reset the counts
    execute(input);
    const got = new Set<number>();
    coverage.take(got);
    let fresh = false;
    for (const key of got) {
      if (seen.has(key)) continue;
      seen.add(key);
      blocks.add(Math.floor(key / 16));
      fresh = true;
    }
    if (fresh) corpus.push(input);
  };
  try {
    for (const s of seeds) keepIfNew(s.length > target.maxLength ? s.subarray(0, target.maxLength) : s);
    if (corpus.length === 0) corpus.push(...seeds.slice(0, 1), new Uint8Array(0));
    const batch = opts.batch ?? 16;
    const seconds = opts.seconds ?? 10;
    const maxRuns = opts.runs ?? Infinity;
    let lastProgress = performance.now();
    while (runs < maxRuns && performance.now() - t0 < seconds * 1000) {
      if (opts.stopOnFinding && findings.length > 0) break;
      const inputs: Uint8Array[] = [];
      for (let i = 0; i < batch; i++) {
        const input = mutate(corpus[rnd.below(corpus.length)]!, rnd, corpus, target.maxLength, target.dictionary);
        if (target.fixup !== undefined && rnd.below(8) !== 0) target.fixup(input);
        inputs.push(input);
      }
      coverage.take(new Set());
      for (const input of inputs) execute(input);
      const got = new Set<number>();
      coverage.take(got);
      let fresh = false;
      for (const key of got) if (!seen.has(key)) { fresh = true; break; }
      if (fresh) for (const input of inputs) keepIfNew(input);
      if (opts.progress && performance.now() - lastProgress > (opts.progressEvery ?? 5000)) {
        lastProgress = performance.now();
        opts.progress(report());
      }
    }
  } finally {
    coverage.take(new Set());
  }
  return report();
}
