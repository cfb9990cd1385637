package io.github.moe4j.sampling;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each sampler stage on hand-made distributions, then the chain. */
class SamplerTest {

    private static Candidates cands(float... logits) {
        Candidates c = new Candidates(logits.length);
        c.reset(logits, logits.length);
        return c;
    }

    private static int[] ids(Candidates c) {
        int[] r = new int[c.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = c.id(i);
        }
        return r;
    }

    @Test
    void topKKeepsTheBestSortedWithTiesToTheLowestId() {
        Candidates c = cands(1f, 5f, 3f, 5f, -2f, 4f);
        new TopK(3).apply(c);
        assertArrayEquals(new int[]{1, 3, 5}, ids(c));
        assertTrue(c.sorted());
        Candidates all = cands(1f, 5f, 3f);
        new TopK(0).apply(all);
        assertEquals(3, all.size());
        new TopK(10).apply(all);
        assertEquals(3, all.size());
        assertThrows(IllegalArgumentException.class, () -> new TopK(-1));
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // probabilities 0.5, 0.25, 0.125, 0.125 (logits ln p)
        float[] l = {(float) Math.log(0.125), (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.125)};
        Candidates c = cands(l);
        new TopP(0.7f).apply(c);
        assertArrayEquals(new int[]{1, 2}, ids(c));
        c = cands(l);
        new TopP(0.75f + 1e-6f).apply(c);
        assertArrayEquals(new int[]{1, 2, 0}, ids(c));   // ties: the lower id first
        c = cands(l);
        new TopP(0.1f).apply(c);
        assertArrayEquals(new int[]{1}, ids(c));
        c = cands(l);
        new TopP(1f).apply(c);
        assertEquals(4, c.size());
        assertThrows(IllegalArgumentException.class, () -> new TopP(0f));
        assertThrows(IllegalArgumentException.class, () -> new TopP(1.01f));
    }

    @Test
    void minPDropsTokensFarBelowTheBest() {
        // p relative to the best: 1, 0.5, 0.05, 0.2
        float[] l = {0f, (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.2)};
        Candidates c = cands(l);
        new MinP(0.1f).apply(c);
        assertArrayEquals(new int[]{0, 1, 3}, ids(c));    // order kept
        c = cands(l);
        new MinP(0.6f).apply(c);
        assertArrayEquals(new int[]{0}, ids(c));
        c = cands(l);
        new MinP(0f).apply(c);
        assertEquals(4, c.size());
    }

    @Test
    void temperatureScalesLogits() {
        Candidates c = cands(2f, -4f);
        new Temperature(0.5f).apply(c);
        assertEquals(4f, c.logit(0));
        assertEquals(-8f, c.logit(1));
        assertThrows(IllegalArgumentException.class, () -> new Temperature(0f));
    }

    @Test
    void softmaxSumsToOne() {
        Candidates c = cands(1f, 2f, 3f, 100f, -50f);
        c.softmax();
        double s = 0;
        for (int i = 0; i < c.size(); i++) {
            s += c.prob(i);
        }
        assertEquals(1.0, s, 1e-6);
        assertTrue(c.prob(3) > 0.99f);
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        Penalties p = new Penalties(5, 3, 2f, 0.5f, 0.25f);
        for (int t : new int[]{4, 1, 1, 1, 3}) {   // window of 3 keeps 1, 1, 3
            p.accept(t);
        }
        float[] l = {1f, 4f, 2f, -2f, 6f};
        p.apply(l, 5);
        assertEquals(1f, l[0]);
        assertEquals(4f / 2 - (2 * 0.25f + 0.5f), l[1], 1e-6);   // positive: divided; seen twice
        assertEquals(2f, l[2]);
        assertEquals(-2f * 2 - (0.25f + 0.5f), l[3], 1e-6);      // negative: multiplied; seen once
        assertEquals(6f, l[4]);                                   // 4 left the window
        Penalties off = new Penalties(5, 64, 1f, 0f, 0f);
        assertTrue(!off.enabled());
    }

    @Test
    void logitBiasAddsAndBans() {
        float[] l = {1f, 2f, 3f};
        new LogitBias(new int[]{0, 2}, new float[]{5f, Float.NEGATIVE_INFINITY}).apply(l, 3);
        assertArrayEquals(new float[]{6f, 2f, Float.NEGATIVE_INFINITY}, l);
    }

