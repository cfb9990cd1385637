package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar helpers shared by the K-quant dot kernels: little-endian field reads at any byte offset, the
 * argument checks every kernel makes once per call, and the unpacking of Q4_K/Q5_K's twelve bytes of
 * 6-bit (scale, min) pairs into two longs (ggml's {@code utmp} trick).
 */
final class KQuant {
    private KQuant() {
    }

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Q8_K block: f32 d, 256 int8 quants, 16 int16 sums of 16 quants. */
    static final int Q8K_D = 0;
    static final int Q8K_QS = 4;
    static final int Q8K_BSUMS = 260;
    static final int Q8K_BYTES = 292;

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    static float f32(MemorySegment s, long off) {
        return s.get(F32, off);
    }

    static int i32(MemorySegment s, long off) {
        return s.get(I32, off);
    }

    static long i64(MemorySegment s, long off) {
        return s.get(I64, off);
    }

    /**
     * Q4_K/Q5_K: the 8 six-bit scales, one per byte (sub-block j in byte j), from the three
     * little-endian ints {@code u0 u1 u2} of the 12 packed bytes (see {@code Q4_KFormat.scale}).
     */
    static long scales(int u0, int u2) {
        long lo = u0 & 0x3F3F3F3F;
        long hi = (u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4;
        return lo | hi << 32;
    }

    /** Q4_K/Q5_K: the 8 six-bit mins, one per byte (see {@code Q4_KFormat.min}). */
    static long mins(int u1, int u2) {
        long lo = u1 & 0x3F3F3F3F;
        long hi = ((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4;
        return lo | hi << 32;
    }

    /** Checks a dot request and returns the number of 256-element super-blocks. */
    static int check(GgmlType type, MemorySegment w, long offset, Activation x, int xElement, int count,
                     boolean quantized) {
        if (count < 0 || (count & 255) != 0) {
            throw new IllegalArgumentException(type + ": count " + count + " is not a multiple of 256");
        }
        if (offset < 0 || offset > w.byteSize() - type.byteSize(count)) {
            throw new IndexOutOfBoundsException(type + ": " + count + " weights at byte " + offset
                    + " run past the end of a " + w.byteSize() + "-byte segment");
        }
        if (xElement < 0 || xElement > x.length() - count) {
            throw new IndexOutOfBoundsException(type + ": activation elements [" + xElement + ", "
                    + ((long) xElement + count) + ") outside the activation's " + x.length());
        }
        if (quantized) {
            if (x.quantizedType() != GgmlType.Q8_K) {
                throw new IllegalStateException(type + ": the activation holds " + x.quantizedType()
                        + ", this kernel reads Q8_K");
            }
            if ((xElement & 255) != 0) {
                throw new IllegalArgumentException(type + ": activation element " + xElement
                        + " does not start a Q8_K block");
            }
        }
        return count >>> 8;
    }
}
