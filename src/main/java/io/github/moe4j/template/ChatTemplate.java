package io.github.moe4j.template;

import java.util.Map;

/**
 * A compiled chat template (the Jinja subset HuggingFace chat templates use), rendered in a sandbox:
 * it sees only the values passed in and the Jinja built-ins. Immutable and thread-safe.
 *
 * <p>Created with {@link ChatTemplates#compile(String, String)} or {@link ChatTemplates#builtin(String)}.
 */
public interface ChatTemplate {

    /** Name used in error messages (file or key the template came from, or the built-in's name). */
    String name();

    /**
     * Renders the template. {@code context} holds {@code messages} (a list of maps with {@code role},
     * {@code content} as a string or list of parts, optionally {@code tool_calls}, ...), optionally
     * {@code tools}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and any other
     * template variables; values are Strings, Numbers, Booleans, null, Lists and Maps only.
     *
     * @throws io.github.moe4j.api.ChatTemplateException on any template error, with the template line
     */
    String render(Map<String, ?> context);
}
