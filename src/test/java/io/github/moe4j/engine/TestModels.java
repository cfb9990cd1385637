package io.github.moe4j.engine;

import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.support.TinyModels;
import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Models for the engine tests: a tiny qwen3moe with well-scaled F32 weights, and the shared fixtures. */
public final class TestModels {
    static final int VOCAB = 48;
    static final int EMBD = 64;

    private TestModels() {
    }

    /** A qwen3moe-shaped model (2 layers, 4 experts, 2 used, context 128) with seeded gaussian F32 weights. */
    static Path tinyQwen3(Path dir, long seed) {
        Random rnd = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen3moe");
        w.putString("general.name", "tiny-engine-qwen3moe");
        w.putUInt32("general.file_type", 0);
        w.putUInt32("qwen3moe.context_length", 128);
        w.putUInt32("qwen3moe.embedding_length", EMBD);
        w.putUInt32("qwen3moe.block_count", 2);
        w.putUInt32("qwen3moe.feed_forward_length", 96);
        w.putUInt32("qwen3moe.attention.head_count", 4);
        w.putUInt32("qwen3moe.attention.head_count_kv", 2);
        w.putUInt32("qwen3moe.attention.key_length", 32);
        w.putUInt32("qwen3moe.attention.value_length", 32);
        w.putFloat32("qwen3moe.rope.freq_base", 1_000_000f);
        w.putFloat32("qwen3moe.attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32("qwen3moe.expert_used_count", 2);
        w.putUInt32("qwen3moe.expert_count", 4);
        w.putUInt32("qwen3moe.expert_feed_forward_length", 32);
        putTokenizer(w, VOCAB);
        add(w, rnd, "token_embd.weight", 1f, EMBD, VOCAB);
        add(w, rnd, "output_norm.weight", 0, EMBD);
        add(w, rnd, "output.weight", 0.5f, EMBD, VOCAB);
        for (int l = 0; l < 2; l++) {
            String p = "blk." + l + ".";
            add(w, rnd, p + "attn_norm.weight", 0, EMBD);
            add(w, rnd, p + "attn_q.weight", 0.2f, EMBD, 128);
            add(w, rnd, p + "attn_k.weight", 0.2f, EMBD, 64);
            add(w, rnd, p + "attn_v.weight", 0.2f, EMBD, 64);
            add(w, rnd, p + "attn_q_norm.weight", 0, 32);
            add(w, rnd, p + "attn_k_norm.weight", 0, 32);
            add(w, rnd, p + "attn_output.weight", 0.1f, 128, EMBD);
            add(w, rnd, p + "ffn_norm.weight", 0, EMBD);
            add(w, rnd, p + "ffn_gate_inp.weight", 0.3f, EMBD, 4);
            add(w, rnd, p + "ffn_gate_exps.weight", 0.2f, EMBD, 32, 4);
            add(w, rnd, p + "ffn_up_exps.weight", 0.2f, EMBD, 32, 4);
            add(w, rnd, p + "ffn_down_exps.weight", 0.2f, 32, EMBD, 4);
        }
        return write(w, dir.resolve("tiny-qwen3moe-" + seed + ".gguf"));
    }

    /** A stand-in byte-level BPE vocabulary of {@code vocab} tokens {@code w0, w1, ...}, the last one EOS. */
    public static void putTokenizer(GgufWriter w, int vocab) {
        TinyModels.putTokenizer(w, vocab, "w", List.of("w 1"));
    }

    /** Writes {@code w} to {@code out} (creating its folder) and returns {@code out}. */
    public static Path write(GgufWriter w, Path out) {
        try {
            Files.createDirectories(out.getParent());
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** F32 tensor: gaussian * std, or (std 0) norm weights uniform in [0.9, 1.1]. */
    public static void add(GgufWriter w, Random rnd, String name, float std, long... ne) {
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

    /** The tiny model with the {@link FakeTokenizer} (EOS = last id). */
    static ModelImpl tiny(Path dir, long seed, int threads) {
        return Engine.load(tinyQwen3(dir, seed), LoadOptions.builder().threads(threads).build(),
                md -> new FakeTokenizer(VOCAB, VOCAB - 1));
    }

    /** A shared fixture model with the {@link FakeTokenizer} (id-level tests; EOS never fires when {@code eos} is -1). */
    static ModelImpl fixture(String tag, String type, int threads, int eos) {
        Path p = Fixtures.require("models/" + tag + "/" + tag + "-" + type + ".gguf");
        return Engine.load(p, LoadOptions.builder().threads(threads).build(), md -> {
            int v = (int) md.getArray("tokenizer.ggml.tokens").length();
            return new FakeTokenizer(v, eos);
        });
    }
}
