package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The activation rounding llama.cpp's CPU backend applies before a weight x activation dot product:
 * the f32 activations are converted to the weight format's {@link BlockFormat#vecDotType()} (Q8_0, Q8_1,
 * Q8_K, F16, BF16, or left as F32), then {@link BlockFormat#vecDot} runs on the two encoded vectors.
 *
 * <p>Results go to caller-provided memory in ggml's block layouts (wrap a {@code byte[]} with
 * {@link MemorySegment#ofArray(byte[])} for heap storage); nothing is allocated. Sizes:
 * {@code vecDotType.byteSize(count)}.
 *
 * <p>Q8_0 and Q8_1 exist in two roundings that differ only when {@code x * id} lands exactly halfway
 * between integers or where the two ways of computing {@code id} differ in the last bit:
 * {@link Rounding#REFERENCE} is ggml's {@code quantize_row_q8_0_ref}/{@code _q8_1_ref}, {@link Rounding#X86}
 * what its AVX/AVX2/AVX-512 {@code quantize_row_q8_0}/{@code _q8_1} compute (the build the shared
 * fixtures were made with). Q8_K has one definition ({@code quantize_row_q8_K_ref}, which x86 uses for
 * single rows too); note that {@code d = 1 / iscale}, which can differ in the last bit from
 * {@code -m / 127}. ggml's x86 repacked paths (weight repacking, batches of 4 rows) quantize with the
 * same rounding; their Q8_K may pick the opposite sign for m when +amax and -amax both occur in a block
 * (same products, negated d and q).
 */
public final class ActivationQuant {
    private ActivationQuant() {
    }

    /** Which of ggml's Q8_0/Q8_1 quantizers to follow. */
    public enum Rounding {
        /** {@code id = 1/d}, {@code q = roundf(x * id)}: halves away from zero (quantize_row_q8_0_ref). */
        REFERENCE,
        /** {@code id = 127/amax}, {@code q = rint(x * id)}: halves to even (the x86 SIMD quantize_row_q8_0). */
        X86
    }

    // block_q8_0 is Q8_0Format's layout (34 bytes: d f16, qs[32] i8).

    // block_q8_1 (36 bytes)
    //   [0..2)   d       f16  scale
    //   [2..4)   s       f16  d * sum(qs), d unrounded
    //   [4..36)  qs[32]  i8   quants
    public static final int Q8_1_D = 0;
    public static final int Q8_1_S = 2;
    public static final int Q8_1_QS = 4;
    public static final int Q8_1_BYTES = 36;

    // block_q8_K (292 bytes)
    //   [0..4)      d          f32  scale (negative when the largest-magnitude value is positive)
    //   [4..260)    qs[256]    i8   quants
    //   [260..292)  bsums[16]  i16  sum of qs[16j .. 16j + 15]
    public static final int Q8_K_D = 0;
    public static final int Q8_K_QS = 4;
    public static final int Q8_K_BSUMS = 260;
    public static final int Q8_K_BYTES = 292;

    static {
        Le.checkLayout(GgmlType.Q8_1, 32, Q8_1_BYTES);
        Le.checkLayout(GgmlType.Q8_K, 256, Q8_K_BYTES);
        if (Q8_1_QS + 32 != Q8_1_BYTES || Q8_K_BSUMS != Q8_K_QS + 256 || Q8_K_BSUMS + 32 != Q8_K_BYTES) {
            throw new IllegalStateException("Q8_1/Q8_K field offsets do not add up");
        }
    }

    /** Converts {@code x[xOffset .. + count)} to {@code vecDotType} (Q8_0/Q8_1 with {@link Rounding#REFERENCE}). */
    public static void quantize(GgmlType vecDotType, float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        quantize(vecDotType, x, xOffset, dst, dstOffset, count, Rounding.REFERENCE);
    }

    /** Converts {@code x[xOffset .. + count)} to {@code vecDotType}, one of Q8_0, Q8_1, Q8_K, F16, BF16, F32. */
    public static void quantize(GgmlType vecDotType, float[] x, int xOffset, MemorySegment dst, long dstOffset, int count,
                                Rounding rounding) {
        switch (vecDotType) {
            case Q8_0 -> quantizeQ8_0(x, xOffset, dst, dstOffset, count, rounding);
            case Q8_1 -> quantizeQ8_1(x, xOffset, dst, dstOffset, count, rounding);
            case Q8_K -> quantizeQ8_K(x, xOffset, dst, dstOffset, count);
            case F16, BF16, F32 -> toFloats(vecDotType, x, xOffset, dst, dstOffset, count);
            default -> throw new IllegalArgumentException(vecDotType + " is not an activation type");
        }
    }

    public static void quantizeQ8_0(float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        quantizeQ8_0(x, xOffset, dst, dstOffset, count, Rounding.REFERENCE);
    }

    /** Q8_0: per block of 32, {@code d = amax / 127}; {@code q = round(x / d)} with d unrounded; d stored as f16. */
    public static void quantizeQ8_0(float[] x, int xOffset, MemorySegment dst, long dstOffset, int count, Rounding rounding) {
        int nb = checkOut(GgmlType.Q8_0, x, xOffset, dst, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = dstOffset + (long) b * Q8_0Format.BLOCK_BYTES;
            int xo = xOffset + 32 * b;
            float amax = absMax(x, xo, 32);
            float d = amax / 127f;
            float id = inverse(amax, d, rounding);
            Le.putF16(dst, blk + Q8_0Format.OFF_D, d);
            for (int j = 0; j < 32; j++) {
                Le.putU8(dst, blk + Q8_0Format.OFF_QS + j, round(x[xo + j] * id, rounding));
            }
        }
    }

    public static void quantizeQ8_1(float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        quantizeQ8_1(x, xOffset, dst, dstOffset, count, Rounding.REFERENCE);
    }

    /** Q8_1: as Q8_0, plus {@code s = f16(d * sum(q))} with the unrounded d. */
    public static void quantizeQ8_1(float[] x, int xOffset, MemorySegment dst, long dstOffset, int count, Rounding rounding) {
        int nb = checkOut(GgmlType.Q8_1, x, xOffset, dst, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = dstOffset + (long) b * Q8_1_BYTES;
            int xo = xOffset + 32 * b;
            float amax = absMax(x, xo, 32);
            float d = amax / 127f;
            float id = inverse(amax, d, rounding);
            Le.putF16(dst, blk + Q8_1_D, d);
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int q = round(x[xo + j] * id, rounding);
                Le.putU8(dst, blk + Q8_1_QS + j, q);
                sum += q;
            }
            Le.putF16(dst, blk + Q8_1_S, sum * d);
        }
    }

    /**
     * Q8_K (quantize_row_q8_K_ref): per block of 256, {@code m} = the value of largest magnitude (first
     * one on ties), {@code iscale = -127 / m}, {@code q = min(127, nearest_int(iscale * x))} (halves to
     * even), {@code d = 1 / iscale} in float32, {@code bsums[j]} = sum of {@code q[16j .. 16j+15]}. An
     * all-zero block gets d = 0 and zero quants and sums (ggml leaves its bsums unwritten; they are
     * multiplied by d = 0 anyway).
     */
    public static void quantizeQ8_K(float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        int nb = checkOut(GgmlType.Q8_K, x, xOffset, dst, dstOffset, count);
        for (int b = 0; b < nb; b++) {
            long blk = dstOffset + (long) b * Q8_K_BYTES;
            int xo = xOffset + 256 * b;
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < 256; j++) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0f) {
                Le.putF32(dst, blk + Q8_K_D, 0f);
                dst.asSlice(blk + Q8_K_QS, Q8_K_BYTES - Q8_K_QS).fill((byte) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int s = 0; s < 16; s++) {
                int bsum = 0;
                for (int l = 0; l < 16; l++) {
                    int j = 16 * s + l;
                    int q = Math.min(127, (int) Math.rint(iscale * x[xo + j]));
                    Le.putU8(dst, blk + Q8_K_QS + j, q);
                    bsum += q;
                }
                Le.putI16(dst, blk + Q8_K_BSUMS + 2L * s, bsum);
            }
            Le.putF32(dst, blk + Q8_K_D, 1f / iscale);
        }
    }

    /** F16 / BF16 / F32 activations: each value rounded to nearest even (ggml's FP32_TO_FP16 / FP32_TO_BF16). */
    public static void toFloats(GgmlType type, float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        checkOut(type, x, xOffset, dst, dstOffset, count);
        for (int i = 0; i < count; i++) {
            float v = x[xOffset + i];
            switch (type) {
                case F16 -> Le.putF16(dst, dstOffset + 2L * i, v);
                case BF16 -> Le.putI16(dst, dstOffset + 2L * i, BF16Format.fromFloat(v));
                case F32 -> Le.putF32(dst, dstOffset + 4L * i, v);
                default -> throw new IllegalArgumentException(type + " is not a float type");
            }
        }
    }

    /** Decodes activations of {@code type} (Q8_0, Q8_1, Q8_K, F16, BF16, F32): {@code q * d} in float. */
    public static void dequantize(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        switch (type) {
            case Q8_0, F16, BF16, F32 -> BlockFormats.of(type).dequantize(src, offset, dst, dstOffset, count);
            case Q8_1, Q8_K -> {
                int nb = Le.checkRange(type, src, offset, dst.length, dstOffset, count);
                int qk = type.blockSize();
                for (int b = 0; b < nb; b++) {
                    long blk = offset + (long) b * type.typeSize();
                    float d = type == GgmlType.Q8_1 ? Le.f16(src, blk + Q8_1_D) : Le.f32(src, blk + Q8_K_D);
                    long qs = blk + (type == GgmlType.Q8_1 ? Q8_1_QS : Q8_K_QS);
                    for (int j = 0; j < qk; j++) {
                        dst[dstOffset + b * qk + j] = Le.i8(src, qs + j) * d;
                    }
                }
            }
            default -> throw new IllegalArgumentException(type + " is not an activation type");
        }
    }

    // ---- helpers ----

    private static int checkOut(GgmlType type, float[] x, int xOffset, MemorySegment dst, long dstOffset, int count) {
        int nb = Le.blocks(type, count);
        Objects.checkFromIndexSize(xOffset, count, x.length);
        Objects.checkFromIndexSize(dstOffset, type.byteSize(count), dst.byteSize());
        return nb;
    }

    private static float absMax(float[] x, int off, int n) {
        float amax = 0f;
        for (int j = 0; j < n; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        return amax;
    }

    private static float inverse(float amax, float d, Rounding rounding) {
        return rounding == Rounding.REFERENCE
                ? (d != 0f ? 1f / d : 0f)
                : (amax != 0f ? 127f / amax : 0f);
    }

    /** C's roundf (halves away from zero) or rint (halves to even); the result is within -127..127. */
    static int round(float v, Rounding rounding) {
        if (rounding == Rounding.X86) {
            return (int) Math.rint(v);
        }
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
