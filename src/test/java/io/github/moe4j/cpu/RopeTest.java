package io.github.moe4j.cpu;

import io.github.moe4j.cpu.RopeConfig.Style;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * RoPE: known values of the reference ({@link Rope#reference}, {@link RopeConfig#cosSin}), and the
 * fast table-driven version against it. Fast vs reference is compared exactly: both use the same
 * cos/sin (the table is filled by {@code cosSin}) and the same rounding (products, then one add;
 * no FMA), so any difference is a bug.
 */
class RopeTest {

    // ---------------------------------------------------------------- fast vs reference

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 192})
    void fastEqualsReference(int headDim) {
        Rng rng = Rng.create();
        int nHead = 3;
        int nTokens = 4;
        int off = 7;
        for (Style style : Style.values()) {
            for (int nRot : new int[]{2, 18, 32, 64, 96, headDim}) {
                if (nRot > headDim) {
                    continue;
                }
                for (RopeConfig cfg : new RopeConfig[]{
                        RopeConfig.plain(style, nRot, 10000f),
                        RopeConfig.linear(style, nRot, 500000f, 0.25f),
                        RopeConfig.yarn(style, nRot, 150000f, 32f, 4096)}) {
                    int p0 = rng.nextInt(3000);
                    RopeTable table = new RopeTable(cfg, p0 + nTokens);
                    float[] x = rng.gaussian(off + nTokens * nHead * headDim + 5, 1.0);
                    float[] ref = x.clone();
                    float[] fast = x.clone();
                    Rope.reference(cfg, ref, off, nTokens, nHead * headDim, nHead, headDim, p0);
                    Rope.applyBatch(table, fast, off, nTokens, nHead * headDim, nHead, headDim, p0);
                    String what = "rope " + cfg + " headDim " + headDim + " p0 " + p0;
                    rng.assertClose(what, ref, fast, 0, 0);
                    for (int t = 0; t < nTokens * nHead; t++) {   // beyond nRot: untouched
                        int h = off + t * headDim;
                        rng.assertClose(what + " tail", x, h + nRot, fast, h + nRot, headDim - nRot, 0, 0);
                    }
                    // one token at a time gives the same
                    float[] single = x.clone();
                    for (int t = 0; t < nTokens; t++) {
                        Rope.apply(table, single, off + t * nHead * headDim, nHead, headDim, p0 + t);
                    }
                    rng.assertClose(what + " single", fast, single, 0, 0);
                }
            }
        }
    }

    /** deepseek2: rope on the last 64 of each 192-wide q head, the first 128 untouched. */
    @Test
    void viewAtTheEndOfEachHead() {
        Rng rng = Rng.create();
        RopeConfig cfg = RopeConfig.yarn(Style.NORMAL, 64, 10000f, 40f, 4096)
                .withAttnFactor(1.0f / RopeConfig.yarnMscale(1.0f / 40f));
        int nHead = 16;
        int nTokens = 3;
        float[] q = rng.gaussian(nTokens * nHead * 192, 1.0);
        float[] ref = q.clone();
        float[] fast = q.clone();
        Rope.reference(cfg, ref, 128, nTokens, nHead * 192, nHead, 192, 5);
        Rope.applyBatch(new RopeTable(cfg, 8), fast, 128, nTokens, nHead * 192, nHead, 192, 5);
        rng.assertClose("deepseek view", ref, fast, 0, 0);
        for (int h = 0; h < nTokens * nHead; h++) {
            rng.assertClose("nope part", q, h * 192, fast, h * 192, 128, 0, 0);
        }
    }

    // ---------------------------------------------------------------- known values of the reference

    @Test
    void positionZeroIsIdentity() {
        Rng rng = Rng.create();
        for (Style style : Style.values()) {
            float[] x = rng.gaussian(2 * 128, 1.0);
            float[] y = x.clone();
            Rope.reference(RopeConfig.plain(style, 128, 10000f), y, 0, 1, 256, 2, 128, 0);
            rng.assertClose("pos 0 " + style, x, y, 0, 0);
        }
    }

    @Test
    void knownRotations() {
        // NORMAL, nRot 2: pair (x0, x1) turns by pos radians
        float[] x = {1, 0};
        Rope.reference(RopeConfig.plain(Style.NORMAL, 2, 10000f), x, 0, 1, 2, 1, 2, 1);
        assertEquals(Math.cos(1), x[0], 1e-7);
        assertEquals(Math.sin(1), x[1], 1e-7);
        // NEOX, nRot 4, base 100: pairs (x0, x2) by pos, (x1, x3) by pos * 100^(-1/2) = 0.1 pos
        float[] y = {1, 2, 3, 4};
        Rope.reference(RopeConfig.plain(Style.NEOX, 4, 100f), y, 0, 1, 4, 1, 4, 1);
        double c1 = Math.cos(1), s1 = Math.sin(1), c2 = Math.cos(0.1), s2 = Math.sin(0.1);
        assertArrayEquals(new float[]{(float) (c1 - 3 * s1), (float) (2 * c2 - 4 * s2),
                (float) (s1 + 3 * c1), (float) (2 * s2 + 4 * c2)}, y, 1e-6f);
        // NORMAL on the same input pairs (x0, x1) and (x2, x3) instead
        float[] z = {1, 2, 3, 4};
        Rope.reference(RopeConfig.plain(Style.NORMAL, 4, 100f), z, 0, 1, 4, 1, 4, 1);
        assertArrayEquals(new float[]{(float) (c1 - 2 * s1), (float) (s1 + 2 * c1),
                (float) (3 * c2 - 4 * s2), (float) (3 * s2 + 4 * c2)}, z, 1e-6f);
    }

    @Test
    void neoxAndNormalDiffer() {
        Rng rng = Rng.create();
        float[] x = rng.gaussian(64, 1.0);
        float[] a = x.clone();
        float[] b = x.clone();
        Rope.reference(RopeConfig.plain(Style.NORMAL, 64, 10000f), a, 0, 1, 64, 1, 64, 3);
        Rope.reference(RopeConfig.plain(Style.NEOX, 64, 10000f), b, 0, 1, 64, 1, 64, 3);
        assertFalse(Arrays.equals(a, b), "NORMAL and NEOX gave the same result" + rng.tag());
    }

    /** Rotations preserve norms, and q.k after RoPE depends only on the distance of the positions. */
    @Test
    void relativePosition() {
        Rng rng = Rng.create();
        for (Style style : Style.values()) {
            RopeConfig cfg = RopeConfig.plain(style, 128, 10000f);
            float[] q = rng.gaussian(128, 1.0);
            float[] k = rng.gaussian(128, 1.0);
            double d1 = dotAfterRope(cfg, q, 10, k, 3);
            double d2 = dotAfterRope(cfg, q, 1010, k, 1003);
            assertEquals(d1, d2, 1e-3 * (1 + Math.abs(d1)), style + rng.tag());
            float[] r = q.clone();
            Rope.reference(cfg, r, 0, 1, 128, 1, 128, 777);
            assertEquals(ScalarOps.dot(q, 0, q, 0, 128), ScalarOps.dot(r, 0, r, 0, 128), 1e-4, "norm" + rng.tag());
        }
    }

    private static double dotAfterRope(RopeConfig cfg, float[] q, int pq, float[] k, int pk) {
        float[] a = q.clone();
        float[] b = k.clone();
        Rope.reference(cfg, a, 0, 1, a.length, 1, a.length, pq);
        Rope.reference(cfg, b, 0, 1, b.length, 1, b.length, pk);
        return ScalarOps.dot(a, 0, b, 0, a.length);
    }

    /**
     * Factor 1: the blend {@code theta (1 - mix) + theta mix} may round theta by an ulp or two, so
     * cos/sin agree within 3e-7 x (pos + 1) (2 ulps of the angle, and |d cos| <= |d angle|).
     */
    @Test
    void yarnWithFactorOneEqualsPlain() {
        Rng rng = Rng.create();
        RopeConfig plain = RopeConfig.plain(Style.NEOX, 64, 150000f);
        RopeConfig yarn = RopeConfig.yarn(Style.NEOX, 64, 150000f, 1.0f, 4096);
        assertEquals(1.0f, RopeConfig.yarnMscale(yarn.freqScale()));
        RopeTable a = new RopeTable(plain, 300);
        RopeTable b = new RopeTable(yarn, 300);
        for (int p = 0; p < 300; p++) {
            double tol = 3e-7 * (p + 1);
            rng.assertClose("cos pos " + p, a.cosArray(), 32 * p, b.cosArray(), 32 * p, 32, tol, 0);
            rng.assertClose("sin pos " + p, a.sinArray(), 32 * p, b.sinArray(), 32 * p, 32, tol, 0);
        }
    }

    /** Linear scaling by 1/2 at position 2p is plain RoPE at p (exact: halving commutes with rounding). */
    @Test
    void linearScalingHalvesPositions() {
        RopeConfig plain = RopeConfig.plain(Style.NORMAL, 64, 10000f);
        RopeConfig linear = RopeConfig.linear(Style.NORMAL, 64, 10000f, 0.5f);
        float[] c1 = new float[32], s1 = new float[32], c2 = new float[32], s2 = new float[32];
        for (int p : new int[]{1, 17, 1000}) {
            plain.cosSin(p, c1, s1, 0);
            linear.cosSin(2 * p, c2, s2, 0);
            assertArrayEquals(c1, c2, "pos " + p);
            assertArrayEquals(s1, s2, "pos " + p);
        }
    }

    /** gpt-oss: nRot 64, base 150000, factor 32, original context 4096. */
    @Test
    void yarnRampAndMscale() {
        float factor = 32f;
        RopeConfig cfg = RopeConfig.yarn(Style.NEOX, 64, 150000f, factor, 4096);
        // corr dims: 64 ln(4096 / (2 pi 32)) / (2 ln 150000) = 8.09 -> 8; same with beta 1: 17.40 -> 18
        assertEquals(8.0f, cfg.corrLow());
        assertEquals(18.0f, cfg.corrHigh());
        float mscale = 1.0f + 0.1f * (float) Math.log(factor);
        assertEquals(mscale, RopeConfig.yarnMscale(1 / factor), 1e-7f);
        float[] cos = new float[32], sin = new float[32];
        int pos = 1;
        cfg.cosSin(pos, cos, sin, 0);
        for (int i = 0; i < 32; i++) {
            assertEquals(mscale, Math.hypot(cos[i], sin[i]), 1e-6, "|cos, sin| = mscale at pair " + i);
            double angle = Math.atan2(sin[i], cos[i]);
            double extrap = pos * Math.pow(150000, -2.0 * i / 64);
            if (i < 8) {
                assertEquals(extrap, angle, 1e-6, "pair " + i + " extrapolates");
            } else if (i >= 18) {
                assertEquals(extrap / factor, angle, 1e-6, "pair " + i + " interpolates");
            } else {
                double ramp = 1 - (i - 8) / 10.0;   // linear between the corr dims
                assertEquals(extrap / factor * (1 - ramp) + extrap * ramp, angle, 1e-6, "pair " + i + " blends");
            }
        }
        // deepseek2 cancels the mscale through attn_factor
        RopeConfig ds = RopeConfig.yarn(Style.NORMAL, 64, 10000f, 40f, 4096)
                .withAttnFactor(1.0f / RopeConfig.yarnMscale(1.0f / 40f));
        ds.cosSin(5, cos, sin, 0);
        for (int i = 0; i < 32; i++) {
            assertEquals(1.0, Math.hypot(cos[i], sin[i]), 1e-6, "deepseek2 pair " + i);
        }
    }

    // ---------------------------------------------------------------- validation

    @Test
    void rejectsBadArguments() {
        RopeConfig cfg = RopeConfig.plain(Style.NEOX, 64, 10000f);
        RopeTable table = new RopeTable(cfg, 10);
        float[] x = new float[2 * 64];
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(table, x, 0, 2, 64, 10));   // beyond the table
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(table, x, 0, 3, 64, 1));    // 3 heads do not fit
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(table, x, 0, 2, 32, 1));    // head < nRot
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(table, x, -1, 1, 64, 1));
        assertThrows(IllegalArgumentException.class, () -> RopeConfig.plain(Style.NEOX, 63, 10000f));
        assertThrows(IllegalArgumentException.class, () -> RopeConfig.plain(Style.NEOX, 64, 0f));
        assertThrows(IllegalArgumentException.class, () -> RopeConfig.yarn(Style.NEOX, 64, 10000f, 4f, 0));
        assertThrows(IllegalArgumentException.class, () -> new RopeTable(cfg, 0));
    }
}
