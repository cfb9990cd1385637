package io.github.moe4j.quant;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Seeds, random inputs and float comparisons shared by the quant tests. */
final class QuantTesting {
    private QuantTesting() {
    }

    /** A seed that changes every run unless {@code -Dmoe4j.seed=N} fixes it. */
    static long seed() {
        String s = System.getProperty("moe4j.seed");
        return s != null && !s.isBlank() ? Long.parseLong(s.trim()) : System.nanoTime();
    }

    /** Appended to failure messages so that a failing run can be repeated. */
    static String seedNote(long seed) {
        return " [seed " + seed + "; rerun with -Dmoe4j.seed=" + seed + "]";
    }

    static SplittableRandom random(long seed) {
        return new SplittableRandom(seed);
    }

    /** Activation-like values: normal with a few outliers, as hidden states look. */
    static float[] activations(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = rnd.nextGaussian();
            if (rnd.nextInt(64) == 0) {
                v *= 8;
            }
            x[i] = (float) v;
        }
        return x;
    }

    /** {@code nBlocks} random blocks of {@code f} in a fresh heap segment (starting at byte {@code pad}, to test unaligned access). */
    static MemorySegment randomWeights(BlockFormat f, SplittableRandom rnd, int nBlocks, int pad) {
        MemorySegment seg = MemorySegment.ofArray(new byte[pad + nBlocks * f.blockBytes()]);
        f.randomBlocks(rnd, seg, pad, nBlocks);
        return seg;
    }

    static MemorySegment bytes(long n) {
        return Arena.ofAuto().allocate(n, 1);
    }

    /** Raw little-endian float32 values of a file. */
    static float[] readF32(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(v);
        return v;
    }

    /** Distance in units in the last place between two finite floats (0 for equal bit patterns or +-0). */
    static long ulps(float a, float b) {
        if (a == b) {
            return 0;
        }
        long ia = ordered(a);
        long ib = ordered(b);
        return Math.abs(ia - ib);
    }

    private static long ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? -(long) (bits & 0x7FFFFFFF) : bits;
    }

    /** ||a - b|| / ||b|| over {@code n} values, in double. */
    static double relRms(float[] a, float[] b, int n) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
