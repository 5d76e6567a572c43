/**
 * The pipeline (src/pipeline/): runPipeline's stages, `until` and `faces: 'largest'`, the chip
 * constants, and describeFaces (moved here from test/dnn/recognizer.test.ts with the function).
 * End-to-end parity with dlib: test/parity/describe-parity.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceRecognizer, type FaceRecognizer } from '../../src/dnn/recognizer.js';
import { loadFrontalFaceDetector, type FhogDetector } from '../../src/hog/detector.js';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { extractImageChip, getFaceChipDetails, loadShapePredictor, type ShapePredictorModel } from '../../src/landmarks/index.js';
import { exampleImages } from '../../src/models/index.js';
import { describeFaces, FACE_CHIP, loadFaceModels, runPipeline } from '../../src/pipeline/index.js';

const twoFaces = (): RgbImage => readImageSync(exampleImages('faces').find((f) => f.endsWith('2008_001009.jpg'))!);
const area = (r: readonly number[]): number => (r[2]! - r[0]! + 1) * (r[3]! - r[1]! + 1);

describe('describeFaces', () => {
  it('is detector + 68 landmarks + 150x150 chips (padding 0.25) + the network, with timings', () => {
    const img = twoFaces();
    const detector = loadFrontalFaceDetector();
    const predictor = loadShapePredictor();
    const recognizer = loadFaceRecognizer(undefined, { backend: 'wasm' });
    const r = describeFaces(img, { detector, predictor, recognizer });
    expect(r.backend).toBe('wasm');
    expect(Object.keys(r.timings)).toEqual(['detect', 'landmarks', 'chips', 'describe']);
    const dets = detector.detect(img);
    expect(r.faces).toHaveLength(2);
    const chips = dets.map((d) => extractImageChip(img, getFaceChipDetails(predictor.predict(img, d.rect).points, 150, 0.25)));
    const want = recognizer.describeBatch(chips);
    r.faces.forEach((f, i) => {
      expect([f.rect, f.score, f.filter]).toEqual([dets[i]!.rect, dets[i]!.score, dets[i]!.filter]);
      expect(f.landmarks).toEqual(predictor.predict(img, f.rect).points);
      expect(Array.from(f.descriptor)).toEqual(Array.from(want[i]!));
    });
    expect(Object.keys(r.faces[0]!)).toEqual(['rect', 'score', 'filter', 'landmarks', 'descriptor']);
  });
});

describe('runPipeline', () => {
  let img: RgbImage;
  let detector: FhogDetector;
  let predictor: ShapePredictorModel;
  let recognizer: FaceRecognizer;
  beforeAll(() => {
    img = twoFaces();
    ({ detector, predictor, recognizer } = loadFaceModels('describe', { backend: 'wasm' }) as {
      detector: FhogDetector; predictor: ShapePredictorModel; recognizer: FaceRecognizer;
    });
  });

  it("the chip is dlib's get_face_chip_details(shape, 150, 0.25), in one place", () => {
    expect(FACE_CHIP).toEqual({ size: 150, padding: 0.25 });
  });

  it('until: each stage adds its field and its timing, nothing more', () => {
    const dets = detector.detect(img);
    const boxes = runPipeline(img, { detector }, { until: 'detect' });
    expect(boxes.faces).toEqual(dets);
    expect(boxes.detected).toBe(2);
    expect(Object.keys(boxes.timings)).toEqual(['detect']);
    const lm = runPipeline(img, { detector, predictor }, { until: 'landmarks' });
    expect(Object.keys(lm.timings)).toEqual(['detect', 'landmarks']);
    expect(lm.faces.map((f) => f.landmarks)).toEqual(dets.map((d) => predictor.predict(img, d.rect).points));
    const chips = runPipeline(img, { detector, predictor }, { until: 'chips', chip: { size: 40, padding: 0.5 } });
    expect(Object.keys(chips.timings)).toEqual(['detect', 'landmarks', 'chips']);
    chips.faces.forEach((f) => {
      expect(f.chip).toEqual(extractImageChip(img, getFaceChipDetails(f.landmarks!, 40, 0.5)));
      expect(f.descriptor).toBeUndefined();
    });
    const all = runPipeline(img, { detector, predictor, recognizer });
    expect(Object.keys(all.timings)).toEqual(['detect', 'landmarks', 'chips', 'describe']);
    const want = recognizer.describeBatch(all.faces.map((f) => f.chip!));
    all.faces.forEach((f, i) => expect(Array.from(f.descriptor!)).toEqual(Array.from(want[i]!)));
  });

  it("faces: 'largest' keeps the largest box (the first among equals) and says how many were found", () => {
    const dets = detector.detect(img);
    const best = dets.reduce((a, d) => (area(d.rect) > area(a.rect) ? d : a));
    const r = runPipeline(img, { detector, predictor }, { until: 'landmarks', faces: 'largest' });
    expect(r.detected).toBe(dets.length);
    expect(r.faces.map((f) => f.rect)).toEqual([best.rect]);
    const none = runPipeline({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }, { detector }, { faces: 'largest', until: 'detect' });
    expect(none).toMatchObject({ faces: [], detected: 0 });
  });

  it('refuses descriptors of other chips, and a stage without its model', () => {
    expect(() => runPipeline(img, { detector, predictor, recognizer }, { chip: { size: 40 } })).toThrow(/descriptors need the face ResNet's chips/);
    expect(() => runPipeline(img, { detector }, { until: 'landmarks' })).toThrow(/needs a shape predictor/);
    expect(() => runPipeline(img, { detector, predictor }, { until: 'describe' })).toThrow(/needs a face recognizer/);
  });
});

describe('runPipeline in a browser', () => {
  /** The files a module loads at run time (type-only imports left out), itself included. */
  function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+)\s+from\s+'([^']+)'/gm)) {
      if (m[1] !== undefined) continue;
      const spec = m[2]!;
      seen.add(spec.startsWith('.') ? '' : spec);
      if (spec.startsWith('.')) runtimeImports(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    }
    seen.delete('');
    return seen;
  }

  it("pipeline.ts and what it loads import nothing from node: (the models are the caller's)", () => {
    const files = [...runtimeImports(resolve('src/pipeline/pipeline.ts'))].map((f) => (f.startsWith('/') ? relative('.', f) : f));
    expect(files.filter((f) => !f.startsWith('src/'))).toEqual([]);
    expect(files).toContain('src/image/chips.ts');
  });
});
