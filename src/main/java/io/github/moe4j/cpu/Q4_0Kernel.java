package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_0Format;
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
 * Q4_0 weights ({@code w = (q - 8) * d}, q a nibble) against Q8_0 (or f32) activations.
 *
 * <p>Per block: the 16 quant bytes are loaded once, split into low and high nibbles and widened to
 * floats; {@code t = q_lo . x_lo + q_hi . x_hi} in float lanes (exact for Q8_0 activations), then
 * {@code acc += d * t}. The offset of 8 is taken out once per block through the activation's block sum:
 * {@code sum (q - 8) x = sum q x - 8 sum x}, a scalar {@code corr += d * xsum}.
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
        int sb = xo / 32;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {             // two blocks per step: two independent accumulator chains
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
            float d0 = Simd.f16(w, blk);
            float d1 = Simd.f16(w, blk + BYTES);
            acc0 = t0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, d1), acc1);
            corr += d0 * xs[sb + b] + d1 * xs[sb + b + 1];
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
            float d = Simd.f16(w, blk);
            acc0 = t.fma(FloatVector.broadcast(F, d), acc0);
            corr += d * xs[sb + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8f * corr;
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
            float d0 = Simd.f16(w, b0);
            float d1 = Simd.f16(w, b1);
            float d2 = Simd.f16(w, b2);
            float d3 = Simd.f16(w, b3);
            acc0 = t0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, d1), acc1);
            acc2 = t2.fma(FloatVector.broadcast(F, d2), acc2);
            acc3 = t3.fma(FloatVector.broadcast(F, d3), acc3);
            float s = xs[sb + b];
            c0 += d0 * s;
            c1 += d1 * s;
            c2 += d2 * s;
            c3 += d3 * s;
        }
        y[yo] = acc0.reduceLanes(VectorOperators.ADD) - 8f * c0;
        y[yo + 1] = acc1.reduceLanes(VectorOperators.ADD) - 8f * c1;
        y[yo + 2] = acc2.reduceLanes(VectorOperators.ADD) - 8f * c2;
        y[yo + 3] = acc3.reduceLanes(VectorOperators.ADD) - 8f * c3;
    }

    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int o = dstOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
