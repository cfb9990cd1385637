package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_0Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * Q4_0 weights ({@code w = (q - 8) * d}, q a nibble) against Q8_0 (or f32) activations.
 *
 * <p>Per block: the 16 quant bytes are loaded once and zero-extended to int lanes; each nibble becomes
 * its float level {@code q - 8} through a 16-entry table ({@link #level}: a lane permute, which reads only
 * the index's low 4 bits, so the low nibble needs no mask and the high one a shift); then
 * {@code t = (q - 8)_lo . x_lo + (q - 8)_hi . x_hi} in float lanes (exact for Q8_0 activations) and
 * {@code acc += d * t}. Two blocks per step feed two accumulator chains. Against widening each nibble
 * with an int-to-float conversion and taking the 8 off through the activation block sums, the table
 * measured 1.3x in cache (docs/PERFORMANCE.md): the conversion and the mask shared ports with the
 * widening. Tried and slower here: a 4-row variant sharing activation loads, 4 blocks per step, int16
 * products of the Q8_0 bytes, a long induction variable.
 */
final class Q4_0Kernel extends BlockKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int BYTES = Q4_0Format.BLOCK_BYTES;     // 18
    private static final int QS = Q4_0Format.OFF_QS;             // 2
    private static final int PARTS = 16 / FL;                    // float vectors per half block
    /** The 16 levels {@code q - 8} as float bits, in one vector (FL = 16) or the first FL of them. */
    private static final IntVector LEVELS = levels(0);
    /** Levels FL .. 15 when FL = 8 (a two-vector table), unused at FL = 16. */
    private static final IntVector LEVELS_HIGH = levels(FL % 16);

    private static IntVector levels(int first) {
        int[] t = new int[FL];
        for (int i = 0; i < FL; i++) {
            t[i] = Float.floatToRawIntBits(first + i - 8);
        }
        return IntVector.fromArray(I, t, 0);
    }

    private Q4_0Kernel() {
        super(GgmlType.Q4_0, GgmlType.Q8_0);
    }

    /** {@code (q & 15) - 8} as floats, for int lanes q (only the low 4 bits are read). */
    private static FloatVector level(IntVector q) {
        return (FL == 16 ? q.selectFrom(LEVELS) : q.selectFrom(LEVELS, LEVELS_HIGH)).reinterpretAsFloats();
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            FloatVector t = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                t = level(q).fma(FloatVector.fromArray(F, x, xi + j), t);
                t = level(q.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
            }
            acc = t.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc);
        }
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * Block {@code b} alone (the odd last block of a row). Kept out of {@link #dot1} so that method
     * stays small enough for C2 to inline everything it calls (past its node budget a call is left
     * out of line, and a vector passed to it is boxed on the heap).
     */
    private static float lastBlock(MemorySegment w, long off, float[] x, int xo, int b) {
        long blk = off + (long) b * BYTES;
        int xi = xo + 32 * b;
        ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            int j = p * FL;
            IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
            t = level(q).fma(FloatVector.fromArray(F, x, xi + j), t);
            t = level(q.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
        }
        return Simd.f16(w, blk) * (float) ((DoubleVector) t.convertShape(VectorOperators.F2D, Simd.DF, 0))
                .add(t.convertShape(VectorOperators.F2D, Simd.DF, 1)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int o = dstOff + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                level(q).mul(d).intoArray(dst, o + p * FL);
                level(q.lanewise(VectorOperators.LSHR, 4)).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
