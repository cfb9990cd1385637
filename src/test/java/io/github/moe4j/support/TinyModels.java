package io.github.moe4j.support;

import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.tensor.GgmlType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small GGUF models written by our own writer, shaped like a real MoE family (qwen3moe tensor
 * names and metadata keys) with random bytes as weights, so tests run without the shared fixtures.
 */
public final class TinyModels {
    private TinyModels() {
    }

    public static final int N_EMBD = 64;
    public static final int N_LAYER = 2;
    public static final int N_EXPERT = 4;
    public static final int N_USED = 2;
    public static final int N_FF_EXP = 32;
    public static final int N_VOCAB = 40;

    /** A qwen3moe-shaped writer with every tensor filled with seeded random bytes. */
    public static GgufWriter qwen3moe(long seed) {
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen3moe");
        w.putString("general.name", "tiny-test-qwen3moe");
        w.putUInt32("general.file_type", 7);
        w.putUInt32("qwen3moe.context_length", 128);
        w.putUInt32("qwen3moe.embedding_length", N_EMBD);
        w.putUInt32("qwen3moe.block_count", N_LAYER);
        w.putUInt32("qwen3moe.feed_forward_length", 96);
        w.putUInt32("qwen3moe.attention.head_count", 4);
        w.putUInt32("qwen3moe.attention.head_count_kv", 2);
        w.putFloat32("qwen3moe.rope.freq_base", 1_000_000f);
        w.putFloat32("qwen3moe.attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32("qwen3moe.expert_used_count", N_USED);
        w.putUInt32("qwen3moe.expert_count", N_EXPERT);
        w.putUInt32("qwen3moe.expert_feed_forward_length", N_FF_EXP);
        putTokenizer(w, N_VOCAB, "tok", List.of("t o", "to k"));

        add(w, rnd, "token_embd.weight", GgmlType.Q8_0, N_EMBD, N_VOCAB);
        add(w, rnd, "output_norm.weight", GgmlType.F32, N_EMBD);
        add(w, rnd, "output.weight", GgmlType.Q8_0, N_EMBD, N_VOCAB);
        for (int l = 0; l < N_LAYER; l++) {
            String p = "blk." + l + ".";
            add(w, rnd, p + "attn_norm.weight", GgmlType.F32, N_EMBD);
            add(w, rnd, p + "attn_q.weight", GgmlType.Q8_0, N_EMBD, 128);
            add(w, rnd, p + "attn_k.weight", GgmlType.Q8_0, N_EMBD, 64);
            add(w, rnd, p + "attn_v.weight", GgmlType.Q8_0, N_EMBD, 64);
            add(w, rnd, p + "attn_q_norm.weight", GgmlType.F32, 32);
            add(w, rnd, p + "attn_k_norm.weight", GgmlType.F32, 32);
            add(w, rnd, p + "attn_output.weight", GgmlType.Q8_0, 128, N_EMBD);
            add(w, rnd, p + "ffn_norm.weight", GgmlType.F32, N_EMBD);
            add(w, rnd, p + "ffn_gate_inp.weight", GgmlType.F32, N_EMBD, N_EXPERT);
            add(w, rnd, p + "ffn_gate_exps.weight", GgmlType.Q8_0, N_EMBD, N_FF_EXP, N_EXPERT);
            add(w, rnd, p + "ffn_up_exps.weight", GgmlType.Q8_0, N_EMBD, N_FF_EXP, N_EXPERT);
            add(w, rnd, p + "ffn_down_exps.weight", GgmlType.Q8_0, N_FF_EXP, N_EMBD, N_EXPERT);
        }
        return w;
    }

    /** Element count of every tensor {@link #qwen3moe} writes, and of its expert tensors. */
    public static long[] parameterCounts() {
        long shared = 2L * N_EMBD * N_VOCAB + N_EMBD;
        long perLayerShared = N_EMBD + N_EMBD * 128L + 2L * N_EMBD * 64 + 64 + 128L * N_EMBD + N_EMBD + (long) N_EMBD * N_EXPERT;
        long perLayerExpert = 3L * N_EMBD * N_FF_EXP * N_EXPERT;
        long expert = N_LAYER * perLayerExpert;
        long total = shared + N_LAYER * perLayerShared + expert;
        long active = total - expert + expert / N_EXPERT * N_USED;
        return new long[]{total, active, expert};
    }

    private static void add(GgufWriter w, Random rnd, String name, GgmlType type, long... ne) {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        byte[] data = new byte[(int) type.byteSize(n)];
        rnd.nextBytes(data);
        w.addTensor(name, type, ne, data);
    }

    /**
     * A stand-in byte-level BPE vocabulary (qwen2 pre-tokenizer) of {@code vocab} normal tokens
     * {@code prefix + i} with {@code merges}, the last token EOS.
     */
    public static void putTokenizer(GgufWriter w, int vocab, String prefix, List<String> merges) {
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        List<String> tokens = new ArrayList<>();
        int[] types = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            tokens.add(prefix + i);
            types[i] = 1;
        }
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types));
        w.putStrings("tokenizer.ggml.merges", merges);
        w.putUInt32("tokenizer.ggml.eos_token_id", vocab - 1);
    }
}
