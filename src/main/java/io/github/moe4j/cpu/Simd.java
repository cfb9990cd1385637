package io.github.moe4j.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The vector shapes every CPU kernel uses, fixed once per JVM, and small shared helpers.
 *
 * <p>All species are {@code static final} so that C2 sees constants (a species read from a non-final
 * field made kernels ~10x slower). The float shape is the platform's preferred one (512 bits on
 * AVX-512, 256 on AVX2), or 256 bits when {@code -Dmoe4j.vectorBits=256} is set (to compare the two);
 * the narrower species hold as many lanes as the float one, for widening conversions
 * (bytes or shorts to floats, lane for lane).
 */
final class Simd {
    private Simd() {
    }

    // ---- species ----

    /** Floats: 16 lanes at 512 bits, 8 at 256. */
    static final VectorSpecies<Float> F = floatSpecies();
    /** Lanes per float vector. */
    static final int FL = F.length();
    /** Ints of the float shape (FL lanes). */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shift counts as constant vectors (why: see the note in {@link KQuant} on scalar shift counts). */
    private static final IntVector SHIFT13 = IntVector.broadcast(I, 13);
    private static final IntVector SHIFT16 = IntVector.broadcast(I, 16);
    // halfToFloat's constants as vectors: the scalar-operand forms (and(int), lanewise(op, int, mask),
    // compare(op, int), mul(float)) reach the vector code through a JDK call site whose type profile every
    // kernel shares, and C2 may leave them to the boxing fallback (see KQuant)
    private static final IntVector HALF_BITS = IntVector.broadcast(I, 0x8FFFE000);
    private static final IntVector EXP_ALL = IntVector.broadcast(I, 0x7F800000);
    private static final IntVector ABS_BITS = IntVector.broadcast(I, 0x7FFFFFFF);
    private static final IntVector HALF_INF = IntVector.broadcast(I, 0x47800000);
    private static final FloatVector TWO_112 = FloatVector.broadcast(F, 0x1p112f);
    /**
     * Doubles of the float shape (FL / 2 lanes): sums of float lanes are taken by widening the two
     * halves to double, where they are exact in practice and so independent of the order in which the
     * JIT-compiled or interpreted Vector API adds lanes (see {@code VMath}).
     */
    static final VectorSpecies<Double> DF = VectorSpecies.of(double.class, F.vectorShape());
    /** FL bytes (128 bits at FL = 16): one load widens to one float vector. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(FL * 8));
    /** FL shorts (256 bits at FL = 16). */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(FL * 16));

    private static VectorSpecies<Float> floatSpecies() {
        int bits = Integer.getInteger("moe4j.vectorBits", 0);
        if (bits == 256) {
            return FloatVector.SPECIES_256;
        }
        if (bits == 512) {
            return FloatVector.SPECIES_512;
        }
        VectorSpecies<Float> p = FloatVector.SPECIES_PREFERRED;
        // below 256 bits the kernels' block loops (FL dividing 16) still work, but 8 lanes is our floor
        return p.vectorBitSize() >= 256 ? p : FloatVector.SPECIES_256;
    }

    static {
        if (16 % FL != 0 || FL < 8) {
            throw new IllegalStateException("unsupported float vector length " + FL);
        }
    }

    // ---- memory layouts ----

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /**
     * Every binary16 bit pattern as float (256 KiB), as ggml's x86 code once did. A block's scale read
     * through it is one table load that C2 broadcasts straight from memory; the intrinsic conversion
     * costs three shuffle-port operations (VMOVD, VCVTPH2PS, VBROADCASTSS) on the port the weight
     * widening needs too, and a Q4_0 row ran at half the speed with it (docs/PERFORMANCE.md).
     */
    private static final float[] F16_TABLE = f16Table();

    private static float[] f16Table() {
        float[] t = new float[1 << 16];
        for (int i = 0; i < t.length; i++) {
            t[i] = Float.float16ToFloat((short) i);
        }
        return t;
    }

    /** A binary16 field as float (exact, NaN payloads included). */
    static float f16(MemorySegment s, long off) {
        return F16_TABLE[Short.toUnsignedInt(s.get(I16, off))];
    }

    // ---- conversions ----

    /**
     * FL binary16 values as floats, exact for every value. The sign-extended halves shifted left by 13
     * and masked to sign and magnitude bits are a float 2^112 times too small, exact for normal and
     * subnormal halves alike (multiplying by 2^112 is exact); exponent 31 (infinity, NaN) lands at
     * 2^16 and above, where the float exponent is set to 255, keeping the NaN payload.
     */
    static FloatVector halfToFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);   // sign-extended
        FloatVector f = i.lanewise(VectorOperators.LSHL, SHIFT13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
        IntVector bits = f.reinterpretAsInts();
        return bits.lanewise(VectorOperators.OR, EXP_ALL, bits.and(ABS_BITS).compare(VectorOperators.GE, HALF_INF))
                .reinterpretAsFloats();
    }

    /** FL bfloat16 values as floats (exact: the bits shifted into the high half). */
    static FloatVector bf16ToFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, SHIFT16).reinterpretAsFloats();
    }
}
