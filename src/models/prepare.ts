/**
 * The model-asset step: verify every asset of `models/manifest.json` in a models folder, and
 * (re-)make the missing or corrupt ones from their sources — copies of Debian's dlib files (plain
 * or .bz2), the face-api → dlib conversion of the ResNet weights, or the package's committed
 * files. Everything is written atomically (temp file + rename) and only inside the models folder.
 */
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readlink, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { FacemetricError, ModelAssetError, UsageError } from '../errors.js';
import {
  Bzip2Error, commitTemp, copyToTemp, formatBytes, hashFile, lstatOrUndefined, readHead,
  removeStaleTemps, sha256Hex, statOrUndefined, writeTemp,
} from './fsutil.js';
import {
  loadManifest, type Asset, type CommittedSource, type CopyDirSource, type CopySource,
  type DirectoryAsset, type FaceApiConvertSource, type FileAsset, type FileRecord, type Manifest,
} from './manifest.js';
import { defaultModelsDir, displayPath, isInside, packageModelsDir, packageRoot } from './paths.js';
import { Stamp } from './stamp.js';

/** Same signature as `convertFaceApiToDlib` in ./convert-faceapi.ts. */
export type Converter = (manifestJsonPath: string, binPath: string) => Uint8Array | Promise<Uint8Array>;

