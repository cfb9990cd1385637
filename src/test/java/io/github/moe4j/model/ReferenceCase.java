package io.github.moe4j.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** One llama.cpp reference case of the shared fixtures ({@code models/<tag>/ref/<TYPE>.<prompt>/}). */
record ReferenceCase(String tag, String variant, String prompt, Path model, int[] promptIds, int[] genIds, int nVocab,
                     float[] logitsPrompt, float[] logitsGen, java.util.Map<Integer, List<Set<Integer>>> routing, float[] hidden) {

    static ReferenceCase load(String tag, String variant, String prompt) throws IOException {
        Path dir = Fixtures.require("models/" + tag + "/ref/" + variant + "." + prompt);
        JsonObject m = JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
        Path model = Fixtures.require("models/" + tag + "/" + m.get("model_file").getAsString());
        int[] p = ints(m.getAsJsonArray("prompt_token_ids"));
        int[] g = ints(m.getAsJsonArray("generated_token_ids"));
        int nVocab = m.get("n_vocab").getAsInt();
        float[] lp = floats(dir.resolve("logits_prompt.f32"));
        float[] lg = floats(dir.resolve("logits_gen.f32"));
        if (lp.length != p.length * nVocab || lg.length != g.length * nVocab) {
            throw new IOException(dir + ": logits sizes do not match the manifest");
        }
        JsonObject r = JsonParser.parseString(Files.readString(dir.resolve("routing.json"))).getAsJsonObject();
        java.util.Map<Integer, List<Set<Integer>>> routing = new java.util.TreeMap<>();
        for (JsonElement le : r.getAsJsonArray("layers")) {
            List<Set<Integer>> perToken = new ArrayList<>();
            for (JsonElement te : le.getAsJsonObject().getAsJsonArray("experts")) {
                Set<Integer> s = new HashSet<>();
                for (JsonElement x : te.getAsJsonArray()) {
                    s.add(x.getAsInt());
                }
                perToken.add(s);
            }
            routing.put(le.getAsJsonObject().get("layer").getAsInt(), perToken);
        }
        Path hf = dir.resolve("hidden.f32");
        float[] hidden = Files.exists(hf) ? floats(hf) : null;
        return new ReferenceCase(tag, variant, prompt, model, p, g, nVocab, lp, lg, routing, hidden);
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsInt();
        }
        return v;
    }

    static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
