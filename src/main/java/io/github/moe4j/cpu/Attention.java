package io.github.moe4j.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

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
 * converted) once per group rather than once per query head.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * Scratch floats one thread needs for calls whose positions are below {@code nCtx}:
     * one converted K or V row plus a score row per query head of a GQA group.
     */
    public static int scratchLength(int nHead, int nHeadKv, int headDimK, int headDimV, int nCtx) {
        Checks.positive("nHead", nHead);
        Checks.positive("nHeadKv", nHeadKv);
        return Math.addExact(Math.max(headDimK, headDimV), Math.multiplyExact(Math.max(1, nHead / nHeadKv), nCtx));
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
        long need = Math.max(dk, dv) + (long) g * maxKeys;
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
     * lo + nk - 1}. Scratch: [0, max(dk, dv)) holds a converted f16 row, then scores [c][nk].
     */
    private static void group(float[] q, int qBase, int c, int dk, KvStore k, int kvh, KvStore v, int dv,
                              int lo, int nk, AttentionParams p, int h0, float[] out, int outBase, float[] scratch) {
        int sb = Math.max(dk, dv);
        float scale = p.scale();

        // scores[t][j] = scale * q_t . k_j
        switch (k) {
            case KvStore.F32 kf -> {
                float[] kd = kf.data();
                for (int j = 0; j < nk; j++) {
                    int ki = (int) kf.index(lo + j, kvh);
                    for (int t = 0; t < c; t++) {
                        scratch[sb + t * nk + j] = VectorOps.dotUnchecked(q, qBase + t * dk, kd, ki, dk) * scale;
                    }
                }
            }
            case KvStore.F16 kh -> {
                MemorySegment kd = kh.data();
                for (int j = 0; j < nk; j++) {
                    F16.toFloatUnchecked(kd, 2 * kh.index(lo + j, kvh), scratch, 0, dk);
                    for (int t = 0; t < c; t++) {
                        scratch[sb + t * nk + j] = VectorOps.dotUnchecked(q, qBase + t * dk, scratch, 0, dk) * scale;
                    }
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
        switch (v) {
            case KvStore.F32 vf -> {
                float[] vd = vf.data();
                for (int j = 0; j < nk; j++) {
                    int vi = (int) vf.index(lo + j, kvh);
                    for (int t = 0; t < c; t++) {
                        VectorOps.addScaledUnchecked(out, outBase + t * dv, vd, vi, dv, scratch[sb + t * nk + j]);
                    }
                }
            }
            case KvStore.F16 vh -> {
                MemorySegment vd = vh.data();
                for (int j = 0; j < nk; j++) {
                    F16.toFloatUnchecked(vd, 2 * vh.index(lo + j, kvh), scratch, 0, dv);
                    for (int t = 0; t < c; t++) {
                        VectorOps.addScaledUnchecked(out, outBase + t * dv, scratch, 0, dv, scratch[sb + t * nk + j]);
                    }
                }
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
