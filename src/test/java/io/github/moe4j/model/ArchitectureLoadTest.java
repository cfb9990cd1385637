package io.github.moe4j.model;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading synthetic files (no fixtures needed): the registry, hyperparameter and binding errors. */
class ArchitectureLoadTest {
    @TempDir
    Path dir;

    private Path write(GgufWriter w, String name) throws IOException {
        Path p = dir.resolve(name);
        w.write(p);
        return p;
    }

    @Test
    void tinyQwen3MoeLoadsAndRuns() throws IOException {
        // TinyModels has no key_length: qwen3moe's head size (32 here) differs from n_embd / n_head
        Path p = write(TinyModels.qwen3moe(5).putUInt32("qwen3moe.attention.key_length", 32)
                .putUInt32("qwen3moe.attention.value_length", 32), "ok.gguf");
        try (GgufModel g = GgufModel.open(p)) {
            Decoder m = Architectures.load(g);
            assertEquals("qwen3moe", m.config().arch());
            assertEquals(TinyModels.N_VOCAB, m.vocabSize());
            assertEquals(TinyModels.N_USED, m.config().moe().nUsed());
            DecoderState s = m.newState(8);
            float[] logits = new float[3 * m.vocabSize()];
            m.forward(s, new int[]{1, 2, 3}, 0, 3, logits, 0, null);
            assertEquals(3, s.position());
        }
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path p = write(TinyModels.qwen3moe(5).putString("general.architecture", "mamba"), "mamba.gguf");
        try (GgufModel g = GgufModel.open(p)) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Architectures.load(g));
            assertTrue(e.getMessage().contains("'mamba'") && e.getMessage().contains("qwen3moe")
                    && e.getMessage().contains("deepseek2"), e.getMessage());
        }
    }

    @Test
    void missingOrBadKeysNameTheKey() throws IOException {
        Path p = write(TinyModels.qwen3moe(5).remove("qwen3moe.expert_count"), "nokey.gguf");
        try (GgufModel g = GgufModel.open(p)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> Architectures.load(g));
            assertTrue(e.getMessage().contains("qwen3moe.expert_count"), e.getMessage());
        }
        Path q = write(TinyModels.qwen3moe(5).putUInt32("qwen3moe.expert_used_count", 9), "used.gguf");
        try (GgufModel g = GgufModel.open(q)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> Architectures.load(g));
            assertTrue(e.getMessage().contains("qwen3moe.expert_used_count"), e.getMessage());
        }
    }

    @Test
    void wrongShapeNamesTheTensor() throws IOException {
        // without key_length the head size defaults to n_embd / n_head = 16, but the q/k norms are [32]
        Path p = write(TinyModels.qwen3moe(5), "shape.gguf");
        try (GgufModel g = GgufModel.open(p)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> Architectures.load(g));
            assertTrue(e.getMessage().contains("blk.0.attn_q_norm.weight") && e.getMessage().contains("expected [16]"),
                    e.getMessage());
        }
    }

    @Test
    void denseLlamaIsRejected() throws IOException {
        GgufWriter w = TinyModels.qwen3moe(5).putString("general.architecture", "llama");
        Path p = write(w, "llama.gguf");
        try (GgufModel g = GgufModel.open(p)) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Architectures.load(g));
            assertTrue(e.getMessage().contains("llama.expert_count"), e.getMessage());
        }
    }
}
