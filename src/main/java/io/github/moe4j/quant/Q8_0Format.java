package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q8_0: blocks of 32 weights, {@code w[j] = qs[j] * d}. Also the layout of the Q8_0 activations that
 * llama.cpp dots with Q4_0, Q5_0, Q8_0, IQ4_NL and MXFP4 weights ({@link ActivationQuant#quantizeQ8_0}).
 *
 * <pre>
 * block_q8_0 (34 bytes)
 *   [0..2)   d       f16   scale
 *   [2..34)  qs[32]  i8    quants, element j = qs[j]
 * </pre>
 */
public final class Q8_0Format implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_D = 0;
    public static final int OFF_QS = 2;
    public static final int BLOCK_BYTES = OFF_QS + QK;

    static {
        Le.checkLayout(GgmlType.Q8_0, QK, BLOCK_BYTES);
    }

    public static final Q8_0Format INSTANCE = new Q8_0Format();

    private Q8_0Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q8_0, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK; j++) {
                dst[o + j] = Le.i8(src, blk + OFF_QS + j) * d;
            }
        }
    }

    /** ggml_vec_dot_q8_0_q8_0: per block {@code sumf += sumi * (dx * dy)}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q8_0, src, offset, GgmlType.Q8_0, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * BLOCK_BYTES;
            int sumi = 0;
            for (int j = 0; j < QK; j++) {
                sumi += Le.i8(src, x + OFF_QS + j) * Le.i8(act, y + OFF_QS + j);
            }
            sumf += sumi * (Le.f16(src, x + OFF_D) * Le.f16(act, y + OFF_D));
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-4, 2e-3));
            for (int j = 0; j < QK; j++) {
                Le.putU8(dst, blk + OFF_QS + j, rnd.nextInt(-127, 128)); // quantize_row_q8_0 never writes -128
            }
        }
    }
}
