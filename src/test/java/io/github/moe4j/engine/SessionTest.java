package io.github.moe4j.engine;

import io.github.moe4j.api.ChatMessage;
import io.github.moe4j.api.ContextOverflowException;
import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.KvCacheType;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.OverflowPolicy;
import io.github.moe4j.api.Session;
import io.github.moe4j.api.SessionOptions;
import io.github.moe4j.api.StopReason;
import io.github.moe4j.api.Token;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.template.ChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation loop at token-id level, on a tiny model with a stand-in tokenizer. */
class SessionTest {
    @TempDir
    static Path dir;
    static ModelImpl model;

    static final int[] PROMPT = {3, 14, 15, 9, 2, 6, 5};

    @BeforeAll
    static void load() {
        model = TestModels.tiny(dir, 11, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerateOptions greedy(int max) {
        return GenerateOptions.builder().temperature(0).maxTokens(max).build();
    }

    @Test
    void greedyIsTheArgmaxOfTheDecoder() {
        Generation g;
        try (SessionImpl s = model.newSession(SessionOptions.defaults())) {
            g = s.generateTokens(PROMPT, greedy(12), null, true);
        }
        // the same evaluation by hand: prompt minus its last token in one batch, then one token at a time
        Decoder d = model.decoder();
        DecoderState st = d.newState(64);
        float[] row = new float[d.vocabSize()];
        d.forward(st, PROMPT, 0, PROMPT.length - 1, null, 0, null);
        d.decode(st, PROMPT[PROMPT.length - 1], row);
        int[] want = new int[12];
        for (int k = 0; k < want.length; k++) {
            int best = 0;
            for (int i = 1; i < row.length; i++) {
                if (row[i] > row[best]) {
                    best = i;
                }
            }
            want[k] = best;
            d.decode(st, best, row);
        }
        assertArrayEquals(want, g.tokens());
        assertEquals(StopReason.MAX_TOKENS, g.stopReason());
        assertEquals(PROMPT.length, g.stats().promptTokens());
        assertEquals(12, g.stats().generatedTokens());
        assertTrue(g.stats().promptTokensPerSecond() > 0 && g.stats().generatedTokensPerSecond() > 0, g.stats().toString());
    }

    @Test
    void sameSeedSameOutput() {
        GenerateOptions o = GenerateOptions.builder().temperature(1.2f).topK(0).topP(1).minP(0).maxTokens(24).seed(1234).build();
        try (SessionImpl a = model.newSession(SessionOptions.defaults());
             SessionImpl b = model.newSession(SessionOptions.defaults())) {
            Generation g1 = a.generateTokens(PROMPT, o, null, true);
            a.reset();
            Generation g2 = a.generateTokens(PROMPT, o, null, true);
            Generation g3 = b.generateTokens(PROMPT, o, null, true);
            assertArrayEquals(g1.tokens(), g2.tokens());
            assertArrayEquals(g1.tokens(), g3.tokens());
            Generation other = b.generateTokens(PROMPT, o.toBuilder().seed(99).build(), null, true);
            assertEquals(24, other.tokens().length);
        }
    }

    @Test
    void textIsStreamedAndStopStringsCutIt() {
        try (Session s = model.newSession()) {
            List<Token> streamed = new ArrayList<>();
            Generation g = s.generate("w3 w14 w15", greedy(8), streamed::add);
            StringBuilder cat = new StringBuilder();
            for (Token t : streamed) {
                cat.append(t.text());
            }
            assertEquals(g.text(), cat.toString());
            int[] ids = g.tokens();
            assertEquals(ids.length, streamed.size());
            StringBuilder want = new StringBuilder();
            for (int id : ids) {
                want.append("w").append(id).append(' ');
            }
            if (g.stopReason() == StopReason.MAX_TOKENS) {
                assertEquals(want.toString(), g.text());
            }
            assertTrue(ids.length >= 3, "need three tokens for the stop-string case: " + g);
            // stop at the third token's text: the text ends before it, three tokens were generated
            String stop = "w" + ids[2] + " ";
            String before = "w" + ids[0] + " w" + ids[1] + " ";
            if (!before.contains(stop)) {
                streamed.clear();
                Generation cut = s.generate("w3 w14 w15",
                        greedy(8).toBuilder().stopStrings(stop).build(), streamed::add);
                assertEquals(StopReason.STOP_STRING, cut.stopReason());
                assertEquals(before, cut.text());
                assertEquals(3, cut.tokens().length);
                StringBuilder c2 = new StringBuilder();
                streamed.forEach(t -> c2.append(t.text()));
                assertEquals(cut.text(), c2.toString());
            }
        }
    }

    @Test
    void endOfGenerationStops() {
        GenerateOptions o = greedy(10).toBuilder().logitBias(TestModels.VOCAB - 1, 1000f).build();
        try (Session s = model.newSession()) {
            List<Token> streamed = new ArrayList<>();
            Generation g = s.generate("w1 w2", o, streamed::add);
            assertEquals(StopReason.EOS, g.stopReason());
            assertEquals(0, g.tokens().length);
            assertEquals("", g.text());
            assertTrue(streamed.isEmpty());
        }
    }

    @Test
    void cancelFromTheListenerStopsAfterThatToken() {
        try (Session s = model.newSession()) {
            int[] seen = {0};
            Generation g = s.generate("w4 w5", greedy(20), t -> {
                if (++seen[0] == 3) {
                    s.cancel();
                }
            });
            assertEquals(StopReason.CANCELLED, g.stopReason());
            assertEquals(3, g.tokens().length);
            // the next call is not cancelled
            assertEquals(StopReason.MAX_TOKENS, s.generate("w4 w5", greedy(2), null).stopReason());
        }
    }

    @Test
    void cancelFromAnotherThread() throws Exception {
        try (Session s = model.newSession()) {
            CountDownLatch first = new CountDownLatch(1);
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Generation> f = ex.submit(() -> s.generate("w4 w5", greedy(0), t -> {
                    first.countDown();
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                assertTrue(first.await(30, TimeUnit.SECONDS));
                s.cancel();
                Generation g = f.get(30, TimeUnit.SECONDS);
                assertTrue(g.stopReason() == StopReason.CANCELLED || g.stopReason() == StopReason.CONTEXT_FULL,
                        g.toString());
            } finally {
                ex.shutdownNow();
            }
        }
    }

    @Test
    void secondThreadAndReentrantCallsAreRejected() throws Exception {
        try (Session s = model.newSession()) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Throwable> reentrant = new AtomicReference<>();
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Generation> f = ex.submit(() -> s.generate("w1 w2", greedy(4), t -> {
                    if (inside.getCount() > 0) {
                        try {
                            s.generate("w1", greedy(1), null);
                        } catch (Throwable e) {
                            reentrant.set(e);
                        }
                        inside.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }));
                assertTrue(inside.await(30, TimeUnit.SECONDS));
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> s.generate("w3", greedy(1), null));
                assertTrue(e.getMessage().contains("in use by thread"), e.getMessage());
                assertThrows(IllegalStateException.class, s::reset);
                release.countDown();
                assertEquals(4, f.get(30, TimeUnit.SECONDS).tokens().length);
                assertInstanceOf(IllegalStateException.class, reentrant.get());
                assertTrue(reentrant.get().getMessage().contains("re-entered"), reentrant.get().getMessage());
            } finally {
                release.countDown();
                ex.shutdownNow();
            }
            // usable again afterwards
            assertEquals(1, s.generate("w3", greedy(1), null).tokens().length);
        }
    }

    @Test
    void contextOverflowIsReportedBeforeEvaluating() {
        try (SessionImpl s = model.newSession(SessionOptions.builder().contextLength(16).build())) {
            s.generateTokens(new int[]{1, 2, 3}, greedy(2), null, true);
            int cached = s.cachedTokens();
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> s.generateTokens(new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, greedy(10), null, true));
            assertEquals(10, e.promptTokens());
            assertEquals(16, e.contextLength());
            assertTrue(e.getMessage().contains("16"), e.getMessage());
            assertEquals(cached, s.cachedTokens(), "nothing evaluated");
            // no token limit: generation runs until the context is full
            Generation g = s.generateTokens(new int[]{1, 2, 3, 4}, greedy(0), null, true);
            assertEquals(StopReason.CONTEXT_FULL, g.stopReason());
            assertEquals(13, g.tokens().length);
            assertEquals(16, s.cachedTokens());
        }
        try (SessionImpl s = model.newSession(SessionOptions.builder().contextLength(16)
                .overflowPolicy(OverflowPolicy.TRUNCATE_PROMPT).build())) {
            Generation g = s.generateTokens(new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, greedy(10), null, true);
            assertEquals(6, g.stats().promptTokens());
            assertEquals(10, g.tokens().length);
        }
    }

    @Test
    void aLongerPromptReusesTheCachedPrefix() {
        try (SessionImpl s = model.newSession(SessionOptions.defaults())) {
            Generation first = s.generateTokens(PROMPT, greedy(5), null, true);
            assertEquals(0, first.stats().cachedPromptTokens());
            int[] next = new int[PROMPT.length + 5 + 2];
            System.arraycopy(PROMPT, 0, next, 0, PROMPT.length);
            System.arraycopy(first.tokens(), 0, next, PROMPT.length, 5);
            next[next.length - 2] = 7;
            next[next.length - 1] = 8;
            Generation second = s.generateTokens(next, greedy(3), null, true);
            // the prompt and the first four generated tokens were fed (the fifth was sampled, not fed)
            assertEquals(PROMPT.length + 4, second.stats().cachedPromptTokens());
            // a different prompt: nothing in common
            Generation third = s.generateTokens(new int[]{30, 31}, greedy(1), null, true);
            assertEquals(0, third.stats().cachedPromptTokens());
        }
    }

    /** A ChatML-like template with spaces, so the stand-in tokenizer splits it into words. */
    private static final ChatTemplate SPACED_CHATML = new ChatTemplate() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        @SuppressWarnings("unchecked")
        public String render(Map<String, ?> context) {
            StringBuilder sb = new StringBuilder();
            for (Map<String, Object> m : (List<Map<String, Object>>) context.get("messages")) {
                sb.append("<im_start> ").append(m.get("role")).append(' ').append(m.get("content")).append(" <im_end> ");
            }
            if (Boolean.TRUE.equals(context.get("add_generation_prompt"))) {
                sb.append("<im_start> assistant ");
            }
            return sb.toString();
        }
    };

