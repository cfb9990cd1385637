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
 * <p>Per block: the 16 quant bytes are loaded once and zero-extended to int lanes, where the low
 * nibble is one {@code and} and the high nibble one shift (byte-lane shifts cost C2 five instructions);
 * both widen to floats; {@code t = q_lo . x_lo + q_hi . x_hi} in float lanes (exact for Q8_0
 * activations), then {@code acc += d * t}. Two blocks per step feed two accumulator chains. The offset of
 * 8 leaves the loop: {@code sum (q - 8) x = sum q x - 8 sum x}, a scalar {@code corr += d * xsum} per block.
 * Tried and slower here: a 4-row variant sharing activation loads, 4 blocks per step, int16 products
 * of the Q8_0 bytes, a long induction variable (see docs/PERFORMANCE.md).
 */
final class Q4_0Kernel extends BlockKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int BYTES = Q4_0Format.BLOCK_BYTES;     // 18
    private static final int QS = Q4_0Format.OFF_QS;             // 2
    private static final int PARTS = 16 / FL;                    // float vectors per half block

    private Q4_0Kernel() {
        super(GgmlType.Q4_0, GgmlType.Q8_0);
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        float corr = 0f;
        int sb = xo >> 5;
        int pairs = nb >> 1;
        for (int i = 0; i < pairs; i++) {
            int b = i << 1;
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            ByteVector v0 = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            ByteVector v1 = ByteVector.fromMemorySegment(B16, w, blk + BYTES + QS, LE);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector q0 = (IntVector) v0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                IntVector q1 = (IntVector) v1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                t0 = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + j), t0);
                t0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xi + 16 + j), t0);
                t1 = ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32 + j), t1);
                t1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xi + 48 + j), t1);
            }
            float d0 = Simd.f16(w, blk);
            float d1 = Simd.f16(w, blk + BYTES);
            acc0 = t0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, d1), acc1);
            corr += d0 * xs[sb + b] + d1 * xs[sb + b + 1];
        }
        float tail = (nb & 1) != 0 ? lastBlock(w, off, x, xs, xo, nb - 1) : 0f;
        FloatVector red = acc0.add(acc1);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) - 8f * corr + tail;
    }

    /**
     * Block {@code b} alone (the odd last block of a row). Kept out of {@link #dot1} so that method
     * stays small enough for C2 to inline everything it calls (past its node budget a call is left
     * out of line, and a vector passed to it is boxed on the heap).
     */
    private static float lastBlock(MemorySegment w, long off, float[] x, float[] xs, int xo, int b) {
        long blk = off + (long) b * BYTES;
        int xi = xo + 32 * b;
        ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            int j = p * FL;
            IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
            t = ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + j), t);
            t = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
        }
        float d = Simd.f16(w, blk);
        return d * ((float) ((DoubleVector) t.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(t.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) - 8f * xs[(xo >> 5) + b]);
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
                ((FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
