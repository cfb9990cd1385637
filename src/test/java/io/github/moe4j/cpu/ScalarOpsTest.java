package io.github.moe4j.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known values of the scalar references, and argument validation of both versions. */
class ScalarOpsTest {

    @Test
    void rmsNormKnownValues() {
        float[] x = {3, 4};
        float[] y = new float[2];
        ScalarOps.rmsNorm(x, 0, null, 0, y, 0, 2, 0f);   // rms = sqrt((9 + 16) / 2)
        double rms = Math.sqrt(12.5);
        assertArrayEquals(new float[]{(float) (3 / rms), (float) (4 / rms)}, y, 1e-7f);
        ScalarOps.rmsNorm(x, 0, new float[]{2, -1}, 0, y, 0, 2, 0f);
        assertArrayEquals(new float[]{(float) (6 / rms), (float) (-4 / rms)}, y, 1e-6f);
        // eps dominates a tiny input: y = x / sqrt(eps)
        ScalarOps.rmsNorm(new float[]{1e-6f}, 0, null, 0, y, 0, 1, 1e-2f);
        assertEquals(1e-5f, y[0], 1e-9f);
        // the output has mean square 1
        Rng rng = Rng.create();
        float[] z = rng.gaussian(300, 5.0);
        ScalarOps.rmsNorm(z, 0, null, 0, z, 0, 300, 0f);
        assertEquals(1.0, ScalarOps.dot(z, 0, z, 0, 300) / 300, 1e-5, rng.tag());
    }

