package io.github.moe4j.template;

/** Compiles chat templates and gives the built-in fallbacks. */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /**
     * Compiles Jinja {@code source}; {@code name} is used in error messages.
     *
     * @throws io.github.moe4j.api.ChatTemplateException on a syntax error, with the line
     */
    public static ChatTemplate compile(String name, String source) {
        throw new UnsupportedOperationException("chat templates: being written (issue 5)");
    }

    /**
     * A built-in template by name ({@code chatml}, and the formats of the supported families).
     *
     * @throws io.github.moe4j.api.ChatTemplateException for an unknown name
     */
    public static ChatTemplate builtin(String name) {
        throw new UnsupportedOperationException("chat templates: being written (issue 5)");
    }
}
