#!/usr/bin/env bash
# Builds the optional CUDA backend (npm run build:cuda; never at npm ci):
#   build/cuda/libfacemetric_cuda.so   native/cuda/ with nvcc: sm_90 code + compute_90 PTX, static CUDA runtime
#   build/cuda/facemetric_napi.node    native/napi/ with gcc against node-api-headers (or Node's own headers)
# With --host: build/cuda-host/libfacemetric_cuda.so instead of the nvcc build: the same source
# compiled by g++ with -DFMC_HOST, its kernels looped over on the CPU (for tests without a GPU;
# select it with FACEMETRIC_CUDA_LIB=build/cuda-host/libfacemetric_cuda.so). --shim: the shim only.
#
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda-13.0/bin/nvcc, /usr/local/cuda/bin/nvcc,
# or the nvidia/cu13 wheel's), CUDA_ARCH (default 90), CUDART (static, the default, or shared: tried
# when static linking fails), NAPI_INCLUDE (node_api.h's folder), CXX, CC.
# A plain command line, not CMake: CMake's CUDA detection is not needed (native/cuda/CMakeLists.txt
# builds the same library where CMake is preferred).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=cuda
for a in "$@"; do
  case "$a" in
    --host) mode=host ;;
    --shim) mode=shim ;;
    *) echo "build.sh: unknown option $a (--host, --shim)" >&2; exit 2 ;;
  esac
done

napi_include=""
for d in ${NAPI_INCLUDE:-} node_modules/node-api-headers/include /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then napi_include=$d; break; fi
done
if [ -z "$napi_include" ]; then
  echo "build.sh: node_api.h not found (npm ci installs node-api-headers)" >&2
  exit 1
fi

# Each output is written under a temporary name and renamed: a process loading the file (a
# test running beside another build) never sees half of it.
tmp=".tmp.$$"
mkdir -p build/cuda
"${CC:-gcc}" -O2 -std=c11 -Wall -Wextra -shared -fPIC -DNODE_GYP_MODULE_NAME=facemetric_napi -I"$napi_include" \
  -o "build/cuda/facemetric_napi.node$tmp" native/napi/facemetric_napi.c -ldl
mv -f "build/cuda/facemetric_napi.node$tmp" build/cuda/facemetric_napi.node
echo "built build/cuda/facemetric_napi.node (headers: $napi_include)"

case "$mode" in
  shim) ;;
  host)
    mkdir -p build/cuda-host
    "${CXX:-g++}" -O2 -std=c++17 -DFMC_HOST -x c++ -Wall -Wextra -shared -fPIC \
      -o "build/cuda-host/libfacemetric_cuda.so$tmp" native/cuda/facemetric_cuda.cu
    mv -f "build/cuda-host/libfacemetric_cuda.so$tmp" build/cuda-host/libfacemetric_cuda.so
    echo "built build/cuda-host/libfacemetric_cuda.so (host build)"
    ;;
  cuda)
    nvcc=${NVCC:-}
    if [ -z "$nvcc" ]; then
      wheel=$(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null || true)
      for c in "$(command -v nvcc || true)" /usr/local/cuda-13.0/bin/nvcc /usr/local/cuda/bin/nvcc ${wheel:+"$wheel/nvidia/cu13/bin/nvcc"}; do
        if [ -n "$c" ] && [ -x "$c" ]; then nvcc=$c; break; fi
      done
    fi
    if [ -z "$nvcc" ]; then
      echo "build.sh: nvcc not found (set NVCC); the CUDA backend needs the CUDA toolkit to build" >&2
      exit 1
    fi
    arch=${CUDA_ARCH:-90}
    cudart=${CUDART:-static}
    build() {
      "$nvcc" -O3 -std=c++17 -gencode "arch=compute_$arch,code=sm_$arch" -gencode "arch=compute_$arch,code=compute_$arch" \
        -Xcompiler -fPIC,-Wall -shared -cudart "$1" -o "build/cuda/libfacemetric_cuda.so$tmp" native/cuda/facemetric_cuda.cu
    }
    if ! build "$cudart"; then
      if [ -n "${CUDART:-}" ]; then exit 1; fi
      echo "build.sh: linking the static CUDA runtime failed; trying the shared one (libcudart.so.13 must then be on LD_LIBRARY_PATH)" >&2
      cudart=shared
      build shared
    fi
    mv -f "build/cuda/libfacemetric_cuda.so$tmp" build/cuda/libfacemetric_cuda.so
    echo "built build/cuda/libfacemetric_cuda.so ($("$nvcc" --version | tail -1), sm_$arch, $cudart CUDA runtime)"
    ;;
esac
