package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked little-endian reader over an untrusted byte segment. Every read first checks
 * the bytes left and throws {@link GgufFormatException} with the file and offset when they are
 * not there, so no count read from the file is trusted before it is checked.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Longest single metadata string accepted (the largest chat templates are a few hundred KiB). */
    static final long MAX_STRING_BYTES = 64L << 20;

    private final Path file;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private byte[] scratch = new byte[256];    // reused for string bytes: one copy per string, into its String

    GgufCursor(Path file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    long position() {
        return pos;
    }

    long size() {
        return size;
    }

    long remaining() {
        return size - pos;
    }

    Path file() {
        return file;
    }

    MemorySegment segment() {
        return seg;
    }

    GgufFormatException error(long at, String problem) {
        return new GgufFormatException(file, at, problem);
    }

    /** Fails unless {@code n} more bytes exist; {@code what} names what was being read. */
    void need(long n, String what) {
        if (n < 0 || n > size - pos) {
            throw error(pos, "file truncated: " + what + " needs " + (n < 0 ? "more than 2^63" : Long.toString(n))
                    + " bytes but only " + (size - pos) + " remain (file size " + size + ")");
        }
    }

    int u8(String what) {
        need(1, what);
        return Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, pos++));
    }

    int i8(String what) {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    int u16(String what) {
        need(2, what);
        int v = Short.toUnsignedInt(seg.get(I16, pos));
        pos += 2;
        return v;
    }

    int i16(String what) {
        need(2, what);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    long u32(String what) {
        return Integer.toUnsignedLong(i32(what));
    }

    int i32(String what) {
        need(4, what);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    /** A raw 64-bit value (callers decide whether it is signed). */
    long i64(String what) {
        need(8, what);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String what) {
        need(4, what);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String what) {
        need(8, what);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    /** A u64 count or length that must be non-negative as a signed long. */
    long count(String what) {
        long at = pos;
        long v = i64(what);
        if (v < 0) {
            throw error(at, what + " is " + Long.toUnsignedString(v) + ", larger than any file");
        }
        return v;
    }

    /** A GGUF string: u64 byte length, then UTF-8 bytes (not NUL-terminated). */
    String string(String what) {
        return string(what, null, -1);
    }

    /**
     * Element {@code index} of string array {@code key}. The description for error messages is only
     * built when there is an error: vocabularies have hundreds of thousands of elements.
     */
    String arrayString(String key, long index) {
        return string(null, key, index);
    }

    private String string(String what, String key, long index) {
        long at = pos;
        if (size - pos < 8) {
            need(8, describe(what, key, index) + " length");
        }
        long len = seg.get(I64, pos);
        pos += 8;
        if (len < 0) {
            throw error(at, describe(what, key, index) + " length is " + Long.toUnsignedString(len)
                    + ", larger than any file");
        }
        if (len > MAX_STRING_BYTES) {
            throw error(at, describe(what, key, index) + " length " + len + " exceeds the " + MAX_STRING_BYTES
                    + "-byte limit");
        }
        if (len > size - pos) {
            need(len, describe(what, key, index) + " (" + len + " bytes)");
        }
        if (len == 0) {
            return "";
        }
        int n = (int) len;
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, scratch, 0, n);
        pos += len;
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    private static String describe(String what, String key, long index) {
        return what != null ? what : "element " + index + " of array '" + key + "'";
    }

    /** Skips {@code n} bytes that {@link #need} has not checked yet. */
    MemorySegment slice(long n, String what) {
        need(n, what);
        MemorySegment s = seg.asSlice(pos, n);
        pos += n;
        return s;
    }
}
