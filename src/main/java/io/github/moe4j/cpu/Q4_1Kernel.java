package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_1Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
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
        int sb = xo / 32;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + BYTES + QS, LE);
            ByteVector lo0 = q0.and((byte) 0x0F);
            ByteVector hi0 = q0.lanewise(VectorOperators.LSHR, 4);
            ByteVector lo1 = q1.and((byte) 0x0F);
            ByteVector hi1 = q1.lanewise(VectorOperators.LSHR, 4);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                t0 = ((FloatVector) lo0.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + j), t0);
                t0 = ((FloatVector) hi0.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t0);
                t1 = ((FloatVector) lo1.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 32 + j), t1);
                t1 = ((FloatVector) hi1.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 48 + j), t1);
            }
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, blk + BYTES)), acc1);
            corr += Simd.f16(w, blk + M) * xs[sb + b] + Simd.f16(w, blk + BYTES + M) * xs[sb + b + 1];
        }
        for (; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            ByteVector lo = q.and((byte) 0x0F);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4);
            FloatVector t = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                t = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + j), t);
                t = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
            }
            acc0 = t.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            corr += Simd.f16(w, blk + M) * xs[sb + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) + corr;
    }

    @Override
    void dot4(MemorySegment w, long off, long rowBytes, float[] x, float[] xs, int xo, int nb, float[] y, int yo) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        float c0 = 0f;
        float c1 = 0f;
        float c2 = 0f;
        float c3 = 0f;
        int sb = xo / 32;
        for (int b = 0; b < nb; b++) {
            long b0 = off + (long) b * BYTES;
            long b1 = b0 + rowBytes;
            long b2 = b1 + rowBytes;
            long b3 = b2 + rowBytes;
            int xi = xo + 32 * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B16, w, b0 + QS, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B16, w, b1 + QS, LE);
            ByteVector q2 = ByteVector.fromMemorySegment(B16, w, b2 + QS, LE);
            ByteVector q3 = ByteVector.fromMemorySegment(B16, w, b3 + QS, LE);
            ByteVector l0 = q0.and((byte) 0x0F);
            ByteVector l1 = q1.and((byte) 0x0F);
            ByteVector l2 = q2.and((byte) 0x0F);
            ByteVector l3 = q3.and((byte) 0x0F);
            ByteVector h0 = q0.lanewise(VectorOperators.LSHR, 4);
            ByteVector h1 = q1.lanewise(VectorOperators.LSHR, 4);
            ByteVector h2 = q2.lanewise(VectorOperators.LSHR, 4);
            ByteVector h3 = q3.lanewise(VectorOperators.LSHR, 4);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            FloatVector t2 = FloatVector.zero(F);
            FloatVector t3 = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                FloatVector xl = FloatVector.fromArray(F, x, xi + j);
                FloatVector xh = FloatVector.fromArray(F, x, xi + 16 + j);
                t0 = ((FloatVector) l0.convertShape(VectorOperators.B2F, F, p)).fma(xl, t0);
                t1 = ((FloatVector) l1.convertShape(VectorOperators.B2F, F, p)).fma(xl, t1);
                t2 = ((FloatVector) l2.convertShape(VectorOperators.B2F, F, p)).fma(xl, t2);
                t3 = ((FloatVector) l3.convertShape(VectorOperators.B2F, F, p)).fma(xl, t3);
                t0 = ((FloatVector) h0.convertShape(VectorOperators.B2F, F, p)).fma(xh, t0);
                t1 = ((FloatVector) h1.convertShape(VectorOperators.B2F, F, p)).fma(xh, t1);
                t2 = ((FloatVector) h2.convertShape(VectorOperators.B2F, F, p)).fma(xh, t2);
                t3 = ((FloatVector) h3.convertShape(VectorOperators.B2F, F, p)).fma(xh, t3);
            }
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, b0)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, b1)), acc1);
            acc2 = t2.fma(FloatVector.broadcast(F, Simd.f16(w, b2)), acc2);
            acc3 = t3.fma(FloatVector.broadcast(F, Simd.f16(w, b3)), acc3);
            float s = xs[sb + b];
            c0 += Simd.f16(w, b0 + M) * s;
            c1 += Simd.f16(w, b1 + M) * s;
            c2 += Simd.f16(w, b2 + M) * s;
            c3 += Simd.f16(w, b3 + M) * s;
        }
        y[yo] = acc0.reduceLanes(VectorOperators.ADD) + c0;
        y[yo + 1] = acc1.reduceLanes(VectorOperators.ADD) + c1;
        y[yo + 2] = acc2.reduceLanes(VectorOperators.ADD) + c2;
        y[yo + 3] = acc3.reduceLanes(VectorOperators.ADD) + c3;
    }

    /** {@code dst = q * d} (the minimum goes to {@code mins}, applied through the activation's block sums). */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int o = dstOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            ByteVector lo = q.and((byte) 0x0F);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4);
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + 16 + p * FL);
            }
            mins[minsOff + b] = Simd.f16(w, blk + M);
        }
    }
}
