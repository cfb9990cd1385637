package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * RoPE applied in place to the heads of one or more tokens.
 *
 * <p>Addressing: token {@code t}, head {@code h} starts at {@code off + t * tokenStride + h *
 * headStride}; its first {@code nRot} elements are rotated, the rest is not touched. That covers
 * plain {@code [n_tokens][n_head][head_dim]} blocks and views such as deepseek2's rope part at the
 * end of each head ({@code off} shifted by qk_nope, {@code headStride} the full head size).
 *
 * <p>Rotation of a pair {@code (x0, x1)} by (c, s): {@code (x0 c - x1 s, x0 s + x1 c)}, products
 * rounded before the sum exactly as the reference (no FMA), so the fast version reproduces the
 * reference bit for bit when both use the same cos/sin.
 */
public final class Rope {
    private static final VectorSpecies<Float> F = VectorOps.F;
    private static final int L = F.length();
    /** [c0, c0, c1, c1, ...]: the first L/2 values, each twice. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(F, k -> k / 2);
    /** The last L/2 values, each twice. */
    private static final VectorShuffle<Float> DUP_HI = VectorShuffle.fromOp(F, k -> L / 2 + k / 2);
    /** Swaps adjacent lanes: [x1, x0, x3, x2, ...]. */
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(F, k -> k ^ 1);
    /** [-1, 1, -1, 1, ...]: turns swap(x) into [-x1, x0, -x3, x2, ...]. */
    private static final FloatVector SIGN = FloatVector.fromArray(F, signs(), 0);

    private Rope() {
    }

    private static float[] signs() {
        float[] s = new float[L];
        for (int k = 0; k < L; k++) {
            s[k] = (k & 1) == 0 ? -1.0f : 1.0f;
        }
        return s;
    }

    // ---------------------------------------------------------------- reference

