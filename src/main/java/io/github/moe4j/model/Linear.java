package io.github.moe4j.model;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.tensor.Tensor;

/**
 * Matrix-vector products with GGUF weights, the one seam between the model code and the matmul
 * kernels. A weight {@code w} has ggml shape {@code ne = [cols, rows]} (a 2-D tensor or one expert
 * slice of a stacked 3-D tensor): {@code y[r] = sum_c w[r][c] * x[c]}.
 *
 * <p>{@link #SCALAR} uses the scalar references of {@code quant}; {@link KernelLinear} runs the fast
 * {@code cpu} kernels ({@code MatMul} on a {@code WorkerPool}).
 */
public interface Linear {

    /** The scalar reference: {@code BlockFormat.dot} per row. */
    Linear SCALAR = new ScalarLinear();

    /**
     * Scalar reference with llama.cpp's activation rounding (Q8_0/Q8_K/F16... per weight type before
     * each dot product): closer to llama.cpp's logits on quantized files, same speed class.
     */
    Linear LLAMA_CPP_ROUNDING = new RoundingLinear();

    /**
     * {@code y[yOff .. yOff + rows) = w x[xOff .. xOff + cols)}.
     *
     * @param w [rows][cols] in any supported ggml type
     */
    void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@code n} independent matvecs: token {@code t} reads {@code x[xOff + t * xStride ..]} and writes
     * {@code y[yOff + t * yStride ..]}. Implementations may read the weight once for all tokens.
     */
    default void matmul(Tensor w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        for (int t = 0; t < n; t++) {
            matvec(w, x, xOff + t * xStride, y, yOff + t * yStride);
        }
    }

    /**
     * {@link #matmul} of two weights with the same input (an FFN's gate and up): {@code y1 = w1 x_t},
     * {@code y2 = w2 x_t}. Implementations may prepare the activations once for both.
     */
    default void matmulPair(Tensor w1, Tensor w2, float[] x, int xOff, int xStride, int n, float[] y1, float[] y2,
                            int yOff, int yStride) {
        matmul(w1, x, xOff, xStride, n, y1, yOff, yStride);
        matmul(w2, x, xOff, xStride, n, y2, yOff, yStride);
    }

    /**
     * {@code n} independent matvecs, {@code y[j][yOff[j] ..] = w[j] x[j][xOff[j] ..]}, which an
     * implementation may run in one parallel region. Results equal {@code n} calls of {@link #matvec}.
     */
    default void matvecs(int n, Tensor[] w, float[][] x, int[] xOff, float[][] y, int[] yOff) {
        for (int j = 0; j < n; j++) {
            matvec(w[j], x[j], xOff[j], y[j], yOff[j]);
        }
    }

    /** Threads {@link #parallelFor} splits a range across (1: it runs on the caller). */
    default int threads() {
        return 1;
    }

    /**
     * Runs {@code task} over {@code [0, n)}, split across this implementation's threads when it has
     * several (chunks get distinct thread indices), and waits for it.
     */
    default void parallelFor(int n, WorkerPool.RangeTask task) {
        if (n > 0) {
            task.run(0, n, 0);
        }
    }
}
