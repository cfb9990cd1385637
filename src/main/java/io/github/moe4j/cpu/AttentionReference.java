package io.github.moe4j.cpu;

/**
 * Scalar reference for {@link Attention}, written for clarity: dot products and the softmax
 * denominator in double, element access through {@link KvStore#get}. It allocates; it is for tests.
 *
 * <p>The batch form is deliberately built differently from the single query: a full
 * {@code [n_tokens][n_kv]} additive mask (0 or -inf, as llama.cpp's KQ mask) over every cached
 * position, rather than a range of visible keys.
 */
public final class AttentionReference {
    private AttentionReference() {
    }

    /** @see Attention#attend (all heads) */
    public static void attend(float[] q, int qOff, int nHead, KvStore k, KvStore v, int pos, AttentionParams p,
                              float[] out, int outOff) {
        Attention.check(q, qOff, 1, pos, nHead, k, v, p, out, outOff, 0, nHead);
        int dk = k.headDim();
        int dv = v.headDim();
        int g = nHead / k.nHeadKv();
        int lo = p.firstVisible(pos);
        int nk = pos - lo + 1;
        float[] s = new float[nk];
        for (int h = 0; h < nHead; h++) {
            int kvh = h / g;
            for (int j = 0; j < nk; j++) {
                s[j] = dot(q, qOff + h * dk, k, lo + j, kvh) * p.scale();
            }
            float sink = p.sinks() == null ? Float.NEGATIVE_INFINITY : p.sinks()[h];
            softmaxWithSink(s, sink);
            weightedSum(s, v, lo, kvh, out, outOff + h * dv);
        }
    }

    /** @see Attention#attendBatch (all heads), via an explicit causal/window mask */
    public static void attendBatch(float[] q, int qOff, int nTokens, int p0, int nHead, KvStore k, KvStore v,
                                   AttentionParams p, float[] out, int outOff) {
        Attention.check(q, qOff, nTokens, p0, nHead, k, v, p, out, outOff, 0, nHead);
        int dk = k.headDim();
        int dv = v.headDim();
        int g = nHead / k.nHeadKv();
        int nKv = p0 + nTokens;
        // mask[t][j]: 0 where token t (at p0 + t) may see key j, -inf elsewhere
        float[][] mask = new float[nTokens][nKv];
        for (int t = 0; t < nTokens; t++) {
            int i = p0 + t;
            for (int j = 0; j < nKv; j++) {
                boolean visible = j <= i && (p.window() == 0 || i - j < p.window());
                mask[t][j] = visible ? 0.0f : Float.NEGATIVE_INFINITY;
            }
        }
        float[] s = new float[nKv];
        for (int t = 0; t < nTokens; t++) {
            for (int h = 0; h < nHead; h++) {
                int kvh = h / g;
                int qo = qOff + (t * nHead + h) * dk;
                for (int j = 0; j < nKv; j++) {
                    s[j] = dot(q, qo, k, j, kvh) * p.scale() + mask[t][j];
                }
                float sink = p.sinks() == null ? Float.NEGATIVE_INFINITY : p.sinks()[h];
                softmaxWithSink(s, sink);
                weightedSum(s, v, 0, kvh, out, outOff + (t * nHead + h) * dv);
            }
        }
    }

    private static float dot(float[] q, int qo, KvStore k, int pos, int kvh) {
        double d = 0.0;
        for (int i = 0; i < k.headDim(); i++) {
            d += q[qo + i] * k.get(pos, kvh, i);
        }
        return (float) d;
    }

    /** In place; {@code sink} = -inf means none. Masked (-inf) scores become 0. */
    private static void softmaxWithSink(float[] s, float sink) {
        float max = sink;
        for (float x : s) {
            max = Math.max(max, x);
        }
        double sum = Math.exp(sink - max);
        for (int j = 0; j < s.length; j++) {
            s[j] = (float) Math.exp(s[j] - max);
            sum += s[j];
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < s.length; j++) {
            s[j] *= inv;
        }
    }

    private static void weightedSum(float[] prob, KvStore v, int lo, int kvh, float[] out, int oo) {
        for (int i = 0; i < v.headDim(); i++) {
            double acc = 0.0;
            for (int j = 0; j < prob.length; j++) {
                acc += (double) prob[j] * v.get(lo + j, kvh, i);
            }
            out[oo + i] = (float) acc;
        }
    }
}
