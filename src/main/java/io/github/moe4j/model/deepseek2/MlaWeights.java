package io.github.moe4j.model.deepseek2;

import io.github.moe4j.model.TensorBinder;
import io.github.moe4j.tensor.Tensor;

/**
 * One block's MLA weights, absorbed form. Row-major shapes ([rows][cols]); per-head views are
 * sliced once at bind time.
 *
 * @param norm    [n_embd] attn_norm
 * @param wq      [n_head*(qk_nope+qk_rope)][n_embd] attn_q, or null with q compression
 * @param wqA     [q_lora_rank][n_embd] attn_q_a, or null
 * @param qANorm  [q_lora_rank] attn_q_a_norm, or null
 * @param wqB     [n_head*(qk_nope+qk_rope)][q_lora_rank] attn_q_b, or null
 * @param wkvA    [kv_lora_rank+qk_rope][n_embd] attn_kv_a_mqa
 * @param kvANorm [kv_lora_rank] attn_kv_a_norm
 * @param kB      per head [kv_lora_rank][qk_nope] views of attn_k_b [n_head][kv_lora_rank][qk_nope]
 * @param vB      per head [v_head][kv_lora_rank] views of attn_v_b [n_head][v_head][kv_lora_rank]
 * @param wo      [n_embd][n_head*v_head] attn_output
 */
record MlaWeights(float[] norm, Tensor wq, Tensor wqA, float[] qANorm, Tensor wqB, Tensor wkvA, float[] kvANorm,
                  Tensor[] kB, Tensor[] vB, Tensor wo) {

    static MlaWeights bind(TensorBinder b, DeepSeek2.Hparams hp, int il) {
        String p = "blk." + il + ".";
        var c = hp.common();
        long e = c.nEmbd();
        int nHead = c.nHead();
        long qk = hp.qkNope() + c.nRot();
        boolean qLora = hp.qLoraRank() > 0;
        Tensor kb = b.required(p + "attn_k_b.weight", hp.qkNope(), hp.kvLoraRank(), nHead);
        Tensor vb = b.required(p + "attn_v_b.weight", hp.kvLoraRank(), hp.vHeadDim(), nHead);
        Tensor[] kBs = new Tensor[nHead];
        Tensor[] vBs = new Tensor[nHead];
        for (int h = 0; h < nHead; h++) {
            kBs[h] = kb.slice(h);
            vBs[h] = vb.slice(h);
        }
        return new MlaWeights(
                b.vector(p + "attn_norm.weight", e, true),
                qLora ? null : b.required(p + "attn_q.weight", e, nHead * qk),
                qLora ? b.required(p + "attn_q_a.weight", e, hp.qLoraRank()) : null,
                qLora ? b.vector(p + "attn_q_a_norm.weight", hp.qLoraRank(), true) : null,
                qLora ? b.required(p + "attn_q_b.weight", hp.qLoraRank(), nHead * qk) : null,
                b.required(p + "attn_kv_a_mqa.weight", e, hp.kvLoraRank() + c.nRot()),
                b.vector(p + "attn_kv_a_norm.weight", hp.kvLoraRank(), true),
                kBs, vBs,
                b.required(p + "attn_output.weight", (long) nHead * hp.vHeadDim(), e));
    }
}