    @Test
    void drawFollowsTheDistribution() {
        // p = 0.7, 0.2, 0.1
        float[] l = {(float) Math.log(0.7), (float) Math.log(0.2), (float) Math.log(0.1)};
        Draw d = new Draw(42);
        Candidates c = new Candidates(3);
        int[] counts = new int[3];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            c.reset(l, 3);
            counts[d.apply(c)]++;
        }
        assertEquals(0.7, counts[0] / (double) n, 0.01);
        assertEquals(0.2, counts[1] / (double) n, 0.01);
        assertEquals(0.1, counts[2] / (double) n, 0.01);
    }

    @Test
    void rngIsDeterministicPerSeed() {
        Rng a = new Rng(7);
        Rng b = new Rng(7);
        Rng c = new Rng(8);
        boolean differs = false;
        for (int i = 0; i < 100; i++) {
            long x = a.nextLong();
            assertEquals(x, b.nextLong());
            differs |= x != c.nextLong();
            double d = a.nextDouble();
            b.nextDouble();
            assertTrue(d >= 0 && d < 1);
        }
        assertTrue(differs);
        // the sequence itself is fixed (no dependence on JDK generators): first value for seed 0
        assertEquals(new Rng(0).nextLong(), new Rng(0).nextLong());
    }

    private static SamplerChain.Config config(float temp, int topK, float topP, float minP, long seed) {
        return new SamplerChain.Config(temp, topK, topP, minP, 1f, 0f, 0f, 64, new int[0], new float[0], seed);
    }

    @Test
    void greedyChainIsArgmaxWithTiesToTheLowestId() {
        SamplerChain c = new SamplerChain(5, config(0f, 40, 0.95f, 0.05f, 1));
        assertEquals(1, c.sample(new float[]{1f, 7f, 3f, 7f, 2f}));
        SamplerChain biased = new SamplerChain(3, new SamplerChain.Config(0f, 0, 1f, 0f, 1f, 0f, 0f, 0,
                new int[]{0}, new float[]{10f}, 1));
        assertEquals(0, biased.sample(new float[]{1f, 5f, 2f}));
    }

    /** The greedy path's argmax picks what reset + best pick: ties to the lowest id, NaN never best. */
    @Test
    void greedyArgmaxIsTheCandidatesBest() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        Candidates c = new Candidates(64);
        for (int t = 0; t < 2000; t++) {
            int n = 1 + r.nextInt(64);
            float[] l = new float[n];
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(10);
                l[i] = k == 0 ? Float.NaN : k == 1 ? Float.NEGATIVE_INFINITY : (float) r.nextInt(5);   // many ties
            }
            c.reset(l, n);
            assertEquals(c.id(c.best()), Candidates.argmax(l, n), Arrays.toString(l));
        }
    }

    @Test
    void chainOrderTopKBeforeTemperature() {
        // top-k 1 leaves only the best whatever the temperature
        SamplerChain c = new SamplerChain(4, config(5f, 1, 1f, 0f, 3));
        for (int i = 0; i < 50; i++) {
            assertEquals(2, c.sample(new float[]{1f, 2f, 3f, 0f}));
        }
    }

    @Test
    void sameSeedSameDraws() {
        float[] base = new float[1000];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) Math.sin(i * 0.37) * 3;
        }
        int[] a = new int[200];
        int[] b = new int[200];
        SamplerChain ca = new SamplerChain(base.length, config(0.9f, 50, 0.9f, 0.02f, 77));
        SamplerChain cb = new SamplerChain(base.length, config(0.9f, 50, 0.9f, 0.02f, 77));
        for (int i = 0; i < a.length; i++) {
            a[i] = ca.sample(base.clone());
            ca.accept(a[i]);
            b[i] = cb.sample(base.clone());
            cb.accept(b[i]);
        }
        assertArrayEquals(a, b);
        assertTrue(Arrays.stream(a).distinct().count() > 5, "sampling, not greedy");
    }

    @Test
    void samplingAllocatesNothingPerToken() {
        int v = 5000;
        float[] base = new float[v];
        for (int i = 0; i < v; i++) {
            base[i] = (float) Math.cos(i * 0.11) * 4;
        }
        SamplerChain c = new SamplerChain(v, new SamplerChain.Config(0.8f, 0, 0.95f, 0.05f, 1.1f, 0.1f, 0.1f, 64,
                new int[]{3}, new float[]{1f}, 5));
        float[] logits = new float[v];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (int round = 0; round < 3; round++) {   // warm up, then measure
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 300; i++) {
                System.arraycopy(base, 0, logits, 0, v);
                c.accept(c.sample(logits));
            }
            long per = (mx.getThreadAllocatedBytes(tid) - before) / 300;
            if (round == 2) {
                assertTrue(per < 16, per + " bytes per token");
            }
        }
    }
}
