#!/usr/bin/env python3
"""Markdown tables from a JMH JSON result of MatVecBenchmark / MatMulBenchmark (-rf json -rff FILE).

matvec: weight GB/s (matrix bytes / time) for the kernel and for the streaming-read baseline of the
same run, and their ratio. matmul: weight GB/s, tokens/s and GFLOP/s (2 * rows * cols * batch / time).
Usage: python3 report.py result.json
"""
import json
import sys

# ggml block geometry: (elements per block, bytes per block)
BLOCKS = {
    "F32": (1, 4), "F16": (1, 2), "BF16": (1, 2),
    "Q4_0": (32, 18), "Q4_1": (32, 20), "Q5_0": (32, 22), "Q5_1": (32, 24), "Q8_0": (32, 34),
    "IQ4_NL": (32, 18), "MXFP4": (32, 17),
    "Q2_K": (256, 84), "Q3_K": (256, 110), "Q4_K": (256, 144), "Q5_K": (256, 176), "Q6_K": (256, 210),
    "IQ4_XS": (256, 136),
}


def matrix_bytes(t, shape):
    rows, cols = (int(v) for v in shape.split("x"))
    bs, bb = BLOCKS[t]
    return rows * cols // bs * bb, rows, cols


def main(path):
    results = json.load(open(path))
    matvec, stream, matmul = {}, {}, []
    for r in results:
        name = r["benchmark"].rsplit(".", 2)
        cls, method = name[-2], name[-1]
        p = r["params"]
        us = r["primaryMetric"]["score"]
        err = r["primaryMetric"].get("scoreError", float("nan"))
        if cls == "MatVecBenchmark":
            key = (p["type"], p["shape"], p["threads"], p.get("residency", "dram"))
            (matvec if method == "matvec" else stream)[key] = (us, err)
        elif cls == "MatMulBenchmark":
            matmul.append((p, us, err))
    if matvec:
        print("| type | rows x cols | threads | residency | matvec us | matvec GB/s | stream GB/s | ratio |")
        print("|---|---|---|---|---:|---:|---:|---:|")
        for key in sorted(matvec, key=lambda k: (k[1], k[0])):
            t, shape, threads, res = key
            b, _, _ = matrix_bytes(t, shape)
            us, err = matvec[key]
            gbs = b / us / 1e3
            s = stream.get(key)
            sgbs = b / s[0] / 1e3 if s else float("nan")
            print(f"| {t} | {shape} | {threads} | {res} | {us:.1f} ± {err:.1f} | {gbs:.2f} | {sgbs:.2f} | "
                  f"{gbs / sgbs:.0%} |")
        print()
    if matmul:
        print("| type | rows x cols | batch | threads | us | weight GB/s | tokens/s | GFLOP/s |")
        print("|---|---|---:|---|---:|---:|---:|---:|")
        for p, us, err in sorted(matmul, key=lambda e: (e[0]["type"], e[0]["shape"], int(e[0]["batch"]))):
            b, rows, cols = matrix_bytes(p["type"], p["shape"])
            n = int(p["batch"])
            print(f"| {p['type']} | {p['shape']} | {n} | {p['threads']} | {us:.1f} ± {err:.1f} | {b / us / 1e3:.2f} | "
                  f"{n / us * 1e6:.0f} | {2.0 * rows * cols * n / us / 1e3:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1])
