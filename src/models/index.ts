/**
 * facemetric's model assets: where they are, and the step that makes and verifies them.
 *
 *   import { assetPath, exampleImagesDir } from '../models/index.js';
 *   const dat = assetPath('shape_predictor_68_face_landmarks');   // throws ModelAssetError with the fix
 *
 * `assetPath` is a cheap check (the file exists and has the manifest's size); `ensureAssets()`
 * (what `npm run models` runs) and `verifyAssets()` check sha256s.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ModelAssetError } from '../errors.js';
import { findAsset, loadManifest, type KnownAssetName, type Manifest } from './manifest.js';
import { defaultModelsDir, displayPath } from './paths.js';
import { prepareCommand } from './prepare.js';

export {
  ensureAssets, verifyAssets, prepareCommand, ModelAssetsError,
  type AssetReport, type AssetStatus, type Converter, type PrepareOptions,
} from './prepare.js';
export {
  findAsset, listingHash, loadManifest, manifestPath, validateManifest,
  type Asset, type CommittedSource, type CopyDirSource, type CopySource, type DirectoryAsset,
  type FaceApiConvertSource, type FileAsset, type FileRecord, type KnownAssetName, type Manifest,
} from './manifest.js';
export { MODELS_ENV, packageModelsDir, packageRoot, readModelFile } from './paths.js';

export interface AssetPathOptions {
  /** Models folder (default: modelsDir()). */
  modelsDir?: string;
  /** Manifest (default: the package's models/manifest.json). */
  manifest?: Manifest;
}

/** The models folder: `$FACEMETRIC_MODELS` if set, else the package's `models/` folder. */
export function modelsDir(): string {
  return defaultModelsDir();
}

function statSyncOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Absolute path of the asset `name` (a file, or the folder of a folder asset), after a cheap
 * check that it is there with the manifest's size; else a ModelAssetError naming the file, the
 * problem and the command that fixes it.
 */
export function assetPath(name: KnownAssetName | (string & {}), opts: AssetPathOptions = {}): string {
  const manifest = opts.manifest ?? loadManifest();
  const dir = path.resolve(opts.modelsDir ?? defaultModelsDir());
  const a = findAsset(manifest, name);
  const p = path.join(dir, a.file);
  const fix = a.kind === 'file' && a.source.type === 'committed' && opts.modelsDir === undefined && process.env.FACEMETRIC_MODELS === undefined
    ? a.source.fix.join(', or ')
    : prepareCommand(dir);
  const fail = (problem: string): never => {
    throw new ModelAssetError(`${problem} (the ${a.name} ${a.kind === 'file' ? 'model' : 'folder'}); fix: ${fix}`, { file: displayPath(p) });
  };
  const st = statSyncOrUndefined(p);
  if (a.kind === 'file') {
    if (st === undefined) fail('missing');
    if (!st!.isFile()) fail('not a regular file');
    const sizeOk = st!.size === a.bytes ||
      (a.source.type === 'faceapi-convert' && st!.size >= a.source.upstreamBytes.min && st!.size <= a.source.upstreamBytes.max);
    if (!sizeOk) fail(`corrupt (${st!.size} bytes, expected ${a.bytes})`);
    return p;
  }
  if (st === undefined) fail('missing');
  if (!st!.isDirectory()) fail('not a folder');
  let missing = 0;
  let first = '';
  for (const f of a.files) {
    const fst = statSyncOrUndefined(path.join(p, ...f.path.split('/')));
    if (fst === undefined || !fst.isFile() || fst.size !== f.bytes) {
      if (missing++ === 0) first = f.path;
    }
  }
  if (missing > 0) fail(`${missing} of ${a.files.length} files missing or of the wrong size (e.g. ${first})`);
  return p;
}

/** The folder of dlib's example images (`faces/`, `johns/<person>/`, `video_frames/`), checked as assetPath does. */
export function exampleImagesDir(opts: AssetPathOptions = {}): string {
  return assetPath('examples', opts);
}

/** The example image files under `exampleImagesDir()/sub` (e.g. `faces`), sorted, absolute paths. */
export function exampleImages(sub: string, opts: AssetPathOptions = {}): string[] {
  const root = exampleImagesDir(opts);
  const dir = path.join(root, sub);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
