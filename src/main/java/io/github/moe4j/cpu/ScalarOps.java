package io.github.moe4j.cpu;

/**
 * Plain scalar references for the element-wise and row kernels. {@link VectorOps} has the same
 * methods with the same signatures and is tested against these.
 *
 * <p>The arithmetic follows ggml's CPU backend where that matters for agreement with llama.cpp
 * (sums of squares and softmax denominators in double, the rest in float, the same operation
 * order). Every method reads {@code n} values from each source at its offset and writes {@code n}
 * values to the destination at its offset; a destination may be one of the sources at the same
 * offset (in place), never a partly overlapping range.
 */
public final class ScalarOps {
    /** gpt-oss's SwiGLU-OAI {@code alpha}. */
    public static final float OAI_ALPHA = 1.702f;
    /** gpt-oss's SwiGLU-OAI {@code limit}. */
    public static final float OAI_LIMIT = 7.0f;

    private ScalarOps() {
    }

    // ---------------------------------------------------------------- RMSNorm

    /**
     * {@code out = x / sqrt(mean(x^2) + eps) * w}, or without the weight when {@code w} is null.
     * As ggml: the squares are rounded to float and summed in double, the mean and the scale are
     * float, and the weight is a separate multiplication.
     *
     * @param x   [n] input
     * @param w   [n] weight, or null
     * @param out [n] output (may be {@code x} at {@code xOff})
     */
    public static void rmsNorm(float[] x, int xOff, float[] w, int wOff, float[] out, int outOff, int n, float eps) {
        checkRmsNorm(x, xOff, w, wOff, out, outOff, n, eps);
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float scale = rmsScale(sum, n, eps);
        for (int i = 0; i < n; i++) {
            float y = x[xOff + i] * scale;
            out[outOff + i] = w == null ? y : y * w[wOff + i];
        }
    }

    /**
     * Per-head RMSNorm in place over a {@code [nHead][headDim]} block (qwen3moe's q/k norms): each
     * head is normalised on its own and multiplied by the shared weight {@code w[headDim]} (or not,
     * when null).
     */
    public static void rmsNormHeads(float[] x, int off, int nHead, int headDim, float[] w, int wOff, float eps) {
        checkHeads(x, off, nHead, headDim);
        for (int h = 0; h < nHead; h++) {
            int o = off + h * headDim;
            rmsNorm(x, o, w, wOff, x, o, headDim, eps);
        }
    }

    static float rmsScale(double sumSquares, int n, float eps) {
        float mean = (float) (sumSquares / n);
        return 1.0f / (float) Math.sqrt(mean + eps);
    }

    static void checkRmsNorm(float[] x, int xOff, float[] w, int wOff, float[] out, int outOff, int n, float eps) {
        Checks.positive("rmsNorm n", n);
        Checks.range("rmsNorm x", x, xOff, n);
        Checks.range("rmsNorm out", out, outOff, n);
        Checks.sameOrDisjoint("rmsNorm x/out", x, xOff, out, outOff, n);
        if (w != null) {
            Checks.range("rmsNorm w", w, wOff, n);
        }
        if (!(eps >= 0.0f)) {
            throw new IllegalArgumentException("rmsNorm eps must be >= 0, got " + eps);
        }
    }

    static void checkHeads(float[] x, int off, int nHead, int headDim) {
        Checks.positive("nHead", nHead);
        Checks.positive("headDim", headDim);
        Checks.range("heads x", x, off, Math.multiplyExact(nHead, headDim));
    }

    // ---------------------------------------------------------------- softmax