    @Test
    void softmaxKnownValues() {
        float[] x = {1, 2, 3};
        ScalarOps.softmax(x, 0, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new float[]{(float) (Math.exp(1) / z), (float) (Math.exp(2) / z), (float) (Math.exp(3) / z)},
                x, 1e-7f);
        // sums to 1 and keeps the order, also for large logits (max subtraction: no overflow)
        Rng rng = Rng.create();
        float[] y = rng.gaussian(257, 50.0);
        y[7] = 1000f;
        float[] before = y.clone();
        ScalarOps.softmax(y, 0, 257);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            assertTrue(y[i] >= 0 && Float.isFinite(y[i]));
            sum += y[i];
            if (i > 0 && before[i] > before[i - 1]) {
                assertTrue(y[i] >= y[i - 1], "order at " + i + rng.tag());
            }
            if (i > 0 && before[i] < before[i - 1]) {
                assertTrue(y[i] <= y[i - 1], "order at " + i + rng.tag());
            }
        }
        assertEquals(1.0, sum, 1e-6, rng.tag());
        // scale and mask: softmax(0.5 * [2, 4, 6] + [0, -inf, 0]) = softmax([1, -inf, 3])
        float[] w = {2, 4, 6};
        ScalarOps.softmax(w, 0, 3, 0.5f, new float[]{0, Float.NEGATIVE_INFINITY, 0}, 0);
        double z2 = Math.exp(1) + Math.exp(3);
        assertArrayEquals(new float[]{(float) (Math.exp(1) / z2), 0f, (float) (Math.exp(3) / z2)}, w, 1e-7f);
    }

    @Test
    void activationKnownValues() {
        float[] x = {0f, 1f, -1f, 20f, -100f, 10f};
        float[] y = new float[6];
        ScalarOps.silu(x, 0, y, 0, 6);
        assertArrayEquals(new float[]{0f, (float) (1 / (1 + Math.exp(-1))), (float) (-1 / (1 + Math.exp(1))),
                (float) (20 / (1 + Math.exp(-20))), -0f, (float) (10 / (1 + Math.exp(-10)))}, y, 1e-6f);
        ScalarOps.sigmoid(x, 0, y, 0, 6);
        assertEquals(0.5f, y[0]);
        assertEquals(1f / (1f + (float) Math.E), y[2], 1e-7f);
        // swiglu = silu(gate) * up
        float[] up = {2f, 3f, 4f, 5f, 6f, 7f};
        float[] s = new float[6];
        ScalarOps.swiglu(x, 0, up, 0, s, 0, 6);
        assertEquals((float) (3 / (1 + Math.exp(-1))), s[1], 1e-6f);
        // SwiGLU-OAI: gate clipped at 7 from above only, up clamped to [-7, 7]
        float[] g = {10f, -10f, 1f, 1f};
        float[] u = {0f, 0f, 100f, -100f};
        float[] o = new float[4];
        ScalarOps.swigluOai(g, 0, u, 0, o, 0, 4, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT);
        double sig7 = 1 / (1 + Math.exp(-1.702 * 7));
        double sigM10 = 1 / (1 + Math.exp(1.702 * 10));
        double sig1 = 1 / (1 + Math.exp(-1.702));
        assertArrayEquals(new float[]{(float) (7 * sig7), (float) (-10 * sigM10), (float) (sig1 * 8), (float) (sig1 * -6)},
                o, 1e-6f);
    }

    @Test
    void arithmeticKnownValues() {
        float[] a = {1, 2, 3};
        float[] b = {10, 20, 30};
        float[] d = new float[3];
        ScalarOps.add(a, 0, b, 0, d, 0, 3);
        assertArrayEquals(new float[]{11, 22, 33}, d);
        ScalarOps.mul(a, 0, b, 0, d, 0, 3);
        assertArrayEquals(new float[]{10, 40, 90}, d);
        ScalarOps.scale(a, 1, d, 0, 2, 0.5f);
        assertArrayEquals(new float[]{1, 1.5f, 90}, d);
        ScalarOps.addScaled(b, 0, a, 0, 3, 2f);
        assertArrayEquals(new float[]{12, 24, 36}, b);
        assertEquals(1 * 12 + 2 * 24 + 3 * 36, ScalarOps.dot(a, 0, b, 0, 3));
    }

    /** Sizes and offsets that do not fit throw IllegalArgumentException, in both versions. */
    @Test
    void rejectsBadSizes() {
        float[] x = new float[8];
        float[] y = new float[8];
        for (boolean fast : new boolean[]{false, true}) {
            Runnable[] bad = fast ? new Runnable[]{
                    () -> VectorOps.rmsNorm(x, 1, null, 0, y, 0, 8, 1e-6f),
                    () -> VectorOps.rmsNorm(x, 0, new float[7], 0, y, 0, 8, 1e-6f),
                    () -> VectorOps.rmsNorm(x, 0, null, 0, y, 0, 0, 1e-6f),
                    () -> VectorOps.rmsNorm(x, 0, null, 0, y, 0, 8, -1f),
                    () -> VectorOps.rmsNorm(x, 0, null, 0, x, 1, 7, 1e-6f),
                    () -> VectorOps.rmsNormHeads(x, 0, 3, 3, null, 0, 1e-6f),
                    () -> VectorOps.softmax(x, 0, 9),
                    () -> VectorOps.softmax(x, 0, 8, 1f, new float[4], 0),
                    () -> VectorOps.silu(x, 0, y, 1, 8),
                    () -> VectorOps.sigmoid(x, -1, y, 0, 2),
                    () -> VectorOps.swiglu(x, 0, new float[3], 0, y, 0, 4),
                    () -> VectorOps.swigluOai(x, 0, y, 0, new float[2], 0, 4, 1.702f, 7f),
                    () -> VectorOps.add(x, 0, y, 0, y, 1, 4),
                    () -> VectorOps.mul(x, 0, y, 0, null, 0, 4),
                    () -> VectorOps.scale(x, 0, y, 0, -1, 2f),
                    () -> VectorOps.addScaled(y, 4, x, 0, 5, 1f),
                    () -> VectorOps.dot(x, 0, y, 1, 8),
            } : new Runnable[]{
                    () -> ScalarOps.rmsNorm(x, 1, null, 0, y, 0, 8, 1e-6f),
                    () -> ScalarOps.rmsNorm(x, 0, new float[7], 0, y, 0, 8, 1e-6f),
                    () -> ScalarOps.rmsNorm(x, 0, null, 0, y, 0, 0, 1e-6f),
                    () -> ScalarOps.rmsNorm(x, 0, null, 0, y, 0, 8, -1f),
                    () -> ScalarOps.rmsNorm(x, 0, null, 0, x, 1, 7, 1e-6f),
                    () -> ScalarOps.rmsNormHeads(x, 0, 3, 3, null, 0, 1e-6f),
                    () -> ScalarOps.softmax(x, 0, 9),
                    () -> ScalarOps.softmax(x, 0, 8, 1f, new float[4], 0),
                    () -> ScalarOps.silu(x, 0, y, 1, 8),
                    () -> ScalarOps.sigmoid(x, -1, y, 0, 2),
                    () -> ScalarOps.swiglu(x, 0, new float[3], 0, y, 0, 4),
                    () -> ScalarOps.swigluOai(x, 0, y, 0, new float[2], 0, 4, 1.702f, 7f),
                    () -> ScalarOps.add(x, 0, y, 0, y, 1, 4),
                    () -> ScalarOps.mul(x, 0, y, 0, null, 0, 4),
                    () -> ScalarOps.scale(x, 0, y, 0, -1, 2f),
                    () -> ScalarOps.addScaled(y, 4, x, 0, 5, 1f),
                    () -> ScalarOps.dot(x, 0, y, 1, 8),
            };
            for (int i = 0; i < bad.length; i++) {
                Runnable r = bad[i];
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run,
                        (fast ? "VectorOps" : "ScalarOps") + " case " + i);
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            }
        }
    }
}
