package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * IQ4_XS: super-blocks of 256 weights in 8 sub-blocks of 32, {@code w = d * (ls - 32) * KVALUES[q]}
 * with a 6-bit sub-block scale {@code ls} and the IQ4_NL codebook. Dotted with Q8_K.
 *
 * <pre>
 * block_iq4_xs (136 bytes)
 *   [0..2)    d            f16  super-block scale
 *   [2..4)    scales_h     u16  sub-block s: high 2 bits of ls at bits 2s.. (little-endian)
 *   [4..8)    scales_l[4]  u8   sub-block s: low 4 bits of ls = nibble s%2 of scales_l[s/2]
 *   [8..136)  qs[128]      u8   sub-block s: element 32s + j (j &lt; 16) is the low nibble of
 *                               qs[16s + j], element 32s + 16 + j the high nibble
 * </pre>
 */
public final class IQ4_XSFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_D = 0;
    public static final int OFF_SCALES_H = 2;
    public static final int OFF_SCALES_L = 4;
    public static final int OFF_QS = 8;
    public static final int BLOCK_BYTES = 136;

    static {
        Le.checkLayout(GgmlType.IQ4_XS, QK, BLOCK_BYTES);
        if (OFF_QS != OFF_SCALES_L + QK / 64 || BLOCK_BYTES != OFF_QS + QK / 2) {
            throw new IllegalStateException("IQ4_XS field offsets do not add up");
        }
    }

    public static final IQ4_XSFormat INSTANCE = new IQ4_XSFormat();

    private IQ4_XSFormat() {
    }

    /** The 6-bit scale (0..63, used as {@code ls - 32}) of sub-block {@code s} (0..7). */
    static int scale(MemorySegment src, long blk, int s) {
        int low = (Le.u8(src, blk + OFF_SCALES_L + s / 2) >>> (4 * (s & 1))) & 0xF;
        int high = (Le.u16(src, blk + OFF_SCALES_H) >>> (2 * s)) & 3;
        return low | high << 4;
    }

    /** The codebook level of element {@code e}. */
    static int level(MemorySegment src, long blk, int e) {
        int s = e >>> 5;
        int j = e & 31;
        int q = Le.u8(src, blk + OFF_QS + 16 * s + (j & 15));
        return IQ4_NLFormat.KVALUES[j < 16 ? q & 0xF : q >>> 4];
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.IQ4_XS, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int s = 0; s < 8; s++) {
                float dl = d * (scale(src, blk, s) - 32);
                for (int j = 0; j < 32; j++) {
                    int e = 32 * s + j;
                    dst[o + e] = dl * level(src, blk, e);
                }
            }
        }
    }

    /** ggml_vec_dot_iq4_xs_q8_K: per sub-block {@code sumf += ((d * yd) * (ls - 32)) * sumi}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.IQ4_XS, src, offset, GgmlType.Q8_K, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            float d4d8 = Le.f16(src, x + OFF_D) * Le.f32(act, y + ActivationQuant.Q8_K_D);
            for (int s = 0; s < 8; s++) {
                float dl = d4d8 * (scale(src, x, s) - 32);
                int sumi = 0;
                for (int j = 0; j < 32; j++) {
                    int e = 32 * s + j;
                    sumi += Le.i8(act, y + ActivationQuant.Q8_K_QS + e) * level(src, x, e);
                }
                sumf += dl * sumi;
            }
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-5, 1e-4));
        }
    }
}
