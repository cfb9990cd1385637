package io.github.moe4j.tokenizer;

import io.github.moe4j.gguf.GgufWriter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Special tokens, BOS/EOS, end of generation, streaming and long inputs. */
class GgufTokenizerBehaviourTest {

    private static boolean contains(int[] ids, int id) {
        return Arrays.stream(ids).anyMatch(x -> x == id);
    }

    @Test
    void parseSpecialMatchesControlTokensOnlyWhenAsked() {
        Tokenizer tok = TokenizerFixtures.model("qwen3moe");
        int start = tok.tokenId("<|im_start|>");
        int end = tok.tokenId("<|im_end|>");
        assertTrue(start >= 0 && end >= 0);
        String chat = "<|im_start|>user\nhello<|im_end|>\n";
        int[] parsed = tok.encode(chat, false, true);
        assertEquals(start, parsed[0]);
        assertTrue(contains(parsed, end));
        assertArrayEquals(tok.encode("user\nhello", false, false), Arrays.copyOfRange(parsed, 1, parsed.length - 2));
        int[] plain = tok.encode(chat, false, false);
        assertFalse(contains(plain, start) || contains(plain, end));
        assertEquals(chat, tok.decode(plain, false));
        // control tokens are hidden unless asked for
        assertEquals("user\nhello\n", tok.decode(parsed, false));
        assertEquals(chat, tok.decode(parsed, true));
        assertEquals("<|im_end|>", new String(tok.tokenBytes(end), StandardCharsets.UTF_8));
        assertTrue(tok.isSpecial(end));
        assertFalse(tok.isSpecial(tok.encode("hello", false, false)[0]));
    }

    @Test
    void longestSpecialTokenWinsAndUserDefinedTokensAreAlwaysMatched() {
        Tokenizer tok = TinyVocab.tokenizer(TinyVocab.writer());
        int tool = TinyVocab.id("<tool>");
        int[] ids = tok.encode("a<tool>b", false, false);
        assertArrayEquals(new int[]{TinyVocab.id("a"), tool, TinyVocab.id("b")}, ids, "user-defined: always");
        assertEquals("a<tool>b", tok.decode(ids, false), "user-defined tokens are shown");
        assertFalse(tok.isSpecial(tool));

        Tokenizer oss = TokenizerFixtures.model("gpt-oss");
        int channel = oss.tokenId("<|channel|>");
        int[] o = oss.encode("<|channel|>analysis<|message|>hi", false, false);
        assertEquals(channel, o[0], "gpt-oss <|channel|> is USER_DEFINED in llama.cpp");
        assertTrue(contains(o, oss.tokenId("<|message|>")));
        assertEquals("<|channel|>analysis<|message|>hi", oss.decode(o, false));

        // the longer special is taken first: "<|im_start|>" is not split as "<|im_" + ...
        GgufWriter w = TinyVocab.writer();
        Tokenizer t = TinyVocab.tokenizer(w);
        assertArrayEquals(new int[]{TinyVocab.id("<|im_start|>"), TinyVocab.id("<|im_end|>")},
                t.encode("<|im_start|><|im_end|>", false, true));
    }

    @Test
    void bosAndEosFollowTheVocabulary() {
        Tokenizer lite = TokenizerFixtures.model("deepseek2-lite"); // add_bos = true
        assertTrue(lite.addBos());
        assertArrayEquals(new int[]{lite.bosId()}, lite.encode("", true, false));
        assertArrayEquals(new int[0], lite.encode("", false, false));
        int[] ids = lite.encode("hi", true, false);
        assertEquals(lite.bosId(), ids[0]);
        assertEquals("hi", lite.decode(ids, false), "BOS is a control token: hidden");
        Tokenizer qwen = TokenizerFixtures.model("qwen3moe"); // add_bos = false
        assertFalse(qwen.addBos());
        assertArrayEquals(qwen.encode("hi", false, false), qwen.encode("hi", true, false));
    }

    @Test
    void endOfGenerationTokens() {
        Tokenizer qwen = TokenizerFixtures.model("qwen3moe");
        assertTrue(qwen.isEndOfGeneration(qwen.eosId()));
        assertTrue(qwen.isEndOfGeneration(qwen.tokenId("<|im_end|>")));
        assertTrue(qwen.isEndOfGeneration(qwen.tokenId("<|endoftext|>")));
        assertFalse(qwen.isEndOfGeneration(qwen.tokenId("<|im_start|>")));
        assertFalse(qwen.isEndOfGeneration(-1));
        Tokenizer v3 = TokenizerFixtures.model("deepseek2-v3");
        assertTrue(v3.isEndOfGeneration(v3.tokenId("<｜end▁of▁sentence｜>")));
        assertFalse(v3.isEndOfGeneration(v3.tokenId("<｜begin▁of▁sentence｜>")));
        Tokenizer granite = TokenizerFixtures.model("granitemoe");
        assertTrue(granite.isEndOfGeneration(granite.tokenId("<|end_of_text|>")));
        assertTrue(granite.isEndOfGeneration(granite.tokenId("<fim_pad>")), "llama.cpp: FIM pad ends generation");
        Tokenizer oss = TokenizerFixtures.model("gpt-oss");
        assertTrue(oss.isEndOfGeneration(oss.tokenId("<|return|>")));
        assertTrue(oss.isEndOfGeneration(oss.tokenId("<|endoftext|>")));
        assertFalse(oss.isEndOfGeneration(oss.tokenId("<|start|>")));
        assertEquals(-1, oss.tokenId("no such token"));
    }

