package io.github.moe4j.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention: the fast kernel against the scalar reference over f32 and f16 caches, GQA groups,
 * sinks, windows and head ranges; then known properties of the reference.
 *
 * <p>Tolerance fast vs reference: abs 5e-6 with q, k, v uniform in [-1, 1). The scores (|s| < 4
 * here) differ by the float dot's rounding (a few ulps of sum |q k| x scale, about 1e-6), which
 * moves each probability by the same relative amount; exp adds 1 ulp and the float denominator a
 * few more. The output is a convex combination of values with |v| < 1, so it moves by about 1e-6
 * at worst, as do the FMA accumulations over at most 257 keys (errors of both signs: observed
 * maxima are below 1e-7 over 40 runs of 257 keys x 8 heads). A wrong key range, head mapping,
 * scale or sink shows up as 1e-3 and more.
 */
class AttentionTest {
    private static final double TOL = 5e-6;
    /**
     * Two runs of the same fast code: bit-identical once compiled, but while the JIT warms up the
     * Vector API runs its Java fallback, whose lane reduction order and exp differ by an ulp.
     */
    private static final double JIT_TOL = 1e-6;
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- setup helpers

    private KvStore cache(Rng rng, boolean f16, int nCtx, int nHeadKv, int headDim) {
        KvStore s = f16 ? KvStore.allocateF16(arena, nCtx, nHeadKv, headDim) : KvStore.allocateF32(nCtx, nHeadKv, headDim);
        for (int p = 0; p < nCtx; p++) {
            s.store(p, rng.uniform(nHeadKv * headDim, -1f, 1f), 0);
        }
        return s;
    }

    private static float[] scratch(int nHead, int nHeadKv, int dk, int dv, int nCtx) {
        return new float[Attention.scratchLength(nHead, nHeadKv, dk, dv, nCtx)];
    }

    private static AttentionParams params(Rng rng, int nHead, int dk, boolean sinks, int window) {
        return new AttentionParams((float) (1 / Math.sqrt(dk)), sinks ? rng.uniform(nHead, -2f, 3f) : null, window);
    }

