package io.github.moe4j.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** Top-k: known answers of the reference, and the fast selection equal to it (exactly). */
class TopKTest {

    @Test
    void referenceKnownValues() {
        float[] s = {0.1f, 0.9f, 0.3f, 0.9f, -1f, 0.5f};
        int[] idx = new int[4];
        float[] val = new float[4];
        TopK.reference(s, 0, s.length, 4, idx, 0, val, 0);
        assertArrayEquals(new int[]{1, 3, 5, 2}, idx);   // the tie 0.9 / 0.9 ranks index 1 first
        assertArrayEquals(new float[]{0.9f, 0.9f, 0.5f, 0.3f}, val);
        float[] inf = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 2f};
        TopK.reference(inf, 0, 3, 3, idx, 1, val, 1);
        assertArrayEquals(new int[]{2, 0, 1}, Arrays.copyOfRange(idx, 1, 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 17, 32, 60, 64, 65, 128, 160, 256, 257})
    void fastEqualsReference(int n) {
        Rng rng = Rng.create();
        for (int k = 1; k <= Math.min(8, n); k++) {
            for (int kind = 0; kind < 4; kind++) {
                float[] s = scores(rng, n, kind);
                int off = rng.nextInt(3);
                float[] shifted = new float[off + n];
                System.arraycopy(s, 0, shifted, off, n);
                int[] iRef = new int[k + 2];
                int[] iFast = new int[k + 2];
                float[] vRef = new float[k + 1];
                float[] vFast = new float[k + 1];
                TopK.reference(shifted, off, n, k, iRef, 2, vRef, 1);
                TopK.select(shifted, off, n, k, iFast, 2, vFast, 1);
                if (!Arrays.equals(iRef, iFast) || !Arrays.equals(vRef, vFast)) {
                    fail("n " + n + " k " + k + " kind " + kind + ": reference " + Arrays.toString(iRef) + " "
                            + Arrays.toString(vRef) + ", fast " + Arrays.toString(iFast) + " " + Arrays.toString(vFast)
                            + rng.tag());
                }
            }
        }
    }

    /** 0: distinct random; 1: few distinct values (many ties); 2: ascending (every block inserts); 3: -inf mixed in. */
    private static float[] scores(Rng rng, int n, int kind) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = switch (kind) {
                case 0 -> (float) rng.random.nextGaussian();
                case 1 -> rng.nextInt(4) * 0.25f;
                case 2 -> i * 0.01f;
                default -> rng.nextInt(3) == 0 ? Float.NEGATIVE_INFINITY : (float) rng.random.nextGaussian();
            };
        }
        return s;
    }

    @Test
    void rejectsBadArguments() {
        float[] s = new float[8];
        int[] idx = new int[8];
        float[] val = new float[8];
        assertThrows(IllegalArgumentException.class, () -> TopK.select(s, 0, 8, 0, idx, 0, val, 0));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(s, 0, 8, 9, idx, 0, val, 0));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(s, 1, 8, 2, idx, 0, val, 0));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(s, 0, 8, 2, idx, 7, val, 0));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(s, 0, 8, 2, idx, 0, new float[1], 0));
    }
}
