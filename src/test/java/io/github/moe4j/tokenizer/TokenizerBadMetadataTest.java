package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad tokenizer input is a clear exception naming the file and the key; a good tiny vocabulary works. */
class TokenizerBadMetadataTest {

    private static <T extends Throwable> void fails(Class<T> type, Consumer<GgufWriter> change, String... mentions) {
        GgufWriter w = TinyVocab.writer();
        change.accept(w);
        Executable build = () -> TinyVocab.tokenizer(w);
        T e = assertThrows(type, build);
        String msg = e.getMessage();
        assertTrue(msg.contains(TinyVocab.FILE.toString()), () -> "message names the file: " + msg);
        for (String m : mentions) {
            assertTrue(msg.contains(m), () -> "message mentions '" + m + "': " + msg);
        }
    }

    @Test
    void theTinyVocabularyWorks() {
        Tokenizer tok = TinyVocab.tokenizer(TinyVocab.writer());
        assertEquals(TinyVocab.tokens().size(), tok.vocabSize());
        int[] ids = tok.encode("the and the", false, false);
        assertArrayEquals(new int[]{TinyVocab.id("the"), TinyVocab.id("Ġand"), TinyVocab.id("Ġthe")}, ids);
        assertEquals("the and the", tok.decode(ids, false));
        assertEquals(TinyVocab.id("<|endoftext|>"), tok.bosId());
        assertTrue(tok.isEndOfGeneration(TinyVocab.id("<|im_end|>")));
        assertTrue(tok.isEndOfGeneration(TinyVocab.id("<|endoftext|>")));
        assertTrue(!tok.isEndOfGeneration(TinyVocab.id("<|im_start|>")));
    }

    @Test
    void missingOrWrongModelKey() {
        fails(GgufFormatException.class, w -> w.remove("tokenizer.ggml.model"), "tokenizer.ggml.model");
        fails(UnsupportedModelException.class, w -> w.putString("tokenizer.ggml.model", "rwkv-x"), "rwkv-x");
    }

    @Test
    void unknownPreTokenizerIsNamedNotGuessed() {
        fails(UnsupportedModelException.class, w -> w.putString("tokenizer.ggml.pre", "qwen9-mystery"),
                "tokenizer.ggml.pre", "qwen9-mystery");
    }

    @Test
    void missingArrays() {
        fails(GgufFormatException.class, w -> w.remove("tokenizer.ggml.tokens"), "tokenizer.ggml.tokens");
        fails(GgufFormatException.class, w -> w.remove("tokenizer.ggml.merges"), "tokenizer.ggml.merges");
        fails(GgufFormatException.class, w -> w.putArray("tokenizer.ggml.tokens", GgufArray.ofInts(GgufValueType.INT32, 1, 2)),
                "tokenizer.ggml.tokens");
    }

