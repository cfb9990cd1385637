package io.github.moe4j.cpu;

/**
 * What one attention layer needs beyond its tensors.
 *
 * @param scale  multiplies q.k before the softmax (usually {@code 1/sqrt(head_dim_k)}; deepseek2
 *               with YaRN folds its mscale^2 in here)
 * @param sinks  gpt-oss attention sinks, one logit per query head ({@code [n_head]}), or null.
 *               A sink joins the softmax denominator unscaled and contributes no value.
 * @param window sliding window: a query at position i sees key j iff {@code 0 <= i - j < window};
 *               0 for no window (full causal attention)
 */
public record AttentionParams(float scale, float[] sinks, int window) {
    public AttentionParams {
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention scale must be finite, got " + scale);
        }
        if (window < 0) {
            throw new IllegalArgumentException("attention window must be >= 0 (0 = none), got " + window);
        }
    }

    /** Plain causal attention with the given scale, no sinks, no window. */
    public static AttentionParams of(float scale) {
        return new AttentionParams(scale, null, 0);
    }

    /** The first key position a query at {@code pos} sees. */
    public int firstVisible(int pos) {
        return window == 0 ? 0 : Math.max(0, pos - window + 1);
    }
}
