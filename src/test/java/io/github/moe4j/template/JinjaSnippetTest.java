package io.github.moe4j.template;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.api.ChatTemplateException;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Hand-written templates exercising one engine feature each (whitespace control, loop variables,
 * namespace, macros, slices, tojson, Python printing, undefined, tests, filters, str methods, the
 * sandbox), checked byte for byte against python jinja2's output recorded by
 * {@code scripts/template_goldens.py} in {@code template-snippets/expected.json}; and random templates
 * from the script's grammar, in {@code fuzz-expected.json}.
 */
class JinjaSnippetTest {

    static Stream<Arguments> cases() throws IOException {
        return read("expected.json");
    }

    /** Random templates from the script's small grammar (seeded), rendered by jinja2: a differential fuzz. */
    static Stream<Arguments> fuzzCases() throws IOException {
        return read("fuzz-expected.json");
    }

    private static Stream<Arguments> read(String file) throws IOException {
        Path f = Fixtures.projectRoot().resolve("src/test/resources/template-snippets/" + file);
        JsonObject g = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
        String now = g.get("now").getAsString();
        List<Arguments> out = new ArrayList<>();
        for (JsonElement c : g.getAsJsonArray("cases")) {
            JsonObject o = c.getAsJsonObject();
            out.add(Arguments.of(o.get("name").getAsString(), now, o));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fuzzCases")
    void randomTemplatesRenderLikeJinja2(String name, String now, JsonObject c) {
        rendersLikeJinja2(name, now, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeJinja2(String name, String now, JsonObject c) {
        Clock clock = Clock.fixed(LocalDateTime.parse(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        String source = c.get("template").getAsString();
        @SuppressWarnings("unchecked")
        Map<String, Object> context = (Map<String, Object>) ChatTemplateGoldenTest.toJava(c.get("context"));
        if (c.has("error")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class,
                    () -> ChatTemplates.compile(name, source, clock).render(context),
                    "jinja2 raised " + c.get("error").getAsString());
            assertEquals(name, e.templateName());
            return;
        }
        assertEquals(c.get("expected").getAsString(), ChatTemplates.compile(name, source, clock).render(context));
    }
}
