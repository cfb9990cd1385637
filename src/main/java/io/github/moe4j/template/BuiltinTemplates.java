package io.github.moe4j.template;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jinja sources of the built-in fallback formats (our own wording of well-known chat formats). */
final class BuiltinTemplates {
    private BuiltinTemplates() {
    }

    private static final Map<String, String> SOURCES = Map.of();

    static String source(String name) {
        return name == null ? null : SOURCES.get(name.toLowerCase(Locale.ROOT));
    }

    static List<String> names() {
        return SOURCES.keySet().stream().sorted().toList();
    }
}
