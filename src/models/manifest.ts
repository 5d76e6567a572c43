/**
 * `models/manifest.json`: the record of every model asset facemetric needs — its file name,
 * sha256, size, origin, licence, whether it is committed to git, and where `prepare` gets it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelAssetError } from '../errors.js';
import { packageModelsDir } from './paths.js';

/** The names of the assets in the shipped manifest. */
export type KnownAssetName =
  | 'frontal_face_detector'
  | 'shape_predictor_68_face_landmarks'
  | 'dlib_face_recognition_resnet_model_v1'
  | 'examples';

/** One file with its checksum; `file`/`path` is relative to its folder. */
export interface FileRecord {
  /** Path relative to the asset's folder, with `/` separators. */
  path: string;
  sha256: string;
  bytes: number;
}

interface AssetBase {
  /** Key for `assetPath(name)`. */
  name: string;
  /** File (or folder, for `kind: "directory"`) name inside the models folder. */
  file: string;
  /** Total size in bytes (for a folder: the sum of its files). */
  bytes: number;
  /** Whether the file is committed to git (else it is an ignored path that `prepare` makes). */
  committed: boolean;
  /** Where the content comes from, in words. */
  origin: string;
  /** Licence of the content. */
  licence: string;
  description?: string;
}

/** Committed to git; `prepare` only verifies it (or copies it from the package's models/ folder into another models folder). */
export interface CommittedSource {
  type: 'committed';
  /** Commands that re-make the file, for error messages. */
  fix: string[];
}

/** Copied from a file on this machine (a Debian package's file by default), plain or `.bz2`. */
export interface CopySource {
  type: 'copy';
  /** Default source file. */
  path: string;
  /** Debian package that installs `path`. */
  debianPackage: string;
  /** Upstream download of the same content (usually `.bz2`), for the error messages. */
  url: string;
  /** The `prepare` flag that names another source file. */
  flag: string;
}

/** Converted from @vladmandic/face-api's weights by `convertFaceApiToDlib` (deterministic). */
export interface FaceApiConvertSource {
  type: 'faceapi-convert';
  /** npm package holding the inputs. */
  package: string;
  version: string;
  packageLicence: string;
  /** Inputs, relative to the package folder: the weights manifest (JSON) then the weights (.bin). */
  inputs: [FileRecord, FileRecord];
  /** The `prepare` flag that installs an upstream dlib file instead. */
  flag: string;
  /** Upstream dlib file (`.dat.bz2`). */
  url: string;
  /** sha256 of the upstream `.dat`; null: unknown here (it differs from the converted file's). */
  upstreamSha256: string | null;
  /** Size range an upstream file must fall in to be accepted by `--resnet` (a sanity check only). */
  upstreamBytes: { min: number; max: number };
  /** ASCII text that a dlib file of this network holds in its first 64 bytes (the loss layer's name). */
  upstreamMagic: string;
  note?: string;
}

/** A folder copied file by file from a folder on this machine (a Debian package's by default). */
export interface CopyDirSource {
  type: 'copy-dir';
  path: string;
  debianPackage: string;
  flag: string;
}

export interface FileAsset extends AssetBase {
  kind: 'file';
  sha256: string;
  source: CommittedSource | CopySource | FaceApiConvertSource;
}

export interface DirectoryAsset extends AssetBase {
  kind: 'directory';
  /**
   * sha256 of the listing `"<sha256>  <path>\n"` of every file sorted by path (what
   * `sha256sum` prints, run inside the folder): one hash for the whole folder.
   */
  sha256: string;
  source: CopyDirSource;
  files: FileRecord[];
}

export type Asset = FileAsset | DirectoryAsset;

export interface Manifest {
  formatVersion: 1;
  assets: Asset[];
  $comment?: string;
}

/** The shipped manifest's path. */
export function manifestPath(): string {
  return path.join(packageModelsDir(), 'manifest.json');
}

const SHA_RE = /^[0-9a-f]{64}$/;

function bad(file: string, problem: string): never {
  throw new ModelAssetError(`${problem}; fix: git checkout models/manifest.json`, { file, exitCode: 1 });
}

