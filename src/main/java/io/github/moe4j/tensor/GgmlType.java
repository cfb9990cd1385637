package io.github.moe4j.tensor;

/**
 * Every tensor type id the GGUF format defines, with ggml's block geometry: {@code blockSize}
 * elements are stored in {@code typeSize} bytes. Names and ids follow ggml exactly; ids that ggml
 * retired (4, 5, 31-33, 36-38) are absent and rejected by the reader.
 *
 * <p>Whether moe4j can compute with a type is a separate question answered by the kernels; every type
 * here can at least be loaded, indexed and listed.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),                    // d, qs[16]
    Q4_1(3, 32, 2 + 2 + 16),                // d, m, qs[16]
    Q5_0(6, 32, 2 + 4 + 16),                // d, qh[4], qs[16]
    Q5_1(7, 32, 2 + 2 + 4 + 16),            // d, m, qh[4], qs[16]
    Q8_0(8, 32, 2 + 32),                    // d, qs[32]
    Q8_1(9, 32, 2 + 2 + 32),                // d, s, qs[32]
    Q2_K(10, 256, 16 + 64 + 2 + 2),         // scales[16], qs[64], d, dmin
    Q3_K(11, 256, 32 + 64 + 12 + 2),        // hmask[32], qs[64], scales[12], d
    Q4_K(12, 256, 2 + 2 + 12 + 128),        // d, dmin, scales[12], qs[128]
    Q5_K(13, 256, 2 + 2 + 12 + 32 + 128),   // d, dmin, scales[12], qh[32], qs[128]
    Q6_K(14, 256, 128 + 64 + 16 + 2),       // ql[128], qh[64], scales[16], d
    Q8_K(15, 256, 4 + 256 + 32),            // d (f32), qs[256], bsums[16] (i16)
    IQ2_XXS(16, 256, 2 + 64),               // d, qs[32] (u16)
    IQ2_XS(17, 256, 2 + 64 + 8),            // d, qs[32] (u16), scales[8]
    IQ3_XXS(18, 256, 2 + 96),               // d, qs[96]
    IQ1_S(19, 256, 2 + 32 + 16),            // d, qs[32], qh[8] (u16)
    IQ4_NL(20, 32, 2 + 16),                 // d, qs[16]
    IQ3_S(21, 256, 2 + 64 + 8 + 32 + 4),    // d, qs[64], qh[8], signs[32], scales[4]
    IQ2_S(22, 256, 2 + 64 + 8 + 8),         // d, qs[64], qh[8], scales[8]
    IQ4_XS(23, 256, 2 + 2 + 4 + 128),       // d, scales_h, scales_l[4], qs[128]
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 32 + 16 + 8),            // qs[32], qh[16], scales[8]
    BF16(30, 1, 2),
    TQ1_0(34, 256, 48 + 4 + 2),             // qs[48], qh[4], d
    TQ2_0(35, 256, 64 + 2),                 // qs[64], d
    MXFP4(39, 32, 1 + 16),                  // e (E8M0), qs[16]
    NVFP4(40, 64, 4 + 32),                  // d[4] (UE4M3), qs[32]
    Q1_0(41, 128, 2 + 16),                  // d, qs[16]
    Q2_0(42, 64, 2 + 16);                   // d, qs[16]

    private static final GgmlType[] BY_ID;

    static {
        int max = 0;
        for (GgmlType t : values()) {
            max = Math.max(max, t.id);
        }
        BY_ID = new GgmlType[max + 1];
        for (GgmlType t : values()) {
            if (BY_ID[t.id] != null) {
                throw new ExceptionInInitializerError("duplicate ggml type id " + t.id);
            }
            if (t.blockSize <= 0 || t.typeSize <= 0) {
                throw new ExceptionInInitializerError("bad block geometry for " + t);
            }
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The ggml type id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain element types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** True for block-quantized formats (everything with more than one element per block). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** The type with this id, or {@code null} when the id is not a ggml type. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** The type with this ggml name (as {@link #name()}), or {@code null}. */
    public static GgmlType byName(String name) {
        for (GgmlType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Bytes taken by {@code elements} elements, which must be a whole number of blocks.
     *
     * @throws ArithmeticException on overflow of a signed 64-bit size
     * @throws IllegalArgumentException when {@code elements} is negative or not a multiple of the block size
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a whole number of " + name() + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
