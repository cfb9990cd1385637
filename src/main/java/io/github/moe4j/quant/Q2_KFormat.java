package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q2_K: super-blocks of 256 weights in 16 sub-blocks of 16. Sub-block {@code s} has a 4-bit scale and a
 * 4-bit min; {@code w = d * (sc & 15) * q - dmin * (sc >> 4)} with {@code q} 2 bits. Dotted with Q8_K.
 *
 * <pre>
 * block_q2_K (84 bytes)
 *   [0..16)   scales[16]  u8   sub-block s (elements 16s..16s+15): low nibble scale, high nibble min
 *   [16..80)  qs[64]      u8   element e: half h = e/128, r = e%128: bits 2*(r/32).. of qs[32h + r%32]
 *   [80..82)  d           f16  super-block scale of the scales
 *   [82..84)  dmin        f16  super-block scale of the mins
 * </pre>
 */
public final class Q2_KFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_SCALES = 0;
    public static final int OFF_QS = 16;
    public static final int OFF_D = 80;
    public static final int OFF_DMIN = 82;
    public static final int BLOCK_BYTES = 84;

    static {
        Le.checkLayout(GgmlType.Q2_K, QK, BLOCK_BYTES);
        if (OFF_QS != OFF_SCALES + QK / 16 || OFF_D != OFF_QS + QK / 4 || BLOCK_BYTES != OFF_DMIN + 2) {
            throw new IllegalStateException("Q2_K field offsets do not add up");
        }
    }

    public static final Q2_KFormat INSTANCE = new Q2_KFormat();

    private Q2_KFormat() {
    }

    /** The 2-bit quant (0..3) of element {@code e} of the super-block at {@code blk}. */
    static int quant(MemorySegment src, long blk, int e) {
        int h = e >>> 7;
        int r = e & 127;
        return (Le.u8(src, blk + OFF_QS + 32 * h + (r & 31)) >>> (2 * (r >>> 5))) & 3;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q2_K, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            float min = Le.f16(src, blk + OFF_DMIN);
            int o = dstOffset + b * QK;
            for (int s = 0; s < 16; s++) {
                int sc = Le.u8(src, blk + OFF_SCALES + s);
                float dl = d * (sc & 0xF);
                float ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) {
                    int e = 16 * s + l;
                    dst[o + e] = dl * quant(src, blk, e) - ml;
                }
            }
        }
    }

    /**
     * ggml_vec_dot_q2_K_q8_K: per super-block, {@code isum = sum_s (sc_s & 15) * sum(q8 * q)},
     * {@code summs = sum_s bsums[s] * (sc_s >> 4)}, {@code sumf += (yd * d) * isum - (yd * dmin) * summs}.
     */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q2_K, src, offset, GgmlType.Q8_K, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            int summs = 0;
            int isum = 0;
            for (int s = 0; s < 16; s++) {
                int sc = Le.u8(src, x + OFF_SCALES + s);
                summs += Le.i16(act, y + ActivationQuant.Q8_K_BSUMS + 2L * s) * (sc >>> 4);
                int isuml = 0;
                for (int l = 0; l < 16; l++) {
                    int e = 16 * s + l;
                    isuml += Le.i8(act, y + ActivationQuant.Q8_K_QS + e) * quant(src, x, e);
                }
                isum += (sc & 0xF) * isuml;
            }
            float yd = Le.f32(act, y + ActivationQuant.Q8_K_D);
            float dall = yd * Le.f16(src, x + OFF_D);
            float dmin = yd * Le.f16(src, x + OFF_DMIN);
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 5e-4, 5e-3));
            Le.putF16(dst, blk + OFF_DMIN, Rand.logUniform(rnd, 5e-4, 5e-3));
        }
    }
}
