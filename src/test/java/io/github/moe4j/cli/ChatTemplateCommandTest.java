package io.github.moe4j.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code moe4j chat-template --template FILE --conversation CONV.json}: prints exactly what jinja2
 * rendered (the goldens of {@code scripts/template_goldens.py}), for templates that do not read the
 * clock; a template error exits 1 with one line.
 */
class ChatTemplateCommandTest {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"Qwen-Qwen3-0.6B", "meta-llama-Llama-3.1-8B-Instruct", "deepseek-ai-DeepSeek-V3.1",
            "mistralai-Mistral-Nemo-Instruct-2407", "Kimi-K2-Instruct"})
    void rendersLikeJinja2(String name) throws IOException {
        Path template = Fixtures.require("templates/" + name + ".jinja");
        JsonObject golden;
        try (InputStream in = getClass().getResourceAsStream("/template-goldens/" + name + ".json")) {
            golden = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        int rendered = 0;
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            Path conv = dir.resolve(c.get("name").getAsString() + ".json");
            Files.writeString(conv, GSON.toJson(c.get("context")));
            CliRunner r = CliRunner.run("chat-template", "--template", template.toString(), "--conversation", conv.toString());
            if (c.has("expected")) {
                assertEquals(0, r.exitCode(), name + " " + c.get("name") + ": " + r.err());
                assertEquals(c.get("expected").getAsString(), r.out(), name + " " + c.get("name"));
                rendered++;
            } else {
                assertEquals(1, r.exitCode(), name + " " + c.get("name") + " should fail like jinja2");
                assertEquals("", r.out());
                assertTrue(r.err().startsWith("moe4j: ") && r.err().strip().lines().count() == 1, r.err());
            }
        }
        assertTrue(rendered > 5, name + ": rendered cases");
    }

    @Test
    void modelTemplateAndTokensFromTheModel() throws IOException {
        // the fixture models carry no chat template: a clear error naming the key
        Path model = Fixtures.require("models/qwen3moe/qwen3moe-Q8_0.gguf");
        Path conv = dir.resolve("c.json");
        Files.writeString(conv, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"add_generation_prompt\": true}");
        CliRunner r = CliRunner.run("chat-template", "-m", model.toString(), "--conversation", conv.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("tokenizer.chat_template"), r.err());

        // --bos-token / --eos-token and extra template variables reach the template
        Path t = dir.resolve("t.jinja");
        Files.writeString(t, "{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m.content }}{% endfor %}"
                + "{% if add_generation_prompt %}>{% endif %}{{ extra }}|{{ eos_token }}");
        CliRunner ok = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString(),
                "--bos-token", "<s>", "--eos-token", "</s>");
        assertEquals(0, ok.exitCode(), ok.err());
        assertEquals("<s>user:Hi>|</s>", ok.out());
        Files.writeString(conv, "{\"messages\": [], \"extra\": 42}");
        CliRunner vars = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString());
        assertEquals("42|", vars.out());
    }

    @Test
    void badInput() throws IOException {
        Path t = dir.resolve("t.jinja");
        Files.writeString(t, "{{ raise_exception('no system role') }}");
        Path conv = dir.resolve("c.json");
        Files.writeString(conv, "{\"messages\": []}");
        CliRunner raised = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString());
        assertEquals(1, raised.exitCode());
        assertTrue(raised.err().contains("no system role"), raised.err());

        Files.writeString(conv, "{\"messages\": [1, 2,]}");
        CliRunner badJson = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString());
        assertEquals(1, badJson.exitCode());
        assertTrue(badJson.err().contains("JSON line 1"), badJson.err());

        Files.writeString(conv, "[]");
        CliRunner notObject = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString());
        assertEquals(1, notObject.exitCode());
        assertTrue(notObject.err().contains("one JSON object"), notObject.err());

        Files.writeString(t, "{% for x in %}");
        Files.writeString(conv, "{\"messages\": []}");
        CliRunner syntax = CliRunner.run("chat-template", "--template", t.toString(), "--conversation", conv.toString());
        assertEquals(1, syntax.exitCode());
        assertTrue(syntax.err().contains("t.jinja"), syntax.err());

        CliRunner both = CliRunner.run("chat-template", "--template", t.toString(), "-m", t.toString(), "--conversation",
                conv.toString());
        assertEquals(2, both.exitCode(), both.err());
    }
}
