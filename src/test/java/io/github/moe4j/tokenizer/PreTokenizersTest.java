package io.github.moe4j.tokenizer;

import io.github.moe4j.api.UnsupportedModelException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pre-tokenizer registry, and the hand-written splitters against the regexes they replace. */
class PreTokenizersTest {
    private static final long SEED = Long.getLong("moe4j.seed", System.nanoTime());

    private static final String[] EXTRA = {"'s", "'S", "'re", "'RE", "'Ll", "'ve", "'d", "'", "''", " '", "x'", "\r", "\n",
            "\r\n", "  \n ", " \t ", "ÜBER", "éABC", "ABCé", "CamelCASE", "HTTPServer", "naïveÉtat", "日本Ab", "/\n/", "!\n/x",
            "DON'T", "Don'Ts", "x'LL", "ǅa", "ǲB", "~", "~a", "~é", "(abc", "((x", " (x", "-naïve", "\u0301",
            " \u0301a", "1a", "€5", "~1", "#1", "'", "a~b", "$$", " $", "123456789", "١٢٣", "Ⅻ", "½", "!!", " !", "?\n", ".\r\n", "  ", "    ", "a b", "\u000B"};

    static String randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(20);
        for (int i = 0; i < n; i++) {
            if (r.nextBoolean()) {
                sb.append(EXTRA[r.nextInt(EXTRA.length)]);
            } else {
                sb.append(BpeRoundTripTest.randomText(r));
            }
        }
        return sb.toString();
    }

    private static int[] run(PreTokenizers.Splitter s, String masked, int from, int to) {
        PreTokenizers.Bounds b = new PreTokenizers.Bounds();
        s.split(masked, from, to, b);
        return Arrays.copyOf(b.a, 2 * b.n);
    }

    @Test
    void handWrittenSplittersEqualTheRegexes() {
        Random r = new Random(SEED);
        for (String regex : List.of(PreTokenizers.GPT2, PreTokenizers.LLAMA3, PreTokenizers.QWEN2, PreTokenizers.GPT4O,
                PreTokenizers.DEEPSEEK3)) {
            PreTokenizers.Splitter fast = PreTokenizers.splitter(regex);
            PreTokenizers.Splitter slow = PreTokenizers.regexSplitter(regex);
            assertTrue(fast instanceof PreTokenizers.RegexSplitter == false, "a hand-written splitter is used");
            for (int i = 0; i < Integer.getInteger("moe4j.splitter.cases", 3000); i++) {
                String text = randomText(r);
                String masked = PreTokenizers.maskWhitespace(text);
                int from = 0;
                int to = masked.length();
                if (i % 3 == 0 && to > 2) { // a sub-range, as after an earlier split (never inside a surrogate pair)
                    from = r.nextInt(to / 2);
                    to = from + 1 + r.nextInt(to - from - 1);
                    if (Character.isLowSurrogate(masked.charAt(from))) {
                        from--;
                    }
                    if (to < masked.length() && Character.isLowSurrogate(masked.charAt(to))) {
                        to++;
                    }
                }
                int f = from;
                int t = to;
                assertArrayEquals(run(slow, masked, from, to), run(fast, masked, from, to),
                        () -> "seed " + SEED + " " + regex + " on " + BpeVocabFixturesTest.escape(text) + " [" + f + ", " + t + ")");
            }
        }
    }

    @Test
    void namesAndErrors() {
        for (String n : List.of("default", "qwen2", "llama-bpe", "deepseek-llm", "deepseek-v3", "deepseek-coder", "olmo",
                "gpt-2", "refact", "starcoder", "falcon", "mpt", "command-r", "gpt-4o")) {
            assertEquals(n, PreTokenizers.forName(n, Path.of("x.gguf")).name());
        }
        assertEquals("default", PreTokenizers.forName(null, Path.of("x.gguf")).name(), "absent key: llama.cpp's default");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> PreTokenizers.forName("mystery-7", Path.of("m.gguf")));
        assertTrue(e.getMessage().contains("m.gguf") && e.getMessage().contains("mystery-7"), e.getMessage());
    }

    @Test
    void splitsCoverTheText() {
        Random r = new Random(SEED + 1);
        for (String n : PreTokenizers.names()) {
            PreTokenizers.PreTokenizer p = PreTokenizers.forName(n, null);
            for (int i = 0; i < 50; i++) {
                String text = randomText(r);
                assertEquals(text, String.join("", p.split(text)), () -> n + " seed " + SEED);
            }
        }
    }
}
