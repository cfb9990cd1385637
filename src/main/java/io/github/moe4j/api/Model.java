package io.github.moe4j.api;

import io.github.moe4j.engine.Engine;

import java.nio.file.Path;

/**
 * A language model loaded from a GGUF file: weights memory-mapped (never copied onto the heap), the
 * tokenizer and the chat template. Immutable and thread-safe: any number of {@link Session}s, on any
 * threads, share one model and its compute threads.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"));
 *      Session session = model.newSession()) {
 *     Generation g = session.generate("Why is the sky blue?",
 *             GenerateOptions.builder().maxTokens(128).seed(42).build(),
 *             token -> System.out.print(token.text()));
 * }
 * }</pre>
 *
 * <p>{@link #close()} unmaps the weights and stops the compute threads. It waits for a forward pass in
 * progress to finish; sessions used afterwards fail with {@link IllegalStateException}.
 */
public interface Model extends AutoCloseable {

    /**
     * Loads a model with {@link LoadOptions#defaults()}.
     *
     * @param path the {@code .gguf} file (for a split model, the first shard)
     * @throws GgufFormatException       the file is malformed
     * @throws UnsupportedModelException the architecture or a tensor type is not supported
     * @throws Moe4jException            the file cannot be read
     */
    static Model load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Loads a model.
     *
     * @param path    the {@code .gguf} file (for a split model, the first shard)
     * @param options threads, default context length, backend
     * @throws GgufFormatException       the file is malformed
     * @throws UnsupportedModelException the architecture or a tensor type is not supported, or the
     *                                   backend is not available
     * @throws Moe4jException            the file cannot be read
     */
    static Model load(Path path, LoadOptions options) {
        return Engine.load(path, options);
    }

    /** What the model is. */
    ModelInfo info();

    /** A new session with {@link SessionOptions#defaults()}. */
    Session newSession();

    /**
     * A new session: its own KV cache and scratch, allocated now.
     *
     * @throws IllegalArgumentException the context length exceeds the model's
     * @throws IllegalStateException    the model is closed
     */
    Session newSession(SessionOptions options);

    /** Unmaps the weights and stops the compute threads (waiting for forward passes in progress). Idempotent. */
    @Override
    void close();
}
