package io.github.moe4j.cpu;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random inputs for kernel tests. The seed differs on every run unless {@code -Dmoe4j.seed=N} fixes
 * it; every failure message carries it, so a failing run can be repeated exactly.
 */
final class Rng {
    final long seed;
    final Random random;

    private Rng(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    static Rng create() {
        String fixed = System.getProperty("moe4j.seed");
        long seed = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim())
                : System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return new Rng(seed);
    }

    /** Appended to every assertion message. */
    String tag() {
        return " [seed " + seed + "; rerun with -Dmoe4j.seed=" + seed + "]";
    }

    /** Uniform in [lo, hi). */
    float[] uniform(int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * random.nextFloat();
        }
        return a;
    }

    /** Normal with the given standard deviation. */
    float[] gaussian(int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * sd);
        }
        return a;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /**
     * {@code |actual - expected| <= abs + rel * |expected|} element-wise over {@code n} values from the
     * given offsets; on failure reports the first offending index, both values and the seed.
     */
    void assertClose(String what, float[] expected, int eOff, float[] actual, int aOff, int n, double abs, double rel) {
        for (int i = 0; i < n; i++) {
            double e = expected[eOff + i];
            double a = actual[aOff + i];
            boolean ok = e == a || Math.abs(a - e) <= abs + rel * Math.abs(e) || (Double.isNaN(e) && Double.isNaN(a));
            if (!ok) {
                fail(what + ": index " + i + " of " + n + ": expected " + e + ", got " + a + " (diff "
                        + Math.abs(a - e) + ", tolerance abs " + abs + " + rel " + rel + ")" + tag());
            }
        }
    }

    void assertClose(String what, float[] expected, float[] actual, double abs, double rel) {
        if (expected.length != actual.length) {
            fail(what + ": lengths " + expected.length + " and " + actual.length + tag());
        }
        assertClose(what, expected, 0, actual, 0, expected.length, abs, rel);
    }
}
