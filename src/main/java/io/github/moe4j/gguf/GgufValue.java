package io.github.moe4j.gguf;

import java.util.Objects;

/**
 * One metadata value: its GGUF type, its Java value and where it sits in the file.
 *
 * <p>Java representation by type: every integer type is a {@link Long} (UINT64 above 2^63-1 is
 * negative; read it with {@link Long#toUnsignedString}), FLOAT32 a {@link Float}, FLOAT64 a
 * {@link Double}, BOOL a {@link Boolean}, STRING a {@link String}, ARRAY a {@link GgufArray}.
 *
 * @param offset byte offset of the value in its file, or -1 for values built in memory
 */
public record GgufValue(GgufValueType type, Object value, long offset) {
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + " value must be a " + expected.getSimpleName()
                    + ", got " + value.getClass().getSimpleName());
        }
        if (type.isInteger()) {
            long v = (Long) value;
            boolean fits = switch (type) {
                case UINT8 -> v >= 0 && v <= 0xFF;
                case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
                case UINT16 -> v >= 0 && v <= 0xFFFF;
                case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
                case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
                case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
                default -> true;
            };
            if (!fits) {
                throw new IllegalArgumentException(v + " does not fit " + type);
            }
        }
    }

    /** A value built in memory (not read from a file). */
    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, value, -1);
    }

    /** Equality of type and value; the file offset is ignored. */
    public boolean sameValue(GgufValue other) {
        return other != null && type == other.type && value.equals(other.value);
    }

    /** The value as text, for display (UINT64 unsigned, arrays abbreviated). */
    public String display() {
        if (type == GgufValueType.UINT64) {
            return Long.toUnsignedString((Long) value);
        }
        return String.valueOf(value);
    }
}
