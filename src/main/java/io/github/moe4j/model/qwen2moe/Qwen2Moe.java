package io.github.moe4j.model.qwen2moe;

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
 * qwen2moe (Qwen1.5-MoE-A2.7B, Qwen2-57B-A14B): q/k/v biases, NeoX RoPE, softmax routing without
 * renormalisation, and a shared expert ({@code ffn_*_shexp}) scaled by
 * {@code sigmoid(ffn_gate_inp_shexp . x)}.
 */
public final class Qwen2Moe implements Architecture {

    /**
     * @param nFfExp   {@code qwen2moe.expert_feed_forward_length}
     * @param nFfShexp {@code qwen2moe.expert_shared_feed_forward_length}
     */
    public record Hparams(CommonHparams common, int nFfExp, int nFfShexp) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            if (c.nFfExp() <= 0) {
                throw CommonHparams.bad(md, "expert_feed_forward_length", "is required and must be positive");
            }
            int sh = md.archInt("expert_shared_feed_forward_length", 0);
            if (sh <= 0) {
                throw CommonHparams.bad(md, "expert_shared_feed_forward_length", "is required and must be positive");
            }
            return new Hparams(c, c.nFfExp(), sh);
        }
    }

    @Override
    public String name() {
        return "qwen2moe";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        Hparams hp = Hparams.read(gguf.metadata());
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(gguf.metadata(), RopeConfig.Style.NEOX), c.defaultAttnScale(),
                QkNorm.NONE, AttentionOptions.QKV_BIAS, 1f, 1f, 1f,
                MoeConfig.softmax(c.nExpert(), c.nUsed(), hp.nFfExp(), false, hp.nFfShexp(), true), "ffn_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
