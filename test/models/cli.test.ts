/** The CLI (`node dist/src/models/cli.js prepare …`), run in-process through runCli. */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/models/cli.js';
import type { FileAsset, Manifest } from '../../src/models/index.js';
import { fakeConvert, fixture, fakeAssetText, makeFakes, sandbox, sha, type FakeSet, type Sandbox } from './helpers.js';

let sb: Sandbox;
let fk: FakeSet;
let manifest: Manifest;
beforeEach(() => {
  sb = sandbox();
  fk = makeFakes(sb);
  // the CLI's flags name the real assets: give the fakes those names
  manifest = structuredClone(fk.manifest);
  manifest.assets[0]!.name = 'shape_predictor_68_face_landmarks';
  manifest.assets[1]!.name = 'dlib_face_recognition_resnet_model_v1';
  manifest.assets[2]!.name = 'examples';
});
afterEach(() => sb.cleanup());

async function cli(...args: string[]): Promise<{ rc: number; lines: string[] }> {
  const lines: string[] = [];
  const rc = await runCli(args, { stderr: (l) => lines.push(l), manifest, faceApiDir: sb.faceApi, convert: fakeConvert });
  return { rc, lines };
}

describe('models CLI', () => {
  it('prepare: progress lines on stderr, all prefixed, then a summary; exit 0', async () => {
    const { rc, lines } = await cli('prepare', '--models-dir', sb.models);
    expect(rc).toBe(0);
    expect(lines.every((l) => l.startsWith('facemetric models: '))).toBe(true);
    expect(lines.at(-1)).toMatch(/^facemetric models: 3 assets ready in .* \(3 made\) \(\d+\.\d\d s\)$/);
    const again = await cli('prepare', '--models-dir', sb.models, '--quiet');
    expect(again).toEqual({ rc: 0, lines: [] });
  });

  it('--check: exit 1 and one line per missing asset with the fix, nothing written; exit 0 once prepared', async () => {
    let r = await cli('prepare', '--check', '--models-dir', sb.models);
    expect(r.rc).toBe(1);
    const problems = r.lines.filter((l) => l.includes('; fix: '));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('fake_predictor.dat: missing; fix: npm run models -- --models-dir');
    expect(existsSync(sb.models)).toBe(false);
    await cli('prepare', '--models-dir', sb.models, '--quiet');
    r = await cli('prepare', '--check', '--models-dir', sb.models);
    expect(r.rc).toBe(0);
    expect(r.lines.at(-1)).toMatch(/all 3 assets verified/);
  });

  it('a missing source: the error line names the asset, the problem and the fix; no stack trace; exit 1', async () => {
    rmSync(fk.copySource);
    const { rc, lines } = await cli('prepare', '--models-dir', sb.models, '--quiet');
    expect(rc).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^facemetric models: .*fake_predictor\.dat: missing, and its source .* does not exist; fix: apt-get install libfake-data && npm run models -- --models-dir .* \(or download http:\/\/example\.invalid\/fake_predictor\.dat\.bz2 and run npm run models -- --models-dir .* --shape-predictor PATH\/TO\/fake_predictor\.dat\.bz2\)$/);
    expect(lines.join('\n')).not.toMatch(/^\s+at /m);
  });

  it('--shape-predictor takes a .bz2', async () => {
    const a = manifest.assets[0] as FileAsset;
    a.sha256 = sha(fakeAssetText());
    a.bytes = fakeAssetText().length;
    const { rc, lines } = await cli('prepare', '--models-dir', sb.models, '--shape-predictor', fixture('fake-asset.dat.bz2'));
    expect(rc).toBe(0);
    expect(lines.join('\n')).toContain('(bunzip2)');
  });

  it('--examples DIR and --resnet PATH reach their assets', async () => {
    const { rc, lines } = await cli('prepare', '--models-dir', sb.models, '--examples', fk.examplesSource, '--resnet', path.join(sb.root, 'nope.dat'));
    expect(rc).toBe(1);
    expect(lines.join('\n')).toContain(`--resnet ${path.join(sb.root, 'nope.dat')}: does not exist`);
    expect(lines.join('\n')).toContain(`made 4 files from ${fk.examplesSource}`);
  });

  it('FACEMETRIC_MODELS sets the models folder', async () => {
    const old = process.env.FACEMETRIC_MODELS;
    process.env.FACEMETRIC_MODELS = sb.models;
    try {
      const { rc } = await cli('prepare', '--quiet');
      expect(rc).toBe(0);
      expect(existsSync(path.join(sb.models, 'fake_predictor.dat'))).toBe(true);
    } finally {
      if (old === undefined) delete process.env.FACEMETRIC_MODELS;
      else process.env.FACEMETRIC_MODELS = old;
    }
  });

  it('usage errors exit 2', async () => {
    let r = await cli('prepare', '--bogus');
    expect(r.rc).toBe(2);
    expect(r.lines[0]).toMatch(/^facemetric models: Unknown option '--bogus'/);
    expect(r.lines.some((l) => l.startsWith('usage: '))).toBe(true);
    r = await cli();
    expect(r.rc).toBe(2);
    expect(r.lines[0]).toContain('expected one command, prepare or record (got none)');
    r = await cli('prepare', '--check', '--shape-predictor', 'x');
    expect(r.rc).toBe(2);
    r = await cli('prepare', '--models-dir');
    expect(r.rc).toBe(2);
    r = await cli('--help');
    expect(r.rc).toBe(0);
    expect(r.lines[0]).toMatch(/^usage: /);
  });
});
