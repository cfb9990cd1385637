package io.github.moe4j.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.SessionOptions;
import io.github.moe4j.api.StopReason;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Greedy generation through a {@link SessionImpl} (the sampler chain at temperature 0, prefill in
 * micro-batches, decode) reproduces llama.cpp's 16 greedy tokens on the F16 fixtures.
 */
class ReferenceGreedyTest {

    static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss", "deepseek2-lite",
            "deepseek2-v3"})
    void sameTokensAsLlamaCpp(String tag) throws IOException {
        Path manifest = Fixtures.require("models/" + tag + "/ref/F16.p1/manifest.json");
        JsonObject j = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
        int[] prompt = ints(j.getAsJsonArray("prompt_token_ids"));
        int[] want = ints(j.getAsJsonArray("generated_token_ids"));
        try (ModelImpl m = TestModels.fixture(tag, "F16", 2, -1);
             SessionImpl s = m.newSession(SessionOptions.builder().contextLength(256).build())) {
            GenerateOptions greedy = GenerateOptions.builder().temperature(0).penaltyWindow(0)
                    .maxTokens(want.length).build();
            Generation g = s.generateTokens(prompt, greedy, null, true);
            assertArrayEquals(want, g.tokens(), tag);
            assertEquals(StopReason.MAX_TOKENS, g.stopReason());
        }
    }
}
