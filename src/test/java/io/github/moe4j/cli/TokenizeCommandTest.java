package io.github.moe4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code moe4j tokenize}: the contract other tools call (ids with the model's BOS/EOS rule, --json). */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    private static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    private static int[] lastLineJson(CliRunner r) {
        List<String> lines = r.out().strip().lines().toList();
        return ints(JsonParser.parseString(lines.getLast()).getAsJsonArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe", "olmoe", "granitemoe", "deepseek2-lite", "deepseek2-v3", "gpt-oss", "mixtral"})
    void matchesTheModelsTokenizerCases(String tag) throws IOException {
        Path model = Fixtures.require("models/" + tag + "/" + tag + "-Q8_0.gguf");
        JsonObject root = JsonParser.parseString(Files.readString(Fixtures.require("models/" + tag + "/tokenizer_cases.json")))
                .getAsJsonObject();
        int n = 0;
        for (JsonElement e : root.getAsJsonArray("cases")) {
            if (n++ % 4 != 0) {
                continue; // a quarter of the cases: each run starts a tokenizer (the library tests cover all)
            }
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            CliRunner with = CliRunner.run("tokenize", "-m", model.toString(), "-p", text, "--json");
            assertEquals(0, with.exitCode(), with.err());
            assertArrayEquals(ints(c.getAsJsonArray("ids_add_special")), lastLineJson(with), tag + " " + text);
            CliRunner without = CliRunner.run("tokenize", "-m", model.toString(), "-p", text, "--json", "--no-add-special");
            assertArrayEquals(ints(c.getAsJsonArray("ids")), lastLineJson(without), tag + " " + text);
        }
    }

    @Test
    void vocabOnlyFileAndParseSpecial() throws IOException {
        Path vocab = Fixtures.require("vocab/ggml-vocab-gpt-2.gguf");
        CliRunner plain = CliRunner.run("tokenize", "-m", vocab.toString(), "-p", "Hello world<|endoftext|>", "--json");
        assertEquals(0, plain.exitCode(), plain.err());
        CliRunner special = CliRunner.run("tokenize", "-m", vocab.toString(), "-p", "Hello world<|endoftext|>", "--json",
                "--parse-special");
        int[] p = lastLineJson(plain);
        int[] s = lastLineJson(special);
        assertEquals(50256, s[s.length - 1], "<|endoftext|> as one special token");
        assertTrue(p.length > s.length, "as plain text it is several tokens");
        CliRunner human = CliRunner.run("tokenize", "-m", vocab.toString(), "-p", "Hello world");
        assertEquals(0, human.exitCode(), human.err());
        assertTrue(human.out().contains("15496 -> 'Hello'"), human.out());
        assertTrue(human.out().contains("995 -> ' world'"), human.out());
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "Hello world");
        CliRunner fromFile = CliRunner.run("tokenize", "-m", vocab.toString(), "-f", f.toString(), "--json");
        assertArrayEquals(p.length == 0 ? p : new int[]{15496, 995}, lastLineJson(fromFile));
    }

    @Test
    void badInput() throws IOException {
        Path tiny = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(3).write(tiny);
        CliRunner noVocab = CliRunner.run("tokenize", "-m", tiny.toString(), "-p", "x");
        assertEquals(1, noVocab.exitCode());
        assertTrue(noVocab.err().contains("tokenizer.ggml.merges"), noVocab.err()); // its placeholder vocabulary is inconsistent
        CliRunner neither = CliRunner.run("tokenize", "-m", tiny.toString());
        assertEquals(1, neither.exitCode());
        assertTrue(neither.err().contains("exactly one"), neither.err());
        CliRunner absent = CliRunner.run("tokenize", "-m", dir.resolve("absent.gguf").toString(), "-p", "x");
        assertEquals(1, absent.exitCode());
        assertTrue(absent.err().startsWith("moe4j: "), absent.err());
    }
}