    /**
     * In-place softmax of {@code x[off, off + n)} after {@code x = x * scale + mask}: max
     * subtracted, exponentials summed in double, then multiplied by the float reciprocal (ggml's
     * {@code soft_max_ext} without ALiBi). {@code mask} may be null; {@code -inf} entries mask.
     * At least one entry must stay finite.
     */
    public static void softmax(float[] x, int off, int n, float scale, float[] mask, int maskOff) {
        checkSoftmax(x, off, n, mask, maskOff);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i] * scale;
            if (mask != null) {
                v += mask[maskOff + i];
            }
            x[off + i] = v;
            max = Math.max(max, v);
        }
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@link #softmax(float[], int, int, float, float[], int)} with scale 1 and no mask. */
    public static void softmax(float[] x, int off, int n) {
        softmax(x, off, n, 1.0f, null, 0);
    }

    static void checkSoftmax(float[] x, int off, int n, float[] mask, int maskOff) {
        Checks.positive("softmax n", n);
        Checks.range("softmax x", x, off, n);
        if (mask != null) {
            Checks.range("softmax mask", mask, maskOff, n);
        }
    }

    // ---------------------------------------------------------------- activations

    /** {@code dst = src / (1 + exp(-src))} (ggml_silu_f32). */
    public static void silu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        checkUnary("silu", src, srcOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            float x = src[srcOff + i];
            dst[dstOff + i] = x / (1.0f + (float) Math.exp(-x));
        }
    }

    /** {@code dst = 1 / (1 + exp(-src))}. */
    public static void sigmoid(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        checkUnary("sigmoid", src, srcOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = 1.0f / (1.0f + (float) Math.exp(-src[srcOff + i]));
        }
    }

    /** SwiGLU: {@code dst = silu(gate) * up}. */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, float[] dst, int dstOff, int n) {
        checkBinary("swiglu", gate, gateOff, up, upOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            float g = gate[gateOff + i];
            dst[dstOff + i] = g / (1.0f + (float) Math.exp(-g)) * up[upOff + i];
        }
    }

    /**
     * gpt-oss SwiGLU-OAI: {@code g = min(gate, limit)}, {@code u = clamp(up, -limit, limit)},
     * {@code dst = g * sigmoid(alpha * g) * (u + 1)} (gpt-oss: alpha 1.702, limit 7).
     */
    public static void swigluOai(float[] gate, int gateOff, float[] up, int upOff, float[] dst, int dstOff, int n,
                                 float alpha, float limit) {
        checkBinary("swigluOai", gate, gateOff, up, upOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            float g = Math.min(gate[gateOff + i], limit);
            float u = Math.max(Math.min(up[upOff + i], limit), -limit);
            float glu = g / (1.0f + (float) Math.exp(-alpha * g));
            dst[dstOff + i] = glu * (u + 1.0f);
        }
    }

    // ---------------------------------------------------------------- element-wise arithmetic

    /** {@code dst = a + b}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        checkBinary("add", a, aOff, b, bOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** {@code dst = a * b} (element-wise). */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        checkBinary("mul", a, aOff, b, bOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    /** {@code dst = src * s}. */
    public static void scale(float[] src, int srcOff, float[] dst, int dstOff, int n, float s) {
        checkUnary("scale", src, srcOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i] * s;
        }
    }

    /** {@code y += a * x} (axpy). */
    public static void addScaled(float[] y, int yOff, float[] x, int xOff, int n, float a) {
        checkUnary("addScaled", x, xOff, y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** {@code sum(a * b)}, the products rounded to float and summed in double. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Checks.nonNegative("dot n", n);
        Checks.range("dot a", a, aOff, n);
        Checks.range("dot b", b, bOff, n);
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return (float) sum;
    }

    // ---------------------------------------------------------------- checks

    static void checkUnary(String op, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        Checks.nonNegative(op + " n", n);
        Checks.range(op + " src", src, srcOff, n);
        Checks.range(op + " dst", dst, dstOff, n);
        Checks.sameOrDisjoint(op + " src/dst", src, srcOff, dst, dstOff, n);
    }

    static void checkBinary(String op, float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        Checks.nonNegative(op + " n", n);
        Checks.range(op + " a", a, aOff, n);
        Checks.range(op + " b", b, bOff, n);
        Checks.range(op + " dst", dst, dstOff, n);
        Checks.sameOrDisjoint(op + " a/dst", a, aOff, dst, dstOff, n);
        Checks.sameOrDisjoint(op + " b/dst", b, bOff, dst, dstOff, n);
    }
}
