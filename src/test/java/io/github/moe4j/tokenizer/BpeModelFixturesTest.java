package io.github.moe4j.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fixture models' byte-level BPE vocabularies (models/TAG/tokenizer_cases.json, llama.cpp's
 * tokenization of 33 strings): ids, ids with BOS/EOS and the concatenated pieces all match, and every
 * reference case's prompt tokenizes to its prompt_token_ids.
 */
class BpeModelFixturesTest {

    static String[] models() {
        return TokenizerFixtures.ALL_MODELS;
    }

    private static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    @ParameterizedTest
    @MethodSource("models")
    void tokenizerCasesMatchLlamaCpp(String tag) throws IOException {
        Tokenizer tok = TokenizerFixtures.model(tag);
        JsonObject root = JsonParser.parseString(Files.readString(Fixtures.require("models/" + tag + "/tokenizer_cases.json")))
                .getAsJsonObject();
        assertEquals(root.get("n_vocab").getAsInt(), tok.vocabSize(), tag + " n_vocab");
        assertEquals(root.get("add_bos").getAsBoolean(), tok.addBos(), tag + " add_bos");
        assertEquals(root.get("bos_id").getAsInt(), tok.bosId(), tag + " bos_id");
        assertEquals(root.get("eos_id").getAsInt(), tok.eosId(), tag + " eos_id");
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (JsonElement e : root.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] ids = ints(c.getAsJsonArray("ids"));
            int[] idsSpecial = ints(c.getAsJsonArray("ids_add_special"));
            String detok = c.get("detokenized").getAsString();
            int[] got = tok.encode(text, false, false);
            int[] gotSpecial = tok.encode(text, true, false);
            // the fixture's detokenized is the token pieces concatenated (llama_token_to_piece), which
            // for SentencePiece keeps the encoder's leading space that decode() drops
            java.io.ByteArrayOutputStream pieces = new java.io.ByteArrayOutputStream();
            for (int id : ids) {
                pieces.writeBytes(tok.tokenBytes(id));
            }
            String gotDetok = pieces.toString(java.nio.charset.StandardCharsets.UTF_8);
            String decoded = tok.decode(ids, false);
            if (!decoded.equals(text)) {
                failures.add(BpeVocabFixturesTest.escape(text) + " decode(ids): got " + BpeVocabFixturesTest.escape(decoded));
            }
            if (!Arrays.equals(ids, got)) {
                failures.add(BpeVocabFixturesTest.escape(text) + " ids\n  expected " + Arrays.toString(ids) + "\n  got      " + Arrays.toString(got));
            }
            if (!Arrays.equals(idsSpecial, gotSpecial)) {
                failures.add(BpeVocabFixturesTest.escape(text) + " ids_add_special\n  expected " + Arrays.toString(idsSpecial)
                        + "\n  got      " + Arrays.toString(gotSpecial));
            }
            if (!detok.equals(gotDetok)) {
                failures.add(BpeVocabFixturesTest.escape(text) + " detokenized: got " + BpeVocabFixturesTest.escape(gotDetok));
            }
            n++;
        }
        System.out.println(tag + ": " + n + " tokenizer cases, " + failures.size() + " mismatches");
        if (!failures.isEmpty()) {
            fail(tag + ": " + failures.size() + " mismatches:\n" + String.join("\n", failures));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void referencePromptsTokenizeToTheirIds(String tag) throws IOException {
        Tokenizer tok = TokenizerFixtures.model(tag);
        Path refs = Fixtures.require("models/" + tag + "/ref");
        int checked = 0;
        try (var dirs = Files.list(refs)) {
            for (Path dir : dirs.sorted().toList()) {
                Path manifest = dir.resolve("manifest.json");
                if (!Files.exists(manifest) || !dir.getFileName().toString().startsWith("F16.")) {
                    continue;
                }
                JsonObject m = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
                int[] expected = ints(m.getAsJsonArray("prompt_token_ids"));
                assertArrayEquals(expected, tok.encode(m.get("prompt_text").getAsString(), true, false),
                        tag + " " + dir.getFileName() + " prompt_token_ids");
                checked++;
            }
        }
        assertEquals(2, checked, tag + ": F16.p1 and F16.p2 reference cases");
    }
}
