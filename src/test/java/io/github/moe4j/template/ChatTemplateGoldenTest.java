package io.github.moe4j.template;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every real chat template in the shared fixtures, rendered for every conversation in its golden file
 * (written by {@code scripts/template_goldens.py} with python jinja2 set up as HuggingFace sets it up),
 * must come out byte-identical; where jinja2 raised, we must raise a ChatTemplateException.
 */
class ChatTemplateGoldenTest {

    static Path goldenDir() {
        return Fixtures.projectRoot().resolve("src/test/resources/template-goldens");
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(goldenDir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonObject g = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
                String template = g.get("template").getAsString();
                String now = g.get("now").getAsString();
                for (JsonElement c : g.getAsJsonArray("cases")) {
                    JsonObject o = c.getAsJsonObject();
                    out.add(Arguments.of(template, o.get("name").getAsString(), now, o));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void rendersLikeJinja2(String template, String conversation, String now, JsonObject golden) throws IOException {
        Path src = Fixtures.require("templates/" + template);
        Clock clock = Clock.fixed(LocalDateTime.parse(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        @SuppressWarnings("unchecked")
        Map<String, Object> context = (Map<String, Object>) toJava(golden.get("context"));
        if (golden.has("error")) {
            String error = golden.get("error").getAsString();
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> {
                ChatTemplate t = ChatTemplates.compile(template, Files.readString(src, StandardCharsets.UTF_8), clock);
                t.render(context);
            }, "jinja2 raised " + error);
            if (error.startsWith("TemplateError: ")) {
                // the template's own raise_exception(message): the same message, with the template line
                assertEquals(template + ":" + e.line() + ": " + error.substring("TemplateError: ".length()), e.getMessage());
            }
            return;
        }
        ChatTemplate t = ChatTemplates.compile(template, Files.readString(src, StandardCharsets.UTF_8), clock);
        assertEquals(golden.get("expected").getAsString(), t.render(context));
    }

    /** JSON to the Java values a caller would pass: integers as Long, other numbers as Double. */
    static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e instanceof JsonObject o) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> en : o.entrySet()) {
                m.put(en.getKey(), toJava(en.getValue()));
            }
            return m;
        }
        if (e instanceof JsonArray a) {
            List<Object> l = new ArrayList<>();
            a.forEach(x -> l.add(toJava(x)));
            return l;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            String s = p.getAsString();
            return s.matches("-?\\d+") ? (Object) Long.parseLong(s) : (Object) Double.parseDouble(s);
        }
        return p.getAsString();
    }
}
