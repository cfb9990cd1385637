package io.github.moe4j.model.deepseek2;

import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architecture;
import io.github.moe4j.model.AttentionOptions;
import io.github.moe4j.model.CommonHparams;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.Gating;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.QkNorm;

/**
 * deepseek2 (DeepSeek V2/V2-Lite, V3, R1): multi-head latent attention in the absorbed form the
 * GGUF stores ({@code attn_k_b}, {@code attn_v_b}), optional q compression ({@code q_lora_rank}),
 * leading dense blocks, shared experts, softmax or sigmoid gating with the {@code exp_probs_b}
 * selection bias and group-limited routing, {@code expert_weights_norm} / {@code expert_weights_scale},
 * normal-style RoPE on the 32-wide rope part with YaRN (RoPE mscale 1, the YaRN mscale squared
 * folded into the attention scale).
 */
public final class DeepSeek2 implements Architecture {

    /**
     * @param qLoraRank  {@code attention.q_lora_rank} (0 or absent: no q compression)
     * @param kvLoraRank {@code attention.kv_lora_rank}
     * @param qkNope     {@code attention.key_length_mla} - {@code rope.dimension_count}
     * @param vHeadDim   {@code attention.value_length_mla}
     * @param nDense     {@code leading_dense_block_count}
     * @param nFfExp     {@code expert_feed_forward_length}
     * @param nShared    {@code expert_shared_count}
     * @param gating     {@code expert_gating_func}: 1 softmax (also when absent), 2 sigmoid
     * @param normalize  {@code expert_weights_norm} (default false)
     * @param scale      {@code expert_weights_scale} (default 1)
     * @param nGroup     {@code expert_group_count} (default 1)
     * @param nGroupUsed {@code expert_group_used_count} (default 1)
     * @param mscale     YaRN attention mscale {@code 1 + yarn_log_multiplier * ln(factor)} (1 without YaRN)
     */
    public record Hparams(CommonHparams common, int qLoraRank, int kvLoraRank, int qkNope, int vHeadDim, int nDense,
                          int nFfExp, int nShared, Gating gating, boolean normalize, float scale, int nGroup,
                          int nGroupUsed, float mscale) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            int qLora = md.archInt("attention.q_lora_rank", 0);
            int kvLora = md.archInt("attention.kv_lora_rank", 0);
            if (kvLora <= 0) {
                throw CommonHparams.bad(md, "attention.kv_lora_rank", "is required and must be positive");
            }
            int kMla = md.archInt("attention.key_length_mla", 0);
            int vMla = md.archInt("attention.value_length_mla", 0);
            if (kMla <= c.nRot() || vMla <= 0) {
                throw CommonHparams.bad(md, "attention.key_length_mla", "= " + kMla + " / value_length_mla = " + vMla
                        + ": the absorbed MLA form needs both, key_length_mla > rope.dimension_count " + c.nRot());
            }
            int gf = md.archInt("expert_gating_func", 1);
            Gating gating = switch (gf) {
                case 0, 1 -> Gating.SOFTMAX;
                case 2 -> Gating.SIGMOID;
                default -> throw CommonHparams.bad(md, "expert_gating_func", "= " + gf + " is not 1 (softmax) or 2 (sigmoid)");
            };
            if (c.nFfExp() <= 0 || c.nFf() <= 0) {
                throw CommonHparams.bad(md, "expert_feed_forward_length", "and feed_forward_length are required");
            }
            int nGroup = Math.max(1, md.archInt("expert_group_count", 1));
            int nGroupUsed = Math.max(1, md.archInt("expert_group_used_count", nGroup));
            float mscale = 1f;
            if (md.archString("rope.scaling.type", "none").equals("yarn")) {
                float factor = md.archFloat("rope.scaling.factor");
                mscale = 1.0f + md.archFloat("rope.scaling.yarn_log_multiplier", 0f) * (float) Math.log(factor);
            }
            return new Hparams(c, qLora, kvLora, kMla - c.nRot(), vMla, md.archInt("leading_dense_block_count", 0),
                    c.nFfExp(), md.archInt("expert_shared_count", 0), gating,
                    md.archBool("expert_weights_norm", false), md.archFloat("expert_weights_scale", 1f), nGroup,
                    nGroupUsed, mscale);
        }
    }

    @Override
    public String name() {
        return "deepseek2";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        GgufMetadata md = gguf.metadata();
        Hparams hp = Hparams.read(md);
        CommonHparams c = hp.common();
        RopeConfig rope = c.rope(md, RopeConfig.Style.NORMAL);
        if (rope.extFactor() != 0f) {
            rope = rope.withAttnFactor(1.0f / RopeConfig.yarnMscale(rope.freqScale()));
        }
        int qk = hp.qkNope() + c.nRot();
        float scale = hp.mscale() * hp.mscale() / (float) Math.sqrt(qk);
        // the shared blocks see the absorbed form: one KV head of [kv_lora | rope] keys and kv_lora values
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), 1, hp.kvLoraRank() + c.nRot(),
                hp.kvLoraRank(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(), rope, scale, QkNorm.NONE,
                AttentionOptions.PLAIN, 1f, 1f, 1f,
                new MoeConfig(c.nExpert(), c.nUsed(), hp.nFfExp(), hp.gating(), hp.normalize(), hp.scale(),
                        hp.nFfExp() * hp.nShared(), false, false, false, hp.gating() == Gating.SIGMOID, hp.nGroup(),
                        hp.nGroupUsed()),
                "ffn_norm");
        return new DeepSeek2Decoder(gguf, cfg, hp, linear);
    }
}
