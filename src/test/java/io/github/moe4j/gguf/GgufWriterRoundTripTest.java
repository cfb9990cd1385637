package io.github.moe4j.gguf;

import io.github.moe4j.support.TinyModels;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufWriterRoundTripTest {

    static GgufWriter everyValueType() {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "test");
        w.putUInt8("v.u8", 255);
        w.putInt8("v.i8", -128);
        w.putUInt16("v.u16", 65535);
        w.putInt16("v.i16", -32768);
        w.putUInt32("v.u32", 0xFFFF_FFFFL);
        w.putInt32("v.i32", Integer.MIN_VALUE);
        w.putUInt64("v.u64", -1L);                  // 2^64 - 1
        w.putInt64("v.i64", Long.MIN_VALUE);
        w.putFloat32("v.f32", -1.5e-7f);
        w.putFloat64("v.f64", Math.PI);
        w.putBool("v.true", true);
        w.putBool("v.false", false);
        w.putString("v.empty", "");
        w.putString("v.unicode", "héllo 世界 🚀\n\t\"quoted\"");
        w.putArray("a.u8", GgufArray.ofBytes(GgufValueType.UINT8, (byte) 0, (byte) 200, (byte) 255));
        w.putArray("a.i8", GgufArray.ofBytes(GgufValueType.INT8, (byte) -1, (byte) 7));
        w.putArray("a.u16", GgufArray.ofShorts(GgufValueType.UINT16, (short) 65535, (short) 1));
        w.putArray("a.i16", GgufArray.ofShorts(GgufValueType.INT16, (short) -2, (short) 3));
        w.putArray("a.u32", GgufArray.ofInts(GgufValueType.UINT32, -1, 5));
        w.putArray("a.i32", GgufArray.ofInts(GgufValueType.INT32, -7, 1, 2, 3));
        w.putArray("a.u64", GgufArray.ofLongs(GgufValueType.UINT64, -1L, 9L));
        w.putArray("a.i64", GgufArray.ofLongs(GgufValueType.INT64, Long.MIN_VALUE, 0));
        w.putArray("a.f32", GgufArray.ofFloats(1f, -0f, Float.NaN, Float.MAX_VALUE));
        w.putArray("a.f64", GgufArray.ofDoubles(1e300, -2.5));
        w.putArray("a.bool", GgufArray.ofBools(true, false, true));
        w.putStrings("a.str", List.of("a", "", "ü", "<|im_start|>"));
        w.putArray("a.empty", GgufArray.ofInts(GgufValueType.INT32));
        w.putArray("a.nested", GgufArray.ofArrays(List.of(
                GgufArray.ofInts(GgufValueType.INT32, 1, 2),
                GgufArray.ofStrings(List.of("x", "y")),
                GgufArray.ofArrays(List.of(GgufArray.ofFloats(3f))))));
        return w;
    }

    @Test
    void everyMetadataTypeRoundTrips() {
        GgufWriter w = everyValueType();
        GgufFile f = GgufFile.parse(null, MemorySegment.ofArray(w.toBytes()));
        GgufMetadata md = f.metadata();
        assertEquals(3, f.version());
        assertEquals(29, md.size());
        assertEquals(255, md.getLong("v.u8"));
        assertEquals(-128, md.getLong("v.i8"));
        assertEquals(65535, md.getLong("v.u16"));
        assertEquals(-32768, md.getLong("v.i16"));
        assertEquals(0xFFFF_FFFFL, md.getLong("v.u32"));
        assertEquals(Integer.MIN_VALUE, md.getInt("v.i32"));
        assertEquals("18446744073709551615", md.get("v.u64").display());
        assertEquals(Long.MIN_VALUE, md.getLong("v.i64"));
        assertEquals(-1.5e-7f, md.getFloat("v.f32"));
        assertEquals(Math.PI, (Double) md.get("v.f64").value());
        assertTrue(md.getBool("v.true"));
        assertFalse(md.getBool("v.false"));
        assertEquals("", md.getString("v.empty"));
        assertEquals("héllo 世界 🚀\n\t\"quoted\"", md.getString("v.unicode"));
        assertArrayEquals(new long[]{0, 200, 255}, md.getArray("a.u8").toLongArray());
        assertArrayEquals(new long[]{-1, 7}, md.getArray("a.i8").toLongArray());
        assertArrayEquals(new long[]{65535, 1}, md.getArray("a.u16").toLongArray());
        assertArrayEquals(new long[]{-2, 3}, md.getArray("a.i16").toLongArray());
        assertArrayEquals(new long[]{0xFFFF_FFFFL, 5}, md.getArray("a.u32").toLongArray());
        assertArrayEquals(new int[]{-7, 1, 2, 3}, md.getArray("a.i32", GgufValueType.INT32).toIntArray());
        assertArrayEquals(new long[]{-1L, 9}, md.getArray("a.u64").toLongArray());
        assertArrayEquals(new long[]{Long.MIN_VALUE, 0}, md.getArray("a.i64").toLongArray());
        float[] f32 = md.getArray("a.f32").toFloatArray();
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f32[1]));
        assertTrue(Float.isNaN(f32[2]));
        assertEquals(Float.MAX_VALUE, f32[3]);
        assertEquals(1e300, md.getArray("a.f64").getDouble(0));
        assertArrayEquals(new long[]{1, 0, 1}, md.getArray("a.bool").toLongArray());
        assertEquals(List.of("a", "", "ü", "<|im_start|>"), md.getArray("a.str").strings());
        assertEquals(0, md.getArray("a.empty").length());
        GgufArray nested = md.getArray("a.nested");
        assertEquals(GgufValueType.ARRAY, nested.elementType());
        assertArrayEquals(new int[]{1, 2}, nested.getArray(0).toIntArray());
        assertEquals(List.of("x", "y"), nested.getArray(1).strings());
        assertEquals(3f, nested.getArray(2).getArray(0).toFloatArray()[0]);

        // reading every value back into a writer reproduces the identical file
        GgufWriter again = new GgufWriter().putAll(md);
        assertArrayEquals(w.toBytes(), again.toBytes());
        for (Map.Entry<String, GgufValue> e : md.asMap().entrySet()) {
            GgufFile g = GgufFile.parse(null, MemorySegment.ofArray(again.toBytes()));
            assertTrue(e.getValue().sameValue(g.metadata().get(e.getKey())), e.getKey());
        }
    }

    @Test
    void tensorsRoundTripWithAlignment(@TempDir Path dir) throws Exception {
        for (int alignment : new int[]{32, 64, 4096}) {
            Random rnd = new Random(alignment);
            GgufWriter w = new GgufWriter().putString("general.architecture", "test").alignment(alignment);
            byte[] a = new byte[(int) GgmlType.Q4_K.byteSize(512 * 3)];
            byte[] b = new byte[5 * 4];
            byte[] c = new byte[(int) GgmlType.MXFP4.byteSize(64 * 2 * 4)];
            rnd.nextBytes(a);
            rnd.nextBytes(b);
            rnd.nextBytes(c);
            w.addTensor("a", GgmlType.Q4_K, new long[]{512, 3}, a);
            w.addTensor("b", GgmlType.F32, new long[]{5}, b);
            w.addTensor("blk.0.ffn_up_exps.weight", GgmlType.MXFP4, new long[]{64, 2, 4}, c);
            w.addTensor("z", GgmlType.Q8_0, new long[]{32, 1, 1, 2}, GgufWriter.TensorData.ZEROS);
            Path p = dir.resolve("t" + alignment + ".gguf");
            w.write(p);
            assertArrayEquals(w.toBytes(), Files.readAllBytes(p), "file and in-memory images agree");
            try (GgufModel m = GgufModel.open(p)) {
                GgufFile f = m.shards().get(0);
                assertEquals(alignment, f.alignment());
                assertEquals(0, f.dataOffset() % alignment);
                for (TensorInfo t : f.tensors()) {
                    assertEquals(0, t.fileOffset() % alignment, t.name());
                }
                assertArrayEquals(a, m.tensor("a").data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(b, m.tensor("b").data().toArray(ValueLayout.JAVA_BYTE));
                Tensor exps = m.tensor("blk.0.ffn_up_exps.weight");
                assertArrayEquals(new long[]{64, 2, 4}, exps.ne());
                assertArrayEquals(c, exps.data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(new byte[34 * 2], m.tensor("z").data().toArray(ValueLayout.JAVA_BYTE));
                assertEquals(List.of("a", "b", "blk.0.ffn_up_exps.weight", "z"), List.copyOf(m.index().keySet()));
                assertEquals(0, Files.size(p) % alignment, "the data section is padded to the alignment");
            }
        }
    }

    @Test
    void tinyModelSummaryCountsExperts(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(1).write(p);
        try (GgufModel m = GgufModel.open(p)) {
            GgufSummary s = GgufSummary.of(m);
            long[] expected = TinyModels.parameterCounts();
            assertEquals("qwen3moe", s.architecture());
            assertEquals(expected[0], s.parameterCount());
            assertEquals(expected[1], s.activeParameterCount());
            assertEquals(expected[2], s.expertParameterCount());
            assertEquals(128, s.contextLength());
            assertEquals("Q8_0", s.fileType());
            assertEquals(Map.of("Q8_0", 16, "F32", 11), s.quantTypes());
            assertEquals(TinyModels.N_VOCAB, s.vocabSize());
        }
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("x", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("x", -1));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class, () -> w.putString("", "x"));
        w.addTensor("t", GgmlType.F32, new long[]{4}, new byte[16]);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[]{4}, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", GgmlType.Q4_K, new long[]{100}, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("v", GgmlType.F32, new long[]{1, 1, 1, 1, 1}, new byte[4]));
        w.addTensor("short", GgmlType.F32, new long[]{8}, new byte[16]);
        assertThrows(IllegalStateException.class, w::toBytes, "data shorter than the shape is refused");
    }
}
