/**
 * The converted ResNet (models/dlib_face_recognition_resnet_model_v1.dat, made by
 * convertFaceApiToDlib during `npm ci`) is a real dlib network file: dlib loads it, writes it
 * back byte for byte, and with it dlib's own pipeline clusters bald_guys.jpg into the 4 people
 * of dlib's blog post (24 faces).
 */
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetPath, exampleImagesDir } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessClusters, type HarnessImage } from '../../src/parity/harness.js';
import { describeParity, scratchDir } from './helpers.js';

describeParity('converted ResNet model in real dlib', () => {
  const net = (): string => assetPath('dlib_face_recognition_resnet_model_v1');
  const predictor = (): string => assetPath('shape_predictor_68_face_landmarks');
  const faces = (name: string): string => join(exampleImagesDir(), 'faces', name);

  it('dlib deserializes it and serializes it back to identical bytes', () => {
    const out = join(scratchDir('resave'), 'resaved.dat');
    runHarness(['write-net', out, '--from', net()]);
    const ours = readFileSync(net());
    const dlibs = readFileSync(out);
    expect(dlibs.length).toBe(ours.length);
    expect(dlibs.equals(ours)).toBe(true);
  });

  it('clusters bald_guys.jpg into 4 people of 6 faces (24 faces, Chinese Whispers at 0.6)', () => {
    const [result] = runHarnessJson<HarnessClusters>(
      ['cluster', '--predictor', predictor(), '--net', net(), '--threshold', '0.6', faces('bald_guys.jpg')],
    );
    expect(result.faces).toHaveLength(24);
    expect(result.clusters).toBe(4);
    const sizes = new Map<number, number>();
    for (const f of result.faces) sizes.set(f.label, (sizes.get(f.label) ?? 0) + 1);
    expect([...sizes.values()].sort()).toEqual([6, 6, 6, 6]);
  });

  it('describes faces as unit-scale 128-D vectors; the same face in one batch or another agrees', () => {
    const dir = scratchDir('layers');
    const [img] = runHarnessJson<HarnessImage>(
      ['describe', '--predictor', predictor(), '--net', net(), '--chips', dir, faces('2008_002506.jpg')],
    );
    expect(img.faces.length).toBeGreaterThan(0);
    for (const f of img.faces) {
      expect(f.descriptor).toHaveLength(128);
      const norm = Math.hypot(...f.descriptor!);
      expect(norm).toBeGreaterThan(0.2);
      expect(norm).toBeLessThan(2);
    }
    // Every layer's output for the same chips, as written by the harness for the layer suites.
    const chips = img.faces.map((_, i) => join(dir, `2008_002506.jpg.${i}.png`));
    runHarness(['layers', '--net', net(), '--out', dir, ...chips]);
    const index = JSON.parse(readFileSync(join(dir, 'layers.json'), 'utf8')) as {
      batch: number;
      layers: { index: number; inplace?: boolean; shape?: number[]; details?: string }[];
    };
    expect(index.batch).toBe(img.faces.length);
    const con = index.layers.filter((l) => l.details?.startsWith('con'));
    const visible = index.layers.filter((l) => !l.inplace);
    expect(visible.find((l) => l.index === 1)?.shape).toEqual([img.faces.length, 128, 1, 1]);
    // 29 convolutions; those followed by an in-place affine are reported as "inplace".
    expect(index.layers.length).toBeGreaterThan(100);
    expect(con.length + index.layers.filter((l) => l.inplace).length).toBeGreaterThanOrEqual(29);
    const raw = readFileSync(join(dir, 'descriptors.f32'));
    const desc = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    img.faces.forEach((f, i) => {
      for (let k = 0; k < 128; k++) expect(Math.abs(desc[i * 128 + k] - f.descriptor![k])).toBeLessThan(1e-6);
    });
  });
});
