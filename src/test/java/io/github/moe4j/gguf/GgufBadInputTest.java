package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.Moe4jException;
import io.github.moe4j.support.Bytes;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of malformed file named in the format contract gets a GgufFormatException saying where and what. */
class GgufBadInputTest {
    private static final Path NAME = Path.of("bad-model.gguf");

    /** A small valid file whose fields the cases below corrupt. */
    static byte[] base() {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "test");
        w.putUInt32("k.first", 1);
        w.putUInt32("k.secnd", 2);
        w.putString("k.str", "hello");
        w.putArray("k.arr", GgufArray.ofInts(GgufValueType.INT32, 1, 2, 3));
        w.putArray("k.sarr", GgufArray.ofStrings(List.of("x", "yy")));
        w.putBool("k.bool", true);
        w.addTensor("t.aaa", GgmlType.Q8_0, new long[]{64, 2}, new byte[34 * 4]);
        w.addTensor("t.bbb", GgmlType.F32, new long[]{8}, new byte[32]);
        return w.toBytes();
    }

    static GgufFile parse(byte[] image) {
        return GgufFile.parse(NAME, MemorySegment.ofArray(image));
    }

    static GgufFormatException fails(Consumer<byte[]> corrupt, String... expectedFragments) {
        byte[] image = base();
        corrupt.accept(image);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> parse(image));
        assertInstanceOf(Moe4jException.class, e);
        String msg = e.getMessage();
        assertTrue(msg.startsWith("bad-model.gguf: "), msg);
        assertTrue(e.offset() >= 0 && msg.contains("at byte " + e.offset()), msg);
        for (String f : expectedFragments) {
            assertTrue(msg.contains(f), "message '" + msg + "' should contain '" + f + "'");
        }
        return e;
    }

    /** Offset of tensor {@code name}'s n_dims field. */
    static int dimsAt(byte[] b, String name) {
        return Bytes.afterString(b, name);
    }

    static int typeAt(byte[] b, String name) {
        int d = dimsAt(b, name);
        return d + 4 + 8 * (int) Bytes.getU32(b, d);
    }

    static int offsetAt(byte[] b, String name) {
        return typeAt(b, name) + 4;
    }

    @Test
    void baseIsValid() {
        GgufFile f = parse(base());
        assertEquals(2, f.tensors().size());
        assertEquals(7, f.metadata().size());
    }

    @Test
    void wrongMagic() {
        GgufFormatException e = fails(b -> b[0] = 'X', "not a GGUF file", "magic");
        assertEquals(0, e.offset());
    }

    @Test
    void unsupportedVersions() {
        fails(b -> Bytes.putU32(b, 4, 1), "unsupported GGUF version 1");
        fails(b -> Bytes.putU32(b, 4, 4), "unsupported GGUF version 4");
        fails(b -> Bytes.putU32(b, 4, 0x03000000L), "big-endian");
    }

    @Test
    void version2IsAccepted() {
        byte[] b = base();
        Bytes.putU32(b, 4, 2);
        assertEquals(2, parse(b).version());
    }

    @Test
    void truncationAnywhere() {
        byte[] full = base();
        for (int len = 0; len < full.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(full, len);
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> parse(cut), "length " + len);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("past the end"),
                    "length " + len + ": " + e.getMessage());
        }
    }

    @Test
    void stringLengthPastTheEnd() {
        fails(b -> Bytes.putU64(b, Bytes.stringAt(b, "hello"), 1L << 20), "truncated", "k.str");
        fails(b -> Bytes.putU64(b, Bytes.stringAt(b, "hello"), 1L << 40), "exceeds", "k.str");
        fails(b -> Bytes.putU64(b, Bytes.stringAt(b, "hello"), -5L), "k.str", "length");
        fails(b -> Bytes.putU64(b, Bytes.stringAt(b, "t.bbb"), 1_000_000), "name of tensor #1");
        fails(b -> Bytes.putU64(b, Bytes.stringAt(b, "k.first"), Long.MAX_VALUE), "metadata key #1");
    }

    @Test
    void arrayLengthPastTheEnd() {
        // k.arr: key, u32 ARRAY, u32 INT32, u64 count
        fails(b -> Bytes.putU64(b, Bytes.afterString(b, "k.arr") + 8, 1L << 60), "array 'k.arr'", "elements");
        fails(b -> Bytes.putU64(b, Bytes.afterString(b, "k.sarr") + 8, 1L << 33), "array 'k.sarr'");
        fails(b -> Bytes.putU64(b, Bytes.afterString(b, "k.sarr") + 8, -1L), "length of array 'k.sarr'");
    }

    @Test
    void countsLargerThanTheFile() {
        fails(b -> Bytes.putU64(b, 8, 1L << 50), "tensor count");
        fails(b -> Bytes.putU64(b, 16, 1L << 50), "key/value count");
    }

    @Test
    void unknownValueTypes() {
        fails(b -> Bytes.putU32(b, Bytes.afterString(b, "k.first"), 13), "unknown value type 13", "k.first");
        fails(b -> Bytes.putU32(b, Bytes.afterString(b, "k.arr") + 4, 99), "unknown value type 99", "k.arr");
        fails(b -> b[Bytes.afterString(b, "k.bool") + 4] = 2, "BOOL", "k.bool");
    }

    @Test
    void unknownTensorType() {
        fails(b -> Bytes.putU32(b, typeAt(b, "t.bbb"), 4), "unknown ggml type id 4", "t.bbb");
        fails(b -> Bytes.putU32(b, typeAt(b, "t.bbb"), 1000), "unknown ggml type id 1000");
    }

    @Test
    void dimensionCounts() {
        fails(b -> Bytes.putU32(b, dimsAt(b, "t.aaa"), 0), "t.aaa", "0 dimensions");
        fails(b -> Bytes.putU32(b, dimsAt(b, "t.aaa"), 5), "t.aaa", "5 dimensions");
        fails(b -> Bytes.putU64(b, dimsAt(b, "t.aaa") + 4 + 8, 0), "t.aaa", "dimension 1 is 0");
        fails(b -> Bytes.putU64(b, dimsAt(b, "t.aaa") + 4 + 8, -3), "t.aaa", "dimension 1");
    }

    @Test
    void elementCountOverflow() {
        fails(b -> {
            int d = dimsAt(b, "t.aaa");
            Bytes.putU64(b, d + 4, 1L << 35);
            Bytes.putU64(b, d + 12, 1L << 35);
        }, "t.aaa", "overflows the element count");
        fails(b -> {
            // 2^58 F32 elements fit a long but their byte size does not
            int d = dimsAt(b, "t.bbb");
            Bytes.putU64(b, d + 4, 1L << 62);
        }, "t.bbb", "overflows the byte size");
    }

    @Test
    void rowLengthNotAMultipleOfTheBlockSize() {
        fails(b -> Bytes.putU64(b, dimsAt(b, "t.aaa") + 4, 48), "t.aaa", "row length 48", "block size 32");
    }

    @Test
    void tensorDataPastTheEnd() {
        fails(b -> Bytes.putU64(b, offsetAt(b, "t.bbb"), 1L << 20), "t.bbb", "runs past the end");
        fails(b -> Bytes.putU64(b, offsetAt(b, "t.bbb"), Long.MAX_VALUE - 31), "t.bbb");
    }

    @Test
    void overlappingTensors() {
        fails(b -> Bytes.putU64(b, offsetAt(b, "t.bbb"), 64), "overlaps tensor 't.aaa'");
    }

    @Test
    void misalignedOffset() {
        fails(b -> Bytes.putU64(b, offsetAt(b, "t.bbb"), Bytes.getU64(b, offsetAt(b, "t.bbb")) + 4),
                "t.bbb", "not a multiple of the alignment 32");
    }

    @Test
    void duplicateTensorNames() {
        fails(b -> {
            int at = Bytes.afterString(b, "t.bbb") - 3;
            System.arraycopy("aaa".getBytes(StandardCharsets.US_ASCII), 0, b, at, 3);
        }, "duplicate tensor name 't.aaa'");
    }

    @Test
    void duplicateKeys() {
        fails(b -> {
            int at = Bytes.afterString(b, "k.secnd") - 5;
            System.arraycopy("first".getBytes(StandardCharsets.US_ASCII), 0, b, at, 5);
        }, "duplicate metadata key 'k.first'");
    }

    @Test
    void badAlignmentValues() {
        GgufWriter w = new GgufWriter().putString("general.architecture", "test").putUInt32("general.alignment", 64);
        byte[] b = w.toBytes();
        Bytes.putU32(b, Bytes.afterString(b, "general.alignment") + 4, 48);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        byte[] c = new GgufWriter().put("general.alignmenX", GgufValueType.UINT64, 32L).toBytes();
        c[Bytes.afterString(c, "general.alignmenX") - 1] = 't';
        e = assertThrows(GgufFormatException.class, () -> parse(c));
        assertTrue(e.getMessage().contains("must be a UINT32"), e.getMessage());
    }

    @Test
    void deeplyNestedArraysAreRefused() {
        GgufArray a = GgufArray.ofInts(GgufValueType.INT32, 1);
        for (int i = 0; i < 20; i++) {
            a = GgufArray.ofArrays(List.of(a));
        }
        byte[] b = new GgufWriter().putArray("deep", a).toBytes();
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("nests arrays deeper"), e.getMessage());
    }

    @Test
    void typedAccessNamesTheKey() {
        GgufMetadata md = parse(base()).metadata();
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> md.getString("k.first"));
        assertTrue(e.getMessage().contains("'k.first' must be of type STRING, but it is UINT32"), e.getMessage());
        assertTrue(e.offset() > 0);
        e = assertThrows(GgufFormatException.class, () -> md.archLong("expert_count"));
        assertTrue(e.getMessage().contains("'test.expert_count' is missing"), e.getMessage());
        e = assertThrows(GgufFormatException.class, () -> md.getFloat("k.str"));
        assertTrue(e.getMessage().contains("FLOAT32 or FLOAT64"), e.getMessage());
        e = assertThrows(GgufFormatException.class, () -> md.getArray("k.arr", GgufValueType.STRING));
        assertTrue(e.getMessage().contains("array of STRING, but it is an array of INT32"), e.getMessage());
        assertEquals(7, md.archLong("expert_count", 7));
        assertEquals(2, md.getInt("k.secnd"));
    }

    @Test
    void unreadableFilesGetAClearError(@TempDir Path dir) throws Exception {
        Moe4jException e = assertThrows(Moe4jException.class, () -> GgufModel.open(dir.resolve("nope.gguf")));
        assertTrue(e.getMessage().contains("nope.gguf: no such file"), e.getMessage());
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        GgufFormatException g = assertThrows(GgufFormatException.class, () -> GgufModel.open(empty));
        assertTrue(g.getMessage().contains("empty.gguf") && g.getMessage().contains("truncated"), g.getMessage());
        e = assertThrows(Moe4jException.class, () -> GgufModel.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
