package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The K-quant {@link DotKernel}s against the scalar references of {@link BlockFormat}: {@code vecDot} (ggml's
 * vec_dot on the same Q8_K activation blocks) for kernels that read Q8_K, {@code dot} for kernels that read
 * f32. Random valid blocks ({@link BlockFormat#randomBlocks}) and random activations, lengths 256 to 5120,
 * weights at unaligned byte offsets in heap and native memory, activations starting at element 0 or later.
 *
 * <p>Tolerance. The kernels and the references form the same exact integer (or float) products per
 * sub-block and differ only in the order and grouping of the float operations that scale and add them, so
 * the difference is bounded by a few roundings of every term that is added. The terms are the scale part and
 * the constant part of each weight times its activation ({@code d sc q} and {@code -dmin m} in Q4_K; ggml and
 * the kernels compute the two separately, so they can be far larger than the final sum when they cancel).
 * With {@code w0} the weight of the same block with every quant field zeroed (its constant part, or for
 * formats without mins the weight of quant 0), every such term is at most {@code (|w| + 2 |w0|) |x|}, and
 * {@code M = sum (|w_i| + 2 |w0_i|) |x_i|}. A float sum of terms accumulated along a chain of length c has
 * an error of at most {@code c 2^-24} times the sum of their magnitudes, and every chain here (per-lane
 * accumulation over the blocks, plus the final reductions, plus the rounding of the scale products) is
 * shorter than {@code 4 nb + 64}: tolerance {@code (4 nb + 64) 2^-24 M}. A wrong sub-block scale, nibble or
 * sign gives errors of the order of M itself.
 */
class KQuantDotTest {

    /** Kernel, its format, and the byte ranges of a block that hold quants (zeroed to get w0). */
    record Case(DotKernel kernel, int[] quantRanges) {
        BlockFormat format() {
            return BlockFormats.of(kernel.type());
        }
    }

    static final List<Case> CASES = List.of(
            new Case(Q4_KDot.INSTANCE, new int[]{16, 144}),
            new Case(Q5_KDot.INSTANCE, new int[]{16, 176}),
            new Case(Q3_KDot.INSTANCE, new int[]{0, 96}),
            new Case(Q2_KDot.INSTANCE, new int[]{16, 80}),
            new Case(IQ4_XSDot.INSTANCE, new int[]{8, 136}),
            new Case(Q6_KDot.INSTANCE, new int[]{0, 192}));

    private static final int[] LENGTHS = {256, 512, 2048, 5120};

    @Test
    void kernelsMatchTheScalarReferences() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (Case c : CASES) {
                for (int n : LENGTHS) {
                    for (int variant = 0; variant < 3; variant++) {
                        check(c, n, variant, rnd, seed, arena);
                    }
                }
            }
        }
    }

    /**
     * variant 0: native weights at an odd offset, activation from element 0; 1: heap weights, activation
     * from element 256 with a zero block inside; 2: native weights at offset 64 + 1..63, large activations.
     */
    static void check(Case c, int n, int variant, SplittableRandom rnd, long seed, Arena arena) {
        BlockFormat f = c.format();
        int nb = n / 256;
        int pad = variant == 2 ? 64 + 1 + rnd.nextInt(63) : 1 + 2 * rnd.nextInt(30);
        long bytes = pad + (long) nb * f.blockBytes();
        MemorySegment w = variant == 1 ? MemorySegment.ofArray(new byte[(int) bytes]) : arena.allocate(bytes, 64);
        f.randomBlocks(rnd, w, pad, nb);

        int xStart = variant == 1 ? 256 : 0;
        float[] xs = KernelTesting.activations(rnd, xStart + n, variant == 2 ? 50f : 1f);
        if (variant == 1 && n >= 512) {
            java.util.Arrays.fill(xs, xStart + 256, xStart + 512, 0f); // an all-zero Q8_K block (d = 0)
        }
        Activation x = new Activation(xStart + n, arena);
        DotKernel k = c.kernel();
        x.set(xs, 0, xStart + n, k.activationType() == GgmlType.F32 ? f.vecDotType() : k.activationType());

        float expected;
        float[] xRef = new float[n];
        if (k.activationType() == GgmlType.Q8_K) {
            long actOffset = (long) (xStart / 256) * ActivationQuant.Q8_K_BYTES;
            expected = f.vecDot(w, pad, x.quantized(), actOffset, n);
            ActivationQuant.dequantize(GgmlType.Q8_K, x.quantized(), actOffset, xRef, 0, n);
        } else {
            expected = f.dot(w, pad, xs, xStart, n);
            System.arraycopy(xs, xStart, xRef, 0, n);
        }
        float got = k.dot(w, pad, x, xStart, n);

        double magnitude = magnitude(c, w, pad, nb, xRef);
        double tolerance = (4.0 * nb + 64) * 0x1p-24 * magnitude;
        String where = k.getClass().getSimpleName() + " x " + n + " (variant " + variant + ", weights at byte "
                + pad + ", activation from element " + xStart + ")" + KernelTesting.seedNote(seed);
        assertTrue(magnitude > 0, where + ": all products zero, the test would be vacuous");
        assertTrue(Math.abs(got - expected) <= tolerance, where + ": kernel " + got + ", reference " + expected
                + ", difference " + Math.abs(got - expected) + " > tolerance " + tolerance + " (M = " + magnitude + ")");
    }

    /** M = sum (|w_i| + 2 |w0_i|) |x_i| (see the class comment). */
    private static double magnitude(Case c, MemorySegment w, long pad, int nb, float[] x) {
        BlockFormat f = c.format();
        int n = nb * 256;
        float[] wd = new float[n];
        f.dequantize(w, pad, wd, 0, n);
        byte[] zeroed = w.asSlice(pad, (long) nb * f.blockBytes()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        for (int b = 0; b < nb; b++) {
            for (int r = 0; r < c.quantRanges().length; r += 2) {
                java.util.Arrays.fill(zeroed, b * f.blockBytes() + c.quantRanges()[r],
                        b * f.blockBytes() + c.quantRanges()[r + 1], (byte) 0);
            }
        }
        float[] w0 = new float[n];
        f.dequantize(MemorySegment.ofArray(zeroed), 0, w0, 0, n);
        double m = 0;
        for (int i = 0; i < n; i++) {
            m += (Math.abs((double) wd[i]) + 2 * Math.abs((double) w0[i])) * Math.abs((double) x[i]);
        }
        return m;
    }

    /** The alternatives that docs/KQUANT_NOTES.md reports timings for compute the same dot product. */
    @Test
    void benchmarkedAlternativesMatchTheReferencesToo() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (Case shipped : CASES) {
                for (KQuantBench.Variant v : KQuantVariants.of(shipped.kernel().type())) {
                    check(new Case(v.kernel(), shipped.quantRanges()), 2048, rnd.nextInt(3), rnd, seed, arena);
                }
            }
        }
    }

    @Test
    void typesAndActivationForms() {
        for (Case c : CASES) {
            DotKernel k = c.kernel();
            assertEquals(c.format().type(), k.type());
            assertTrue(k.activationType() == GgmlType.F32 || k.activationType() == c.format().vecDotType(),
                    k + " reads " + k.activationType());
        }
    }

    @Test
    void invalidRequestsThrowWithAMessage() {
        try (Arena arena = Arena.ofConfined()) {
            for (Case c : CASES) {
                DotKernel k = c.kernel();
                BlockFormat f = c.format();
                MemorySegment w = arena.allocate(2L * f.blockBytes());
                f.randomBlocks(new SplittableRandom(1), w, 0, 2);
                Activation x = new Activation(512, arena);
                x.set(new float[512], 0, 512, f.vecDotType());
                String name = k.getClass().getSimpleName();
                assertThrows(IllegalArgumentException.class, () -> k.dot(w, 0, x, 0, 100), name + ": count 100");
                assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 1, x, 0, 512), name + ": past the segment");
                assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, -1, x, 0, 256), name + ": negative offset");
                assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 0, x, 256, 512), name + ": past the activation");
                if (k.activationType() == GgmlType.Q8_K) {
                    assertThrows(IllegalArgumentException.class, () -> k.dot(w, 0, x, 128, 256), name + ": mid-block activation");
                    Activation floats = new Activation(512, arena);
                    floats.set(new float[512], 0, 512, GgmlType.F32);
                    assertThrows(IllegalStateException.class, () -> k.dot(w, 0, floats, 0, 256), name + ": no Q8_K prepared");
                }
                assertEquals(0f, k.dot(w, 0, x, 0, 512), name + ": zero activations");
                assertEquals(0f, k.dot(w, 0, x, 0, 0), name + ": empty dot");
            }
        }
    }
}
