package io.github.moe4j.model.llama;

import io.github.moe4j.api.UnsupportedModelException;
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
 * {@code llama} with experts (Mixtral 8x7B / 8x22B): normal (adjacent-pair) RoPE, softmax routing
 * with the top-k weights renormalised, {@code feed_forward_length} is the expert width. Dense
 * llama files (no {@code expert_count}) are not supported.
 */
public final class LlamaMoe implements Architecture {

    /** @param nFfExp {@code llama.feed_forward_length}: the width of one expert */
    public record Hparams(CommonHparams common, int nFfExp) {
        public static Hparams read(GgufMetadata md) {
            if (md.archInt("expert_count", 0) <= 0) {
                throw new UnsupportedModelException("llama without experts (dense) is not supported by moe4j: '"
                        + md.archKey("expert_count") + "' is absent or 0 in " + md.file());
            }
            CommonHparams c = CommonHparams.read(md);
            if (c.nFf() <= 0) {
                throw CommonHparams.bad(md, "feed_forward_length", "is required and must be positive");
            }
            return new Hparams(c, c.nFf());
        }
    }

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        Hparams hp = Hparams.read(gguf.metadata());
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(gguf.metadata(), RopeConfig.Style.NORMAL), c.defaultAttnScale(),
                QkNorm.NONE, AttentionOptions.PLAIN, 1f, 1f, 1f,
                MoeConfig.softmax(c.nExpert(), c.nUsed(), hp.nFfExp(), true, 0, false), "ffn_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
