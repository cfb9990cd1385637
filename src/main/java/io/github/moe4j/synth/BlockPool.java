package io.github.moe4j.synth;

import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.quant.Quantizers;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A pool of encoded weight blocks of one type, quantized once from normal(0, {@link #SIGMA}) values by
 * {@link Quantizers}; tensors are then streamed as runs of {@link #RUN} consecutive pool units taken at
 * seeded random offsets. Writing a multi-gigabyte model so costs little more than the disk write, while
 * every block is a real quantization of realistic weights (finite scales, no NaN or infinity).
 *
 * <p>A unit is one block, or 32 values for the one-element "blocks" of F32/F16, so every tensor row
 * (a multiple of 32 values in the families synthesized) is whole units.
 */
final class BlockPool {
    /** the standard deviation of the weights */
    static final float SIGMA = 0.02f;
    /** pool units copied in one run */
    static final int RUN = 16;
    private static final int POOL_VALUES = 1 << 22;

    final GgmlType type;
    final int unitValues;
    final int unitBytes;
    private final byte[] pool;
    private final int units;

    BlockPool(GgmlType type, long seed) {
        this.type = type;
        this.unitValues = Math.max(type.blockSize(), 32);
        this.unitBytes = (int) type.byteSize(unitValues);
        this.units = POOL_VALUES / unitValues;
        SplittableRandom rnd = new SplittableRandom(seed ^ type.id() * 0x9E3779B97F4A7C15L);
        float[] x = new float[POOL_VALUES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * SIGMA);
        }
        this.pool = new byte[units * unitBytes];
        Quantizers.quantize(type, x, 0, POOL_VALUES, MemorySegment.ofArray(pool), 0);
    }

    /** The bytes of a tensor of {@code elements} values, streamed from the pool. */
    GgufWriter.TensorData data(long elements, long seed) {
        if (elements % unitValues != 0) {
            throw new IllegalArgumentException(elements + " values are not whole units of " + unitValues);
        }
        long n = elements / unitValues;
        return out -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            byte[] buf = new byte[(1 << 20) / unitBytes * unitBytes];
            int unitsPerBuf = buf.length / unitBytes;
            long left = n;
            while (left > 0) {
                int fill = (int) Math.min(left, unitsPerBuf);
                int pos = 0;
                while (pos < fill) {
                    int run = Math.min(RUN, fill - pos);
                    int from = rnd.nextInt(units - run + 1);
                    System.arraycopy(pool, from * unitBytes, buf, pos * unitBytes, run * unitBytes);
                    pos += run;
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, fill * unitBytes);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                left -= fill;
            }
        };
    }
}
