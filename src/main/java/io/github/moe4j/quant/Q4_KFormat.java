package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32, {@code w = d * sc * q - dmin * m} with 6-bit
 * sub-block scale {@code sc} and min {@code m}, and 4-bit {@code q}. Dotted with Q8_K.
 *
 * <pre>
 * block_q4_K (144 bytes)
 *   [0..2)     d           f16  super-block scale of the scales
 *   [2..4)     dmin        f16  super-block scale of the mins
 *   [4..16)    scales[12]  u8   8 six-bit (scale, min) pairs, see {@link #scale} / {@link #min}
 *   [16..144)  qs[128]     u8   sub-block s (elements 32s..32s+31): element 32s + l is the low nibble
 *                               (s even) or high nibble (s odd) of qs[32 * (s/2) + l]
 * </pre>
 */
public final class Q4_KFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_D = 0;
    public static final int OFF_DMIN = 2;
    public static final int OFF_SCALES = 4;
    public static final int OFF_QS = 16;
    public static final int BLOCK_BYTES = 144;

    static {
        Le.checkLayout(GgmlType.Q4_K, QK, BLOCK_BYTES);
        if (OFF_QS != OFF_SCALES + 12 || BLOCK_BYTES != OFF_QS + QK / 2) {
            throw new IllegalStateException("Q4_K field offsets do not add up");
        }
    }

    public static final Q4_KFormat INSTANCE = new Q4_KFormat();

    private Q4_KFormat() {
    }

    /**
     * The 6-bit scale of sub-block {@code j} (0..7) from the 12 packed bytes at {@code sc} (ggml's
     * get_scale_min_k4, shared with Q5_K): j &lt; 4: low 6 bits of byte j; else low nibble of byte j+4
     * with the top 2 bits of byte j-4 above it.
     */
    static int scale(MemorySegment src, long sc, int j) {
        return j < 4
                ? Le.u8(src, sc + j) & 63
                : (Le.u8(src, sc + j + 4) & 0xF) | (Le.u8(src, sc + j - 4) >>> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code j}: j &lt; 4: byte j+4; else high nibble of byte j+4, top 2 bits of byte j. */
    static int min(MemorySegment src, long sc, int j) {
        return j < 4
                ? Le.u8(src, sc + j + 4) & 63
                : (Le.u8(src, sc + j + 4) >>> 4) | (Le.u8(src, sc + j) >>> 6) << 4;
    }

    /** The 4-bit quant of element {@code e}. */
    static int quant(MemorySegment src, long blk, int e) {
        int s = e >>> 5;
        int q = Le.u8(src, blk + OFF_QS + 32 * (s >>> 1) + (e & 31));
        return (s & 1) == 0 ? q & 0xF : q >>> 4;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q4_K, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            float dmin = Le.f16(src, blk + OFF_DMIN);
            int o = dstOffset + b * QK;
            for (int s = 0; s < 8; s++) {
                float d1 = d * scale(src, blk + OFF_SCALES, s);
                float m1 = dmin * min(src, blk + OFF_SCALES, s);
                for (int l = 0; l < 32; l++) {
                    int e = 32 * s + l;
                    dst[o + e] = d1 * quant(src, blk, e) - m1;
                }
            }
        }
    }

    /**
     * ggml_vec_dot_q4_K_q8_K: {@code sc * q8 * q} in 8 int lanes scaled by {@code d * yd}; per super-block
     * {@code sumf -= (dmin * yd) * sum_s bsums-of-sub-block-s * m_s} ({@link KLanes}).
     */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q4_K, src, offset, GgmlType.Q8_K, act, actOffset, count);
        KLanes lanes = new KLanes();
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            lanes.clearBlock();
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                sumi += Le.i16(act, y + ActivationQuant.Q8_K_BSUMS + 2L * j) * min(src, x + OFF_SCALES, j / 2);
            }
            for (int s = 0; s < 8; s++) {
                int sc = scale(src, x + OFF_SCALES, s);
                for (int l = 0; l < 32; l++) {
                    int e = 32 * s + l;
                    lanes.add(e, sc, Le.i8(act, y + ActivationQuant.Q8_K_QS + e) * quant(src, x, e));
                }
            }
            float yd = Le.f32(act, y + ActivationQuant.Q8_K_D);
            lanes.endBlock(Le.f16(src, x + OFF_D) * yd);
            float dmin = Le.f16(src, x + OFF_DMIN) * yd;
            sumf -= dmin * sumi;
        }
        return lanes.finish(sumf);
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 2e-5, 2e-4));
            Le.putF16(dst, blk + OFF_DMIN, Rand.logUniform(rnd, 2e-5, 2e-4));
        }
    }
}
