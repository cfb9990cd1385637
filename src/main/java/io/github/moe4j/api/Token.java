package io.github.moe4j.api;

/**
 * One generated token as streamed to a {@link TokenListener}.
 *
 * @param id   the token id in the model's vocabulary
 * @param text the text this token completes, UTF-8 safe: bytes of a character split across tokens are
 *             held back until the character is complete, and text that may be the start of a stop
 *             string is held back until it is known not to be; so it can be empty, and concatenating
 *             the texts of a generation gives {@link Generation#text()}
 */
public record Token(int id, String text) {
    public Token {
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
    }
}
