package io.github.moe4j.model;

import io.github.moe4j.cpu.RopeConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The routing rules on hand-made logits (the router matrix is the identity, so logits = input):
 * softmax / sigmoid scoring, selection bias, group limits, renormalisation and scale.
 */
class RouterTest {
    private static final int N = 8;

    private static DecoderState state(MoeConfig m) {
        DecoderConfig c = new DecoderConfig("test", N, 1, 1, 1, 8, 8, 16, 16, 1e-6f,
                RopeConfig.plain(RopeConfig.Style.NEOX, 8, 10000f), 1f, QkNorm.NONE, AttentionOptions.PLAIN,
                1f, 1f, 1f, m, "ffn_norm");
        return new DecoderState(c, 4);
    }

    /** A Linear that copies x: router logits = x. */
    private static final Linear IDENTITY = (w, x, xOff, y, yOff) -> System.arraycopy(x, xOff, y, yOff, N);

    private static MoeWeights weights(float[] expProbsB) {
        return new MoeWeights(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, expProbsB);
    }

    private static Set<Integer> chosen(DecoderState s, int k) {
        Set<Integer> r = new HashSet<>();
        for (int j = 0; j < k; j++) {
            r.add(s.topIdx[j]);
        }
        return r;
    }

    @Test
    void softmaxTopKWithAndWithoutRenormalisation() {
        float[] x = {0.1f, 2.0f, -1f, 1.5f, 0f, 0.3f, -0.5f, 0.2f};
        double z = 0;
        for (float v : x) {
            z += Math.exp(v);
        }
        for (boolean norm : new boolean[]{false, true}) {
            MoeConfig m = new MoeConfig(N, 2, 4, Gating.SOFTMAX, norm, 0f, 0, false, false, false, false, 1, 1);
            DecoderState s = state(m);
            System.arraycopy(x, 0, s.xn, 0, N);
            MoeBlock.route(IDENTITY, m, weights(null), s);
            assertEquals(Set.of(1, 3), chosen(s, 2));
            double p1 = Math.exp(2.0) / z;
            double p3 = Math.exp(1.5) / z;
            double expect1 = norm ? p1 / (p1 + p3) : p1;
            assertEquals(expect1, s.topW[Arrays.asList(s.topIdx[0], s.topIdx[1]).indexOf(1)], 1e-6);
        }
    }

    @Test
    void sigmoidWithSelectionBiasGroupsAndScale() {
        // 4 groups of 2. Biased scores pick groups {2, 3}; within them the biased top-2 is {5, 6},
        // although expert 0 has the highest unbiased logit. Weights are the unbiased sigmoids,
        // renormalised and multiplied by 2.5.
        float[] x = {3f, 0f, 0f, 0f, 0f, 0.5f, 0.4f, 0f};
        float[] bias = {-5f, 0f, 0f, 0f, 1f, 1f, 1f, 0.5f};
        MoeConfig m = new MoeConfig(N, 2, 4, Gating.SIGMOID, true, 2.5f, 0, false, false, false, true, 4, 2);
        DecoderState s = state(m);
        System.arraycopy(x, 0, s.xn, 0, N);
        MoeBlock.route(IDENTITY, m, weights(bias), s);
        assertEquals(Set.of(5, 6), chosen(s, 2));
        double s5 = 1 / (1 + Math.exp(-0.5));
        double s6 = 1 / (1 + Math.exp(-0.4));
        int i5 = s.topIdx[0] == 5 ? 0 : 1;
        assertEquals(2.5 * s5 / (s5 + s6), s.topW[i5], 1e-6);
        assertEquals(2.5 * s6 / (s5 + s6), s.topW[1 - i5], 1e-6);
    }

    @Test
    void topKThenSoftmaxOverTheChosen() {
        float[] x = {0.1f, 2.0f, -1f, 1.5f, 0f, 0.3f, -0.5f, 0.2f};
        MoeConfig m = new MoeConfig(N, 2, 4, Gating.SOFTMAX_WEIGHT, false, 0f, 0, false, false, true, false, 1, 1);
        DecoderState s = state(m);
        System.arraycopy(x, 0, s.xn, 0, N);
        MoeBlock.route(IDENTITY, m, weights(null), s);
        assertEquals(1, s.topIdx[0]);
        assertEquals(3, s.topIdx[1]);
        assertEquals(1 / (1 + Math.exp(-0.5)), s.topW[0], 1e-6);
    }
}
