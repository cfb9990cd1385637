package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q4_1: blocks of 32 weights, {@code w = q * d + m} with {@code q} an unsigned nibble and {@code m}
 * the block's minimum. Dotted with Q8_1 activations (whose {@code s} multiplies {@code m}).
 *
 * <pre>
 * block_q4_1 (20 bytes)
 *   [0..2)   d       f16   scale
 *   [2..4)   m       f16   min
 *   [4..20)  qs[16]  u8    byte j: low nibble = element j, high nibble = element j + 16
 * </pre>
 */
public final class Q4_1Format implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_D = 0;
    public static final int OFF_M = 2;
    public static final int OFF_QS = 4;
    public static final int BLOCK_BYTES = OFF_QS + QK / 2;

    static {
        Le.checkLayout(GgmlType.Q4_1, QK, BLOCK_BYTES);
    }

    public static final Q4_1Format INSTANCE = new Q4_1Format();

    private Q4_1Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q4_1, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            float m = Le.f16(src, blk + OFF_M);
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, blk + OFF_QS + j);
                dst[o + j] = (q & 0x0F) * d + m;
                dst[o + j + QK / 2] = (q >>> 4) * d + m;
            }
        }
    }

    /** ggml_vec_dot_q4_1_q8_1: per block {@code sumf += (dx * dy) * sumi + mx * sy}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q4_1, src, offset, GgmlType.Q8_1, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_1_BYTES;
            int sumi = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, x + OFF_QS + j);
                sumi += (q & 0x0F) * Le.i8(act, y + ActivationQuant.Q8_1_QS + j);
                sumi += (q >>> 4) * Le.i8(act, y + ActivationQuant.Q8_1_QS + j + QK / 2);
            }
            sumf += (Le.f16(src, x + OFF_D) * Le.f16(act, y + ActivationQuant.Q8_1_D)) * sumi
                    + Le.f16(src, x + OFF_M) * Le.f16(act, y + ActivationQuant.Q8_1_S);
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            float d = Rand.logUniform(rnd, 1e-3, 1e-2);
            Le.putF16(dst, blk + OFF_D, d);
            Le.putF16(dst, blk + OFF_M, -d * (float) (5 + 5 * rnd.nextDouble())); // min below zero, as for centred weights
        }
    }
}
