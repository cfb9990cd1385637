#!/usr/bin/env bash
# moe4j against llama.cpp on the same GGUF file, same threads, same prompt / generation lengths.
#
#   benchmarks/llamacpp/compare.sh MODEL.gguf [-p 128] [-n 64] [-t 2] [-r 3]
#
# llama.cpp runs through the npm package node-llama-cpp (its prebuilt linux-x64 CPU binaries), installed
# on first use into benchmarks/llamacpp/node_modules (git-ignored): a benchmark peer only, never a
# dependency of moe4j. moe4j runs as `bin/moe4j bench -m MODEL -p N -n N -t T --json` (last stdout line:
# {"model":..,"threads":T,"pp":{"n":N,"tok_s":X,"sd":Y},"tg":{"n":N,"tok_s":X,"sd":Y},"rss_mb":R}).
# Runs alternate (llama.cpp, moe4j, llama.cpp, ...), each a fresh process; the report gives medians,
# the moe4j / llama.cpp ratio and the decode roofline: active weight bytes per token (from the file's
# tensor types and expert_used_count) against a streaming-read bandwidth measured at the start of the
# same run with the same thread count (streamread.c, 1 GiB, best of 10).
# LLAMA_BENCH=path/to/llama-bench uses llama.cpp's own benchmark tool instead (build one tuned to this host,
# offline, with build-llama-bench.sh); its pp/tg are llama-bench's (tg from an empty cache, no sampling).
# Needs: node >= 18 and npm (first run only, registry access), gcc, a JDK 25 for moe4j.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() { echo "usage: $0 MODEL.gguf [-p PP] [-n TG] [-t THREADS] [-r REPS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
model="$1"; shift
pp=128; tg=64; threads=2; reps=3
while [ $# -gt 0 ]; do
  case "$1" in
    -p) pp="$2"; shift 2 ;;
    -n) tg="$2"; shift 2 ;;
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -f "$model" ] || { echo "compare.sh: no such model file: $model" >&2; exit 2; }

# ---- the llama.cpp peer ----
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  echo "compare.sh: installing node-llama-cpp into $here/node_modules ..." >&2
  # only the linux-x64 CPU binaries (about 85 MB), not the CUDA/Vulkan/ARM variants
  (cd "$here" && npm install --omit=optional --no-audit --no-fund >&2)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/moe4j-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# ---- bandwidth baseline and active bytes ----
gcc -O3 -march=native -pthread "$here/streamread.c" -o "$work/streamread"
bw="$("$work/streamread" "$threads" 1024 10)"
node "$here/bench.mjs" --model "$model" --active > "$work/active.json"
echo "compare.sh: load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---- alternating runs ----
moe4j="${MOE4J:-$root/bin/moe4j}"   # override to benchmark another build
moe4j_ok=1
for r in $(seq 1 "$reps"); do
  if [ -n "${LLAMA_BENCH:-}" ]; then
    echo "compare.sh: run $r/$reps: llama.cpp (llama-bench)" >&2
    "$LLAMA_BENCH" -m "$model" -p "$pp" -n "$tg" -t "$threads" -r 1 -o json 2> "$work/llama-bench.err" > "$work/lb.json"
    node -e '
      const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const pp = rows.find(r => r.n_prompt > 0 && r.n_gen === 0), tg = rows.find(r => r.n_gen > 0 && r.n_prompt === 0);
      console.log(JSON.stringify({engine: "llama.cpp", binding: "llama-bench", model: process.argv[2], threads: Number(process.argv[3]),
        pp: {n: pp?.n_prompt, tok_s: pp ? [pp.avg_ts] : []}, tg: {n: tg?.n_gen, tok_s: tg ? [tg.avg_ts] : []}}));
    ' "$work/lb.json" "$model" "$threads" >> "$work/runs.jsonl"
  else
    echo "compare.sh: run $r/$reps: llama.cpp (node-llama-cpp)" >&2
    node "$here/bench.mjs" --model "$model" --pp "$pp" --tg "$tg" --threads "$threads" --reps 1 | tail -n 1 >> "$work/runs.jsonl"
  fi
  if [ "$moe4j_ok" = 1 ]; then
    echo "compare.sh: run $r/$reps: moe4j" >&2
    if out="$("$moe4j" bench -m "$model" -p "$pp" -n "$tg" -t "$threads" --json 2> "$work/moe4j.err")" \
        && last="$(printf '%s\n' "$out" | tail -n 1)" && [ "${last#\{}" != "$last" ]; then
      # tag the line with the engine name (moe4j's bench object has none)
      printf '{"engine":"moe4j",%s\n' "${last#\{}" >> "$work/runs.jsonl"
    else
      moe4j_ok=0
      echo "compare.sh: 'moe4j bench' is not available or failed on this build; reporting llama.cpp only." >&2
      echo "            (bench comes with the public API work; its output was:)" >&2
      tail -n 3 "$work/moe4j.err" | sed 's/^/            /' >&2
    fi
  fi
done
echo "compare.sh: load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

node "$here/report.mjs" "$work/runs.jsonl" "$work/active.json" "$bw"