    @Test
    void chatReusesTheKvCacheAcrossTurns() {
        model.useChatTemplate(SPACED_CHATML);
        try (Session s = model.newSession()) {
            List<ChatMessage> conv = new ArrayList<>(List.of(ChatMessage.system("w1 w2"), ChatMessage.user("w5 w6 w7")));
            Generation r1 = s.chat(conv, greedy(4), null);
            assertEquals(0, r1.stats().cachedPromptTokens());
            conv.add(ChatMessage.assistant(r1.text().strip()));
            conv.add(ChatMessage.user("w8 w9"));
            Generation r2 = s.chat(conv, greedy(4), null);
            assertTrue(r2.stats().cachedPromptTokens() >= r1.stats().promptTokens(),
                    "turn 2 reuses at least turn 1's prompt: " + r2.stats());
            assertFalse(r2.text().isEmpty());
        }
    }

    @Test
    void closingTheModelFailsRunningSessionsCleanly(@TempDir Path own) throws Exception {
        ModelImpl m = TestModels.tiny(own, 12, 2);
        Session s = m.newSession();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Generation> f = ex.submit(() -> s.generate("w1 w2", greedy(0), t -> {
                started.countDown();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertTrue(started.await(30, TimeUnit.SECONDS));
            m.close();
            Throwable t = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> f.get(30, TimeUnit.SECONDS)).getCause();
            // either it finished (context full) before the close took effect, or it failed clearly
            assertInstanceOf(IllegalStateException.class, t);
            assertTrue(t.getMessage().contains("closed"), t.getMessage());
        } catch (AssertionError e) {
            throw e;
        } finally {
            ex.shutdownNow();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.generate("w1", greedy(1), null));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, m::newSession);
        m.close(); // idempotent
        assertNotNull(m.info());
    }

