/** Helpers for the model-asset tests: temp folders, small fake assets, and a fake manifest. */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { listingHash, type DirectoryAsset, type FileAsset, type FileRecord, type Manifest } from '../../src/models/index.js';

export const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export const fixture = (name: string): string => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);

/**
 * The content of fixtures/fake-asset.dat.bz2 (made with `bzip2 -1`, so it has 5 bzip2 blocks):
 * 12,000 numbered lines, 408,000 bytes.
 */
export function fakeAssetText(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 12000; i++) lines.push(`facemetric fake asset line ${String(i).padStart(6, '0')}\n`);
  return Buffer.from(lines.join(''), 'latin1');
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export interface Sandbox {
  root: string;
  /** The models folder under test (not created). */
  models: string;
  /** Sources outside the models folder. */
  src: string;
  faceApi: string;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), 'facemetric-models-test-'));
  const src = path.join(root, 'src');
  mkdirSync(src);
  return {
    root,
    models: path.join(root, 'models'),
    src,
    faceApi: path.join(root, 'face-api'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const MAGIC = 'loss_metric_';

/** A fake converter: deterministic bytes derived from both inputs, starting like a dlib network file. */
export function fakeConvert(jsonPath: string, binPath: string): Uint8Array {
  const j = readFileSync(jsonPath);
  const w = readFileSync(binPath);
  return Buffer.concat([Buffer.from(`\x01\x01\x0d${MAGIC}2`, 'latin1'), Buffer.from(sha(j), 'latin1'), w, w]);
}

export interface FakeSet {
  manifest: Manifest;
  copySource: string;
  copyBytes: Buffer;
  convertOutput: Uint8Array;
  exampleFiles: Record<string, Buffer>;
  examplesSource: string;
}

/**
 * Gives every test of the calling file a fresh sandbox with the fake sources: `use` receives them
 * before each test, and the sandbox is removed after it.
 */
export function withFakeSandbox(use: (sb: Sandbox, fk: FakeSet) => void): void {
  let sb: Sandbox | undefined;
  beforeEach(() => {
    sb = sandbox();
    use(sb, makeFakes(sb));
  });
  afterEach(() => sb?.cleanup());
}

/**
 * Writes fake sources into the sandbox and returns a manifest with one asset of each source
 * type that prepare can make without the package's files: copy, faceapi-convert, copy-dir.
 */
export function makeFakes(sb: Sandbox): FakeSet {
  const copyBytes = pseudoRandom(300_000, 7);
  const copySource = path.join(sb.src, 'fake_predictor.dat');
  writeFileSync(copySource, copyBytes);

  const inputsDir = path.join(sb.faceApi, 'model');
  mkdirSync(inputsDir, { recursive: true });
  writeFileSync(path.join(sb.faceApi, 'package.json'), JSON.stringify({ name: 'fake-face-api', version: '9.9.9' }));
  const jsonBytes = Buffer.from(JSON.stringify([{ weights: [{ name: 'conv', shape: [3, 3] }] }]));
  const binBytes = pseudoRandom(50_000, 11);
  writeFileSync(path.join(inputsDir, 'w.json'), jsonBytes);
  writeFileSync(path.join(inputsDir, 'w.bin'), binBytes);
  const convertOutput = fakeConvert(path.join(inputsDir, 'w.json'), path.join(inputsDir, 'w.bin'));

  const examplesSource = path.join(sb.src, 'examples');
  const exampleFiles: Record<string, Buffer> = {
    'faces/a.jpg': pseudoRandom(3000, 1),
    'faces/b.jpg': pseudoRandom(2000, 2),
    'johns/John_A/1.jpg': pseudoRandom(1500, 3),
    'johns/John_B/2.jpg': pseudoRandom(1700, 4),
  };
  for (const [rel, bytes] of Object.entries(exampleFiles)) {
    const p = path.join(examplesSource, ...rel.split('/'));
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
  // A file in the source that the manifest does not list: never copied.
  writeFileSync(path.join(examplesSource, 'faces', 'unlisted.txt'), 'x');

  const copyAsset: FileAsset = {
    name: 'fake_predictor', kind: 'file', file: 'fake_predictor.dat',
    sha256: sha(copyBytes), bytes: copyBytes.length, committed: false,
    origin: 'test', licence: 'test',
    source: { type: 'copy', path: copySource, debianPackage: 'libfake-data', url: 'http://example.invalid/fake_predictor.dat.bz2', flag: '--shape-predictor' },
  };
  const inputs: [FileRecord, FileRecord] = [
    { path: 'model/w.json', sha256: sha(jsonBytes), bytes: jsonBytes.length },
    { path: 'model/w.bin', sha256: sha(binBytes), bytes: binBytes.length },
  ];
  const convertAsset: FileAsset = {
    name: 'fake_resnet', kind: 'file', file: 'fake_resnet.dat',
    sha256: sha(convertOutput), bytes: convertOutput.length, committed: false,
    origin: 'test', licence: 'test',
    source: {
      type: 'faceapi-convert', package: 'fake-face-api', version: '9.9.9', packageLicence: 'MIT', inputs,
      flag: '--resnet', url: 'http://example.invalid/fake_resnet.dat.bz2', upstreamSha256: null,
      upstreamBytes: { min: 100_000, max: 200_000 }, upstreamMagic: MAGIC,
    },
  };
  const files: FileRecord[] = Object.entries(exampleFiles)
    .map(([p, b]) => ({ path: p, sha256: sha(b), bytes: b.length }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const dirAsset: DirectoryAsset = {
    name: 'fake_examples', kind: 'directory', file: 'examples',
    sha256: listingHash(files, sha), bytes: files.reduce((n, f) => n + f.bytes, 0), committed: false,
    origin: 'test', licence: 'test',
    source: { type: 'copy-dir', path: examplesSource, debianPackage: 'libfake19.1', flag: '--examples' },
    files,
  };
  return {
    manifest: { formatVersion: 1, assets: [copyAsset, convertAsset, dirAsset] },
    copySource, copyBytes, convertOutput, exampleFiles, examplesSource,
  };
}

/** Flips one bit of the byte at `offset` in place (same size). */
export function flipByte(file: string, offset: number): void {
  const b = readFileSync(file);
  b[offset] ^= 0x01;
  writeFileSync(file, b);
}

/** Collects progress lines. */
export function collect(): { lines: string[]; log: (l: string) => void } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l) };
}
