package io.github.moe4j.model;

/**
 * Optional parts of the attention block; each flag makes its tensors required.
 *
 * @param qkvBias   {@code attn_q.bias}, {@code attn_k.bias}, {@code attn_v.bias} (qwen2moe, gpt-oss)
 * @param outBias   {@code attn_output.bias} (gpt-oss)
 * @param sinks     {@code attn_sinks.weight} {@code [n_head]}: one extra softmax logit per head (gpt-oss)
 * @param swaWindow sliding window size, 0 for none
 * @param swaPeriod layer {@code il} uses the window iff {@code il % swaPeriod == 0} (gpt-oss: 2)
 */
public record AttentionOptions(boolean qkvBias, boolean outBias, boolean sinks, int swaWindow, int swaPeriod) {
    /** Plain attention: no biases, sinks or window. */
    public static final AttentionOptions PLAIN = new AttentionOptions(false, false, false, 0, 1);
    /** q/k/v biases only (qwen2moe). */
    public static final AttentionOptions QKV_BIAS = new AttentionOptions(true, false, false, 0, 1);

    public AttentionOptions {
        if (swaWindow < 0 || swaPeriod <= 0) {
            throw new IllegalArgumentException("sliding window " + swaWindow + " / period " + swaPeriod);
        }
    }

    /** The window of layer {@code il}, 0 for full causal attention. */
    public int window(int il) {
        return swaWindow > 0 && il % swaPeriod == 0 ? swaWindow : 0;
    }
}
