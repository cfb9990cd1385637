package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VMath}: the lane sum is the exact sum rounded once (so the order of addition cannot show), and the vector exp
 * stays within 2 ulp of {@code Math.exp} over the whole float range, with the special values right.
 */
class VMathTest {
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;

    @Test
    void sumIsTheRoundedExactSum() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (VectorSpecies<Float> s : new VectorSpecies[] {S512, S256}) {
            for (int t = 0; t < 5000; t++) {
                float[] a = new float[s.length()];
                int scale = rnd.nextInt(-6, 7);
                for (int i = 0; i < a.length; i++) {
                    // magnitudes within 2^20 of each other: every double partial sum is exact
                    a[i] = (float) ((rnd.nextDouble() - 0.5) * Math.pow(2, scale * 3 + rnd.nextInt(0, 20)));
                }
                double exact = 0;
                double reversed = 0;
                for (int i = 0; i < a.length; i++) {
                    exact += a[i];
                    reversed += a[a.length - 1 - i];
                }
                float got = VMath.sum(FloatVector.fromArray(s, a, 0));
                assertEquals(Float.floatToRawIntBits((float) exact), Float.floatToRawIntBits(got), "lanes " + a.length);
                assertEquals(Float.floatToRawIntBits((float) exact), Float.floatToRawIntBits((float) reversed));
            }
        }
    }

    @Test
    void expIsWithinTwoUlp() {
        float[] xs = new float[16];
        float[] out = new float[16];
        SplittableRandom rnd = new SplittableRandom(5);
        int worst = 0;
        for (int t = 0; t < 200_000; t++) {
            for (int i = 0; i < 16; i++) {
                xs[i] = (float) (rnd.nextDouble() * 200 - 105);
            }
            exp(xs, out);
            for (int i = 0; i < 16; i++) {
                float ref = (float) Math.exp(xs[i]);
                if (ref == 0f || Float.isInfinite(ref)) {
                    assertTrue(out[i] == ref || Math.abs(out[i]) <= Float.MIN_VALUE * 2 || out[i] >= 3.39e38f,
                            "exp(" + xs[i] + ") = " + out[i] + ", want " + ref);
                    continue;
                }
                if (Math.abs(ref) < Float.MIN_NORMAL) {
                    assertTrue(Math.abs(out[i] - ref) <= 2 * Float.MIN_VALUE, "subnormal exp(" + xs[i] + ")");
                    continue;
                }
                int ulps = Math.abs(Float.floatToRawIntBits(out[i]) - Float.floatToRawIntBits(ref));
                worst = Math.max(worst, ulps);
            }
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    /** The vector exp of 16 values (all in vector lanes at 8 and 16 lanes). */
    private static void exp(float[] xs, float[] out) {
        assertEquals(0, 16 % VMath.EXP_SPECIES.length());
        VMath.expMap(VMath.EXP_SHIFTED, xs, 0, null, 0, out, 0, 16, 0f, 0f);
    }

    @Test
    void expSpecialValues() {
        float[] xs = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f, 1f, -1f,
                88.72283f, 88.7229f, 89f, -87.33655f, -100f, -103.9f, -104.5f, -1e30f, 1e30f};
        float[] out = new float[16];
        exp(xs, out);
        assertEquals(0f, out[0]);
        assertEquals(Float.POSITIVE_INFINITY, out[1]);
        assertTrue(Float.isNaN(out[2]));
        assertEquals(1f, out[3]);
        assertEquals(1f, out[4]);
        assertEquals((float) Math.E, out[5], Math.ulp((float) Math.E));
        assertEquals((float) Math.exp(-1), out[6], 2 * Math.ulp((float) Math.exp(-1)));
        assertTrue(out[7] > 3.4e38f && !Float.isInfinite(out[7]), "largest finite: " + out[7]);
        assertEquals(Float.POSITIVE_INFINITY, out[8]);
        assertEquals(Float.POSITIVE_INFINITY, out[9]);
        assertEquals((float) Math.exp(-87.33655f), out[10], 2 * Math.ulp((float) Math.exp(-87.33655f)));
        assertEquals((float) Math.exp(-100f), out[11], 2 * Float.MIN_VALUE);
        assertEquals(0f, out[13]);
        assertEquals(0f, out[14]);
        assertEquals(Float.POSITIVE_INFINITY, out[15]);
    }
}
