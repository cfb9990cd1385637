package io.github.moe4j.synth;

import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.synth.SynthTensor.Kind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The real model families {@code moe4j synth --like} mirrors: hyperparameters from each model's
 * Hugging Face {@code config.json}, GGUF keys and tensor names/shapes as llama.cpp's converter writes
 * them (checked against the shared fixture files of the same architecture).
 */
public enum SynthFamily {
    /** Qwen/Qwen3-30B-A3B: 48 layers, 128 experts (8 used) of width 768, GQA 32/4, head 128. */
    QWEN3_30B_A3B("qwen3-30b-a3b", "qwen3moe", "Qwen3-30B-A3B", 48, 151_936, 2048, 128, 8) {
        @Override
        void metadata(GgufWriter w, int layers, int vocab) {
            String a = arch;
            common(w, layers, 40960, 32, 4, 1e-6f, 1_000_000f);
            w.putUInt32(a + ".feed_forward_length", 6144)
                    .putUInt32(a + ".attention.key_length", 128)
                    .putUInt32(a + ".attention.value_length", 128)
                    .putUInt32(a + ".expert_feed_forward_length", 768);
        }

        @Override
        void tensors(List<SynthTensor> t, int layers, int vocab) {
            gqaStack(t, layers, vocab, 32, 4, 128, 768, QkNorm.PER_HEAD, true);
        }
    },

    /** allenai/OLMoE-1B-7B-0924: 16 layers, 64 experts (8 used) of width 1024, 16 heads of 128, full-width q/k norms. */
    OLMOE_1B_7B("olmoe-1b-7b", "olmoe", "OLMoE-1B-7B-0924", 16, 50_304, 2048, 64, 8) {
        @Override
        void metadata(GgufWriter w, int layers, int vocab) {
            common(w, layers, 4096, 16, 16, 1e-5f, 10_000f);
            w.putUInt32(arch + ".feed_forward_length", 1024); // olmoe: the expert width
        }

        @Override
        void tensors(List<SynthTensor> t, int layers, int vocab) {
            gqaStack(t, layers, vocab, 16, 16, 128, 1024, QkNorm.FULL_WIDTH, true);
        }
    },

