package io.github.moe4j.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.random.RandomGenerator;

/** Helpers for {@link BlockFormat#randomBlocks}: random bytes and realistic scales. */
final class Rand {
    private Rand() {
    }

    /** A value spread evenly on a log scale between {@code lo} and {@code hi} (both positive). */
    static float logUniform(RandomGenerator rnd, double lo, double hi) {
        return (float) Math.exp(Math.log(lo) + rnd.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    /** Fills {@code n} bytes at {@code off} with random bits (every bit pattern is a valid quant). */
    static void bytes(RandomGenerator rnd, MemorySegment dst, long off, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(ValueLayout.JAVA_BYTE, off + i, (byte) rnd.nextInt());
        }
    }

    /** Checks the destination of {@code nBlocks} blocks of {@code bytes} each. */
    static void check(MemorySegment dst, long off, int nBlocks, int bytes) {
        if (nBlocks < 0) {
            throw new IllegalArgumentException("nBlocks " + nBlocks);
        }
        java.util.Objects.checkFromIndexSize(off, (long) nBlocks * bytes, dst.byteSize());
    }
}
