package io.github.moe4j.api;

/** What a {@link Session} does when a request does not fit in its context. */
public enum OverflowPolicy {
    /** Throw {@link ContextOverflowException} before evaluating anything (the default). */
    FAIL,
    /**
     * Drop the oldest prompt tokens (keeping a leading BOS) so that the prompt plus
     * {@link GenerateOptions#maxTokens()} fit (without a token limit: so that the prompt takes at most
     * three quarters of the context).
     */
    TRUNCATE_PROMPT
}