    /**
     * deepseek-ai/DeepSeek-V2-Lite: 27 layers (the first dense, FFN 10944), MLA without q compression
     * (kv_lora 512, qk_nope 128 + qk_rope 64, v_head 128, 16 heads) in llama.cpp's absorbed form
     * ({@code attn_k_b} / {@code attn_v_b}), 64 experts (6 used) of width 1408 plus 2 shared, YaRN x40.
     */
    DEEPSEEK_V2_LITE("deepseek-v2-lite", "deepseek2", "DeepSeek-V2-Lite", 27, 102_400, 2048, 64, 6) {
        @Override
        void metadata(GgufWriter w, int layers, int vocab) {
            String a = arch;
            common(w, layers, 163840, 16, 1, 1e-6f, 10_000f);
            w.putUInt32(a + ".feed_forward_length", 10944)
                    .putUInt32(a + ".expert_feed_forward_length", 1408)
                    .putUInt32(a + ".expert_shared_count", 2)
                    .putUInt32(a + ".leading_dense_block_count", 1)
                    .putUInt32(a + ".expert_group_count", 1)
                    .putUInt32(a + ".expert_group_used_count", 1)
                    .putUInt32(a + ".expert_gating_func", 1) // softmax
                    .putFloat32(a + ".expert_weights_scale", 1.0f)
                    .putBool(a + ".expert_weights_norm", false)
                    .putUInt32(a + ".vocab_size", vocab)
                    .putUInt32(a + ".attention.kv_lora_rank", 512)
                    .putUInt32(a + ".attention.key_length", 576)   // absorbed MLA: kv_lora + rope
                    .putUInt32(a + ".attention.value_length", 512)
                    .putUInt32(a + ".attention.key_length_mla", 192)
                    .putUInt32(a + ".attention.value_length_mla", 128)
                    .putUInt32(a + ".rope.dimension_count", 64)
                    .putString(a + ".rope.scaling.type", "yarn")
                    .putFloat32(a + ".rope.scaling.factor", 40f)
                    .putUInt32(a + ".rope.scaling.original_context_length", 4096)
                    .putFloat32(a + ".rope.scaling.yarn_beta_fast", 32f)
                    .putFloat32(a + ".rope.scaling.yarn_beta_slow", 1f)
                    .putFloat32(a + ".rope.scaling.yarn_log_multiplier", 0.1f * 0.707f);
            if (layers != 27 && layers != 26) {
                // llama.cpp requires q_lora_rank unless the layer count says "Lite"; 0 = no q compression
                w.putUInt32(a + ".attention.q_lora_rank", 0);
            }
        }

        @Override
        void tensors(List<SynthTensor> t, int layers, int vocab) {
            int e = embd;
            t.add(matrix("token_embd.weight", e, vocab));
            for (int l = 0; l < layers; l++) {
                String p = "blk." + l + ".";
                t.add(norm(p + "attn_norm.weight", e));
                t.add(matrix(p + "attn_q.weight", e, 16 * 192));
                t.add(matrix(p + "attn_kv_a_mqa.weight", e, 512 + 64));
                t.add(norm(p + "attn_kv_a_norm.weight", 512));
                t.add(matrix(p + "attn_k_b.weight", 128, 512, 16));
                t.add(matrix(p + "attn_v_b.weight", 512, 128, 16));
                t.add(matrix(p + "attn_output.weight", 16 * 128, e));
                t.add(norm(p + "ffn_norm.weight", e));
                if (l < 1) {
                    t.add(matrix(p + "ffn_gate.weight", e, 10944));
                    t.add(matrix(p + "ffn_up.weight", e, 10944));
                    t.add(matrix(p + "ffn_down.weight", 10944, e));
                } else {
                    t.add(new SynthTensor(p + "ffn_gate_inp.weight", new long[]{e, experts}, Kind.ROUTER));
                    t.add(matrix(p + "ffn_gate_exps.weight", e, 1408, experts));
                    t.add(matrix(p + "ffn_up_exps.weight", e, 1408, experts));
                    t.add(matrix(p + "ffn_down_exps.weight", 1408, e, experts));
                    t.add(matrix(p + "ffn_gate_shexp.weight", e, 2 * 1408));
                    t.add(matrix(p + "ffn_up_shexp.weight", e, 2 * 1408));
                    t.add(matrix(p + "ffn_down_shexp.weight", 2 * 1408, e));
                }
            }
            t.add(norm("output_norm.weight", e));
            t.add(matrix("output.weight", e, vocab));
        }
    },

    /**
     * ibm-granite/granite-3.1-3b-a800m: 32 layers, 40 experts (8 used) of width 512, GQA 24/8, head 64,
     * tied embeddings, Granite's embedding/residual/attention/logit multipliers.
     */
    GRANITE_3_1_3B_A800M("granite-3.1-3b-a800m", "granitemoe", "Granite-3.1-3B-A800M", 32, 49_155, 1536, 40, 8) {
        @Override
        void metadata(GgufWriter w, int layers, int vocab) {
            String a = arch;
            common(w, layers, 131072, 24, 8, 1e-6f, 10_000_000f);
            w.putUInt32(a + ".feed_forward_length", 512) // granitemoe: the expert width
                    .putUInt32(a + ".vocab_size", vocab)
                    .putUInt32(a + ".rope.dimension_count", 64)
                    .putFloat32(a + ".attention.scale", 0.015625f)
                    .putFloat32(a + ".embedding_scale", 12f)
                    .putFloat32(a + ".residual_scale", 0.22f)
                    .putFloat32(a + ".logit_scale", 6f);
        }

        @Override
        void tensors(List<SynthTensor> t, int layers, int vocab) {
            gqaStack(t, layers, vocab, 24, 8, 64, 512, QkNorm.NONE, false);
        }
    },

