package io.github.moe4j.synth;

/**
 * One tensor of a synthesized model: its GGUF name, shape (ggml order, {@code ne[0]} = row length)
 * and what kind of values it holds.
 */
record SynthTensor(String name, long[] ne, Kind kind) {

    enum Kind {
        /** a weight matrix (2-D or stacked 3-D experts): normal(0, 0.02), stored in the ftype's mix */
        MATRIX,
        /** the router ({@code ffn_gate_inp}): a matrix llama.cpp never quantizes; F32 normal(0, 0.02) */
        ROUTER,
        /** an RMSNorm gain: F32, uniform in [0.9, 1.1] */
        NORM,
        /** a bias or attention sink: F32 normal(0, 0.02) */
        BIAS
    }

    long elements() {
        long n = 1;
        for (long d : ne) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The block index from {@code blk.N.}, or -1. */
    int layer() {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        return Integer.parseInt(name.substring(4, name.indexOf('.', 4)));
    }
}
