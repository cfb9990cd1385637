package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * IQ4_NL: blocks of 32 weights, {@code w = d * KVALUES[q]} with {@code q} a nibble indexing a fixed
 * non-linear codebook (ggml's {@code kvalues_iq4nl}; no offset). Dotted with Q8_0 activations.
 *
 * <pre>
 * block_iq4_nl (18 bytes)
 *   [0..2)   d       f16   scale
 *   [2..18)  qs[16]  u8    byte j: low nibble = element j, high nibble = element j + 16
 * </pre>
 */
public final class IQ4_NLFormat implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_D = 0;
    public static final int OFF_QS = 2;
    public static final int BLOCK_BYTES = OFF_QS + QK / 2;

    /** ggml's kvalues_iq4nl: the 16 levels a nibble selects (also used by IQ4_XS). */
    static final byte[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static {
        Le.checkLayout(GgmlType.IQ4_NL, QK, BLOCK_BYTES);
    }

    public static final IQ4_NLFormat INSTANCE = new IQ4_NLFormat();

    private IQ4_NLFormat() {
    }

    /** Level {@code i} (0..15) of the codebook. */
    public static int kvalue(int i) {
        return KVALUES[i];
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.IQ4_NL, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, blk + OFF_QS + j);
                dst[o + j] = d * KVALUES[q & 0x0F];
                dst[o + j + QK / 2] = d * KVALUES[q >>> 4];
            }
        }
    }

    /** ggml_vec_dot_iq4_nl_q8_0: per block {@code sumf += (dy * dx) * sumi}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.IQ4_NL, src, offset, GgmlType.Q8_0, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * Q8_0Format.BLOCK_BYTES;
            int sumi = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, x + OFF_QS + j);
                sumi += Le.i8(act, y + Q8_0Format.OFF_QS + j) * KVALUES[q & 0x0F];
                sumi += Le.i8(act, y + Q8_0Format.OFF_QS + j + QK / 2) * KVALUES[q >>> 4];
            }
            float d = Le.f16(act, y + Q8_0Format.OFF_D) * Le.f16(src, x + OFF_D);
            sumf += d * sumi;
        }
        return sumf;
    }

    @Override
    public void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks) {
        Rand.check(dst, offset, nBlocks, BLOCK_BYTES);
        for (int b = 0; b < nBlocks; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            Rand.bytes(rnd, dst, blk, BLOCK_BYTES);
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-4, 2e-3));
        }
    }
}
