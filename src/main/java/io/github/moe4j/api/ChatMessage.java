package io.github.moe4j.api;

/**
 * One message of a conversation passed to {@link Session#chat}.
 *
 * @param role    {@code system}, {@code user}, {@code assistant}, {@code tool}, or another role the
 *                model's chat template understands
 * @param content the message text
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("role must not be null or blank");
        }
        if (content == null) {
            throw new IllegalArgumentException("content must not be null");
        }
    }

    /** A {@code system} message (instructions for the assistant). */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A {@code user} message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An {@code assistant} message (an earlier reply, typically {@link Generation#text()}). */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** A {@code tool} message (the result of a tool call). */
    public static ChatMessage tool(String content) {
        return new ChatMessage("tool", content);
    }
}
