package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static jdk.incubator.vector.VectorOperators.ADD;

/**
 * Attention of query rows against a {@link KvStore} K/V cache, fast version ({@link
 * AttentionReference} is the scalar reference).
 *
 * <p>Shapes: queries {@code q[n_tokens][n_head][head_dim_k]}, output {@code
 * out[n_tokens][n_head][head_dim_v]}; K and V caches as documented on {@link KvStore}, with {@code
 * n_head % n_head_kv == 0}. Query head {@code h} reads KV head {@code h / (n_head / n_head_kv)}
 * (GQA). Token {@code t} sits at position {@code p0 + t} and sees the keys at positions {@code
 * firstVisible(p0 + t) .. p0 + t}; the cache must already hold them. Scores are float32:
 * {@code scale * q.k}, softmax with the optional sink logit in the denominator, then the
 * probability-weighted sum of V rows.
 *
 * <p>Work is split by query heads: a call computes heads {@code [headStart, headEnd)} of every
 * token, so threads can share one call's arrays. Each thread passes its own {@code scratch} of at
 * least {@link #scratchLength} floats. Nothing is allocated.
 *
 * <p>The heads that share a KV head run together, so each K and V row is read (and, for f16,
 * converted) once per group rather than once per query head; within a group, register tiles of
 * 4 heads x 2 keys (scores) and 4 heads x 16 values (outputs) share their loads.
 */
public final class Attention {
    private static final VectorSpecies<Float> F = VectorOps.F;
    private static final VectorSpecies<Double> DF = VectorOps.DF;
    private static final int L = F.length();
    /** Keys per block: the unit of f16 conversion and of the value accumulation. */
    private static final int KB = 16;

    private Attention() {
    }

    /**
     * Scratch floats one thread needs for calls whose positions are below {@code nCtx}: a block of
     * 16 converted K or V rows plus a score row per query head of a GQA group.
     */
    public static int scratchLength(int nHead, int nHeadKv, int headDimK, int headDimV, int nCtx) {
        Checks.positive("nHead", nHead);
        Checks.positive("nHeadKv", nHeadKv);
        return Math.addExact(Math.multiplyExact(KB, Math.max(headDimK, headDimV)),
                Math.multiplyExact(Math.max(1, nHead / nHeadKv), nCtx));
    }

    /**
     * One query per head at position {@code pos} (decode): keys {@code firstVisible(pos) .. pos}.
     *
     * @param q   [n_head][head_dim_k] at {@code qOff}
     * @param out [n_head][head_dim_v] at {@code outOff}; only heads [headStart, headEnd) are written
     */
    public static void attend(float[] q, int qOff, int nHead, KvStore k, KvStore v, int pos, AttentionParams p,
                              float[] out, int outOff, float[] scratch, int headStart, int headEnd) {
        attendBatch(q, qOff, 1, pos, nHead, k, v, p, out, outOff, scratch, headStart, headEnd);
    }

    /**
     * A causal batch (prefill): {@code nTokens} queries at positions {@code p0 .. p0 + nTokens - 1}.
     * Equal to {@link #attend} for each token in turn.
     *
     * @param q   [n_tokens][n_head][head_dim_k] at {@code qOff}
     * @param out [n_tokens][n_head][head_dim_v] at {@code outOff}
     */
    public static void attendBatch(float[] q, int qOff, int nTokens, int p0, int nHead, KvStore k, KvStore v,
                                   AttentionParams p, float[] out, int outOff, float[] scratch,
                                   int headStart, int headEnd) {
        check(q, qOff, nTokens, p0, nHead, k, v, p, out, outOff, headStart, headEnd);
        int dk = k.headDim();
        int dv = v.headDim();
        int g = nHead / k.nHeadKv();
        int last = p0 + nTokens - 1;
        int maxKeys = last - p.firstVisible(last) + 1;
        long need = (long) KB * Math.max(dk, dv) + (long) g * maxKeys;
        if (scratch == null || scratch.length < need) {
            throw new IllegalArgumentException("attention scratch: need " + need + " floats, got "
                    + (scratch == null ? "null" : scratch.length) + " (see Attention.scratchLength)");
        }
        if (headStart == headEnd) {
            return;
        }
        for (int t = 0; t < nTokens; t++) {
            int pos = p0 + t;
            int lo = p.firstVisible(pos);
            int nk = pos - lo + 1;
            int qTok = qOff + t * nHead * dk;
            int oTok = outOff + t * nHead * dv;
            for (int kvh = headStart / g; kvh * g < headEnd; kvh++) {
                int qa = Math.max(headStart, kvh * g);
                int qb = Math.min(headEnd, (kvh + 1) * g);
                group(q, qTok + qa * dk, qb - qa, dk, k, kvh, v, dv, lo, nk, p, qa, out, oTok + qa * dv, scratch);
            }
        }
    }

