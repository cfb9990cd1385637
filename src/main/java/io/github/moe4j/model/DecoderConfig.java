package io.github.moe4j.model;

import io.github.moe4j.cpu.RopeConfig;

/**
 * Everything the shared decoder needs to know about a family, built by the family from its
 * hyperparameter record. Llama-style pre-norm blocks: {@code h += r * attn(norm(h));
 * h += r * ffn(norm(h))}, logits {@code = output(norm(h)) / logitScale}.
 *
 * @param arch           {@code general.architecture}
 * @param nEmbd          residual width
 * @param nLayer         blocks
 * @param nHead          query heads
 * @param nHeadKv        key/value heads (GQA)
 * @param headDimK       q/k head size
 * @param headDimV       v head size
 * @param nVocab         vocabulary (rows of {@code token_embd})
 * @param nCtxTrain      {@code context_length}: the longest context a session may have
 * @param eps            RMSNorm epsilon
 * @param rope           RoPE of q and k
 * @param attnScale      multiplies q.k (normally 1/sqrt(headDimK))
 * @param qkNorm         q/k RMSNorm placement
 * @param attn           optional attention parts (biases, sinks, sliding window)
 * @param embeddingScale multiplies the token embedding (1 = none)
 * @param residualScale  multiplies each block's output before the residual add (1 = none)
 * @param logitScale     logits are multiplied by 1/logitScale (1 = none)
 * @param moe            the routed feed-forward block
 * @param ffnNorm        the name of the norm before the MoE block: {@code ffn_norm} ({@code post_attention_norm} in gpt-oss)
 */
public record DecoderConfig(String arch, int nEmbd, int nLayer, int nHead, int nHeadKv, int headDimK, int headDimV,
                            int nVocab, int nCtxTrain, float eps, RopeConfig rope, float attnScale, QkNorm qkNorm,
                            AttentionOptions attn, float embeddingScale, float residualScale, float logitScale,
                            MoeConfig moe, String ffnNorm) {
    public DecoderConfig {
        if (nEmbd <= 0 || nLayer <= 0 || nHead <= 0 || nHeadKv <= 0 || headDimK <= 0 || headDimV <= 0
                || nVocab <= 0 || nCtxTrain <= 0) {
            throw new IllegalArgumentException(arch + ": sizes must be positive");
        }
        if (nHead % nHeadKv != 0) {
            throw new IllegalArgumentException(arch + ": head_count " + nHead + " is not a multiple of head_count_kv "
                    + nHeadKv);
        }
        if (rope.nRot() > headDimK) {
            throw new IllegalArgumentException(arch + ": rope.dimension_count " + rope.nRot() + " > key length "
                    + headDimK);
        }
        if (!(eps > 0) || !(logitScale != 0) || qkNorm == null || moe == null || attn == null || ffnNorm == null) {
            throw new IllegalArgumentException(arch + ": bad eps " + eps + " / logit scale " + logitScale);
        }
    }

    public int qWidth() {
        return nHead * headDimK;
    }

    public int kWidth() {
        return nHeadKv * headDimK;
    }

    public int vWidth() {
        return nHeadKv * headDimV;
    }

    public int attnOutWidth() {
        return nHead * headDimV;
    }
}
