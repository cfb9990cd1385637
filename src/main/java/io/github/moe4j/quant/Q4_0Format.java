package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q4_0: blocks of 32 weights, {@code w = (q - 8) * d} with {@code q} an unsigned nibble. Dotted with
 * Q8_0 activations.
 *
 * <pre>
 * block_q4_0 (18 bytes)
 *   [0..2)   d       f16   scale
 *   [2..18)  qs[16]  u8    byte j: low nibble = element j, high nibble = element j + 16
 * </pre>
 */
public final class Q4_0Format implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_D = 0;
    public static final int OFF_QS = 2;
    public static final int BLOCK_BYTES = OFF_QS + QK / 2;

    static {
        Le.checkLayout(GgmlType.Q4_0, QK, BLOCK_BYTES);
    }

    public static final Q4_0Format INSTANCE = new Q4_0Format();

    private Q4_0Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q4_0, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, blk + OFF_QS + j);
                dst[o + j] = ((q & 0x0F) - 8) * d;
                dst[o + j + QK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** ggml_vec_dot_q4_0_q8_0: per block {@code sumf += sumi * dx * dy}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q4_0, src, offset, GgmlType.Q8_0, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * Q8_0Format.BLOCK_BYTES;
            int sumi = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, x + OFF_QS + j);
                sumi += ((q & 0x0F) - 8) * Le.i8(act, y + Q8_0Format.OFF_QS + j);
                sumi += ((q >>> 4) - 8) * Le.i8(act, y + Q8_0Format.OFF_QS + j + QK / 2);
            }
            sumf += sumi * Le.f16(src, x + OFF_D) * Le.f16(act, y + Q8_0Format.OFF_D);
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-3, 2e-2));
        }
    }
}
