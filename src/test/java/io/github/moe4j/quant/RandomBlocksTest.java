package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BlockFormat#randomBlocks}: finite weights of the size real models have, written only where asked. */
class RandomBlocksTest {

    @Test
    void randomBlocksDequantizeToFiniteRealisticWeights() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        for (GgmlType t : BlockFormats.supported()) {
            BlockFormat f = BlockFormats.of(t);
            int nBlocks = f.blockSize() == 1 ? 8192 : 8192 / f.blockSize() * 4;
            int n = nBlocks * f.blockSize();
            MemorySegment seg = MemorySegment.ofArray(new byte[nBlocks * f.blockBytes() + 16]);
            seg.fill((byte) 0x5A);
            f.randomBlocks(rnd, seg, 7, nBlocks);
            for (int i = 0; i < 7; i++) {
                assertEquals(0x5A, Le.u8(seg, i), t + ": byte before the blocks was written");
                assertEquals(0x5A, Le.u8(seg, seg.byteSize() - 1 - i), t + ": byte after the blocks was written");
            }
            float[] w = new float[n];
            f.dequantize(seg, 7, w, 0, n);
            double sq = 0;
            double max = 0;
            int zeros = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(Float.isFinite(w[i]), t + " element " + i + " is " + w[i] + QuantTesting.seedNote(seed));
                sq += (double) w[i] * w[i];
                max = Math.max(max, Math.abs(w[i]));
                zeros += w[i] == 0 ? 1 : 0;
            }
            double rms = Math.sqrt(sq / n);
            System.out.printf("randomBlocks %-6s rms %.5f  max %.4f%n", t, rms, max);
            String where = t + ": rms " + rms + ", max " + max + QuantTesting.seedNote(seed);
            assertTrue(rms >= 1e-3 && rms <= 0.3, where);
            assertTrue(max >= 0.01 && max <= 2, where);
            assertTrue(zeros < n / 4, where + ", " + zeros + " zeros");
        }
    }

    @Test
    void randomBlocksDependOnTheGenerator() {
        for (GgmlType t : BlockFormats.supported()) {
            BlockFormat f = BlockFormats.of(t);
            MemorySegment a = MemorySegment.ofArray(new byte[4 * f.blockBytes()]);
            MemorySegment b = MemorySegment.ofArray(new byte[4 * f.blockBytes()]);
            MemorySegment c = MemorySegment.ofArray(new byte[4 * f.blockBytes()]);
            f.randomBlocks(new SplittableRandom(42), a, 0, 4);
            f.randomBlocks(new SplittableRandom(42), b, 0, 4);
            f.randomBlocks(new SplittableRandom(43), c, 0, 4);
            assertEquals(-1, a.mismatch(b), t + ": same seed, same blocks");
            assertTrue(a.mismatch(c) >= 0, t + ": another seed, other blocks");
            assertThrows(IndexOutOfBoundsException.class, () -> f.randomBlocks(new SplittableRandom(1), a, 1, 4));
        }
    }
}
