package io.github.moe4j.cli;

import io.github.moe4j.gguf.GgufModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesALoadableModelAndReportsIt() {
        Path p = dir.resolve("g.gguf");
        CliRunner r = CliRunner.run("synth", "--like", "granite-3.1-3b-a800m", "--layers", "1", "--vocab", "600",
                "--type", "Q4_0", "--seed", "3", "-o", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("granite-3.1-3b-a800m Q4_0"), r.out());
        assertTrue(r.out().contains("active weight bytes per token"), r.out());
        try (GgufModel m = GgufModel.open(p)) {
            assertEquals("granitemoe", m.metadata().architecture());
            assertEquals(2, m.metadata().getLong("general.file_type")); // LLAMA_FTYPE_MOSTLY_Q4_0
        }
    }

    @Test
    void sameSeedSameBytes() throws java.io.IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        for (Path p : new Path[]{a, b}) {
            assertEquals(0, CliRunner.run("synth", "--like", "olmoe-1b-7b", "--layers", "1", "--vocab", "700",
                    "--type", "Q4_K_M", "--seed", "5", "-o", p.toString()).exitCode());
        }
        assertEquals(-1L, java.nio.file.Files.mismatch(a, b), "two runs with the same seed differ");
    }

    @Test
    void badArgumentsExitOneWithAMessage() {
        CliRunner r = CliRunner.run("synth", "--like", "llama-4", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown family 'llama-4'"), r.err());
        CliRunner t = CliRunner.run("synth", "--like", "olmoe-1b-7b", "--type", "Q3_K", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, t.exitCode());
        assertTrue(t.err().contains("unknown --type 'Q3_K'"), t.err());
    }
}
