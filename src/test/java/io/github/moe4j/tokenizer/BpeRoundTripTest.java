package io.github.moe4j.tokenizer;

import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Properties on every byte-level BPE vocabulary of the fixtures: decode(encode(text)) == text for random
 * Unicode text, and a streaming decoder's pieces add up to decode() for any id sequence. Seed printed;
 * {@code -Dmoe4j.seed=N} repeats a run.
 */
class BpeRoundTripTest {
    private static final long SEED = Long.getLong("moe4j.seed", System.nanoTime());

    static List<String> files() {
        List<String> out = new ArrayList<>();
        for (String v : TokenizerFixtures.GPT2_VOCABS) {
            if (Files.exists(Fixtures.root().resolve("vocab/ggml-vocab-" + v + ".gguf"))) {
                out.add("vocab/ggml-vocab-" + v + ".gguf");
            }
        }
        // no test strings, no tokenizer.ggml.pre: llama.cpp's "default" pre-tokenizer on a real vocabulary
        if (Files.exists(Fixtures.root().resolve("vocab/ggml-vocab-gpt-neox.gguf"))) {
            out.add("vocab/ggml-vocab-gpt-neox.gguf");
        }
        for (String m : TokenizerFixtures.GPT2_MODELS) {
            out.add("models/" + m + "/" + m + "-F16.gguf");
        }
        return out;
    }

    private static final String[] WORDS = {"the", "The", "HELLO", "don't", "we'll", "I'M", "naïve", "café", "Über",
            "façade", "日本語", "中文字符", "한국어", "Привет", "مرحبا", "שלום", "ελληνικά", "हिन्दी", "ภาษาไทย",
            "🙂", "👍🏽", "🎉", "👨‍👩‍👧", "𝕏", "𐐷", "12345", "3.14159", "1,000", "$100", "€", "—", "…", "<|im_end|>",
            "<|endoftext|>", "<s>", "</s>", "<｜end▁of▁sentence｜>", "<|channel|>", "<|end|>", "a-b_c", "x=1;", "{}", "\\n",
            "'s", "'T", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ǅ", "ⅷ", "½", "~~~", "#!/bin", "\u0301e", "e\u0301"};
    private static final String[] SPACES = {" ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00A0",
            "\u3000", "\u2003", "\u0085", "\u2028", "\u000B", "\f", ""};

    static String randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(24);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
                case 0 -> sb.appendCodePoint(randomCodePoint(r));
                case 1 -> sb.append(SPACES[r.nextInt(SPACES.length)]);
                default -> sb.append(WORDS[r.nextInt(WORDS.length)]);
            }
            if (r.nextInt(3) > 0) {
                sb.append(SPACES[r.nextInt(SPACES.length)]);
            }
        }
        return sb.toString();
    }

    static int randomCodePoint(Random r) {
        while (true) {
            int cp = switch (r.nextInt(5)) {
                case 0 -> r.nextInt(0x80);
                case 1 -> 0x80 + r.nextInt(0x780);
                case 2 -> 0x4E00 + r.nextInt(0x5200);
                case 3 -> 0x1F300 + r.nextInt(0x300);
                default -> r.nextInt(0x110000);
            };
            if (!(cp >= 0xD800 && cp <= 0xDFFF)) {
                return cp;
            }
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void decodeOfEncodeGivesTheTextBack(String file) {
        Tokenizer tok = TokenizerFixtures.load(Fixtures.require(file));
        Random r = new Random(SEED ^ file.hashCode());
        boolean[] missing = missingBytes(tok);
        int checked = 0;
        for (int i = 0; i < 300; i++) {
            String text = randomText(r);
            if (usesMissingByte(text, missing)) {
                continue; // llama.cpp drops a byte the vocabulary has no token for; so do we
            }
            checked++;
            int[] ids = tok.encode(text, false, false);
            assertEquals(text, tok.decode(ids, false), () -> file + " seed " + SEED + ": " + BpeVocabFixturesTest.escape(text));
            int[] withSpecials = tok.encode(text, false, true);
            assertEquals(text, tok.decode(withSpecials, true), () -> file + " seed " + SEED + " (parse special): "
                    + BpeVocabFixturesTest.escape(text));
        }
        System.out.println(file + ": " + checked + " random texts round-trip (seed " + SEED + ")");
        assertEquals(true, checked >= 100, file + ": too few texts without missing bytes");
    }

    /** Bytes without a token of their own (some real vocabularies lack rare ones, e.g. 0xF1). */
    static boolean[] missingBytes(Tokenizer tok) {
        boolean[] m = new boolean[256];
        for (int b = 0; b < 256; b++) {
            m[b] = tok.tokenId(String.valueOf(ByteLevel.byteToChar(b))) < 0;
        }
        return m;
    }

    static boolean usesMissingByte(String text, boolean[] missing) {
        for (byte b : ByteLevel.utf8(text)) {
            if (missing[b & 0xFF]) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @MethodSource("files")
    void streamingPiecesAddUpToDecode(String file) {
        Tokenizer tok = TokenizerFixtures.load(Fixtures.require(file));
        Random r = new Random(SEED ^ ~file.hashCode());
        for (int i = 0; i < 300; i++) {
            int[] ids;
            if (i % 2 == 0) {
                ids = tok.encode(randomText(r), false, true);
            } else {
                ids = new int[1 + r.nextInt(12)];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = r.nextInt(tok.vocabSize());
                }
            }
            for (boolean show : new boolean[]{false, true}) {
                StreamingDecoder d = tok.newStreamingDecoder(show);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    String s = d.append(id);
                    sb.append(s);
                    // never emits half of a surrogate pair or an unfinished sequence as U+FFFD too early
                    if (!s.isEmpty()) {
                        assertEquals(false, Character.isHighSurrogate(s.charAt(s.length() - 1)), "dangling high surrogate");
                    }
                }
                sb.append(d.flush());
                int[] copy = ids;
                assertEquals(tok.decode(ids, show), sb.toString(), () -> file + " seed " + SEED + " ids " + java.util.Arrays.toString(copy));
            }
        }
    }
}
