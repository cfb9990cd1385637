package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Seeds, random weights and activations, and the scalar reference dot shared by the kernel tests. */
final class KernelTesting {
    private KernelTesting() {
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

    /** Activation-like values: normal with a few outliers, as hidden states look. */
    static float[] activations(SplittableRandom rnd, int n) {
        return activations(rnd, n, 1f);
    }

    /** The same, times {@code scale}. */
    static float[] activations(SplittableRandom rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = rnd.nextGaussian() * scale;
            if (rnd.nextInt(64) == 0) {
                v *= 8;
            }
            x[i] = (float) v;
        }
        return x;
    }

    /** {@code bytes} of native memory starting at an odd address, filled with random blocks of {@code f}. */
    static MemorySegment weights(BlockFormat f, SplittableRandom rnd, long elements, Arena arena) {
        long bytes = f.type().byteSize(elements);
        MemorySegment seg = arena.allocate(bytes + 3, 64).asSlice(3, bytes);
        f.randomBlocks(rnd, seg, 0, Math.toIntExact(elements / f.blockSize()));
        return seg;
    }

    /**
     * The scalar reference for what a kernel computes on activation {@code x} as prepared: the format's
     * {@code vecDot} on the activation encoded as the prepared type (Q8 blocks, or F16 / BF16 / F32
     * values), or its f32 {@code dot} when the activation was prepared as F32 for a quantized format.
     */
    static float reference(BlockFormat f, MemorySegment w, long offset, Activation x, int xElement, int count) {
        GgmlType at = x.type();
        if (at == GgmlType.F32 && f.vecDotType() != GgmlType.F32) {
            return f.dot(w, offset, x.f32(), xElement, count);
        }
        MemorySegment act;
        long actOff;
        if (x.quantizedType() != null) {
            act = x.quantized();
            actOff = at.byteSize(xElement);
        } else {
            act = MemorySegment.ofArray(new byte[Math.toIntExact(at.byteSize(count))]);
            ActivationQuant.toFloats(at, x.f32(), xElement, act, 0, count);
            actOff = 0;
        }
        return f.vecDot(w, offset, act, actOff, count);
    }

    /** {@code sum |w_i| |x_i|} over the dequantized weights and the activation values the kernels read. */
    static double absProducts(BlockFormat f, MemorySegment w, long offset, Activation x, int xElement, int count) {
        float[] wd = new float[count];
        f.dequantize(w, offset, wd, 0, count);
        float[] xv = x.type() == GgmlType.Q8_K || x.type() == GgmlType.F32 ? x.f32() : x.values();
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += Math.abs((double) wd[i] * xv[xElement + i]);
        }
        return s;
    }

    /**
     * The tolerance of a fast kernel against the reference: float rounding of a sum of {@code count}
     * terms in vector lanes and per block, {@code (count / 16 + 64) * 2^-23 * sum |w x|}, about 10x the
     * error the two summation orders show; a single wrong element is off by about {@code sum |w x| / count}.
     */
    static double tolerance(double absProducts, int count) {
        return (count / 16.0 + 64) * 0x1p-23 * absProducts + 1e-30;
    }
}
