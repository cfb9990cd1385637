"""Extracts the King James Bible (Debian packages bible-kjv + bible-kjv-text; public domain text)
as plain ASCII and splits it by chapter: every 10th chapter (index % 10 == 9) is held out for
validation, the rest is training text.

Output format, one chapter per block:  "Genesis 1\\nIn the beginning God created ...\\nAnd the earth ...\\n\\n"
(verse numbers removed, one verse per line, a blank line between chapters)."""
import os
import re
import subprocess
import sys


def chapters():
    raw = subprocess.run(["bible", "-l0", "Gen1:1-Rev22:21"], check=True, capture_output=True).stdout
    text = raw.decode("ascii")
    cur, verses, out = None, [], []
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = re.match(r"^\s+\d+ (.*)$", line)
        if m:
            verses.append(m.group(1).strip())
        else:
            if cur is not None:
                out.append((cur, verses))
            cur, verses = line.strip(), []
    out.append((cur, verses))
    return out


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    chs = chapters()
    train, val = [], []
    for i, (title, verses) in enumerate(chs):
        block = title + "\n" + "\n".join(verses) + "\n\n"
        assert all(32 <= ord(c) < 127 or c == "\n" for c in block), title
        (val if i % 10 == 9 else train).append(block)
    open(os.path.join(outdir, "train.txt"), "w").write("".join(train))
    open(os.path.join(outdir, "val.txt"), "w").write("".join(val))
    print("chapters", len(chs), "train", len(train), "val", len(val))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data")
