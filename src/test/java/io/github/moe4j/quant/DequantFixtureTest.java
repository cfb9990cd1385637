package io.github.moe4j.quant;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our scalar dequantization against llama.cpp's gguf-py reference on real llama-quantize output
 * ({@code fixtures/dequant}): every value bit for bit, or within 1 ulp where the reference rounds a
 * float64 intermediate once.
 */
class DequantFixtureTest {

    private static List<JsonObject> cases() throws Exception {
        Path index = Fixtures.require("dequant/index.json");
        JsonArray arr = JsonParser.parseString(Files.readString(index)).getAsJsonObject().getAsJsonArray("cases");
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : arr) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> everyIndexCaseMatchesTheReference() throws Exception {
        Path dir = Fixtures.require("dequant");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject c : cases()) {
            String type = c.get("type").getAsString();
            tests.add(DynamicTest.dynamicTest(type + " " + c.get("tensor").getAsString(), () -> check(dir, c)));
        }
        return tests;
    }

    private static void check(Path dir, JsonObject c) throws Exception {
        GgmlType type = GgmlType.byName(c.get("type").getAsString());
        String name = c.get("tensor").getAsString();
        Path file = dir.resolve(c.get("file").getAsString()).normalize();
        float[] ref = QuantTesting.readF32(dir.resolve(c.get("dequantized").getAsString()));
        int n = c.get("n_values").getAsInt();
        assertEquals(n, ref.length, "reference length");
        try (GgufModel model = GgufModel.open(file)) {
            Tensor t = model.tensor(name);
            assertEquals(type, t.type(), name + " type in " + file);
            assertEquals(n, t.elementCount(), name + " element count");
            float[] ours = new float[n];
            BlockFormats.of(type).dequantize(t.data(), 0, ours, 0, n);
            int exact = 0;
            int oneUlp = 0;
            for (int i = 0; i < n; i++) {
                long u = QuantTesting.ulps(ours[i], ref[i]);
                if (u == 0) {
                    exact++;
                } else if (u == 1) {
                    oneUlp++;
                } else {
                    fail(type + " " + name + " element " + i + " (block " + i / type.blockSize() + ", offset "
                            + i % type.blockSize() + "): ours " + ours[i] + ", reference " + ref[i] + " (" + u + " ulps)");
                }
            }
            System.out.printf("dequant fixture %-6s %-28s %7d values: %7d exact, %5d within 1 ulp%n",
                    type, name, n, exact, oneUlp);
        }
    }

    @Test
    void indexCoversEverySupportedFormatButF32Bf16AndQ4_1() throws Exception {
        Set<GgmlType> inIndex = EnumSet.noneOf(GgmlType.class);
        for (JsonObject c : cases()) {
            GgmlType t = GgmlType.byName(c.get("type").getAsString());
            assertTrue(t != null && BlockFormats.isSupported(t), c.get("type") + " from the index is not supported");
            inIndex.add(t);
        }
        // the three left out have hand-built known-value tests (KnownValuesTest)
        Set<GgmlType> rest = EnumSet.copyOf(BlockFormats.supported());
        rest.removeAll(inIndex);
        assertEquals(EnumSet.of(GgmlType.F32, GgmlType.BF16, GgmlType.Q4_1), rest);
    }
}
