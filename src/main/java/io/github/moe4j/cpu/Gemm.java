package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

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

    /** 4 rows x 4 tokens: 16 accumulators, 8 loads per 16 fused multiply-adds. */
    static void tile4x4(float[] w, int wo, int ws, int cols, float[] x0, float[] x1, float[] x2, float[] x3, int xo,
                        float[] y, int yo, int yStride) {
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
        int y1 = yo + yStride;
        int y2 = y1 + yStride;
        int y3 = y2 + yStride;
        y[yo] = sum(a00, w, wo, x0, xo, k, cols);
        y[y1] = sum(a01, w, wo, x1, xo, k, cols);
        y[y2] = sum(a02, w, wo, x2, xo, k, cols);
        y[y3] = sum(a03, w, wo, x3, xo, k, cols);
        y[yo + 1] = sum(a10, w, w1, x0, xo, k, cols);
        y[y1 + 1] = sum(a11, w, w1, x1, xo, k, cols);
        y[y2 + 1] = sum(a12, w, w1, x2, xo, k, cols);
        y[y3 + 1] = sum(a13, w, w1, x3, xo, k, cols);
        y[yo + 2] = sum(a20, w, w2, x0, xo, k, cols);
        y[y1 + 2] = sum(a21, w, w2, x1, xo, k, cols);
        y[y2 + 2] = sum(a22, w, w2, x2, xo, k, cols);
        y[y3 + 2] = sum(a23, w, w2, x3, xo, k, cols);
        y[yo + 3] = sum(a30, w, w3, x0, xo, k, cols);
        y[y1 + 3] = sum(a31, w, w3, x1, xo, k, cols);
        y[y2 + 3] = sum(a32, w, w3, x2, xo, k, cols);
        y[y3 + 3] = sum(a33, w, w3, x3, xo, k, cols);
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
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            s += w[wo + k] * x[xo + k];
        }
        return s;
    }
}
