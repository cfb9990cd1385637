package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q8_0Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * Q8_0 weights ({@code w = q * d}, q a signed byte) against Q8_0 (or f32) activations: per block the 32
 * quant bytes are loaded one float vector's worth at a time (16 bytes at 512 bits) and widened to floats;
 * {@code t = q . x} in float lanes (exact for Q8_0 activations: at most 32 * 127 * 127 in magnitude),
 * {@code acc += d * t}. One 256-bit load widened part by part ran 25-45% slower: C2 extracts the upper
 * half with an extra shuffle, on the port the widening itself needs.
 */
final class Q8_0Kernel extends BlockKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();

    private static final VectorSpecies<Byte> B = Simd.B;
    private static final int BYTES = Q8_0Format.BLOCK_BYTES;     // 34
    private static final int QS = Q8_0Format.OFF_QS;             // 2
    private static final int PARTS = 32 / FL;                    // float vectors per block

    private Q8_0Kernel() {
        super(GgmlType.Q8_0, GgmlType.Q8_0);
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int pairs = nb >> 1;
        for (int i = 0; i < pairs; i++) {
            int b = i << 1;
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                t0 = widen(w, blk + QS + p * FL).fma(FloatVector.fromArray(F, x, xi + p * FL), t0);
                t1 = widen(w, blk + BYTES + QS + p * FL).fma(FloatVector.fromArray(F, x, xi + 32 + p * FL), t1);
            }
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, blk + BYTES)), acc1);
        }
        float tail = (nb & 1) != 0 ? lastBlock(w, off, x, xo, nb - 1) : 0f;
        FloatVector red = acc0.add(acc1);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) + tail;
    }

    /**
     * Block {@code b} alone (the odd last block of a row). Kept out of {@link #dot1} so that method
     * stays small enough for C2 to inline everything it calls (past its node budget a call is left
     * out of line, and a vector passed to it is boxed on the heap).
     */
    private static float lastBlock(MemorySegment w, long off, float[] x, int xo, int b) {
        long blk = off + (long) b * BYTES;
        int xi = xo + 32 * b;
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            t = widen(w, blk + QS + p * FL).fma(FloatVector.fromArray(F, x, xi + p * FL), t);
        }
        return Simd.f16(w, blk) * (float) ((DoubleVector) t.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(t.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                widen(w, blk + QS + p * FL).mul(d).intoArray(dst, dstOff + 32 * b + p * FL);
            }
        }
    }

    /** FL quant bytes at {@code at} as floats. */
    private static FloatVector widen(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.B2F, F, 0);
    }
}
