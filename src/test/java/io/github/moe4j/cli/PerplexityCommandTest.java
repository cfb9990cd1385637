package io.github.moe4j.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code moe4j perplexity} against llama-perplexity's figures in each fixture model's quality.json
 * ({@code -c 64} on ppl_text.txt). Measured: F16 agrees within 0.06% on every architecture, quantized
 * files within 0.7% (llama.cpp itself moves by that much between kernel choices on these files).
 */
class PerplexityCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"qwen3moe, F16, 0.002", "qwen2moe, F16, 0.002", "olmoe, F16, 0.002", "granitemoe, F16, 0.002",
            "mixtral, F16, 0.002", "deepseek2-lite, F16, 0.002", "deepseek2-v3, F16, 0.002", "gpt-oss, F16, 0.002",
            "qwen3moe, Q4_K_M, 0.015", "gpt-oss, MXFP4_MOE, 0.015", "deepseek2-lite, Q8_0, 0.015"})
    void matchesLlamaPerplexity(String tag, String type, double relTol) throws IOException {
        Path model = Fixtures.require("models/" + tag + "/" + tag + "-" + type + ".gguf");
        Path text = Fixtures.require("models/ppl_text.txt");
        JsonObject q = JsonParser.parseString(Files.readString(Fixtures.require("models/" + tag + "/quality.json")))
                .getAsJsonObject();
        double expected = q.getAsJsonObject("variants").getAsJsonObject(type).get("ppl").getAsDouble();
        CliRunner r = CliRunner.run("perplexity", "-m", model.toString(), "-f", text.toString(), "-c", "64", "--json");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertTrue(lines.get(lines.size() - 2).startsWith("Final estimate: PPL = "), r.out());
        JsonObject j = JsonParser.parseString(lines.getLast()).getAsJsonObject();
        double ppl = j.get("perplexity").getAsDouble();
        assertTrue(Math.abs(ppl / expected - 1) <= relTol, tag + " " + type + ": ppl " + ppl + " vs llama.cpp " + expected);
        assertTrue(j.get("perplexity_err").getAsDouble() > 0);
        assertEquals(64, j.get("n_ctx").getAsInt());
        assertEquals(j.get("chunks").getAsInt() * 31, j.get("scored").getAsInt(), "the second half of each chunk");
        assertTrue(j.get("tokens").getAsInt() >= j.get("chunks").getAsInt() * 64);
    }

    @Test
    void badInput() throws IOException {
        Path model = Fixtures.require("models/qwen3moe/qwen3moe-Q8_0.gguf");
        CliRunner shortText = CliRunner.run("perplexity", "-m", model.toString(), "-p", "too short", "-c", "64");
        assertEquals(1, shortText.exitCode());
        assertTrue(shortText.err().contains("needs at least 128"), shortText.err());
        CliRunner tooLong = CliRunner.run("perplexity", "-m", model.toString(), "-p", "x", "-c", "100000");
        assertEquals(1, tooLong.exitCode());
        assertTrue(tooLong.err().contains("context length"), tooLong.err());
        CliRunner neither = CliRunner.run("perplexity", "-m", model.toString());
        assertEquals(1, neither.exitCode());
        assertTrue(neither.err().contains("exactly one"), neither.err());
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[]{(byte) 0xff, (byte) 0xfe, 0x41});
        CliRunner notUtf8 = CliRunner.run("perplexity", "-m", model.toString(), "-f", bad.toString());
        assertEquals(1, notUtf8.exitCode());
        assertTrue(notUtf8.err().contains("UTF-8"), notUtf8.err());
    }
}
