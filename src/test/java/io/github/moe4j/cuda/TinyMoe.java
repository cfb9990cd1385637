package io.github.moe4j.cuda;

import io.github.moe4j.engine.TestModels;
import io.github.moe4j.gguf.GgufWriter;

import java.nio.file.Path;
import java.util.Random;

/**
 * Tiny MoE models with seeded F32 weights, shaped for the CUDA kernels (row lengths multiples of 8):
 * qwen3moe (per-head q/k norm), qwen2moe (q/k/v biases, gated shared expert), olmoe (full q/k norm).
 */
final class TinyMoe {
    static final int VOCAB = 64;
    static final int EMBD = 64;
    static final int HEADS = 4;
    static final int HEADS_KV = 2;
    static final int HEAD_DIM = 32;
    static final int EXPERTS = 8;
    static final int USED = 2;
    static final int FF_EXP = 32;
    static final int FF_SHEXP = 48;

    private TinyMoe() {
    }

    static Path write(Path dir, String arch, int layers, long seed) {
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", arch);
        w.putString("general.name", "tiny-cuda-" + arch);
        w.putUInt32("general.file_type", 0);
        w.putUInt32(arch + ".context_length", 256);
        w.putUInt32(arch + ".embedding_length", EMBD);
        w.putUInt32(arch + ".block_count", layers);
        w.putUInt32(arch + ".feed_forward_length", FF_EXP);
        w.putUInt32(arch + ".attention.head_count", HEADS);
        w.putUInt32(arch + ".attention.head_count_kv", HEADS_KV);
        w.putUInt32(arch + ".attention.key_length", HEAD_DIM);
        w.putUInt32(arch + ".attention.value_length", HEAD_DIM);
        w.putFloat32(arch + ".rope.freq_base", 10_000f);
        w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32(arch + ".expert_used_count", USED);
        w.putUInt32(arch + ".expert_count", EXPERTS);
        w.putUInt32(arch + ".expert_feed_forward_length", FF_EXP);
        boolean shared = arch.equals("qwen2moe");
        if (shared) {
            w.putUInt32(arch + ".expert_shared_feed_forward_length", FF_SHEXP);
        }
        TestModels.putTokenizer(w, VOCAB);
        int q = HEADS * HEAD_DIM;
        int kv = HEADS_KV * HEAD_DIM;
        TestModels.add(w, rnd, "token_embd.weight", 1f, EMBD, VOCAB);
        TestModels.add(w, rnd, "output_norm.weight", 0, EMBD);
        TestModels.add(w, rnd, "output.weight", 0.5f, EMBD, VOCAB);
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            TestModels.add(w, rnd, p + "attn_norm.weight", 0, EMBD);
            TestModels.add(w, rnd, p + "attn_q.weight", 0.2f, EMBD, q);
            TestModels.add(w, rnd, p + "attn_k.weight", 0.2f, EMBD, kv);
            TestModels.add(w, rnd, p + "attn_v.weight", 0.2f, EMBD, kv);
            switch (arch) {
                case "qwen3moe" -> {
                    TestModels.add(w, rnd, p + "attn_q_norm.weight", 0, HEAD_DIM);
                    TestModels.add(w, rnd, p + "attn_k_norm.weight", 0, HEAD_DIM);
                }
                case "olmoe" -> {
                    TestModels.add(w, rnd, p + "attn_q_norm.weight", 0, q);
                    TestModels.add(w, rnd, p + "attn_k_norm.weight", 0, kv);
                }
                case "qwen2moe" -> {
                    TestModels.add(w, rnd, p + "attn_q.bias", 0.1f, q);
                    TestModels.add(w, rnd, p + "attn_k.bias", 0.1f, kv);
                    TestModels.add(w, rnd, p + "attn_v.bias", 0.1f, kv);
                }
                default -> throw new IllegalArgumentException(arch);
            }
            TestModels.add(w, rnd, p + "attn_output.weight", 0.1f, q, EMBD);
            TestModels.add(w, rnd, p + "ffn_norm.weight", 0, EMBD);
            TestModels.add(w, rnd, p + "ffn_gate_inp.weight", 0.3f, EMBD, EXPERTS);
            TestModels.add(w, rnd, p + "ffn_gate_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
            TestModels.add(w, rnd, p + "ffn_up_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
            TestModels.add(w, rnd, p + "ffn_down_exps.weight", 0.2f, FF_EXP, EMBD, EXPERTS);
            if (shared) {
                TestModels.add(w, rnd, p + "ffn_gate_inp_shexp.weight", 0.3f, EMBD);
                TestModels.add(w, rnd, p + "ffn_gate_shexp.weight", 0.2f, EMBD, FF_SHEXP);
                TestModels.add(w, rnd, p + "ffn_up_shexp.weight", 0.2f, EMBD, FF_SHEXP);
                TestModels.add(w, rnd, p + "ffn_down_shexp.weight", 0.2f, FF_SHEXP, EMBD);
            }
        }
        return TestModels.write(w, dir.resolve("tiny-" + arch + "-" + layers + "-" + seed + ".gguf"));
    }

    /**
     * A tiny deepseek2: MLA (kv_lora 32, rope 16, nope 32, v 32; q_lora {@code qLora} or plain attn_q), one
     * leading dense block, then MoE blocks with sigmoid gating, a selection bias, 4 groups of which 2 are
     * kept, renormalised weights scaled by 2.5, and one shared expert.
     */
    static Path writeDeepSeek2(Path dir, int layers, int qLora, long seed) {
        String a = "deepseek2";
        int kvLora = 32;
        int rope = 16;
        int nope = 32;
        int vHead = 32;
        int nFf = 64;
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putString("general.name", "tiny-cuda-deepseek2");
        w.putUInt32("general.file_type", 0);
        w.putUInt32(a + ".context_length", 256);
        w.putUInt32(a + ".embedding_length", EMBD);
        w.putUInt32(a + ".block_count", layers);
        w.putUInt32(a + ".feed_forward_length", nFf);
        w.putUInt32(a + ".attention.head_count", HEADS);
        w.putUInt32(a + ".attention.head_count_kv", HEADS);
        w.putUInt32(a + ".attention.key_length", nope + rope);
        w.putUInt32(a + ".attention.value_length", vHead);
        w.putUInt32(a + ".attention.key_length_mla", nope + rope);
        w.putUInt32(a + ".attention.value_length_mla", vHead);
        w.putUInt32(a + ".attention.kv_lora_rank", kvLora);
        if (qLora > 0) {
            w.putUInt32(a + ".attention.q_lora_rank", qLora);
        }
        w.putUInt32(a + ".rope.dimension_count", rope);
        w.putFloat32(a + ".rope.freq_base", 10_000f);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32(a + ".expert_count", EXPERTS);
        w.putUInt32(a + ".expert_used_count", USED);
        w.putUInt32(a + ".expert_feed_forward_length", FF_EXP);
        w.putUInt32(a + ".expert_shared_count", 1);
        w.putUInt32(a + ".leading_dense_block_count", 1);
        w.putUInt32(a + ".expert_gating_func", 2);
        w.putBool(a + ".expert_weights_norm", true);
        w.putFloat32(a + ".expert_weights_scale", 2.5f);
        w.putUInt32(a + ".expert_group_count", 4);
        w.putUInt32(a + ".expert_group_used_count", 2);
        TestModels.putTokenizer(w, VOCAB);
        int qk = nope + rope;
        TestModels.add(w, rnd, "token_embd.weight", 1f, EMBD, VOCAB);
        TestModels.add(w, rnd, "output_norm.weight", 0, EMBD);
        TestModels.add(w, rnd, "output.weight", 0.5f, EMBD, VOCAB);
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            TestModels.add(w, rnd, p + "attn_norm.weight", 0, EMBD);
            if (qLora > 0) {
                TestModels.add(w, rnd, p + "attn_q_a.weight", 0.2f, EMBD, qLora);
                TestModels.add(w, rnd, p + "attn_q_a_norm.weight", 0, qLora);
                TestModels.add(w, rnd, p + "attn_q_b.weight", 0.2f, qLora, HEADS * qk);
            } else {
                TestModels.add(w, rnd, p + "attn_q.weight", 0.2f, EMBD, HEADS * qk);
            }
            TestModels.add(w, rnd, p + "attn_kv_a_mqa.weight", 0.2f, EMBD, kvLora + rope);
            TestModels.add(w, rnd, p + "attn_kv_a_norm.weight", 0, kvLora);
            TestModels.add(w, rnd, p + "attn_k_b.weight", 0.2f, nope, kvLora, HEADS);
            TestModels.add(w, rnd, p + "attn_v_b.weight", 0.2f, kvLora, vHead, HEADS);
            TestModels.add(w, rnd, p + "attn_output.weight", 0.1f, HEADS * vHead, EMBD);
            TestModels.add(w, rnd, p + "ffn_norm.weight", 0, EMBD);
            if (l == 0) {
                TestModels.add(w, rnd, p + "ffn_gate.weight", 0.2f, EMBD, nFf);
                TestModels.add(w, rnd, p + "ffn_up.weight", 0.2f, EMBD, nFf);
                TestModels.add(w, rnd, p + "ffn_down.weight", 0.2f, nFf, EMBD);
            } else {
                TestModels.add(w, rnd, p + "ffn_gate_inp.weight", 0.3f, EMBD, EXPERTS);
                TestModels.add(w, rnd, p + "exp_probs_b.bias", 0.1f, EXPERTS);
                TestModels.add(w, rnd, p + "ffn_gate_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
                TestModels.add(w, rnd, p + "ffn_up_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
                TestModels.add(w, rnd, p + "ffn_down_exps.weight", 0.2f, FF_EXP, EMBD, EXPERTS);
                TestModels.add(w, rnd, p + "ffn_gate_shexp.weight", 0.2f, EMBD, FF_EXP);
                TestModels.add(w, rnd, p + "ffn_up_shexp.weight", 0.2f, EMBD, FF_EXP);
                TestModels.add(w, rnd, p + "ffn_down_shexp.weight", 0.2f, FF_EXP, EMBD);
            }
        }
        return TestModels.write(w, dir.resolve("tiny-deepseek2-" + layers + "-" + qLora + "-" + seed + ".gguf"));
    }
}
