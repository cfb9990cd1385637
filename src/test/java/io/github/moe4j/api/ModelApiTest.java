package io.github.moe4j.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public API end to end on a fixture model: text in, text out, as an application sees it. */
class ModelApiTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.require("models/qwen3moe/qwen3moe-Q8_0.gguf"), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /** Runs {@code body}, skipping while the tokenizer or chat templates (issue 5) are not merged. */
    static <T> T pending(Supplier<T> body) {
        try {
            return body.get();
        } catch (UnsupportedOperationException | Moe4jException e) {
            String m = String.valueOf(e.getMessage());
            Assumptions.assumeFalse(m.contains("being written") || m.contains("tokenizer, which is not available"),
                    "not implemented yet: " + m);
            throw e;
        }
    }

    @Test
    void infoDescribesTheModel() {
        ModelInfo i = model.info();
        assertEquals("qwen3moe", i.architecture());
        assertEquals("tiny-qwen3moe", i.name());
        assertEquals(8, i.experts());
        assertEquals(2, i.expertsUsed());
        assertEquals(256, i.contextLength());
        assertEquals("Q8_0", i.fileType());
        assertFalse(i.chatTemplate());
        assertEquals(Backend.CPU, i.backend());
        assertEquals(2, i.threads());
        assertTrue(i.parameters() > i.activeParameters() && i.activeParameters() > 0, i.toString());
        assertTrue(i.quantTypes().containsKey("Q8_0"), i.quantTypes().toString());
    }

    @Test
    void greedyTextMatchesLlamaCpp() throws Exception {
        Path manifest = Fixtures.require("models/qwen3moe/ref/Q8_0.p1/manifest.json");
        JsonObject j = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
        String prompt = j.get("prompt_text").getAsString();
        JsonArray gen = j.getAsJsonArray("generated_token_ids");
        int[] want = new int[gen.size()];
        for (int i = 0; i < want.length; i++) {
            want[i] = gen.get(i).getAsInt();
        }
        try (Session s = model.newSession()) {
            List<Token> streamed = new ArrayList<>();
            GenerateOptions greedy = GenerateOptions.builder().temperature(0).penaltyWindow(0).maxTokens(want.length).build();
            Generation g = pending(() -> s.generate(prompt, greedy, streamed::add));
            assertEquals(j.getAsJsonArray("prompt_token_ids").size(), g.stats().promptTokens(), "tokenized as llama.cpp");
            // the end-of-generation token may come earlier than llama.cpp's 16 (which never stops)
            int n = g.tokens().length;
            assertArrayEquals(java.util.Arrays.copyOf(want, n), g.tokens());
            StringBuilder cat = new StringBuilder();
            streamed.forEach(t -> cat.append(t.text()));
            assertEquals(g.text(), cat.toString());
        }
    }

    @Test
    void seededSamplingRepeatsAndStopStringsCut() {
        GenerateOptions o = GenerateOptions.builder().maxTokens(24).temperature(0.9f).seed(2024).build();
        try (Session a = model.newSession(); Session b = model.newSession()) {
            Generation g1 = pending(() -> a.generate("The harbour", o, null));
            Generation g2 = b.generate("The harbour", o, null);
            assertEquals(g1.text(), g2.text());
            assertArrayEquals(g1.tokens(), g2.tokens());
            if (g1.text().length() > 4) {
                String stop = g1.text().substring(2, 4);
                Generation cut = a.generate("The harbour", o.toBuilder().stopStrings(stop).build(), null);
                assertEquals(StopReason.STOP_STRING, cut.stopReason());
                assertEquals(g1.text().substring(0, g1.text().indexOf(stop)), cut.text());
            }
        }
    }

    @Test
    void chatTurnsReuseTheCache() {
        try (Session s = model.newSession()) {
            List<ChatMessage> conv = new ArrayList<>(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")));
            GenerateOptions o = GenerateOptions.builder().maxTokens(8).temperature(0).build();
            Generation r1 = pending(() -> s.chat(conv, o, null));
            conv.add(ChatMessage.assistant(r1.text()));
            conv.add(ChatMessage.user("And then?"));
            Generation r2 = s.chat(conv, o, null);
            assertTrue(r2.stats().cachedPromptTokens() >= r1.stats().promptTokens(), r2.stats().toString());
            assertTrue(r2.stats().promptTokens() > r1.stats().promptTokens());
        }
    }

    @Test
    void overflowIsAClearException() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(32).build())) {
            String longText = "the sky and the sea ".repeat(20);
            ContextOverflowException e = pending(() -> {
                try {
                    s.generate(longText, GenerateOptions.builder().maxTokens(4).build(), null);
                    throw new AssertionError("no overflow");
                } catch (ContextOverflowException ex) {
                    return ex;
                }
            });
            assertEquals(32, e.contextLength());
            assertTrue(e.promptTokens() > 28, e.getMessage());
        }
    }
}
