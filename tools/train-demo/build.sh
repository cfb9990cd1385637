#!/usr/bin/env bash
# Rebuilds models/moe4j-demo-kjv.gguf from scratch (Debian bookworm; about 40 minutes on one contended core).
#   sudo apt-get install -y python3-torch python3-numpy libopenblas0-serial bible-kjv bible-kjv-text
#   tools/train-demo/build.sh [--steps N]      (default: size the run to a 37-minute budget)
# libopenblas0-serial matters: without it Debian's torch uses the reference BLAS, about 6x slower.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1
$py prepare_corpus.py data
$py train_tokenizer.py data 3072
nice -n 10 $py train.py --data data --out out --budget-min 31 "$@"
$py export_gguf.py --data data --ckpt out/ckpt.pt --out ../../models/moe4j-demo-kjv.gguf
cp out/train_result.json ../../models/moe4j-demo-kjv.train.json
