package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;

/**
 * The broadcast-form tile kernels of the matmul path (rows x tokens, vectors along tokens), the form
 * BLAS micro-kernels use. Eight weight rows, decoded into a panel at the constant stride {@link #PS}
 * (so every row is one displacement from a single index), meet a group of {@code FL} or {@code 2 FL}
 * tokens whose activations are stored transposed, {@code xt[k * width + j]}: for each k, each row's
 * weight is broadcast from memory and multiplied into one accumulator per token vector. No lane
 * reductions (each lane is one row-token product summed over k in order), and per k-step only
 * 2 vector loads plus 8 scalar broadcasts feed 16 fused multiply-adds, so the tokens' activations
 * stream from L2 at a quarter of the rate {@link Gemm#tile4x4} needs. Measured single-threaded on
 * 8 rows x 32 tokens x 2048 columns: 121-126 GFLOP/s against 65-69 for two 4x4 dot-form tiles
 * (docs/PERFORMANCE.md).
 *
 * <p>Accumulators live in {@code acc[ao + row * width + j]} between calls, so a row's columns can be
 * taken in blocks of {@link #KB} (the panel then stays in L1) without partial reductions.
 */
final class GemmPanel {
    private GemmPanel() {
    }

    /** Rows per panel. */
    static final int ROWS = 8;
    /** Columns per panel block: a multiple of 256, so K-quant rows decode in whole super-blocks. */
    static final int KB = 1024;
    /** Panel row stride in floats: one cache line more than {@link #KB}, so the 8 rows map to different L1 sets. */
    static final int PS = KB + 16;
    /** Floats of a panel. */
    static final int PANEL = ROWS * PS;

    /** {@code acc[ao + r * 2FL + j] += sum_{k < kn} p[r * PS + k] * xt[xo + k * 2FL + j]} for r &lt; 8, j &lt; 2 FL. */
    static void rows8x2(float[] p, int kn, float[] xt, int xo, float[] acc, int ao) {
        final int w = 2 * FL;
        FloatVector c00 = FloatVector.fromArray(F, acc, ao), c01 = FloatVector.fromArray(F, acc, ao + FL);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + w), c11 = FloatVector.fromArray(F, acc, ao + w + FL);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * w), c21 = FloatVector.fromArray(F, acc, ao + 2 * w + FL);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * w), c31 = FloatVector.fromArray(F, acc, ao + 3 * w + FL);
        FloatVector c40 = FloatVector.fromArray(F, acc, ao + 4 * w), c41 = FloatVector.fromArray(F, acc, ao + 4 * w + FL);
        FloatVector c50 = FloatVector.fromArray(F, acc, ao + 5 * w), c51 = FloatVector.fromArray(F, acc, ao + 5 * w + FL);
        FloatVector c60 = FloatVector.fromArray(F, acc, ao + 6 * w), c61 = FloatVector.fromArray(F, acc, ao + 6 * w + FL);
        FloatVector c70 = FloatVector.fromArray(F, acc, ao + 7 * w), c71 = FloatVector.fromArray(F, acc, ao + 7 * w + FL);
        for (int k = 0; k < kn; k++) {
            int xi = xo + k * w;
            FloatVector x0 = FloatVector.fromArray(F, xt, xi);
            FloatVector x1 = FloatVector.fromArray(F, xt, xi + FL);
            FloatVector b = FloatVector.broadcast(F, p[k]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, p[k + PS]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, p[k + 2 * PS]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, p[k + 3 * PS]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            b = FloatVector.broadcast(F, p[k + 4 * PS]);
            c40 = x0.fma(b, c40);
            c41 = x1.fma(b, c41);
            b = FloatVector.broadcast(F, p[k + 5 * PS]);
            c50 = x0.fma(b, c50);
            c51 = x1.fma(b, c51);
            b = FloatVector.broadcast(F, p[k + 6 * PS]);
            c60 = x0.fma(b, c60);
            c61 = x1.fma(b, c61);
            b = FloatVector.broadcast(F, p[k + 7 * PS]);
            c70 = x0.fma(b, c70);
            c71 = x1.fma(b, c71);
        }
        c00.intoArray(acc, ao);
        c01.intoArray(acc, ao + FL);
        c10.intoArray(acc, ao + w);
        c11.intoArray(acc, ao + w + FL);
        c20.intoArray(acc, ao + 2 * w);
        c21.intoArray(acc, ao + 2 * w + FL);
        c30.intoArray(acc, ao + 3 * w);
        c31.intoArray(acc, ao + 3 * w + FL);
        c40.intoArray(acc, ao + 4 * w);
        c41.intoArray(acc, ao + 4 * w + FL);
        c50.intoArray(acc, ao + 5 * w);
        c51.intoArray(acc, ao + 5 * w + FL);
        c60.intoArray(acc, ao + 6 * w);
        c61.intoArray(acc, ao + 6 * w + FL);
        c70.intoArray(acc, ao + 7 * w);
        c71.intoArray(acc, ao + 7 * w + FL);
    }

    /** {@link #rows8x2} for a group of {@code FL} tokens: {@code acc[ao + r * FL + j]}, {@code xt[xo + k * FL + j]}. */
    static void rows8x1(float[] p, int kn, float[] xt, int xo, float[] acc, int ao) {
        FloatVector c0 = FloatVector.fromArray(F, acc, ao), c1 = FloatVector.fromArray(F, acc, ao + FL);
        FloatVector c2 = FloatVector.fromArray(F, acc, ao + 2 * FL), c3 = FloatVector.fromArray(F, acc, ao + 3 * FL);
        FloatVector c4 = FloatVector.fromArray(F, acc, ao + 4 * FL), c5 = FloatVector.fromArray(F, acc, ao + 5 * FL);
        FloatVector c6 = FloatVector.fromArray(F, acc, ao + 6 * FL), c7 = FloatVector.fromArray(F, acc, ao + 7 * FL);
        for (int k = 0; k < kn; k++) {
            FloatVector x = FloatVector.fromArray(F, xt, xo + k * FL);
            c0 = x.fma(FloatVector.broadcast(F, p[k]), c0);
            c1 = x.fma(FloatVector.broadcast(F, p[k + PS]), c1);
            c2 = x.fma(FloatVector.broadcast(F, p[k + 2 * PS]), c2);
            c3 = x.fma(FloatVector.broadcast(F, p[k + 3 * PS]), c3);
            c4 = x.fma(FloatVector.broadcast(F, p[k + 4 * PS]), c4);
            c5 = x.fma(FloatVector.broadcast(F, p[k + 5 * PS]), c5);
            c6 = x.fma(FloatVector.broadcast(F, p[k + 6 * PS]), c6);
            c7 = x.fma(FloatVector.broadcast(F, p[k + 7 * PS]), c7);
        }
        c0.intoArray(acc, ao);
        c1.intoArray(acc, ao + FL);
        c2.intoArray(acc, ao + 2 * FL);
        c3.intoArray(acc, ao + 3 * FL);
        c4.intoArray(acc, ao + 4 * FL);
        c5.intoArray(acc, ao + 5 * FL);
        c6.intoArray(acc, ao + 6 * FL);
        c7.intoArray(acc, ao + 7 * FL);
    }
}
