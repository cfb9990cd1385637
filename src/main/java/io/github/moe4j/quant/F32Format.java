package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * F32: one IEEE binary32 per element, little-endian. ggml's vec_dot type for F32 is F32 (activations
 * are not rounded).
 *
 * <pre>
 * element (4 bytes)
 *   [0..4)  f32
 * </pre>
 */
public final class F32Format implements BlockFormat {
    public static final int QK = 1;
    public static final int BLOCK_BYTES = 4;

    static {
        Le.checkLayout(GgmlType.F32, QK, BLOCK_BYTES);
    }

    public static final F32Format INSTANCE = new F32Format();

    private F32Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        Le.checkRange(GgmlType.F32, src, offset, dst.length, dstOffset, count);
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Le.f32(src, offset + 4L * i);
        }
    }

    /** ggml_vec_dot_f32 (scalar build): float products summed in double, rounded to float once. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        Le.checkVecDot(GgmlType.F32, src, offset, GgmlType.F32, act, actOffset, count);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += Le.f32(src, offset + 4L * i) * Le.f32(act, actOffset + 4L * i);
        }
        return (float) sum;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int i = 0; i < nBlocks; i++) {
            Le.putF32(dst, offset + 4L * i, (float) (rnd.nextGaussian() * 0.02));
        }
    }
}
