package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16, {@code w = d * sc * (q - 32)} with signed
 * 8-bit sub-block scales and 6-bit quants (4 low bits in {@code ql}, 2 high bits in {@code qh}).
 * Dotted with Q8_K.
 *
 * <pre>
 * block_q6_K (210 bytes)
 *   [0..128)    ql[128]     u8   element e: h = e/128, r = e%128, k = r/32, l = r%32:
 *                                low nibble (k &lt; 2) or high nibble (k &gt;= 2) of ql[64h + 32*(k%2) + l]
 *   [128..192)  qh[64]      u8   element e: bits 2k.. of qh[32h + l]
 *   [192..208)  scales[16]  i8   sub-block s = e/16
 *   [208..210)  d           f16  super-block scale
 * </pre>
 */
public final class Q6_KFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_QL = 0;
    public static final int OFF_QH = 128;
    public static final int OFF_SCALES = 192;
    public static final int OFF_D = 208;
    public static final int BLOCK_BYTES = 210;

    static {
        Le.checkLayout(GgmlType.Q6_K, QK, BLOCK_BYTES);
        if (OFF_QH != QK / 2 || OFF_SCALES != OFF_QH + QK / 4 || OFF_D != OFF_SCALES + QK / 16 || BLOCK_BYTES != OFF_D + 2) {
            throw new IllegalStateException("Q6_K field offsets do not add up");
        }
    }

    public static final Q6_KFormat INSTANCE = new Q6_KFormat();

    private Q6_KFormat() {
    }

    /** The signed quant (-32..31) of element {@code e}. */
    static int quant(MemorySegment src, long blk, int e) {
        int h = e >>> 7;
        int r = e & 127;
        int k = r >>> 5;
        int l = r & 31;
        int ql = Le.u8(src, blk + OFF_QL + 64 * h + 32 * (k & 1) + l);
        int low = k < 2 ? ql & 0xF : ql >>> 4;
        int high = (Le.u8(src, blk + OFF_QH + 32 * h + l) >>> (2 * k)) & 3;
        return (low | high << 4) - 32;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q6_K, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float d = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int e = 0; e < QK; e++) {
                int sc = Le.i8(src, blk + OFF_SCALES + (e >>> 4));
                dst[o + e] = d * sc * quant(src, blk, e); // (d * sc) * q, in float, as ggml
            }
        }
    }

    /** ggml_vec_dot_q6_K_q8_K: {@code sc * q8 * q} in 8 int lanes scaled by {@code d * yd} ({@link KLanes}). */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q6_K, src, offset, GgmlType.Q8_K, act, actOffset, count);
        KLanes lanes = new KLanes();
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            lanes.clearBlock();
            for (int e = 0; e < QK; e++) {
                int sc = Le.i8(src, x + OFF_SCALES + (e >>> 4));
                lanes.add(e, sc, Le.i8(act, y + ActivationQuant.Q8_K_QS + e) * quant(src, x, e));
            }
            lanes.endBlock(Le.f16(src, x + OFF_D) * Le.f32(act, y + ActivationQuant.Q8_K_D));
        }
        return lanes.finish(0f);
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
