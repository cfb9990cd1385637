package io.github.moe4j.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code info} command on models made by our own writer (runs without the shared fixtures). */
class CliTest {

    @Test
    void infoText(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(3).write(p);
        CliRunner r = CliRunner.run("info", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        long[] counts = TinyModels.parameterCounts();
        String out = r.out();
        assertTrue(out.contains("architecture:    qwen3moe"), out);
        assertTrue(out.contains(String.format("%,d", counts[0])), out);
        assertTrue(out.contains("experts:         4 (2 used per token), expert FFN 32"), out);
        assertTrue(out.contains("tensors:         27"), out);
        assertTrue(out.contains("Q8_0 x16"), out);
        assertTrue(out.contains("file type:       Q8_0"), out);
        assertFalse(out.contains("blk.0.ffn_up_exps.weight"), "tensors only with --tensors");

        CliRunner t = CliRunner.run("info", "--tensors", p.toString());
        assertEquals(0, t.exitCode(), t.err());
        assertTrue(t.out().lines().anyMatch(l -> l.startsWith("blk.1.ffn_down_exps.weight") && l.contains("Q8_0")
                && l.contains("[32, 64, 4]")), t.out());
    }

    @Test
    void infoJson(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(4).write(p);
        CliRunner r = CliRunner.run("info", "--json", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        long[] counts = TinyModels.parameterCounts();
        assertEquals("qwen3moe", j.get("architecture").getAsString());
        assertEquals(27, j.get("tensor_count").getAsInt());
        assertEquals(counts[0], j.get("parameter_count").getAsLong());
        assertEquals(counts[1], j.get("active_parameter_count").getAsLong());
        assertEquals(128, j.get("context_length").getAsLong());
        assertEquals(16, j.getAsJsonObject("quant_types").get("Q8_0").getAsInt());
        assertEquals(p.toString(), j.getAsJsonArray("shards").get(0).getAsString());
        assertTrue(j.get("head_count").getAsLong() == 4 && j.get("chat_template").isJsonPrimitive());
        assertFalse(j.has("tensors"));
        assertEquals(27, JsonParser.parseString(CliRunner.run("info", "--json", "--tensors", p.toString()).out())
                .getAsJsonObject().getAsJsonArray("tensors").size());
    }

    @Test
    void badFilesPrintTheProblemAndExitNonZero(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("broken.gguf");
        byte[] b = TinyModels.qwen3moe(5).toBytes();
        Files.write(p, java.util.Arrays.copyOf(b, 100));
        CliRunner r = CliRunner.run("info", p.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().startsWith("moe4j: " + p + ": at byte "), r.err());
        assertTrue(r.err().contains("truncated"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
        assertEquals("", r.out());

        CliRunner v = CliRunner.run("info", "--verbose", p.toString());
        assertNotEquals(0, v.exitCode());
        assertTrue(v.err().contains("GgufFormatException") && v.err().contains("\tat "), v.err());

        CliRunner missing = CliRunner.run("info", dir.resolve("absent.gguf").toString());
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.err().contains("absent.gguf: no such file"), missing.err());

        CliRunner usage = CliRunner.run("info");
        assertNotEquals(0, usage.exitCode());
        assertTrue(usage.err().contains("MODEL"), usage.err());
    }

    @Test
    void helpAndVersion() {
        CliRunner h = CliRunner.run("--help");
        assertEquals(0, h.exitCode());
        assertTrue(h.out().contains("info"), h.out());
        assertEquals(0, CliRunner.run("--version").exitCode());
    }
}