    @Test
    void inconsistentArrays() {
        fails(GgufFormatException.class, w -> w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, 1, 1, 1)),
                "tokenizer.ggml.token_type");
        fails(GgufFormatException.class, w -> w.putArray("tokenizer.ggml.scores", GgufArray.ofFloats(0f)),
                "tokenizer.ggml.scores");
    }

    @Test
    void wrongValueTypes() {
        fails(GgufFormatException.class, w -> w.putStrings("tokenizer.ggml.token_type", TinyVocab.tokens()),
                "tokenizer.ggml.token_type");
        fails(GgufFormatException.class, w -> w.putStrings("tokenizer.ggml.scores", TinyVocab.tokens()),
                "tokenizer.ggml.scores");
        fails(GgufFormatException.class, w -> w.putArray("tokenizer.ggml.merges", GgufArray.ofInts(GgufValueType.INT32, 1)),
                "tokenizer.ggml.merges");
        fails(GgufFormatException.class, w -> w.putString("tokenizer.ggml.bos_token_id", "one"), "tokenizer.ggml.bos_token_id");
        fails(GgufFormatException.class, w -> w.putUInt32("tokenizer.ggml.add_bos_token", 1), "tokenizer.ggml.add_bos_token");
        fails(GgufFormatException.class, w -> w.putUInt32("tokenizer.ggml.pre", 7), "tokenizer.ggml.pre");
        fails(GgufFormatException.class, w -> w.putUInt32("tokenizer.ggml.model", 7), "tokenizer.ggml.model");
    }

    @Test
    void badMerges() {
        fails(GgufFormatException.class, w -> w.putStrings("tokenizer.ggml.merges", List.of("t h", "zz qq")),
                "tokenizer.ggml.merges[1]", "zz");
        fails(GgufFormatException.class, w -> w.putStrings("tokenizer.ggml.merges", List.of("th")),
                "tokenizer.ggml.merges[0]");
    }

    @Test
    void idsOutOfRange() {
        for (String key : List.of("bos_token_id", "eos_token_id", "eot_token_id", "eom_token_id", "fim_pad_token_id")) {
            fails(GgufFormatException.class, w -> w.putUInt32("tokenizer.ggml." + key, 100_000), "tokenizer.ggml." + key, "100000");
        }
    }

    @Test
    void addBosWithoutBos() {
        fails(GgufFormatException.class, w -> {
            w.putBool("tokenizer.ggml.add_bos_token", true);
            w.putInt32("tokenizer.ggml.bos_token_id", -1);
        }, "add_bos_token", "bos_token_id");
    }

    @Test
    void llama3StyleVocabulariesTakeWholeWordsBeforeMerging() {
        java.util.List<String> tokens = new java.util.ArrayList<>(TinyVocab.tokens());
        tokens.add("Ġxyz"); // a token no merge leads to
        int[] types = java.util.Arrays.copyOf(TinyVocab.types(), tokens.size());
        types[tokens.size() - 1] = Vocab.TYPE_NORMAL;
        GgufWriter w = TinyVocab.writer();
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types));
        int xyz = tokens.size() - 1;
        assertArrayEquals(new int[]{TinyVocab.id("Ġ"), TinyVocab.id("x"), TinyVocab.id("y"), TinyVocab.id("z")},
                TinyVocab.tokenizer(w).encode(" xyz", false, false), "qwen2: merges only");
        w.putString("tokenizer.ggml.pre", "llama-bpe");
        w.remove("tokenizer.ggml.add_bos_token");
        Tokenizer llama3 = TinyVocab.tokenizer(w);
        for (int i = 0; i < 2; i++) { // the second time from the piece cache
            assertArrayEquals(new int[]{TinyVocab.id("<|endoftext|>"), xyz, TinyVocab.id("Ġthe")},
                    llama3.encode(" xyz the", true, false), "llama-bpe: ignore_merges finds the whole word; BOS by default");
        }
    }

    @Test
    void aMergeResultThatIsNotATokenFallsBackToItsCharacters() {
        GgufWriter w = TinyVocab.writer();
        w.putStrings("tokenizer.ggml.merges", List.of("q r"));
        assertArrayEquals(new int[]{TinyVocab.id("q"), TinyVocab.id("r")}, TinyVocab.tokenizer(w).encode("qr", false, false));
    }

    @Test
    void absentKeysTakeLlamaCppDefaults() {
        GgufWriter w = TinyVocab.writer();
        w.remove("tokenizer.ggml.bos_token_id").remove("tokenizer.ggml.eos_token_id").remove("tokenizer.ggml.add_bos_token");
        Tokenizer tok = TinyVocab.tokenizer(w);
        assertEquals(11, tok.bosId(), "gpt2 default BOS");
        assertEquals(11, tok.eosId(), "gpt2 default EOS");
        assertEquals(false, tok.addBos(), "qwen2: no BOS by default");
        w.putString("tokenizer.ggml.pre", "llama-bpe");
        assertEquals(true, TinyVocab.tokenizer(w).addBos(), "llama-bpe adds BOS by default");
        w.remove("tokenizer.ggml.pre");
        assertArrayEquals(new int[]{TinyVocab.id("the")}, TinyVocab.tokenizer(w).encode("the", false, false),
                "no pre key: llama.cpp's default pre-tokenizer");
    }
}