export interface PrepareOptions {
  /** Models folder (default: `$FACEMETRIC_MODELS`, else the package's `models/`). */
  modelsDir?: string;
  /** Manifest to use instead of the package's `models/manifest.json` (tests use small fake assets). */
  manifest?: Manifest;
  /**
   * User-given sources by asset name — what the CLI's `--shape-predictor`, `--resnet` and
   * `--examples` set: a plain or `.bz2` file for a file asset, a folder for a folder asset.
   */
  sources?: Partial<Record<string, string>>;
  /** Folder of the npm package holding the face-api weights (default: found under node_modules). */
  faceApiDir?: string;
  /** The face-api → dlib converter (default: `convertFaceApiToDlib` of ./convert-faceapi.js). */
  convert?: Converter;
  /** Only these assets (default: all of the manifest). */
  only?: string[];
  /** Verify only; write nothing (not even the stamp). */
  check?: boolean;
  /** Trust sha256s cached in `<models>/cache/prepare-stamp.json` for unchanged files (default: !check). */
  useCache?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export type AssetStatus = 'ok' | 'made' | 'missing' | 'corrupt' | 'failed';

export interface AssetReport {
  name: string;
  /** Absolute path of the file or folder. */
  path: string;
  /** ok: present and verified; made: (re-)made by this run; missing/corrupt: found so in --check mode; failed: could not be made. */
  status: AssetStatus;
  /** One line: what was found / done. */
  detail: string;
  /** Whether the verification used the stamp cache instead of reading the file. */
  cached: boolean;
  /** When the file is a user-given upstream file (`--resnet`), where it came from. */
  userSource?: string;
  /** The problem and its fix, for missing/corrupt/failed. */
  problem?: ModelAssetError;
}

/** Several assets could not be made or verified; `message` has one line per asset. */
export class ModelAssetsError extends ModelAssetError {
  readonly problems: ModelAssetError[];
  constructor(problems: ModelAssetError[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.problems = problems;
  }
}

interface Ctx {
  modelsDir: string;
  modelsReal: string;
  manifest: Manifest;
  sources: Partial<Record<string, string>>;
  faceApiDir: string | undefined;
  convert: Converter | undefined;
  check: boolean;
  useCache: boolean;
  stamp: Stamp;
  log: (line: string) => void;
  fix: Fixer;
}

const short = (sha: string): string => `${sha.slice(0, 12)}…`;
const seconds = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

/** Builds the commands that error messages give as the fix. */
class Fixer {
  private readonly cdPrefix: string;
  private readonly modelsFlag: string[];
  constructor(modelsDir: string) {
    let inRoot = false;
    try {
      inRoot = realpathSync(process.cwd()) === realpathSync(packageRoot());
    } catch {
      inRoot = false;
    }
    this.cdPrefix = inRoot ? '' : `cd ${shellQuote(packageRoot())} && `;
    this.modelsFlag = path.resolve(modelsDir) === path.resolve(defaultModelsDir())
      ? [] : ['--models-dir', shellQuote(path.resolve(modelsDir))];
  }
  /** `npm run models [-- flags]`, from the package root. */
  prepare(...flags: string[]): string {
    const all = [...this.modelsFlag, ...flags];
    return `${this.cdPrefix}npm run models${all.length > 0 ? ` -- ${all.join(' ')}` : ''}`;
  }
  /** Another command run in the package root (e.g. `npm ci`), followed by prepare. */
  then(cmd: string, ...flags: string[]): string {
    const p = this.prepare(...flags);
    return `${this.cdPrefix}${cmd} && ${this.cdPrefix === '' ? p : p.slice(this.cdPrefix.length)}`;
  }
  /** A command run in the package root, alone. */
  root(cmd: string): string {
    return `${this.cdPrefix}${cmd}`;
  }
}

/** The command that (re-)makes the assets of `modelsDir`, e.g. `npm run models -- --models-dir /x`, plus `flags`. */
export function prepareCommand(modelsDir: string = defaultModelsDir(), ...flags: string[]): string {
  return new Fixer(modelsDir).prepare(...flags);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function assetError(file: string, message: string, cause?: unknown): ModelAssetError {
  return new ModelAssetError(message, cause !== undefined ? { file: displayPath(file), cause } : { file: displayPath(file) });
}

/** A one-line description of an unexpected fs error. */
function fsProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code !== undefined ? `${err.code}${err.syscall ? ` (${err.syscall})` : ''}` : (err?.message ?? String(e));
}

// ---------------------------------------------------------------------------------------------
// Inspecting what is there

type Inspect =
  | { state: 'ok'; sha256: string; cached: boolean; userSource?: string; link?: string }
  | { state: 'missing'; why: string }
  | { state: 'corrupt'; why: string };

async function inspectFile(
  ctx: Ctx, key: string | undefined, file: string, expected: { sha256: string; bytes: number }, allowUser: boolean,
): Promise<Inspect> {
  const l = await lstatOrUndefined(file);
  if (l === undefined) return { state: 'missing', why: 'missing' };
  const s = await statOrUndefined(file);
  const link = l.isSymbolicLink() ? await readlink(file).catch(() => '?') : undefined;
  if (s === undefined) return { state: 'missing', why: `missing (a broken link to ${link})` };
  if (!s.isFile()) return { state: 'corrupt', why: 'not a regular file' };
  const withLink = <T extends object>(x: T): T => (link !== undefined ? { ...x, link } : x);
  if (ctx.useCache && key !== undefined) {
    const e = await ctx.stamp.trusted(key, file);
    if (e !== undefined && e.sha256 === expected.sha256) {
      return withLink({ state: 'ok', sha256: e.sha256, cached: true });
    }
    if (e !== undefined && allowUser && e.userSource !== undefined) {
      return withLink({ state: 'ok', sha256: e.sha256, cached: true, userSource: e.userSource });
    }
  }
  if (!allowUser && s.size !== expected.bytes) {
    return { state: 'corrupt', why: `corrupt (${s.size} bytes, expected ${expected.bytes})` };
  }
  let sha256: string;
  try {
    sha256 = (await hashFile(file)).sha256;
  } catch (e) {
    return { state: 'corrupt', why: `unreadable (${fsProblem(e)})` };
  }
  if (sha256 === expected.sha256) {
    if (key !== undefined) await ctx.stamp.record(key, file, sha256);
    return withLink({ state: 'ok', sha256, cached: false });
  }
  if (allowUser && key !== undefined) {
    const e = ctx.stamp.get(key);
    if (e?.userSource !== undefined && e.sha256 === sha256) {
      await ctx.stamp.record(key, file, sha256, e.userSource);
      return withLink({ state: 'ok', sha256, cached: false, userSource: e.userSource });
    }
  }
  return { state: 'corrupt', why: `corrupt (sha256 ${short(sha256)}, expected ${short(expected.sha256)})` };
}

/** mkdir -p `dir`, refusing when it resolves outside the models folder (e.g. through a link). */
async function writableDir(ctx: Ctx, dir: string): Promise<void> {
  // Check the deepest part that exists before creating anything: `mkdir -p` would follow a link.
  let existing = dir;
  while ((await lstatOrUndefined(existing)) === undefined && isInside(ctx.modelsDir, path.dirname(existing)) && existing !== ctx.modelsDir) {
    existing = path.dirname(existing);
  }
  const real = await realpath(existing).catch(() => existing);
  if (!isInside(ctx.modelsReal, real)) {
    // name the link: the first part of the path below the models folder that resolves outside it
    let link = existing;
    for (let p = existing; isInside(ctx.modelsDir, p) && p !== ctx.modelsDir; p = path.dirname(p)) {
      if ((await lstatOrUndefined(p))?.isSymbolicLink() === true) link = p;
    }
    throw assetError(dir, `resolves to ${path.join(real, path.relative(existing, dir))}, outside the models folder ${ctx.modelsReal}; refusing to write there; fix: rm ${shellQuote(link)} (the link only) && ${ctx.fix.prepare()}`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw assetError(dir, `cannot create the folder (${fsProblem(e)}); fix: make it writable, or choose another folder: ${ctx.fix.prepare('--models-dir DIR')}`, e);
  }
}

function wrapWriteError(ctx: Ctx, target: string, e: unknown): ModelAssetError {
  if (e instanceof FacemetricError) return e as ModelAssetError;
  return assetError(target, `cannot write (${fsProblem(e)}); fix: make ${displayPath(path.dirname(target))} writable, or choose another folder: ${ctx.fix.prepare('--models-dir DIR')}`, e);
}

// ---------------------------------------------------------------------------------------------
// File assets

async function fileAsset(ctx: Ctx, a: FileAsset): Promise<AssetReport> {
  const target = path.join(ctx.modelsDir, a.file);
  const userSrc = ctx.sources[a.name] !== undefined ? path.resolve(ctx.sources[a.name]!) : undefined;
  const allowUser = a.source.type === 'faceapi-convert';
  const report = (status: AssetStatus, detail: string, extra: Partial<AssetReport> = {}): AssetReport =>
    ({ name: a.name, path: target, status, detail, cached: false, ...extra });

  const found = await inspectFile(ctx, a.file, target, a, allowUser);
  const installUpstream = userSrc !== undefined && a.source.type === 'faceapi-convert';
  if (found.state === 'ok' && !installUpstream) {
    const what = found.userSource !== undefined ? `ok (upstream file from ${found.userSource})` : 'ok';
    ctx.log(`${a.file}: ${what}${found.cached ? ' (cached check)' : ''}${found.link !== undefined ? ` (a link to ${found.link})` : ''}`);
    if (userSrc !== undefined) ctx.log(`${a.file}: already verified; ignoring ${sourceFlag(a)} ${userSrc}`);
    return report('ok', what, { cached: found.cached, ...(found.userSource !== undefined ? { userSource: found.userSource } : {}) });
  }
  const why = found.state === 'ok' ? 'present' : found.why;
  if (ctx.check) {
    const problem = assetError(target, `${why}; fix: ${checkFix(ctx, a)}`);
    return report(found.state === 'ok' ? 'ok' : found.state, why, { problem });
  }

  const t0 = performance.now();
  try {
    await writableDir(ctx, path.dirname(target));
    let detail: string;
    let userSource: string | undefined;
    switch (a.source.type) {
      case 'committed':
        detail = await makeCommitted(ctx, a, a.source, target, why);
        break;
      case 'copy':
        detail = await makeCopy(ctx, a, a.source, target, why, userSrc);
        break;
      case 'faceapi-convert':
        if (userSrc !== undefined) {
          detail = await makeUpstream(ctx, a, a.source, target, why, userSrc);
          userSource = userSrc;
        } else {
          detail = await makeConverted(ctx, a, a.source, target, why);
        }
        break;
    }
    ctx.log(`${a.file}: ${detail} (${seconds(t0)})`);
    return report('made', detail, userSource !== undefined ? { userSource } : {});
  } catch (e) {
    const problem = wrapWriteError(ctx, target, e);
    return report('failed', why, { problem });
  }
}

function sourceFlag(a: FileAsset | DirectoryAsset): string {
  return 'flag' in a.source ? a.source.flag : '';
}

function checkFix(ctx: Ctx, a: FileAsset): string {
  if (a.source.type === 'committed' && samePath(path.join(ctx.modelsDir, a.file), path.join(packageModelsDir(), a.file))) {
    return committedFix(ctx, a.source);
  }
  return ctx.fix.prepare();
}

function samePath(a: string, b: string): boolean {
  const r = (p: string): string => {
    try {
      return path.join(realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  };
  return r(a) === r(b);
}

function committedFix(ctx: Ctx, s: CommittedSource): string {
  const cmds = s.fix.map((c) => ctx.fix.root(c));
  return cmds.length > 1 ? `${cmds[0]} (or ${cmds.slice(1).join(', or ')})` : cmds[0] ?? ctx.fix.prepare();
}

async function makeCommitted(ctx: Ctx, a: FileAsset, s: CommittedSource, target: string, why: string): Promise<string> {
  const src = path.join(packageModelsDir(), a.file);
  if (samePath(src, target)) {
    // The package's own committed file: prepare cannot re-make it.
    throw assetError(target, `${why}; fix: ${committedFix(ctx, s)}`);
  }
  ctx.log(`${a.file}: ${why}; copying the package's committed ${displayPath(src)}`);
  const r = await copyToTemp(src, target).catch((e: unknown) => {
    throw assetError(target, `${why}, and the package's copy ${displayPath(src)} cannot be read (${fsProblem(e)}); fix: ${committedFix(ctx, s)}, then ${ctx.fix.prepare()}`, e);
  });
  if (r.sha256 !== a.sha256) {
    await rm(r.tmp, { force: true });
    throw assetError(target, `${why}, and the package's copy ${displayPath(src)} is corrupt too (sha256 ${short(r.sha256)}, expected ${short(a.sha256)}); fix: ${committedFix(ctx, s)}, then ${ctx.fix.prepare()}`);
  }
  await commitTemp(r.tmp, target);
  await ctx.stamp.record(a.file, target, r.sha256);
  return `made from ${displayPath(src)}`;
}

async function makeCopy(
  ctx: Ctx, a: FileAsset, s: CopySource, target: string, why: string, userSrc: string | undefined,
): Promise<string> {
  const src = userSrc ?? s.path;
  const orDownload = `download ${s.url} and run ${ctx.fix.prepare(s.flag, 'PATH/TO/' + path.basename(s.url))}`;
  const fix = userSrc !== undefined ? orDownload : `apt-get install ${s.debianPackage} && ${ctx.fix.prepare()} (or ${orDownload})`;
  const fixBad = userSrc !== undefined ? orDownload : `apt-get install --reinstall ${s.debianPackage} && ${ctx.fix.prepare()} (or ${orDownload})`;
  const named = userSrc !== undefined ? `${s.flag} ${src}` : `its source ${src}`;
  const st = await statOrUndefined(src);
  if (st === undefined) throw assetError(target, `${why}, and ${named} does not exist; fix: ${fix}`);
  if (!st.isFile()) throw assetError(target, `${why}, and ${named} is not a file; fix: ${fix}`);
  ctx.log(`${a.file}: ${why}; copying from ${src} (${formatBytes(st.size)})`);
  let r;
  try {
    r = await copyToTemp(src, target);
  } catch (e) {
    if (e instanceof Bzip2Error) throw assetError(target, `${why}, and ${named} is not a valid bzip2 file (${e.message}); fix: ${fixBad}`, e);
    if (isSourceReadError(e, src)) throw assetError(target, `${why}, and ${named} cannot be read (${fsProblem(e)}); fix: ${fixBad}`, e);
    throw e;
  }
  if (r.sha256 !== a.sha256) {
    await rm(r.tmp, { force: true });
    throw assetError(target, `${why}, and ${named} is not the expected file (${r.decompressed ? 'decompressed: ' : ''}sha256 ${short(r.sha256)}, ${r.bytes} bytes; expected ${short(a.sha256)}, ${a.bytes} bytes); fix: ${fixBad}`);
  }
  await commitTemp(r.tmp, target);
  await ctx.stamp.record(a.file, target, r.sha256);
  return `made from ${src}${r.decompressed ? ' (bunzip2)' : ''}`;
}

function isSourceReadError(e: unknown, src: string): boolean {
  return (e as NodeJS.ErrnoException)?.path === src;
}

async function makeUpstream(
  ctx: Ctx, a: FileAsset, s: FaceApiConvertSource, target: string, why: string, src: string,
): Promise<string> {
  const fix = `download ${s.url} and run ${ctx.fix.prepare(s.flag, 'PATH/TO/' + path.basename(s.url))} (or drop ${s.flag} to convert face-api's copy)`;
  const st = await statOrUndefined(src);
  if (st === undefined || !st.isFile()) throw assetError(target, `${s.flag} ${src}: ${st === undefined ? 'does not exist' : 'not a file'}; fix: ${fix}`);
  ctx.log(`${a.file}: installing the upstream file ${src} (${formatBytes(st.size)})${why !== 'present' ? ` (was ${why})` : ''}`);
  let r;
  try {
    r = await copyToTemp(src, target);
  } catch (e) {
    if (e instanceof Bzip2Error) throw assetError(target, `${s.flag} ${src} is not a valid bzip2 file (${e.message}); fix: ${fix}`, e);
    if (isSourceReadError(e, src)) throw assetError(target, `${s.flag} ${src} cannot be read (${fsProblem(e)}); fix: ${fix}`, e);
    throw e;
  }
  const { min, max } = s.upstreamBytes;
  let bad: string | undefined;
  if (r.bytes < min || r.bytes > max) {
    bad = `${r.bytes} bytes${r.decompressed ? ' after bunzip2' : ''}, outside the ${min}–${max} expected of ${a.file}`;
  } else {
    const head = (await readHead(r.tmp, 64)).toString('latin1');
    if (!head.includes(s.upstreamMagic)) bad = `does not start like a dlib network file (no "${s.upstreamMagic}" in its first 64 bytes)`;
  }
  if (bad !== undefined) {
    await rm(r.tmp, { force: true });
    throw assetError(target, `${s.flag} ${src} is not ${a.file}: ${bad}; fix: ${fix}`);
  }
  await commitTemp(r.tmp, target);
  await ctx.stamp.record(a.file, target, r.sha256, r.sha256 === a.sha256 ? undefined : src);
  const note = r.sha256 === a.sha256
    ? 'identical to the converted file'
    : s.upstreamSha256 !== null && r.sha256 === s.upstreamSha256
      ? 'the known upstream sha256'
      : 'differs from the converted file, as expected for upstream; recorded in cache/prepare-stamp.json';
  return `installed upstream ${src}${r.decompressed ? ' (bunzip2)' : ''}, sha256 ${short(r.sha256)}: ${note}`;
}

/** Where an npm package is installed: `<dir>/node_modules/<name>` for the package root and its parents. */
function findPackageDir(name: string): string | undefined {
  let dir = packageRoot();
  for (;;) {
    const p = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(p, 'package.json'))) return p;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function defaultConverter(): Promise<Converter> {
  // Loaded lazily (only when a conversion is needed). The specifier is a variable so that this
  // module does not depend on the converter at compile time.
  const spec = './convert-faceapi.js';
  const mod = (await import(spec)) as { convertFaceApiToDlib?: unknown };
  if (typeof mod.convertFaceApiToDlib !== 'function') throw new Error('convert-faceapi.js does not export convertFaceApiToDlib');
  return mod.convertFaceApiToDlib as Converter;
}

async function makeConverted(ctx: Ctx, a: FileAsset, s: FaceApiConvertSource, target: string, why: string): Promise<string> {
  const upstream = `download ${s.url} and run ${ctx.fix.prepare(s.flag, 'PATH/TO/' + path.basename(s.url))}`;
  const pkgDir = ctx.faceApiDir ?? findPackageDir(s.package);
  if (pkgDir === undefined || !existsSync(pkgDir)) {
    throw assetError(target, `${why}, and ${s.package} ${s.version} (whose weights it is converted from) is not installed under node_modules; fix: ${ctx.fix.then('npm ci')} (or ${upstream})`);
  }
  const [jsonRec, binRec] = s.inputs;
  const inputs: string[] = [];
  for (const rec of [jsonRec, binRec]) {
    const p = path.join(pkgDir, rec.path);
    const st = await statOrUndefined(p);
    if (st === undefined) {
      throw assetError(p, `missing (input of ${a.file}, from ${s.package} ${s.version}); fix: ${ctx.fix.then('npm ci')} (or ${upstream})`);
    }
    const h = await hashFile(p);
    if (h.sha256 !== rec.sha256) {
      throw assetError(p, `sha256 ${short(h.sha256)} (${h.bytes} bytes) is not ${s.package} ${s.version}'s ${short(rec.sha256)} (${rec.bytes} bytes); fix: ${ctx.fix.then('npm ci')} (or ${upstream})`);
    }
    inputs.push(p);
  }
  let convert = ctx.convert;
  if (convert === undefined) {
    try {
      convert = await defaultConverter();
    } catch (e) {
      throw assetError(target, `${why}, and the converter (src/models/convert-faceapi.ts) cannot be loaded (${(e as Error).message ?? String(e)}); fix: ${ctx.fix.then('npm run build:ts')} (or ${upstream})`, e);
    }
  }
  ctx.log(`${a.file}: ${why}; converting ${s.package} ${s.version} weights (${displayPath(inputs[1]!)})`);
  let bytes: Uint8Array;
  try {
    bytes = await convert(inputs[0]!, inputs[1]!);
  } catch (e) {
    throw assetError(target, `${why}, and converting ${s.package}'s weights failed (${(e as Error).message ?? String(e)}); fix: ${ctx.fix.then('npm ci && npm run build')} (or ${upstream})`, e);
  }
  const sha = sha256Hex(bytes);
  if (sha !== a.sha256) {
    throw assetError(target, `${why}, and the converted model has sha256 ${short(sha)} (${bytes.length} bytes), not the manifest's ${short(a.sha256)} (${a.bytes} bytes): the converter's output changed; fix: ${ctx.fix.then('npm ci && npm run build')}, or if the change is intended record it: ${ctx.fix.root('node dist/src/models/cli.js record')} and commit models/manifest.json`);
  }
  const tmp = await writeTemp(target, bytes);
  await commitTemp(tmp, target);
  await ctx.stamp.record(a.file, target, sha);
  return `made by conversion (${formatBytes(bytes.length)})`;
}

// ---------------------------------------------------------------------------------------------
// Folder assets

async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

async function directoryAsset(ctx: Ctx, a: DirectoryAsset): Promise<AssetReport> {
  const dir = path.join(ctx.modelsDir, a.file);
  const s: CopyDirSource = a.source;
  const report = (status: AssetStatus, detail: string, extra: Partial<AssetReport> = {}): AssetReport =>
    ({ name: a.name, path: dir, status, detail, cached: false, ...extra });
  if (!ctx.check) {
    const dirs = new Set(a.files.map((f) => path.dirname(path.join(dir, ...f.path.split('/')))));
    for (const d of dirs) await removeStaleTemps(d);
  }
  const bad: { rec: FileRecord; why: string }[] = [];
  await pool(a.files, 16, async (rec) => {
    const f = await inspectFile(ctx, undefined, path.join(dir, ...rec.path.split('/')), rec, false);
    if (f.state !== 'ok') bad.push({ rec, why: f.why });
  });
  bad.sort((x, y) => (x.rec.path < y.rec.path ? -1 : 1));
  if (bad.length === 0) {
    ctx.log(`${a.file}/: ok (${a.files.length} files)`);
    return report('ok', `ok (${a.files.length} files)`);
  }
  const nMissing = bad.filter((b) => b.why.startsWith('missing')).length;
  const summary = nMissing === bad.length
    ? `${bad.length} of ${a.files.length} files missing (e.g. ${bad[0]!.rec.path})`
    : `${bad.length} of ${a.files.length} files missing or corrupt (e.g. ${bad[0]!.rec.path}: ${bad.find((b) => !b.why.startsWith('missing'))!.why})`;
  const status: AssetStatus = nMissing === bad.length ? 'missing' : 'corrupt';
  if (ctx.check) return report(status, summary, { problem: assetError(dir, `${summary}; fix: ${ctx.fix.prepare()}`) });

  const userSrc = ctx.sources[a.name] !== undefined ? path.resolve(ctx.sources[a.name]!) : undefined;
  const srcRoot = userSrc ?? s.path;
  const extract = `/tmp/${s.debianPackage}`;
  const fix = `apt-get install ${s.debianPackage} && ${ctx.fix.prepare()} (or apt-get download ${s.debianPackage} && dpkg-deb -x ${s.debianPackage}_*.deb ${extract} && ${ctx.fix.prepare(s.flag, extract + s.path)})`;
  const named = userSrc !== undefined ? `${s.flag} ${srcRoot}` : `their source ${srcRoot}`;
  const rootSt = await statOrUndefined(srcRoot);
  if (rootSt === undefined || !rootSt.isDirectory()) {
    return report('failed', summary, { problem: assetError(dir, `${summary}, and ${named} ${rootSt === undefined ? 'does not exist' : 'is not a folder'}; fix: ${fix}`) });
  }
  ctx.log(`${a.file}/: ${summary}; copying from ${srcRoot}`);
  const t0 = performance.now();
  const failures: string[] = [];
  try {
    const dirs = [...new Set(bad.map((b) => path.dirname(path.join(dir, ...b.rec.path.split('/')))))].sort();
    for (const d of dirs) await writableDir(ctx, d);
    await pool(bad, 8, async ({ rec }) => {
      const src = path.join(srcRoot, ...rec.path.split('/'));
      const target = path.join(dir, ...rec.path.split('/'));
      const st = await statOrUndefined(src);
      if (st === undefined || !st.isFile()) {
        failures.push(`${rec.path} (not in the source)`);
        return;
      }
      let r;
      try {
        r = await copyToTemp(src, target);
      } catch (e) {
        if (e instanceof Bzip2Error || isSourceReadError(e, src)) {
          failures.push(`${rec.path} (${e instanceof Bzip2Error ? 'bad bzip2' : fsProblem(e)})`);
          return;
        }
        throw e;
      }
      if (r.sha256 !== rec.sha256) {
        await rm(r.tmp, { force: true });
        failures.push(`${rec.path} (the source's sha256 ${short(r.sha256)} differs)`);
        return;
      }
      await commitTemp(r.tmp, target);
    });
  } catch (e) {
    return report('failed', summary, { problem: wrapWriteError(ctx, dir, e) });
  }
  if (failures.length > 0) {
    failures.sort();
    const list = failures.length > 3 ? `${failures.slice(0, 3).join(', ')} and ${failures.length - 3} more` : failures.join(', ');
    return report('failed', summary, {
      problem: assetError(dir, `${failures.length} of ${a.files.length} files cannot be made from ${named}: ${list}; fix: ${fix}`),
    });
  }
  const detail = `made ${bad.length} file${bad.length === 1 ? '' : 's'} from ${srcRoot}`;
  ctx.log(`${a.file}/: ${detail} (${seconds(t0)})`);
  return report('made', detail);
}

// ---------------------------------------------------------------------------------------------
// Entry points

async function run(opts: PrepareOptions): Promise<AssetReport[]> {
  const manifest = opts.manifest ?? loadManifest();
  const modelsDir = path.resolve(opts.modelsDir ?? defaultModelsDir());
  const check = opts.check ?? false;
  const fix = new Fixer(modelsDir);
  const sources = opts.sources ?? {};
  for (const name of Object.keys(sources)) {
    if (sources[name] !== undefined && !manifest.assets.some((x) => x.name === name)) {
      throw new UsageError(`a source was given for ${JSON.stringify(name)}, which is not an asset of the manifest`);
    }
  }
  if (!check) {
    try {
      await mkdir(modelsDir, { recursive: true });
    } catch (e) {
      throw assetError(modelsDir, `cannot create the models folder (${fsProblem(e)}); fix: make it writable, or choose another: ${fix.prepare('--models-dir DIR')}`, e);
    }
  }
  let modelsReal = modelsDir;
  try {
    modelsReal = await realpath(modelsDir);
  } catch {
    // --check on a folder that does not exist: every asset will be reported missing
  }
  const ctx: Ctx = {
    modelsDir, modelsReal, manifest, sources, check, fix,
    faceApiDir: opts.faceApiDir,
    convert: opts.convert,
    useCache: opts.useCache ?? !check,
    stamp: await Stamp.load(modelsDir),
    log: opts.log ?? (() => {}),
  };
  if (!check) await removeStaleTemps(modelsDir);
  const assets: Asset[] = opts.only === undefined ? manifest.assets : opts.only.map((n) => {
    const a = manifest.assets.find((x) => x.name === n);
    if (a === undefined) throw new UsageError(`no model asset called ${JSON.stringify(n)} (known: ${manifest.assets.map((x) => x.name).join(', ')})`);
    return a;
  });
  const reports: AssetReport[] = [];
  for (const a of assets) {
    // One at a time: the big ones are I/O bound on the same disk.
    reports.push(a.kind === 'file' ? await fileAsset(ctx, a) : await directoryAsset(ctx, a));
  }
  if (!check) {
    try {
      await mkdir(path.join(modelsDir, 'cache'), { recursive: true });
      await ctx.stamp.save();
    } catch (e) {
      ctx.log(`cannot write the verification cache ${displayPath(ctx.stamp.file)} (${fsProblem(e)}); the next run will re-hash`);
    }
  }
  return reports;
}

/**
 * Verifies every asset and (re-)makes the missing or corrupt ones. Resolves with one report per
 * asset; rejects with a ModelAssetError (one asset) or ModelAssetsError (several; one line each)
 * when an asset cannot be made — after trying all the others.
 */
export async function ensureAssets(opts: PrepareOptions = {}): Promise<AssetReport[]> {
  const reports = await run({ ...opts, check: false });
  const problems = reports.filter((r) => r.problem !== undefined).map((r) => r.problem!);
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new ModelAssetsError(problems);
  return reports;
}

/**
 * Verifies every asset without writing anything (sha256 of each file; no cache unless
 * `useCache: true`). Resolves with one report per asset; those with `problem` are missing or
 * corrupt, and `problem.message` says the fix.
 */
export async function verifyAssets(opts: Omit<PrepareOptions, 'check' | 'convert' | 'sources'> = {}): Promise<AssetReport[]> {
  return run({ ...opts, check: true });
}