    @Test
    void badArgumentsFailFast() {
        try (Session s = model.newSession()) {
            assertThrows(IllegalArgumentException.class, () -> s.generate("", greedy(1), null));
            assertThrows(IllegalArgumentException.class, () -> s.generate(null, greedy(1), null));
            assertThrows(IllegalArgumentException.class, () -> s.generate("w1", null, null));
            assertThrows(IllegalArgumentException.class, () -> s.chat(List.of(), greedy(1), null));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.generate("w1", greedy(1).toBuilder().logitBias(5000, 1f).build(), null));
            assertTrue(e.getMessage().contains("logitBias"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> model.newSession(SessionOptions.builder().contextLength(129).build()));
    }

    @Test
    void f16KvCacheHalvesTheCacheAndStillGenerates() {
        SessionOptions f16 = SessionOptions.builder().contextLength(64).kvCacheType(KvCacheType.F16).build();
        SessionOptions f32 = SessionOptions.builder().contextLength(64).build();
        try (SessionImpl a = model.newSession(f16); SessionImpl b = model.newSession(f32)) {
            assertEquals(KvCacheType.F32, f32.kvCacheType());
            assertEquals(b.kvBytes(), 2 * a.kvBytes(), "f16 keys and values take half the bytes");
            Generation ga = a.generateTokens(PROMPT, greedy(8), null, true);
            Generation gb = b.generateTokens(PROMPT, greedy(8), null, true);
            assertEquals(8, ga.tokens().length);
            // rounding the cache to f16 moves logits a little; the first greedy token of this model is far from a tie
            assertEquals(gb.tokens()[0], ga.tokens()[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> SessionOptions.builder().kvCacheType(null));
    }
}
