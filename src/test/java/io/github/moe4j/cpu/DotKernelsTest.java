package io.github.moe4j.cpu;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@link DotKernel} against the scalar reference of its format ({@code vecDot} on the activation
 * as prepared for the kernel, or {@code dot} for f32 activations) on fresh random weights and activations,
 * at awkward lengths and activation offsets, with weights at odd addresses. Tolerance:
 * {@link KernelTesting#tolerance}, i.e. float rounding only.
 */
class DotKernelsTest {

    /** Element counts per block size: single blocks, odd block counts, tails of the vector loops. */
    private static int[] counts(int blockSize) {
        return switch (blockSize) {
            case 1 -> new int[]{1, 7, 15, 16, 17, 63, 64, 65, 100, 129, 1000, 2048};
            case 32 -> new int[]{32, 64, 96, 224, 1056, 2048};
            default -> new int[]{256, 512, 2304};
        };
    }

    @Test
    void everyFormatHasAKernelAndTheFastOnesAreTheOnesExpected() {
        for (GgmlType t : BlockFormats.supported()) {
            DotKernel k = DotKernels.of(t);
            assertEquals(t, k.type());
            assertEquals(BlockFormats.of(t).vecDotType(), k.activationType(), t.name());
        }
        for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.MXFP4)) {
            assertTrue(DotKernels.isFast(t), t + " should have a fast kernel");
        }
        assertFalse(DotKernels.isFast(GgmlType.Q8_K), "Q8_K is an activation type only");
        assertThrows(UnsupportedModelException.class, () -> DotKernels.of(GgmlType.Q8_K));
    }

    @Test
    void kernelsMatchTheScalarReference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : BlockFormats.supported()) {
                BlockFormat f = BlockFormats.of(t);
                DotKernel k = DotKernels.of(t);
                int unit = Math.max(32, f.blockSize());
                for (int count : counts(f.blockSize())) {
                    int xElement = f.blockSize() == 1 ? 3 : unit;            // an offset into the activation
                    int length = xElement + count + (f.blockSize() == 1 ? 5 : unit);
                    if (f.blockSize() > 1 && length % unit != 0) {
                        throw new IllegalStateException("test lengths must be whole blocks");
                    }
                    MemorySegment w = KernelTesting.weights(f, rnd, count, arena);
                    float[] src = KernelTesting.activations(rnd, length);
                    Activation x = new Activation(length, arena);
                    for (GgmlType at : List.of(k.activationType(), GgmlType.F32)) {
                        if (!k.accepts(at) || (at == GgmlType.F32 && f.blockSize() == 1 && k.activationType() == at)) {
                            continue;
                        }
                        x.set(src, 0, length, at);
                        check(f, k, w, x, xElement, count, t + " x " + at + ", " + count + " at " + xElement
                                + KernelTesting.seedNote(seed));
                    }
                }
            }
        }
    }

    private static void check(BlockFormat f, DotKernel k, MemorySegment w, Activation x, int xElement, int count,
                              String where) {
        float ref = KernelTesting.reference(f, w, 0, x, xElement, count);
        float got = k.dot(w, 0, x, xElement, count);
        double tol = KernelTesting.tolerance(KernelTesting.absProducts(f, w, 0, x, xElement, count), count);
        assertTrue(Math.abs(got - ref) <= tol, where + ": kernel " + got + ", reference " + ref + ", tolerance " + tol);
    }

    @Test
    void multiRowDotsMatchTheReference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : BlockFormats.supported()) {
                BlockFormat f = BlockFormats.of(t);
                DotKernel k = DotKernels.of(t);
                int cols = f.blockSize() == 1 ? 37 : 3 * Math.max(32, f.blockSize());
                long rowBytes = t.byteSize(cols);
                float[] src = KernelTesting.activations(rnd, cols);
                Activation x = new Activation(cols, arena);
                x.set(src, 0, cols, k.activationType());
                for (int rows : new int[]{1, 3, 4, 5, 9}) {
                    MemorySegment w = KernelTesting.weights(f, rnd, (long) rows * cols, arena);
                    float[] y = new float[rows + 2];
                    k.dotRows(w, 0, rowBytes, rows, x, 0, cols, y, 1);
                    for (int r = 0; r < rows; r++) {
                        float ref = KernelTesting.reference(f, w, r * rowBytes, x, 0, cols);
                        double tol = KernelTesting.tolerance(KernelTesting.absProducts(f, w, r * rowBytes, x, 0, cols), cols);
                        assertTrue(Math.abs(y[1 + r] - ref) <= tol, t + " row " + r + " of " + rows + ": " + y[1 + r]
                                + " vs " + ref + KernelTesting.seedNote(seed));
                        // rows taken together (Q4_K, Q6_K pair them) give each row exactly its own dot
                        assertEquals(k.dot(w, r * rowBytes, x, 0, cols), y[1 + r], t + " row " + r + " of " + rows
                                + ": dotRows differs from dot" + KernelTesting.seedNote(seed));
                    }
                    assertEquals(0f, y[0]);
                    assertEquals(0f, y[rows + 1]);
                }
            }
        }
    }

    @Test
    void decodedRowsReproduceTheDotAndTheDequantizedWeights() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : BlockFormats.supported()) {
                BlockFormat f = BlockFormats.of(t);
                DotKernel k = DotKernels.of(t);
                if (!k.decodes()) {
                    continue;       // Q2_K, Q3_K, Q5_K (and IQ4_XS) have no decoder: matmul calls dot per token
                }
                int cols = f.blockSize() == 1 ? 77 : 4 * Math.max(32, f.blockSize());
                MemorySegment w = KernelTesting.weights(f, rnd, cols, arena);
                float[] dst = new float[cols + 1];
                float[] mins = new float[cols / 32 + 1];
                k.decode(w, 0, cols, dst, 1, mins, 1);
                float[] deq = new float[cols];
                f.dequantize(w, 0, deq, 0, cols);
                for (int i = 0; i < cols; i++) {
                    float v = k.hasMins() ? dst[1 + i] + mins[1 + i / 32] : dst[1 + i];
                    assertEquals(deq[i], v, t + " element " + i + KernelTesting.seedNote(seed));
                }
                // the decoded row dotted with the activation values (plus minimums x block sums) is the kernel's dot
                float[] src = KernelTesting.activations(rnd, cols);
                Activation x = new Activation(cols, arena);
                x.set(src, 0, cols, k.activationType());
                double sum = 0;
                for (int i = 0; i < cols; i++) {
                    sum += (double) dst[1 + i] * x.values()[i];
                }
                if (k.hasMins()) {
                    for (int b = 0; b < cols / 32; b++) {
                        sum += (double) mins[1 + b] * x.blockSums()[b];
                    }
                }
                float ref = KernelTesting.reference(f, w, 0, x, 0, cols);
                double tol = KernelTesting.tolerance(KernelTesting.absProducts(f, w, 0, x, 0, cols), cols);
                assertTrue(Math.abs(sum - ref) <= tol, t + ": decoded dot " + sum + " vs " + ref + KernelTesting.seedNote(seed));
            }
        }
    }

    /**
     * Q4_0 against Q8_0 activations at 512 bits runs an integer kernel on groups of 4 blocks from activation
     * elements that are multiples of 128 ({@link Q4_0Kernel#dotSplit}), the float one on the rest: whole
     * groups, groups plus a tail, unaligned starts, several rows, and rows with an infinite or NaN scale
     * (which the integer kernel hands to the float one; the result is not finite, like the reference's).
     */
    @Test
    void q4_0IntegerKernelMatchesTheReference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        BlockFormat f = BlockFormats.of(GgmlType.Q4_0);
        DotKernel k = DotKernels.of(GgmlType.Q4_0);
        try (Arena arena = Arena.ofConfined()) {
            for (int count : new int[]{128, 160, 224, 256, 384, 2048, 2080}) {
                for (int xElement : new int[]{0, 128, 32, 256}) {
                    int length = xElement + count + 96;
                    float[] src = KernelTesting.activations(rnd, length);
                    Activation x = new Activation(length, arena);
                    x.set(src, 0, length, GgmlType.Q8_0);
                    int rows = 3;
                    long rowBytes = GgmlType.Q4_0.byteSize(count) + 18;        // a block between rows
                    MemorySegment w = KernelTesting.weights(f, rnd, rows * rowBytes / 18 * 32, arena);
                    float[] y = new float[rows];
                    k.dotRows(w, 0, rowBytes, rows, x, xElement, count, y, 0);
                    for (int r = 0; r < rows; r++) {
                        long off = r * rowBytes;
                        String where = "Q4_0 x Q8_0, " + count + " at " + xElement + ", row " + r + KernelTesting.seedNote(seed);
                        float ref = KernelTesting.reference(f, w, off, x, xElement, count);
                        double tol = KernelTesting.tolerance(KernelTesting.absProducts(f, w, off, x, xElement, count), count);
                        assertTrue(Math.abs(y[r] - ref) <= tol, where + ": kernel " + y[r] + ", reference " + ref + ", tolerance " + tol);
                        assertEquals(k.dot(w, off, x, xElement, count), y[r], where + ": dot and dotRows differ");
                    }
                }
            }
            int count = 512;
            float[] src = KernelTesting.activations(rnd, count);
            Activation x = new Activation(count, arena);
            x.set(src, 0, count, GgmlType.Q8_0);
            for (short special : new short[]{0x7C00, (short) 0xFC00, 0x7E00}) {
                MemorySegment w = KernelTesting.weights(f, rnd, count, arena);
                w.set(Simd.I16, 18L * 6, special);
                float ref = KernelTesting.reference(f, w, 0, x, 0, count);
                float got = k.dot(w, 0, x, 0, count);
                // the float kernel's lanes may meet 0 * inf (NaN) where the reference sums to an infinity first
                assertTrue(!Float.isFinite(ref) && !Float.isFinite(got), "Q4_0 with the scale bits "
                        + Integer.toHexString(special & 0xFFFF) + " in block 6: kernel " + got + ", reference " + ref
                        + KernelTesting.seedNote(seed));
            }
        }
    }

    /** Blocks with scale zero, subnormal and negative scales (and MXFP4's smallest exponents). */
    @Test
    void zeroSubnormalAndNegativeScalesMatchTheReference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        short[] halves = {0, (short) 0x8000, 0x0001, 0x03FF, (short) 0x8401, (short) 0xBC00};
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : BlockFormats.supported()) {
                if (t.blockSize() != 32) {
                    continue;
                }
                BlockFormat f = BlockFormats.of(t);
                DotKernel k = DotKernels.of(t);
                int count = 32 * 8;
                MemorySegment w = KernelTesting.weights(f, rnd, count, arena);
                for (int b = 0; b < 6; b++) {
                    long blk = (long) b * t.typeSize();
                    if (t == GgmlType.MXFP4) {
                        w.set(java.lang.foreign.ValueLayout.JAVA_BYTE, blk, (byte) b);   // exponents 0..5
                    } else {
                        w.set(Simd.I16, blk, halves[b]);
                    }
                }
                Activation x = new Activation(count, arena);
                x.set(KernelTesting.activations(rnd, count), 0, count, k.activationType());
                check(f, k, w, x, 0, count, t + " with special scales" + KernelTesting.seedNote(seed));
                float[] dst = new float[count];
                float[] mins = new float[count / 32];
                float[] deq = new float[count];
                k.decode(w, 0, count, dst, 0, mins, 0);
                f.dequantize(w, 0, deq, 0, count);
                for (int i = 0; i < count; i++) {
                    assertEquals(deq[i], k.hasMins() ? dst[i] + mins[i / 32] : dst[i], t + " element " + i);
                }
            }
        }
    }

    @Test
    void wrongActivationsAndRangesAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Activation x = new Activation(64, arena);
            x.set(new float[64], 0, 64, GgmlType.Q8_1);
            MemorySegment w = arena.allocate(GgmlType.Q4_0.byteSize(64));
            DotKernel q40 = DotKernels.of(GgmlType.Q4_0);
            assertThrows(IllegalArgumentException.class, () -> q40.dot(w, 0, x, 0, 64), "Q8_1 for Q4_0");
            x.set(new float[64], 0, 64, GgmlType.Q8_0);
            assertThrows(IndexOutOfBoundsException.class, () -> q40.dot(w, 18, x, 0, 64), "past the weights");
            assertThrows(IndexOutOfBoundsException.class, () -> q40.dot(w, 0, x, 32, 64), "past the activation");
            assertThrows(IllegalArgumentException.class, () -> q40.dot(w, 0, x, 0, 48), "not whole blocks");
            DotKernel q4k = DotKernels.of(GgmlType.Q4_K);
            assertThrows(IllegalArgumentException.class, () -> q4k.dot(w, 0, x, 0, 64), "Q8_0 for Q4_K");
        }
    }
}
