package io.github.moe4j.tokenizer;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.support.Fixtures;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tokenizers of the shared fixture files, built once per test JVM. */
final class TokenizerFixtures {
    private TokenizerFixtures() {
    }

    /** Byte-level BPE vocabularies of llama.cpp's test set that have .inp/.out files. */
    static final String[] GPT2_VOCABS = {
            "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "mpt", "refact", "starcoder",
            // test files present, vocab GGUF missing from the fixture snapshot (skipped)
            "qwen2", "llama-bpe", "command-r"};

    /** Every vocabulary of llama.cpp's test set with .inp/.out files, through the full tokenizer. */
    static final String[] ALL_VOCABS = {
            "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "mpt", "refact", "starcoder",
            "llama-spm", "phi-3", "bert-bge",
            "qwen2", "llama-bpe", "command-r"};

    /** Every fixture model (mixtral's vocabulary is SentencePiece, the others byte-level BPE). */
    static final String[] ALL_MODELS = {
            "qwen3moe", "qwen2moe", "olmoe", "granitemoe", "deepseek2-lite", "deepseek2-v3", "gpt-oss", "mixtral"};

    /** Fixture models whose vocabulary is byte-level BPE. */
    static final String[] GPT2_MODELS = {
            "qwen3moe", "qwen2moe", "olmoe", "granitemoe", "deepseek2-lite", "deepseek2-v3", "gpt-oss"};

    private static final Map<Path, Tokenizer> CACHE = new ConcurrentHashMap<>();

    static Tokenizer load(Path gguf) {
        return CACHE.computeIfAbsent(gguf, p -> {
            try (GgufModel m = GgufModel.open(p)) {
                return Tokenizers.fromMetadata(m.metadata());
            }
        });
    }

    static Path vocabFile(String name) {
        return Fixtures.require("vocab/ggml-vocab-" + name + ".gguf");
    }

    static Tokenizer vocab(String name) {
        return load(vocabFile(name));
    }

    static Path modelFile(String tag) {
        return Fixtures.require("models/" + tag + "/" + tag + "-F16.gguf");
    }

    static Tokenizer model(String tag) {
        return load(modelFile(tag));
    }
}
