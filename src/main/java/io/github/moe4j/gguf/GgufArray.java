package io.github.moe4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A GGUF metadata array. Fixed-size elements stay where they are (a little-endian view of the
 * mapped file, or of a heap buffer for arrays built in memory); strings and nested arrays are
 * decoded when the file is opened.
 */
public final class GgufArray {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufValueType elementType;
    private final int length;
    private final MemorySegment data;       // fixed-size elements, little-endian
    private final List<String> strings;     // STRING elements
    private final List<GgufArray> arrays;   // ARRAY elements

    private GgufArray(GgufValueType elementType, int length, MemorySegment data,
                      List<String> strings, List<GgufArray> arrays) {
        this.elementType = elementType;
        this.length = length;
        this.data = data;
        this.strings = strings;
        this.arrays = arrays;
    }

    /** An array of fixed-size elements over {@code data}, which holds exactly {@code length} little-endian values. */
    public static GgufArray ofFixed(GgufValueType elementType, int length, MemorySegment data) {
        if (!elementType.isFixedSize()) {
            throw new IllegalArgumentException(elementType + " is not a fixed-size element type");
        }
        if (data.byteSize() != (long) length * elementType.size()) {
            throw new IllegalArgumentException("data holds " + data.byteSize() + " bytes, expected "
                    + (long) length * elementType.size());
        }
        return new GgufArray(elementType, length, data, null, null);
    }

    public static GgufArray ofStrings(List<String> values) {
        return new GgufArray(GgufValueType.STRING, values.size(), null, List.copyOf(values), null);
    }

    public static GgufArray ofArrays(List<GgufArray> values) {
        return new GgufArray(GgufValueType.ARRAY, values.size(), null, null, List.copyOf(values));
    }

    /** INT32 (or another 4-byte integer type) array from Java ints. */
    public static GgufArray ofInts(GgufValueType type, int... values) {
        requireSize(type, 4, true);
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(I32, i, values[i]);
        }
        return ofFixed(type, values.length, m);
    }

    public static GgufArray ofLongs(GgufValueType type, long... values) {
        requireSize(type, 8, true);
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 8]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(I64, i, values[i]);
        }
        return ofFixed(type, values.length, m);
    }

    public static GgufArray ofShorts(GgufValueType type, short... values) {
        requireSize(type, 2, true);
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 2]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(I16, i, values[i]);
        }
        return ofFixed(type, values.length, m);
    }

    public static GgufArray ofBytes(GgufValueType type, byte... values) {
        if (type != GgufValueType.UINT8 && type != GgufValueType.INT8 && type != GgufValueType.BOOL) {
            throw new IllegalArgumentException(type + " is not a byte type");
        }
        return ofFixed(type, values.length, MemorySegment.ofArray(values.clone()));
    }

    public static GgufArray ofBools(boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (values[i] ? 1 : 0);
        }
        return ofFixed(GgufValueType.BOOL, b.length, MemorySegment.ofArray(b));
    }

    public static GgufArray ofFloats(float... values) {
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(F32, i, values[i]);
        }
        return ofFixed(GgufValueType.FLOAT32, values.length, m);
    }

    public static GgufArray ofDoubles(double... values) {
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 8]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(F64, i, values[i]);
        }
        return ofFixed(GgufValueType.FLOAT64, values.length, m);
    }

    private static void requireSize(GgufValueType type, int size, boolean integer) {
        if (type.size() != size || type.isInteger() != integer) {
            throw new IllegalArgumentException(type + " is not a " + size + "-byte integer type");
        }
    }

    public GgufValueType elementType() {
        return elementType;
    }

    public int length() {
        return length;
    }

    /** The raw little-endian bytes of a fixed-size array (a view, not a copy). */
    public MemorySegment data() {
        if (data == null) {
            throw new IllegalStateException("an array of " + elementType + " has no fixed-size data");
        }
        return data;
    }

    /** Element {@code i} of an integer or BOOL array as a long (UINT64 values above 2^63-1 come out negative). */
    public long getLong(int i) {
        Objects.checkIndex(i, length);
        return switch (elementType) {
            case UINT8, BOOL -> Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, i));
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case UINT16 -> Short.toUnsignedLong(data.getAtIndex(I16, i));
            case INT16 -> data.getAtIndex(I16, i);
            case UINT32 -> Integer.toUnsignedLong(data.getAtIndex(I32, i));
            case INT32 -> data.getAtIndex(I32, i);
            case UINT64, INT64 -> data.getAtIndex(I64, i);
            default -> throw new IllegalStateException("not an integer array: " + elementType);
        };
    }

    /** Element {@code i} of a numeric array as a double. */
    public double getDouble(int i) {
        Objects.checkIndex(i, length);
        return switch (elementType) {
            case FLOAT32 -> data.getAtIndex(F32, i);
            case FLOAT64 -> data.getAtIndex(F64, i);
            case UINT64 -> unsignedToDouble(data.getAtIndex(I64, i));
            default -> getLong(i);
        };
    }

    public String getString(int i) {
        if (strings == null) {
            throw new IllegalStateException("not a string array: " + elementType);
        }
        return strings.get(i);
    }

    public GgufArray getArray(int i) {
        if (arrays == null) {
            throw new IllegalStateException("not an array of arrays: " + elementType);
        }
        return arrays.get(i);
    }

    /** The elements of a STRING array (immutable). */
    public List<String> strings() {
        if (strings == null) {
            throw new IllegalStateException("not a string array: " + elementType);
        }
        return strings;
    }

    /** The elements of an ARRAY array (immutable). */
    public List<GgufArray> arrays() {
        if (arrays == null) {
            throw new IllegalStateException("not an array of arrays: " + elementType);
        }
        return arrays;
    }

    /** A heap copy of an integer array as ints (each value must fit). */
    public int[] toIntArray() {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            long v = getLong(i);
            if (v != (int) v) {
                throw new ArithmeticException("element " + i + " = " + v + " does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[length];
        for (int i = 0; i < length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    public float[] toFloatArray() {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** Compares element types and values (bytes for fixed-size elements). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GgufArray a) || a.elementType != elementType || a.length != length) {
            return false;
        }
        if (data != null) {
            return data.mismatch(a.data) == -1;
        }
        return Objects.equals(strings, a.strings) && Objects.equals(arrays, a.arrays);
    }

    @Override
    public int hashCode() {
        int h = elementType.hashCode() * 31 + length;
        if (strings != null) {
            h = h * 31 + strings.hashCode();
        } else if (arrays != null) {
            h = h * 31 + arrays.hashCode();
        } else {
            h = h * 31 + Arrays.hashCode(data.toArray(ValueLayout.JAVA_BYTE));
        }
        return h;
    }

    /** A short preview such as {@code [FLOAT32 x 4096: 1.0, 2.0, 3.0, ...]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[").append(elementType).append(" x ").append(length);
        int shown = Math.min(length, 4);
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? ": " : ", ");
            switch (elementType) {
                case STRING -> sb.append('"').append(strings.get(i)).append('"');
                case ARRAY -> sb.append(arrays.get(i));
                case FLOAT32, FLOAT64 -> sb.append(getDouble(i));
                case BOOL -> sb.append(getLong(i) != 0);
                case UINT64 -> sb.append(Long.toUnsignedString(getLong(i)));
                default -> sb.append(getLong(i));
            }
        }
        if (length > shown) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }
}
