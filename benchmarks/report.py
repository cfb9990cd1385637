#!/usr/bin/env python3
"""Markdown tables from JMH JSON results of MatVecBenchmark / MatMulBenchmark (-rf json -rff FILE).

Times are the median of the measurement iterations (the machine is shared: a busy neighbour shows up as
a few slow iterations, which the median ignores); with several files, the median over all of them.

matvec: weight GB/s (matrix bytes / time) for the kernel and for the streaming-read baseline of the
same run, and their ratio. matmul: weight GB/s, tokens/s and GFLOP/s (2 * rows * cols * batch / time).
Usage: python3 report.py result.json [more.json ...]
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


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main(paths):
    results = [r for path in paths for r in json.load(open(path))]
    raw_matvec, raw_stream, raw_matmul = {}, {}, {}
    for r in results:
        name = r["benchmark"].rsplit(".", 2)
        cls, method = name[-2], name[-1]
        p = r["params"]
        samples = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        if cls == "MatVecBenchmark":
            key = (p["type"], p["shape"], p["threads"], p.get("residency", "dram"))
            op = p.get("op", method)
            (raw_matvec if op == "matvec" else raw_stream).setdefault(key, []).extend(samples)
        elif cls == "MatMulBenchmark":
            key = (p["type"], p["shape"], p["batch"], p["threads"])
            raw_matmul.setdefault(key, []).extend(samples)
    spread = lambda v: (sorted(v)[3 * len(v) // 4] - sorted(v)[len(v) // 4]) / 2
    matvec = {k: (median(v), spread(v)) for k, v in raw_matvec.items()}
    stream = {k: (median(v), spread(v)) for k, v in raw_stream.items()}
    matmul = [({"type": k[0], "shape": k[1], "batch": k[2], "threads": k[3]}, median(v), spread(v))
              for k, v in raw_matmul.items()]
    if matvec:
        print("| type | rows x cols | threads | residency | matvec us (median ± half IQR) | matvec GB/s | stream GB/s | ratio |")
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
        print("| type | rows x cols | batch | threads | us (median ± half IQR) | weight GB/s | tokens/s | GFLOP/s |")
        print("|---|---|---:|---|---:|---:|---:|---:|")
        for p, us, err in sorted(matmul, key=lambda e: (e[0]["type"], e[0]["shape"], int(e[0]["batch"]))):
            b, rows, cols = matrix_bytes(p["type"], p["shape"])
            n = int(p["batch"])
            print(f"| {p['type']} | {p['shape']} | {n} | {p['threads']} | {us:.1f} ± {err:.1f} | {b / us / 1e3:.2f} | "
                  f"{n / us * 1e6:.0f} | {2.0 * rows * cols * n / us / 1e3:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
