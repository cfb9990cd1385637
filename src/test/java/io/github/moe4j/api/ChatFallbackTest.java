package io.github.moe4j.api;

import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixtures carry no {@code tokenizer.chat_template}: chat falls back to a built-in format for each
 * family, and `run --chat` / `chat` work on every supported architecture.
 */
class ChatFallbackTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss", "deepseek2-lite",
            "deepseek2-v3"})
    void chatWorksOnEveryFamily(String tag) {
        try (Model m = Model.load(Fixtures.require("models/" + tag + "/" + tag + "-Q8_0.gguf"),
                LoadOptions.builder().threads(1).build());
             Session s = m.newSession()) {
            GenerateOptions o = GenerateOptions.builder().maxTokens(4).temperature(0).build();
            Generation g = ModelApiTest.pending(() -> s.chat(List.of(ChatMessage.system("Be brief."),
                    ChatMessage.user("Hi")), o, null));
            assertTrue(g.stats().promptTokens() > 2, tag + ": " + g.stats());
            assertTrue(g.tokens().length <= 4);
            if (g.stopReason() != StopReason.EOS) {
                assertEquals(StopReason.MAX_TOKENS, g.stopReason());
            }
        }
    }
}
