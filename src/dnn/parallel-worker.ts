/**
 * A worker of createParallelForward's pool (parallel.ts): parses the shared model bytes, plans
 * the network, creates its own createWasmForward, reports 'ready' (or 'init-error'), then runs
 * each chunk it is sent and answers with the chunk's outputs in one transferred Float32Array.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readDnnNet } from '../dlib/dnn.js';
import type { RgbImage } from '../image/pixels.js';
import { createWasmForward, type WasmForward } from './forward-wasm.js';
import { planNetwork } from './net.js';
import { threadTimes, type ParallelReply, type ParallelRequest, type ParallelWorkerData } from './parallel.js';

const data = workerData as ParallelWorkerData | undefined;
const port = parentPort;

function describe(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

if (port !== null && data?.facemetricParallelWorker === true) {
  const post = (msg: ParallelReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
  let fw: WasmForward | undefined;
  const c0 = threadTimes().cpuMs;
  try {
    const plan = planNetwork(readDnnNet(new Uint8Array(data.modelBytes), data.file));
    fw = createWasmForward(plan, { maxBatch: data.maxBatch, flavour: data.flavour });
    // c0 misses the module loading before this line; the thread's whole CPU time is the setup
    post({ type: 'ready', flavour: fw.flavour, setupCpuMs: Number.isNaN(c0) ? NaN : threadTimes().cpuMs });
  } catch (e) {
    post({ type: 'init-error', ...describe(e) });
  }
  const forward = fw;
  if (forward !== undefined) {
    port.on('message', (req: ParallelRequest) => {
      try {
        const bytes = new Uint8Array(req.pixels);
        const chips: RgbImage[] = req.widths.map((width, i) => ({
          width, height: req.heights[i], data: bytes.subarray(req.offsets[i], req.offsets[i + 1]),
        }));
        const t = threadTimes();
        const out = forward.forward(chips);
        const u = threadTimes();
        const size = out.length > 0 ? out[0].length : 0;
        const outputs = new Float32Array(out.length * size);
        out.forEach((d, i) => outputs.set(d, i * size));
        post({ type: 'result', id: req.id, outputs, size, cpuMs: u.cpuMs - t.cpuMs, waitMs: u.waitMs - t.waitMs }, [outputs.buffer]);
      } catch (e) {
        post({ type: 'error', id: req.id, ...describe(e) });
      }
    });
  }
}
