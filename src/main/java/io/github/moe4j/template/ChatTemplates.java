package io.github.moe4j.template;

import io.github.moe4j.api.ChatTemplateException;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/** Compiles chat templates and gives the built-in fallbacks. */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /**
     * Compiles Jinja {@code source}; {@code name} is used in error messages. {@code strftime_now} reads
     * the system clock.
     *
     * @throws io.github.moe4j.api.ChatTemplateException on a syntax error, with the line
     */
    public static ChatTemplate compile(String name, String source) {
        return compile(name, source, Clock.systemDefaultZone());
    }

    /**
     * Compiles Jinja {@code source} with the clock {@code strftime_now(fmt)} reads (local date and time
     * in the clock's zone), so that renders can be reproduced.
     *
     * @throws io.github.moe4j.api.ChatTemplateException on a syntax error, with the line
     */
    public static ChatTemplate compile(String name, String source, Clock clock) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(clock, "clock");
        try {
            return new JinjaTemplate(name, Parser.parse(name, source), clock);
        } catch (TemplateError e) {
            throw new ChatTemplateException(name, e.line, e.getMessage());
        } catch (StackOverflowError e) {
            throw new ChatTemplateException(name, 0, "template nested too deeply");
        }
    }

    /**
     * A built-in template by name ({@code chatml}, and the formats of the supported families).
     *
     * @throws io.github.moe4j.api.ChatTemplateException for an unknown name
     */
    public static ChatTemplate builtin(String name) {
        String source = BuiltinTemplates.source(name);
        if (source == null) {
            throw new ChatTemplateException(String.valueOf(name), 0,
                    "no built-in chat template of that name; known: " + String.join(", ", builtinNames()));
        }
        return compile("builtin:" + name, source);
    }

    /** The names {@link #builtin(String)} accepts. */
    public static List<String> builtinNames() {
        return BuiltinTemplates.names();
    }
}
