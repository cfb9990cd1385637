package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q5_K: as {@link Q4_KFormat} with a fifth quant bit, {@code w = d * sc * q - dmin * m}, {@code q} in
 * 0..31. Dotted with Q8_K.
 *
 * <pre>
 * block_q5_K (176 bytes)
 *   [0..2)     d           f16  super-block scale of the scales
 *   [2..4)     dmin        f16  super-block scale of the mins
 *   [4..16)    scales[12]  u8   8 six-bit (scale, min) pairs, packed as in Q4_K
 *   [16..48)   qh[32]      u8   element 32s + l: 5th bit = bit s of qh[l]
 *   [48..176)  qs[128]     u8   element 32s + l: low nibble (s even) or high nibble (s odd) of qs[32 * (s/2) + l]
 * </pre>
 */
public final class Q5_KFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_D = 0;
    public static final int OFF_DMIN = 2;
    public static final int OFF_SCALES = 4;
    public static final int OFF_QH = 16;
    public static final int OFF_QS = 48;
    public static final int BLOCK_BYTES = 176;

    static {
        Le.checkLayout(GgmlType.Q5_K, QK, BLOCK_BYTES);
        if (OFF_QH != OFF_SCALES + 12 || OFF_QS != OFF_QH + QK / 8 || BLOCK_BYTES != OFF_QS + QK / 2) {
            throw new IllegalStateException("Q5_K field offsets do not add up");
        }
    }

    public static final Q5_KFormat INSTANCE = new Q5_KFormat();

    private Q5_KFormat() {
    }

    /** The 5-bit quant (0..31) of element {@code e}. */
    static int quant(MemorySegment src, long blk, int e) {
        int s = e >>> 5;
        int l = e & 31;
        int q = Le.u8(src, blk + OFF_QS + 32 * (s >>> 1) + l);
        int low = (s & 1) == 0 ? q & 0xF : q >>> 4;
        return low | ((Le.u8(src, blk + OFF_QH + l) >>> s) & 1) << 4;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q5_K, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            float dmin = Le.f16(src, blk + OFF_DMIN);
            int o = dstOffset + b * QK;
            for (int s = 0; s < 8; s++) {
                float d1 = d * Q4_KFormat.scale(src, blk + OFF_SCALES, s);
                float m1 = dmin * Q4_KFormat.min(src, blk + OFF_SCALES, s);
                for (int l = 0; l < 32; l++) {
                    int e = 32 * s + l;
                    dst[o + e] = d1 * quant(src, blk, e) - m1;
                }
            }
        }
    }

    /** ggml_vec_dot_q5_K_q8_K: as {@link Q4_KFormat#vecDot} with 5-bit quants. */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q5_K, src, offset, GgmlType.Q8_K, act, actOffset, count);
        KLanes lanes = new KLanes();
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            lanes.clearBlock();
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                sumi += Le.i16(act, y + ActivationQuant.Q8_K_BSUMS + 2L * j) * Q4_KFormat.min(src, x + OFF_SCALES, j / 2);
            }
            for (int s = 0; s < 8; s++) {
                int sc = Q4_KFormat.scale(src, x + OFF_SCALES, s);
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
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-5, 1e-4));
            Le.putF16(dst, blk + OFF_DMIN, Rand.logUniform(rnd, 1e-5, 1e-4));
        }
    }
}
