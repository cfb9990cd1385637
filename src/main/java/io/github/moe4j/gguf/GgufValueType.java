package io.github.moe4j.gguf;

/** GGUF metadata value types, with their ids as stored in the file. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    static {
        for (int i = 0; i < BY_ID.length; i++) {
            if (BY_ID[i].id != i) {
                throw new ExceptionInInitializerError("GgufValueType ids must equal ordinals");
            }
        }
    }

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() {
        return id;
    }

    /** Byte size of a fixed-size value; 0 for STRING and ARRAY. */
    public int size() {
        return size;
    }

    /** Smallest number of bytes one value of this type can take in a file. */
    int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;       // u64 length
            case ARRAY -> 4 + 8;    // element type, u64 count
            default -> size;
        };
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFixedSize() {
        return size > 0;
    }

    /** The type with this id, or {@code null}. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
