package io.github.moe4j.model.granitemoe;

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
 * granitemoe (IBM Granite 3.x MoE): the embedding is multiplied by {@code embedding_scale}, each
 * block output by {@code residual_scale} before the residual add, q.k by {@code attention.scale}
 * (instead of 1/sqrt(head_dim)), logits by 1/{@code logit_scale}; normal RoPE, softmax routing
 * with renormalised top-k; embeddings usually tied (no {@code output.weight}).
 */
public final class GraniteMoe implements Architecture {

    /**
     * @param nFfExp         {@code feed_forward_length}: the width of one expert
     * @param nFfShexp       {@code expert_shared_feed_forward_length} (0: no shared expert)
     * @param embeddingScale {@code embedding_scale}
     * @param residualScale  {@code residual_scale}
     * @param attentionScale {@code attention.scale}
     * @param logitScale     {@code logit_scale}
     */
    public record Hparams(CommonHparams common, int nFfExp, int nFfShexp, float embeddingScale, float residualScale,
                          float attentionScale, float logitScale) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            if (c.nFf() <= 0) {
                throw CommonHparams.bad(md, "feed_forward_length", "is required and must be positive");
            }
            return new Hparams(c, c.nFf(), md.archInt("expert_shared_feed_forward_length", 0),
                    positive(md, "embedding_scale"), positive(md, "residual_scale"),
                    positive(md, "attention.scale"), positive(md, "logit_scale"));
        }

        private static float positive(GgufMetadata md, String key) {
            float v = md.archFloat(key);
            if (!(v > 0) || !Float.isFinite(v)) {
                throw CommonHparams.bad(md, key, "must be positive, got " + v);
            }
            return v;
        }
    }

    @Override
    public String name() {
        return "granitemoe";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        Hparams hp = Hparams.read(gguf.metadata());
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(gguf.metadata(), RopeConfig.Style.NORMAL), hp.attentionScale(),
                QkNorm.NONE, AttentionOptions.PLAIN, hp.embeddingScale(), hp.residualScale(), hp.logitScale(),
                MoeConfig.softmax(c.nExpert(), c.nUsed(), hp.nFfExp(), true, hp.nFfShexp(), false), "ffn_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
