package io.github.moe4j.model;

/** How router logits become expert choices and weights. */
public enum Gating {
    /** Softmax over all experts, top-k on the probabilities, weights = those probabilities. */
    SOFTMAX,
    /** Top-k on the raw logits, then softmax over the k chosen logits (gpt-oss). */
    SOFTMAX_WEIGHT,
    /** Sigmoid of each logit (deepseek2 with {@code expert_gating_func} 2), top-k, weights = those sigmoids. */
    SIGMOID
}