    @Test
    void harmonyEndIsNotEndOfGenerationWhenReturnAndCallExist() {
        java.util.List<String> tokens = new java.util.ArrayList<>(TinyVocab.tokens());
        tokens.addAll(java.util.List.of("<|return|>", "<|call|>", "<|end|>", "<|reserved_unused_1|>"));
        int[] types = Arrays.copyOf(TinyVocab.types(), tokens.size());
        for (int i = TinyVocab.tokens().size(); i < types.length; i++) {
            types[i] = Vocab.TYPE_CONTROL;
        }
        GgufWriter w = TinyVocab.writer();
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putArray("tokenizer.ggml.token_type", io.github.moe4j.gguf.GgufArray.ofInts(io.github.moe4j.gguf.GgufValueType.INT32, types));
        w.putUInt32("tokenizer.ggml.eot_token_id", TinyVocab.id("<|im_start|>"));
        Tokenizer tok = TinyVocab.tokenizer(w);
        int ret = tok.tokenId("<|return|>");
        int call = tok.tokenId("<|call|>");
        int end = tok.tokenId("<|end|>");
        assertTrue(tok.isEndOfGeneration(ret) && tok.isEndOfGeneration(call));
        assertFalse(tok.isEndOfGeneration(end), "o200k_harmony: <|end|> ends a message, not the generation");
        assertEquals("a<|end|>", tok.decode(tok.encode("a<|end|>", false, false), false), "<|end|> is user-defined: kept and shown");
        assertEquals(end, tok.encode("a<|end|>", false, false)[1]);
        assertTrue(tok.isEndOfGeneration(TinyVocab.id("<|im_start|>")), "tokenizer.ggml.eot_token_id");
        assertTrue(tok.isSpecial(tok.tokenId("<|reserved_unused_1|>")));
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        Tokenizer tok = TokenizerFixtures.vocab("gpt-2");
        int[] ids = tok.encode("🙂", false, false);
        assertTrue(ids.length > 1, "the emoji is several byte tokens in GPT-2");
        StreamingDecoder d = tok.newStreamingDecoder(false);
        for (int i = 0; i < ids.length - 1; i++) {
            assertEquals("", d.append(ids[i]), "incomplete UTF-8 is held back");
        }
        assertEquals("🙂", d.append(ids[ids.length - 1]));
        assertEquals("", d.flush());
        d.append(ids[0]);
        assertEquals("\uFFFD", d.flush(), "an unfinished character at the end becomes U+FFFD");
        d.append(ids[0]);
        d.reset();
        assertEquals("a", d.append(tok.encode("a", false, false)[0]), "reset forgets held-back bytes");
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[]{tok.vocabSize()}, false));
    }

    @Test
    void oneTokenizerServesManyThreads() throws Exception {
        Tokenizer tok = TokenizerFixtures.vocab("gpt-2");
        java.util.Random r = new java.util.Random(7);
        String[] texts = new String[400];
        int[][] expected = new int[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = BpeRoundTripTest.randomText(r);
            expected[i] = tok.encode(texts[i], false, true);
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int k = 0; k < 3 * texts.length; k++) {
                        int i = (k * 7 + offset * 31) % texts.length;
                        if (Arrays.equals(expected[i], tok.encode(texts[i], false, true))) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (var f : results) {
                assertEquals(3 * texts.length, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void longWordsStayFast() {
        Tokenizer gpt2 = TokenizerFixtures.vocab("gpt-2");
        Tokenizer oss = TokenizerFixtures.model("gpt-oss");
        String as = "a".repeat(200_000);
        String cjk = "日本語のテキスト".repeat(20_000);
        String mixed = "xY".repeat(50_000);
        Tokenizer dsl = TokenizerFixtures.vocab("deepseek-llm");
        String spaces = " ".repeat(100_000) + "1" + "\t".repeat(100_000) + "中" + "!?".repeat(50_000);
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(90), () -> {
            for (Tokenizer t : new Tokenizer[]{gpt2, oss}) {
                for (String s : new String[]{as, cjk, mixed}) {
                    assertEquals(s, t.decode(t.encode(s, false, false), false));
                }
            }
            for (Tokenizer t : new Tokenizer[]{gpt2, oss, dsl, TokenizerFixtures.model("deepseek2-v3"), TokenizerFixtures.model("qwen3moe")}) {
                assertEquals(spaces, t.decode(t.encode(spaces, false, false), false));
            }
        });
    }
}