    /**
     * openai/gpt-oss-20b: 24 layers alternating sliding-window (128) and full attention, 64 q / 8 kv heads
     * of 64 with sinks and biases, 32 experts (4 used) of width 2880 with biases (SwiGLU-OAI), YaRN x32.
     */
    GPT_OSS_20B("gpt-oss-20b", "gpt-oss", "gpt-oss-20b", 24, 201_088, 2880, 32, 4) {
        @Override
        void metadata(GgufWriter w, int layers, int vocab) {
            String a = arch;
            common(w, layers, 131072, 64, 8, 1e-5f, 150_000f);
            w.putUInt32(a + ".feed_forward_length", 2880)
                    .putUInt32(a + ".expert_feed_forward_length", 2880)
                    .putUInt32(a + ".attention.key_length", 64)
                    .putUInt32(a + ".attention.value_length", 64)
                    .putUInt32(a + ".attention.sliding_window", 128)
                    .putString(a + ".rope.scaling.type", "yarn")
                    .putFloat32(a + ".rope.scaling.factor", 32f)
                    .putUInt32(a + ".rope.scaling.original_context_length", 4096)
                    .putFloat32(a + ".rope.scaling.yarn_beta_fast", 32f)
                    .putFloat32(a + ".rope.scaling.yarn_beta_slow", 1f);
        }

        @Override
        void tensors(List<SynthTensor> t, int layers, int vocab) {
            int e = embd;
            int q = 64 * 64;
            int kv = 8 * 64;
            int f = 2880;
            t.add(matrix("token_embd.weight", e, vocab));
            for (int l = 0; l < layers; l++) {
                String p = "blk." + l + ".";
                t.add(norm(p + "attn_norm.weight", e));
                t.add(matrix(p + "attn_q.weight", e, q));
                t.add(bias(p + "attn_q.bias", q));
                t.add(matrix(p + "attn_k.weight", e, kv));
                t.add(bias(p + "attn_k.bias", kv));
                t.add(matrix(p + "attn_v.weight", e, kv));
                t.add(bias(p + "attn_v.bias", kv));
                t.add(matrix(p + "attn_output.weight", q, e));
                t.add(bias(p + "attn_output.bias", e));
                t.add(bias(p + "attn_sinks.weight", 64));
                t.add(norm(p + "post_attention_norm.weight", e));
                t.add(new SynthTensor(p + "ffn_gate_inp.weight", new long[]{e, experts}, Kind.ROUTER));
                t.add(bias(p + "ffn_gate_inp.bias", experts));
                t.add(matrix(p + "ffn_gate_exps.weight", e, f, experts));
                t.add(bias(p + "ffn_gate_exps.bias", f, experts));
                t.add(matrix(p + "ffn_up_exps.weight", e, f, experts));
                t.add(bias(p + "ffn_up_exps.bias", f, experts));
                t.add(matrix(p + "ffn_down_exps.weight", f, e, experts));
                t.add(bias(p + "ffn_down_exps.bias", e, experts));
            }
            t.add(norm("output_norm.weight", e));
            t.add(matrix("output.weight", e, vocab));
        }
    };

    /** the {@code --like} name */
    public final String id;
    /** {@code general.architecture} */
    public final String arch;
    final String modelName;
    /** the real model's block count and vocabulary size (the defaults) */
    public final int layers;
    public final int vocab;
    final int embd;
    /** routed experts and experts used per token */
    public final int experts;
    public final int used;

    SynthFamily(String id, String arch, String modelName, int layers, int vocab, int embd, int experts, int used) {
        this.id = id;
        this.arch = arch;
        this.modelName = modelName;
        this.layers = layers;
        this.vocab = vocab;
        this.embd = embd;
        this.experts = experts;
        this.used = used;
    }

