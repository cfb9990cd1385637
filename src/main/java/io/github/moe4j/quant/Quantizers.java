package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * f32 &rarr; blocks: ggml's reference quantizers ({@code quantize_row_<type>_ref} in ggml-quants.c),
 * scalar, for the formats {@code moe4j synth} writes. Each follows ggml's rule: Q8_0 (amax / 127),
 * Q4_0 / Q5_0 (the signed value of largest magnitude over -8 / -16), Q5_1 (min/max), Q4_K / Q5_K
 * (make_qkx2_quants per 32-wide sub-block with ggml's weights, search steps and 6-bit scale/min
 * packing), Q6_K (make_qx_quants per 16-wide sub-block, 8-bit scales), MXFP4 (shared exponent
 * {@code floor(log2(amax)) - 2}, nearest E2M1 level). Rounding follows C: {@code roundf} (half away
 * from zero) where ggml calls it, ggml's {@code nearest_int} (half to even) elsewhere.
 *
 * <p>The output is a valid block stream that {@link BlockFormat#dequantize} reads back; importance
 * matrices are not supported (ggml's reference path without one).
 */
public final class Quantizers {
    private Quantizers() {
    }

    private static final float GROUP_MAX_EPS = 1e-15f;

    /** The types {@link #quantize} can write. */
    public static final Set<GgmlType> SUPPORTED = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.MXFP4);

    /**
     * Quantizes {@code count} values (a multiple of the type's block size) of {@code x} from
     * {@code xOff} into {@code dst} at byte {@code dstOff} ({@code type.byteSize(count)} bytes).
     *
     * @throws IllegalArgumentException for a type not in {@link #SUPPORTED} or a count that is not whole blocks
     */
    public static void quantize(GgmlType type, float[] x, int xOff, int count, MemorySegment dst, long dstOff) {
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("no quantizer for " + type + " (supported: " + SUPPORTED + ")");
        }
        int bs = type.blockSize();
        if (count < 0 || count % bs != 0) {
            throw new IllegalArgumentException(count + " values are not whole " + type + " blocks of " + bs);
        }
        java.util.Objects.checkFromIndexSize(xOff, count, x.length);
        java.util.Objects.checkFromIndexSize(dstOff, type.byteSize(count), dst.byteSize());
        int nb = count / bs;
        int bb = type.typeSize();
        for (int b = 0; b < nb; b++) {
            int xo = xOff + b * bs;
            long o = dstOff + (long) b * bb;
            switch (type) {
                case F32 -> Le.putF32(dst, o, x[xo]);
                case F16 -> Le.putF16(dst, o, x[xo]);
                case Q8_0 -> q8_0(x, xo, dst, o);
                case Q4_0 -> q4_0(x, xo, dst, o);
                case Q5_0 -> q5_0(x, xo, dst, o);
                case Q5_1 -> q5_1(x, xo, dst, o);
                case Q4_K -> qK(x, xo, dst, o, false);
                case Q5_K -> qK(x, xo, dst, o, true);
                case Q6_K -> q6_K(x, xo, dst, o);
                case MXFP4 -> mxfp4(x, xo, dst, o);
                default -> throw new AssertionError(type);
            }
        }
    }

    // ---- rounding as in C ----

    /** C's {@code roundf}: half away from zero. */
    static int roundf(float v) {
        return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f));
    }

    /** ggml's {@code nearest_int}: round half to even (valid for |v| below 2^22). */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    // ---- 32-wide formats ----

    private static void q8_0(float[] x, int xo, MemorySegment dst, long o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        Le.putF16(dst, o + Q8_0Format.OFF_D, d);
        for (int j = 0; j < 32; j++) {
            Le.putU8(dst, o + Q8_0Format.OFF_QS + j, roundf(x[xo + j] * id));
        }
    }

    /** The signed value of largest magnitude (the first one on ties), as ggml's Q4_0/Q5_0 search it. */
    private static float signedMax(float[] x, int xo, int n) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0(float[] x, int xo, MemorySegment dst, long o) {
        float d = signedMax(x, xo, 32) / -8f;
        float id = d != 0f ? 1f / d : 0f;
        Le.putF16(dst, o + Q4_0Format.OFF_D, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            Le.putU8(dst, o + Q4_0Format.OFF_QS + j, q0 | q1 << 4);
        }
    }

    private static void q5_0(float[] x, int xo, MemorySegment dst, long o) {
        float d = signedMax(x, xo, 32) / -16f;
        float id = d != 0f ? 1f / d : 0f;
        Le.putF16(dst, o + Q5_0Format.OFF_D, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (byte) (int) (x[xo + j] * id + 16.5f));
            int q1 = Math.min(31, (byte) (int) (x[xo + 16 + j] * id + 16.5f));
            Le.putU8(dst, o + Q5_0Format.OFF_QS + j, (q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        dst.set(Le.I32, o + Q5_0Format.OFF_QH, qh);
    }

    private static void q5_1(float[] x, int xo, MemorySegment dst, long o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 31f;
        float id = d != 0f ? 1f / d : 0f;
        Le.putF16(dst, o + Q5_1Format.OFF_D, d);
        Le.putF16(dst, o + Q5_1Format.OFF_M, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = (int) ((x[xo + j] - min) * id + 0.5f);
            int q1 = (int) ((x[xo + 16 + j] - min) * id + 0.5f);
            Le.putU8(dst, o + Q5_1Format.OFF_QS + j, (q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        dst.set(Le.I32, o + Q5_1Format.OFF_QH, qh);
    }

    /** ggml's kvalues_mxfp4 (E2M1 levels doubled). */
    private static void mxfp4(float[] x, int xo, MemorySegment dst, long o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        int e = amax > 0f ? (int) (Math.floor(Math.log(amax) / Math.log(2)) - 2 + 127) : 0;
        e = Math.clamp(e, 0, 255);
        float d = MXFP4Format.e8m0ToFloatHalf(e);
        Le.putU8(dst, o, e);
        for (int j = 0; j < 16; j++) {
            int q0 = bestMxfp4(x[xo + j], d);
            int q1 = bestMxfp4(x[xo + 16 + j], d);
            Le.putU8(dst, o + 1 + j, q0 | q1 << 4);
        }
    }

    private static int bestMxfp4(float v, float d) {
        int best = 0;
        float bestErr = Math.abs(MXFP4Format.kvalue(0) * d - v);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(MXFP4Format.kvalue(i) * d - v);
            if (err < bestErr) {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }

    // ---- K-quants ----

    /** quantize_row_q4_K_ref / quantize_row_q5_K_ref for one super-block of 256. */
    private static void qK(float[] x, int xo, MemorySegment dst, long o, boolean five) {
        int nmax = five ? 31 : 15;
        float[] scales = new float[8];
        float[] mins = new float[8];
        float[] weights = new float[32];
        int[] lq = new int[256];
        int[] laux = new int[32];
        float[] theMin = new float[1];
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0f;
            for (int l = 0; l < 32; l++) {
                float v = x[xo + 32 * j + l];
                sumX2 += v * v;
            }
            float avX = (float) Math.sqrt(sumX2 / 32f);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            }
            scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, lq, 32 * j, theMin, laux,
                    five ? -0.5f : -1f, 0.1f, five ? 15 : 20);
            mins[j] = theMin[0];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] sc = new int[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                sc[j] = ls;
                sc[j + 4] = lm;
            } else {
                sc[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                sc[j - 4] |= (ls >> 4) << 6;
                sc[j] |= (lm >> 4) << 6;
            }
        }
        // Q4_K and Q5_K share d, dmin, scales[12] at the same offsets
        Le.putF16(dst, o + Q4_KFormat.OFF_D, maxScale / 63f);
        Le.putF16(dst, o + Q4_KFormat.OFF_DMIN, maxMin / 63f);
        for (int i = 0; i < 12; i++) {
            Le.putU8(dst, o + Q4_KFormat.OFF_SCALES + i, sc[i]);
        }
        float d0 = Le.f16(dst, o + Q4_KFormat.OFF_D);
        float dmin0 = Le.f16(dst, o + Q4_KFormat.OFF_DMIN);
        for (int j = 0; j < 8; j++) {
            int s = Q4_KFormat.scale(dst, o + Q4_KFormat.OFF_SCALES, j);
            int m = Q4_KFormat.min(dst, o + Q4_KFormat.OFF_SCALES, j);
            float d = d0 * s;
            if (d == 0f) {
                continue;
            }
            float dm = dmin0 * m;
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                lq[32 * j + ii] = Math.clamp(l, 0, nmax);
            }
        }
        if (!five) {
            for (int j = 0, q = 0; j < 256; j += 64, q += 32) {
                for (int l = 0; l < 32; l++) {
                    Le.putU8(dst, o + Q4_KFormat.OFF_QS + q + l, lq[j + l] | lq[j + l + 32] << 4);
                }
            }
            return;
        }
        int[] qh = new int[32];
        int m1 = 1;
        int m2 = 2;
        for (int n = 0, q = 0; n < 256; n += 64, q += 32) {
            for (int j = 0; j < 32; j++) {
                int l1 = lq[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                int l2 = lq[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                Le.putU8(dst, o + Q5_KFormat.OFF_QS + q + j, l1 | l2 << 4);
            }
            m1 <<= 2;
            m2 <<= 2;
        }
        for (int j = 0; j < 32; j++) {
            Le.putU8(dst, o + Q5_KFormat.OFF_QH + j, qh[j]);
        }
    }

    /** ggml's make_qkx2_quants (use_mad = false): a scale and a min for one sub-block, levels into {@code lq}. */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] w, int[] lq, int lo,
                                        float[] theMin, int[] laux, float rmin, float rdelta, int nstep) {
        float min = x[xo];
        float max = x[xo];
        float sumW = w[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            min = Math.min(min, v);
            max = Math.max(max, v);
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                lq[lo + i] = 0;
            }
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.clamp(nearestInt(iscale * (x[xo + i] - min)), 0, nmax);
            lq[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            bestError += w[i] * diff * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.clamp(nearestInt(iscale * (x[xo + i] - min)), 0, nmax);
                laux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXl += w[i] * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float cur = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    cur += w[i] * diff * diff;
                }
                if (cur < bestError) {
                    System.arraycopy(laux, 0, lq, lo, n);
                    bestError = cur;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /** ggml's make_qx_quants with rmse_type 1 (weights x^2): a signed scale, levels + nmax into {@code lq}. */
    private static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] lq, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                lq[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            lq[lo + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    lq[lo + i] = nmax + Math.clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** quantize_row_q6_K_ref for one super-block of 256. */
    private static void q6_K(float[] x, int xo, MemorySegment dst, long o) {
        float[] scales = new float[16];
        int[] lq = new int[256];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xo + 16 * ib, lq, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(o, Q6_KFormat.BLOCK_BYTES).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        Le.putF16(dst, o + Q6_KFormat.OFF_D, 1 / iscale);
        float d0 = Le.f16(dst, o + Q6_KFormat.OFF_D);
        for (int ib = 0; ib < 16; ib++) {
            int s = Math.min(127, nearestInt(iscale * scales[ib]));
            Le.putU8(dst, o + Q6_KFormat.OFF_SCALES + ib, s);
            float d = d0 * (byte) s;
            if (d == 0f) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = Math.clamp(nearestInt(x[xo + 16 * ib + ii] / d), -32, 31);
                lq[16 * ib + ii] = l + 32;
            }
        }
        for (int j = 0; j < 256; j += 128) {
            long ql = o + Q6_KFormat.OFF_QL + j / 2;
            long qh = o + Q6_KFormat.OFF_QH + j / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = lq[j + l] & 0xF;
                int q2 = lq[j + l + 32] & 0xF;
                int q3 = lq[j + l + 64] & 0xF;
                int q4 = lq[j + l + 96] & 0xF;
                Le.putU8(dst, ql + l, q1 | q3 << 4);
                Le.putU8(dst, ql + l + 32, q2 | q4 << 4);
                Le.putU8(dst, qh + l, (lq[j + l] >> 4) | (lq[j + l + 32] >> 4) << 2
                        | (lq[j + l + 64] >> 4) << 4 | (lq[j + l + 96] >> 4) << 6);
            }
        }
    }
}
