package io.github.moe4j.api;

/**
 * A request does not fit in the session's context: the prompt (template applied) plus
 * {@link GenerateOptions#maxTokens()} exceeds {@link SessionOptions#contextLength()}. Thrown before
 * anything is evaluated, so the session's KV cache is unchanged; unless
 * {@link SessionOptions.Builder#overflowPolicy} chooses another policy.
 */
public class ContextOverflowException extends Moe4jException {
    private static final long serialVersionUID = 1L;

    private final int promptTokens;
    private final int maxTokens;
    private final int contextLength;

    public ContextOverflowException(int promptTokens, int maxTokens, int contextLength) {
        super("context overflow: the prompt has " + promptTokens + " tokens"
                + (maxTokens > 0 ? " and maxTokens is " + maxTokens + " (" + ((long) promptTokens + maxTokens) + " in all)"
                : " and at least one must be generated")
                + ", more than the session's context of " + contextLength
                + " tokens; shorten the prompt, lower maxTokens, raise SessionOptions.contextLength"
                + " or choose an OverflowPolicy");
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
        this.contextLength = contextLength;
    }

    /** Tokens in the prompt (template applied). */
    public int promptTokens() {
        return promptTokens;
    }

    /** The requested token limit (0: none). */
    public int maxTokens() {
        return maxTokens;
    }

    /** The session's context length. */
    public int contextLength() {
        return contextLength;
    }
}
