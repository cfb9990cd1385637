#!/usr/bin/env bash
# The one prepared check for the GPU machine (an H200; no Java, no network). Needs the bundle that
# scripts/device-pack.sh builds (a jlinked JDK 25, the built classes and jars). Runs, with timeouts:
#   1. nvidia-smi                                   -> $OUT/nvidia-smi.txt
#   2. the cuda-tagged tests (CudaDeviceCheck)      -> $OUT/cuda-tests.txt
#   3. the benchmark (CudaBench): qwen3-30b-a3b, 8 layers, Q4_K_M, batch 1: prefill and decode tok/s,
#      a device-to-device copy bandwidth, and the achieved fraction of it -> $OUT/bench.txt (JSON last line)
# Exit status: 0 when the tests passed and the benchmark ran; 1 otherwise.
#
# Usage: scripts/device-check.sh [BUNDLE]     (default target/device-bundle.tgz)
# Environment: OUT (default ./device-out), TEST_TIMEOUT (s, default 300), BENCH_TIMEOUT (s, default 240),
#              MOE4J_FIXTURES (fixture models; the fixture tests skip without them), BENCH_ARGS.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUNDLE="${1:-target/device-bundle.tgz}"
OUT="${OUT:-$PWD/device-out}"
mkdir -p "$OUT"
W="$(mktemp -d /tmp/moe4j-device.XXXXXX)"
tar -xzf "$BUNDLE" -C "$W"
D="$W/device"
JAVA="$D/jre/bin/java"
FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g
       -Dorg.lwjgl.system.SharedLibraryExtractPath="$W/lwjgl" -Djava.io.tmpdir="$W/tmp")
mkdir -p "$W/lwjgl" "$W/tmp"
CP="$D/test-classes:$D/classes:$D/lib/*"
export MOE4J_PROJECT_ROOT="$PWD"

{ nvidia-smi || echo "nvidia-smi failed"; } >"$OUT/nvidia-smi.txt" 2>&1
head -n 12 "$OUT/nvidia-smi.txt"

echo "== cuda tests"
timeout "${TEST_TIMEOUT:-300}" "$JAVA" "${FLAGS[@]}" -cp "$CP" io.github.moe4j.cuda.CudaDeviceCheck \
    >"$OUT/cuda-tests.txt" 2>&1
rc_tests=$?
tail -n 60 "$OUT/cuda-tests.txt"

echo "== benchmark"
# shellcheck disable=SC2086
timeout "${BENCH_TIMEOUT:-240}" "$JAVA" "${FLAGS[@]}" -cp "$CP" io.github.moe4j.cuda.CudaBench "$W/bench" \
    ${BENCH_ARGS:-qwen3-30b-a3b 8 Q4_K_M} >"$OUT/bench.txt" 2>&1
rc_bench=$?
tail -n 20 "$OUT/bench.txt"

rm -rf "$W"
echo "tests: exit $rc_tests; benchmark: exit $rc_bench"
[ "$rc_tests" -eq 0 ] && [ "$rc_bench" -eq 0 ]
