package io.github.moe4j.api;

/**
 * Receives each token as it is generated, on the generating thread. It may call
 * {@link Session#cancel()}; generation then stops after this token. Exceptions thrown here abort the
 * generation and propagate to the caller of {@code generate} / {@code chat}.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token, in order. The end-of-generation token is reported only when text
     * was still held back when it came (an incomplete UTF-8 character or a possible stop-string start):
     * then it carries that text.
     */
    void onToken(Token token);
}
