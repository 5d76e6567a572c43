/**
 * The CUDA backend end to end without a GPU: JS -> the N-API shim -> the C ABI -> the forward pass
 * -> descriptors, with the host build of native/cuda/ (the same kernels, block/thread index
 * arithmetic and shared-memory tiling, looped over on the CPU; native/build.sh --host), against
 * the WebAssembly path's descriptors. Also the program's checks (a batch of the wrong shape, a
 * malformed program, out of memory) as one-line errors, and the CPU path working afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CUDA_LIB_ENV, cudaStatus, inspectCuda } from '../../src/cuda/index.js';
import { readDnnNet } from '../../src/dlib/index.js';
import { createCudaForward, cudaProgram } from '../../src/dnn/forward-cuda.js';
import { loadFaceRecognizer, planNetwork, type NetPlan } from '../../src/dnn/index.js';
import { CudaError, CudaOutOfMemoryError } from '../../src/errors.js';
import type { RgbImage } from '../../src/image/index.js';
import { assetPath, readModelFile } from '../../src/models/index.js';
import { datasetChips } from '../helpers/chips.js';
import { buildHostCuda, HOST_LIB, paths } from '../helpers/cuda-build.js';
import { TOLERANCES } from '../parity/tolerances.js';

let plan: NetPlan;
let chips: RgbImage[];

beforeAll(() => {
  buildHostCuda();
  process.env[CUDA_LIB_ENV] = HOST_LIB;
  const file = assetPath('dlib_face_recognition_resnet_model_v1');
  plan = planNetwork(readDnnNet(readModelFile(file, 'the face recognition network'), file));
  chips = datasetChips().slice(0, 3);
});

const maxDiff = (a: readonly Float32Array[], b: readonly Float32Array[]): number => {
  let m = 0;
  a.forEach((d, i) => d.forEach((v, k) => { m = Math.max(m, Math.abs(v - b[i]![k]!)); }));
  return m;
};

describe('the host build of the CUDA library', () => {
  it('loads through the shim, probes as the host build', () => {
    const s = cudaStatus();
    expect(s.ok).toBe(true);
    if (s.ok) expect([s.runtime.build, s.runtime.device]).toEqual(['host', 'host build (CPU emulation of the kernels)']);
  });

  it("recognizer backend 'cuda' (host build): the wasm backend's descriptors exactly, any batching (a GPU build: within TOLERANCES.descriptorCuda)", () => {
    const cuda = loadFaceRecognizer(undefined, { backend: 'cuda' });
    expect([cuda.backend, cuda.engine, cuda.note]).toEqual(['cuda', 'cuda', undefined]);
    const wasm = loadFaceRecognizer(undefined, { backend: 'wasm' });
    const want = wasm.describeBatch(chips);
    const batched = cuda.describeBatch(chips, { batchSize: 3 });
    const diff = maxDiff(batched, want);
    console.log(`cuda (host build) vs wasm: max |difference| ${diff.toExponential(2)} over ${chips.length} chips`);
    // The README says identical for the host build (each sum in the wasm kernels' order, no FMA).
    expect(diff).toBe(0);
    expect(diff).toBeLessThanOrEqual(TOLERANCES.descriptorCuda.abs);
    // one at a time (a second net of capacity 1 is not made: the engine holds 3) and two at a time
    expect(maxDiff([cuda.describe(chips[2]!)], [batched[2]!])).toBe(0);
    expect(maxDiff(cuda.describeBatch(chips, { batchSize: 2 }), batched)).toBe(0);
    expect(cuda.memory().deviceBytes).toBeGreaterThan(22e6);
    cuda.dispose();
    expect(cuda.memory().deviceBytes).toBe(0);
  });

  it('a chip of the wrong size, a batch over capacity, a malformed program: one-line errors', () => {
    const program = cudaProgram(plan);
    const fw = createCudaForward(program, 1);
    expect(() => fw.forward([{ width: 100, height: 150, data: new Uint8Array(100 * 150 * 3) }])).toThrow(/chip 0 is 100x150/);
    expect(() => fw.forward([chips[0]!, chips[1]!])).toThrow(CudaError);
    expect(() => fw.forward([chips[0]!, chips[1]!])).toThrow(/a batch of 2 chips; this net takes 1 to 1/);
    // opOutput (bench/cuda/run.ts's op-by-op check): the last op's output is the descriptor
    const last = program.program[1]! - 1;
    expect(Array.from(fw.opOutput([chips[0]!], last))).toEqual(Array.from(fw.forward([chips[0]!])[0]!));
    expect(() => fw.opOutput([chips[0]!], last + 1)).toThrow(`op ${last + 1}: the net has ops 0 to ${last}`);
    fw.release();
    const s = inspectCuda(paths(HOST_LIB));
    if (!s.ok) throw new Error(s.message);
    const bad = program.program.slice();
    bad[0] = 0;
    expect(() => s.runtime.createNet(bad, program.weights, 1)).toThrow(/not a facemetric_cuda program/);
    expect(() => s.runtime.createNet(program.program, program.weights.subarray(0, 1000), 1)).toThrow(/outside the blob/);
    const shifted = program.program.slice();
    shifted[8 + 24 + 1] = 1 << 30; // the first convolution's output outside the arena
    expect(() => s.runtime.createNet(shifted, program.weights, 1)).toThrow(/op 1: output outside the arena/);
  });

  it('out of memory (FMC_MEMORY_LIMIT): CudaOutOfMemoryError naming the need; the wasm backend still works', () => {
    const cuda = loadFaceRecognizer(undefined, { backend: 'cuda' });
    process.env.FMC_MEMORY_LIMIT = String(24e6);
    try {
      expect(() => cuda.describeBatch([chips[0]!, chips[1]!, chips[2]!])).toThrow(CudaOutOfMemoryError);
      expect(() => cuda.describeBatch([chips[0]!, chips[1]!, chips[2]!])).toThrow(/^CUDA backend: out of memory: the net needs [\d.]+ MiB for batches of 3, over FMC_MEMORY_LIMIT$/);
    } finally {
      delete process.env.FMC_MEMORY_LIMIT;
    }
    expect(cuda.describe(chips[0]!)).toHaveLength(128);
    expect(loadFaceRecognizer(undefined, { backend: 'wasm' }).describe(chips[0]!)).toHaveLength(128);
  });
});
