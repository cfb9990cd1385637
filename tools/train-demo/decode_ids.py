"""Decodes token ids with a GGUF's own byte-level vocabulary:
  /usr/bin/python3 decode_ids.py MODEL.gguf 12,34,56      (or a `moe4j logits` JSON on stdin with '-')"""
import json
import sys

import bpe
import gguf_io as G


def main():
    kv, _, _, _ = G.read(sys.argv[1])
    tokens = kv["tokenizer.ggml.tokens"][1][1]
    arg = sys.argv[2]
    if arg == "-":
        ids = json.loads(sys.stdin.read())["generated_tokens"]
    else:
        ids = [int(x) for x in arg.split(",")]
    print(bpe.Encoder(tokens, []).decode(ids))


if __name__ == "__main__":
    main()
