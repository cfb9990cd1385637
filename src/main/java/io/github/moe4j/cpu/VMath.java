package io.github.moe4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector operations whose results do not depend on whether the JIT has compiled them.
 *
 * <p>The Vector API leaves the order of a float {@code reduceLanes(ADD)} unspecified, and its
 * {@code EXP} is a library call whose last bit differs between the interpreted fallback
 * ({@code Math.exp} per lane) and the compiled intrinsic. Both made a model's logits change (by up to
 * 0.016) between the first calls of a JVM and later ones, so that the same seed did not give the same
 * text. Sums widen the lanes to double, where their addition is exact (so its order does not
 * matter, see {@link #sum}); {@code exp} is a Cephes-style polynomial of lane-wise IEEE operations
 * (add, mul, fma, exact conversions), which give the same bits in every execution mode, within 2 ulp
 * of {@code Math.exp} over the float range.
 */
final class VMath {
    private VMath() {
    }

    /**
     * The sum of the lanes of a vector of the preferred shape, the way every kernel takes it: the two
     * halves widened to double, added lane-wise, the double lanes reduced, then rounded once to float.
     * In double, adding these float values is exact unless their magnitudes span more than about
     * 2^26, so the result does not depend on the order in which the lanes are added; even beyond that
     * span two orders give different floats only when the double sums straddle a float rounding
     * boundary. The kernels write this expression out in place instead of calling this method: a call
     * is inlined only while C2 is under its node budget for the caller, and one left out of line boxes
     * its vector argument on the heap. This method is the reference the tests check them against.
     */
    static float sum(FloatVector v) {
        VectorSpecies<Double> d = VectorSpecies.of(double.class, v.shape());
        return (float) ((DoubleVector) v.convertShape(VectorOperators.F2D, d, 0))
                .add(v.convertShape(VectorOperators.F2D, d, 1)).reduceLanes(VectorOperators.ADD);
    }

    /** Doubles of {@link #EXP_SPECIES}' shape, for its lane sums. */
    private static final VectorSpecies<Double> EXP_DOUBLES = VectorSpecies.of(double.class, FloatVector.SPECIES_PREFERRED.vectorShape());

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float MAGIC = 12582912f;            // 1.5 * 2^23: x + MAGIC - MAGIC rounds to an integer
    private static final float HI = 88.72283905206835f;      // ln(Float.MAX_VALUE)
    private static final float LO = -104f;                   // below: exp is 0 in float (e^-104 < 2^-150)

    /** The species {@link #expMap} works in: the platform's preferred one, as {@code VectorOps}. */
    static final VectorSpecies<Float> EXP_SPECIES = FloatVector.SPECIES_PREFERRED;

    /** {@link #expMap} kinds. */
    static final int EXP_SHIFTED = 0, SILU = 1, SIGMOID = 2, SWIGLU = 3, SWIGLU_OAI = 4;

    /**
     * The vector part of every exp-based element-wise op, over {@code [0, EXP_SPECIES.loopBound(n))}; returns the lane sum of the outputs for {@link #EXP_SHIFTED} (0 otherwise).
     * The exp is written out in the loop (not a method taking a vector) so that no vector crosses a
     * call that C2 might not inline, which would allocate.
     * <ul>
     * <li>EXP_SHIFTED: {@code dst = exp(a - p1)}
     * <li>SILU: {@code dst = a / (1 + exp(-a))}; SIGMOID: {@code dst = 1 / (1 + exp(-a))}
     * <li>SWIGLU: {@code dst = a / (1 + exp(-a)) * b}
     * <li>SWIGLU_OAI: {@code g = min(a, p2)}, {@code u = clamp(b, -p2, p2)},
     *     {@code dst = g / (1 + exp(-p1 g)) * (u + 1)} (p1 = alpha, p2 = limit)
     * </ul>
     * Range reduction {@code x = n ln2 + r}, |r| <= ln2/2, a degree-6 polynomial for {@code e^r}, and
     * {@code 2^n} applied in two exact steps so that subnormal results come out right; +Inf above
     * ln(MAX_VALUE), 0 below -104, NaN for NaN.
     */
    static float expMap(int kind, float[] a, int aOff, float[] b, int bOff,
                        float[] dst, int dstOff, int n, float p1, float p2) {
        VectorSpecies<Float> sp = EXP_SPECIES;
        int bound = sp.loopBound(n);
        int len = sp.length();
        FloatVector one = FloatVector.broadcast(sp, 1f);
        FloatVector vsum = FloatVector.zero(sp);
        for (int i = 0; i < bound; i += len) {
            FloatVector va = FloatVector.fromArray(sp, a, aOff + i);
            // no nullable vector here: a phi of null and a vector makes C2 box the vector on the heap
            FloatVector vb = kind >= SWIGLU ? FloatVector.fromArray(sp, b, bOff + i) : one;
            FloatVector x;
            if (kind == EXP_SHIFTED) {
                x = va.sub(p1);
            } else if (kind == SWIGLU_OAI) {
                va = va.min(p2);
                vb = vb.min(p2).max(-p2);
                x = va.mul(-p1);
            } else {
                x = va.neg();
            }
            // e^x
            FloatVector xc = x.min(HI).max(LO);
            FloatVector k = xc.mul(LOG2E).add(MAGIC).sub(MAGIC);
            FloatVector r = k.fma(FloatVector.broadcast(sp, -LN2_HI), xc);
            r = k.fma(FloatVector.broadcast(sp, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(sp, 1.9875691500e-4f);
            p = p.fma(r, FloatVector.broadcast(sp, 1.3981999507e-3f));
            p = p.fma(r, FloatVector.broadcast(sp, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(sp, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(sp, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(sp, 5.0000001201e-1f));
            p = p.mul(r.mul(r)).add(r).add(one);
            IntVector ki = (IntVector) k.convert(VectorOperators.F2I, 0);
            IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = ki.sub(k1);
            FloatVector e = p.mul(k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HI));
            e = e.blend(0f, x.compare(VectorOperators.LT, LO));
            e = e.blend(x, x.test(VectorOperators.IS_NAN));
            FloatVector y;
            if (kind == EXP_SHIFTED) {
                y = e;
            } else if (kind == SILU) {
                y = va.div(e.add(one));
            } else if (kind == SIGMOID) {
                y = one.div(e.add(one));
            } else if (kind == SWIGLU) {
                y = va.div(e.add(one)).mul(vb);
            } else {
                y = va.div(e.add(one)).mul(vb.add(one));
            }
            y.intoArray(dst, dstOff + i);
            vsum = vsum.add(y);
        }
        if (kind != EXP_SHIFTED) {
            return 0f;
        }
        // as sum(), written out with a constant species (see there)
        return (float) ((DoubleVector) vsum.convertShape(VectorOperators.F2D, EXP_DOUBLES, 0))
                .add(vsum.convertShape(VectorOperators.F2D, EXP_DOUBLES, 1)).reduceLanes(VectorOperators.ADD);
    }
}
