package io.github.moe4j.cuda;

import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        List<String> tokens = new ArrayList<>();
        int[] types = new int[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            tokens.add("w" + i);
            types[i] = 1;
        }
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types));
        w.putStrings("tokenizer.ggml.merges", List.of("w 1"));
        w.putUInt32("tokenizer.ggml.eos_token_id", VOCAB - 1);
        int q = HEADS * HEAD_DIM;
        int kv = HEADS_KV * HEAD_DIM;
        add(w, rnd, "token_embd.weight", 1f, EMBD, VOCAB);
        add(w, rnd, "output_norm.weight", 0, EMBD);
        add(w, rnd, "output.weight", 0.5f, EMBD, VOCAB);
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            add(w, rnd, p + "attn_norm.weight", 0, EMBD);
            add(w, rnd, p + "attn_q.weight", 0.2f, EMBD, q);
            add(w, rnd, p + "attn_k.weight", 0.2f, EMBD, kv);
            add(w, rnd, p + "attn_v.weight", 0.2f, EMBD, kv);
            switch (arch) {
                case "qwen3moe" -> {
                    add(w, rnd, p + "attn_q_norm.weight", 0, HEAD_DIM);
                    add(w, rnd, p + "attn_k_norm.weight", 0, HEAD_DIM);
                }
                case "olmoe" -> {
                    add(w, rnd, p + "attn_q_norm.weight", 0, q);
                    add(w, rnd, p + "attn_k_norm.weight", 0, kv);
                }
                case "qwen2moe" -> {
                    add(w, rnd, p + "attn_q.bias", 0.1f, q);
                    add(w, rnd, p + "attn_k.bias", 0.1f, kv);
                    add(w, rnd, p + "attn_v.bias", 0.1f, kv);
                }
                default -> throw new IllegalArgumentException(arch);
            }
            add(w, rnd, p + "attn_output.weight", 0.1f, q, EMBD);
            add(w, rnd, p + "ffn_norm.weight", 0, EMBD);
            add(w, rnd, p + "ffn_gate_inp.weight", 0.3f, EMBD, EXPERTS);
            add(w, rnd, p + "ffn_gate_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
            add(w, rnd, p + "ffn_up_exps.weight", 0.2f, EMBD, FF_EXP, EXPERTS);
            add(w, rnd, p + "ffn_down_exps.weight", 0.2f, FF_EXP, EMBD, EXPERTS);
            if (shared) {
                add(w, rnd, p + "ffn_gate_inp_shexp.weight", 0.3f, EMBD);
                add(w, rnd, p + "ffn_gate_shexp.weight", 0.2f, EMBD, FF_SHEXP);
                add(w, rnd, p + "ffn_up_shexp.weight", 0.2f, EMBD, FF_SHEXP);
                add(w, rnd, p + "ffn_down_shexp.weight", 0.2f, FF_SHEXP, EMBD);
            }
        }
        Path out = dir.resolve("tiny-" + arch + "-" + layers + "-" + seed + ".gguf");
        try {
            Files.createDirectories(dir);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** F32 tensor: gaussian * std, or (std 0) norm weights uniform in [0.9, 1.1]. */
    private static void add(GgufWriter w, Random rnd, String name, float std, long... ne) {
        int n = 1;
        for (long d : ne) {
            n *= (int) d;
        }
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(std == 0 ? 0.9f + 0.2f * rnd.nextFloat() : (float) (rnd.nextGaussian() * std));
        }
        w.addTensor(name, GgmlType.F32, ne, b.array());
    }
}
