/**
 * Face descriptors end to end against live dlib: every face of every image in dlib's
 * examples/faces and examples/johns.
 *
 * Both sides start from dlib-decoded pixels (harness `decode` → PNG). dlib's side is the
 * harness `describe` (frontal_face_detector, shape_predictor, get_face_chip_details(150, 0.25),
 * extract_image_chip, `net(chips, 16)`); ours is `describeFaces` with the same models. Faces
 * must come in the same order with the same boxes, filters and landmarks, and every
 * descriptor component must be within TOLERANCES.descriptorWasm (wasm) or
 * TOLERANCES.descriptorReference (reference: identical) of dlib's:
 *  - backend 'wasm' (WebAssembly SIMD GEMM) on every face;
 *  - backend 'reference' (dlib's summation order) on every 6th face (it is ~20x slower; the
 *    subset keeps this suite to about a minute; FACEMETRIC_REFERENCE_EVERY=1 runs every face),
 *    as one describeBatch of our own chips.
 * The largest differences are printed.
 *
 * And the same network written by dlib itself (`write-net OUT --from <our model file>`: dlib
 * deserializes our model and serializes it again) is read by our reader and gives the same
 * descriptors as the original file, bit for bit, on every faces/ chip (same chips, same batches).
 */
import { basename, extname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { loadFaceRecognizer, type FaceRecognizer } from '../../src/dnn/recognizer.js';
import { describeFaces, type DescribedFace } from '../../src/pipeline/index.js';
import { loadFrontalFaceDetector } from '../../src/hog/detector.js';
import { readImageSync, type RgbImage } from '../../src/image/index.js';
import { extractImageChip, getFaceChipDetails, loadShapePredictor } from '../../src/landmarks/index.js';
import { assetPath, exampleImages } from '../../src/models/index.js';
import { runHarness, runHarnessJson, type HarnessImage } from '../../src/parity/harness.js';
import { maxAbsDiff } from '../helpers/float.js';
import { describeParity, diffReport, scratchDir } from './helpers.js';
import { TOLERANCES } from './tolerances.js';

interface Face {
  /** "<set>/<file> #k" */
  label: string;
  ours: DescribedFace;
  chip: RgbImage;
  dlib: number[];
}

describeParity('face descriptors end to end vs live dlib (examples/faces and examples/johns)', () => {
  const faces: Face[] = [];
  const mismatchedImages: string[] = [];
  let wasm: FaceRecognizer;
  let dir = '';
  let wasmMs = 0;

  beforeAll(() => {
    dir = scratchDir('describe-parity');
    const sources = [...exampleImages('faces').map((p) => ['faces', p]), ...exampleImages('johns').map((p) => ['johns', p])];
    const pngs = sources.map(([set, p], i) => {
      const png = join(dir, `${String(i).padStart(3, '0')}_${set}_${basename(p!, extname(p!))}.png`);
      runHarness(['decode', p!, png]);
      return png;
    });
    const predictorFile = assetPath('shape_predictor_68_face_landmarks');
    const netFile = assetPath('dlib_face_recognition_resnet_model_v1');
    const dlib = runHarnessJson<HarnessImage>(['describe', '--predictor', predictorFile, '--net', netFile, ...pngs], { timeoutMs: 1_200_000 });
    expect(dlib.map((r) => r.image)).toEqual(pngs);

    const detector = loadFrontalFaceDetector();
    const predictor = loadShapePredictor(predictorFile);
    wasm = loadFaceRecognizer(netFile, { backend: 'wasm' });
    pngs.forEach((png, i) => {
      const img = readImageSync(png);
      const r = describeFaces(img, { detector, predictor, recognizer: wasm });
      wasmMs += r.timings.describe;
      const want = dlib[i]!.faces;
      const same = r.faces.length === want.length &&
        r.faces.every((f, k) => JSON.stringify([f.rect, f.filter, f.landmarks]) === JSON.stringify([want[k]!.rect, want[k]!.filter, want[k]!.landmarks]));
      if (!same) {
        mismatchedImages.push(`${sources[i]![1]}: ours ${JSON.stringify(r.faces.map((f) => f.rect))}, dlib ${JSON.stringify(want.map((f) => f.rect))}`);
        return;
      }
      r.faces.forEach((f, k) => {
        faces.push({
          label: `${sources[i]![0]}/${basename(sources[i]![1]!)} #${k}`,
          ours: f,
          chip: extractImageChip(img, getFaceChipDetails(f.landmarks, 150, 0.25)),
          // The harness prints float32 with %.9g, which round-trips: fround gives dlib's float back.
          dlib: want[k]!.descriptor!.map((v) => Math.fround(v)),
        });
      });
    });
  });

  it('finds the same faces as dlib (boxes, filters, 68 landmarks), in the same order', () => {
    expect(mismatchedImages).toEqual([]);
    // dlib's examples: 36 faces in faces/ and one per johns/ image, at dlib's default threshold.
    expect(faces.length).toBeGreaterThanOrEqual(80);
  });

  it('backend wasm: every face\'s descriptor within TOLERANCES.descriptorWasm of dlib\'s', () => {
    expect(wasm.backend).toBe('wasm');
    let worst = { d: 0, label: '' };
    let identical = 0;
    const failures: string[] = [];
    for (const f of faces) {
      expect(f.dlib).toHaveLength(128);
      const d = maxAbsDiff(f.ours.descriptor, f.dlib);
      if (d === 0) identical++;
      if (d > worst.d) worst = { d, label: f.label };
      if (!(d <= TOLERANCES.descriptorWasm.abs)) failures.push(`${f.label}: ${diffReport(f.ours.descriptor, f.dlib)}`);
    }
    console.log(`describe parity, backend wasm: ${faces.length} faces, max |diff| ${worst.d} (${worst.label}), ${identical} identical; ` +
      `${(wasmMs / Math.max(1, faces.length)).toFixed(1)} ms/face in the network (wall clock, this machine's load included)`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  const every = Math.max(1, Math.trunc(Number(process.env.FACEMETRIC_REFERENCE_EVERY ?? 6)) || 6);
  it(`backend reference: every ${every === 1 ? '' : `${every}th `}face's descriptor identical to dlib's (TOLERANCES.descriptorReference)`, () => {
    const ref = loadFaceRecognizer(undefined, { backend: 'reference' });
    expect(ref.backend).toBe('reference');
    const subset = faces.filter((_, i) => i % every === 0);
    const t0 = performance.now();
    const got = ref.describeBatch(subset.map((f) => f.chip));
    const ms = (performance.now() - t0) / subset.length;
    let worst = { d: 0, label: '' };
    let identical = 0;
    const failures: string[] = [];
    subset.forEach((f, i) => {
      const d = maxAbsDiff(got[i]!, f.dlib);
      if (d === 0) identical++;
      if (d > worst.d) worst = { d, label: f.label };
      if (!(d <= TOLERANCES.descriptorReference.abs)) failures.push(`${f.label}: ${diffReport(got[i]!, f.dlib)}`);
    });
    // With dlib's reference BLAS (Debian's default) and our chips identical to dlib's, the
    // descriptors are identical; a chip one grey level off somewhere
    // (TOLERANCES.chipPixelsEndToEnd) would move its descriptor by ~1e-6.
    console.log(`describe parity, backend reference: ${subset.length} faces, max |diff| ${worst.d}${worst.label ? ` (${worst.label})` : ''}, ${identical} identical; ` +
      `${ms.toFixed(1)} ms/face (wall clock, this machine's load included)`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('the network as dlib itself writes it (write-net --from our model) gives the same descriptors', () => {
    const rewritten = join(dir, 'resnet-by-dlib.dat');
    runHarness(['write-net', rewritten, '--from', assetPath('dlib_face_recognition_resnet_model_v1')]);
    const again = loadFaceRecognizer(rewritten, { backend: 'wasm' });
    const mine = faces.filter((f) => f.label.startsWith('faces/'));
    expect(mine.length).toBeGreaterThan(0);
    // The same chips in the same batches through both files (the wasm GEMM's summation order
    // depends on the product's width, so a chip's last bits depend on its batch's size).
    const got = again.describeBatch(mine.map((f) => f.chip));
    const original = wasm.describeBatch(mine.map((f) => f.chip));
    let worst = 0;
    mine.forEach((f, i) => {
      expect(Array.from(got[i]!), f.label).toEqual(Array.from(original[i]!));
      const d = maxAbsDiff(got[i]!, f.dlib);
      worst = Math.max(worst, d);
      expect(d, f.label).toBeLessThanOrEqual(TOLERANCES.descriptorWasm.abs);
    });
    console.log(`describe parity, backend wasm, faces/ chips in one batch: ${mine.length} faces, max |diff| ${worst}`);
  });
});