    /** Writes the architecture's hyperparameter keys (not {@code general.*}, not the tokenizer). */
    abstract void metadata(GgufWriter w, int layers, int vocab);

    /** Appends every tensor of a {@code layers}-block model with a {@code vocab}-row embedding. */
    abstract void tensors(List<SynthTensor> t, int layers, int vocab);

    /** The family named {@code id} (e.g. {@code qwen3-30b-a3b}). */
    public static SynthFamily byId(String id) {
        for (SynthFamily f : values()) {
            if (f.id.equalsIgnoreCase(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown family '" + id + "' (known: " + ids() + ")");
    }

    public static String ids() {
        return String.join(", ", Arrays.stream(values()).map(f -> f.id).toList());
    }

    List<SynthTensor> tensors(int layers, int vocab) {
        List<SynthTensor> t = new ArrayList<>();
        tensors(t, layers, vocab);
        return t;
    }

    // ---- shared pieces ----

    void common(GgufWriter w, int layers, int ctx, int heads, int headsKv, float eps, float ropeBase) {
        String a = arch;
        w.putUInt32(a + ".block_count", layers)
                .putUInt32(a + ".context_length", ctx)
                .putUInt32(a + ".embedding_length", embd)
                .putUInt32(a + ".attention.head_count", heads)
                .putUInt32(a + ".attention.head_count_kv", headsKv)
                .putFloat32(a + ".rope.freq_base", ropeBase)
                .putFloat32(a + ".attention.layer_norm_rms_epsilon", eps)
                .putUInt32(a + ".expert_count", experts)
                .putUInt32(a + ".expert_used_count", used);
    }

    enum QkNorm { NONE, PER_HEAD, FULL_WIDTH }

    /** The common MoE block: GQA attention, optional q/k norms, routed experts, no shared expert. */
    void gqaStack(List<SynthTensor> t, int layers, int vocab, int heads, int headsKv, int headDim, int ff,
                  QkNorm qkNorm, boolean untiedOutput) {
        int e = embd;
        int q = heads * headDim;
        int kv = headsKv * headDim;
        t.add(matrix("token_embd.weight", e, vocab));
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            t.add(norm(p + "attn_norm.weight", e));
            t.add(matrix(p + "attn_q.weight", e, q));
            t.add(matrix(p + "attn_k.weight", e, kv));
            t.add(matrix(p + "attn_v.weight", e, kv));
            t.add(matrix(p + "attn_output.weight", q, e));
            switch (qkNorm) {
                case PER_HEAD -> {
                    t.add(norm(p + "attn_q_norm.weight", headDim));
                    t.add(norm(p + "attn_k_norm.weight", headDim));
                }
                case FULL_WIDTH -> {
                    t.add(norm(p + "attn_q_norm.weight", q));
                    t.add(norm(p + "attn_k_norm.weight", kv));
                }
                case NONE -> {
                }
            }
            t.add(norm(p + "ffn_norm.weight", e));
            t.add(new SynthTensor(p + "ffn_gate_inp.weight", new long[]{e, experts}, Kind.ROUTER));
            t.add(matrix(p + "ffn_gate_exps.weight", e, ff, experts));
            t.add(matrix(p + "ffn_up_exps.weight", e, ff, experts));
            t.add(matrix(p + "ffn_down_exps.weight", ff, e, experts));
        }
        t.add(norm("output_norm.weight", e));
        if (untiedOutput) {
            t.add(matrix("output.weight", e, vocab));
        }
    }

    static SynthTensor matrix(String name, long... ne) {
        return new SynthTensor(name, ne, Kind.MATRIX);
    }

    static SynthTensor norm(String name, long n) {
        return new SynthTensor(name, new long[]{n}, Kind.NORM);
    }

    static SynthTensor bias(String name, long... ne) {
        return new SynthTensor(name, ne, Kind.BIAS);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%s, %d layers, %d experts / %d used, vocab %,d)", id, arch, layers,
                experts, used, vocab);
    }
}
