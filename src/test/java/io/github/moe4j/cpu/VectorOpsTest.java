package io.github.moe4j.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@link VectorOps} kernel against its {@link ScalarOps} reference, on fresh random inputs at
 * sizes around the vector width (16 lanes here: 1, 3, 17, 63, 64, 65, 257 exercise tail-only,
 * vector-plus-tail and multi-accumulator paths), at odd offsets, with NaN sentinels around every
 * output range to catch writes outside it.
 *
 * <p>Tolerances (|fast - ref| <= abs + rel |ref|):
 * <ul>
 * <li>add, mul, scale: 0. The same single IEEE operation per element.
 * <li>rmsNorm: rel 1e-5. Only the sum of squares differs: 32 float lane sums (at most n/32 + 2
 *     roundings each, about 1e-6 relative for n = 257) against one double sum; 1/sqrt halves that,
 *     and each output element adds 2 ulps. A wrong eps, weight or element is off by far more.
 * <li>softmax: rel 1e-5, abs 1e-12. Vector exp is within 1 ulp; the denominator is a float
 *     lane sum (error below 1e-6 for these n); abs covers outputs near float's subnormal range.
 * <li>silu, sigmoid, swiglu, swigluOai: rel 1e-6. Each is exp (1 ulp), one add, one divide and at
 *     most two multiplies: a few ulps (1 ulp = 6e-8 relative).
 * <li>addScaled: abs 1e-6 (|y| + |a x|). FMA against multiply-then-add: at most 1 ulp of the
 *     product and 1 ulp of the sum.
 * <li>dot: 4e-6 x sum |a_i b_i|. Worst-case float summation error is about (chain length) x 2^-24
 *     per partial sum; chains here are n/64 + 16 long at most, so 21 x 6e-8 = 1.3e-6 for n = 257.
 * </ul>
 */
class VectorOpsTest {
    private static final int PAD = 5;   // sentinel floats either side of every output range
    private static final float EPS = 1e-6f;

    // ---------------------------------------------------------------- helpers

    /** An array of PAD + n + PAD: NaN sentinels around n copies of the values (or zeros). */
    private static float[] padded(float[] values, int n) {
        float[] a = new float[n + 2 * PAD];
        Arrays.fill(a, Float.NaN);
        if (values != null) {
            System.arraycopy(values, 0, a, PAD, n);
        } else {
            Arrays.fill(a, PAD, PAD + n, 0.0f);
        }
        return a;
    }

    private static void assertPadding(Rng rng, String what, float[] a, int n) {
        for (int i = 0; i < PAD; i++) {
            if (!Float.isNaN(a[i]) || !Float.isNaN(a[PAD + n + i])) {
                fail(what + ": wrote outside its range" + rng.tag());
            }
        }
    }

