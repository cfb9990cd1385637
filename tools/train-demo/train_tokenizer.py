"""Trains the byte-level BPE vocabulary on data/train.txt and writes data/tokenizer.json,
data/train.ids.npy, data/val.ids.npy (uint16 token ids)."""
import os
import sys
import time

import numpy as np

import bpe


def main(datadir, vocab_size):
    t0 = time.time()
    train = open(os.path.join(datadir, "train.txt")).read()
    val = open(os.path.join(datadir, "val.txt")).read()
    tokens, merges = bpe.train(train, vocab_size)
    bpe.save(os.path.join(datadir, "tokenizer.json"), tokens, merges)
    enc = bpe.Encoder(tokens, merges)
    for name, text in (("train", train), ("val", val)):
        ids = np.array(enc.encode(text), dtype=np.uint16)
        assert enc.decode(ids.tolist()) == text
        np.save(os.path.join(datadir, name + ".ids.npy"), ids)
        print(name, "chars", len(text), "tokens", len(ids), "chars/token %.2f" % (len(text) / len(ids)))
    print("vocab", len(tokens), "merges", len(merges), "%.1fs" % (time.time() - t0))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data", int(sys.argv[2]) if len(sys.argv) > 2 else 3072)
