package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Little-endian field access inside ggml blocks (which sit at any byte offset: a 17-byte MXFP4 block
 * leaves every later field unaligned) and the argument checks every format shares.
 */
final class Le {
    private Le() {
    }

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    static int u16(MemorySegment s, long off) {
        return s.get(I16, off) & 0xFFFF;
    }

    static int i16(MemorySegment s, long off) {
        return s.get(I16, off);
    }

    static int i32(MemorySegment s, long off) {
        return s.get(I32, off);
    }

    /** An IEEE binary16 field as float (exact, like ggml's GGML_FP16_TO_FP32). */
    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    static float f32(MemorySegment s, long off) {
        return s.get(F32, off);
    }

    static void putU8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    static void putI16(MemorySegment s, long off, int v) {
        s.set(I16, off, (short) v);
    }

    /** Stores {@code v} rounded to binary16, to nearest even (as ggml's GGML_FP32_TO_FP16). */
    static void putF16(MemorySegment s, long off, float v) {
        s.set(I16, off, Float.floatToFloat16(v));
    }

    static void putF32(MemorySegment s, long off, float v) {
        s.set(F32, off, v);
    }

    // ---- shared checks ----

    /** Throws when a format's layout constants disagree with ggml's block geometry in {@link GgmlType}. */
    static void checkLayout(GgmlType type, int blockSize, int blockBytes) {
        if (type.blockSize() != blockSize || type.typeSize() != blockBytes) {
            throw new IllegalStateException(type + " layout: " + blockSize + " elements in " + blockBytes
                    + " bytes, but GgmlType says " + type.blockSize() + " in " + type.typeSize());
        }
    }

    /** Checks a request for {@code count} elements of {@code type}; returns the number of blocks. */
    static int blocks(GgmlType type, int count) {
        if (count < 0 || count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " elements is not a whole number of " + type
                    + " blocks of " + type.blockSize());
        }
        return count / type.blockSize();
    }

    /** Checks the source bytes and destination range of a dequantize or dot call; returns the block count. */
    static int checkRange(GgmlType type, MemorySegment src, long offset, int arrayLength, int arrayOffset, int count) {
        int nb = blocks(type, count);
        Objects.checkFromIndexSize(arrayOffset, count, arrayLength);
        Objects.checkFromIndexSize(offset, (long) nb * type.typeSize(), src.byteSize());
        return nb;
    }

    /** Checks a {@link BlockFormat#vecDot} request: weights at {@code offset}, activations of {@code actType}; returns the block count. */
    static int checkVecDot(GgmlType type, MemorySegment src, long offset, GgmlType actType, MemorySegment act,
                           long actOffset, int count) {
        int nb = blocks(type, count);
        Objects.checkFromIndexSize(offset, (long) nb * type.typeSize(), src.byteSize());
        Objects.checkFromIndexSize(actOffset, actType.byteSize(count), act.byteSize());
        return nb;
    }
}