/** Checks the shape of a parsed manifest; throws a ModelAssetError naming the first problem. */
export function validateManifest(value: unknown, file = 'models/manifest.json'): Manifest {
  const m = value as Manifest;
  if (typeof m !== 'object' || m === null || m.formatVersion !== 1 || !Array.isArray(m.assets)) {
    bad(file, 'not a facemetric manifest (formatVersion 1 with an assets array)');
  }
  const names = new Set<string>();
  for (const a of m.assets) {
    const where = `asset ${JSON.stringify((a as { name?: unknown })?.name)}`;
    if (typeof a?.name !== 'string' || a.name === '') bad(file, `an asset has no name`);
    if (names.has(a.name)) bad(file, `${where} is listed twice`);
    names.add(a.name);
    if (typeof a.file !== 'string' || a.file === '' || path.isAbsolute(a.file) ||
        a.file.split(/[\\/]/).some((s) => s === '..' || s === '')) {
      bad(file, `${where} has a file name that is not a plain path inside the models folder: ${JSON.stringify(a.file)}`);
    }
    if (!SHA_RE.test(a.sha256 ?? '')) bad(file, `${where} has no valid sha256`);
    if (!Number.isSafeInteger(a.bytes) || a.bytes < 0) bad(file, `${where} has no valid byte size`);
    if (a.kind === 'file') {
      const t = a.source?.type;
      if (t !== 'committed' && t !== 'copy' && t !== 'faceapi-convert') bad(file, `${where} has an unknown source type ${JSON.stringify(t)}`);
      if (t === 'faceapi-convert') {
        const s = a.source as FaceApiConvertSource;
        if (!Array.isArray(s.inputs) || s.inputs.length !== 2 ||
            s.inputs.some((r) => !SHA_RE.test(r?.sha256 ?? '') || typeof r.path !== 'string')) {
          bad(file, `${where} needs two face-api inputs with sha256`);
        }
      }
    } else if (a.kind === 'directory') {
      if (a.source?.type !== 'copy-dir') bad(file, `${where} (a folder) needs a copy-dir source`);
      if (!Array.isArray(a.files) || a.files.length === 0) bad(file, `${where} lists no files`);
      for (const f of a.files) {
        if (typeof f?.path !== 'string' || path.isAbsolute(f.path) ||
            f.path.split('/').some((s) => s === '..' || s === '' || s === '.')) {
          bad(file, `${where} lists a file path that is not a plain relative path: ${JSON.stringify(f?.path)}`);
        }
        if (!SHA_RE.test(f.sha256 ?? '') || !Number.isSafeInteger(f.bytes)) bad(file, `${where}: ${f.path} has no valid sha256/bytes`);
      }
      if (a.files.reduce((n, f) => n + f.bytes, 0) !== a.bytes) bad(file, `${where}: bytes is not the sum of its files' sizes`);
      if (listingHash(a.files, (t) => createHash('sha256').update(t).digest('hex')) !== a.sha256) {
        bad(file, `${where}: sha256 is not the hash of its files' listing`);
      }
    } else {
      bad(file, `${where} has an unknown kind ${JSON.stringify((a as { kind?: unknown }).kind)}`);
    }
  }
  return m;
}

let cached: Manifest | undefined;

/** Reads and checks `models/manifest.json` of the package (cached). */
export function loadManifest(file: string = manifestPath()): Manifest {
  if (file === manifestPath() && cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelAssetError(`cannot read the asset manifest (${code ?? String(e)}); fix: git checkout models/manifest.json`, { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelAssetError(`not valid JSON (${(e as Error).message}); fix: git checkout models/manifest.json`, { file });
  }
  const m = validateManifest(parsed, file);
  if (file === manifestPath()) cached = m;
  return m;
}

/** The asset called `name`, or a ModelAssetError listing the known names. */
export function findAsset(manifest: Manifest, name: string): Asset {
  const a = manifest.assets.find((x) => x.name === name);
  if (a === undefined) {
    throw new ModelAssetError(
      `no model asset called ${JSON.stringify(name)} in models/manifest.json (known: ${manifest.assets.map((x) => x.name).join(', ')})`,
      { exitCode: 2 },
    );
  }
  return a;
}

/** The combined hash of a folder listing (see DirectoryAsset.sha256). */
export function listingHash(files: readonly FileRecord[], hash: (s: string) => string): string {
  const lines = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.path}\n`).join('');
  return hash(lines);
}
