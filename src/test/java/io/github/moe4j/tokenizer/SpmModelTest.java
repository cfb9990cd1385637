package io.github.moe4j.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.github.moe4j.tokenizer.SpmWpmTestSupport.decode;
import static io.github.moe4j.tokenizer.SpmWpmTestSupport.encode;
import static io.github.moe4j.tokenizer.SpmWpmTestSupport.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SentencePiece BPE against llama.cpp's expected ids (vocab fixtures, the mixtral model) and by construction. */
class SpmModelTest {

    // ---- llama.cpp's vocab test files --------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> llamaSpmCases() {
        return fixtureCases("ggml-vocab-llama-spm");
    }

    @TestFactory
    Stream<DynamicTest> phi3Cases() {
        return fixtureCases("ggml-vocab-phi-3");
    }

    private static Stream<DynamicTest> fixtureCases(String name) {
        Vocab vocab = SpmWpmFixtures.vocab("vocab/" + name + ".gguf");
        SpmModel model = new SpmModel(vocab);
        List<SpmWpmFixtures.Case> cases = SpmWpmFixtures.cases(name);
        assertEquals(46, cases.size(), name);
        return cases.stream().map(c -> DynamicTest.dynamicTest(name + " " + c, () ->
                assertArrayEquals(c.ids(), encode(model, c.text()), name + " " + c)));
    }

    // ---- the mixtral fixture model -------------------------------------------------------------------

    @Test
    void mixtralTokenizerCases() throws IOException {
        Vocab vocab = SpmWpmFixtures.vocab("models/mixtral/mixtral-F16.gguf");
        SpmModel model = new SpmModel(vocab);
        Path json = Fixtures.require("models/mixtral/tokenizer_cases.json");
        JsonObject root = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
        JsonArray cases = root.getAsJsonArray("cases");
        assertEquals(33, cases.size());
        List<String> failures = new ArrayList<>();
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] expected = ints(c.getAsJsonArray("ids"));
            int[] actual = encode(model, text);
            if (!java.util.Arrays.equals(expected, actual)) {
                failures.add(quote(text) + ": expected " + java.util.Arrays.toString(expected)
                        + " got " + java.util.Arrays.toString(actual));
            }
            // detokenized = the pieces of ids concatenated, leading space included (token_to_piece, lstrip 0)
            String detok = c.get("detokenized").getAsString();
            if (!detok.equals(decode(model, expected))) {
                failures.add(quote(text) + ": pieces give " + quote(decode(model, expected)) + " not " + quote(detok));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        // ids_add_special is BOS + ids: the shared tokenizer's part, checked here as a statement of fact
        JsonObject first = cases.get(0).getAsJsonObject();
        int[] withSpecial = ints(first.getAsJsonArray("ids_add_special"));
        assertEquals(1, withSpecial[0]);
        assertEquals(root.get("bos_id").getAsInt(), withSpecial[0]);
    }

    private static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    // ---- by construction: a tiny vocabulary ------------------------------------------------------------

    @TempDir
    Path tmp;

    /** tokens with scores; all NORMAL except as typed in {@code types} (null = all normal). */
    private Vocab tiny(List<String> tokens, float[] scores, int[] types, Boolean addSpacePrefix) throws IOException {
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama")
                .putString(Vocab.KEY_MODEL, "llama")
                .putStrings(Vocab.KEY_TOKENS, tokens)
                .putArray(Vocab.KEY_SCORES, GgufArray.ofFloats(scores));
        if (types != null) {
            w.putArray(Vocab.KEY_TOKEN_TYPE, GgufArray.ofInts(GgufValueType.INT32, types));
        }
        if (addSpacePrefix != null) {
            w.putBool(SpmModel.KEY_ADD_SPACE_PREFIX, addSpacePrefix);
        }
        Path p = Files.createTempFile(tmp, "vocab", ".gguf");
        w.write(p);
        try (GgufModel m = GgufModel.open(p)) {
            return Vocab.read(m.metadata());
        }
    }

    @Test
    void highestScoreMergesFirstAndTiesGoLeft() throws IOException {
        // "abc": ab (score -1) and bc (score -1) tie, the leftmost wins -> ab, c
        Vocab v = tiny(List.of("<unk>", "a", "b", "c", "ab", "bc"),
                new float[] {0, -5, -5, -5, -1, -1}, null, false);
        SpmModel m = new SpmModel(v);
        assertArrayEquals(new int[] {4, 3}, encode(m, "abc"));
        // a higher score on the right wins over position
        Vocab v2 = tiny(List.of("<unk>", "a", "b", "c", "ab", "bc"),
                new float[] {0, -5, -5, -5, -2, -1}, null, false);
        assertArrayEquals(new int[] {1, 5}, encode(new SpmModel(v2), "abc"));
    }

    @Test
    void mergesChainThroughIntermediatePieces() throws IOException {
        Vocab v = tiny(List.of("<unk>", "▁", "h", "i", "▁h", "▁hi", "hi"),
                new float[] {0, -9, -9, -9, -3, -1, -2}, null, null);
        SpmModel m = new SpmModel(v);
        // " hi" = ▁ h i: hi (-2) beats ▁h (-3); then ▁ + hi = ▁hi, a token, merges
        assertArrayEquals(new int[] {5}, encode(m, "hi"));
        assertEquals(" hi", decode(m, encode(m, "hi")));
        // no prefix unless the fragment starts the input / follows a special token
        IntList out = new IntList();
        m.encode("hi", false, out);
        assertArrayEquals(new int[] {6}, out.toArray());
    }

    @Test
    void byteFallbackThenUnknown() throws IOException {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "a"));
        int[] types = new int[3 + 1 + 2];
        types[0] = Vocab.TYPE_UNKNOWN;
        types[1] = Vocab.TYPE_CONTROL;
        types[2] = Vocab.TYPE_CONTROL;
        types[3] = Vocab.TYPE_NORMAL;
        tokens.add("<0xC3>");
        tokens.add("<0xA9>");
        types[4] = Vocab.TYPE_BYTE;
        types[5] = Vocab.TYPE_BYTE;
        Vocab v = tiny(tokens, new float[6], types, false);
        SpmModel m = new SpmModel(v);
        // é = C3 A9: both bytes have tokens; ü = C3 BC: BC has none -> unknown (id 0)
        assertArrayEquals(new int[] {3, 4, 5}, encode(m, "aé"));
        assertArrayEquals(new int[] {4, 0}, encode(m, "ü"));
        assertEquals("aé", decode(m, encode(m, "aé")));
        assertArrayEquals(new byte[] {(byte) 0xC3}, m.pieceBytes(4));
        assertArrayEquals("<s>".getBytes(StandardCharsets.UTF_8), m.pieceBytes(1)); // control: its text
    }

    @Test
    void malformedByteTokenIsAFormatError() throws IOException {
        Vocab v = tiny(List.of("<unk>", "<0xZZ>"), new float[2], new int[] {2, 6}, null);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> new SpmModel(v));
        assertTrue(e.getMessage().contains("<0xZZ>"), e.getMessage());
    }

    @Test
    void spacePrefixFlag() throws IOException {
        Vocab on = tiny(List.of("<unk>", "x"), new float[2], null, null);
        assertTrue(new SpmModel(on).addSpacePrefix());
        assertTrue(new SpmModel(on).stripsLeadingSpace());
        Vocab off = tiny(List.of("<unk>", "x"), new float[2], null, false);
        assertFalse(new SpmModel(off).addSpacePrefix());
        assertArrayEquals(new int[] {1}, encode(new SpmModel(off), "x"));
    }

    @Test
    void emptyFragmentGivesNothing() throws IOException {
        // llama.cpp has no fragment at all for empty text, so no space prefix either
        Vocab v = tiny(List.of("<unk>", "▁"), new float[2], null, null);
        SpmModel m = new SpmModel(v);
        IntList out = new IntList();
        m.encode("", false, out);
        m.encode("", true, out);
        assertEquals(0, out.size());
    }
}
