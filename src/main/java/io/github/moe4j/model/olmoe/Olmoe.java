package io.github.moe4j.model.olmoe;

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
 * olmoe (OLMoE-1B-7B): full-width RMSNorm of q and k ({@code attn_q_norm} {@code [n_head*head_dim]},
 * {@code attn_k_norm} {@code [n_head_kv*head_dim]}) before the split into heads, NeoX RoPE, softmax
 * routing without renormalisation; {@code feed_forward_length} is the expert width.
 */
public final class Olmoe implements Architecture {

    /** @param nFfExp {@code olmoe.feed_forward_length}: the width of one expert */
    public record Hparams(CommonHparams common, int nFfExp) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            if (c.nFf() <= 0) {
                throw CommonHparams.bad(md, "feed_forward_length", "is required and must be positive");
            }
            return new Hparams(c, c.nFf());
        }
    }

    @Override
    public String name() {
        return "olmoe";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        Hparams hp = Hparams.read(gguf.metadata());
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(gguf.metadata(), RopeConfig.Style.NEOX), c.defaultAttnScale(),
                QkNorm.FULL, AttentionOptions.PLAIN, 1f, 1f, 1f,
                MoeConfig.softmax(c.nExpert(), c.nUsed(), hp.nFfExp(), false, 0, false), "ffn_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
