package io.github.moe4j.model.qwen3moe;

import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architecture;
import io.github.moe4j.model.AttentionOptions;
import io.github.moe4j.model.CommonHparams;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.MoeDecoder;
import io.github.moe4j.model.QkNorm;

/**
 * qwen3moe (Qwen3-30B-A3B, Qwen3-235B-A22B): per-head RMSNorm of q and k ({@code attn_q_norm},
 * {@code attn_k_norm}, {@code [head_dim]}) before NeoX RoPE, softmax routing with the top-k
 * weights renormalised, no shared expert. The q width may exceed n_embd (head_dim 128 x heads).
 */
public final class Qwen3Moe implements Architecture {

    /** @param nFfExp {@code qwen3moe.expert_feed_forward_length} (required) */
    public record Hparams(CommonHparams common, int nFfExp) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            if (c.nFfExp() <= 0) {
                throw CommonHparams.bad(md, "expert_feed_forward_length", "is required and must be positive");
            }
            return new Hparams(c, c.nFfExp());
        }
    }

    @Override
    public String name() {
        return "qwen3moe";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        Hparams hp = Hparams.read(gguf.metadata());
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(gguf.metadata(), RopeConfig.Style.NEOX), c.defaultAttnScale(),
                QkNorm.PER_HEAD, AttentionOptions.PLAIN, 1f, 1f, 1f,
                MoeConfig.softmax(c.nExpert(), c.nUsed(), hp.nFfExp(), true, 0, false), "ffn_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
