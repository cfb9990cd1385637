"""Byte-level BPE (GPT-2 style) trained on the corpus, with moe4j's / llama.cpp's `gpt-2` pre-tokenizer.

The `gpt-2` pre-tokenizer (tokenizer.ggml.pre = "gpt-2") is GPT-2's split regex
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)
(with anything unmatched, e.g. a single trailing space, becoming its own piece).
Python's `re` has no \\p{L}, so the corpus is restricted to printable ASCII plus '\\n' (prepare_corpus
guarantees this) and the regex is written with the ASCII equivalents: \\p{L} = [A-Za-z],
\\p{N} = [0-9], \\s = [ \\t\\n\\r\\f\\v] (Java's / ECMAScript's ASCII \\s; Python's \\s would also
match \\x1c-\\x1f). On such text the two regexes split identically.
"""
import collections
import json
import re

WS = " \\t\\n\\r\\f\\v"
GPT2_ASCII = re.compile(
    "'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^" + WS + "A-Za-z0-9]+|[" + WS + "]+(?![^" + WS + "])|["
    + WS + "]+")
EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character mapping."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) \
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    pieces = []
    pos = 0
    for m in GPT2_ASCII.finditer(text):
        if m.start() > pos:
            pieces.append(text[pos:m.start()])
        pieces.append(m.group())
        pos = m.end()
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


def to_units(piece):
    return "".join(B2U[b] for b in piece.encode("utf-8"))


def train(text, vocab_size):
    """Returns (tokens, merges): tokens = 256 byte units, then one per merge, then EOT."""
    words = collections.Counter(to_units(p) for p in pretokenize(text))
    wlist = [list(w) for w in words]
    freqs = [words[w] for w in words]
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, w in enumerate(wlist):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    base = [B2U[b] for b in range(256)]
    merges = []
    n_merges = vocab_size - 256 - 1
    while len(merges) < n_merges and pairs:
        # most frequent; ties by the pair itself for determinism
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        (a, b), cnt = best
        if cnt < 2:
            break
        merges.append((a, b))
        ab = a + b
        for i in list(where[(a, b)]):
            w = wlist[i]
            f = freqs[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                if pairs[(x, y)] <= 0:
                    del pairs[(x, y)]
            nw = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(ab)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            wlist[i] = nw
            for x, y in zip(nw, nw[1:]):
                pairs[(x, y)] += f
                where[(x, y)].add(i)
        where.pop((a, b), None)
    tokens = base + [a + b for a, b in merges] + [EOT]
    return tokens, merges


class Encoder:
    def __init__(self, tokens, merges):
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.cache = {}

    def _bpe(self, units):
        w = list(units)
        while len(w) > 1:
            best, br = None, None
            for k in range(len(w) - 1):
                r = self.ranks.get((w[k], w[k + 1]))
                if r is not None and (br is None or r < br):
                    best, br = k, r
            if best is None:
                break
            a, b = w[best], w[best + 1]
            nw = []
            j = 0
            while j < len(w):  # merge every occurrence of this pair, left to right
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(a + b)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            w = nw
        return [self.ids[u] for u in w]

    def encode(self, text):
        out = []
        for p in pretokenize(text):
            ids = self.cache.get(p)
            if ids is None:
                ids = self._bpe(to_units(p))
                self.cache[p] = ids
            out.extend(ids)
        return out

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t == EOT:
                continue
            bs.extend(U2B[c] for c in t)
        return bs.decode("utf-8", errors="replace")


def save(path, tokens, merges):
    with open(path, "w") as f:
        json.dump({"tokens": tokens, "merges": [a + " " + b for a, b in merges]}, f)


def load(path):
    d = json.load(open(path))
    return d["tokens"], [tuple(m.split(" ")) for m in d["merges"]]
