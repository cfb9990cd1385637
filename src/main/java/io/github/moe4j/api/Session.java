package io.github.moe4j.api;

import java.util.List;

/**
 * One conversation with a {@link Model}: owns the KV cache and scratch buffers. Used by one thread at a
 * time: a call while another thread is inside {@code generate}/{@code chat} (or a call from inside a
 * {@link TokenListener}) throws {@link IllegalStateException} instead of corrupting the cache.
 * {@link #cancel()} may be called from any thread.
 *
 * <p>The KV cache keeps the tokens of the last call: a next call whose prompt starts with the same
 * tokens (a chat with one more turn, or a completion that extends the previous text) evaluates only
 * the new ones.
 */
public interface Session extends AutoCloseable {

    /**
     * Completes {@code prompt} as raw text (BOS added as the model's metadata says; special-token text is
     * not parsed).
     *
     * @param listener receives each token as it is generated; may be null
     * @throws IllegalArgumentException  the prompt is null or empty
     * @throws ContextOverflowException  the prompt plus {@code maxTokens} does not fit (nothing evaluated)
     * @throws IllegalStateException     the session is in use by another thread, or it or its model is closed
     */
    Generation generate(String prompt, GenerateOptions options, TokenListener listener);

    /**
     * Continues a conversation: applies the model's chat template to {@code messages} (with the
     * generation prompt for the assistant's reply) and generates the reply. Pass the whole conversation
     * each turn; the shared prefix is reused from the KV cache.
     *
     * @param listener receives each token as it is generated; may be null
     * @throws ChatTemplateException     the model has no chat template and no built-in format fits, or the
     *                                   template fails
     * @throws IllegalArgumentException  {@code messages} is null or empty
     * @throws ContextOverflowException  the conversation plus {@code maxTokens} does not fit (nothing evaluated)
     * @throws IllegalStateException     the session is in use by another thread, or it or its model is closed
     */
    Generation chat(List<ChatMessage> messages, GenerateOptions options, TokenListener listener);

    /** Forgets the KV cache (the next call evaluates its whole prompt). */
    void reset();

    /**
     * Asks the generation in progress to stop after the current token (its stop reason is
     * {@link StopReason#CANCELLED}). Callable from any thread or from the listener; without a
     * generation in progress it does nothing.
     */
    void cancel();

    /** The session's context length in tokens. */
    int contextLength();

    /** Releases the KV cache. Idempotent; a generation in progress on another thread is cancelled. */
    @Override
    void close();
}
