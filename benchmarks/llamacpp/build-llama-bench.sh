#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench, tuned to this host (GGML_NATIVE), offline, from the llama.cpp
# source that node-llama-cpp ships as a git bundle (node_modules/node-llama-cpp/llama/gitRelease.bundle).
# Output: benchmarks/llamacpp/build/llama.cpp/build/bin/llama-bench (git-ignored). Needs git, cmake, a
# C++17 compiler; about 10-20 minutes on 2 cores. compare.sh uses it when LLAMA_BENCH points to it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  (cd "$here" && npm install --omit=optional --no-audit --no-fund >&2)
fi
bundle="$here/node_modules/node-llama-cpp/llama/gitRelease.bundle"
src="$here/build/llama.cpp"
if [ ! -d "$src" ]; then
  mkdir -p "$here/build"
  git clone -q "$bundle" "$src"
fi
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >&2
cmake --build "$src/build" --target llama-bench -j "$(nproc)" >&2
echo "$src/build/bin/llama-bench"
