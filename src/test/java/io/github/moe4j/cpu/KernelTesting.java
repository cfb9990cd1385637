package io.github.moe4j.cpu;

import java.util.SplittableRandom;

/** Seeds and random inputs for the kernel tests (as io.github.moe4j.quant.QuantTesting does for the references). */
final class KernelTesting {
    private KernelTesting() {
    }

    /** A seed that changes every run unless {@code -Dmoe4j.seed=N} fixes it. */
    static long seed() {
        String s = System.getProperty("moe4j.seed");
        return s != null && !s.isBlank() ? Long.parseLong(s.trim()) : System.nanoTime();
    }

    /** Appended to failure messages so that a failing run can be repeated. */
    static String seedNote(long seed) {
        return " [seed " + seed + "; rerun with -Dmoe4j.seed=" + seed + "]";
    }

    /** Activation-like values: normal, times {@code scale}, with a few 8x outliers, as hidden states look. */
    static float[] activations(SplittableRandom rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = rnd.nextGaussian() * scale;
            if (rnd.nextInt(64) == 0) {
                v *= 8;
            }
            x[i] = (float) v;
        }
        return x;
    }
}
