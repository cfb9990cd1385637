package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * BF16: the upper 16 bits of an IEEE binary32, little-endian; the value is {@code bits << 16}. ggml's
 * vec_dot type for BF16 is BF16: activations are rounded to bfloat16 (nearest even) first.
 *
 * <pre>
 * element (2 bytes)
 *   [0..2)  bf16
 * </pre>
 */
public final class BF16Format implements BlockFormat {
    public static final int QK = 1;
    public static final int BLOCK_BYTES = 2;

    static {
        Le.checkLayout(GgmlType.BF16, QK, BLOCK_BYTES);
    }

    public static final BF16Format INSTANCE = new BF16Format();

    private BF16Format() {
    }

    /** The float a bfloat16 bit pattern stands for. */
    public static float toFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * {@code f} rounded to bfloat16, nearest even, NaN kept quiet: ggml's {@code ggml_compute_fp32_to_bf16}.
     */
    public static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        Le.checkRange(GgmlType.BF16, src, offset, dst.length, dstOffset, count);
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = toFloat(Le.u16(src, offset + 2L * i));
        }
    }

    /** ggml_vec_dot_bf16 (scalar path): float products summed in double. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        Le.checkVecDot(GgmlType.BF16, src, offset, GgmlType.BF16, act, actOffset, count);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += toFloat(Le.u16(src, offset + 2L * i)) * toFloat(Le.u16(act, actOffset + 2L * i));
        }
        return (float) sum;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int i = 0; i < nBlocks; i++) {
            Le.putI16(dst, offset + 2L * i, fromFloat((float) (rnd.nextGaussian() * 0.02)));
        }
    }
}
