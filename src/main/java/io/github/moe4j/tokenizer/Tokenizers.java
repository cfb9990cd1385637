package io.github.moe4j.tokenizer;

import io.github.moe4j.gguf.GgufMetadata;

/** Builds the tokenizer a GGUF file describes. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer of {@code tokenizer.ggml.model} / {@code tokenizer.ggml.pre} in {@code metadata}.
     *
     * @throws io.github.moe4j.api.UnsupportedModelException for an unknown model or pre-tokenizer name
     * @throws io.github.moe4j.api.GgufFormatException for missing or inconsistent tokenizer metadata
     */
    public static Tokenizer fromMetadata(GgufMetadata metadata) {
        throw new UnsupportedOperationException("tokenizer: being written (issue 5)");
    }
}
