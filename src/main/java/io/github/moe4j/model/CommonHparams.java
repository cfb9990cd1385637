package io.github.moe4j.model;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;

/**
 * The hyperparameters every MoE family stores under the same {@code {arch}.*} keys. Families read
 * this first and add their own keys in their own record.
 *
 * @param nEmbd     {@code embedding_length}
 * @param nLayer    {@code block_count}
 * @param nHead     {@code attention.head_count}
 * @param nHeadKv   {@code attention.head_count_kv} (default: nHead)
 * @param headDimK  {@code attention.key_length} (default: nEmbd / nHead)
 * @param headDimV  {@code attention.value_length} (default: headDimK)
 * @param nCtxTrain {@code context_length}
 * @param eps       {@code attention.layer_norm_rms_epsilon}
 * @param ropeBase  {@code rope.freq_base} (default 10000)
 * @param nRot      {@code rope.dimension_count} (default: headDimK)
 * @param nExpert   {@code expert_count}
 * @param nUsed     {@code expert_used_count}
 * @param nFf       {@code feed_forward_length} (0 when absent)
 * @param nFfExp    {@code expert_feed_forward_length} (0 when absent)
 */
public record CommonHparams(int nEmbd, int nLayer, int nHead, int nHeadKv, int headDimK, int headDimV, int nCtxTrain,
                            float eps, float ropeBase, int nRot, int nExpert, int nUsed, int nFf, int nFfExp) {

    public static CommonHparams read(GgufMetadata md) {
        int nEmbd = positive(md, "embedding_length", md.archInt("embedding_length"));
        int nLayer = positive(md, "block_count", md.archInt("block_count"));
        int nHead = positive(md, "attention.head_count", md.archInt("attention.head_count"));
        int nHeadKv = positive(md, "attention.head_count_kv", md.archInt("attention.head_count_kv", nHead));
        int headDimK = positive(md, "attention.key_length", md.archInt("attention.key_length", nEmbd / nHead));
        int headDimV = positive(md, "attention.value_length", md.archInt("attention.value_length", headDimK));
        int nCtx = positive(md, "context_length", md.archInt("context_length"));
        float eps = md.archFloat("attention.layer_norm_rms_epsilon");
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw bad(md, "attention.layer_norm_rms_epsilon", "must be positive, got " + eps);
        }
        float base = md.archFloat("rope.freq_base", 10000.0f);
        int nRot = positive(md, "rope.dimension_count", md.archInt("rope.dimension_count", headDimK));
        int nExpert = positive(md, "expert_count", md.archInt("expert_count"));
        int nUsed = positive(md, "expert_used_count", md.archInt("expert_used_count"));
        if (nUsed > nExpert) {
            throw bad(md, "expert_used_count", nUsed + " exceeds expert_count " + nExpert);
        }
        if (nHead % nHeadKv != 0) {
            throw bad(md, "attention.head_count_kv", nHeadKv + " does not divide head_count " + nHead);
        }
        int nFf = md.archInt("feed_forward_length", 0);
        int nFfExp = md.archInt("expert_feed_forward_length", 0);
        return new CommonHparams(nEmbd, nLayer, nHead, nHeadKv, headDimK, headDimV, nCtx, eps, base, nRot, nExpert,
                nUsed, nFf, nFfExp);
    }

    static int positive(GgufMetadata md, String suffix, int v) {
        if (v <= 0) {
            throw bad(md, suffix, "must be positive, got " + v);
        }
        return v;
    }

    /** A metadata error naming the file and the full key. */
    public static GgufFormatException bad(GgufMetadata md, String suffix, String problem) {
        return new GgufFormatException(md.file(), GgufFormatException.NO_OFFSET,
                "metadata key '" + md.archKey(suffix) + "' " + problem);
    }

    /** Rows of {@code token_embd.weight}: the vocabulary size. */
    public static int vocabSize(GgufModel gguf) {
        long[] ne = gguf.entry("token_embd.weight").info().ne();
        if (ne.length != 2) {
            throw new GgufFormatException(gguf.shards().get(0).path(), GgufFormatException.NO_OFFSET,
                    "token_embd.weight must be 2-D, has " + ne.length + " dimensions");
        }
        return Math.toIntExact(ne[1]);
    }

    /** {@code 1/sqrt(headDimK)} in float, as llama.cpp. */
    public float defaultAttnScale() {
        return 1.0f / (float) Math.sqrt(headDimK);
    }

    /**
     * RoPE as {@code rope.scaling.type} says: absent or {@code none} plain, {@code linear} with
     * freq_scale 1/{@code rope.scaling.factor}, {@code yarn} with the factor and
     * {@code rope.scaling.original_context_length} (llama.cpp's beta 32/1, not the yarn_beta_* keys).
     */
    public RopeConfig rope(GgufMetadata md, RopeConfig.Style style) {
        String type = md.archString("rope.scaling.type", "none");
        switch (type) {
            case "none" -> {
                return RopeConfig.plain(style, nRot, ropeBase);
            }
            case "linear" -> {
                return RopeConfig.linear(style, nRot, ropeBase, 1.0f / scalingFactor(md));
            }
            case "yarn" -> {
                int orig = positive(md, "rope.scaling.original_context_length",
                        md.archInt("rope.scaling.original_context_length", 0));
                return RopeConfig.yarn(style, nRot, ropeBase, scalingFactor(md), orig);
            }
            default -> throw new UnsupportedModelException("metadata key '"
                    + md.archKey("rope.scaling.type") + "' = '" + type + "' is not supported (none, linear, yarn) in "
                    + md.file());
        }
    }

    private static float scalingFactor(GgufMetadata md) {
        float f = md.archFloat("rope.scaling.factor", 0f);
        if (!(f > 0) || !Float.isFinite(f)) {
            throw bad(md, "rope.scaling.factor", "must be positive, got " + f);
        }
        return f;
    }
}
