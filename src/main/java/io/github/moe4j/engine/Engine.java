package io.github.moe4j.engine;

import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.api.Model;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.function.Function;

/** Entry point from the public API into the implementation (this package is not exported). */
public final class Engine {
    private Engine() {
    }

    /** What {@link Model#load(Path, LoadOptions)} does. */
    public static Model load(Path path, LoadOptions options) {
        return ModelImpl.open(path, options, Tokenizers::fromMetadata);
    }

    /** As {@link #load}, with the tokenizer built by {@code tokenizers} (tests). */
    public static ModelImpl load(Path path, LoadOptions options, Function<GgufMetadata, Tokenizer> tokenizers) {
        return ModelImpl.open(path, options, tokenizers);
    }
}
