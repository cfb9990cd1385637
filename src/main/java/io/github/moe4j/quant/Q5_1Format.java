package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q5_1: blocks of 32 weights, {@code w = q * d + m} with a 5-bit {@code q} (nibble plus bit {@code e}
 * of {@code qh}) and {@code m} the block's minimum. Dotted with Q8_1 activations.
 *
 * <pre>
 * block_q5_1 (24 bytes)
 *   [0..2)   d       f16   scale
 *   [2..4)   m       f16   min
 *   [4..8)   qh      u32   bit e = 5th bit of element e (little-endian)
 *   [8..24)  qs[16]  u8    byte j: low nibble = element j, high nibble = element j + 16
 * </pre>
 */
public final class Q5_1Format implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_D = 0;
    public static final int OFF_M = 2;
    public static final int OFF_QH = 4;
    public static final int OFF_QS = 8;
    public static final int BLOCK_BYTES = OFF_QS + QK / 2;

    static {
        Le.checkLayout(GgmlType.Q5_1, QK, BLOCK_BYTES);
    }

    public static final Q5_1Format INSTANCE = new Q5_1Format();

    private Q5_1Format() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_1;
    }

    /** The 5-bit quant of element {@code e} (0..31). */
    static int quant(MemorySegment src, long blk, int qh, int e) {
        int q = Le.u8(src, blk + OFF_QS + (e & 15));
        int low = e < 16 ? q & 0x0F : q >>> 4;
        return low | ((qh >>> e) & 1) << 4;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q5_1, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            float m = Le.f16(src, blk + OFF_M);
            int qh = Le.i32(src, blk + OFF_QH);
            int o = dstOffset + b * QK;
            for (int e = 0; e < QK; e++) {
                dst[o + e] = quant(src, blk, qh, e) * d + m;
            }
        }
    }

    /** ggml_vec_dot_q5_1_q8_1: per block {@code sumf += (dx * dy) * sumi + mx * sy}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q5_1, src, offset, GgmlType.Q8_1, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_1_BYTES;
            int qh = Le.i32(src, x + OFF_QH);
            int sumi = 0;
            for (int e = 0; e < QK; e++) {
                sumi += quant(src, x, qh, e) * Le.i8(act, y + ActivationQuant.Q8_1_QS + e);
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
            float d = Rand.logUniform(rnd, 5e-4, 5e-3);
            Le.putF16(dst, blk + OFF_D, d);
            Le.putF16(dst, blk + OFF_M, -d * (float) (10 + 10 * rnd.nextDouble()));
        }
    }
}
