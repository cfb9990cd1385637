package io.github.moe4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of {@link ScalarOps}, same signatures and contracts. Full vectors of the
 * preferred species run the bulk; the remaining {@code n % lanes} elements run the scalar formula
 * (no masked loads). Nothing is allocated.
 *
 * <p>Numerics differ from the reference only in summation order (lane-wise float partial sums,
 * reduced in double), FMA contraction and the vector {@code exp}, which is within 1 ulp of
 * {@link Math#exp}. Results are reproducible once C2 has compiled a kernel, but can differ by an ulp
 * while it warms up (the Vector API's Java fallback reduces lanes in another order and uses another
 * exp).
 */
public final class VectorOps {
    /** The float species every kernel here uses (512 bits on AVX-512). Must stay a static final. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Doubles of F's shape, for order-independent lane sums (see {@code VMath}). */
    static final VectorSpecies<Double> DF = VectorSpecies.of(double.class, F.vectorShape());
    static final int L = F.length();

    private VectorOps() {
    }

    // ---------------------------------------------------------------- RMSNorm

    /** @see ScalarOps#rmsNorm(float[], int, float[], int, float[], int, int, float) */
    public static void rmsNorm(float[] x, int xOff, float[] w, int wOff, float[] out, int outOff, int n, float eps) {
        ScalarOps.checkRmsNorm(x, xOff, w, wOff, out, outOff, n, eps);
        rmsNormUnchecked(x, xOff, w, wOff, out, outOff, n, eps);
    }

    /** @see ScalarOps#rmsNormHeads(float[], int, int, int, float[], int, float) */
    public static void rmsNormHeads(float[] x, int off, int nHead, int headDim, float[] w, int wOff, float eps) {
        ScalarOps.checkHeads(x, off, nHead, headDim);
        ScalarOps.checkRmsNorm(x, off, w, wOff, x, off, headDim, eps);
        for (int h = 0; h < nHead; h++) {
            int o = off + h * headDim;
            rmsNormUnchecked(x, o, w, wOff, x, o, headDim, eps);
        }
    }

    private static void rmsNormUnchecked(float[] x, int xOff, float[] w, int wOff, float[] out, int outOff, int n,
                                         float eps) {
        float scale = ScalarOps.rmsScale(sumSquares(x, xOff, n), n, eps);
        int bound = F.loopBound(n);
        int i = 0;
        if (w == null) {
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xOff + i).mul(scale).intoArray(out, outOff + i);
            }
            for (; i < n; i++) {
                out[outOff + i] = x[xOff + i] * scale;
            }
        } else {
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xOff + i).mul(scale)
                        .mul(FloatVector.fromArray(F, w, wOff + i)).intoArray(out, outOff + i);
            }
            for (; i < n; i++) {
                out[outOff + i] = x[xOff + i] * scale * w[wOff + i];
            }
        }
    }

    /** Sum of squares: two lane-wise float accumulators, reduced and finished in double. */
    static double sumSquares(float[] x, int off, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector a = FloatVector.fromArray(F, x, off + i);
            FloatVector b = FloatVector.fromArray(F, x, off + i + L);
            acc0 = a.fma(a, acc0);
            acc1 = b.fma(b, acc1);
        }
        for (; i <= n - L; i += L) {
            FloatVector a = FloatVector.fromArray(F, x, off + i);
            acc0 = a.fma(a, acc0);
        }
        FloatVector red = acc0.add(acc1);
        double sum = (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, DF, 0)).add(red.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    // ---------------------------------------------------------------- softmax

    /** @see ScalarOps#softmax(float[], int, int, float, float[], int) */
    public static void softmax(float[] x, int off, int n, float scale, float[] mask, int maskOff) {
        ScalarOps.checkSoftmax(x, off, n, mask, maskOff);
        int bound = F.loopBound(n);
        // pass 1: x = x * scale (+ mask), running max
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).mul(scale);
            if (mask != null) {
                v = v.add(FloatVector.fromArray(F, mask, maskOff + i));
            }
            v.intoArray(x, off + i);
            vmax = vmax.max(v);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float v = x[off + i] * scale;
            if (mask != null) {
                v += mask[maskOff + i];
            }
            x[off + i] = v;
            max = Math.max(max, v);
        }
        // pass 2: exponentials and their sum
        double sum = expAndSum(x, off, n, max);
        // pass 3: normalise
        float inv = (float) (1.0 / sum);
        scaleUnchecked(x, off, x, off, n, inv);
    }

    /** @see ScalarOps#softmax(float[], int, int) */
    public static void softmax(float[] x, int off, int n) {
        softmax(x, off, n, 1.0f, null, 0);
    }

    /** {@code x = exp(x - max)} in place; returns the sum (float lanes, finished in double). */
    static double expAndSum(float[] x, int off, int n, float max) {
        double sum = VMath.expMap(VMath.EXP_SHIFTED, x, off, null, 0, x, off, n, max, 0f);
        for (int i = F.loopBound(n); i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    /** The largest of {@code x[off, off + n)}, n >= 1. */
    static float maxUnchecked(float[] x, int off, int n) {
        int bound = F.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += L) {
            vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    // ---------------------------------------------------------------- activations

    /** @see ScalarOps#silu(float[], int, float[], int, int) */
    public static void silu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        ScalarOps.checkUnary("silu", src, srcOff, dst, dstOff, n);
        VMath.expMap(VMath.SILU, src, srcOff, null, 0, dst, dstOff, n, 0f, 0f);
        int i = F.loopBound(n);
        for (; i < n; i++) {
            float x = src[srcOff + i];
            dst[dstOff + i] = x / (1.0f + (float) Math.exp(-x));
        }
    }

    /** @see ScalarOps#sigmoid(float[], int, float[], int, int) */
    public static void sigmoid(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        ScalarOps.checkUnary("sigmoid", src, srcOff, dst, dstOff, n);
        VMath.expMap(VMath.SIGMOID, src, srcOff, null, 0, dst, dstOff, n, 0f, 0f);
        int i = F.loopBound(n);
        for (; i < n; i++) {
            dst[dstOff + i] = 1.0f / (1.0f + (float) Math.exp(-src[srcOff + i]));
        }
    }

    /** @see ScalarOps#swiglu(float[], int, float[], int, float[], int, int) */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, float[] dst, int dstOff, int n) {
        ScalarOps.checkBinary("swiglu", gate, gateOff, up, upOff, dst, dstOff, n);
        VMath.expMap(VMath.SWIGLU, gate, gateOff, up, upOff, dst, dstOff, n, 0f, 0f);
        int i = F.loopBound(n);
        for (; i < n; i++) {
            float g = gate[gateOff + i];
            dst[dstOff + i] = g / (1.0f + (float) Math.exp(-g)) * up[upOff + i];
        }
    }

    /** @see ScalarOps#swigluOai(float[], int, float[], int, float[], int, int, float, float) */
    public static void swigluOai(float[] gate, int gateOff, float[] up, int upOff, float[] dst, int dstOff, int n,
                                 float alpha, float limit) {
        ScalarOps.checkBinary("swigluOai", gate, gateOff, up, upOff, dst, dstOff, n);
        VMath.expMap(VMath.SWIGLU_OAI, gate, gateOff, up, upOff, dst, dstOff, n, alpha, limit);
        int i = F.loopBound(n);
        for (; i < n; i++) {
            float g = Math.min(gate[gateOff + i], limit);
            float u = Math.max(Math.min(up[upOff + i], limit), -limit);
            dst[dstOff + i] = g / (1.0f + (float) Math.exp(-alpha * g)) * (u + 1.0f);
        }
    }

    // ---------------------------------------------------------------- element-wise arithmetic

    /** @see ScalarOps#add(float[], int, float[], int, float[], int, int) */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        ScalarOps.checkBinary("add", a, aOff, b, bOff, dst, dstOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** @see ScalarOps#mul(float[], int, float[], int, float[], int, int) */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        ScalarOps.checkBinary("mul", a, aOff, b, bOff, dst, dstOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    /** @see ScalarOps#scale(float[], int, float[], int, int, float) */
    public static void scale(float[] src, int srcOff, float[] dst, int dstOff, int n, float s) {
        ScalarOps.checkUnary("scale", src, srcOff, dst, dstOff, n);
        scaleUnchecked(src, srcOff, dst, dstOff, n, s);
    }

    static void scaleUnchecked(float[] src, int srcOff, float[] dst, int dstOff, int n, float s) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, src, srcOff + i).mul(s).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i] * s;
        }
    }

    /** @see ScalarOps#addScaled(float[], int, float[], int, int, float) */
    public static void addScaled(float[] y, int yOff, float[] x, int xOff, int n, float a) {
        ScalarOps.checkUnary("addScaled", x, xOff, y, yOff, n);
        addScaledUnchecked(y, yOff, x, xOff, n, a);
    }

    static void addScaledUnchecked(float[] y, int yOff, float[] x, int xOff, int n, float a) {
        int bound = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** @see ScalarOps#dot(float[], int, float[], int, int) */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Checks.nonNegative("dot n", n);
        Checks.range("dot a", a, aOff, n);
        Checks.range("dot b", b, bOff, n);
        return dotUnchecked(a, aOff, b, bOff, n);
    }

    /** Four lane-wise accumulators (hides the FMA latency), reduced in float. */
    static float dotUnchecked(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        FloatVector red = acc0.add(acc1).add(acc2.add(acc3));
        float sum = (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, DF, 0)).add(red.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }
}
