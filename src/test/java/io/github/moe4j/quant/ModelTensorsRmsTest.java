package io.github.moe4j.quant;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every tensor of every quantized fixture model against the same tensor of its F16 base (both were made
 * from one F32 model by llama-quantize): relative RMS error ||q - f16|| / ||f16|| below a bound per
 * format. The bounds are a few times the worst value measured on the fixtures and far below the error
 * of order 1 a wrong decoder gives; {@link #theBoundsCatchWrongDecoders} proves the latter by
 * decoding deliberately corrupted copies.
 */
class ModelTensorsRmsTest {

    /** Upper bounds of the relative RMS error per quantized type (measured maxima in the comments). */
    static final Map<GgmlType, Double> BOUND = new EnumMap<>(Map.of(
            GgmlType.F32, 0.0,          // copied unchanged
            GgmlType.Q8_0, 0.008,       // measured max 0.0054 (266 tensors)
            GgmlType.Q6_K, 0.027,       // measured max 0.0179 (109 tensors)
            GgmlType.Q5_K, 0.055,       // measured max 0.0363 (14 tensors)
            GgmlType.Q5_0, 0.065,       // measured max 0.0433 (17 tensors)
            GgmlType.Q4_K, 0.11,        // measured max 0.0720 (71 tensors)
            GgmlType.Q4_0, 0.13,        // measured max 0.0871 (113 tensors)
            GgmlType.MXFP4, 0.175));    // measured max 0.1167 (6 tensors)

    private record Stats(int tensors, double max, String worst, double sum) {
        Stats add(double e, String name) {
            return new Stats(tensors + 1, Math.max(max, e), e >= max ? name : worst, sum + e);
        }
    }

    @Test
    void quantizedTensorsAreCloseToTheirF16Base() throws Exception {
        Path models = Fixtures.require("models");
        JsonObject index = JsonParser.parseString(Files.readString(models.resolve("index.json"))).getAsJsonObject();
        Map<GgmlType, Stats> stats = new EnumMap<>(GgmlType.class);
        int files = 0;
        int tags = 0;
        for (JsonElement m : index.getAsJsonArray("models")) {
            JsonObject fileMap = m.getAsJsonObject().getAsJsonObject("files");
            Path base = models.resolve(fileMap.getAsJsonObject("F16").get("file").getAsString());
            tags++;
            for (String variant : fileMap.keySet()) {
                if (variant.equals("F16")) {
                    continue;
                }
                Path qf = models.resolve(fileMap.getAsJsonObject(variant).get("file").getAsString());
                files++;
                compareFile(base, qf, stats);
            }
        }
        assertEquals(8, tags, "model families in the index");
        assertEquals(8 * 4 + 1, files, "quantized files (4 variants each, plus gpt-oss MXFP4_MOE)");

        System.out.println("relative RMS error vs F16, per quantized type (worst tensor):");
        stats.forEach((t, s) -> System.out.printf("  %-6s %4d tensors  max %.5f  mean %.5f  bound %.3f  (%s)%n",
                t, s.tensors, s.max, s.sum / s.tensors, BOUND.get(t), s.worst));
        for (GgmlType t : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q5_0,
                GgmlType.Q6_K, GgmlType.MXFP4}) {
            assertTrue(stats.containsKey(t), t + " appears in no fixture model");
        }
    }

    private static void compareFile(Path base, Path qf, Map<GgmlType, Stats> stats) {
        try (GgufModel f16 = GgufModel.open(base); GgufModel q = GgufModel.open(qf)) {
            for (String name : q.index().keySet()) {
                if (!f16.hasTensor(name)) {
                    continue;
                }
                Tensor tq = q.tensor(name);
                Tensor tf = f16.tensor(name);
                GgmlType type = tq.type();
                Double bound = BOUND.get(type);
                if (bound == null) {
                    fail(qf.getFileName() + " " + name + ": type " + type + " has no calibrated bound");
                }
                double e = relRms(tq, tf, tq.data());
                String where = qf.getFileName() + " " + name + " (" + type + ")";
                assertTrue(e <= bound, where + ": relative RMS error " + e + " > " + bound);
                stats.merge(type, new Stats(1, e, where, e), (a, b) -> a.add(e, where));
            }
        }
    }

    private static double relRms(Tensor q, Tensor f16, MemorySegment qData) {
        int n = Math.toIntExact(q.elementCount());
        assertEquals(f16.elementCount(), n, q.name() + " element count");
        float[] a = new float[n];
        float[] b = new float[n];
        BlockFormats.of(q.type()).dequantize(qData, 0, a, 0, n);
        BlockFormats.of(f16.type()).dequantize(f16.data(), 0, b, 0, n);
        double e = QuantTesting.relRms(a, b, n);
        return Double.isNaN(e) ? (java.util.Arrays.equals(a, b) ? 0 : Double.POSITIVE_INFINITY) : e;
    }

    /** Decoding errors that real bugs make (swapped nibbles, scale/min mix-up) land far above the bounds. */
    @Test
    void theBoundsCatchWrongDecoders() {
        Path models = Fixtures.require("models");
        Object[][] cases = {
                {"qwen3moe/qwen3moe-Q8_0.gguf", "blk.0.attn_q.weight"},
                {"qwen3moe/qwen3moe-Q4_0.gguf", "blk.0.ffn_up_exps.weight"},
                {"qwen3moe/qwen3moe-Q4_K_M.gguf", "blk.0.ffn_up_exps.weight"},
                {"qwen3moe/qwen3moe-Q4_K_M.gguf", "blk.0.attn_v.weight"},
                {"qwen3moe/qwen3moe-Q4_K_M.gguf", "blk.0.ffn_down_exps.weight"},
                {"qwen3moe/qwen3moe-Q6_K.gguf", "blk.0.attn_q.weight"},
                {"granitemoe/granitemoe-Q4_K_M.gguf", "blk.0.attn_output.weight"},
                {"deepseek2-lite/deepseek2-lite-Q4_K_M.gguf", "blk.1.ffn_up_exps.weight"},
                {"gpt-oss/gpt-oss-MXFP4_MOE.gguf", "blk.0.ffn_up_exps.weight"},
        };
        for (Object[] c : cases) {
            Path qf = models.resolve((String) c[0]);
            Path base = qf.resolveSibling(qf.getFileName().toString().replaceFirst("-[^-]+\\.gguf$", "-F16.gguf"));
            try (GgufModel f16 = GgufModel.open(base); GgufModel q = GgufModel.open(qf)) {
                Tensor tq = q.tensor((String) c[1]);
                MemorySegment broken = MemorySegment.ofArray(tq.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                String mistake = corrupt(tq.type(), broken);
                double good = relRms(tq, f16.tensor((String) c[1]), tq.data());
                double bad = relRms(tq, f16.tensor((String) c[1]), broken);
                System.out.printf("  %-6s %-28s correct %.4f, with %s %.3f%n", tq.type(), c[1], good, mistake, bad);
                assertTrue(bad > 0.3 && bad > 3 * BOUND.get(tq.type()),
                        tq.type() + " " + c[1] + " with " + mistake + ": relative RMS only " + bad);
            }
        }
    }

    /** Applies the data-side equivalent of a typical decoder bug to whole blocks; returns its description. */
    private static String corrupt(GgmlType t, MemorySegment s) {
        int bb = t.typeSize();
        long nb = s.byteSize() / bb;
        for (long b = 0; b < nb; b++) {
            long blk = b * bb;
            switch (t) {
                case Q8_0 -> reverse(s, blk + Q8_0Format.OFF_QS, 32);
                case Q4_0 -> swapNibbles(s, blk + Q4_0Format.OFF_QS, 16);
                case Q5_0 -> swapNibbles(s, blk + Q5_0Format.OFF_QS, 16);
                case MXFP4 -> swapNibbles(s, blk + MXFP4Format.OFF_QS, 16);
                case Q6_K -> swapNibbles(s, blk + Q6_KFormat.OFF_QL, 128);
                case Q4_K, Q5_K -> {
                    short d = s.get(Le.I16, blk + Q4_KFormat.OFF_D);
                    s.set(Le.I16, blk + Q4_KFormat.OFF_D, s.get(Le.I16, blk + Q4_KFormat.OFF_DMIN));
                    s.set(Le.I16, blk + Q4_KFormat.OFF_DMIN, d);
                }
                default -> throw new IllegalArgumentException(t.name());
            }
        }
        return switch (t) {
            case Q8_0 -> "quants in reverse order";
            case Q4_K, Q5_K -> "scale and min swapped";
            default -> "nibble order swapped";
        };
    }

    private static void swapNibbles(MemorySegment s, long off, int n) {
        for (int i = 0; i < n; i++) {
            int v = Le.u8(s, off + i);
            Le.putU8(s, off + i, (v >>> 4) | (v & 0xF) << 4);
        }
    }

    private static void reverse(MemorySegment s, long off, int n) {
        for (int i = 0; i < n / 2; i++) {
            int a = Le.u8(s, off + i);
            Le.putU8(s, off + i, Le.u8(s, off + n - 1 - i));
            Le.putU8(s, off + n - 1 - i, a);
        }
    }
}
