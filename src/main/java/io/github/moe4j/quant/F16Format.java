package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * F16: one IEEE binary16 per element, little-endian. ggml's vec_dot type for F16 is F16: activations
 * are rounded to binary16 (nearest even) before the dot product.
 *
 * <pre>
 * element (2 bytes)
 *   [0..2)  f16
 * </pre>
 */
public final class F16Format implements BlockFormat {
    public static final int QK = 1;
    public static final int BLOCK_BYTES = 2;

    static {
        Le.checkLayout(GgmlType.F16, QK, BLOCK_BYTES);
    }

    public static final F16Format INSTANCE = new F16Format();

    private F16Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.F16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        Le.checkRange(GgmlType.F16, src, offset, dst.length, dstOffset, count);
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Le.f16(src, offset + 2L * i);
        }
    }

    /** ggml_vec_dot_f16 (scalar path): float products (exact for two halves) summed in double. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        Le.checkVecDot(GgmlType.F16, src, offset, GgmlType.F16, act, actOffset, count);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += Le.f16(src, offset + 2L * i) * Le.f16(act, actOffset + 2L * i);
        }
        return (float) sum;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int i = 0; i < nBlocks; i++) {
            Le.putF16(dst, offset + 2L * i, (float) (rnd.nextGaussian() * 0.02));
        }
    }
}
