#!/usr/bin/env bash
# The CUDA backend's GPU run, in one device call (H200; no node, no network there):
#   run(command="bash bench/cuda/run.sh", carry=["dist", "build/cuda-carry"], timeout_s=540)
# after `bash bench/cuda/prepare.sh` here. Steps (each timed; a failure is logged and the next
# step still runs where it can):
#   1. the machine (nvidia-smi), Node unpacked from build/cuda-carry/node.xz;
#   2. the build: native/build.sh (the shim with the carried N-API headers, the library with nvcc);
#   3. facemetric on the GPU (dist/bench/cuda/run.js): the probe, parity with the WebAssembly path's
#      descriptors on the 91 example faces (target 1e-4), throughput at batches of 1, 16, 256, 1024,
#      and every op's output against the host build's (native/build.sh --host), naming the first op
#      that differs;
#   4. the PyTorch peer (bench/cuda/torch_peer.py): the same program and weights in PyTorch/cuDNN,
#      its parity (fp32 and TF32) and throughput;
#   5. the recognizer end to end (loadFaceRecognizer(..., { backend: 'cuda' })) on the 91 chips;
#   6. CMake (native/cuda/CMakeLists.txt) configures and builds the same library (informative).
# Writes $OUT/run.log, $OUT/cuda.json, $OUT/torch.json, $OUT/summary.txt (OUT: the device call's
# output folder; /tmp/fmc-cuda-out elsewhere).
set -uo pipefail
cd "$(dirname "$0")/../.."
carry=build/cuda-carry
out=${OUT:-/tmp/fmc-cuda-out}
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1
status=()
step() { # step NAME COMMAND...: runs, times and records one step
  local name=$1 t0 rc
  shift
  echo "== $name"
  t0=$(date +%s.%N)
  "$@"
  rc=$?
  status+=("$(awk -v n="$name" -v rc="$rc" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%-28s rc %-3s %6.1f s", n, rc, t1 - t0 }')")
  return $rc
}

step machine bash -c 'date -u; uname -r; nproc; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true'

unpack_node() {
  mkdir -p /tmp/fmc-node
  if command -v xz >/dev/null; then
    xz -dc "$carry/node.xz" > /tmp/fmc-node/node
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$carry/node.xz" /tmp/fmc-node/node
  fi
  chmod +x /tmp/fmc-node/node && /tmp/fmc-node/node --version
}
step node unpack_node
export PATH=/tmp/fmc-node:$PATH
[ -e node_modules ] || ln -s "$carry/node_modules" node_modules

# the CUDA runtime of the PyTorch wheels, for a shared-runtime fallback build
wheel=$(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null || true)
if [ -n "$wheel" ] && [ -d "$wheel/nvidia/cu13/lib" ]; then export LD_LIBRARY_PATH="$wheel/nvidia/cu13/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
step build env NAPI_INCLUDE="$carry/napi-include" bash native/build.sh
step build-host env NAPI_INCLUDE="$carry/napi-include" bash native/build.sh --host  # for run.js's op-by-op check

work=/tmp/fmc-cuda-work # the program and weights (22 MB) stay out of $OUT
mkdir -p "$work"
step facemetric node dist/bench/cuda/run.js "$carry" "$work"
cp "$work/cuda.json" "$out/" 2>/dev/null
step pytorch python3 bench/cuda/torch_peer.py "$work/program.i32" "$work/weights.f32" "$carry" "$out"

recognizer() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    const { loadFaceRecognizer } = await import(process.cwd() + "/dist/src/dnn/recognizer.js");
    const carry = process.argv[1];
    const u8 = new Uint8Array(readFileSync(carry + "/chips.u8"));
    const ref = new Float32Array(readFileSync(carry + "/ref.f32").buffer.slice(0));
    const n = u8.length / 67500;
    const chips = Array.from({ length: n }, (_, i) => ({ width: 150, height: 150, data: u8.subarray(i * 67500, (i + 1) * 67500) }));
    const r = loadFaceRecognizer(carry + "/model.dat", { backend: "cuda" });
    console.log("recognizer:", r.backend, r.engine, r.note ?? "");
    let max = 0;
    r.describeBatch(chips, { batchSize: 32 }).forEach((d, i) => d.forEach((v, k) => { max = Math.max(max, Math.abs(v - ref[i * 128 + k])); }));
    console.log("recognizer backend cuda, batches of 32:", n, "faces, max |difference| from wasm", max);
    process.exit(r.backend === "cuda" && max <= 1e-4 ? 0 : 1);
  ' "$carry"
}
step recognizer recognizer

cmake_build() {
  command -v cmake >/dev/null || { echo "no cmake"; return 1; }
  rm -rf /tmp/fmc-cmake
  local nvcc
  nvcc=$(command -v nvcc || ls /usr/local/cuda*/bin/nvcc 2>/dev/null | head -1 || true)
  if [ -z "$nvcc" ] && [ -n "$wheel" ]; then nvcc=$wheel/nvidia/cu13/bin/nvcc; fi
  CUDACXX=${CUDACXX:-$nvcc} cmake -S native/cuda -B /tmp/fmc-cmake -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build /tmp/fmc-cmake && ls -la /tmp/fmc-cmake/*.so
}
step cmake cmake_build

{
  echo "facemetric CUDA run, $(date -u)"
  printf '%s\n' "${status[@]}"
} | tee "$out/summary.txt"
