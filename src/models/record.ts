/**
 * `node dist/src/models/cli.js record`: a maintainer's command that refreshes the sha256s and
 * sizes in `models/manifest.json` from the current sources (the committed detector, Debian's
 * files, the face-api inputs and the converter's output, the example images). The descriptive
 * fields (origin, licence, sources) are kept as they are in the manifest.
 */
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelAssetError } from '../errors.js';
import { copyToTemp, hashFile, sha256Hex, statOrUndefined, writeAtomic } from './fsutil.js';
import { listingHash, manifestPath, validateManifest, type FileRecord, type Manifest } from './manifest.js';
import { packageModelsDir, packageRoot, displayPath } from './paths.js';
import type { Converter } from './prepare.js';
import { rm } from 'node:fs/promises';

export interface RecordOptions {
  /** Manifest file to refresh (default: the package's models/manifest.json). */
  file?: string;
  /** Other source files/folders by asset name (plain or .bz2 for files). */
  sources?: Partial<Record<string, string>>;
  faceApiDir?: string;
  convert?: Converter;
  log?: (line: string) => void;
  /** Do not write; return the refreshed manifest only. */
  dryRun?: boolean;
}

async function hashMaybeBz2(src: string, scratchDir: string): Promise<{ sha256: string; bytes: number }> {
  const r = await copyToTemp(src, path.join(scratchDir, 'record-scratch.dat'));
  await rm(r.tmp, { force: true });
  return { sha256: r.sha256, bytes: r.bytes };
}

async function listFiles(root: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk(sub);
  return out.sort();
}

/** Refreshes the manifest's hashes and sizes from the sources; writes it unless dryRun. */
export async function recordManifest(opts: RecordOptions = {}): Promise<Manifest> {
  const file = opts.file ?? manifestPath();
  const log = opts.log ?? (() => {});
  const m = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  const sources = opts.sources ?? {};
  const scratch = tmpdir();
  for (const a of m.assets) {
    if (a.kind === 'file') {
      const s = a.source;
      if (s.type === 'committed') {
        const p = path.join(packageModelsDir(), a.file);
        if ((await statOrUndefined(p)) === undefined) {
          log(`${a.file}: not in the package's models/ yet; kept the recorded sha256`);
          continue;
        }
        Object.assign(a, await hashFile(p));
      } else if (s.type === 'copy') {
        const src = sources[a.name] ?? s.path;
        Object.assign(a, await hashMaybeBz2(src, scratch));
      } else {
        const dir = opts.faceApiDir ?? path.join(packageRoot(), 'node_modules', s.package);
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
        if (pkg.version !== undefined) s.version = pkg.version;
        for (const rec of s.inputs) Object.assign(rec, await hashFile(path.join(dir, rec.path)));
        let convert = opts.convert;
        if (convert === undefined) {
          const spec = './convert-faceapi.js';
          try {
            convert = ((await import(spec)) as { convertFaceApiToDlib: Converter }).convertFaceApiToDlib;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
            log(`${a.file}: the converter is not built (${spec}); kept the recorded sha256 of the converted file`);
            continue;
          }
        }
        const out = await convert(path.join(dir, s.inputs[0].path), path.join(dir, s.inputs[1].path));
        a.sha256 = sha256Hex(out);
        a.bytes = out.length;
      }
      log(`${a.file}: sha256 ${a.sha256}, ${a.bytes} bytes`);
    } else {
      const root = sources[a.name] ?? a.source.path;
      const subs = a.files.length > 0 ? [...new Set(a.files.map((f) => f.path.split('/')[0]!))] : [];
      if (subs.length === 0) throw new ModelAssetError(`${a.name}: list at least one file per subfolder to record`);
      const files: FileRecord[] = [];
      for (const sub of subs.sort()) {
        for (const rel of await listFiles(root, sub)) {
          files.push({ path: rel, ...(await hashFile(path.join(root, ...rel.split('/')))) });
        }
      }
      a.files = files;
      a.bytes = files.reduce((n, f) => n + f.bytes, 0);
      a.sha256 = listingHash(files, sha256Hex);
      log(`${a.file}/: ${files.length} files, ${a.bytes} bytes, listing sha256 ${a.sha256}`);
    }
  }
  const checked = validateManifest(m, displayPath(file));
  if (opts.dryRun !== true) await writeAtomic(file, formatManifest(checked));
  return checked;
}

/** JSON with two-space indents, each file record ({path, sha256, bytes}) on one line. */
export function formatManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2).replace(
    /\{\n\s+"path": ("[^"\n]*"),\n\s+"sha256": ("[0-9a-f]*"),\n\s+"bytes": (\d+)\n\s+\}/g,
    '{ "path": $1, "sha256": $2, "bytes": $3 }',
  ) + '\n';
}
