package io.github.moe4j.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run}, {@code chat} (driven through stdin) and {@code bench}. */
class GenerateCommandsTest {

    private static String qwen() {
        return Fixtures.require("models/qwen3moe/qwen3moe-Q8_0.gguf").toString();
    }

    /** Skips while a seam another issue fills in (tokenizer, chat templates) is not there yet. */
    private static void assumeImplemented(CliRunner r) {
        Assumptions.assumeFalse(r.exitCode() != 0 && (r.err().contains("being written")
                || r.err().contains("tokenizer, which is not available")), "not implemented yet: " + r.err());
    }

    @Test
    void benchJsonIsTheLastLine() {
        CliRunner r = CliRunner.run("bench", "-m", qwen(), "-p", "16", "-n", "8", "-r", "2", "-t", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("| pp16 |")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.contains("| tg8 |")), r.out());
        JsonObject j = JsonParser.parseString(lines.getLast()).getAsJsonObject();
        assertEquals("qwen3moe-Q8_0.gguf", j.get("model").getAsString());
        assertEquals(1, j.get("threads").getAsInt());
        assertEquals(16, j.getAsJsonObject("pp").get("n").getAsInt());
        assertEquals(8, j.getAsJsonObject("tg").get("n").getAsInt());
        assertTrue(j.getAsJsonObject("pp").get("tok_s").getAsDouble() > 0);
        assertTrue(j.getAsJsonObject("tg").get("tok_s").getAsDouble() > 0);
        assertTrue(j.getAsJsonObject("tg").get("sd").getAsDouble() >= 0);
        assertTrue(j.get("rss_mb").getAsLong() > 0);
        assertTrue(j.get("rss_anon_mb").getAsLong() > 0);
        assertTrue(j.get("rss_file_mb").getAsLong() >= 0);
        // the KV cache of -p + -n + 1 positions, and the session's other buffers, both measured
        assertTrue(j.get("kv_mb").getAsDouble() > 0, j.toString());
        assertTrue(j.get("scratch_mb").getAsDouble() > 0, j.toString());
    }

    @Test
    void benchRunsWithoutFixtures(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(3).putUInt32("qwen3moe.attention.key_length", 32)
                .putUInt32("qwen3moe.attention.value_length", 32)
                .putStrings("tokenizer.ggml.merges", List.of()).write(p);   // its merges name pieces not in its vocabulary
        CliRunner r = CliRunner.run("bench", "-m", p.toString(), "-p", "8", "-n", "4", "-r", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject j = JsonParser.parseString(r.out().lines().toList().getLast()).getAsJsonObject();
        assertEquals(0.0, j.getAsJsonObject("pp").get("sd").getAsDouble());
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
            // where the measured runs' CPU time went: this process, its JIT and GC threads, the hypervisor
            JsonObject cpu = j.getAsJsonObject("cpu");
            assertTrue(cpu.get("seconds").getAsDouble() > 0, cpu.toString());
            // /proc counts CPU time in 10 ms ticks and this tiny model's runs take a few ms: 0 is possible
            // (CpuAccountingTest checks the arithmetic on fixed snapshots)
            assertTrue(cpu.get("process_cpus").getAsDouble() >= 0, cpu.toString());
            assertTrue(cpu.get("jit_s").getAsDouble() >= 0, cpu.toString());
            assertTrue(cpu.get("gc_s").getAsDouble() >= 0, cpu.toString());
            double steal = cpu.get("steal_pct").getAsDouble();
            assertTrue(steal >= 0 && steal <= 100, cpu.toString());
            assertTrue(r.out().contains("cpu during the measured runs"), r.out());
        }
        // heap allocated per generated token: this JDK has jdk.management, so it is measured
        assertTrue(j.get("alloc_kb_per_token").getAsDouble() >= 0, j.toString());
        assertTrue(r.out().contains("heap allocated per generated token"), r.out());
        // the KV cache is f16 by default, as llama-bench's; -ctk f32 doubles it
        assertEquals("F16", j.get("kv_type").getAsString(), j.toString());
        CliRunner f32 = CliRunner.run("bench", "-m", p.toString(), "-p", "8", "-n", "4", "-r", "1", "-ctk", "f32", "--json");
        assertEquals(0, f32.exitCode(), f32.err());
        JsonObject j32 = JsonParser.parseString(f32.out().lines().toList().getLast()).getAsJsonObject();
        assertEquals("F32", j32.get("kv_type").getAsString(), j32.toString());
        assertEquals(2 * j.get("kv_mb").getAsDouble(), j32.get("kv_mb").getAsDouble(), 1e-3, j32.toString());
        CliRunner badKv = CliRunner.run("bench", "-m", p.toString(), "-ctk", "q8_0");
        assertEquals(2, badKv.exitCode(), badKv.err());
        assertTrue(badKv.err().contains("--cache-type") || badKv.err().contains("-ctk"), badKv.err());
        CliRunner tooLong = CliRunner.run("bench", "-m", p.toString(), "-p", "120", "-n", "64");
        assertEquals(1, tooLong.exitCode());
        assertTrue(tooLong.err().contains("context"), tooLong.err());
    }

    @Test
    void runStreamsTextAndPrintsStats() {
        CliRunner r = CliRunner.run("run", "-m", qwen(), "-p", "The old sailor looked at the sky", "-n", "12",
                "--temp", "0", "-t", "1");
        assumeImplemented(r);
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().isBlank());
        assertTrue(r.err().contains("generated 12 tokens") && r.err().contains("stop: MAX_TOKENS"), r.err());
        CliRunner seeded1 = CliRunner.run("run", "-m", qwen(), "-p", "The sky", "-n", "10", "--seed", "7", "-t", "1");
        CliRunner seeded2 = CliRunner.run("run", "-m", qwen(), "-p", "The sky", "-n", "10", "--seed", "7", "-t", "1");
        assertEquals(seeded1.out(), seeded2.out(), "same seed, same text");
    }

    @Test
    void badOptionsNameTheOption() {
        CliRunner r = CliRunner.run("run", "-m", qwen(), "-p", "x", "--top-p", "2");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("topP"), r.err());
        CliRunner empty = CliRunner.run("run", "-m", qwen(), "-p", "");
        assertEquals(1, empty.exitCode());
        assertTrue(empty.err().contains("prompt"), empty.err());
    }

    @Test
    void chatThroughStdin() {
        CliRunner r = CliRunner.withInput("Hello there\nHow are you?\n/reset\nHi again\n/exit\nnever read\n",
                "chat", "-m", qwen(), "--system", "Be brief.", "-n", "6", "--temp", "0", "-t", "1", "--stats");
        assumeImplemented(r);
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, r.out().lines().count(), "one reply line per message:\n" + r.out());
        assertTrue(r.err().contains("(conversation reset)"), r.err());
        List<String> stats = r.err().lines().filter(l -> l.startsWith("moe4j: prompt")).toList();
        assertEquals(3, stats.size(), r.err());
        assertTrue(!stats.get(1).contains("(0 cached)"), "the second turn reuses the first: " + stats.get(1));
        assertTrue(stats.get(2).contains("(0 cached)"), "after /reset nothing is cached: " + stats.get(2));
    }

    @Test
    void chatAtATerminalShowsPromptsAndProgress() {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        String longMessage = "the sea and the sky ".repeat(10);   // more than one prefill micro-batch (64 tokens)
        int code = Main.run(new String[]{"chat", "-m", qwen(), "-n", "3", "--temp", "0", "-t", "1"},
                new java.io.ByteArrayInputStream((longMessage + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new java.io.PrintWriter(out), new java.io.PrintWriter(err), true);
        assumeImplemented(new CliRunner(code, out.toString(), err.toString()));
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().startsWith("> "), out.toString());
        assertTrue(err.toString().contains("reading the prompt") && err.toString().contains("\033[K"), err.toString());
        assertTrue(err.toString().contains("/reset starts over"), err.toString());
    }
}
