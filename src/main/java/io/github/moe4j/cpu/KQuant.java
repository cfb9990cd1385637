package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Shared by the K-quant dot kernels ({@link Q4_KDot} and the others): little-endian field layouts, the
 * Q8_K activation block layout, the argument check every kernel makes once per call, and the unpacking
 * of Q4_K/Q5_K's twelve bytes of 6-bit (scale, min) pairs into one byte per value (ggml's {@code utmp}).
 *
 * <p>Why the kernels look the way they do (measured on AVX-512, see docs/KQUANT_NOTES.md):
 * <ul>
 *   <li>The Vector API has no u8 x i8 or i16 x i16 pairwise multiply-add (vpmaddubsw, vpmaddwd, VNNI).
 *       Products are formed in 16-bit lanes: a vector of shorts holds two bytes per lane; the even byte is
 *       {@code s & 0xFF} (sign-extended with xor/sub) and the odd byte {@code s >> 8}; one 16 x 16 multiply
 *       per byte parity, the two added (|w x| &lt;= 63 * 127, so two products fit in a short). Pairs of
 *       shorts are then summed into ints with {@code (p + (p << 16)) >> 16} on int lanes.</li>
 *   <li>Shift counts on short lanes cost an extra instruction (C2 emits the register form), so nibbles
 *       are extracted with int-lane shifts and masks that keep each short's bits apart.</li>
 *   <li>C2 stops inlining ordinary methods once a compilation passes about 18,000 IR nodes, and every
 *       Vector API call costs a few hundred nodes while being parsed. So each kernel keeps its vector code
 *       in one loop body that appears once in the bytecode (an inner loop of 2 trips, which C2 unrolls
 *       fully), and scalar helpers stay small.</li>
 * </ul>
 */
final class KQuant {
    private KQuant() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // Shift counts and masks as constant vectors, not scalars: IntVector.lanewise(op, int) and
    // ShortVector.lanewise(op, short) reach the 512-bit implementation through a virtual call inside the
    // JDK whose type profile is shared by every kernel and shape in the process; once other shapes have
    // run it is megamorphic, C2 leaves the call out of line wherever it has lost the receiver's exact
    // type (after reinterpret/convert), and the out-of-line op runs the Java fallback: heap arrays and
    // boxed vectors on every call (measured: 10 KB per 64-row Q6_K matvec). The vector-argument forms
    // dispatch at the kernel's own call site, whose profile sees one shape.
    static final IntVector SHIFT4 = IntVector.broadcast(IntVector.SPECIES_512, 4);
    static final IntVector SHIFT8 = IntVector.broadcast(IntVector.SPECIES_512, 8);
    static final IntVector SHIFT12 = IntVector.broadcast(IntVector.SPECIES_512, 12);
    static final IntVector SHIFT16 = IntVector.broadcast(IntVector.SPECIES_512, 16);
    static final ShortVector SHIFT8_S = ShortVector.broadcast(ShortVector.SPECIES_512, (short) 8);
    static final ShortVector S_FF = ShortVector.broadcast(ShortVector.SPECIES_512, (short) 0xFF);
    static final ShortVector S_80 = ShortVector.broadcast(ShortVector.SPECIES_512, (short) 0x80);
    /**
     * Doubles for the final lane sums of these 512-bit kernels: 8 lanes, half a float vector, whatever
     * {@link Simd#DF} is. (With {@code -Dmoe4j.vectorBits=256} on an AVX-512 machine Simd.DF has 4 lanes,
     * and widening parts 0 and 1 of a 16-lane float vector to it dropped lanes 8..15.)
     */
    static final VectorSpecies<Double> DF = DoubleVector.SPECIES_512;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    // block_q8_K (292 bytes), as ActivationQuant writes it
    //   [0..4)      d          f32
    //   [4..260)    qs[256]    i8
    //   [260..292)  bsums[16]  i16  sum of qs[16j .. 16j + 15]
    static final int Q8K_D = 0;
    static final int Q8K_QS = 4;
    static final int Q8K_BSUMS = 260;
    static final int Q8K_BYTES = 292;