    // ---------------------------------------------------------------- fast vs reference

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 192})
    void singleQueryMatchesReference(int headDim) {
        Rng rng = Rng.create();
        int nCtx = 257;
        int[][] heads = {{4, 4}, {8, 2}, {6, 1}};
        for (boolean f16 : new boolean[]{false, true}) {
            for (int[] hk : heads) {
                int nHead = hk[0], nHeadKv = hk[1];
                KvStore k = cache(rng, f16, nCtx, nHeadKv, headDim);
                KvStore v = cache(rng, f16, nCtx, nHeadKv, headDim);
                float[] scratch = scratch(nHead, nHeadKv, headDim, headDim, nCtx);
                for (int pos : new int[]{0, 1, 16, 63, 64, rng.nextInt(nCtx), nCtx - 1}) {
                    for (int window : new int[]{0, 5, 64}) {
                        for (boolean sinks : new boolean[]{false, true}) {
                            AttentionParams p = params(rng, nHead, headDim, sinks, window);
                            float[] q = rng.uniform(nHead * headDim + 3, -1f, 1f);
                            float[] ref = new float[nHead * headDim + 2];
                            float[] fast = new float[nHead * headDim + 2];
                            AttentionReference.attend(q, 3, nHead, k, v, pos, p, ref, 2);
                            Attention.attend(q, 3, nHead, k, v, pos, p, fast, 2, scratch, 0, nHead);
                            rng.assertClose("attend f16=" + f16 + " heads " + nHead + "/" + nHeadKv + " pos " + pos
                                    + " window " + window + " sinks " + sinks, ref, fast, TOL, 0);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void batchMatchesReferenceAndSingleQueries(int headDim) {
        Rng rng = Rng.create();
        int nCtx = 80, nHead = 8, nHeadKv = 2, nTokens = 17;
        for (boolean f16 : new boolean[]{false, true}) {
            KvStore k = cache(rng, f16, nCtx, nHeadKv, headDim);
            KvStore v = cache(rng, f16, nCtx, nHeadKv, headDim);
            float[] scratch = scratch(nHead, nHeadKv, headDim, headDim, nCtx);
            for (int window : new int[]{0, 7}) {
                AttentionParams p = params(rng, nHead, headDim, window > 0, window);
                int p0 = rng.nextInt(nCtx - nTokens + 1);
                float[] q = rng.uniform(nTokens * nHead * headDim, -1f, 1f);
                int rowOut = nHead * headDim;
                float[] ref = new float[nTokens * rowOut];
                float[] fast = new float[nTokens * rowOut];
                AttentionReference.attendBatch(q, 0, nTokens, p0, nHead, k, v, p, ref, 0);
                Attention.attendBatch(q, 0, nTokens, p0, nHead, k, v, p, fast, 0, scratch, 0, nHead);
                String what = "batch f16=" + f16 + " window " + window + " p0 " + p0;
                rng.assertClose(what, ref, fast, TOL, 0);
                // one query at a time: the reference's range form equals its mask form exactly
                // (masked keys add exp(-inf) = 0), and the fast batch is the fast single query per token
                float[] refSingle = new float[nTokens * rowOut];
                float[] fastSingle = new float[nTokens * rowOut];
                for (int t = 0; t < nTokens; t++) {
                    AttentionReference.attend(q, t * nHead * headDim, nHead, k, v, p0 + t, p, refSingle, t * rowOut);
                    Attention.attend(q, t * nHead * headDim, nHead, k, v, p0 + t, p, fastSingle, t * rowOut,
                            scratch, 0, nHead);
                }
                rng.assertClose(what + " reference single vs batch", ref, refSingle, 0, 0);
                rng.assertClose(what + " fast single vs batch", fast, fastSingle, JIT_TOL, 0);
            }
        }
    }

    /** Head sizes that are not multiples of the vector width run the scalar tails of every tile. */
    @Test
    void oddHeadSizes() {
        Rng rng = Rng.create();
        int nCtx = 50;
        int[][] dims = {{20, 12}, {40, 56}, {8, 72}};
        for (boolean f16 : new boolean[]{false, true}) {
            for (int[] kv : dims) {
                int dk = kv[0], dv = kv[1];
                for (int nHead : new int[]{2, 8, 10}) {
                    int nHeadKv = 2;
                    KvStore k = cache(rng, f16, nCtx, nHeadKv, dk);
                    KvStore v = cache(rng, f16, nCtx, nHeadKv, dv);
                    AttentionParams p = params(rng, nHead, dk, true, 0);
                    for (int pos : new int[]{0, 2, 17, nCtx - 1}) {
                        float[] q = rng.uniform(nHead * dk, -1f, 1f);
                        float[] ref = new float[nHead * dv];
                        float[] fast = new float[nHead * dv];
                        AttentionReference.attend(q, 0, nHead, k, v, pos, p, ref, 0);
                        Attention.attend(q, 0, nHead, k, v, pos, p, fast, 0, scratch(nHead, nHeadKv, dk, dv, nCtx), 0, nHead);
                        rng.assertClose("dk " + dk + " dv " + dv + " heads " + nHead + " pos " + pos + " f16=" + f16,
                                ref, fast, TOL, 0);
                    }
                }
            }
        }
    }

    /** Threads split heads: disjoint head ranges compose to the full call (same code, up to JIT_TOL). */
    @Test
    void headRangesCompose() {
        Rng rng = Rng.create();
        int nCtx = 40, nHead = 12, nHeadKv = 4, d = 64, nTokens = 3;
        KvStore k = cache(rng, true, nCtx, nHeadKv, d);
        KvStore v = cache(rng, true, nCtx, nHeadKv, d);
        AttentionParams p = params(rng, nHead, d, true, 0);
        float[] q = rng.uniform(nTokens * nHead * d, -1f, 1f);
        float[] full = new float[nTokens * nHead * d];
        float[] split = new float[nTokens * nHead * d];
        float[] scratch = scratch(nHead, nHeadKv, d, d, nCtx);
        Attention.attendBatch(q, 0, nTokens, 30, nHead, k, v, p, full, 0, scratch, 0, nHead);
        int[] cuts = {0, 1, 5, 6, 6, 11, 12};   // ranges cut through GQA groups, one empty
        for (int c = 0; c + 1 < cuts.length; c++) {
            Attention.attendBatch(q, 0, nTokens, 30, nHead, k, v, p, split, 0, scratch, cuts[c], cuts[c + 1]);
        }
        rng.assertClose("head ranges", full, split, JIT_TOL, 0);
    }

    /** deepseek2 MLA: one 576-wide K head shared by 16 query heads, V the first 512 of each K row. */
    @Test
    void mlaShapes() {
        Rng rng = Rng.create();
        int nCtx = 33, nHead = 16, dk = 576, dv = 512;
        for (boolean f16 : new boolean[]{false, true}) {
            KvStore k = cache(rng, f16, nCtx, 1, dk);
            KvStore v = switch (k) {
                case KvStore.F32 f -> new KvStore.F32(f.data(), nCtx, 1, dv, dk);
                case KvStore.F16 h -> new KvStore.F16(h.data(), nCtx, 1, dv, dk);
            };
            AttentionParams p = AttentionParams.of(0.1f);
            float[] q = rng.uniform(2 * nHead * dk, -1f, 1f);
            float[] ref = new float[2 * nHead * dv];
            float[] fast = new float[2 * nHead * dv];
            AttentionReference.attendBatch(q, 0, 2, nCtx - 2, nHead, k, v, p, ref, 0);
            Attention.attendBatch(q, 0, 2, nCtx - 2, nHead, k, v, p, fast, 0, scratch(nHead, 1, dk, dv, nCtx), 0, nHead);
            rng.assertClose("mla f16=" + f16, ref, fast, TOL, 0);
        }
    }

    // ---------------------------------------------------------------- known properties

    @Test
    void firstPositionReturnsItsValue() {
        Rng rng = Rng.create();
        KvStore k = cache(rng, false, 4, 1, 64);
        KvStore v = cache(rng, false, 4, 1, 64);
        float[] q = rng.uniform(64, -1f, 1f);
        float[] out = new float[64];
        float[] fast = new float[64];
        AttentionReference.attend(q, 0, 1, k, v, 0, AttentionParams.of(0.125f), out, 0);
        Attention.attend(q, 0, 1, k, v, 0, AttentionParams.of(0.125f), fast, 0, scratch(1, 1, 64, 64, 4), 0, 1);
        float[] v0 = Arrays.copyOf(((KvStore.F32) v).data(), 64);
        rng.assertClose("pos 0 = v0", v0, out, 0, 0);
        rng.assertClose("pos 0 = v0 (fast)", v0, fast, 0, 0);
    }

    /** With every value 1 the output is the attention mass: 1 without a sink, e / (e + e^sink) with one. */
    @Test
    void sinkLowersTheAttentionMass() {
        Rng rng = Rng.create();
        int nCtx = 20, d = 64, pos = 9, nHead = 2;
        KvStore k = cache(rng, false, nCtx, 1, d);
        KvStore v = KvStore.allocateF32(nCtx, 1, d);
        Arrays.fill(((KvStore.F32) v).data(), 1.0f);
        float[] q = rng.uniform(nHead * d, -1f, 1f);
        float scale = 0.125f;
        float[] sinks = {0.5f, 3.0f};
        float[] plain = new float[nHead * d];
        float[] sunk = new float[nHead * d];
        AttentionReference.attend(q, 0, nHead, k, v, pos, AttentionParams.of(scale), plain, 0);
        AttentionReference.attend(q, 0, nHead, k, v, pos, new AttentionParams(scale, sinks, 0), sunk, 0);
        for (int h = 0; h < nHead; h++) {
            double sum = 0;
            for (int j = 0; j <= pos; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += q[h * d + i] * k.get(j, 0, i);
                }
                sum += Math.exp(s * scale);
            }
            double mass = sum / (sum + Math.exp(sinks[h]));
            assertEquals(1.0, plain[h * d], 1e-6, "no sink" + rng.tag());
            assertEquals(mass, sunk[h * d + d - 1], 1e-6, "head " + h + rng.tag());
            assertTrue(sunk[h * d] < 1.0f);
        }
        assertTrue(sunk[d] < sunk[0], "the larger sink takes more mass");
    }

    /** V rows one-hot by position show which keys a query saw. */
    @Test
    void slidingWindowMasksOldKeys() {
        int nCtx = 32, window = 4, pos = 20;
        Rng rng = Rng.create();
        KvStore k = cache(rng, false, nCtx, 1, 16);
        KvStore v = KvStore.allocateF32(nCtx, 1, nCtx);
        for (int j = 0; j < nCtx; j++) {
            float[] row = new float[nCtx];
            row[j] = 1;
            v.store(j, row, 0);
        }
        float[] q = rng.uniform(16, -1f, 1f);
        for (int variant = 0; variant < 3; variant++) {
            float[] out = new float[nCtx];
            AttentionParams p = new AttentionParams(1f, null, window);
            switch (variant) {
                case 0 -> AttentionReference.attend(q, 0, 1, k, v, pos, p, out, 0);
                case 1 -> AttentionReference.attendBatch(q, 0, 1, pos, 1, k, v, p, out, 0);
                default -> Attention.attend(q, 0, 1, k, v, pos, p, out, 0, scratch(1, 1, 16, nCtx, nCtx), 0, 1);
            }
            double sum = 0;
            for (int j = 0; j < nCtx; j++) {
                boolean visible = j <= pos && pos - j < window;
                if (visible) {
                    assertTrue(out[j] > 0, "variant " + variant + " key " + j + " visible" + rng.tag());
                } else {
                    assertEquals(0.0f, out[j], "variant " + variant + " key " + j + " masked" + rng.tag());
                }
                sum += out[j];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }

    /** Query head h reads KV head h / (n_head / n_head_kv). */
    @Test
    void gqaHeadMapping() {
        Rng rng = Rng.create();
        int nCtx = 10, d = 64, nHead = 8;
        for (int nHeadKv : new int[]{1, 2, 4, 8}) {
            KvStore k = cache(rng, true, nCtx, nHeadKv, d);
            KvStore v = KvStore.allocateF32(nCtx, nHeadKv, d);
            for (int j = 0; j < nCtx; j++) {
                float[] row = new float[nHeadKv * d];
                for (int g = 0; g < nHeadKv; g++) {
                    Arrays.fill(row, g * d, (g + 1) * d, g + 1);   // KV head g holds the value g + 1
                }
                v.store(j, row, 0);
            }
            float[] q = rng.uniform(nHead * d, -1f, 1f);
            float[] ref = new float[nHead * d];
            float[] fast = new float[nHead * d];
            AttentionReference.attend(q, 0, nHead, k, v, 7, AttentionParams.of(0.125f), ref, 0);
            Attention.attend(q, 0, nHead, k, v, 7, AttentionParams.of(0.125f), fast, 0,
                    scratch(nHead, nHeadKv, d, d, nCtx), 0, nHead);
            for (int h = 0; h < nHead; h++) {
                float expected = h / (nHead / nHeadKv) + 1;
                assertEquals(expected, ref[h * d + 5], 1e-5, "reference head " + h + " of " + nHeadKv + " kv heads");
                assertEquals(expected, fast[h * d + 5], 1e-5, "fast head " + h + " of " + nHeadKv + " kv heads");
            }
        }
    }

    // ---------------------------------------------------------------- validation

    @Test
    void rejectsBadArguments() {
        KvStore k = KvStore.allocateF32(8, 2, 64);
        KvStore v = KvStore.allocateF32(8, 2, 64);
        KvStore v3 = KvStore.allocateF32(8, 3, 64);
        float[] q = new float[4 * 64];
        float[] out = new float[4 * 64];
        float[] s = scratch(4, 2, 64, 64, 8);
        AttentionParams p = AttentionParams.of(0.125f);
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 3, k, v, 1, p, out, 0, s, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v3, 1, p, out, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 8, p, out, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, -1, p, out, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 1, 4, k, v, 1, p, out, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 1, p, out, 0, new float[64], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 1, p, out, 0, s, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 1, p, out, 0, s, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 1, p, q, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attend(q, 0, 4, k, v, 1,
                new AttentionParams(1f, new float[3], 0), out, 0, s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Attention.attendBatch(q, 0, 2, 7, 2, k, v, p, out, 0, s, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new AttentionParams(1f, null, -1));
        assertThrows(IllegalArgumentException.class, () -> new AttentionParams(Float.NaN, null, 0));
    }
}
