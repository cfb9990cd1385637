package io.github.moe4j.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options are immutable, have llama.cpp's defaults, and reject bad values naming the option. */
class GenerateOptionsTest {

    private static void rejects(String option, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(option), ex.getMessage());
    }

    @Test
    void badValuesNameTheOption() {
        GenerateOptions.Builder b = GenerateOptions.builder();
        rejects("maxTokens", () -> b.maxTokens(-1));
        rejects("temperature", () -> b.temperature(Float.NaN));
        rejects("temperature", () -> b.temperature(-0.1f));
        rejects("temperature", () -> b.temperature(Float.POSITIVE_INFINITY));
        rejects("topK", () -> b.topK(-1));
        rejects("topP", () -> b.topP(0f));
        rejects("topP", () -> b.topP(1.5f));
        rejects("topP", () -> b.topP(Float.NaN));
        rejects("minP", () -> b.minP(-0.1f));
        rejects("minP", () -> b.minP(Float.NaN));
        rejects("repeatPenalty", () -> b.repeatPenalty(0f));
        rejects("presencePenalty", () -> b.presencePenalty(Float.NaN));
        rejects("frequencyPenalty", () -> b.frequencyPenalty(Float.POSITIVE_INFINITY));
        rejects("penaltyWindow", () -> b.penaltyWindow(-1));
        rejects("logitBias", () -> b.logitBias(-1, 1f));
        rejects("logitBias", () -> b.logitBias(3, Float.NaN));
        rejects("stopStrings", () -> b.stopStrings(List.of("")));
        rejects("stopStrings", () -> b.stopStrings((List<String>) null));
        rejects("threads", () -> LoadOptions.builder().threads(-1));
        rejects("contextLength", () -> LoadOptions.builder().contextLength(-1));
        rejects("contextLength", () -> SessionOptions.builder().contextLength(-5));
        rejects("backend", () -> LoadOptions.builder().backend(null));
    }

    @Test
    void defaultsAndImmutability() {
        GenerateOptions d = GenerateOptions.defaults();
        assertEquals(0, d.maxTokens());
        assertEquals(0.8f, d.temperature());
        assertEquals(40, d.topK());
        assertEquals(0.95f, d.topP());
        assertEquals(0.05f, d.minP());
        assertFalse(d.seed().isPresent());
        GenerateOptions o = d.toBuilder().maxTokens(5).seed(42).stopStrings("a", "b").logitBias(3, -1f).build();
        assertEquals(5, o.maxTokens());
        assertEquals(42, o.seed().getAsLong());
        assertEquals(List.of("a", "b"), o.stopStrings());
        assertEquals(Map.of(3, -1f), o.logitBias());
        assertEquals(0, d.maxTokens(), "the defaults are unchanged");
        assertThrows(UnsupportedOperationException.class, () -> o.stopStrings().add("c"));
        assertThrows(UnsupportedOperationException.class, () -> o.logitBias().put(1, 1f));
    }

    @Test
    void messagesAndTokens() {
        assertEquals(new ChatMessage("system", "x"), ChatMessage.system("x"));
        assertEquals("assistant", ChatMessage.assistant("x").role());
        assertEquals("tool", ChatMessage.tool("x").role());
        rejects("role", () -> new ChatMessage(" ", "x"));
        rejects("content", () -> ChatMessage.user(null));
        rejects("text", () -> new Token(1, null));
        int[] ids = {1, 2};
        Generation g = new Generation("t", ids, StopReason.EOS, new GenerationStats(1, 0, 1, 2, 1,
                java.time.Duration.ZERO, java.time.Duration.ZERO));
        ids[0] = 9;
        assertEquals(1, g.tokens()[0], "defensive copy");
        g.tokens()[1] = 9;
        assertEquals(2, g.tokens()[1]);
    }

    @Test
    void cudaIsRefusedClearly() {
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> Model.load(java.nio.file.Path.of("does-not-matter.gguf"),
                        LoadOptions.builder().backend(Backend.CUDA).build()));
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
    }
}