    // ---------------------------------------------------------------- one GQA group, one token

    /**
     * Query heads {@code h0 .. h0 + c - 1} (all reading KV head {@code kvh}) against keys {@code lo ..
     * lo + nk - 1}, in blocks of KB keys. Scratch: [0, KB * max(dk, dv)) holds a block of
     * f16 rows converted to float, then the scores/probabilities [c][nk].
     */
    private static void group(float[] q, int qBase, int c, int dk, KvStore k, int kvh, KvStore v, int dv,
                              int lo, int nk, AttentionParams p, int h0, float[] out, int outBase, float[] scratch) {
        int sb = KB * Math.max(dk, dv);
        float scale = p.scale();

        // an f16 cache's rows of this head are read once per token, long after they were written and
        // 1-2 KiB apart (the other heads' rows between them): the hardware prefetchers leave attention
        // waiting on memory, so the K rows are requested together up front, the V rows block by block
        // while the scores are computed
        // (deepseek2 MLA's V is a view of the K rows: fetched with them)
        prefetchRows(k, lo, nk, kvh);
        boolean vOwnRows = !(k instanceof KvStore.F16 kh && v instanceof KvStore.F16 vh && kh.data() == vh.data());

        // scores[t][j] = scale * q_t . k_j
        for (int jb = 0; jb < nk; jb += KB) {
            int nb = Math.min(KB, nk - jb);
            if (vOwnRows) {
                prefetchRows(v, lo + jb, nb, kvh);
            }
            switch (k) {
                case KvStore.F32 kf -> scoreBlock(q, qBase, c, dk, kf.data(), (int) kf.index(lo + jb, kvh),
                        kf.rowStride(), nb, scratch, sb + jb, nk, scale);
                case KvStore.F16 kh -> {
                    convertRows(kh, lo + jb, kvh, nb, scratch);
                    scoreBlock(q, qBase, c, dk, scratch, 0, dk, nb, scratch, sb + jb, nk, scale);
                }
            }
        }

        // softmax per head; the sink joins the max and the denominator
        float[] sinks = p.sinks();
        for (int t = 0; t < c; t++) {
            int row = sb + t * nk;
            float max = VectorOps.maxUnchecked(scratch, row, nk);
            if (sinks != null) {
                max = Math.max(max, sinks[h0 + t]);
            }
            double sum = VectorOps.expAndSum(scratch, row, nk, max);
            if (sinks != null) {
                sum += (float) Math.exp(sinks[h0 + t] - max);
            }
            VectorOps.scaleUnchecked(scratch, row, scratch, row, nk, (float) (1.0 / sum));
        }

        // out[t] = sum_j p[t][j] * v_j
        Arrays.fill(out, outBase, outBase + c * dv, 0.0f);
        for (int jb = 0; jb < nk; jb += KB) {
            int nb = Math.min(KB, nk - jb);
            switch (v) {
                case KvStore.F32 vf -> valueBlock(scratch, sb + jb, nk, c, vf.data(), (int) vf.index(lo + jb, kvh),
                        vf.rowStride(), nb, out, outBase, dv);
                case KvStore.F16 vh -> {
                    convertRows(vh, lo + jb, kvh, nb, scratch);
                    valueBlock(scratch, sb + jb, nk, c, scratch, 0, dv, nb, out, outBase, dv);
                }
            }
        }
    }

