/**
 * `node dist/src/models/cli.js prepare [flags]` (the package script `npm run models`, run by
 * `npm ci` through `prepare`): makes and verifies the model assets of models/manifest.json.
 *
 *   prepare [--models-dir DIR] [--shape-predictor PATH] [--resnet PATH] [--examples DIR]
 *           [--check] [--no-cache] [--quiet]
 *   record  [--shape-predictor PATH] [--examples DIR]      (maintainers: refresh the manifest's hashes)
 *
 * Problems are printed as `facemetric models: <file>: <problem>; fix: <command>` on stderr, one
 * line each, with a non-zero exit code and no stack trace.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FacemetricError, UsageError } from '../errors.js';
import { parseStrictArgs } from './args.js';
import { ensureAssets, verifyAssets, type Converter } from './prepare.js';
import { recordManifest } from './record.js';
import { defaultModelsDir, displayPath } from './paths.js';

const PREFIX = 'facemetric models: ';

export const USAGE = `usage: node dist/src/models/cli.js prepare [options]    (npm run models -- [options])
  --models-dir DIR         models folder (default: $FACEMETRIC_MODELS, else the package's models/)
  --shape-predictor PATH   take shape_predictor_68_face_landmarks.dat from PATH (.dat or .dat.bz2)
                           instead of /usr/share/dlib/ (Debian's libdlib-data)
  --resnet PATH            install an upstream dlib_face_recognition_resnet_model_v1.dat (.dat or
                           .dat.bz2) instead of converting @vladmandic/face-api's weights
  --examples DIR           copy the example images from DIR (holding faces/, johns/, video_frames/)
                           instead of /usr/share/doc/libdlib19.1/examples
  --check                  verify only (sha256 of every file), write nothing; exit 1 if anything
                           is missing or corrupt
  --no-cache               re-hash every file even when models/cache/prepare-stamp.json says it
                           is unchanged since it was verified
  --quiet                  print errors only
       node dist/src/models/cli.js record [--shape-predictor PATH] [--examples DIR]
                           maintainers: refresh models/manifest.json's sha256s and sizes from the sources`;

export interface CliIo {
  stderr: (line: string) => void;
  /** Injected converter (tests). */
  convert?: Converter;
  /** Injected manifest (tests). */
  manifest?: import('./manifest.js').Manifest;
  faceApiDir?: string;
}

const FLAG_TO_ASSET: Record<string, string> = {
  'shape-predictor': 'shape_predictor_68_face_landmarks',
  resnet: 'dlib_face_recognition_resnet_model_v1',
  examples: 'examples',
};

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = { stderr: (l) => process.stderr.write(l + '\n') }): Promise<number> {
  const say = (line: string): void => io.stderr(PREFIX + line);
  try {
    const { values, positionals } = parseStrictArgs(argv, {
      'models-dir': { type: 'string' },
      'shape-predictor': { type: 'string' },
      resnet: { type: 'string' },
      examples: { type: 'string' },
      check: { type: 'boolean' },
      'no-cache': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    }, (message) => `${message}\n${USAGE}`);
    if (values.help === true) {
      for (const l of USAGE.split('\n')) io.stderr(l);
      return 0;
    }
    const cmd = positionals[0];
    if (positionals.length !== 1 || (cmd !== 'prepare' && cmd !== 'record')) {
      throw new UsageError(`expected one command, prepare or record (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})\n${USAGE}`);
    }
    const sources: Record<string, string> = {};
    for (const [flag, asset] of Object.entries(FLAG_TO_ASSET)) {
      const v = values[flag as keyof typeof values];
      if (typeof v === 'string') {
        if (v === '') throw new UsageError(`--${flag} needs a path`);
        sources[asset] = path.resolve(v);
      }
    }
    const quiet = values.quiet === true;
    const log = quiet ? undefined : say;
    const t0 = performance.now();

    if (cmd === 'record') {
      await recordManifest({
        sources, log: say,
        ...(io.faceApiDir !== undefined ? { faceApiDir: io.faceApiDir } : {}),
        ...(io.convert !== undefined ? { convert: io.convert } : {}),
      });
      say('models/manifest.json recorded');
      return 0;
    }

    const modelsDir = path.resolve(values['models-dir'] ?? defaultModelsDir());
    const common = {
      modelsDir,
      ...(log !== undefined ? { log } : {}),
      ...(io.manifest !== undefined ? { manifest: io.manifest } : {}),
      ...(io.faceApiDir !== undefined ? { faceApiDir: io.faceApiDir } : {}),
    };
    const where = displayPath(modelsDir);
    if (values.check === true) {
      if (Object.keys(sources).length > 0) throw new UsageError('--check verifies only; it takes no source flags (--shape-predictor, --resnet, --examples)');
      const reports = await verifyAssets({ ...common, ...(values['no-cache'] === true ? { useCache: false } : {}) });
      const bad = reports.filter((r) => r.problem !== undefined);
      for (const r of bad) say(r.problem!.message);
      if (bad.length > 0) return 1;
      if (!quiet) say(`all ${reports.length} assets verified in ${where} (${seconds(t0)})`);
      return 0;
    }
    const reports = await ensureAssets({
      ...common, sources,
      ...(values['no-cache'] === true ? { useCache: false } : {}),
      ...(io.convert !== undefined ? { convert: io.convert } : {}),
    });
    const made = reports.filter((r) => r.status === 'made').length;
    if (!quiet) say(`${reports.length} assets ready in ${where}${made > 0 ? ` (${made} made)` : ''} (${seconds(t0)})`);
    return 0;
  } catch (e) {
    if (e instanceof FacemetricError) {
      for (const line of e.message.split('\n')) {
        if (e instanceof UsageError && line.startsWith('usage:')) {
          io.stderr(line);
        } else if (e instanceof UsageError && /^\s/.test(line)) {
          io.stderr(line);
        } else {
          say(line);
        }
      }
      return e.exitCode;
    }
    say(`internal error: ${(e as Error)?.message ?? String(e)}`);
    if (process.env.FACEMETRIC_DEBUG !== undefined) io.stderr(String((e as Error)?.stack));
    return 70;
  }
}

function seconds(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(2)} s`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2));
}
