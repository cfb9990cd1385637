package io.github.moe4j.model;

import io.github.moe4j.tensor.Tensor;

/**
 * One block's attention weights. Shapes in row-major terms ([rows][cols]); biases and norms are
 * small and held as floats, matrices stay in the file.
 *
 * @param norm  [n_embd] attn_norm
 * @param wq    [n_head*head_dim_k][n_embd] attn_q
 * @param bq    [n_head*head_dim_k] attn_q.bias or null
 * @param wk    [n_head_kv*head_dim_k][n_embd] attn_k
 * @param bk    [n_head_kv*head_dim_k] attn_k.bias or null
 * @param wv    [n_head_kv*head_dim_v][n_embd] attn_v
 * @param bv    [n_head_kv*head_dim_v] attn_v.bias or null
 * @param wo    [n_embd][n_head*head_dim_v] attn_output
 * @param qNorm attn_q_norm: [head_dim_k] (per head) or [n_head*head_dim_k] (full), or null
 * @param kNorm attn_k_norm: [head_dim_k] or [n_head_kv*head_dim_k], or null
 * @param bo    [n_embd] attn_output.bias or null
 * @param sinks [n_head] attn_sinks or null
 */
public record AttentionWeights(float[] norm, Tensor wq, float[] bq, Tensor wk, float[] bk, Tensor wv, float[] bv,
                               Tensor wo, float[] qNorm, float[] kNorm, float[] bo, float[] sinks) {

    static AttentionWeights bind(TensorBinder b, DecoderConfig c, int il) {
        String p = "blk." + il + ".";
        long e = c.nEmbd();
        float[] qn = null;
        float[] kn = null;
        switch (c.qkNorm()) {
            case PER_HEAD -> {
                qn = b.vector(p + "attn_q_norm.weight", c.headDimK(), true);
                kn = b.vector(p + "attn_k_norm.weight", c.headDimK(), true);
            }
            case FULL -> {
                qn = b.vector(p + "attn_q_norm.weight", c.qWidth(), true);
                kn = b.vector(p + "attn_k_norm.weight", c.kWidth(), true);
            }
            case NONE -> {
            }
        }
        boolean bias = c.attn().qkvBias();
        return new AttentionWeights(
                b.vector(p + "attn_norm.weight", e, true),
                b.required(p + "attn_q.weight", e, c.qWidth()),
                bias ? b.vector(p + "attn_q.bias", c.qWidth(), true) : null,
                b.required(p + "attn_k.weight", e, c.kWidth()),
                bias ? b.vector(p + "attn_k.bias", c.kWidth(), true) : null,
                b.required(p + "attn_v.weight", e, c.vWidth()),
                bias ? b.vector(p + "attn_v.bias", c.vWidth(), true) : null,
                b.required(p + "attn_output.weight", c.attnOutWidth(), e),
                qn, kn,
                c.attn().outBias() ? b.vector(p + "attn_output.bias", e, true) : null,
                c.attn().sinks() ? b.vector(p + "attn_sinks.weight", c.nHead(), true) : null);
    }
}
