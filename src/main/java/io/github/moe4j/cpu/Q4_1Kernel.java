package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_1Format;
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
 * Q4_1 weights ({@code w = q * d + m}) against Q8_1 (or f32) activations: as {@link Q4_0Kernel} for
 * {@code d * (q . x)}; the minimum enters once per block as ggml's {@code m * s} (s the Q8_1 block's
 * stored sum, or the f32 block sum), a scalar {@code corr += m * s}.
 */
final class Q4_1Kernel extends BlockKernel {
    static final Q4_1Kernel INSTANCE = new Q4_1Kernel();

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int BYTES = Q4_1Format.BLOCK_BYTES;     // 20
    private static final int M = Q4_1Format.OFF_M;               // 2
    private static final int QS = Q4_1Format.OFF_QS;             // 4
    private static final int PARTS = 16 / FL;

    private Q4_1Kernel() {
        super(GgmlType.Q4_1, GgmlType.Q8_1);
    }

    @Override
    public boolean hasMins() {
        return true;
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
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, blk + BYTES)), acc1);
            corr += Simd.f16(w, blk + M) * xs[sb + b] + Simd.f16(w, blk + BYTES + M) * xs[sb + b + 1];
        }
        if ((nb & 1) != 0) {
            int b = nb - 1;
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
            acc0 = t.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            corr += Simd.f16(w, blk + M) * xs[sb + b];
        }
        FloatVector red = acc0.add(acc1);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) + corr;
    }

    /** {@code dst = q * d} (the minimum goes to {@code mins}, applied through the activation's block sums). */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int o = dstOff + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(dst, o + 16 + p * FL);
            }
            mins[minsOff + b] = Simd.f16(w, blk + M);
        }
    }
}
