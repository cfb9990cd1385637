package io.github.moe4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;

/**
 * Float tile kernels of the matmul path: rows already decoded to floats (a few rows, {@code ws}
 * floats apart) times a few tokens' activation values, each result written to
 * {@code y[yo + t * yStride + r]}. Every weight vector loaded serves all tokens of the tile and every
 * activation vector all rows. Column tails (F32/F16/BF16 rows of any length) are summed in scalar code.
 */
final class Gemm {
    private Gemm() {
    }

    /** Floats of {@link #tile4x4}'s reduction scratch. */
    static final int RED = 16 * FL;

    /**
     * 4 rows x 4 tokens: 16 accumulators, 8 loads per 16 fused multiply-adds; {@code red[ro, ro + RED)}
     * is scratch for the reductions.
     */
    static void tile4x4(float[] w, int wo, int ws, int cols, float[] x0, float[] x1, float[] x2, float[] x3, int xo,
                        float[] y, int yo, int yStride, float[] red, int ro) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        int w1 = wo + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        int k = 0;
        for (int last = cols - (FL); k <= last; k += FL) {
            FloatVector v0 = FloatVector.fromArray(F, x0, xo + k);
            FloatVector v1 = FloatVector.fromArray(F, x1, xo + k);
            FloatVector v2 = FloatVector.fromArray(F, x2, xo + k);
            FloatVector v3 = FloatVector.fromArray(F, x3, xo + k);
            FloatVector r = FloatVector.fromArray(F, w, wo + k);
            a00 = r.fma(v0, a00);
            a01 = r.fma(v1, a01);
            a02 = r.fma(v2, a02);
            a03 = r.fma(v3, a03);
            r = FloatVector.fromArray(F, w, w1 + k);
            a10 = r.fma(v0, a10);
            a11 = r.fma(v1, a11);
            a12 = r.fma(v2, a12);
            a13 = r.fma(v3, a13);
            r = FloatVector.fromArray(F, w, w2 + k);
            a20 = r.fma(v0, a20);
            a21 = r.fma(v1, a21);
            a22 = r.fma(v2, a22);
            a23 = r.fma(v3, a23);
            r = FloatVector.fromArray(F, w, w3 + k);
            a30 = r.fma(v0, a30);
            a31 = r.fma(v1, a31);
            a32 = r.fma(v2, a32);
            a33 = r.fma(v3, a33);
        }
        // the 16 reductions go through memory and one loop: written out here they made this method too
        // big for C2 to inline them all, and a vector passed to a call left out of line is boxed
        a00.intoArray(red, ro);
        a01.intoArray(red, ro + FL);
        a02.intoArray(red, ro + 2 * FL);
        a03.intoArray(red, ro + 3 * FL);
        a10.intoArray(red, ro + 4 * FL);
        a11.intoArray(red, ro + 5 * FL);
        a12.intoArray(red, ro + 6 * FL);
        a13.intoArray(red, ro + 7 * FL);
        a20.intoArray(red, ro + 8 * FL);
        a21.intoArray(red, ro + 9 * FL);
        a22.intoArray(red, ro + 10 * FL);
        a23.intoArray(red, ro + 11 * FL);
        a30.intoArray(red, ro + 12 * FL);
        a31.intoArray(red, ro + 13 * FL);
        a32.intoArray(red, ro + 14 * FL);
        a33.intoArray(red, ro + 15 * FL);
        reduce4x4(red, ro, w, wo, ws, x0, x1, x2, x3, xo, k, cols, y, yo, yStride);
    }

    /** Lanes {@code i} with bit {@code b} set, their complement, and the swap {@code i <-> i ^ b}, for b = 8, 4, 2, 1. */
    private static final VectorMask<Float> HI8 = VectorMask.fromLong(F, 0xFF00L);
    private static final VectorMask<Float> LO8 = HI8.not();
    private static final VectorMask<Float> HI4 = VectorMask.fromLong(F, 0xF0F0L);
    private static final VectorMask<Float> LO4 = HI4.not();
    private static final VectorMask<Float> HI2 = VectorMask.fromLong(F, 0xCCCCL);
    private static final VectorMask<Float> LO2 = HI2.not();
    private static final VectorMask<Float> HI1 = VectorMask.fromLong(F, 0xAAAAL);
    private static final VectorMask<Float> LO1 = HI1.not();
    private static final VectorShuffle<Float> SW8 = VectorShuffle.fromOp(F, i -> i ^ 8);
    private static final VectorShuffle<Float> SW4 = VectorShuffle.fromOp(F, i -> i ^ 4);
    private static final VectorShuffle<Float> SW2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> SW1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    /**
     * Finishes {@link #tile4x4}: the lane sums of the 16 accumulators in {@code red} (accumulator
     * {@code j = 4 row + token}) plus each dot product's scalar tail. With 16-lane vectors the 16 sums are
     * formed together by a transposing tree: each step halves the lanes per accumulator and doubles the
     * accumulators per vector (15 steps of two blends, a permute and an add, instead of 16 separate lane
     * reductions; in a prefill profile the separate reductions took 12% of the time); lane {@code L} of the
     * result holds accumulator {@code bitreverse4(L)}. Only lane-wise float operations in a fixed order,
     * so the result is the same interpreted and compiled.
     */
    private static void reduce4x4(float[] red, int ro, float[] w, int wo, int ws, float[] x0, float[] x1, float[] x2,
                                  float[] x3, int xo, int k, int cols, float[] y, int yo, int yStride) {
        if (FL != 16) {
            reduce4x4Lanes(red, ro, w, wo, ws, x0, x1, x2, x3, xo, k, cols, y, yo, yStride);
            return;
        }
        FloatVector c0 = pair(red, ro, 0);
        FloatVector c1 = pair(red, ro, 2);
        FloatVector c2 = pair(red, ro, 4);
        FloatVector c3 = pair(red, ro, 6);
        FloatVector c4 = pair(red, ro, 8);
        FloatVector c5 = pair(red, ro, 10);
        FloatVector c6 = pair(red, ro, 12);
        FloatVector c7 = pair(red, ro, 14);
        FloatVector d0 = c0.blend(c1, HI4).add(c0.blend(c1, LO4).rearrange(SW4));
        FloatVector d1 = c2.blend(c3, HI4).add(c2.blend(c3, LO4).rearrange(SW4));
        FloatVector d2 = c4.blend(c5, HI4).add(c4.blend(c5, LO4).rearrange(SW4));
        FloatVector d3 = c6.blend(c7, HI4).add(c6.blend(c7, LO4).rearrange(SW4));
        FloatVector e0 = d0.blend(d1, HI2).add(d0.blend(d1, LO2).rearrange(SW2));
        FloatVector e1 = d2.blend(d3, HI2).add(d2.blend(d3, LO2).rearrange(SW2));
        e0.blend(e1, HI1).add(e0.blend(e1, LO1).rearrange(SW1)).intoArray(red, ro);
        boolean tails = k < cols;
        for (int lane = 0; lane < 16; lane++) {
            int j = Integer.reverse(lane) >>> 28;          // the accumulator in this lane
            int row = j >> 2;
            int t = j & 3;
            float s = red[ro + lane];
            if (tails) {
                s += tail(w, wo + row * ws, t == 0 ? x0 : t == 1 ? x1 : t == 2 ? x2 : x3, xo, k, cols);
            }
            y[yo + t * yStride + row] = s;
        }
    }

    /** Accumulators a and a + 1 of {@code red}: lanes 0..7 hold a's half sums, lanes 8..15 those of a + 1. */
    private static FloatVector pair(float[] red, int ro, int a) {
        FloatVector va = FloatVector.fromArray(F, red, ro + a * FL);
        FloatVector vb = FloatVector.fromArray(F, red, ro + (a + 1) * FL);
        return va.blend(vb, HI8).add(va.blend(vb, LO8).rearrange(SW8));
    }

    /** {@link #reduce4x4} for vector widths other than 16 floats: one lane reduction per accumulator. */
    private static void reduce4x4Lanes(float[] red, int ro, float[] w, int wo, int ws, float[] x0, float[] x1, float[] x2,
                                  float[] x3, int xo, int k, int cols, float[] y, int yo, int yStride) {
        for (int row = 0; row < 4; row++) {
            int wr = wo + row * ws;
            for (int t = 0; t < 4; t++) {
                float[] x = t == 0 ? x0 : t == 1 ? x1 : t == 2 ? x2 : x3;
                FloatVector acc = FloatVector.fromArray(F, red, ro + (4 * row + t) * FL);
                float s = (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                        .reduceLanes(VectorOperators.ADD);
                y[yo + t * yStride + row] = s + tail(w, wr, x, xo, k, cols);
            }
        }
    }

    /** The scalar tail {@code [k, cols)} of a row's dot product. */
    private static float tail(float[] w, int wo, float[] x, int xo, int k, int cols) {
        float s = 0f;
        for (; k < cols; k++) {
            s += w[wo + k] * x[xo + k];
        }
        return s;
    }

    /** 4 rows x 1 token. */
    static void tile4x1(float[] w, int wo, int ws, int cols, float[] x0, int xo, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int w1 = wo + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        int k = 0;
        for (int last = cols - (FL); k <= last; k += FL) {
            FloatVector v = FloatVector.fromArray(F, x0, xo + k);
            a0 = FloatVector.fromArray(F, w, wo + k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
        }
        y[yo] = sum(a0, w, wo, x0, xo, k, cols);
        y[yo + 1] = sum(a1, w, w1, x0, xo, k, cols);
        y[yo + 2] = sum(a2, w, w2, x0, xo, k, cols);
        y[yo + 3] = sum(a3, w, w3, x0, xo, k, cols);
    }

    /** 1 row x 4 tokens. */
    static void tile1x4(float[] w, int wo, int cols, float[] x0, float[] x1, float[] x2, float[] x3, int xo,
                        float[] y, int yo, int yStride) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int k = 0;
        for (int last = cols - (FL); k <= last; k += FL) {
            FloatVector r = FloatVector.fromArray(F, w, wo + k);
            a0 = r.fma(FloatVector.fromArray(F, x0, xo + k), a0);
            a1 = r.fma(FloatVector.fromArray(F, x1, xo + k), a1);
            a2 = r.fma(FloatVector.fromArray(F, x2, xo + k), a2);
            a3 = r.fma(FloatVector.fromArray(F, x3, xo + k), a3);
        }
        y[yo] = sum(a0, w, wo, x0, xo, k, cols);
        y[yo + yStride] = sum(a1, w, wo, x1, xo, k, cols);
        y[yo + 2 * yStride] = sum(a2, w, wo, x2, xo, k, cols);
        y[yo + 3 * yStride] = sum(a3, w, wo, x3, xo, k, cols);
    }

    /** 1 row x 1 token (two accumulator chains). */
    static float dot(float[] w, int wo, float[] x, int xo, int cols) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int k = 0;
        for (int last = cols - (2 * FL); k <= last; k += 2 * FL) {
            a0 = FloatVector.fromArray(F, w, wo + k).fma(FloatVector.fromArray(F, x, xo + k), a0);
            a1 = FloatVector.fromArray(F, w, wo + k + FL).fma(FloatVector.fromArray(F, x, xo + k + FL), a1);
        }
        for (int last = cols - (FL); k <= last; k += FL) {
            a0 = FloatVector.fromArray(F, w, wo + k).fma(FloatVector.fromArray(F, x, xo + k), a0);
        }
        return sum(a0.add(a1), w, wo, x, xo, k, cols);
    }

    /** The lanes of {@code acc} plus the scalar tail {@code [k, cols)}. */
    private static float sum(FloatVector acc, float[] w, int wo, float[] x, int xo, int k, int cols) {
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) + tail(w, wo, x, xo, k, cols);
    }
}
