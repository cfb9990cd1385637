#!/usr/bin/env bash
# Matrix-vector kernels side by side: llama.cpp's own CPU kernels (its test-backend-ops in perf mode)
# against moe4j's (the JMH MatVecBenchmark), on the output matrix of the Qwen3-30B-A3B shape:
# 151,936 x 2,048 rows in Q6_K, Q4_K, Q8_0 and Q4_0, 1 and 2 threads.
#
#   benchmarks/llamacpp/kernels.sh            (after build-llama-bench.sh; LLAMA_SRC overrides the checkout)
#
# test-backend-ops has no case of this shape and always runs on half the hardware threads, so this script
# builds it from a copy of its source with one case added (303,872 rows: twice the matrix, so that it comes
# from memory rather than the last-level cache, as the JMH benchmark's rotating copies do) and the thread
# count read from TBO_THREADS. Nothing of llama.cpp enters this repository; the copy lives under build/.
# llama.cpp's figure includes quantizing the activation to Q8_K/Q8_0 (a few microseconds) and, unlike
# a llama.cpp model load, no repacking of Q4_0/Q4_K rows into its interleaved layouts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="${LLAMA_SRC:-$here/build/llama.cpp}"
[ -f "$src/tests/test-backend-ops.cpp" ] || { echo "no llama.cpp checkout at $src (run build-llama-bench.sh or set LLAMA_SRC)" >&2; exit 1; }
work="$here/build/tbo"
tbo="$work/src/build/bin/test-backend-ops"
if [ ! -x "$tbo" ] || [ -n "${KERNELS_REBUILD:-}" ]; then
mkdir -p "$work"
rm -rf "$work/src" && mkdir -p "$work/src"
(cd "$src" && tar --exclude=./build --exclude=./.git -cf - .) | (cd "$work/src" && tar -xf -)
python3 - "$work/src/tests/test-backend-ops.cpp" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
case = '''    for (ggml_type type_a : {GGML_TYPE_Q6_K, GGML_TYPE_Q4_K, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0}) {
        test_cases.emplace_back(new test_mul_mat(type_a, GGML_TYPE_F32, 303872, 1, 2048, {1, 1}, {1, 1}));
    }

'''
anchor = 'static std::vector<std::unique_ptr<test_case>> make_test_cases_perf() {\n    std::vector<std::unique_ptr<test_case>> test_cases;\n'
threads = 'std::max<int>(1, N_THREADS/2)'
if anchor not in s or threads not in s:
    sys.exit("test-backend-ops.cpp changed shape: update kernels.sh")
s = s.replace(anchor, anchor + case, 1)
s = s.replace(threads, '(getenv("TBO_THREADS") ? atoi(getenv("TBO_THREADS")) : ' + threads + ')', 1)
open(p, 'w').write(s)
EOF
cmake -S "$work/src" -B "$work/src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=ON -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >&2
cmake --build "$work/src/build" --target test-backend-ops -j "$(nproc)" >&2
fi

jar="$root/benchmarks/target/benchmarks.jar"
# the benchmarks jar bundles the library: rebuild both so that it measures this checkout
(cd "$root" && mvn -q -o install -DskipTests >&2 && cd benchmarks && mvn -q -o package >&2)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

echo "| threads | type | llama.cpp GB/s | moe4j GB/s | ratio |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  # llama.cpp: microseconds per run of the 303,872-row matrix
  declare -A us=()
  while read -r ty v; do us[$ty]=$v; done < <(TBO_THREADS=$t "$tbo" perf -o MUL_MAT -b CPU -p 'm=303872,n=1,k=2048' 2>&1 \
    | sed -nE 's/.*MUL_MAT\(type_a=([A-Za-z0-9_]+),.* ([0-9.]+) us\/run.*/\1 \2/p')
  # moe4j: microseconds per 151,936-row matvec, weights rotating through copies beyond the cache
  declare -A ms=()
  while read -r ty v; do ms[$ty]=$v; done < <("$java" -jar "$jar" MatVecBenchmark -p type=Q6_K,Q4_K,Q8_0,Q4_0 \
      -p shape=151936x2048 -p op=matvec -p threads=$t -f 1 -wi 3 -i 5 -tu us \
      -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:PerMethodTrapLimit=100000 -Xmx3g" 2>/dev/null \
    | awk '/^MatVecBenchmark\./ {for (i = 1; i <= NF; i++) if ($i ~ /^(Q6_K|Q4_K|Q8_0|Q4_0)$/) ty = $i; \
           for (i = NF; i > 0; i--) if ($i ~ /^[0-9.,]+$/) { sc = $(i - 2); break } ; gsub(",", "", sc); if (ty != "") print ty, sc }')
  for ty in Q6_K Q4_K Q8_0 Q4_0; do
    python3 - "$t" "$ty" "${us[${ty/Q/q}]:-}" "${ms[$ty]:-}" <<'EOF'
import sys
t, ty, llama_us, moe_us = sys.argv[1:5]
row_bytes = {"Q6_K": 8 * 210, "Q4_K": 8 * 144, "Q8_0": 64 * 34, "Q4_0": 64 * 18}[ty]
l = 303872 * row_bytes / (float(llama_us) * 1e3) if llama_us else float("nan")
m = 151936 * row_bytes / (float(moe_us) * 1e3) if moe_us else float("nan")
print(f"| {t} | {ty} | {l:.2f} | {m:.2f} | {m / l:.2f}x |")
EOF
  done
done