    /**
     * The int8 values of {@code n / 256} Q8_K blocks as shorts, in the order {@link Q4_KDot} multiplies
     * them: per block and half h (values 128h .. 128h+127), four runs of 32 shorts, lane k of which is value
     * {@code 128h + 64(k / 16) + 2(k % 16) + c} with c = 0, 1, 32, 33 (the values that meet the low nibble
     * of an even weight byte, of an odd one, then the high nibbles). Made once per activation, so that no
     * row of the matvec regroups or sign-extends the activation bytes again. (The same for Q6_K measured
     * 2% slower in decode: its rows are not limited by that work.)
     */
    static void splitQ4K(MemorySegment q8, int n, short[] dst) {
        for (int b = 0; b < n >>> 8; b++) {
            long qs = (long) b * Q8K_BYTES + Q8K_QS;
            for (int h = 0; h < 2; h++) {
                int o = 256 * b + 128 * h;
                for (int k = 0; k < 32; k++) {
                    long v = qs + 128 * h + 64 * (k >>> 4) + 2 * (k & 15);
                    dst[o + k] = q8.get(ValueLayout.JAVA_BYTE, v);
                    dst[o + 32 + k] = q8.get(ValueLayout.JAVA_BYTE, v + 1);
                    dst[o + 64 + k] = q8.get(ValueLayout.JAVA_BYTE, v + 32);
                    dst[o + 96 + k] = q8.get(ValueLayout.JAVA_BYTE, v + 33);
                }
            }
        }
    }

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
     * Q4_K/Q5_K: the 8 six-bit scales, sub-block j in byte j, from the little-endian ints {@code u0}
     * (packed bytes 0..3) and {@code u2} (bytes 8..11); see {@code Q4_KFormat.scale}.
     */
    static long scales(int u0, int u2) {
        long lo = u0 & 0x3F3F3F3F;
        long hi = (u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4;
        return lo | hi << 32;
    }

    /** Q4_K/Q5_K: the 8 six-bit mins, sub-block j in byte j, from {@code u1} (bytes 4..7) and {@code u2}. */
    static long mins(int u1, int u2) {
        long lo = u1 & 0x3F3F3F3F;
        long hi = ((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4;
        return lo | hi << 32;
    }

    /**
     * Checks one dot request and returns its number of 256-element super-blocks. {@code quantized}: the
     * kernel reads the activation's Q8_K blocks, which must be prepared and start at a block boundary.
     */
    static int check(GgmlType type, MemorySegment w, long offset, Activation x, int xElement, int count,
                     boolean quantized) {
        if (count < 0 || (count & 255) != 0 || offset < 0 || offset > w.byteSize() - (long) (count >>> 8) * type.typeSize()
                || xElement < 0 || xElement > x.length() - count
                || quantized && (x.quantizedType() != GgmlType.Q8_K || (xElement & 255) != 0)) {
            throw invalid(type, w, offset, x, xElement, count, quantized);
        }
        return count >>> 8;
    }

    private static RuntimeException invalid(GgmlType type, MemorySegment w, long offset, Activation x, int xElement,
                                            int count, boolean quantized) {
        if (count < 0 || (count & 255) != 0) {
            return new IllegalArgumentException(type + ": count " + count + " is not a multiple of 256");
        }
        if (offset < 0 || offset > w.byteSize() - (long) (count >>> 8) * type.typeSize()) {
            return new IndexOutOfBoundsException(type + ": " + count + " weights at byte " + offset
                    + " run outside a " + w.byteSize() + "-byte segment");
        }
        if (xElement < 0 || xElement > x.length() - count) {
            return new IndexOutOfBoundsException(type + ": activation elements [" + xElement + ", "
                    + ((long) xElement + count) + ") outside the activation's " + x.length());
        }
        if (x.quantizedType() != GgmlType.Q8_K) {
            return new IllegalStateException(type + ": the activation holds " + x.quantizedType()
                    + " blocks, this kernel reads Q8_K (Activation.set with vecDotType Q8_K)");
        }
        return new IllegalArgumentException(type + ": activation element " + xElement
                + " does not start a Q8_K block");
    }
}
