package io.github.moe4j.model.gptoss;

import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architecture;
import io.github.moe4j.model.AttentionOptions;
import io.github.moe4j.model.CommonHparams;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.Gating;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.MoeDecoder;
import io.github.moe4j.model.QkNorm;

/**
 * gpt-oss (gpt-oss-20b/120b): q/k/v/o biases, attention sinks ({@code attn_sinks} {@code [n_head]}),
 * sliding-window attention on even layers and full attention on odd ones, NeoX RoPE with YaRN
 * (cos/sin carry the YaRN mscale), {@code post_attention_norm} before the MoE block, router and
 * expert biases, top-k on the raw router logits then softmax over the chosen, clamped SwiGLU-OAI
 * experts. Experts are usually MXFP4.
 */
public final class GptOss implements Architecture {

    /**
     * @param nFfExp        {@code gpt-oss.expert_feed_forward_length}
     * @param slidingWindow {@code gpt-oss.attention.sliding_window}
     */
    public record Hparams(CommonHparams common, int nFfExp, int slidingWindow) {
        public static Hparams read(GgufMetadata md) {
            CommonHparams c = CommonHparams.read(md);
            if (c.nFfExp() <= 0) {
                throw CommonHparams.bad(md, "expert_feed_forward_length", "is required and must be positive");
            }
            int w = md.archInt("attention.sliding_window", 0);
            if (w <= 0) {
                throw CommonHparams.bad(md, "attention.sliding_window", "is required and must be positive");
            }
            return new Hparams(c, c.nFfExp(), w);
        }
    }

    @Override
    public String name() {
        return "gpt-oss";
    }

    @Override
    public Decoder load(GgufModel gguf, Linear linear) {
        GgufMetadata md = gguf.metadata();
        Hparams hp = Hparams.read(md);
        CommonHparams c = hp.common();
        DecoderConfig cfg = new DecoderConfig(name(), c.nEmbd(), c.nLayer(), c.nHead(), c.nHeadKv(), c.headDimK(),
                c.headDimV(), CommonHparams.vocabSize(gguf), c.nCtxTrain(), c.eps(),
                c.rope(md, RopeConfig.Style.NEOX), c.defaultAttnScale(), QkNorm.NONE,
                new AttentionOptions(true, true, true, hp.slidingWindow(), 2), 1f, 1f, 1f,
                new MoeConfig(c.nExpert(), c.nUsed(), hp.nFfExp(), Gating.SOFTMAX_WEIGHT, false, 0f, 0, false, true, true,
                        false, 1, 1),
                "post_attention_norm");
        return new MoeDecoder(gguf, cfg, linear);
    }
}
