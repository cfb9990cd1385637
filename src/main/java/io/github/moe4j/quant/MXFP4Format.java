package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * MXFP4 (OCP microscaling FP4): blocks of 32 weights, each an E2M1 value scaled by a shared power of
 * two {@code 2^(e - 127)} (E8M0). ggml stores E2M1 values doubled as integers ({@code KVALUES}) and
 * halves the scale to match: {@code w = KVALUES[q] * 2^(e - 128)}. Dotted with Q8_0 activations.
 *
 * <pre>
 * block_mxfp4 (17 bytes)
 *   [0..1)   e       u8    E8M0 shared exponent
 *   [1..17)  qs[16]  u8    byte j: low nibble = element j, high nibble = element j + 16; bit 3 is the sign
 * </pre>
 */
public final class MXFP4Format implements BlockFormat {
    public static final int QK = 32;
    public static final int OFF_E = 0;
    public static final int OFF_QS = 1;
    public static final int BLOCK_BYTES = OFF_QS + QK / 2;

    /** ggml's kvalues_mxfp4: E2M1 {0, 0.5, 1, 1.5, 2, 3, 4, 6} and negatives, doubled. */
    static final byte[] KVALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    static {
        Le.checkLayout(GgmlType.MXFP4, QK, BLOCK_BYTES);
    }

    public static final MXFP4Format INSTANCE = new MXFP4Format();

    private MXFP4Format() {
    }

    /** Level {@code i} (0..15) of the doubled E2M1 table. */
    public static int kvalue(int i) {
        return KVALUES[i];
    }

    /**
     * Half the E8M0 scale, {@code 2^(e - 128)}, as ggml's {@code ggml_e8m0_to_fp32_half}: subnormal bit
     * patterns for {@code e < 2}, otherwise the float with biased exponent {@code e - 1}. (e = 255, a NaN
     * in the spec, is not special-cased, as in ggml.)
     */
    public static float e8m0ToFloatHalf(int e) {
        int bits = e < 2 ? 0x00200000 << e : (e - 1) << 23;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public GgmlType type() {
        return GgmlType.MXFP4;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.MXFP4, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = e8m0ToFloatHalf(Le.u8(src, blk + OFF_E));
            int o = dstOffset + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, blk + OFF_QS + j);
                dst[o + j] = KVALUES[q & 0x0F] * d;
                dst[o + j + QK / 2] = KVALUES[q >>> 4] * d;
            }
        }
    }

    /** ggml_vec_dot_mxfp4_q8_0: per block {@code d = dy * e8m0_half(e); sumf += d * sumi}. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.MXFP4, src, offset, GgmlType.Q8_0, act, actOffset, count);
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * Q8_0Format.BLOCK_BYTES;
            float d = Le.f16(act, y + Q8_0Format.OFF_D) * e8m0ToFloatHalf(Le.u8(src, x + OFF_E));
            int sumi = 0;
            for (int j = 0; j < QK / 2; j++) {
                int q = Le.u8(src, x + OFF_QS + j);
                sumi += Le.i8(act, y + Q8_0Format.OFF_QS + j) * KVALUES[q & 0x0F];
                sumi += Le.i8(act, y + Q8_0Format.OFF_QS + j + QK / 2) * KVALUES[q >>> 4];
            }
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
            Le.putU8(dst, blk + OFF_E, 127 - rnd.nextInt(4, 11)); // half scale 2^-12 .. 2^-5: |w| up to 0.375
        }
    }
}