    // ---------------------------------------------------------------- RMSNorm

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 63, 64, 65, 257, 2048})
    void rmsNorm(int n) {
        Rng rng = Rng.create();
        float[] x = padded(rng.gaussian(n, 2.0), n);
        float[] w = padded(rng.uniform(n, 0.5f, 1.5f), n);
        for (boolean weighted : new boolean[]{true, false}) {
            float[] ref = padded(null, n);
            float[] fast = padded(null, n);
            float[] wt = weighted ? w : null;
            ScalarOps.rmsNorm(x, PAD, wt, PAD, ref, PAD, n, EPS);
            VectorOps.rmsNorm(x, PAD, wt, PAD, fast, PAD, n, EPS);
            rng.assertClose("rmsNorm n=" + n + " weighted=" + weighted, ref, fast, 0, 1e-5);
            assertPadding(rng, "rmsNorm", fast, n);
            // in place gives the same
            float[] inPlace = x.clone();
            VectorOps.rmsNorm(inPlace, PAD, wt, PAD, inPlace, PAD, n, EPS);
            // (1e-6: the same code, but a JIT tier change may reorder the lane reduction)
            rng.assertClose("rmsNorm in place n=" + n, fast, inPlace, 0, 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 192})
    void rmsNormHeads(int headDim) {
        Rng rng = Rng.create();
        int nHead = 5;
        float[] x = rng.gaussian(nHead * headDim + 3, 1.0);
        float[] w = rng.uniform(headDim, 0.5f, 1.5f);
        float[] ref = x.clone();
        float[] fast = x.clone();
        ScalarOps.rmsNormHeads(ref, 3, nHead, headDim, w, 0, EPS);
        VectorOps.rmsNormHeads(fast, 3, nHead, headDim, w, 0, EPS);
        rng.assertClose("rmsNormHeads headDim=" + headDim, ref, fast, 0, 1e-5);
        assertEquals(x[0], fast[0]);   // before the block: untouched
        // each head normalised on its own: equal to the plain op on that head
        float[] one = new float[headDim];
        ScalarOps.rmsNorm(x, 3 + 2 * headDim, w, 0, one, 0, headDim, EPS);
        rng.assertClose("head 2", one, 0, ref, 3 + 2 * headDim, headDim, 0, 0);
    }

    // ---------------------------------------------------------------- softmax

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 63, 64, 65, 257})
    void softmax(int n) {
        Rng rng = Rng.create();
        float[] x = padded(rng.gaussian(n, 4.0), n);
        float[] mask = rng.uniform(n, -3.0f, 0.0f);
        for (int i = 0; i < n; i += 3) {
            mask[i] = Float.NEGATIVE_INFINITY;   // masked entries; entry 1 (when present) stays open
        }
        if (n == 1) {
            mask[0] = 0.0f;
        }
        float[] ref = x.clone();
        float[] fast = x.clone();
        ScalarOps.softmax(ref, PAD, n);
        VectorOps.softmax(fast, PAD, n);
        rng.assertClose("softmax n=" + n, ref, fast, 1e-12, 1e-5);
        assertPadding(rng, "softmax", fast, n);

        ref = x.clone();
        fast = x.clone();
        ScalarOps.softmax(ref, PAD, n, 0.37f, mask, 0);
        VectorOps.softmax(fast, PAD, n, 0.37f, mask, 0);
        rng.assertClose("softmax scaled+masked n=" + n, ref, fast, 1e-12, 1e-5);
        for (int i = 0; i < n; i += 3) {
            if (n > 1) {
                assertEquals(0.0f, fast[PAD + i], "masked entry " + i + rng.tag());
            }
        }
    }

    // ---------------------------------------------------------------- activations

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 63, 64, 65, 257})
    void activations(int n) {
        Rng rng = Rng.create();
        float[] a = padded(rng.uniform(n, -12.0f, 12.0f), n);
        float[] b = padded(rng.uniform(n, -10.0f, 10.0f), n);
        float[] ref = padded(null, n);
        float[] fast = padded(null, n);

        ScalarOps.silu(a, PAD, ref, PAD, n);
        VectorOps.silu(a, PAD, fast, PAD, n);
        rng.assertClose("silu n=" + n, ref, fast, 0, 1e-6);
        assertPadding(rng, "silu", fast, n);

        ScalarOps.sigmoid(a, PAD, ref, PAD, n);
        VectorOps.sigmoid(a, PAD, fast, PAD, n);
        rng.assertClose("sigmoid n=" + n, ref, fast, 0, 1e-6);

        ScalarOps.swiglu(a, PAD, b, PAD, ref, PAD, n);
        VectorOps.swiglu(a, PAD, b, PAD, fast, PAD, n);
        rng.assertClose("swiglu n=" + n, ref, fast, 0, 1e-6);
        assertPadding(rng, "swiglu", fast, n);

        ScalarOps.swigluOai(a, PAD, b, PAD, ref, PAD, n, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT);
        VectorOps.swigluOai(a, PAD, b, PAD, fast, PAD, n, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT);
        rng.assertClose("swigluOai n=" + n, ref, fast, 0, 1e-6);
        assertPadding(rng, "swigluOai", fast, n);

        // in place over the gate
        float[] inPlace = a.clone();
        VectorOps.swiglu(inPlace, PAD, b, PAD, inPlace, PAD, n);
        ScalarOps.swiglu(a, PAD, b, PAD, ref, PAD, n);
        rng.assertClose("swiglu in place n=" + n, ref, inPlace, 0, 1e-6);
    }

    // ---------------------------------------------------------------- arithmetic

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 63, 64, 65, 257})
    void arithmetic(int n) {
        Rng rng = Rng.create();
        float[] a = padded(rng.gaussian(n, 3.0), n);
        float[] b = padded(rng.gaussian(n, 3.0), n);
        float[] ref = padded(null, n);
        float[] fast = padded(null, n);

        ScalarOps.add(a, PAD, b, PAD, ref, PAD, n);
        VectorOps.add(a, PAD, b, PAD, fast, PAD, n);
        rng.assertClose("add n=" + n, ref, fast, 0, 0);
        assertPadding(rng, "add", fast, n);

        ScalarOps.mul(a, PAD, b, PAD, ref, PAD, n);
        VectorOps.mul(a, PAD, b, PAD, fast, PAD, n);
        rng.assertClose("mul n=" + n, ref, fast, 0, 0);

        ScalarOps.scale(a, PAD, ref, PAD, n, -0.731f);
        VectorOps.scale(a, PAD, fast, PAD, n, -0.731f);
        rng.assertClose("scale n=" + n, ref, fast, 0, 0);
        assertPadding(rng, "scale", fast, n);

        float[] yRef = b.clone();
        float[] yFast = b.clone();
        ScalarOps.addScaled(yRef, PAD, a, PAD, n, 1.37f);
        VectorOps.addScaled(yFast, PAD, a, PAD, n, 1.37f);
        for (int i = 0; i < n; i++) {
            double tol = 1e-6 * (Math.abs(b[PAD + i]) + Math.abs(1.37f * a[PAD + i]));
            rng.assertClose("addScaled n=" + n, yRef, PAD + i, yFast, PAD + i, 1, tol, 0);
        }
        assertPadding(rng, "addScaled", yFast, n);

        float dRef = ScalarOps.dot(a, PAD, b, PAD, n);
        float dFast = VectorOps.dot(a, PAD, b, PAD, n);
        double absSum = 0;
        for (int i = 0; i < n; i++) {
            absSum += Math.abs(a[PAD + i] * b[PAD + i]);
        }
        assertEquals(dRef, dFast, 4e-6 * absSum, "dot n=" + n + rng.tag());
    }
}
