package io.github.moe4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code moe4j info --json} on every public fixture, checked against the fixture index written by llama.cpp's tools. */
class InfoFixturesTest {

    static JsonObject infoJson(Path model, String... extra) {
        List<String> args = new ArrayList<>(List.of("info", "--json"));
        args.addAll(List.of(extra));
        args.add(model.toString());
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), model + ": " + r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    static JsonObject read(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    static Map<String, Integer> counts(JsonObject o) {
        Map<String, Integer> m = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            m.put(e.getKey(), e.getValue().getAsInt());
        }
        return m;
    }

    @Test
    void everyFixtureModelIsDescribedCorrectly() throws Exception {
        Path dir = Fixtures.require("models");
        JsonObject index = read(dir.resolve("index.json"));
        int files = 0;
        for (JsonElement me : index.getAsJsonArray("models")) {
            JsonObject model = me.getAsJsonObject();
            JsonObject config = model.getAsJsonObject("config");
            String tag = model.get("tag").getAsString();
            JsonObject tensorsJson = read(dir.resolve(tag).resolve("tensors.json"));
            long nExpert = config.get("n_expert").getAsLong();
            long nUsed = config.get("n_expert_used").getAsLong();
            for (Map.Entry<String, JsonElement> fe : model.getAsJsonObject("files").entrySet()) {
                String variant = fe.getKey();
                JsonObject file = fe.getValue().getAsJsonObject();
                Path path = dir.resolve(file.get("file").getAsString());
                String what = tag + "/" + variant;
                JsonObject info = infoJson(path, "--tensors");
                files++;

                assertEquals(model.get("arch").getAsString(), info.get("architecture").getAsString(), what);
                Map<String, Integer> expectedTypes = counts(file.getAsJsonObject("tensor_type_counts"));
                assertEquals(expectedTypes, counts(info.getAsJsonObject("quant_types")), what);
                assertEquals(expectedTypes.values().stream().mapToInt(Integer::intValue).sum(),
                        info.get("tensor_count").getAsInt(), what);
                assertEquals(model.get("n_params").getAsLong(), info.get("parameter_count").getAsLong(), what);
                assertEquals(config.get("n_ctx_train").getAsLong(), info.get("context_length").getAsLong(), what);
                assertEquals(config.get("n_layer").getAsLong(), info.get("block_count").getAsLong(), what);
                assertEquals(config.get("n_embd").getAsLong(), info.get("embedding_length").getAsLong(), what);
                assertEquals(nExpert, info.get("expert_count").getAsLong(), what);
                assertEquals(nUsed, info.get("expert_used_count").getAsLong(), what);
                assertEquals(model.get("n_vocab").getAsLong(), info.get("vocab_size").getAsLong(), what);
                assertEquals(file.get("bytes").getAsLong(), info.get("file_bytes").getAsLong(), what);
                JsonArray shards = info.getAsJsonArray("shards");
                assertEquals(1, shards.size(), what);
                assertEquals(path.toString(), shards.get(0).getAsString(), what);

                // tensor list against llama.cpp's view of the same file; active parameters computed independently
                JsonObject expectedTensors = tensorsJson.getAsJsonObject(variant);
                JsonArray listed = info.getAsJsonArray("tensors");
                assertEquals(expectedTensors.size(), listed.size(), what);
                long active = 0;
                for (JsonElement te : listed) {
                    JsonObject t = te.getAsJsonObject();
                    String name = t.get("name").getAsString();
                    JsonObject exp = expectedTensors.getAsJsonObject(name);
                    assertNotNull(exp, what + ": unexpected tensor " + name);
                    assertEquals(exp.get("type").getAsString(), t.get("type").getAsString(), what + " " + name);
                    assertEquals(exp.getAsJsonArray("ne"), t.getAsJsonArray("shape"), what + " " + name);
                    long n = 1;
                    for (JsonElement d : exp.getAsJsonArray("ne")) {
                        n *= d.getAsLong();
                    }
                    JsonArray ne = exp.getAsJsonArray("ne");
                    boolean expert = name.contains("_exps") && ne.get(ne.size() - 1).getAsLong() == nExpert;
                    active += expert ? n / nExpert * nUsed : n;
                }
                assertEquals(active, info.get("active_parameter_count").getAsLong(), what);
                assertTrue(active < info.get("parameter_count").getAsLong(), what + ": experts make active < total");
            }
        }
        assertEquals(41, files, "8 architectures x 5 variants + gpt-oss MXFP4_MOE");
    }

    @Test
    void splitFixtureIsOneModel() throws Exception {
        Path dir = Fixtures.require("models");
        JsonObject split = read(dir.resolve("index.json")).getAsJsonObject("split");
        JsonObject whole = infoJson(dir.resolve(split.get("source").getAsString()));
        List<String> shardNames = new ArrayList<>();
        for (JsonElement s : split.getAsJsonArray("shards")) {
            shardNames.add(s.getAsString());
        }
        for (String given : shardNames) {
            JsonObject info = infoJson(dir.resolve(given));
            List<String> shards = new ArrayList<>();
            for (JsonElement s : info.getAsJsonArray("shards")) {
                shards.add(dir.relativize(Path.of(s.getAsString())).toString());
            }
            assertEquals(shardNames, shards, given);
            for (String key : List.of("architecture", "tensor_count", "parameter_count", "active_parameter_count",
                    "quant_types", "context_length", "vocab_size")) {
                assertEquals(whole.get(key), info.get(key), given + " " + key);
            }
        }
        CliRunner text = CliRunner.run("info", dir.resolve(shardNames.get(0)).toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("shards:          3"), text.out());
    }

    @Test
    void vocabularyAndDequantFixturesLoad() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String sub : new String[]{"vocab", "dequant"}) {
            try (Stream<Path> s = Files.list(Fixtures.require(sub))) {
                s.filter(p -> p.toString().endsWith(".gguf")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() >= 10, "found " + files.size());
        for (Path p : files) {
            JsonObject info = infoJson(p);
            assertTrue(info.has("architecture"), p.toString());
            assertTrue(info.get("tensor_count").getAsInt() >= 0, p.toString());
            if (p.getParent().getFileName().toString().equals("vocab")) {
                assertTrue(info.get("vocab_size").getAsLong() > 1000, p + " has a real vocabulary");
            }
        }
    }
}
