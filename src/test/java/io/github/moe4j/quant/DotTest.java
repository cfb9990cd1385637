package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BlockFormat#dot}: equals the float sum of dequantize() * x in element order (bit for bit: that
 * is its definition), and lies within the float32 summation bound {@code (n + 2) 2^-24 sum |w x|} of
 * the exact dot product computed in double.
 */
class DotTest {

    @Test
    void dotIsTheElementOrderSumOfDequantizedWeightsTimesX() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        for (GgmlType t : BlockFormats.supported()) {
            BlockFormat f = BlockFormats.of(t);
            int[] blockCounts = f.blockSize() == 1 ? new int[]{1, 7, 1000} : new int[]{1, 3, 17};
            for (int nBlocks : blockCounts) {
                int pad = rnd.nextInt(5);
                int xPad = rnd.nextInt(3);
                int n = nBlocks * f.blockSize();
                MemorySegment w = QuantTesting.randomWeights(f, rnd, nBlocks, pad);
                float[] x = QuantTesting.activations(rnd, xPad + n);
                float[] wd = new float[n];
                f.dequantize(w, pad, wd, 0, n);

                float inOrder = 0f;
                double exact = 0;
                double abs = 0;
                for (int i = 0; i < n; i++) {
                    inOrder += wd[i] * x[xPad + i];
                    exact += (double) wd[i] * x[xPad + i];
                    abs += Math.abs((double) wd[i] * x[xPad + i]);
                }
                float got = f.dot(w, pad, x, xPad, n);
                String where = t + " x " + n + " elements" + QuantTesting.seedNote(seed);
                assertEquals(Float.floatToIntBits(inOrder), Float.floatToIntBits(got), where);
                double bound = (n + 2) * 0x1p-24 * abs;
                assertTrue(Math.abs(got - exact) <= bound,
                        where + ": dot " + got + ", exact " + exact + ", bound " + bound);
                assertTrue(abs > 0, where + ": all-zero products make the test vacuous");
            }
        }
    }

    @Test
    void dotOfAZeroBlockIsZeroAndRowsAreIndependent() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        for (GgmlType t : BlockFormats.supported()) {
            BlockFormat f = BlockFormats.of(t);
            int bs = f.blockSize() == 1 ? 64 : f.blockSize();
            int nBlocks = bs / f.blockSize();
            // two rows back to back: the dot of row 1 must not depend on row 0
            MemorySegment w = QuantTesting.randomWeights(f, rnd, 2 * nBlocks, 0);
            float[] x = QuantTesting.activations(rnd, bs);
            float row1 = f.dot(w, (long) nBlocks * f.blockBytes(), x, 0, bs);
            f.randomBlocks(rnd, w, 0, nBlocks);
            assertEquals(row1, f.dot(w, (long) nBlocks * f.blockBytes(), x, 0, bs), t + QuantTesting.seedNote(seed));
            assertEquals(0f, f.dot(w, 0, new float[bs], 0, bs), t + " with x = 0");
        }
    }
}
