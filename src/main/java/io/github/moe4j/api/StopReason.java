package io.github.moe4j.api;

/** Why a {@link Generation} ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, end of turn, ...); it is not part of the text. */
    EOS,
    /** The text reached one of {@link GenerateOptions#stopStrings()}; the stop string is not part of the text. */
    STOP_STRING,
    /** {@link GenerateOptions#maxTokens()} tokens were generated. */
    MAX_TOKENS,
    /** {@link Session#cancel()} was called. */
    CANCELLED,
    /**
     * The session's context filled up while generating without a {@link GenerateOptions#maxTokens() token
     * limit} (with a limit, a request that cannot fit fails up front with {@link ContextOverflowException}).
     */
    CONTEXT_FULL
}
