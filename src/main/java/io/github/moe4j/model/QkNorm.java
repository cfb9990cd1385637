package io.github.moe4j.model;

/** Where a family RMS-normalises q and k (weights {@code attn_q_norm}, {@code attn_k_norm}). */
public enum QkNorm {
    /** No q/k norm (qwen2moe, llama, granitemoe). */
    NONE,
    /** Each head on its own with a shared {@code [head_dim]} weight, before RoPE (qwen3moe). */
    PER_HEAD,
    /** The whole projection ({@code [n_head * head_dim]} weight) before splitting into heads (olmoe). */
    FULL
}
