package io.github.moe4j.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static io.github.moe4j.tokenizer.SpmWpmTestSupport.decode;
import static io.github.moe4j.tokenizer.SpmWpmTestSupport.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** WordPiece against llama.cpp's expected ids for bert-bge, and its normalization rules. */
class WordPieceModelTest {
    private static final String NAME = "ggml-vocab-bert-bge";

    private static WordPieceModel bge() {
        return new WordPieceModel(SpmWpmFixtures.vocab("vocab/" + NAME + ".gguf"));
    }

    @TestFactory
    Stream<DynamicTest> bertBgeCases() {
        WordPieceModel model = bge();
        List<SpmWpmFixtures.Case> cases = SpmWpmFixtures.cases(NAME);
        assertEquals(46, cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(NAME + " " + c, () ->
                assertArrayEquals(c.ids(), encode(model, c.text()), NAME + " " + c)));
    }

    @Test
    void preprocessing() {
        WordPieceModel m = bge();
        // lowercase, accents stripped (é -> e), punctuation and ASCII symbols split off, CJK one per word
        assertEquals(List.of("cafe", ",", "naive", "$", "5", "中", "文", "x"),
                m.preprocess("Café, NAÏVE$5中文x"));
        // non-ASCII symbols stay inside words; controls and format characters vanish; NBSP separates
        assertEquals(List.of("a€b", "cd", "e"), m.preprocess("a€b c\u0001\u200Bd\u00A0e"));
        // U+001F is a control (dropped), not whitespace as Java's isWhitespace says
        assertEquals(List.of("ab"), m.preprocess("a\u001Fb"));
        assertEquals(List.of(), m.preprocess(" \t\n "));
    }

    @Test
    void unknownWordIsOneUnknownToken() {
        WordPieceModel m = bge();
        assertEquals(100, m.unknownId());
        int[] ids = encode(m, "hello \uD83D\uDE00 world");
        assertEquals(3, ids.length);
        assertEquals(100, ids[1]);
    }

    @Test
    void piecesDecodeWithSpacesBeforeWords() {
        WordPieceModel m = bge();
        assertEquals(" hello world!", decode(m, encode(m, "Hello World!")).replace(" !", "!"));
        assertArrayEquals("[CLS]".getBytes(StandardCharsets.UTF_8), m.pieceBytes(101));
        assertFalse(m.stripsLeadingSpace());
    }

    @Test
    void piecesSpellTheNormalizedWords() {
        // property: when no word is unknown, the pieces give " " + the normalized words joined by spaces
        WordPieceModel m = bge();
        java.util.Random r = new java.util.Random(11);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()[]-+=/\t\néèüßçñ中文日本語";
        int checked = 0;
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(60);
            for (int k = 0; k < n; k++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            int[] ids = encode(m, text);
            if (java.util.Arrays.stream(ids).anyMatch(id -> id == m.unknownId())) {
                continue;
            }
            List<String> words = m.preprocess(text);
            String expected = words.isEmpty() ? "" : " " + String.join(" ", words);
            assertEquals(expected, decode(m, ids), SpmWpmTestSupport.quote(text));
            checked++;
        }
        assertEquals(true, checked > 300, "checked " + checked);
    }

    @Test
    void longWordsAndLongInputsStayLinear() {
        WordPieceModel m = bge();
        String word = "ab".repeat(50_000);
        long t0 = System.nanoTime();
        int[] ids = encode(m, word + " " + "the cat sat. ".repeat(20_000));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(true, ids.length > 80_000, "ids " + ids.length);
        assertEquals(true, ms < 20_000, "took " + ms + " ms");
    }
}
