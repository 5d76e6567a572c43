/**
 * `npm run fuzz -- TARGET|all [--seconds N] [--runs N] [--seed S] [--out DIR]`: runs the
 * coverage-guided fuzzer (engine.ts) on one target or each in turn (targets.ts), from the seed
 * corpus, printing progress every 5 s and a summary per target; every finding (an input the
 * target fails on other than with a clean refusal, or a run over 2 s) is written to DIR
 * (default fuzz-findings/) as <target>-<sha256 prefix>.bin with a .txt saying what happened:
 * copy it into test/fuzz/regressions/<target>/ once fixed, and the suite replays it.
 * `npm run fuzz -- --make-seeds` rewrites test/fuzz/corpus/ (seeds.ts). Exit code 1 when
 * anything was found, 2 on a usage error.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzz, type FuzzReport } from './engine.js';

// Imported after engine.ts has started the block coverage (see there).
const { makeSeeds } = await import('./seeds.js');
const { seedsOf, targetNamed, TARGETS } = await import('./targets.js');

const USAGE = `usage: npm run fuzz -- TARGET|all [--seconds N] [--runs N] [--seed S] [--out DIR]
       npm run fuzz -- --make-seeds
targets: ${TARGETS.map((t) => `\n  ${t.name.padEnd(9)} ${t.what}`).join('')}`;

/** A usage error (a FacemetricError, loaded after the coverage started). */
const usage = (message: string): Error => new FacemetricError(message);
const { FacemetricError } = await import('../../src/errors.js');

const line = (r: FuzzReport): string =>
  `${r.target}: ${r.runs.toLocaleString('en')} runs in ${r.seconds.toFixed(0)} s (${Math.round(r.runs / Math.max(r.seconds, 1e-9)).toLocaleString('en')}/s), corpus ${r.corpus}, ` +
  `${r.blocks.toLocaleString('en')} blocks (${r.features.toLocaleString('en')} features), ${r.refused.toLocaleString('en')} refused, slowest ${r.slowest.ms.toFixed(1)} ms (${r.slowest.length} bytes), ${r.findings.length} findings`;

function main(argv: string[]): number {
  const opts: { seconds?: number; runs?: number; seed?: number; out: string } = { out: 'fuzz-findings' };
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw usage(`${a} needs a positive number\n${USAGE}`);
      return v;
    };
    if (a === '--make-seeds') {
      for (const f of makeSeeds()) console.log(`wrote ${f}`);
      return 0;
    } else if (a === '--seconds') opts.seconds = num();
    else if (a === '--runs') opts.runs = num();
    else if (a === '--seed') opts.seed = num();
    else if (a === '--out') opts.out = argv[++i] ?? '';
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('-')) throw usage(`unknown option ${a}\n${USAGE}`);
    else names.push(a);
  }
  if (names.length !== 1) throw usage(`give one target, or all\n${USAGE}`);
  const targets = names[0] === 'all' ? TARGETS : [targetNamed(names[0]!)];
  let found = 0;
  for (const t of targets) {
    const seeds = seedsOf(t);
    console.log(`${t.name}: ${t.what}; ${seeds.length} seeds`);
    // Findings are written as they come (at each progress line), so a long run stopped early keeps them.
    let written = 0;
    const writeFindings = (findings: FuzzReport['findings']): void => {
      for (const f of findings.slice(written)) {
        mkdirSync(opts.out, { recursive: true });
        const name = `${t.name}-${createHash('sha256').update(f.input).digest('hex').slice(0, 16)}`;
        writeFileSync(join(opts.out, `${name}.bin`), f.input);
        writeFileSync(join(opts.out, `${name}.txt`), `${f.kind}: ${f.message}\n`);
        console.log(`  ${f.kind}: ${f.message} -> ${join(opts.out, name)}.bin`);
      }
      written = Math.max(written, findings.length);
    };
    const r = fuzz(t, seeds, {
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : opts.runs !== undefined ? { seconds: Infinity } : {}),
      ...(opts.runs !== undefined ? { runs: opts.runs } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      progress: (p) => {
        console.log(line(p));
        writeFindings(p.findings);
      },
    });
    console.log(line(r));
    writeFindings(r.findings);
    found += r.findings.length;
  }
  return found > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof FacemetricError)) throw e;
  console.error(`fuzz: ${e.message}`);
  process.exitCode = 2;
}