    /**
     * Starts rows {@code pos .. pos + n - 1} of one head of an f16 cache on their way into the cache ({@link
     * Prefetch}); nothing for an f32 cache (heap memory, which the prefetch routine cannot be given).
     */
    private static void prefetchRows(KvStore s, int pos, int n, int head) {
        if (Prefetch.ENABLED && s instanceof KvStore.F16 h) {
            long bytes = 2L * h.headDim();
            for (int j = 0; j < n; j++) {
                Prefetch.range(h.data(), 2 * h.index(pos + j, head), bytes);
            }
        }
    }

    /** Rows {@code pos .. pos + nb - 1} of one f16 head, as floats, to scratch [nb][headDim]. */
    private static void convertRows(KvStore.F16 s, int pos, int head, int nb, float[] scratch) {
        int d = s.headDim();
        for (int j = 0; j < nb; j++) {
            F16.toFloatUnchecked(s.data(), 2 * s.index(pos + j, head), scratch, j * d, d);
        }
    }

    // ---------------------------------------------------------------- score tiles

    /**
     * {@code s[sOff + t * nk + j] = scale * q_t . K_j} for heads t < c and block keys j < nb, K_j at
     * {@code kd[kOff + j * kStride]}. Tiles of 4 heads x 2 keys share their loads (each K chunk
     * serves 4 heads, each q chunk 2 keys); lone heads run 1 x 4 tiles.
     */
    private static void scoreBlock(float[] q, int qBase, int c, int dk, float[] kd, int kOff, int kStride, int nb,
                                   float[] s, int sOff, int nk, float scale) {
        int t = 0;
        for (; t + 4 <= c; t += 4) {
            int j = 0;
            for (; j + 2 <= nb; j += 2) {
                tile4x2(q, qBase + t * dk, dk, kd, kOff + j * kStride, kStride, s, sOff + t * nk + j, nk, scale);
            }
            for (; j < nb; j++) {
                for (int h = t; h < t + 4; h++) {
                    s[sOff + h * nk + j] = VectorOps.dotUnchecked(q, qBase + h * dk, kd, kOff + j * kStride, dk) * scale;
                }
            }
        }
        for (; t < c; t++) {
            int j = 0;
            for (; j + 4 <= nb; j += 4) {
                tile1x4(q, qBase + t * dk, dk, kd, kOff + j * kStride, kStride, s, sOff + t * nk + j, scale);
            }
            for (; j < nb; j++) {
                s[sOff + t * nk + j] = VectorOps.dotUnchecked(q, qBase + t * dk, kd, kOff + j * kStride, dk) * scale;
            }
        }
    }