    /** Scalar reference, angles from {@link RopeConfig#cosSin} at each position; allocates. */
    public static void reference(RopeConfig cfg, float[] x, int off, int nTokens, int tokenStride, int nHead,
                                 int headStride, int p0) {
        check(cfg, x, off, nTokens, tokenStride, nHead, headStride, p0);
        int half = cfg.nRot() / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int t = 0; t < nTokens; t++) {
            cfg.cosSin(p0 + t, cos, sin, 0);
            for (int h = 0; h < nHead; h++) {
                int base = off + t * tokenStride + h * headStride;
                for (int i = 0; i < half; i++) {
                    // NORMAL pairs (2i, 2i+1); NEOX pairs (i, i + half)
                    int i0 = cfg.style() == RopeConfig.Style.NORMAL ? base + 2 * i : base + i;
                    int i1 = cfg.style() == RopeConfig.Style.NORMAL ? i0 + 1 : i0 + half;
                    float x0 = x[i0];
                    float x1 = x[i1];
                    x[i0] = x0 * cos[i] - x1 * sin[i];
                    x[i1] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }

    // ---------------------------------------------------------------- fast

    /** One token: the {@code [nHead][headStride]} block at {@code off}, position {@code pos}. */
    public static void apply(RopeTable table, float[] x, int off, int nHead, int headStride, int pos) {
        applyBatch(table, x, off, 1, nHead * headStride, nHead, headStride, pos);
    }

    /** {@code nTokens} tokens at positions {@code p0 ..}, cos/sin from {@code table}. */
    public static void applyBatch(RopeTable table, float[] x, int off, int nTokens, int tokenStride, int nHead,
                                  int headStride, int p0) {
        if (table == null) {
            throw new IllegalArgumentException("rope table is null");
        }
        RopeConfig cfg = table.config();
        check(cfg, x, off, nTokens, tokenStride, nHead, headStride, p0);
        table.rowOffset(p0 + nTokens - 1);   // the last position must be in the table
        int half = cfg.nRot() / 2;
        boolean neox = cfg.style() == RopeConfig.Style.NEOX;
        float[] cos = table.cosArray();
        float[] sin = table.sinArray();
        for (int t = 0; t < nTokens; t++) {
            int cs = table.rowOffset(p0 + t);
            for (int h = 0; h < nHead; h++) {
                int base = off + t * tokenStride + h * headStride;
                if (neox) {
                    neox(x, base, half, cos, sin, cs);
                } else {
                    normal(x, base, half, cos, sin, cs);
                }
            }
        }
    }

    /** Pairs (x[i], x[i + half]): contiguous on both sides, no shuffles. */
    private static void neox(float[] x, int base, int half, float[] cos, float[] sin, int cs) {
        int i = 0;
        for (; i <= half - L; i += L) {
            FloatVector a = FloatVector.fromArray(F, x, base + i);
            FloatVector b = FloatVector.fromArray(F, x, base + half + i);
            FloatVector c = FloatVector.fromArray(F, cos, cs + i);
            FloatVector s = FloatVector.fromArray(F, sin, cs + i);
            a.mul(c).sub(b.mul(s)).intoArray(x, base + i);
            a.mul(s).add(b.mul(c)).intoArray(x, base + half + i);
        }
        for (; i < half; i++) {
            float x0 = x[base + i];
            float x1 = x[base + half + i];
            x[base + i] = x0 * cos[cs + i] - x1 * sin[cs + i];
            x[base + half + i] = x0 * sin[cs + i] + x1 * cos[cs + i];
        }
    }

    /**
     * Pairs (x[2i], x[2i+1]): L pairs (2L values) per step; one cos/sin load is spread over two x
     * vectors by duplicating lanes, and the partner comes from an adjacent-lane swap.
     */
    private static void normal(float[] x, int base, int half, float[] cos, float[] sin, int cs) {
        int i = 0;
        for (; i <= half - L; i += L) {
            FloatVector c = FloatVector.fromArray(F, cos, cs + i);
            FloatVector s = FloatVector.fromArray(F, sin, cs + i);
            int xo = base + 2 * i;
            FloatVector x0 = FloatVector.fromArray(F, x, xo);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + L);
            rotateAdjacent(x0, c.rearrange(DUP_LO), s.rearrange(DUP_LO)).intoArray(x, xo);
            rotateAdjacent(x1, c.rearrange(DUP_HI), s.rearrange(DUP_HI)).intoArray(x, xo + L);
        }
        for (; i < half; i++) {
            int xo = base + 2 * i;
            float x0 = x[xo];
            float x1 = x[xo + 1];
            x[xo] = x0 * cos[cs + i] - x1 * sin[cs + i];
            x[xo + 1] = x0 * sin[cs + i] + x1 * cos[cs + i];
        }
    }

    /** x * c + [-x1, x0, ...] * s: lane 2k gets x0 c - x1 s, lane 2k+1 gets x1 c + x0 s. */
    private static FloatVector rotateAdjacent(FloatVector x, FloatVector c, FloatVector s) {
        return x.mul(c).add(x.rearrange(SWAP).mul(SIGN).mul(s));
    }

    // ---------------------------------------------------------------- checks

    private static void check(RopeConfig cfg, float[] x, int off, int nTokens, int tokenStride, int nHead,
                              int headStride, int p0) {
        if (cfg == null) {
            throw new IllegalArgumentException("rope config is null");
        }
        Checks.positive("rope nTokens", nTokens);
        Checks.positive("rope nHead", nHead);
        Checks.nonNegative("rope position", p0);
        if (headStride < cfg.nRot()) {
            throw new IllegalArgumentException("rope headStride " + headStride + " < nRot " + cfg.nRot());
        }
        if (nTokens > 1 && tokenStride < nHead * headStride) {
            throw new IllegalArgumentException("rope tokenStride " + tokenStride + " < nHead x headStride "
                    + (long) nHead * headStride);
        }
        long span = (long) (nTokens - 1) * tokenStride + (long) (nHead - 1) * headStride + cfg.nRot();
        if (span > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rope block of " + span + " elements is too large");
        }
        Checks.range("rope x", x, off, (int) span);
    }
}
