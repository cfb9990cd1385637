package io.github.moe4j.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.github.moe4j.tokenizer.SpmWpmTestSupport.decode;
import static io.github.moe4j.tokenizer.SpmWpmTestSupport.encode;
import static io.github.moe4j.tokenizer.SpmWpmTestSupport.quote;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property: for a SentencePiece vocabulary with a space prefix, the pieces of encode(text) spell
 * " " + text exactly, for random Unicode text (emoji, CJK, accents, whitespace runs; newlines and
 * tabs through byte fallback). U+2581 itself is left out: it decodes as a space by design.
 */
class SpmRoundTripTest {
    private static final int CASES = 400;

    /** Pools the random text draws from, each a list of code point ranges. */
    private static final int[][] POOLS = {
            {'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'},
            {' ', ' '}, {'\n', '\n'}, {'\t', '\t'}, {'\r', '\r'},
            {0xC0, 0x17F},          // Latin-1 supplement and Latin extended-A
            {0x391, 0x3C9},         // Greek
            {0x410, 0x44F},         // Cyrillic
            {0x4E00, 0x9FFF},       // CJK ideographs
            {0x3040, 0x30FF},       // kana
            {0xAC00, 0xD7A3},       // Hangul syllables
            {0x1F300, 0x1F64F},     // emoji (surrogate pairs)
            {0x1F900, 0x1F9FF},
            {0x0300, 0x036F},       // combining marks
            {0x2000, 0x206F},       // general punctuation (odd spaces, zero-width characters)
            {0x01, 0x1F},           // control characters
    };

    static String randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(40);
        for (int i = 0; i < n; i++) {
            int[] pool = POOLS[r.nextInt(POOLS.length)];
            int run = r.nextInt(4) == 0 ? 1 + r.nextInt(5) : 1; // runs of the same class, e.g. spaces
            for (int k = 0; k < run; k++) {
                int cp = pool[0] + r.nextInt(pool[1] - pool[0] + 1);
                if (cp == SpmModel.SPACE_MARK || Character.getType(cp) == Character.SURROGATE) {
                    continue;
                }
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf",
            "vocab/ggml-vocab-baichuan.gguf", "models/mixtral/mixtral-F16.gguf"})
    void piecesSpellTheTextWithItsSpacePrefix(String file) {
        SpmModel model = new SpmModel(SpmWpmFixtures.vocab(file));
        assertTrue(model.addSpacePrefix(), file);
        Random r = new Random(file.hashCode());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            String text = randomText(r);
            String decoded = decode(model, encode(model, text));
            String expected = text.isEmpty() ? "" : " " + text;
            if (!decoded.equals(expected) && failures.size() < 10) {
                failures.add(quote(text) + " -> " + quote(decoded));
            }
        }
        assertTrue(failures.isEmpty(), file + ":\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-baichuan.gguf"})
    void longInputsStayFast(String file) {
        SpmModel model = new SpmModel(SpmWpmFixtures.vocab(file));
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 200_000) {
            sb.append(randomText(r)).append(' ');
        }
        sb.append("a".repeat(100_000)).append(" ".repeat(50_000)); // long runs of one symbol
        String text = sb.toString();
        long t0 = System.nanoTime();
        String decoded = decode(model, encode(model, text));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(decoded.equals(" " + text), "round trip of the long input");
        assertTrue(ms < 30_000, "took " + ms + " ms"); // a quadratic merge would take hours
    }
}