    /** 4 heads (q rows qo + h * dk) x 2 keys (ko, ko + ks) -> s[so + h * nk + {0, 1}]. */
    private static void tile4x2(float[] q, int qo, int dk, float[] k, int ko, int ks, float[] s, int so, int nk,
                                float scale) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (; i <= dk - L; i += L) {
            FloatVector k0 = FloatVector.fromArray(F, k, ko + i);
            FloatVector k1 = FloatVector.fromArray(F, k, ko + ks + i);
            FloatVector q0 = FloatVector.fromArray(F, q, qo + i);
            FloatVector q1 = FloatVector.fromArray(F, q, qo + dk + i);
            FloatVector q2 = FloatVector.fromArray(F, q, qo + 2 * dk + i);
            FloatVector q3 = FloatVector.fromArray(F, q, qo + 3 * dk + i);
            a0 = q0.fma(k0, a0);
            a1 = q1.fma(k0, a1);
            a2 = q2.fma(k0, a2);
            a3 = q3.fma(k0, a3);
            b0 = q0.fma(k1, b0);
            b1 = q1.fma(k1, b1);
            b2 = q2.fma(k1, b2);
            b3 = q3.fma(k1, b3);
        }
        float r0 = (float) ((DoubleVector) a0.convertShape(VectorOperators.F2D, DF, 0)).add(a0.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r1 = (float) ((DoubleVector) a1.convertShape(VectorOperators.F2D, DF, 0)).add(a1.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r2 = (float) ((DoubleVector) a2.convertShape(VectorOperators.F2D, DF, 0)).add(a2.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r3 = (float) ((DoubleVector) a3.convertShape(VectorOperators.F2D, DF, 0)).add(a3.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float u0 = (float) ((DoubleVector) b0.convertShape(VectorOperators.F2D, DF, 0)).add(b0.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float u1 = (float) ((DoubleVector) b1.convertShape(VectorOperators.F2D, DF, 0)).add(b1.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float u2 = (float) ((DoubleVector) b2.convertShape(VectorOperators.F2D, DF, 0)).add(b2.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float u3 = (float) ((DoubleVector) b3.convertShape(VectorOperators.F2D, DF, 0)).add(b3.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < dk; i++) {   // dk % L tail
            float k0 = k[ko + i];
            float k1 = k[ko + ks + i];
            float x0 = q[qo + i], x1 = q[qo + dk + i], x2 = q[qo + 2 * dk + i], x3 = q[qo + 3 * dk + i];
            r0 += x0 * k0;
            r1 += x1 * k0;
            r2 += x2 * k0;
            r3 += x3 * k0;
            u0 += x0 * k1;
            u1 += x1 * k1;
            u2 += x2 * k1;
            u3 += x3 * k1;
        }
        s[so] = r0 * scale;
        s[so + nk] = r1 * scale;
        s[so + 2 * nk] = r2 * scale;
        s[so + 3 * nk] = r3 * scale;
        s[so + 1] = u0 * scale;
        s[so + nk + 1] = u1 * scale;
        s[so + 2 * nk + 1] = u2 * scale;
        s[so + 3 * nk + 1] = u3 * scale;
    }

    /** 1 head (qo) x 4 keys (ko + j * ks) -> s[so + j]. */
    private static void tile1x4(float[] q, int qo, int dk, float[] k, int ko, int ks, float[] s, int so, float scale) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= dk - L; i += L) {
            FloatVector qv = FloatVector.fromArray(F, q, qo + i);
            a0 = qv.fma(FloatVector.fromArray(F, k, ko + i), a0);
            a1 = qv.fma(FloatVector.fromArray(F, k, ko + ks + i), a1);
            a2 = qv.fma(FloatVector.fromArray(F, k, ko + 2 * ks + i), a2);
            a3 = qv.fma(FloatVector.fromArray(F, k, ko + 3 * ks + i), a3);
        }
        float r0 = (float) ((DoubleVector) a0.convertShape(VectorOperators.F2D, DF, 0)).add(a0.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r1 = (float) ((DoubleVector) a1.convertShape(VectorOperators.F2D, DF, 0)).add(a1.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r2 = (float) ((DoubleVector) a2.convertShape(VectorOperators.F2D, DF, 0)).add(a2.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        float r3 = (float) ((DoubleVector) a3.convertShape(VectorOperators.F2D, DF, 0)).add(a3.convertShape(VectorOperators.F2D, DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < dk; i++) {   // dk % L tail
            float x = q[qo + i];
            r0 += x * k[ko + i];
            r1 += x * k[ko + ks + i];
            r2 += x * k[ko + 2 * ks + i];
            r3 += x * k[ko + 3 * ks + i];
        }
        s[so] = r0 * scale;
        s[so + 1] = r1 * scale;
        s[so + 2] = r2 * scale;
        s[so + 3] = r3 * scale;
    }

    // ---------------------------------------------------------------- value tiles

    /**
     * {@code out[t] += sum_j p[pOff + t * nk + j] * V_j} for heads t < c and block keys j < nb, V_j
     * at {@code vd[vOff + j * vStride]}. Per chunk of L output values, 4 heads' accumulators stay
     * in registers across the block's keys, so each V chunk is loaded once per 4 heads.
     */
    private static void valueBlock(float[] p, int pOff, int nk, int c, float[] vd, int vOff, int vStride, int nb,
                                   float[] out, int outBase, int dv) {
        int t = 0;
        for (; t + 4 <= c; t += 4) {
            int p0 = pOff + t * nk;
            int o0 = outBase + t * dv;
            int i = 0;
            for (; i <= dv - L; i += L) {
                FloatVector a0 = FloatVector.fromArray(F, out, o0 + i);
                FloatVector a1 = FloatVector.fromArray(F, out, o0 + dv + i);
                FloatVector a2 = FloatVector.fromArray(F, out, o0 + 2 * dv + i);
                FloatVector a3 = FloatVector.fromArray(F, out, o0 + 3 * dv + i);
                for (int j = 0; j < nb; j++) {
                    FloatVector vj = FloatVector.fromArray(F, vd, vOff + j * vStride + i);
                    a0 = vj.fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                    a1 = vj.fma(FloatVector.broadcast(F, p[p0 + nk + j]), a1);
                    a2 = vj.fma(FloatVector.broadcast(F, p[p0 + 2 * nk + j]), a2);
                    a3 = vj.fma(FloatVector.broadcast(F, p[p0 + 3 * nk + j]), a3);
                }
                a0.intoArray(out, o0 + i);
                a1.intoArray(out, o0 + dv + i);
                a2.intoArray(out, o0 + 2 * dv + i);
                a3.intoArray(out, o0 + 3 * dv + i);
            }
            valueTail(p, p0, nk, 4, vd, vOff, vStride, nb, out, o0, dv, i);
        }
        for (; t < c; t++) {
            int p0 = pOff + t * nk;
            int o0 = outBase + t * dv;
            int i = 0;
            for (; i <= dv - L; i += L) {
                FloatVector a0 = FloatVector.fromArray(F, out, o0 + i);
                for (int j = 0; j < nb; j++) {
                    a0 = FloatVector.fromArray(F, vd, vOff + j * vStride + i).fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                }
                a0.intoArray(out, o0 + i);
            }
            valueTail(p, p0, nk, 1, vd, vOff, vStride, nb, out, o0, dv, i);
        }
    }

    /** The last {@code dv % L} output values of {@code heads} heads, scalar. */
    private static void valueTail(float[] p, int p0, int nk, int heads, float[] vd, int vOff, int vStride, int nb,
                                  float[] out, int o0, int dv, int from) {
        for (int h = 0; h < heads; h++) {
            for (int i = from; i < dv; i++) {
                float acc = out[o0 + h * dv + i];
                for (int j = 0; j < nb; j++) {
                    acc += p[p0 + h * nk + j] * vd[vOff + j * vStride + i];
                }
                out[o0 + h * dv + i] = acc;
            }
        }
    }

    // ---------------------------------------------------------------- checks (shared with the reference)

    static void check(float[] q, int qOff, int nTokens, int p0, int nHead, KvStore k, KvStore v, AttentionParams p,
                      float[] out, int outOff, int headStart, int headEnd) {
        if (k == null || v == null || p == null) {
            throw new IllegalArgumentException("attention: k, v and params must not be null");
        }
        Checks.positive("attention nTokens", nTokens);
        Checks.positive("attention nHead", nHead);
        if (k.nHeadKv() != v.nHeadKv()) {
            throw new IllegalArgumentException("attention: K has " + k.nHeadKv() + " heads, V has " + v.nHeadKv());
        }
        if (nHead % k.nHeadKv() != 0) {
            throw new IllegalArgumentException("attention: n_head " + nHead + " is not a multiple of n_head_kv "
                    + k.nHeadKv());
        }
        int nCtx = Math.min(k.nCtx(), v.nCtx());
        if (p0 < 0 || p0 > nCtx - nTokens) {
            throw new IllegalArgumentException("attention: positions " + p0 + " .. " + ((long) p0 + nTokens - 1)
                    + " outside the cache [0, " + nCtx + ")");
        }
        int qLen = Math.multiplyExact(nTokens, Math.multiplyExact(nHead, k.headDim()));
        int outLen = Math.multiplyExact(nTokens, Math.multiplyExact(nHead, v.headDim()));
        Checks.range("attention q", q, qOff, qLen);
        Checks.range("attention out", out, outOff, outLen);
        if (q == out && qOff < outOff + outLen && outOff < qOff + qLen) {
            throw new IllegalArgumentException("attention: q and out overlap");
        }
        if (p.sinks() != null && p.sinks().length < nHead) {
            throw new IllegalArgumentException("attention: " + p.sinks().length + " sinks for " + nHead + " heads");
        }
        if (headStart < 0 || headStart > headEnd || headEnd > nHead) {
            throw new IllegalArgumentException("attention: head range [" + headStart + ", " + headEnd
                    + ") outside [0, " + nHead + "]");
        }
    }
}
