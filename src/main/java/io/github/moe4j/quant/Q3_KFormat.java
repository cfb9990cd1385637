package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * Q3_K: super-blocks of 256 weights in 16 sub-blocks of 16, {@code w = d * (sc - 32) * q}: 6-bit
 * sub-block scales, 3-bit signed quants {@code q = low2 - (hbit ? 0 : 4)} in -4..3. Dotted with Q8_K.
 *
 * <pre>
 * block_q3_K (110 bytes)
 *   [0..32)    hmask[32]   u8   element e: h = e/128, r = e%128: bit (4h + r/32) of hmask[r%32] (set = no -4)
 *   [32..96)   qs[64]      u8   element e: bits 2*(r/32).. of qs[32h + r%32] (low 2 bits)
 *   [96..108)  scales[12]  u8   16 six-bit scales: sub-block s: low 4 bits from byte s (s &lt; 8) or the
 *                               high nibble of byte s-8; high 2 bits from byte 8 + s%4, bits 2*(s/4)..
 *   [108..110) d           f16  super-block scale
 * </pre>
 */
public final class Q3_KFormat implements BlockFormat {
    public static final int QK = 256;
    public static final int OFF_HMASK = 0;
    public static final int OFF_QS = 32;
    public static final int OFF_SCALES = 96;
    public static final int OFF_D = 108;
    public static final int BLOCK_BYTES = 110;

    static {
        Le.checkLayout(GgmlType.Q3_K, QK, BLOCK_BYTES);
        if (OFF_QS != QK / 8 || OFF_SCALES != OFF_QS + QK / 4 || OFF_D != OFF_SCALES + 12 || BLOCK_BYTES != OFF_D + 2) {
            throw new IllegalStateException("Q3_K field offsets do not add up");
        }
    }

    public static final Q3_KFormat INSTANCE = new Q3_KFormat();

    private Q3_KFormat() {
    }

    /** The 6-bit scale (0..63, used as {@code scale - 32}) of sub-block {@code s} (0..15). */
    static int scale(MemorySegment src, long blk, int s) {
        long sc = blk + OFF_SCALES;
        int low = s < 8 ? Le.u8(src, sc + s) & 0x0F : Le.u8(src, sc + s - 8) >>> 4;
        int high = (Le.u8(src, sc + 8 + (s & 3)) >>> (2 * (s >>> 2))) & 3;
        return low | high << 4;
    }

    /** The signed 3-bit quant (-4..3) of element {@code e}. */
    static int quant(MemorySegment src, long blk, int e) {
        int h = e >>> 7;
        int r = e & 127;
        int j = r >>> 5;
        int l = r & 31;
        int low = (Le.u8(src, blk + OFF_QS + 32 * h + l) >>> (2 * j)) & 3;
        boolean high = (Le.u8(src, blk + OFF_HMASK + l) & (1 << (4 * h + j))) != 0;
        return low - (high ? 0 : 4);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public GgmlType vecDotType() {
        return GgmlType.Q8_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int nb = Le.checkRange(GgmlType.Q3_K, src, offset, dst.length, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) b * BLOCK_BYTES;
            float dAll = Le.f16(src, blk + OFF_D);
            int o = dstOffset + b * QK;
            for (int s = 0; s < 16; s++) {
                float dl = dAll * (scale(src, blk, s) - 32);
                for (int l = 0; l < 16; l++) {
                    int e = 16 * s + l;
                    dst[o + e] = dl * quant(src, blk, e);
                }
            }
        }
    }

    /** ggml_vec_dot_q3_K_q8_K: {@code (sc - 32) * q8 * q} in 8 int lanes, scaled by {@code d * yd} ({@link KLanes}). */
    @Override
    public float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count) {
        int nb = Le.checkVecDot(GgmlType.Q3_K, src, offset, GgmlType.Q8_K, act, actOffset, count);
        KLanes lanes = new KLanes();
        for (int b = 0; b < nb; b++) {
            long x = offset + (long) b * BLOCK_BYTES;
            long y = actOffset + (long) b * ActivationQuant.Q8_K_BYTES;
            lanes.clearBlock();
            for (int s = 0; s < 16; s++) {
                int sc = scale(src, x, s) - 32;
                for (int l = 0; l < 16; l++) {
                    int e = 16 * s + l;
                    lanes.add(e, sc, Le.i8(act, y + ActivationQuant.Q8_K_QS + e) * quant(src, x, e));
                }
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
            Le.putF16(dst, blk + OFF_D, Rand.logUniform(rnd, 1e-4, 2e-3));
        }
    }
}
